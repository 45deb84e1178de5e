//! `candor-bench chat`: many chat widgets at once on one `candor serve`.
//! Each of `--sockets` WebSockets says hello as its own visitor and sends
//! `--messages` messages, one after the other; an agent's event stream
//! (`/api/v1/stream`) hears each; then an agent answers every chat through
//! the API and each widget hears its reply. Measured: the time from a
//! visitor's send to the agent's live event (from the second message on,
//! when the conversation is known), and from the agent's reply request to
//! the widget's frame. Load and all: one machine, loopback.

use crate::database::FreshDb;
use crate::machine::loadavg;
use crate::server::{Launch, Server, command};
use anyhow::{Context, Result, anyhow, bail};
use candor_store::Backend;
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

/// Options of `candor-bench chat`.
#[derive(Args, Debug, Clone)]
pub struct ChatArgs {
    /// sqlite or postgres.
    #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "postgres"])]
    pub backend: String,
    /// Chat WebSockets open at once.
    #[arg(long, default_value_t = 1000)]
    pub sockets: usize,
    /// Messages each visitor sends.
    #[arg(long, default_value_t = 3)]
    pub messages: usize,
    /// The PostgreSQL server (for --backend postgres).
    #[arg(
        long,
        env = "CANDOR_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pub pg_url: String,
    /// The candor binary.
    #[arg(long, default_value = "target/release/candor")]
    pub candor: PathBuf,
    /// Where to write the figures as JSON.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

type Pending = Arc<Mutex<HashMap<String, VecDeque<Instant>>>>;

/// Percentiles of a set of durations, in milliseconds.
fn summary(mut ms: Vec<f64>) -> Value {
    if ms.is_empty() {
        return json!({"count": 0});
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    json!({"count": ms.len(), "p50_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99),
        "max_ms": ms[ms.len() - 1]})
}

async fn cli(candor: &std::path::Path, url: &str, dir: &std::path::Path, args: &[&str], stdin: &str) -> Result<String> {
    let mut child = command(candor)
        .arg("--database-url")
        .arg(url)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", candor.display()))?;
    if let Some(mut i) = child.stdin.take() {
        i.write_all(stdin.as_bytes()).await?;
    }
    let out = child.wait_with_output().await?;
    if !out.status.success() {
        bail!("candor {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs the chat scenario and prints its figures.
pub async fn run(args: ChatArgs) -> Result<()> {
    let backend = if args.backend == "postgres" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let work = tempfile::tempdir()?;
    let db = FreshDb::create(backend, &args.pg_url, work.path()).await?;
    let data = db.data_dir.clone().unwrap_or_else(|| work.path().join("data"));
    std::fs::create_dir_all(&data)?;
    let owner = [
        "admin",
        "create-owner",
        "--workspace",
        "Chat Bench",
        "--email",
        "owner@bench.example",
        "--name",
        "Olivia Owner",
        "--password-stdin",
    ];
    let slug = cli(&args.candor, &db.url, &data, &owner, "correct horse battery\n").await?;
    let token_args = [
        "token",
        "create",
        "--workspace",
        &slug,
        "--email",
        "owner@bench.example",
        "--name",
        "bench",
    ];
    let token = cli(&args.candor, &db.url, &data, &token_args, "").await?;
    let launch = Launch {
        name: "candor",
        program: args.candor.clone(),
        args: [
            "--database-url",
            &db.url,
            "--data-dir",
            &data.display().to_string(),
            "serve",
            "--chat-sockets-per-ip",
            &(args.sockets + 10).to_string(),
            "--listen",
            "127.0.0.1:0",
        ]
        .iter()
        .map(Into::into)
        .collect(),
        log: work.path().join("candor.log"),
    };
    let load_before = loadavg();
    let server = Server::start(&launch).await?;
    let result = measure(&args, &server.url, &slug, &token).await;
    let load_after = loadavg();
    let stopped = server.stop().await;
    let _ = db.drop_database().await;
    let (visitor_to_agent, agent_to_widget, errors) = result?;
    stopped?;
    let report = json!({
        "scenario": "chat", "backend": args.backend, "sockets": args.sockets, "messages_per_visitor": args.messages,
        "visitor_to_agent_event": summary(visitor_to_agent), "agent_reply_to_widget": summary(agent_to_widget),
        "errors": errors, "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "load_before": load_before, "load_after": load_after,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    if let Some(out) = &args.out {
        std::fs::write(out, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

/// The agent's event stream: records when each conversation's message event arrives.
async fn listen(base: String, token: String, pending: Pending, heard: Arc<Mutex<Vec<f64>>>) -> Result<()> {
    let mut resp = reqwest::Client::new()
        .get(format!("{base}/api/v1/stream"))
        .bearer_auth(&token)
        .send()
        .await?;
    let mut buf = String::new();
    while let Some(chunk) = resp.chunk().await? {
        let now = Instant::now();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if !block.contains("event: message.created") {
                continue;
            }
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) else {
                continue;
            };
            let v: Value = serde_json::from_str(data.trim()).unwrap_or_default();
            let Some(c) = v["conversation_id"].as_str() else {
                continue;
            };
            let sent = pending
                .lock()
                .ok()
                .and_then(|mut p| p.get_mut(c).and_then(|q| q.pop_front()));
            if let (Some(sent), Ok(mut h)) = (sent, heard.lock()) {
                h.push(now.duration_since(sent).as_secs_f64() * 1000.0);
            }
        }
    }
    Ok(())
}

async fn next_frame<S>(ws: &mut S, kind: &str) -> Result<Value>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(Duration::from_secs(60), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str())?;
                if v["type"] == kind {
                    return Ok(v);
                }
                if v["type"] == "error" {
                    bail!("error frame: {v}");
                }
            }
            Ok(Some(Ok(_))) => {}
            other => bail!("no {kind} frame: {other:?}"),
        }
    }
}

type Measured = (Vec<f64>, Vec<f64>, usize);

async fn measure(args: &ChatArgs, base: &str, slug: &str, token: &str) -> Result<Measured> {
    let pending: Pending = Arc::default();
    let heard: Arc<Mutex<Vec<f64>>> = Arc::default();
    let listener = tokio::spawn(listen(
        base.to_string(),
        token.to_string(),
        pending.clone(),
        heard.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ws_url = format!("{}/w/{slug}/chat/ws", base.replacen("http", "ws", 1));
    // Every widget connects, says hello and sends its messages; then it
    // waits for its reply, reporting when it arrived.
    let (replied_tx, mut replied_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<Result<String>>();
    let connect_gate = Arc::new(tokio::sync::Semaphore::new(64));
    for i in 0..args.sockets {
        let (url, pending, replied, ready, gate) = (
            ws_url.clone(),
            pending.clone(),
            replied_tx.clone(),
            ready_tx.clone(),
            connect_gate.clone(),
        );
        let messages = args.messages;
        tokio::spawn(async move {
            let visitor = async {
                let permit = gate.acquire().await?;
                let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
                let hello = json!({"type": "hello", "visitor": format!("v_bench{i:08}")});
                ws.send(Message::Text(hello.to_string().into())).await?;
                next_frame(&mut ws, "welcome").await?;
                let mut conversation = String::new();
                for n in 0..messages {
                    if !conversation.is_empty()
                        && let Ok(mut p) = pending.lock()
                    {
                        p.entry(conversation.clone()).or_default().push_back(Instant::now());
                    }
                    let m = json!({"type": "message", "client_id": format!("c_bench{i:08}x{n:04}"),
                        "text": format!("Visitor {i} asks question {n}: where is my order?")});
                    ws.send(Message::Text(m.to_string().into())).await?;
                    let stored = next_frame(&mut ws, "stored").await?;
                    conversation = stored["conversation_id"].as_str().unwrap_or_default().to_string();
                    // The rate limit is 8 in a burst, then 0.8 a second.
                    if n >= 6 {
                        tokio::time::sleep(Duration::from_millis(1300)).await;
                    }
                }
                drop(permit);
                Ok::<_, anyhow::Error>((ws, conversation))
            };
            match visitor.await {
                Ok((mut ws, conversation)) => {
                    let _ = ready.send(Ok(conversation.clone()));
                    while let Ok(f) = next_frame(&mut ws, "message").await {
                        if f["from"] == "agent" {
                            let _ = replied.send((conversation, Instant::now()));
                            break;
                        }
                    }
                    // Stay connected until the run ends.
                    while ws.next().await.is_some() {}
                }
                Err(e) => {
                    let _ = ready.send(Err(e));
                }
            }
        });
    }
    drop(ready_tx);
    drop(replied_tx);
    let mut conversations = Vec::new();
    let mut errors = 0;
    for _ in 0..args.sockets {
        match ready_rx.recv().await {
            Some(Ok(c)) => conversations.push(c),
            Some(Err(e)) => {
                errors += 1;
                if errors <= 3 {
                    eprintln!("a widget failed: {e:#}");
                }
            }
            None => break,
        }
    }
    if conversations.is_empty() {
        bail!("no widget got through");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // The agent answers every chat, 16 requests at a time.
    let http = reqwest::Client::new();
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let gate = Arc::new(tokio::sync::Semaphore::new(16));
    let mut replies = Vec::new();
    for c in &conversations {
        let (http, gate, sent_at, base, token, c) = (
            http.clone(),
            gate.clone(),
            sent_at.clone(),
            base.to_string(),
            token.to_string(),
            c.clone(),
        );
        replies.push(tokio::spawn(async move {
            let _permit = gate.acquire().await?;
            if let Ok(mut s) = sent_at.lock() {
                s.insert(c.clone(), Instant::now());
            }
            let r = http
                .post(format!("{base}/api/v1/conversations/{c}/messages"))
                .bearer_auth(&token)
                .json(&json!({"kind": "outbound", "body": "Here is your answer."}))
                .send()
                .await?;
            if r.status() != 201 {
                return Err(anyhow!("reply answered {}", r.status()));
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for r in replies {
        match r.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                errors += 1;
                eprintln!("a reply failed: {e:#}");
            }
            Err(e) => {
                errors += 1;
                eprintln!("a reply task failed: {e}");
            }
        }
    }
    let mut to_widget = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while to_widget.len() < conversations.len() {
        match tokio::time::timeout_at(deadline, replied_rx.recv()).await {
            Ok(Some((c, at))) => {
                if let Some(sent) = sent_at.lock().ok().and_then(|s| s.get(&c).copied()) {
                    to_widget.push(at.duration_since(sent).as_secs_f64() * 1000.0);
                }
            }
            _ => break,
        }
    }
    errors += conversations.len() - to_widget.len();
    listener.abort();
    let heard = heard.lock().map(|h| h.clone()).unwrap_or_default();
    Ok((heard, to_widget, errors))
}

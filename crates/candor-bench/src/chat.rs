//! `candor-bench chat`: many chat widgets at once on one `candor serve`.
//! Each of `--sockets` WebSockets says hello as its own visitor and opens a
//! conversation with a first message; all stay connected. Then, for
//! `--duration`, visitors write at `--rate` messages a second in all and
//! agents answer through the API at `--replies` a second, open loop (on a
//! clock, not waiting for the server), each to the next conversation with
//! nothing in flight. Measured: the time from a visitor's send to the
//! agent's live event (`/api/v1/stream`), and from the agent's reply
//! request to the widget's frame. Load and all: one machine, loopback.

use crate::database::FreshDb;
use crate::machine::loadavg;
use crate::server::{Launch, Server, command};
use anyhow::{Context, Result, anyhow, bail};
use candor_store::Backend;
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// Visitor messages a second, across all widgets.
    #[arg(long, default_value_t = 50.0, value_parser = positive_rate)]
    pub rate: f64,
    /// Agent replies a second, across all conversations.
    #[arg(long, default_value_t = 50.0, value_parser = positive_rate)]
    pub replies: f64,
    /// How long visitors and agents write, like "30s".
    #[arg(long, default_value = "30s", value_parser = crate::cli::parse_duration)]
    pub duration: Duration,
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

/// A rate above zero, for `--rate` and `--replies`.
fn positive_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if r > 0.0 && r.is_finite() => Ok(r),
        _ => Err(format!("\"{s}\" is not a rate above 0 (messages a second)")),
    }
}

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
    let m = result?;
    stopped?;
    let seconds = args.duration.as_secs_f64();
    let report = json!({
        "scenario": "chat", "backend": args.backend, "sockets": args.sockets, "connected": m.connected,
        "duration_s": seconds, "rate_asked": args.rate, "replies_asked": args.replies,
        "visitor_messages": m.visitor_messages, "agent_replies": m.agent_replies,
        "skipped_busy": m.skipped_busy,
        "visitor_to_agent_event": summary(m.visitor_to_agent), "agent_reply_to_widget": summary(m.agent_to_widget),
        "errors": m.errors, "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "load_before": load_before, "load_after": load_after,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    if let Some(out) = &args.out {
        std::fs::write(out, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

/// What the event stream will announce next in a conversation, in commit
/// order: a visitor's message (timed) or an agent's reply (only consumed).
#[derive(Clone, Copy)]
enum Expected {
    Visitor(Instant),
    Agent,
}

/// Per conversation, the announcements still to come.
type Pending = Arc<Mutex<HashMap<String, VecDeque<Expected>>>>;

/// The agent's event stream: times each visitor message's `message.created`.
async fn listen(base: String, token: String, pending: Pending, busy: Busy, heard: Arc<Mutex<Vec<f64>>>) -> Result<()> {
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
            let expected = pending
                .lock()
                .ok()
                .and_then(|mut p| p.get_mut(c).and_then(|q| q.pop_front()));
            if let Some(Expected::Visitor(sent)) = expected {
                if let Ok(mut h) = heard.lock() {
                    h.push(now.duration_since(sent).as_secs_f64() * 1000.0);
                }
                busy.release(c);
            }
        }
    }
    Ok(())
}

/// Conversations with a message or reply in flight: the drivers skip them,
/// so that each conversation's announcements arrive in the order sent.
#[derive(Clone, Default)]
struct Busy(Arc<Mutex<HashSet<String>>>);

impl Busy {
    fn claim(&self, c: &str) -> bool {
        self.0.lock().map(|mut b| b.insert(c.to_string())).unwrap_or(false)
    }
    /// The widget at `*next` (moving the cursor on), claimed; `None`, and
    /// one more skip counted, when its conversation has something in flight.
    fn next_free<'a>(&self, widgets: &'a [Widget], next: &mut usize, skipped: &AtomicUsize) -> Option<&'a Widget> {
        let w = &widgets[*next % widgets.len()];
        *next += 1;
        if self.claim(&w.conversation) {
            Some(w)
        } else {
            skipped.fetch_add(1, Ordering::Relaxed);
            None
        }
    }

    fn release(&self, c: &str) {
        if let Ok(mut b) = self.0.lock() {
            b.remove(c);
        }
    }
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

/// One connected widget: its conversation and a way to make it send.
struct Widget {
    conversation: String,
    send: tokio::sync::mpsc::UnboundedSender<String>,
}

/// Connects a widget, says hello and sends its first message (which opens
/// the conversation); then it sends what it is told to and reports each
/// agent reply it hears, until the run ends.
async fn widget(
    url: String,
    i: usize,
    gate: Arc<tokio::sync::Semaphore>,
    replied: tokio::sync::mpsc::UnboundedSender<(String, Instant)>,
) -> Result<Widget> {
    let permit = gate.acquire_owned().await?;
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    let hello = json!({"type": "hello", "visitor": format!("v_bench{i:08}")});
    ws.send(Message::Text(hello.to_string().into())).await?;
    next_frame(&mut ws, "welcome").await?;
    let first = json!({"type": "message", "client_id": format!("c_bench{i:08}x0000"),
        "text": format!("Visitor {i}: where is my order?")});
    ws.send(Message::Text(first.to_string().into())).await?;
    let stored = next_frame(&mut ws, "stored").await?;
    drop(permit);
    let conversation = stored["conversation_id"]
        .as_str()
        .ok_or_else(|| anyhow!("stored frame without conversation_id: {stored}"))?
        .to_string();
    let (send, mut orders) = tokio::sync::mpsc::unbounded_channel::<String>();
    let c = conversation.clone();
    tokio::spawn(async move {
        let (mut sink, mut stream) = ws.split();
        loop {
            tokio::select! {
                order = orders.recv() => match order {
                    Some(frame) => if sink.send(Message::Text(frame.into())).await.is_err() { break },
                    None => break,
                },
                frame = stream.next() => match frame {
                    Some(Ok(Message::Text(t))) => {
                        let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                        if v["type"] == "message" && v["from"] == "agent" {
                            let _ = replied.send((c.clone(), Instant::now()));
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                },
            }
        }
    });
    Ok(Widget { conversation, send })
}

struct Measured {
    visitor_to_agent: Vec<f64>,
    agent_to_widget: Vec<f64>,
    errors: usize,
    connected: usize,
    visitor_messages: usize,
    agent_replies: usize,
    skipped_busy: usize,
}

async fn measure(args: &ChatArgs, base: &str, slug: &str, token: &str) -> Result<Measured> {
    let pending: Pending = Arc::default();
    let busy = Busy::default();
    let heard: Arc<Mutex<Vec<f64>>> = Arc::default();
    let listener = tokio::spawn(listen(
        base.to_string(),
        token.to_string(),
        pending.clone(),
        busy.clone(),
        heard.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ws_url = format!("{}/w/{slug}/chat/ws", base.replacen("http", "ws", 1));
    let (replied_tx, mut replied_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    // Connecting: 64 widgets at a time, each opening its conversation.
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let connecting: Vec<_> = (0..args.sockets)
        .map(|i| tokio::spawn(widget(ws_url.clone(), i, gate.clone(), replied_tx.clone())))
        .collect();
    drop(replied_tx);
    let mut widgets = Vec::new();
    let mut errors = 0;
    for c in connecting {
        match c.await {
            Ok(Ok(w)) => widgets.push(w),
            Ok(Err(e)) => {
                errors += 1;
                if errors <= 3 {
                    eprintln!("a widget failed: {e:#}");
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("a widget task failed: {e}");
            }
        }
    }
    if widgets.is_empty() {
        bail!("no widget got through");
    }
    // Let the first messages' announcements pass before timing anything.
    tokio::time::sleep(Duration::from_secs(2)).await;
    if let Ok(mut p) = pending.lock() {
        p.clear();
    }
    // Replies heard by widgets: matched to the time the reply was asked for.
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let to_widget: Arc<Mutex<Vec<f64>>> = Arc::default();
    let hearing = {
        let (sent_at, to_widget, busy) = (sent_at.clone(), to_widget.clone(), busy.clone());
        tokio::spawn(async move {
            while let Some((c, at)) = replied_rx.recv().await {
                let sent = sent_at.lock().ok().and_then(|mut s| s.remove(&c));
                if let Some(sent) = sent {
                    if let Ok(mut t) = to_widget.lock() {
                        t.push(at.duration_since(sent).as_secs_f64() * 1000.0);
                    }
                    busy.release(&c);
                }
            }
        })
    };
    // Open loop: a visitor message every 1/rate seconds and an agent reply
    // every 1/replies seconds, each to the next conversation with nothing
    // in flight, whatever the server's pace.
    let widgets = Arc::new(widgets);
    let end = tokio::time::Instant::now() + args.duration;
    let skipped = Arc::new(AtomicUsize::new(0));
    let visitors = {
        let (widgets, pending, busy, skipped) = (widgets.clone(), pending.clone(), busy.clone(), skipped.clone());
        let period = Duration::from_secs_f64(1.0 / args.rate);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            let (mut next, mut sent) = (0usize, 0usize);
            while tokio::time::Instant::now() < end {
                tick.tick().await;
                let Some(w) = busy.next_free(&widgets, &mut next, &skipped) else {
                    continue;
                };
                let frame = json!({"type": "message", "client_id": format!("c_bench_r{next:010}"),
                    "text": format!("Follow-up {next}: any news on my order?")});
                if let Ok(mut p) = pending.lock() {
                    p.entry(w.conversation.clone())
                        .or_default()
                        .push_back(Expected::Visitor(Instant::now()));
                }
                let _ = w.send.send(frame.to_string());
                sent += 1;
            }
            sent
        })
    };
    let agents = {
        let (widgets, pending, busy, skipped, sent_at) = (
            widgets.clone(),
            pending.clone(),
            busy.clone(),
            skipped.clone(),
            sent_at.clone(),
        );
        let (base, token) = (base.to_string(), token.to_string());
        let period = Duration::from_secs_f64(1.0 / args.replies);
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut tick = tokio::time::interval(period);
            // Start half-way round, away from the visitors' cursor.
            let mut next = widgets.len() / 2;
            let mut requests = Vec::new();
            while tokio::time::Instant::now() < end {
                tick.tick().await;
                let Some(w) = busy.next_free(&widgets, &mut next, &skipped) else {
                    continue;
                };
                let c = w.conversation.clone();
                if let Ok(mut p) = pending.lock() {
                    p.entry(c.clone()).or_default().push_back(Expected::Agent);
                }
                if let Ok(mut s) = sent_at.lock() {
                    s.insert(c.clone(), Instant::now());
                }
                let (http, base, token) = (http.clone(), base.clone(), token.clone());
                requests.push(tokio::spawn(async move {
                    let r = http
                        .post(format!("{base}/api/v1/conversations/{c}/messages"))
                        .bearer_auth(&token)
                        .json(&json!({"kind": "outbound", "body": "Here is your answer."}))
                        .send()
                        .await?;
                    if r.status() != 201 {
                        bail!("reply answered {}", r.status());
                    }
                    Ok(())
                }));
            }
            requests
        })
    };
    let visitor_messages = visitors.await?;
    let requests = agents.await?;
    let agent_replies = requests.len();
    for r in requests {
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
    // Whatever is still in flight 10 s after the last send is lost.
    let drained = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < drained && !busy.0.lock().map(|b| b.is_empty()).unwrap_or(true) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    errors += busy.0.lock().map(|b| b.len()).unwrap_or(0);
    listener.abort();
    hearing.abort();
    let visitor_to_agent = heard.lock().map(|h| h.clone()).unwrap_or_default();
    let agent_to_widget = to_widget.lock().map(|t| t.clone()).unwrap_or_default();
    Ok(Measured {
        visitor_to_agent,
        agent_to_widget,
        errors,
        connected: widgets.len(),
        visitor_messages,
        agent_replies,
        skipped_busy: skipped.load(Ordering::Relaxed),
    })
}

#[cfg(test)]
mod tests {
    use super::positive_rate;

    #[test]
    fn rates_must_be_above_zero() {
        assert_eq!(positive_rate("2.5"), Ok(2.5));
        for bad in ["0", "-1", "x", "inf", "NaN", ""] {
            let e = positive_rate(bad).expect_err(bad);
            assert!(e.contains("rate above 0"), "{bad}: {e}");
        }
    }
}

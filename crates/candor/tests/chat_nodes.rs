//! Live chat across nodes: two `candor serve` processes on one PostgreSQL.
//! A visitor's widget is connected to node A, an agent works on node B:
//! the visitor's message and typing reach the agent's event stream on B,
//! and the agent's typing and reply reach the widget on A (through
//! LISTEN/NOTIFY), with the reply marked delivered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::zombie_processes)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_candor");

fn candor(data_dir: &Path, url: &str) -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("CANDOR_DATABASE_URL")
        .env("CANDOR_DATA_DIR", data_dir)
        .env("CANDOR_LOG", "info")
        .args(["--database-url", url]);
    c
}

struct Node {
    child: Child,
    base: String,
}

impl Drop for Node {
    /// A failed test must not leave a server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(mut cmd: Command) -> Node {
    let mut child = cmd
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0 && Instant::now() < deadline,
            "candor serve did not start"
        );
        if let Some(url) = line.trim().strip_prefix("Candor is running at ") {
            let base = url.to_string();
            std::thread::spawn(move || for _ in reader.lines() {});
            return Node { child, base };
        }
    }
}

fn run(mut cmd: Command, stdin: &str) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Reads server-sent events until one of `kind` arrives, or fails after `secs`.
async fn next_event(resp: &mut reqwest::Response, buf: &mut String, kind: &str, secs: u64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let ev = block
                .lines()
                .find_map(|l| l.strip_prefix("event:"))
                .map(str::trim)
                .unwrap_or("");
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(str::trim)
                .unwrap_or("null");
            if ev == kind {
                return serde_json::from_str(data).unwrap();
            }
        }
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Ok(Ok(Some(bytes))) => buf.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("no {kind} event within {secs} s: {other:?} (have {buf:?})"),
        }
    }
}

/// The next frame of type `kind` on the widget's socket, within `secs`.
async fn frame<S>(ws: &mut S, kind: &str, secs: u64) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] == kind {
                    return v;
                }
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("no {kind} frame within {secs} s: {other:?}"),
        }
    }
}

#[test]
fn a_visitor_on_node_a_chats_with_an_agent_on_node_b() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (url, name) = rt.block_on(candor_store::testing::new_pg_database()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = candor(dir.path(), &url);
    cmd.args([
        "admin",
        "create-owner",
        "--workspace",
        "Acme",
        "--email",
        "olivia@acme.example",
        "--name",
        "Olivia Owner",
        "--password-stdin",
    ]);
    let slug = run(cmd, "correct horse battery\n");
    let mut cmd = candor(dir.path(), &url);
    cmd.args([
        "token",
        "create",
        "--workspace",
        &slug,
        "--email",
        "olivia@acme.example",
        "--name",
        "chat",
    ]);
    let token = run(cmd, "");
    let (a, b) = (start(candor(dir.path(), &url)), start(candor(dir.path(), &url)));
    assert_ne!(a.base, b.base);

    rt.block_on(async {
        let http = reqwest::Client::new();
        // The agent's browser listens on node B.
        let mut stream = http
            .get(format!("{}/api/v1/stream", b.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        let mut buf = String::new();
        next_event(&mut stream, &mut buf, "ready", 10).await;

        // The visitor's widget is connected to node A.
        let ws_url = format!("{}/w/{slug}/chat/ws", a.base.replacen("http", "ws", 1));
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
        let hello = json!({"type": "hello", "visitor": "v_crossnode01"});
        ws.send(Message::Text(hello.to_string().into())).await.unwrap();
        frame(&mut ws, "welcome", 10).await;
        let started = Instant::now();
        let text = json!({"type": "message", "client_id": "c_crossnode1", "text": "Hello from node A"});
        ws.send(Message::Text(text.to_string().into())).await.unwrap();
        frame(&mut ws, "stored", 5).await;
        let e = next_event(&mut stream, &mut buf, "conversation.created", 5).await;
        let id = e["conversation_id"].as_str().unwrap().to_string();
        let visitor_to_agent = started.elapsed();
        ws.send(Message::Text(json!({"type": "typing"}).to_string().into()))
            .await
            .unwrap();
        let e = next_event(&mut stream, &mut buf, "typing", 5).await;
        assert_eq!(e["conversation_id"], id.as_str());
        assert!(e["user_id"].is_null());

        // The agent on node B types, then answers.
        http.post(format!("{}/api/v1/conversations/{id}/typing", b.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(frame(&mut ws, "typing", 5).await["name"], "Olivia Owner");
        let started = Instant::now();
        let reply: Value = http
            .post(format!("{}/api/v1/conversations/{id}/messages", b.base))
            .bearer_auth(&token)
            .json(&json!({"kind": "outbound", "body": "Hello from node B"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let got = frame(&mut ws, "message", 5).await;
        let agent_to_visitor = started.elapsed();
        assert_eq!(got["id"], reply["id"]);
        assert_eq!(got["text"], "Hello from node B");
        println!("node A → node B: {visitor_to_agent:?}; node B → node A: {agent_to_visitor:?}");

        // Node B's API shows the reply delivered by the widget on node A.
        let mut delivered = false;
        for _ in 0..50 {
            let c: Value = http
                .get(format!("{}/api/v1/conversations/{id}", b.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if c["messages"][1]["delivery"] == "sent" {
                delivered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(delivered, "the reply was not marked delivered");
    });
    drop(a);
    drop(b);
    rt.block_on(candor_store::testing::drop_pg_database(&name)).unwrap();
}

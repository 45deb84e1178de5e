//! Live updates across nodes: two `candor serve` processes on one
//! PostgreSQL; a message that arrives on node A reaches a browser's event
//! stream on node B (through LISTEN/NOTIFY), within a few seconds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::zombie_processes)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

#[test]
fn a_message_on_node_a_reaches_a_stream_on_node_b() {
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
        "live",
    ]);
    let token = run(cmd, "");
    let (a, b) = (start(candor(dir.path(), &url)), start(candor(dir.path(), &url)));
    assert_ne!(a.base, b.base);

    rt.block_on(async {
        let http = reqwest::Client::new();
        // An agent's browser on node B listens.
        let mut stream = http
            .get(format!("{}/api/v1/stream", b.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        let mut buf = String::new();
        next_event(&mut stream, &mut buf, "ready", 10).await;
        // A customer's message arrives on node A.
        let started = Instant::now();
        let created: Value = http
            .post(format!("{}/api/v1/conversations", a.base))
            .bearer_auth(&token)
            .json(
                &json!({"customer": {"kind": "email", "value": "jane@example.com"}, "body": "My order arrived broken"}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap().to_string();
        let e = next_event(&mut stream, &mut buf, "conversation.created", 5).await;
        assert_eq!(e["conversation_id"], id.as_str());
        let first = started.elapsed();
        // A reply from the customer, then an agent typing, both on node A.
        http.post(format!("{}/api/v1/conversations/{id}/messages", a.base))
            .bearer_auth(&token)
            .json(&json!({"kind": "inbound", "body": "Hello? Any news?"}))
            .send()
            .await
            .unwrap();
        let e = next_event(&mut stream, &mut buf, "message.created", 5).await;
        assert_eq!(e["conversation_id"], id.as_str());
        http.post(format!("{}/api/v1/conversations/{id}/typing", a.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let e = next_event(&mut stream, &mut buf, "typing", 5).await;
        assert_eq!(e["name"], "Olivia Owner");
        println!("node A → node B: first event after {first:?}");
        // The message is readable on node B too.
        let got: Value = http
            .get(format!("{}/api/v1/conversations/{id}", b.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(got["messages"].as_array().unwrap().len(), 2);
    });
    drop(a);
    drop(b);
    rt.block_on(candor_store::testing::drop_pg_database(&name)).unwrap();
}

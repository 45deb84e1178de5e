//! The chromedriver process behind [`super::Browser`]: started on a free
//! loopback port, asked for its status until ready, and killed with every
//! Chromium it started when the last browser using it is gone.

use super::browser::{DEFAULT_WAIT, POLL, PageError, PageResult};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// Flags for a headless Chromium run as root on a machine without a network.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
];

/// A chromedriver process; killed, with every browser it started, on drop.
pub(super) struct Driver {
    child: Child,
    pub(super) port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Chromium outlives a killed chromedriver, so the whole process group
        // goes (chromedriver was made its leader); then the driver itself.
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.start_kill();
    }
}

pub(super) fn delete_session(port: u16, session: &str) {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!("DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if s.write_all(request.as_bytes()).is_err() {
        return;
    }
    // chromedriver keeps the connection open: read until the answer is whole.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !whole_response(&answer) {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Whether `buf` holds a whole HTTP response with a Content-Length body.
fn whole_response(buf: &[u8]) -> bool {
    let text = String::from_utf8_lossy(buf);
    let Some(end) = text.find("\r\n\r\n") else {
        return false;
    };
    let length = text[..end]
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    buf.len() >= end + 4 + length
}

/// A free loopback port (bound and released; chromedriver takes it next).
fn free_port() -> PageResult<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| PageError::plain(format!("no free loopback port: {e}")))
}

/// Whether chromedriver on `port` answers its status as ready.
async fn driver_ready(port: u16) -> bool {
    let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request = format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if s.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !whole_response(&answer) {
        match tokio::time::timeout(Duration::from_secs(2), s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&chunk[..n]),
            _ => return false,
        }
    }
    String::from_utf8_lossy(&answer)
        .replace(' ', "")
        .contains("\"ready\":true")
}

/// The chromedriver to run: `CANDOR_CHROMEDRIVER`, or Debian's.
pub(super) fn chromedriver() -> String {
    std::env::var("CANDOR_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.to_string())
}

pub(super) async fn start_driver(program: &str) -> PageResult<Driver> {
    if !Path::new(&program).exists() {
        return Err(PageError::plain(format!(
            "{program} is missing: the page tests need Debian's chromium and chromium-driver packages. \
             Run scripts/test, which installs them."
        )));
    }
    let mut last = String::new();
    // The port may be taken between choosing and binding it: try a few.
    for _ in 0..3 {
        let port = free_port()?;
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| PageError::plain(format!("cannot start {program}: {e}")))?;
        let mut driver = Driver { child, port };
        let deadline = Instant::now() + DEFAULT_WAIT;
        while Instant::now() < deadline {
            if driver_ready(port).await {
                return Ok(driver);
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                last = format!("{program} exited with {status}");
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        if last.is_empty() {
            last = format!("{program} did not report ready within {DEFAULT_WAIT:?}");
        }
    }
    Err(PageError::plain(last))
}

pub(super) fn capabilities(profile: &Path) -> fantoccini::wd::Capabilities {
    let chromium = std::env::var("CANDOR_CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_string());
    let mut args: Vec<String> = FLAGS.iter().map(|f| f.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let caps = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        // A page that does not load fails the step instead of hanging the test.
        "timeouts": {"pageLoad": 30_000, "script": 10_000},
        "goog:chromeOptions": {"binary": chromium, "args": args},
    });
    match caps {
        Value::Object(map) => map,
        _ => fantoccini::wd::Capabilities::new(),
    }
}

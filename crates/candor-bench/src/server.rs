//! A server under test as a child process: started on a free loopback port,
//! its memory watched through /proc, stopped with SIGTERM.

use anyhow::{Context, Result, anyhow, bail};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How to start a server.
#[derive(Clone, Debug)]
pub struct Launch {
    /// Its name, in messages ("candor", "ceiling").
    pub name: &'static str,
    /// The program.
    pub program: PathBuf,
    /// Its arguments; the listen address goes last, as `127.0.0.1:0`.
    pub args: Vec<OsString>,
    /// Where its standard error (the log) goes.
    pub log: PathBuf,
}

/// A running server.
pub struct Server {
    /// Its name.
    pub name: &'static str,
    /// Where it answers, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Its process id.
    pub pid: u32,
    child: Child,
    log: PathBuf,
}

/// How long a server may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a server may take to stop after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A command for `program` without the caller's CANDOR_ variables: only the
/// flags decide, as a CANDOR_DATABASE_URL or CANDOR_PUBLIC_URL from the
/// shell would point the run elsewhere.
pub fn command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    // Logs go to a file: plain text.
    cmd.env("NO_COLOR", "1");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CANDOR_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// The URL in a line like "Candor is running at http://127.0.0.1:40123".
pub fn ready_url(line: &str) -> Option<String> {
    let (_, url) = line.split_once(" is running at ")?;
    let url = url.trim();
    url.starts_with("http").then(|| url.trim_end_matches('/').to_string())
}

impl Server {
    /// Starts the server and waits until it prints where it is running.
    pub async fn start(launch: &Launch) -> Result<Self> {
        let log = std::fs::File::create(&launch.log)
            .with_context(|| format!("cannot create the log {}", launch.log.display()))?;
        let mut child = command(&launch.program)
            .args(&launch.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", launch.program.display()))?;
        let pid = child.id().ok_or_else(|| anyhow!("{} exited at once", launch.name))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no standard output from {}", launch.name))?;
        let mut lines = BufReader::new(stdout).lines();
        let found = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = ready_url(&line) {
                    return Ok::<_, anyhow::Error>(Some(url));
                }
            }
            Ok(None)
        })
        .await;
        let url = match found {
            Ok(Ok(Some(url))) => url,
            Ok(Ok(None)) | Ok(Err(_)) => bail!(
                "{} stopped before it was ready; its log:\n{}",
                launch.name,
                tail(&launch.log)
            ),
            Err(_) => bail!(
                "{} was not ready within {} s; its log:\n{}",
                launch.name,
                START_TIMEOUT.as_secs(),
                tail(&launch.log)
            ),
        };
        // Keep reading so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            name: launch.name,
            url,
            pid,
            child,
            log: launch.log.clone(),
        })
    }

    /// Forgets the peak memory so far, so the next reading covers only what
    /// follows. Returns false where the kernel does not allow it; the peak
    /// then covers the process's life.
    pub fn reset_peak(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok()
    }

    /// The peak resident memory in KiB (VmHWM), and the current (VmRSS).
    pub fn memory_kib(&self) -> Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .with_context(|| format!("cannot read the memory of {}", self.name))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|n| n.parse::<u64>().ok())
        };
        match (field("VmHWM:"), field("VmRSS:")) {
            (Some(hwm), Some(rss)) => Ok((hwm, rss)),
            _ => bail!("no VmHWM/VmRSS for {}", self.name),
        }
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The end of its log, for error messages.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }

    /// Sends SIGTERM and waits for a clean exit; kills it after a while.
    pub async fn stop(mut self) -> Result<()> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await;
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => bail!("{} exited with {status}; its log:\n{}", self.name, self.log_tail()),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => {
                let _ = self.child.kill().await;
                bail!(
                    "{} did not stop within {} s of SIGTERM",
                    self.name,
                    STOP_TIMEOUT.as_secs()
                )
            }
        }
    }
}

/// The last lines of a log file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_line() {
        assert_eq!(
            ready_url("Candor is running at http://127.0.0.1:40123").as_deref(),
            Some("http://127.0.0.1:40123")
        );
        assert_eq!(
            ready_url("Ceiling is running at http://127.0.0.1:9/").as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(ready_url("Demo workspace \"x\": sign in at http://…"), None);
    }
}

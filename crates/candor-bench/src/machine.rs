//! What the figures were measured on: cores, load, commit, date.

use serde::Serialize;
use std::process::Command;

/// The machine and the code at the time of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// Cores available to the run (`nproc`).
    pub cores: usize,
    /// The kernel's 1, 5 and 15 minute load averages.
    pub load: [f64; 3],
}

impl Machine {
    /// Reads the machine now.
    pub fn now() -> Self {
        Self {
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            load: loadavg(),
        }
    }
}

/// The load averages from /proc/loadavg (zeros where unreadable).
pub fn loadavg() -> [f64; 3] {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    parse_loadavg(&text)
}

/// The first three figures of a /proc/loadavg line.
pub fn parse_loadavg(text: &str) -> [f64; 3] {
    let mut out = [0.0; 3];
    for (slot, word) in out.iter_mut().zip(text.split_whitespace()) {
        *slot = word.parse().unwrap_or(0.0);
    }
    out
}

/// The commit checked out (short), with "-dirty" when files are changed.
pub fn git_commit() -> String {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(commit) = run(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".into();
    };
    let dirty = run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty { format!("{commit}-dirty") } else { commit }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_averages() {
        assert_eq!(parse_loadavg("1.52 1.34 1.38 2/147 4752\n"), [1.52, 1.34, 1.38]);
        assert_eq!(parse_loadavg(""), [0.0, 0.0, 0.0]);
    }
}

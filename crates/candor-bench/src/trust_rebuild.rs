//! The timed trust rebuild: the real `candor trust rebuild --workspace SLUG`
//! on the loaded database, start to exit, after the HTTP scenarios. It reads
//! every event that moves trust in the generated log (messages, status
//! changes, breaches, promises, community posts…) and writes the counts of
//! every customer and agent. Issue 9's target: under 60 s for 100,000
//! customers and 5,000,000 events, scaled here by the events read.

use crate::targets::Check;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::ffi::OsString;
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

/// The name `--scenarios` takes for it.
pub const NAME: &str = "trust-rebuild";

/// Issue 9's bound for 5,000,000 events, in seconds.
const LIMIT_S: f64 = 60.0;
/// The events the bound is set for.
const LIMIT_EVENTS: f64 = 5_000_000.0;

/// A timed rebuild.
#[derive(Clone, Debug, Serialize)]
pub struct RebuildResult {
    /// "sqlite" or "postgres".
    pub backend: String,
    /// Seconds the command took, start to exit.
    pub seconds: f64,
    /// Events read that move trust.
    pub events: u64,
    /// Customers with counts.
    pub customers: u64,
    /// Events a second.
    pub events_per_s: f64,
    /// The command's summary line.
    pub summary: String,
}

/// The number before `word` in `line` ("… 1200 events …" → 1200).
fn count_before(line: &str, word: &str) -> u64 {
    let words: Vec<&str> = line.split([' ', ',', ':']).filter(|w| !w.is_empty()).collect();
    words
        .windows(2)
        .find(|w| w[1] == word)
        .and_then(|w| w[0].parse().ok())
        .unwrap_or(0)
}

/// Runs and times the rebuild.
pub async fn time(candor: &Path, db_args: Vec<OsString>, slug: &str, backend: &str) -> Result<RebuildResult> {
    let started = Instant::now();
    let out = crate::server::command(candor)
        .args(db_args)
        .args(["trust", "rebuild", "--workspace", slug])
        .output()
        .await
        .with_context(|| format!("cannot run {} trust rebuild", candor.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "candor trust rebuild failed: {}{}",
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("trust rebuilt"))
        .unwrap_or("")
        .trim()
        .to_string();
    let (events, customers) = (count_before(&summary, "events"), count_before(&summary, "customers"));
    if events == 0 {
        bail!("candor trust rebuild read no events: {summary}");
    }
    println!("   {backend} trust rebuild: {seconds:.2} s ({summary})");
    Ok(RebuildResult {
        backend: backend.to_string(),
        seconds,
        events,
        customers,
        events_per_s: events as f64 / seconds.max(1e-9),
        summary,
    })
}

/// Issue 9's target, for rebuilds of at least a million events (a small
/// data set mostly times the start).
pub fn checks(results: &[RebuildResult]) -> Vec<Check> {
    results
        .iter()
        .filter(|r| r.events >= 1_000_000)
        .map(|r| {
            let limit = LIMIT_S * r.events as f64 / LIMIT_EVENTS;
            Check {
                issue: 9,
                what: format!("trust rebuild of {} events, {} customers", r.events, r.customers),
                backend: r.backend.clone(),
                connections: None,
                value: r.seconds,
                unit: "s",
                limit: format!("under {limit:.0} s (60 s per 5,000,000 events)"),
                met: r.seconds < limit,
            }
        })
        .collect()
}

/// The rebuilds as text.
pub fn summary(results: &[RebuildResult]) -> String {
    let mut out = String::new();
    if !results.is_empty() {
        let _ = writeln!(out, "Trust rebuild (candor trust rebuild):");
        for r in results {
            let _ = writeln!(
                out,
                "  {:<8} {:>9} events in {:>7.2} s  {:>9.0} events/s  ({})",
                r.backend, r.events, r.seconds, r.events_per_s, r.summary
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_is_read_and_the_target_scales() {
        let line = "trust rebuilt from 5200000 events: 100000 customers, 200 agents, 0 steps, 0 falling";
        assert_eq!(count_before(line, "events"), 5_200_000);
        assert_eq!(count_before(line, "customers"), 100_000);
        let r = RebuildResult {
            backend: "sqlite".into(),
            seconds: 61.0,
            events: 5_200_000,
            customers: 100_000,
            events_per_s: 0.0,
            summary: line.into(),
        };
        let c = checks(std::slice::from_ref(&r));
        assert!(c[0].met, "62.4 s allowed for 5.2 million events");
        let small = RebuildResult { events: 9_000, ..r };
        assert!(checks(&[small]).is_empty());
    }
}

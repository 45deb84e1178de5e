//! The results: one row per scenario, backend and connection count, each
//! Candor row beside its ceiling; a table for people and JSON for keeping.

use crate::scenarios::Target;
use crate::targets::Check;
use crate::wrk::WrkResult;
use serde::Serialize;
use std::fmt::Write;

/// One measured run of one scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The scenario.
    pub scenario: String,
    /// Which server answered.
    pub target: Target,
    /// "sqlite" or "postgres".
    pub backend: String,
    /// Open connections (requests in flight).
    pub connections: u32,
    /// Requests answered.
    pub requests: u64,
    /// Requests a second.
    pub req_per_s: f64,
    /// Mean latency, ms.
    pub mean_ms: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Failed requests: statuses of 400 or more plus socket errors.
    pub errors: u64,
    /// Of which statuses of 400 or more.
    pub non_2xx: u64,
    /// Of which socket errors (connect, read, write, timeout).
    pub socket_errors: u64,
    /// The server's peak resident memory during the warm-up and the run, KiB.
    pub peak_rss_kib: Option<u64>,
    /// The ceiling scenario compared with.
    pub compared_with: Option<String>,
    /// The ceiling's requests a second, same backend and connections.
    pub ceiling_req_per_s: Option<f64>,
    /// This row's requests a second over the ceiling's (1.0 = as fast as bare).
    pub ratio: Option<f64>,
    /// The ceiling's 99th percentile latency, ms.
    pub ceiling_p99_ms: Option<f64>,
    /// This row's p99 over the ceiling's (1.0 = as quick as bare).
    pub p99_ratio: Option<f64>,
}

impl Row {
    /// A row from wrk's figures.
    pub fn new(
        scenario: &str,
        target: Target,
        backend: &str,
        connections: u32,
        w: &WrkResult,
        peak_rss_kib: Option<u64>,
        compared_with: Option<&str>,
    ) -> Self {
        Self {
            scenario: scenario.to_string(),
            target,
            backend: backend.to_string(),
            connections,
            requests: w.requests,
            req_per_s: w.req_per_s,
            mean_ms: w.mean_ms,
            p50_ms: w.p50_ms,
            p99_ms: w.p99_ms,
            errors: w.errors(),
            non_2xx: w.non_2xx,
            socket_errors: w.socket_errors,
            peak_rss_kib,
            compared_with: compared_with.map(str::to_string),
            ceiling_req_per_s: None,
            ratio: None,
            ceiling_p99_ms: None,
            p99_ratio: None,
        }
    }
}

/// `a / b`, or nothing when `b` is not a positive figure.
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite() && b.is_finite()).then(|| a / b)
}

/// Fills each compared row's ceiling figures and ratios from the ceiling row
/// of the same scenario, backend and connection count.
pub fn fill_ratios(rows: &mut [Row]) {
    let ceilings: Vec<Row> = rows.iter().filter(|r| r.target == Target::Ceiling).cloned().collect();
    for row in rows.iter_mut() {
        let Some(name) = row.compared_with.as_deref() else {
            continue;
        };
        let found = ceilings
            .iter()
            .find(|c| c.scenario == name && c.backend == row.backend && c.connections == row.connections);
        if let Some(c) = found {
            row.ceiling_req_per_s = Some(c.req_per_s);
            row.ratio = ratio(row.req_per_s, c.req_per_s);
            row.ceiling_p99_ms = Some(c.p99_ms);
            row.p99_ratio = ratio(row.p99_ms, c.p99_ms);
        }
    }
}

/// Everything a run produced.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// When the run started (UTC).
    pub date: String,
    /// The commit measured.
    pub commit: String,
    /// Cores available.
    pub cores: usize,
    /// Load averages (1, 5, 15 min) before the run.
    pub load_before: [f64; 3],
    /// Load averages after the run.
    pub load_after: [f64; 3],
    /// The data set's scale.
    pub scale: String,
    /// Seconds measured per scenario and connection count.
    pub duration_s: u64,
    /// Seconds of warm-up before each.
    pub warmup_s: u64,
    /// wrk threads.
    pub wrk_threads: u32,
    /// Connection counts.
    pub connections: Vec<u32>,
    /// The data set of each backend: sizes and generation times.
    pub data: Vec<serde_json::Value>,
    /// Seconds the whole run took.
    pub total_seconds: f64,
    /// The measurements.
    pub results: Vec<Row>,
    /// The timed CSV imports, one per backend.
    pub imports: Vec<ImportResult>,
    /// The timed trust rebuilds, one per backend.
    pub trust_rebuilds: Vec<crate::trust_rebuild::RebuildResult>,
    /// First requests to a freshly started Candor, before any cache.
    pub cold: Vec<ColdResult>,
    /// The issues' targets, each checked against the figures above.
    pub targets: Vec<Check>,
}

/// The first request of a scenario to a freshly started Candor: nothing in
/// its caches yet (the database's own pages may be warm from the data set).
#[derive(Clone, Debug, Serialize)]
pub struct ColdResult {
    /// The scenario.
    pub scenario: String,
    /// "sqlite" or "postgres".
    pub backend: String,
    /// From sending the request to the end of the answer, ms.
    pub ms: f64,
}

/// A timed `candor import purchases` on the loaded database.
#[derive(Clone, Debug, Serialize)]
pub struct ImportResult {
    /// "sqlite" or "postgres".
    pub backend: String,
    /// Rows in the file.
    pub rows: u64,
    /// Seconds the command took, start to exit.
    pub seconds: f64,
    /// Rows a second.
    pub rows_per_s: f64,
    /// The command's summary line.
    pub summary: String,
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}")).unwrap_or_else(|| "-".into())
}

/// The results as a plain-text table.
pub fn table(rows: &[Row]) -> String {
    let head = [
        "scenario",
        "backend",
        "conns",
        "req/s",
        "mean ms",
        "p50 ms",
        "p99 ms",
        "errors",
        "peak RSS MiB",
        "ceiling req/s",
        "ratio",
        "p99 ratio",
    ];
    let mut cells: Vec<Vec<String>> = vec![head.iter().map(|h| h.to_string()).collect()];
    for r in rows {
        let name = match r.target {
            Target::Ceiling => format!("ceiling:{}", r.scenario),
            Target::Candor => match &r.compared_with {
                Some(c) => format!("{} (vs {c})", r.scenario),
                None => r.scenario.clone(),
            },
        };
        cells.push(vec![
            name,
            r.backend.clone(),
            r.connections.to_string(),
            format!("{:.0}", r.req_per_s),
            format!("{:.2}", r.mean_ms),
            format!("{:.2}", r.p50_ms),
            format!("{:.2}", r.p99_ms),
            r.errors.to_string(),
            opt(r.peak_rss_kib.map(|k| k as f64 / 1024.0), 1),
            opt(r.ceiling_req_per_s, 0),
            opt(r.ratio, 2),
            opt(r.p99_ratio, 2),
        ]);
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|i| cells.iter().map(|row| row[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (n, row) in cells.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| if i < 2 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(out, "{}", rule.join("  "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scenario: &str, target: Target, backend: &str, c: u32, rate: f64, p99: f64, vs: Option<&str>) -> Row {
        let w = WrkResult {
            req_per_s: rate,
            p99_ms: p99,
            ..WrkResult::default()
        };
        Row::new(scenario, target, backend, c, &w, Some(2048), vs)
    }

    #[test]
    fn ratios_pair_the_same_backend_and_connections() {
        let mut rows = vec![
            row("row", Target::Ceiling, "sqlite", 16, 30_000.0, 2.0, None),
            row("row", Target::Ceiling, "sqlite", 64, 20_000.0, 8.0, None),
            row("row", Target::Ceiling, "postgres", 16, 10_000.0, 4.0, None),
            row("me", Target::Candor, "sqlite", 16, 15_000.0, 3.0, Some("row")),
            row("me", Target::Candor, "sqlite", 64, 5_000.0, 24.0, Some("row")),
            row("me", Target::Candor, "postgres", 16, 12_000.0, 2.0, Some("row")),
            row("me", Target::Candor, "postgres", 64, 9_000.0, 2.0, Some("row")),
            row("healthz", Target::Candor, "sqlite", 16, 40_000.0, 1.0, None),
        ];
        fill_ratios(&mut rows);
        assert_eq!(rows[3].ratio, Some(0.5));
        assert_eq!(rows[3].p99_ratio, Some(1.5));
        assert_eq!(rows[3].ceiling_req_per_s, Some(30_000.0));
        assert_eq!(rows[4].ratio, Some(0.25));
        assert_eq!(rows[4].p99_ratio, Some(3.0));
        assert_eq!(rows[5].ratio, Some(1.2));
        assert_eq!(rows[6].ratio, None, "no ceiling at 64 on postgres");
        assert_eq!(rows[7].ratio, None, "compared with nothing");
        assert_eq!(rows[0].ratio, None, "a ceiling has no ratio to itself");
    }

    #[test]
    fn no_ratio_over_nothing() {
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(ratio(1.0, f64::NAN), None);
        assert_eq!(ratio(3.0, 4.0), Some(0.75));
    }

    #[test]
    fn the_table_lines_up() {
        let mut rows = vec![
            row("insert", Target::Ceiling, "sqlite", 16, 12_345.6, 2.0, None),
            row(
                "token-create",
                Target::Candor,
                "sqlite",
                16,
                2_000.0,
                9.5,
                Some("insert"),
            ),
        ];
        fill_ratios(&mut rows);
        let t = table(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[2].starts_with("ceiling:insert"), "{t}");
        assert!(lines[3].contains("token-create (vs insert)"), "{t}");
        assert!(lines[3].ends_with("12346   0.16       4.75"), "{t}");
    }
}

//! Running wrk and reading its `--latency` report.

use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// What one wrk run measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WrkResult {
    /// Requests completed (answered, whatever the status).
    pub requests: u64,
    /// How long wrk measured, in seconds.
    pub seconds: f64,
    /// Requests a second, as wrk reports it.
    pub req_per_s: f64,
    /// Mean latency in milliseconds.
    pub mean_ms: f64,
    /// Median latency in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency in milliseconds.
    pub p99_ms: f64,
    /// Answers with a status of 400 or more.
    pub non_2xx: u64,
    /// Socket errors: connect, read, write and timeout together.
    pub socket_errors: u64,
    /// Of which timeouts (no answer within wrk's 2 s).
    pub timeouts: u64,
}

impl WrkResult {
    /// Every failed request: bad statuses and socket errors.
    pub fn errors(&self) -> u64 {
        self.non_2xx + self.socket_errors
    }
}

/// How long wrk waits for an answer before counting a timeout.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs wrk against `url` with `script` for `duration` and reads its report.
pub async fn run(url: &str, script: &Path, threads: u32, connections: u32, duration: Duration) -> Result<WrkResult> {
    let threads = threads.clamp(1, connections.max(1));
    let out = tokio::process::Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--latency")
        // wrk's own 2 s would drop slow answers from the latency figures and
        // count them as errors; a slow answer is a latency, not an error.
        .arg("--timeout")
        .arg(format!("{}s", TIMEOUT.as_secs()))
        .arg("-s")
        .arg(script)
        .arg(url)
        .kill_on_drop(true)
        .output()
        .await
        .context("cannot run wrk (install it with apt-get install -y wrk, or use scripts/bench)")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk failed ({}): {}{}",
            out.status,
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    parse(&stdout).with_context(|| format!("cannot read wrk's report:\n{stdout}"))
}

/// Reads wrk's report.
pub fn parse(text: &str) -> Result<WrkResult> {
    let mut r = WrkResult::default();
    let mut seen_mean = false;
    let mut seen_rate = false;
    for line in text.lines() {
        let line = line.trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Latency", avg, ..] if avg.starts_with(|c: char| c.is_ascii_digit()) => {
                r.mean_ms = time_ms(avg)?;
                seen_mean = true;
            }
            ["50%", t] => r.p50_ms = time_ms(t)?,
            ["99%", t] => r.p99_ms = time_ms(t)?,
            [n, "requests", "in", secs, ..] => {
                r.requests = n.parse().with_context(|| format!("request count in \"{line}\""))?;
                r.seconds = time_ms(secs.trim_end_matches(','))? / 1000.0;
            }
            ["Requests/sec:", rate] => {
                r.req_per_s = rate.parse().with_context(|| format!("rate in \"{line}\""))?;
                seen_rate = true;
            }
            ["Socket", "errors:", ..] => {
                // Socket errors: connect 0, read 0, write 0, timeout 0
                for pair in line.trim_start_matches("Socket errors:").split(',') {
                    let mut kv = pair.split_whitespace();
                    let (Some(kind), Some(n)) = (kv.next(), kv.next()) else {
                        bail!("cannot read \"{line}\"");
                    };
                    let n: u64 = n.parse().with_context(|| format!("count in \"{line}\""))?;
                    r.socket_errors += n;
                    if kind == "timeout" {
                        r.timeouts = n;
                    }
                }
            }
            ["Non-2xx", "or", "3xx", "responses:", n] => {
                r.non_2xx = n.parse().with_context(|| format!("count in \"{line}\""))?;
            }
            _ => {}
        }
    }
    if !seen_mean || !seen_rate {
        bail!("no latency or rate lines");
    }
    Ok(r)
}

/// A wrk duration ("812.00us", "1.23ms", "2.00s", "1.00m") in milliseconds.
pub fn time_ms(s: &str) -> Result<f64> {
    let split = s
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| anyhow!("no unit in the time \"{s}\""))?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().with_context(|| format!("not a number in the time \"{s}\""))?;
    let factor = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => bail!("unknown unit in the time \"{s}\""),
    };
    Ok(n * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = "Running 5s test @ http://127.0.0.1:40123/healthz
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.35us  301.12us   9.87ms   88.10%
    Req/Sec    10.02k   612.44    11.20k    71.00%
  Latency Distribution
     50%  760.00us
     75%    0.90ms
     90%    1.10ms
     99%    2.01ms
  99712 requests in 5.00s, 13.79MB read
Requests/sec:  19938.41
Transfer/sec:      2.76MB
";

    const ERRORS: &str = "Running 15s test @ http://127.0.0.1:40123/api/v1/tokens
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    31.50ms   12.02ms   1.20s    91.00%
    Req/Sec     1.02k   100.10     1.30k    70.00%
  Latency Distribution
     50%   29.00ms
     75%   35.10ms
     90%   41.00ms
     99%    1.02s
  30511 requests in 15.02s, 8.10MB read
  Socket errors: connect 0, read 3, write 0, timeout 12
  Non-2xx or 3xx responses: 211
Requests/sec:   2031.36
Transfer/sec:    552.10KB
";

    #[test]
    fn a_clean_report() -> Result<()> {
        let r = parse(CLEAN)?;
        assert_eq!(r.requests, 99712);
        assert!((r.seconds - 5.0).abs() < 1e-9);
        assert!((r.req_per_s - 19938.41).abs() < 1e-9);
        assert!((r.mean_ms - 0.81235).abs() < 1e-9);
        assert!((r.p50_ms - 0.76).abs() < 1e-9);
        assert!((r.p99_ms - 2.01).abs() < 1e-9);
        assert_eq!(r.errors(), 0);
        Ok(())
    }

    #[test]
    fn socket_errors_and_bad_statuses_count() -> Result<()> {
        let r = parse(ERRORS)?;
        assert_eq!(r.non_2xx, 211);
        assert_eq!(r.socket_errors, 15);
        assert_eq!(r.timeouts, 12);
        assert_eq!(r.errors(), 226);
        assert!((r.p99_ms - 1020.0).abs() < 1e-9);
        assert!((r.seconds - 15.02).abs() < 1e-9);
        Ok(())
    }

    #[test]
    fn times_in_every_unit() -> Result<()> {
        assert!((time_ms("500.00us")? - 0.5).abs() < 1e-12);
        assert!((time_ms("2.00s")? - 2000.0).abs() < 1e-9);
        assert!((time_ms("1.50m")? - 90_000.0).abs() < 1e-9);
        assert!(time_ms("12").is_err());
        assert!(time_ms("1.0xs").is_err());
        Ok(())
    }

    #[test]
    fn a_failed_run_is_not_a_result() {
        assert!(parse("unable to connect to 127.0.0.1:1 Connection refused").is_err());
    }
}

//! The command line of `candor-bench`.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Candor's benchmark harness: measures Candor over real HTTP beside a bare
/// ceiling server, on SQLite and PostgreSQL. `scripts/bench` builds and runs it.
#[derive(Parser, Debug)]
#[command(name = "candor-bench", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate the data, start the servers, measure every scenario.
    Run(Box<RunArgs>),
    /// List the scenarios and the data generator steps.
    List,
    /// Many chat widgets at once on one node: message delivery times.
    Chat(Box<crate::chat::ChatArgs>),
}

/// Options of `candor-bench run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// sqlite, postgres or both.
    #[arg(long, default_value = "both", value_parser = ["sqlite", "postgres", "both"])]
    pub backend: String,

    /// Connection counts, comma-separated.
    #[arg(long, default_value = "16,64")]
    pub connections: String,

    /// Measured time per scenario and connection count, e.g. 15s or 1m.
    #[arg(long, default_value = "15s")]
    pub duration: String,

    /// Warm-up before each measurement (not counted).
    #[arg(long, default_value = "3s")]
    pub warmup: String,

    /// Scenarios, comma-separated, or "all". A Candor scenario brings the
    /// ceiling scenario it is compared with.
    #[arg(long, default_value = "all")]
    pub scenarios: String,

    /// Data-set size: small (a quick check) or full.
    #[arg(long, default_value = "full", value_parser = ["small", "full"])]
    pub scale: String,

    /// Where to write the JSON; default bench-results/<date>-<commit>.json.
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// The PostgreSQL server; each run creates and drops its own database there.
    #[arg(
        long,
        env = "CANDOR_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pub pg_url: String,

    /// The candor binary.
    #[arg(long, default_value = "target/release/candor")]
    pub candor: PathBuf,

    /// The ceiling server binary.
    #[arg(long, default_value = "target/release/candor-ceiling")]
    pub ceiling: PathBuf,

    /// wrk threads (each a core's worth of load).
    #[arg(long, default_value_t = 2)]
    pub threads: u32,

    /// Keep the temporary directory (server logs, wrk scripts, SQLite file).
    #[arg(long)]
    pub keep: bool,

    /// SQLite only: keep the data set in this directory and, when it already
    /// holds one of the same scale, measure that one instead of generating it
    /// again. Scenarios that write (create, post, import) leave their rows in
    /// it, so a reused set grows a little with every run.
    #[arg(long, value_name = "DIR")]
    pub reuse_data: Option<PathBuf>,
}

/// A duration like "15s", "500ms", "2m" or "15" (seconds).
pub fn parse_duration(s: &str) -> Result<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .with_context(|| format!("\"{s}\" is not a duration like 15s"))?;
    Ok(match unit {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n * 60),
        _ => bail!("\"{s}\" is not a duration like 15s"),
    })
}

/// A list like "16,64".
pub fn parse_connections(s: &str) -> Result<Vec<u32>> {
    let list: Vec<u32> = s
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<u32>()
                .with_context(|| format!("--connections: \"{x}\" is not a number"))
        })
        .collect::<Result<_>>()?;
    if list.is_empty() || list.contains(&0) {
        bail!("--connections: give one or more counts above zero, like 16,64");
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() -> Result<()> {
        assert_eq!(parse_duration("15s")?, Duration::from_secs(15));
        assert_eq!(parse_duration("2m")?, Duration::from_secs(120));
        assert_eq!(parse_duration("7")?, Duration::from_secs(7));
        assert_eq!(parse_duration("250ms")?, Duration::from_millis(250));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("3h").is_err());
        Ok(())
    }

    #[test]
    fn connections() -> Result<()> {
        assert_eq!(parse_connections("16,64")?, vec![16, 64]);
        assert_eq!(parse_connections(" 8 ")?, vec![8]);
        assert!(parse_connections("").is_err());
        assert!(parse_connections("0").is_err());
        assert!(parse_connections("x").is_err());
        Ok(())
    }
}

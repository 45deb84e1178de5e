//! `candor-bench`: see the crate documentation and docs/benchmarks.md.

use candor_bench::cli::{Cli, Command};
use candor_bench::{datagen, scenarios};
use clap::Parser;
use std::process::ExitCode;

fn list() {
    println!("Scenarios:");
    for s in scenarios::SCENARIOS {
        let vs = s.compare.map(|c| format!(" (vs {c})")).unwrap_or_default();
        println!(
            "  {:<20} {:<8} {} {}{vs}: {}",
            s.name,
            s.target.as_str(),
            s.method,
            s.path,
            s.about
        );
    }
    println!(
        "  {:<20} {:<8} candor import purchases FILE --workspace SLUG: the timed CSV import, after the scenarios",
        candor_bench::run::IMPORT,
        "candor"
    );
    println!(
        "  {:<20} {:<8} candor trust rebuild --workspace SLUG: the timed rebuild of trust from the event log, after the scenarios",
        candor_bench::trust_rebuild::NAME,
        "candor"
    );
    println!(
        "Data generator steps: {}",
        datagen::STEPS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
    );
    for scale in [datagen::SMALL, datagen::FULL] {
        println!(
            "  {}: {} staff in 5 teams, {} tokens, {} sign-in events, {} organizations, {} customers (~3 identities each), \
             {} purchases, {} conversations (~5 messages each) with their commitment clocks, {} events for one \
             customer, {} community topics (one with {} replies), {} ceiling rows, a {}-row purchases CSV to import",
            scale.name,
            scale.staff,
            scale.tokens,
            scale.events,
            scale.organizations,
            scale.customers,
            scale.purchases,
            scale.conversations,
            scale.heavy_events,
            scale.topics,
            scale.topic_replies,
            scale.ceiling_rows,
            scale.import_rows
        );
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::List => {
            list();
            Ok(())
        }
        Command::Run(args) => candor_bench::run::run(*args).await,
        Command::Chat(args) => candor_bench::chat::run(*args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

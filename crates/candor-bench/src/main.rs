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
            "  {:<14} {:<8} {} {}{vs}: {}",
            s.name,
            s.target.as_str(),
            s.method,
            s.path,
            s.about
        );
    }
    println!(
        "Data generator steps: {}",
        datagen::STEPS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
    );
    for scale in [datagen::SMALL, datagen::FULL] {
        println!(
            "  {}: {} staff, {} tokens, {} events, {} ceiling rows",
            scale.name, scale.staff, scale.tokens, scale.events, scale.ceiling_rows
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! `candor import …` and `candor export …`: CSV files in and out, with a
//! progress bar on a terminal and a summary at the end.

use crate::cli::{ExportCommand, ImportArgs};
use anyhow::{Context, Result, anyhow, bail};
use candor_app::{App, export, import, segments};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

async fn workspace(app: &App, slug: &str) -> Result<candor_core::WorkspaceId> {
    app.db
        .workspace_by_slug(slug)
        .await
        .map(|w| w.id)
        .map_err(|_| anyhow!("--workspace: no workspace has the slug \"{slug}\""))
}

fn bar(rows: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(rows);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({eta} left)") {
        pb.set_style(style);
    }
    pb
}

fn rejects_path(file: &Path, given: Option<&PathBuf>) -> PathBuf {
    given.cloned().unwrap_or_else(|| {
        let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".rejects.csv");
        file.with_file_name(name)
    })
}

fn write_rejects(path: &Path, report: &import::Report) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("--rejects: cannot write {}", path.display()))?;
    let mut header = vec!["line".to_string(), "reason".to_string()];
    header.extend(report.header.iter().cloned());
    w.write_record(&header)?;
    for r in &report.rejected {
        let mut row = vec![r.line.to_string(), r.reason.clone()];
        row.extend(r.record.iter().cloned());
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// Runs an import; `purchases` picks the kind. Returns an error (and imports
/// nothing) when the file has bad rows and `--skip-bad` is not given.
pub async fn run_import(app: &App, args: &ImportArgs, purchases: bool) -> Result<()> {
    let ws = workspace(app, &args.workspace).await?;
    let data = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let rows = bytecount_lines(&data).saturating_sub(1);
    let pb = bar(rows);
    let progress = |n: u64| pb.set_position(n);
    let result = if purchases {
        import::purchases(app, ws, &data, args.skip_bad, &progress).await
    } else {
        import::customers(app, ws, &data, args.skip_bad, &progress).await
    };
    pb.finish_and_clear();
    let report = result.map_err(|e| anyhow!("{}: {e}", args.file.display()))?;
    for r in &report.rejected {
        eprintln!("{}: line {}: {}", args.file.display(), r.line, r.reason);
    }
    if !report.imported {
        bail!(
            "{} of {} rows are bad, so nothing was imported; fix them, or use --skip-bad to import the rest",
            report.rejected.len(),
            report.rows
        );
    }
    let what = if purchases { "purchases" } else { "customers" };
    println!(
        "{} rows: {} {what} created, {} updated, {} unchanged, {} rejected",
        report.rows,
        report.created,
        report.updated,
        report.unchanged,
        report.rejected.len()
    );
    if purchases && report.created > 0 {
        let customers = candor_app::value::refresh_workspace(app, ws)
            .await
            .map_err(|e| anyhow!("the purchases are in, but recomputing customer values failed: {e}"))?;
        println!("customer values recomputed for {customers} customers");
    }
    if !report.rejected.is_empty() {
        let path = rejects_path(&args.file, args.rejects.as_ref());
        write_rejects(&path, &report)?;
        println!("rejected rows written to {}", path.display());
    }
    Ok(())
}

fn bytecount_lines(data: &[u8]) -> u64 {
    data.iter().filter(|b| **b == b'\n').count() as u64 + u64::from(!data.ends_with(b"\n") && !data.is_empty())
}

/// Runs an export.
pub async fn run_export(app: &App, cmd: &ExportCommand) -> Result<()> {
    let ExportCommand::Customers {
        workspace: slug,
        query,
        format,
        output,
    } = cmd;
    let ws = workspace(app, slug).await?;
    let expr = segments::parse("query", query).map_err(|e| match e {
        candor_app::AppError::InvalidQuery { message, .. } => anyhow!("--query: {message}"),
        other => anyhow!("{other}"),
    })?;
    let items = export::all_matching(app, ws, &expr)
        .await
        .map_err(|e| anyhow!("--query: {e}"))?;
    let bytes = if format == "json" {
        export::customers_json(&items)
    } else {
        export::customers_csv(app, ws, &items).await
    }
    .map_err(|e| anyhow!("{e}"))?;
    match output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("--output: cannot write {}", path.display()))?;
            eprintln!("{} customers written to {}", items.len(), path.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}

//! One benchmark run: per backend a fresh database, the data set, both
//! servers, every scenario at every connection count; then the table and JSON.

use crate::cli::{RunArgs, parse_connections, parse_duration};
use crate::database::FreshDb;
use crate::datagen::{self, DataReport, Scale};
use crate::machine::{self, Machine};
use crate::report::{self, ColdResult, ImportResult, Report, Row};
use crate::scenarios::{self, Scenario, Target};
use crate::seed::Seed;
use crate::server::{Launch, Server};
use crate::{lua, probe, targets, wrk};
use anyhow::{Context, Result, bail};
use candor_store::Backend;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The settings of a run, checked.
struct Plan {
    backends: Vec<Backend>,
    connections: Vec<u32>,
    duration: Duration,
    warmup: Duration,
    scenarios: Vec<&'static Scenario>,
    scale: Scale,
    /// Whether to time the CSV import after the scenarios.
    import: bool,
    /// Whether to time `candor trust rebuild` after the scenarios.
    trust_rebuild: bool,
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn plan(args: &RunArgs) -> Result<Plan> {
    let backends = match args.backend.as_str() {
        "sqlite" => vec![Backend::Sqlite],
        "postgres" => vec![Backend::Postgres],
        _ => vec![Backend::Sqlite, Backend::Postgres],
    };
    let duration = parse_duration(&args.duration).context("--duration")?;
    let warmup = parse_duration(&args.warmup).context("--warmup")?;
    if duration < Duration::from_secs(1) {
        bail!("--duration: wrk measures whole seconds; give at least 1s");
    }
    for (flag, path) in [("--candor", &args.candor), ("--ceiling", &args.ceiling)] {
        if !path.is_file() {
            bail!(
                "{flag}: {} does not exist; build it with cargo build --release -p candor -p candor-bench, or run scripts/bench",
                path.display()
            );
        }
    }
    // "import" is no HTTP scenario: it times `candor import purchases` after them.
    let names: Vec<&str> = args.scenarios.split(',').map(str::trim).collect();
    let import = names.iter().any(|n| *n == "all" || *n == IMPORT);
    let trust_rebuild = names.iter().any(|n| *n == "all" || *n == crate::trust_rebuild::NAME);
    let without_import = names
        .iter()
        .filter(|n| **n != IMPORT && **n != crate::trust_rebuild::NAME)
        .copied()
        .collect::<Vec<_>>()
        .join(",");
    if without_import.is_empty() && !import && !trust_rebuild {
        bail!("--scenarios: name at least one scenario");
    }
    Ok(Plan {
        backends,
        connections: parse_connections(&args.connections)?,
        duration,
        warmup,
        scenarios: if without_import.is_empty() {
            Vec::new()
        } else {
            scenarios::select(&without_import)?
        },
        scale: datagen::scale(&args.scale)?,
        import,
        trust_rebuild,
    })
}

/// The name `--scenarios` takes for the timed CSV import.
pub const IMPORT: &str = "import";

/// Runs the benchmark and writes its report.
pub async fn run(args: RunArgs) -> Result<()> {
    let started = Instant::now();
    let plan = plan(&args)?;
    let date = jiff::Timestamp::now();
    let commit = machine::git_commit();
    let before = Machine::now();
    let work = tempfile::Builder::new().prefix("candor-bench-").tempdir()?;
    println!(
        "Candor benchmark at {commit}: {} cores, load {:.2} {:.2} {:.2}, scale {}, {} s after {} s of warm-up",
        before.cores,
        before.load[0],
        before.load[1],
        before.load[2],
        plan.scale.name,
        plan.duration.as_secs(),
        plan.warmup.as_secs()
    );

    let mut rows = Vec::new();
    let mut data = Vec::new();
    let mut imports = Vec::new();
    let mut rebuilds = Vec::new();
    let mut cold = Vec::new();
    for &backend in &plan.backends {
        let db = match (&args.reuse_data, backend) {
            (Some(dir), Backend::Sqlite) => FreshDb::kept_sqlite(dir)?,
            _ => FreshDb::create(backend, &args.pg_url, work.path()).await?,
        };
        let result = measure_backend(&args, &plan, &db, work.path(), &mut rebuilds).await;
        if let Err(e) = db.drop_database().await {
            eprintln!("warning: {e:#}");
        }
        let (measured, generated, imported, first) = result.with_context(|| format!("on {}", backend_name(backend)))?;
        rows.extend(measured);
        cold.extend(first);
        data.push(generated);
        imports.extend(imported);
    }
    report::fill_ratios(&mut rows);
    let after = Machine::now();

    println!();
    print!("{}", report::table(&rows));
    let mut targets = targets::checks(&rows, &imports, &cold);
    targets.extend(crate::trust_rebuild::checks(&rebuilds));
    print!("{}", crate::trust_rebuild::summary(&rebuilds));
    print!("{}", targets::summary(&imports, &cold, &targets));
    println!(
        "{} cores; load before {:.2} {:.2} {:.2}, after {:.2} {:.2} {:.2}",
        before.cores, before.load[0], before.load[1], before.load[2], after.load[0], after.load[1], after.load[2]
    );

    let report = Report {
        date: date.to_string(),
        commit: commit.clone(),
        cores: before.cores,
        load_before: before.load,
        load_after: after.load,
        scale: plan.scale.name.to_string(),
        duration_s: plan.duration.as_secs(),
        warmup_s: plan.warmup.as_secs(),
        wrk_threads: args.threads,
        connections: plan.connections.clone(),
        data,
        total_seconds: started.elapsed().as_secs_f64(),
        results: rows,
        imports,
        trust_rebuilds: rebuilds,
        cold,
        targets,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "bench-results/{}-{commit}.json",
            date.strftime("%Y-%m-%d-%H%M")
        ))
    });
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(&report)?;
    std::fs::write(&out, json + "\n").with_context(|| format!("cannot write {}", out.display()))?;
    println!("Results written to {}", out.display());
    if args.keep {
        let kept = work.keep();
        println!("Logs and scripts kept in {}", kept.display());
    }
    Ok(())
}

/// How Candor finds the database: its data directory for SQLite (as people
/// run it), the URL for PostgreSQL.
fn candor_db_args(db: &FreshDb) -> Vec<OsString> {
    match &db.data_dir {
        Some(dir) => vec!["--data-dir".into(), dir.into()],
        None => vec!["--database-url".into(), db.url.clone().into()],
    }
}

async fn migrate(args: &RunArgs, db: &FreshDb) -> Result<()> {
    let out = crate::server::command(&args.candor)
        .args(candor_db_args(db))
        .arg("migrate")
        .output()
        .await
        .with_context(|| format!("cannot run {} migrate", args.candor.display()))?;
    if !out.status.success() {
        bail!("candor migrate failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// How to start the server a scenario targets, on a free loopback port.
fn launch(args: &RunArgs, db: &FreshDb, target: Target, log: PathBuf) -> Launch {
    match target {
        Target::Ceiling => Launch {
            name: "ceiling",
            program: args.ceiling.clone(),
            args: vec![
                "--database-url".into(),
                db.url.clone().into(),
                "--listen".into(),
                "127.0.0.1:0".into(),
            ],
            log,
        },
        Target::Candor => {
            let mut cmd = candor_db_args(db);
            cmd.extend(["serve".into(), "--listen".into(), "127.0.0.1:0".into()]);
            Launch {
                name: "candor",
                program: args.candor.clone(),
                args: cmd,
                log,
            }
        }
    }
}

async fn measure_backend(
    args: &RunArgs,
    plan: &Plan,
    db: &FreshDb,
    work: &Path,
    rebuilds: &mut Vec<crate::trust_rebuild::RebuildResult>,
) -> Result<(Vec<Row>, serde_json::Value, Option<ImportResult>, Vec<ColdResult>)> {
    let name = backend_name(db.backend);
    let (seed, generated) = data_set(args, plan, db, work).await?;

    let mut scripts = Vec::new();
    for s in &plan.scenarios {
        let path = work.join(format!("{name}-{}.lua", s.name));
        std::fs::write(&path, lua::script(s, &seed)?)?;
        scripts.push(path);
    }
    let cold = time_cold(args, plan, db, work, &seed).await?;
    // One server at a time: on SQLite both share the file, and an idle
    // Candor's job worker would take the write lock under the ceiling's feet.
    // Each connection count runs the ceiling, then Candor, so slow drift in
    // the machine's load touches both alike.
    let mut rows = Vec::new();
    let mut warned = false;
    for &connections in &plan.connections {
        for target in [Target::Ceiling, Target::Candor] {
            let group: Vec<(&Scenario, &PathBuf)> = plan
                .scenarios
                .iter()
                .copied()
                .zip(&scripts)
                .filter(|(s, _)| s.target == target)
                .collect();
            if group.is_empty() {
                continue;
            }
            let log = work.join(format!("{name}-{}-c{connections}.log", target.as_str()));
            let mut server = Server::start(&launch(args, db, target, log)).await?;
            for (scenario, script) in group {
                let (row, reset) = measure(args, plan, scenario, script, &mut server, &seed, name, connections).await?;
                if !reset && !warned {
                    eprintln!("warning: cannot reset the peak memory reading; RSS covers each server's life");
                    warned = true;
                }
                rows.push(row);
            }
            let who = server.name;
            if let Err(e) = server.stop().await {
                eprintln!("warning: {who}: {e:#}");
            }
        }
    }
    // The trust rebuild reads the generated log and writes only trust rows.
    if plan.trust_rebuild {
        let r = crate::trust_rebuild::time(&args.candor, candor_db_args(db), &seed.workspace_slug, name).await?;
        rebuilds.push(r);
    }
    // Last, as it changes the data (100,000 more purchases) and queues a
    // value refresh that the next Candor would run under the scenarios.
    let imported = if plan.import {
        Some(time_import(args, db, &seed, name).await?)
    } else {
        None
    };
    Ok((rows, generated, imported, cold))
}

/// What a kept data directory holds besides the database.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptDataSet {
    scale: String,
    seed: Seed,
    report: serde_json::Value,
}

/// The file in a kept data directory that says what the database holds.
const KEPT: &str = "bench-data-set.json";

/// Migrates and fills the database, or, with `--reuse-data` and a set of the
/// same scale already there, takes that one.
async fn data_set(args: &RunArgs, plan: &Plan, db: &FreshDb, work: &Path) -> Result<(Seed, serde_json::Value)> {
    let name = backend_name(db.backend);
    let kept_dir = db.data_dir.as_deref().filter(|_| args.reuse_data.is_some());
    if let Some(dir) = kept_dir {
        let file = dir.join(KEPT);
        if let Ok(text) = std::fs::read_to_string(&file) {
            let kept: KeptDataSet =
                serde_json::from_str(&text).with_context(|| format!("--reuse-data: cannot read {}", file.display()))?;
            if kept.scale != plan.scale.name {
                bail!(
                    "--reuse-data: {} holds the {} data set, not {}; give another directory",
                    dir.display(),
                    kept.scale,
                    plan.scale.name
                );
            }
            println!(
                "== {name}: migrating and reusing the {} data set in {}",
                kept.scale,
                dir.display()
            );
            migrate(args, db).await?;
            let mut report = kept.report;
            report["reused_from"] = serde_json::Value::String(dir.display().to_string());
            return Ok((kept.seed, report));
        }
    }
    println!("== {name}: migrating and generating the {} data set", plan.scale.name);
    migrate(args, db).await?;
    // A kept set keeps its import file beside it.
    let (seed, generated) = datagen::generate(db, plan.scale, kept_dir.unwrap_or(work)).await?;
    print_generated(&generated);
    let report = serde_json::to_value(&generated)?;
    if let Some(dir) = kept_dir {
        let kept = KeptDataSet {
            scale: plan.scale.name.to_string(),
            seed: seed.clone(),
            report: report.clone(),
        };
        std::fs::write(dir.join(KEPT), serde_json::to_string_pretty(&kept)?)?;
    }
    Ok((seed, report))
}

fn print_generated(generated: &DataReport) {
    let counts: Vec<String> = generated.rows.iter().map(|(t, n)| format!("{n} {t}")).collect();
    println!("   {} in {:.1} s", counts.join(", "), generated.seconds);
    let steps: Vec<String> = generated
        .steps
        .iter()
        .map(|s| format!("{} {:.1} s", s.step, s.seconds))
        .collect();
    println!("   steps: {}", steps.join(", "));
}

/// The first request of each cold-timed scenario, each to a Candor started
/// for it alone, so nothing but the database's own pages is warm.
async fn time_cold(args: &RunArgs, plan: &Plan, db: &FreshDb, work: &Path, seed: &Seed) -> Result<Vec<ColdResult>> {
    let name = backend_name(db.backend);
    let mut out = Vec::new();
    for s in plan.scenarios.iter().filter(|s| scenarios::COLD.contains(&s.name)) {
        let log = work.join(format!("{name}-candor-cold-{}.log", s.name));
        let server = Server::start(&launch(args, db, Target::Candor, log)).await?;
        let took = probe::timed(s, seed, &server.url).await;
        let who = server.name;
        if let Err(e) = server.stop().await {
            eprintln!("warning: {who}: {e:#}");
        }
        let took = took.with_context(|| format!("{name} cold {}: the scenario does not work", s.name))?;
        let ms = took.as_secs_f64() * 1000.0;
        println!("   {name} {}: first request after start {ms:.1} ms", s.name);
        out.push(ColdResult {
            scenario: s.name.to_string(),
            backend: name.to_string(),
            ms,
        });
    }
    Ok(out)
}

/// Times `candor import purchases FILE --workspace SLUG` on the loaded database.
async fn time_import(args: &RunArgs, db: &FreshDb, seed: &Seed, backend: &str) -> Result<ImportResult> {
    let file = seed
        .import
        .as_ref()
        .context("the data set has no import file (the import-file step did not run)")?;
    let started = Instant::now();
    let out = crate::server::command(&args.candor)
        .args(candor_db_args(db))
        .args(["import", "purchases"])
        .arg(&file.path)
        .args(["--workspace", &seed.workspace_slug])
        .output()
        .await
        .with_context(|| format!("cannot run {} import", args.candor.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "candor import purchases failed: {}{}",
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    // The import prints its summary, then the value refresh it ran.
    let expected = format!("{} purchases created", file.rows);
    let summary = stdout
        .lines()
        .find(|l| l.contains("purchases created"))
        .unwrap_or("")
        .trim()
        .to_string();
    if !summary.contains(&expected) {
        bail!("candor import purchases did not create every row: {summary}");
    }
    println!(
        "   {backend} import of {} purchases: {seconds:.2} s ({summary})",
        file.rows
    );
    Ok(ImportResult {
        backend: backend.to_string(),
        rows: file.rows,
        seconds,
        rows_per_s: file.rows as f64 / seconds.max(1e-9),
        summary,
    })
}

#[allow(clippy::too_many_arguments)]
async fn measure(
    args: &RunArgs,
    plan: &Plan,
    scenario: &Scenario,
    script: &Path,
    server: &mut Server,
    seed: &Seed,
    backend: &str,
    connections: u32,
) -> Result<(Row, bool)> {
    let label = format!(
        "{backend} c{connections} {}:{}",
        scenario.target.as_str(),
        scenario.name
    );
    probe::check(scenario, seed, &server.url)
        .await
        .with_context(|| format!("{label}: the scenario does not work"))?;
    let url = format!("{}{}", server.url, probe::render(scenario.path, seed)?);
    let reset = server.reset_peak();
    if !plan.warmup.is_zero() {
        wrk::run(&url, script, args.threads, connections, plan.warmup)
            .await
            .with_context(|| format!("{label}: warm-up"))?;
    }
    let result = wrk::run(&url, script, args.threads, connections, plan.duration)
        .await
        .with_context(|| format!("{label}: run"))?;
    if !server.alive() {
        bail!("{label}: {} stopped; its log:\n{}", server.name, server.log_tail());
    }
    let (peak, _) = server.memory_kib()?;
    println!(
        "   {label:<36} {:>9.0} req/s  p99 {:>8.2} ms  errors {}",
        result.req_per_s,
        result.p99_ms,
        result.errors()
    );
    Ok((
        Row::new(
            scenario.name,
            scenario.target,
            backend,
            connections,
            &result,
            Some(peak),
            scenario.compare,
        ),
        reset,
    ))
}

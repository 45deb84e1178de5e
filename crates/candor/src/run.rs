//! Wiring: opening the database, the commands, and `serve` with its
//! ordered shutdown (stop taking requests, stop claiming jobs, finish those
//! in flight, close the database).

use crate::cli::{AdminCommand, Cli, ClocksCommand, Command, ImportCommand, ServeArgs, TokenCommand, TrustCommand};
use crate::clocks::rebuild_clocks;
use anyhow::{Context, Result, anyhow, bail};
use candor_app::worker::Worker;
use candor_app::{App, accounts, demo};
use candor_core::SystemClock;
use candor_core::staff::Scope;
use candor_store::Db;
use candor_store::db::redact_url;
use candor_web::{WebConfig, WebState};
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The database URL: the flag, or SQLite in the data directory (created).
pub fn database_url(cli: &Cli) -> Result<String> {
    if let Some(url) = &cli.database_url {
        return Ok(url.clone());
    }
    prepare_data_dir(&cli.data_dir)?;
    Ok(format!("sqlite://{}", cli.data_dir.join("candor.db").display()))
}

/// Creates the data directory if needed and checks that it is writable.
pub fn prepare_data_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow!("cannot create the data directory {}: {e}", dir.display()))?;
    let probe = dir.join(".write-check");
    std::fs::write(&probe, b"ok").map_err(|e| anyhow!("the data directory {} is not writable: {e}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

async fn open(cli: &Cli, pg_connections: u32) -> Result<Db> {
    let url = database_url(cli)?;
    let db = Db::connect_with(&url, pg_connections)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    db.migrate()
        .await
        .map_err(|e| anyhow!("cannot migrate the database at {}: {e}", redact_url(&url)))?;
    Ok(db)
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Migrate => {
            let db = open(&cli, 2).await?;
            println!("database is at migration {}", db.applied_version().await?);
            db.close().await;
            Ok(())
        }
        Command::Serve(args) => serve(&cli, args).await,
        Command::Import(cmd) => {
            let db = open(&cli, 2).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock));
            let result = match cmd {
                ImportCommand::Customers(args) => crate::transfer::run_import(&app, args, false).await,
                ImportCommand::Purchases(args) => crate::transfer::run_import(&app, args, true).await,
            };
            db.close().await;
            result
        }
        Command::Clocks(ClocksCommand::Rebuild { workspace }) => {
            let db = open(&cli, 2).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock));
            let result = rebuild_clocks(&app, workspace).await;
            db.close().await;
            result
        }
        Command::Trust(TrustCommand::Rebuild { workspace }) => {
            let db = open(&cli, 2).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock));
            let result = crate::trust::rebuild_trust(&app, workspace).await;
            db.close().await;
            result
        }
        Command::Export(cmd) => {
            let db = open(&cli, 2).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock));
            let result = crate::transfer::run_export(&app, cmd).await;
            db.close().await;
            result
        }
        Command::Admin(AdminCommand::CreateOwner {
            workspace,
            email,
            name,
            password_stdin: _,
        }) => {
            let password = read_password()?;
            let db = open(&cli, 2).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock));
            let result = accounts::create_owner(&app, workspace, email, name, &password).await;
            db.close().await;
            let (ws, _) = result.map_err(|e| anyhow!("{}", flag_message(e)))?;
            println!("{}", ws.slug);
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            workspace,
            email,
            name,
            scopes,
        }) => {
            let scopes: Vec<Scope> = scopes
                .iter()
                .map(|s| s.parse())
                .collect::<Result<_, _>>()
                .map_err(|e| anyhow!("--scope: {e}"))?;
            let db = open(&cli, 2).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock));
            let result = create_token(&app, workspace, email, name, &scopes).await;
            db.close().await;
            println!("{}", result?);
            Ok(())
        }
    }
}

async fn create_token(app: &App, workspace: &str, email: &str, name: &str, scopes: &[Scope]) -> Result<String> {
    let ws = app
        .db
        .workspace_by_slug(workspace)
        .await
        .map_err(|_| anyhow!("--workspace: no workspace has the slug \"{workspace}\""))?;
    let email = email.trim().to_lowercase();
    let user = app
        .db
        .user_by_email(&email)
        .await
        .ok()
        .filter(|u| u.workspace_id == ws.id)
        .ok_or_else(|| anyhow!("--email: no staff member {email} in the workspace \"{workspace}\""))?;
    if !user.active {
        bail!("--email: {email} is deactivated");
    }
    let (_, secret) = accounts::create_token(app, candor_core::events::Actor::System, &user, name, scopes)
        .await
        .map_err(|e| anyhow!("{}", flag_message(e)))?;
    Ok(secret)
}

/// Names the flag an input error came from.
fn flag_message(e: candor_app::AppError) -> String {
    match e {
        candor_app::AppError::Invalid { field, message } | candor_app::AppError::Conflict { field, message } => {
            let flag = match field.as_str() {
                "password" => "--password-stdin".to_string(),
                f => format!("--{f}"),
            };
            format!("{flag}: {message}")
        }
        other => other.to_string(),
    }
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("--password-stdin: cannot read standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("--password-stdin: no password was given on standard input");
    }
    Ok(password)
}

async fn serve(cli: &Cli, args: &ServeArgs) -> Result<()> {
    let db = open(cli, args.db_connections).await?;
    let files = candor_app::files::FileStore::new(&cli.data_dir, args.max_attachment_bytes);
    if args.secret_key.is_none() {
        // The key file lives in the data directory (also with PostgreSQL).
        prepare_data_dir(&cli.data_dir)?;
    }
    if let Some(path) = &args.mail_ca_file {
        let added = candor_email::trust::trust_pem_file(path).map_err(|e| anyhow!("--mail-ca-file: {e}"))?;
        tracing::info!(certificates = added, file = %path.display(), "trusting extra authorities for mail servers");
    }
    let secret_key = candor_store::secrets::SecretKey::load(args.secret_key.as_deref(), &cli.data_dir)
        .map_err(|e| anyhow!("--secret-key: {e}"))?;
    let app = App::new(db.clone(), Arc::new(SystemClock))
        .with_files(files)
        .with_secret_key(secret_key);
    let demo_login = if args.demo {
        // Another node's worker may already run jobs on the demo rows this
        // node is writing; PostgreSQL then ends one side as a deadlock, and
        // loading again finishes what is missing.
        let mut attempt = 0;
        let outcome = loop {
            attempt += 1;
            match demo::load(&app).await {
                Ok(outcome) => break outcome,
                Err(e) if attempt < 4 && e.to_string().contains("deadlock detected") => {
                    tracing::warn!(error = %e, attempt, "loading the demo data met another node; trying again");
                    tokio::time::sleep(Duration::from_millis(300 * attempt)).await;
                }
                Err(e) => return Err(anyhow!("cannot load the demo data: {e}")),
            }
        };
        if outcome.created {
            tracing::info!(workspace = %outcome.workspace.slug, "demo workspace loaded");
        }
        Some(outcome.workspace)
    } else {
        None
    };
    // The text analysis builds its tables on first use; build them before
    // the first message arrives rather than while it waits.
    let warmed = std::time::Instant::now();
    tokio::task::spawn_blocking(candor_insight::warm_up)
        .await
        .map_err(|e| anyhow!("preparing the text analysis failed: {e}"))?;
    tracing::debug!(took = ?warmed.elapsed(), "text analysis ready");
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow!("--listen: cannot listen on {}: {e}", args.listen))?;
    let local = listener.local_addr()?;
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
    if let Some(ws) = &demo_login {
        // The demo's "what a customer sees" chat page is served from here.
        if let Ok(Some(owner)) = candor_app::demo_chat::owner_of(&app, ws).await
            && let Err(e) = candor_app::demo_chat::allow_origin(&app, &owner, &public_url).await
        {
            tracing::warn!(error = %e, "cannot allow the demo server's origin for the chat");
        }
    }
    let state = WebState::new(
        app.clone(),
        WebConfig {
            public_url: Some(public_url.clone()),
            dev_show_links: args.dev_show_links,
        },
    );

    state.chat.set_sockets_per_ip(args.chat_sockets_per_ip as usize);
    let shutdown = CancellationToken::new();
    let mut worker = Worker::new(app.clone());
    candor_app::value::register_jobs(&mut worker);
    // Commitment warnings and breaches, promise reminders and broken promises.
    candor_app::breaches::register_jobs(&mut worker);
    candor_app::promises::register_jobs(&mut worker);
    candor_app::community::register_jobs(&mut worker);
    candor_app::campaigns::register_jobs(&mut worker);
    // Chat replies: pushed to a connected widget, else kept for it (or sent by email).
    candor_app::chat::delivery::register_jobs(&mut worker);
    // Email: agent replies and Candor's own emails go out through the
    // workspace's mailbox (replacing the community's "hold in the outbox"
    // handler, which the email handler falls back to without a mailbox).
    candor_email::outbound::register_jobs(&mut worker);
    let worker_task = (args.workers > 0)
        .then(|| tokio::spawn(worker.run(args.workers as usize, Duration::from_millis(500), shutdown.clone())));
    let fetch = candor_email::fetcher::FetchConfig {
        poll: Duration::from_secs(args.mail_poll_seconds),
        ..Default::default()
    };
    let fetch_task = tokio::spawn(candor_email::fetcher::run(app.clone(), fetch, shutdown.clone()));
    // Live updates from the other nodes on the same PostgreSQL (nothing to do on SQLite).
    let listener_task = tokio::spawn(candor_app::live::listen_postgres(app.clone(), shutdown.clone()));

    if let Some(ws) = demo_login {
        println!(
            "Demo workspace \"{}\": sign in at {public_url}/login as {} with the password {}",
            ws.name,
            demo::DEMO_EMAIL,
            demo::DEMO_PASSWORD
        );
    }
    if args.dev_show_links {
        tracing::warn!(
            "--dev-show-links: customers' sign-in links are shown on the page; never use this in production"
        );
    }
    println!("Candor is running at {public_url}");
    tracing::info!(listen = %local, backend = ?db.backend(), "serving");

    let signal = shutdown.clone();
    let hub = app.live.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing requests and jobs in flight");
        // Open live-update streams end, so they do not hold the server up.
        hub.close();
        signal.cancel();
    });
    let stop = shutdown.clone();
    candor_web::serve(listener, state, async move { stop.cancelled().await })
        .await
        .context("the web server failed")?;
    shutdown.cancel();
    if let Some(task) = worker_task {
        let _ = task.await;
    }
    let _ = listener_task.await;
    let _ = fetch_task.await;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

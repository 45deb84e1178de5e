//! The IMAP fetcher `candor serve` runs: one task per enabled mailbox. Each
//! logs in, imports every message after the last imported UID (one at a
//! time: receive, then record the UID, then mark seen or move), and waits
//! for more with IDLE where the server has it, else polls. The position is
//! kept per UIDVALIDITY, and receiving is idempotent, so a restart at any
//! point neither misses nor repeats a message. Failures are recorded on the
//! mailbox (the settings page shows them), logged, and retried with
//! backoff until the server is back. With several nodes, a mailbox is
//! fetched by one at a time: the one holding its lease (`Db::take_lease`),
//! renewed while it fetches; another node takes over once it is given back
//! or has expired.

use crate::imap::{self, FolderState, ImapError, ImapSession};
use crate::inbound::{Source, receive};
use crate::mailboxes::{MailboxError, connections};
use candor_app::App;
use candor_app::error::AppError;
use candor_core::WorkspaceId;
use candor_store::email::Mailbox;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How the fetcher paces itself.
#[derive(Clone, Debug)]
pub struct FetchConfig {
    /// Between checks when the server has no IDLE.
    pub poll: Duration,
    /// The longest one IDLE lasts before it is renewed (servers end them at 30 min).
    pub idle: Duration,
    /// The first wait after a failure; it doubles up to `retry_max`.
    pub retry_min: Duration,
    /// The longest wait after failures.
    pub retry_max: Duration,
    /// The longest one server step may take.
    pub timeout: Duration,
    /// How often the list of mailboxes is read again (new, changed, removed).
    pub refresh: Duration,
    /// How long a node's hold on a mailbox lasts unless renewed (it is
    /// renewed every third of it while the node fetches).
    pub lease: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(60),
            idle: Duration::from_secs(10 * 60),
            retry_min: Duration::from_secs(5),
            retry_max: Duration::from_secs(5 * 60),
            timeout: Duration::from_secs(60),
            refresh: Duration::from_secs(30),
            lease: Duration::from_secs(90),
        }
    }
}

/// What stopped a fetch round.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server.
    #[error(transparent)]
    Imap(#[from] ImapError),
    /// The mailbox's stored settings.
    #[error(transparent)]
    Mailbox(#[from] MailboxError),
    /// Storing what arrived.
    #[error("storing a fetched message failed: {0}")]
    App(#[from] AppError),
}

impl From<candor_store::StoreError> for FetchError {
    fn from(e: candor_store::StoreError) -> Self {
        FetchError::App(e.into())
    }
}

/// Runs fetchers for every enabled mailbox until `shutdown`; starts,
/// restarts and stops them as mailboxes are added, changed or removed.
pub async fn run(app: App, config: FetchConfig, shutdown: CancellationToken) {
    let mut running: HashMap<Uuid, (Timestamp, CancellationToken)> = HashMap::new();
    let mut tasks = JoinSet::new();
    loop {
        match app.db.enabled_mailboxes().await {
            Ok(mailboxes) => {
                let wanted: HashMap<Uuid, Timestamp> = mailboxes.iter().map(|m| (m.id, m.updated_at)).collect();
                running.retain(|id, (changed, stop)| {
                    let keep = wanted.get(id) == Some(changed);
                    if !keep {
                        stop.cancel();
                    }
                    keep
                });
                for m in mailboxes {
                    if running.contains_key(&m.id) {
                        continue;
                    }
                    let stop = shutdown.child_token();
                    running.insert(m.id, (m.updated_at, stop.clone()));
                    tasks.spawn(watch(app.clone(), m.workspace_id, m.id, config.clone(), stop));
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the mailboxes to fetch"),
        }
        while tasks.try_join_next().is_some() {}
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(config.refresh) => {}
        }
    }
    while tasks.join_next().await.is_some() {}
    tracing::info!("mail fetcher stopped");
}

/// The lease a node holds while it fetches a mailbox.
pub fn lease_name(mailbox: Uuid) -> String {
    format!("mailbox:{mailbox}")
}

/// Fetches one mailbox until `stop`, retrying with backoff after failures,
/// while this node holds the mailbox's lease.
pub async fn watch(app: App, ws: WorkspaceId, id: Uuid, config: FetchConfig, stop: CancellationToken) {
    let lease = lease_name(id);
    let node = app.live.node();
    let ttl = SignedDuration::try_from(config.lease).unwrap_or(SignedDuration::from_secs(90));
    while !stop.is_cancelled() {
        match app.db.take_lease(app.now(), ws, &lease, node, ttl).await {
            Ok(true) => {
                // Renewing runs in this task, beside the fetch: whatever ends
                // the task ends both, so no renewal outlives the fetch.
                let held = stop.child_token();
                let fetching = async {
                    fetch_while_held(&app, ws, id, &config, &held).await;
                    held.cancel();
                };
                tokio::join!(fetching, renew(&app, ws, &lease, &config, &held));
                if let Err(e) = app.db.release_lease(ws, &lease, node).await {
                    tracing::warn!(mailbox = %id, error = %e, "cannot give back a mailbox's lease; it expires by itself");
                }
            }
            Ok(false) => tracing::debug!(mailbox = %id, "another node fetches this mailbox"),
            Err(e) => tracing::warn!(mailbox = %id, error = %e, "cannot take a mailbox's lease"),
        }
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = tokio::time::sleep(config.lease / 3) => {}
        }
    }
}

/// Renews the lease every third of its length until `held` ends; when the
/// lease is lost (another node has it, or it cannot be renewed in time) it
/// ends `held`, so the fetch stops before another node may start.
async fn renew(app: &App, ws: WorkspaceId, lease: &str, config: &FetchConfig, held: &CancellationToken) {
    let node = app.live.node();
    let ttl = SignedDuration::try_from(config.lease).unwrap_or(SignedDuration::from_secs(90));
    let mut last = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = held.cancelled() => return,
            _ = tokio::time::sleep(config.lease / 3) => {}
        }
        match app.db.take_lease(app.now(), ws, lease, node, ttl).await {
            Ok(true) => last = tokio::time::Instant::now(),
            Ok(false) => {
                tracing::warn!(lease = %lease, "another node took over this mailbox");
                held.cancel();
                return;
            }
            Err(e) => {
                tracing::warn!(lease = %lease, error = %e, "cannot renew a mailbox's lease");
                // Stop before it can have expired for the others.
                if last.elapsed() >= config.lease * 2 / 3 {
                    held.cancel();
                    return;
                }
            }
        }
    }
}

/// Fetches one mailbox until `stop`, retrying with backoff after failures.
async fn fetch_while_held(app: &App, ws: WorkspaceId, id: Uuid, config: &FetchConfig, stop: &CancellationToken) {
    let mut failures: u32 = 0;
    while !stop.is_cancelled() {
        let m = match app.db.mailbox(ws, id).await {
            Ok(m) => m,
            Err(candor_store::StoreError::NotFound) => return,
            Err(e) => {
                tracing::warn!(mailbox = %id, error = %e, "cannot read a mailbox's settings");
                failures += 1;
                pause(config, failures, stop).await;
                continue;
            }
        };
        match session(app, &m, config, stop, &mut failures).await {
            Ok(()) => {}
            Err(e) => {
                failures += 1;
                let words = e.to_string();
                tracing::warn!(mailbox = %m.fields.address, attempt = failures, error = %words, "cannot fetch mail; will try again");
                if let Err(e) = app.db.record_mailbox_check(app.now(), ws, id, Some(&words)).await {
                    tracing::warn!(mailbox = %id, error = %e, "cannot record a mailbox's state");
                }
                pause(config, failures, stop).await;
            }
        }
    }
}

async fn pause(config: &FetchConfig, failures: u32, stop: &CancellationToken) {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    let wait = config.retry_min.saturating_mul(factor).min(config.retry_max);
    tokio::select! {
        _ = stop.cancelled() => {}
        _ = tokio::time::sleep(wait) => {}
    }
}

/// One logged-in session: import, then wait (IDLE or poll), until `stop`
/// or a failure.
async fn session(
    app: &App,
    m: &Mailbox,
    config: &FetchConfig,
    stop: &CancellationToken,
    failures: &mut u32,
) -> Result<(), FetchError> {
    let (conn, _) = connections(app, m)?;
    let mut session = imap::login(&conn, config.timeout).await?;
    let state = imap::select(&conn, &mut session, &m.fields.folder, config.timeout).await?;
    let has_idle = step(
        config,
        "reading capabilities",
        imap::has_capability(&mut session, "IDLE"),
    )
    .await?;
    let has_move = step(
        config,
        "reading capabilities",
        imap::has_capability(&mut session, "MOVE"),
    )
    .await?;
    if m.state != "ok" || *failures > 0 {
        tracing::info!(mailbox = %m.fields.address, idle = has_idle, "connected to the mailbox");
    }
    app.db
        .record_mailbox_check(app.now(), m.workspace_id, m.id, None)
        .await?;
    *failures = 0;
    loop {
        import_new(app, m, &mut session, state, has_move, config, stop).await?;
        if stop.is_cancelled() {
            let _ = session.logout().await;
            return Ok(());
        }
        if has_idle {
            session = idle(session, config, stop).await?;
        } else {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::sleep(config.poll) => {}
            }
            // NOOP lets the server tell about new mail (and keeps the session alive).
            step(config, "checking for new mail", async {
                session.noop().await.map_err(ImapError::from)
            })
            .await?;
        }
        while session.unsolicited_responses.try_recv().is_ok() {}
    }
}

/// Runs one server step with the configured time limit: a server that went
/// away without closing the connection is noticed instead of waited on forever.
async fn step<T>(
    config: &FetchConfig,
    what: &'static str,
    f: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, FetchError> {
    match tokio::time::timeout(config.timeout, f).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(FetchError::Imap(ImapError::Protocol(format!(
            "the server stopped answering ({what}, waited {} s)",
            config.timeout.as_secs()
        )))),
    }
}

/// Waits in IDLE until the server says something, `limit` passes or `stop`.
async fn idle(session: ImapSession, config: &FetchConfig, stop: &CancellationToken) -> Result<ImapSession, FetchError> {
    let limit = config.idle;
    let mut handle = session.idle();
    step(config, "starting IDLE", async {
        handle.init().await.map_err(ImapError::from)
    })
    .await?;
    {
        let (wait, interrupt) = handle.wait_with_timeout(limit);
        tokio::pin!(wait);
        let outcome = tokio::select! {
            r = &mut wait => r,
            _ = stop.cancelled() => {
                drop(interrupt);
                wait.await
            }
        };
        outcome.map_err(ImapError::from)?;
    }
    step(config, "ending IDLE", async {
        handle.done().await.map_err(ImapError::from)
    })
    .await
}

/// Imports every message after the recorded position, in UID order,
/// stopping cleanly between two messages when asked to.
async fn import_new(
    app: &App,
    m: &Mailbox,
    session: &mut ImapSession,
    state: FolderState,
    has_move: bool,
    config: &FetchConfig,
    stop: &CancellationToken,
) -> Result<(), FetchError> {
    let ws = m.workspace_id;
    let current = app.db.mailbox(ws, m.id).await?;
    let validity = i64::from(state.uid_validity);
    let after = if current.uid_validity == Some(validity) {
        u32::try_from(current.last_uid).unwrap_or(0)
    } else {
        // A new folder identity: UIDs seen before mean nothing. Receiving is
        // idempotent by Message-ID, so starting over repeats nothing.
        app.db.record_fetch_position(ws, m.id, validity, 0).await?;
        0
    };
    for uid in step(config, "listing new mail", imap::uids_after(session, after)).await? {
        if stop.is_cancelled() {
            break;
        }
        if let Some(raw) = step(config, "fetching a message", imap::fetch_raw(session, uid)).await? {
            let source = Source {
                mailbox_id: Some(m.id),
                imap: Some((state.uid_validity, uid)),
            };
            let received = receive(app, ws, &raw, source).await?;
            tracing::info!(mailbox = %m.fields.address, uid, duplicate = received.duplicate,
                conversation = %received.conversation_id, "email imported");
        }
        app.db.record_fetch_position(ws, m.id, validity, i64::from(uid)).await?;
        let after_import = if m.fields.after_import == "move" {
            step(
                config,
                "moving a message",
                imap::move_to(session, uid, &m.fields.move_to, has_move),
            )
            .await
        } else {
            step(config, "marking a message seen", imap::mark_seen(session, uid)).await
        };
        if let Err(e) = after_import {
            // The message is imported and its UID recorded: nothing is lost,
            // but the person who set the mailbox up should know.
            tracing::warn!(mailbox = %m.fields.address, uid, error = %e, "an imported email could not be marked or moved");
            app.db
                .record_mailbox_check(
                    app.now(),
                    ws,
                    m.id,
                    Some(&format!("imported, but could not mark or move it: {e}")),
                )
                .await?;
        }
    }
    Ok(())
}

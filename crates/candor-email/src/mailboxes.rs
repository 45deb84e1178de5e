//! Mailbox settings for owners and admins: list, add, change, remove, and
//! "test connection", which reaches the IMAP and SMTP servers and says
//! exactly which step failed. Passwords are sealed with the server's secret
//! key before they are stored and never shown again.

use crate::imap;
use crate::settings::{CheckedMailbox, Connection, MailboxInput, TlsMode, check};
use crate::smtp;
use candor_app::error::{AppError, AppResult};
use candor_app::{App, Caller};
use candor_core::events::{Subject, kind};
use candor_core::staff::Scope;
use candor_store::email::{Mailbox, MailboxFields};
use candor_store::events::NewEvent;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

/// What can stop a mailbox from being used.
#[derive(Debug, thiserror::Error)]
pub enum MailboxError {
    /// A stored setting cannot be used.
    #[error("{0}")]
    Setting(String),
    /// The server has no secret key to open stored passwords with.
    #[error(
        "this server has no secret key to open stored mailbox passwords (set CANDOR_SECRET_KEY or keep secret.key in the data directory)"
    )]
    NoKey,
    /// A stored password cannot be opened.
    #[error(transparent)]
    Sealed(#[from] candor_store::secrets::SealError),
}

/// A mailbox as the API and pages show it: never the passwords.
#[derive(Clone, Debug, Serialize)]
pub struct MailboxView {
    /// Id.
    pub id: String,
    /// Label.
    pub name: String,
    /// The address customers write to.
    pub address: String,
    /// IMAP server.
    pub imap_host: String,
    /// IMAP port.
    pub imap_port: u16,
    /// implicit, starttls or none.
    pub imap_tls: String,
    /// IMAP user.
    pub imap_user: String,
    /// Folder read from.
    pub folder: String,
    /// seen or move.
    pub after_import: String,
    /// Folder moved to.
    pub move_to: String,
    /// SMTP relay (empty: does not send).
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// implicit, starttls or none.
    pub smtp_tls: String,
    /// SMTP user.
    pub smtp_user: String,
    /// Fetching and sending.
    pub enabled: bool,
    /// new, ok or failing.
    pub state: String,
    /// What failed last.
    pub last_error: String,
    /// When the server was last reached or tried.
    pub last_checked_at: Option<Timestamp>,
    /// The highest UID imported.
    pub last_uid: i64,
}

impl MailboxView {
    /// The view of a stored mailbox.
    pub fn of(m: &Mailbox) -> Self {
        let f = &m.fields;
        Self {
            id: m.id.to_string(),
            name: f.name.clone(),
            address: f.address.clone(),
            imap_host: f.imap_host.clone(),
            imap_port: f.imap_port,
            imap_tls: f.imap_tls.clone(),
            imap_user: f.imap_user.clone(),
            folder: f.folder.clone(),
            after_import: f.after_import.clone(),
            move_to: f.move_to.clone(),
            smtp_host: f.smtp_host.clone(),
            smtp_port: f.smtp_port,
            smtp_tls: f.smtp_tls.clone(),
            smtp_user: f.smtp_user.clone(),
            enabled: f.enabled,
            state: m.state.clone(),
            last_error: m.last_error.clone(),
            last_checked_at: m.last_checked_at,
            last_uid: m.last_uid,
        }
    }
}

/// The outcome of "test connection".
#[derive(Clone, Debug, Serialize)]
pub struct TestReport {
    /// Both servers answered and took the login.
    pub ok: bool,
    /// What the IMAP check found: "ok: …" or what failed.
    pub imap: String,
    /// What the SMTP check found (empty when the mailbox does not send).
    pub smtp: String,
}

/// The IMAP and SMTP connections of a stored mailbox, passwords opened.
pub fn connections(app: &App, m: &Mailbox) -> Result<(Connection, Connection), MailboxError> {
    let key = app.secret_key.as_ref().ok_or(MailboxError::NoKey)?;
    let f = &m.fields;
    let tls = |w: &str| TlsMode::parse(w).ok_or_else(|| MailboxError::Setting(format!("unknown TLS mode \"{w}\"")));
    let open = |s: &str| if s.is_empty() { Ok(String::new()) } else { key.open(s) };
    Ok((
        Connection {
            host: f.imap_host.clone(),
            port: f.imap_port,
            tls: tls(&f.imap_tls)?,
            user: f.imap_user.clone(),
            password: open(&f.imap_password)?,
        },
        Connection {
            host: f.smtp_host.clone(),
            port: f.smtp_port,
            tls: tls(&f.smtp_tls)?,
            user: f.smtp_user.clone(),
            password: open(&f.smtp_password)?,
        },
    ))
}

fn sealed_fields(app: &App, c: &CheckedMailbox) -> AppResult<MailboxFields> {
    let key = app
        .secret_key
        .as_ref()
        .ok_or_else(|| AppError::Internal(MailboxError::NoKey.to_string()))?;
    let seal = |p: &str| if p.is_empty() { String::new() } else { key.seal(p) };
    Ok(MailboxFields {
        name: c.name.clone(),
        address: c.address.clone(),
        imap_host: c.imap.host.clone(),
        imap_port: c.imap.port,
        imap_tls: c.imap.tls.as_str().into(),
        imap_user: c.imap.user.clone(),
        imap_password: seal(&c.imap.password),
        folder: c.folder.clone(),
        after_import: c.after_import.clone(),
        move_to: c.move_to.clone(),
        smtp_host: c.smtp.host.clone(),
        smtp_port: c.smtp.port,
        smtp_tls: c.smtp.tls.as_str().into(),
        smtp_user: c.smtp.user.clone(),
        smtp_password: seal(&c.smtp.password),
        enabled: c.enabled,
    })
}

fn invalid(e: crate::settings::SettingError) -> AppError {
    AppError::invalid(e.field, e.message)
}

async fn event(
    app: &App,
    tx: &mut candor_store::Tx,
    caller: &Caller,
    what: &'static str,
    id: Uuid,
    address: &str,
) -> AppResult<()> {
    tx.append_event(
        app.now(),
        NewEvent {
            workspace_id: caller.workspace(),
            actor: caller.actor(),
            kind: what,
            subject: Subject::new("mailbox", id),
            payload: json!({"mailbox": address}),
        },
    )
    .await?;
    Ok(())
}

/// The workspace's mailboxes.
pub async fn list(app: &App, caller: &Caller) -> AppResult<Vec<MailboxView>> {
    caller.require(Scope::Admin)?;
    Ok(app
        .db
        .mailboxes(caller.workspace())
        .await?
        .iter()
        .map(MailboxView::of)
        .collect())
}

/// One mailbox.
pub async fn get(app: &App, caller: &Caller, id: Uuid) -> AppResult<MailboxView> {
    caller.require(Scope::Admin)?;
    Ok(MailboxView::of(&app.db.mailbox(caller.workspace(), id).await?))
}

/// Adds a mailbox.
pub async fn create(app: &App, caller: &Caller, input: &MailboxInput) -> AppResult<MailboxView> {
    caller.require(Scope::Admin)?;
    let checked = check(input, None).map_err(invalid)?;
    let fields = sealed_fields(app, &checked)?;
    let mut tx = app.db.begin().await?;
    let id = tx.insert_mailbox(app.now(), caller.workspace(), &fields).await?;
    event(app, &mut tx, caller, kind::MAILBOX_SAVED, id, &checked.address).await?;
    tx.commit().await?;
    get(app, caller, id).await
}

/// Changes a mailbox; empty passwords keep the stored ones.
pub async fn update(app: &App, caller: &Caller, id: Uuid, input: &MailboxInput) -> AppResult<MailboxView> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let mut tx = app.db.begin().await?;
    let current = tx.mailbox(ws, id).await?;
    let stored = if input.imap_password.is_empty() || input.smtp_password.is_empty() {
        let (imap, smtp) = connections(app, &current).map_err(|e| AppError::Internal(e.to_string()))?;
        Some((imap.password, smtp.password))
    } else {
        None
    };
    let checked = check(input, stored.as_ref().map(|(i, s)| (i.as_str(), s.as_str()))).map_err(invalid)?;
    let fields = sealed_fields(app, &checked)?;
    tx.update_mailbox(app.now(), ws, id, &fields).await?;
    event(app, &mut tx, caller, kind::MAILBOX_SAVED, id, &checked.address).await?;
    tx.commit().await?;
    get(app, caller, id).await
}

/// Removes a mailbox (its mail stays).
pub async fn delete(app: &App, caller: &Caller, id: Uuid) -> AppResult<()> {
    caller.require(Scope::Admin)?;
    let mut tx = app.db.begin().await?;
    let current = tx.mailbox(caller.workspace(), id).await?;
    tx.delete_mailbox(caller.workspace(), id).await?;
    event(app, &mut tx, caller, kind::MAILBOX_REMOVED, id, &current.fields.address).await?;
    tx.commit().await?;
    Ok(())
}

/// Reaches the mailbox's servers now: logs in to IMAP and opens the folder,
/// greets the SMTP relay and logs in. Records the outcome on the mailbox.
pub async fn test(app: &App, caller: &Caller, id: Uuid) -> AppResult<TestReport> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let m = app.db.mailbox(ws, id).await?;
    let (imap_conn, smtp_conn) = match connections(app, &m) {
        Ok(c) => c,
        Err(e) => {
            return Ok(TestReport {
                ok: false,
                imap: e.to_string(),
                smtp: String::new(),
            });
        }
    };
    let timeout = Duration::from_secs(15);
    let imap = match imap::check(&imap_conn, &m.fields.folder, timeout).await {
        Ok(words) => Ok(words),
        Err(e) => Err(e.to_string()),
    };
    let smtp = if smtp_conn.host.is_empty() {
        Ok(String::new())
    } else {
        match smtp::check(&smtp_conn, timeout).await {
            Ok(()) => Ok(format!(
                "ok: the SMTP server {}:{} accepted the connection and login",
                smtp_conn.host, smtp_conn.port
            )),
            Err(e) => Err(e.to_string()),
        }
    };
    let failure = [imap.as_ref().err(), smtp.as_ref().err()]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>();
    let error = (!failure.is_empty()).then(|| failure.join("; "));
    app.db.record_mailbox_check(app.now(), ws, id, error.as_deref()).await?;
    Ok(TestReport {
        ok: failure.is_empty(),
        imap: imap.unwrap_or_else(|e| e),
        smtp: smtp.unwrap_or_else(|e| e),
    })
}

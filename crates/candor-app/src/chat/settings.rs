//! The chat widget's settings per workspace: the secret sites sign their
//! users' ids with (made on first use, shown to owners and admins, replaced
//! on demand, sealed at rest with the server's secret key like mailbox
//! passwords) and the origins of the pages allowed to open the chat.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::WorkspaceId;
use candor_core::chat::parse_origins;
use candor_core::events::{Subject, kind};
use candor_core::staff::Scope;
use candor_store::Tx;
use candor_store::chat::ChatSettings;
use candor_store::events::NewEvent;
use candor_store::secrets::{SecretKey, new_secret};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

/// The settings as owners and admins see them.
#[derive(Clone, Debug, Serialize)]
pub struct ChatSettingsView {
    /// The signing secret; `None` when it cannot be opened (the server's
    /// secret key changed): replace it.
    pub secret: Option<String>,
    /// Origins allowed to open the chat; empty allows every page.
    pub allowed_origins: Vec<String>,
    /// When they last changed.
    pub updated_at: Timestamp,
}

/// What the widget's socket needs (no caller: the visitor is anonymous).
#[derive(Clone, Debug, Default)]
pub struct WidgetSettings {
    /// Origins allowed to open the chat; empty allows every page.
    pub allowed_origins: Vec<String>,
    /// The signing secret, when one was made and can be opened.
    pub secret: Option<String>,
}

fn key(app: &App) -> AppResult<&SecretKey> {
    app.secret_key
        .as_ref()
        .ok_or_else(|| AppError::Internal("the server has no secret key to seal the chat secret with".into()))
}

fn view(app: &App, s: &ChatSettings) -> ChatSettingsView {
    ChatSettingsView {
        secret: app.secret_key.as_ref().and_then(|k| k.open(&s.sealed_secret).ok()),
        allowed_origins: s.allowed_origins.clone(),
        updated_at: s.updated_at,
    }
}

/// A new signing secret: `chs_` and 64 hex digits.
pub fn new_chat_secret() -> String {
    new_secret("chs_").plain
}

/// The settings (owners and admins), made with a fresh secret the first time.
pub async fn get(app: &App, caller: &Caller) -> AppResult<ChatSettingsView> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    if let Some(s) = app.db.chat_settings(ws).await? {
        return Ok(view(app, &s));
    }
    let mut tx = app.db.begin().await?;
    let s = ensure(&mut tx, app, ws, caller).await?;
    tx.commit().await?;
    Ok(view(app, &s))
}

/// The settings inside `tx`, made with a fresh secret when there are none.
async fn ensure(tx: &mut Tx, app: &App, ws: WorkspaceId, caller: &Caller) -> AppResult<ChatSettings> {
    if let Some(s) = tx.chat_settings(ws).await? {
        return Ok(s);
    }
    let sealed = key(app)?.seal(&new_chat_secret());
    let now = app.now();
    tx.save_chat_settings(now, ws, &sealed, &[]).await?;
    secret_event(tx, app, ws, caller, "made").await?;
    Ok(ChatSettings {
        sealed_secret: sealed,
        allowed_origins: Vec::new(),
        updated_at: now,
    })
}

async fn secret_event(tx: &mut Tx, app: &App, ws: WorkspaceId, caller: &Caller, what: &str) -> AppResult<()> {
    tx.append_event(
        app.now(),
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::CHAT_SECRET_ROTATED,
            subject: Subject::new("workspace", ws.as_uuid()),
            // Never the secret itself.
            payload: json!({"secret": what}),
        },
    )
    .await?;
    Ok(())
}

/// Replaces the signing secret: signatures made with the old one stop working at once.
pub async fn rotate_secret(app: &App, caller: &Caller) -> AppResult<ChatSettingsView> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let sealed = key(app)?.seal(&new_chat_secret());
    let mut tx = app.db.begin().await?;
    let origins = tx
        .chat_settings(ws)
        .await?
        .map(|s| s.allowed_origins)
        .unwrap_or_default();
    let now = app.now();
    tx.save_chat_settings(now, ws, &sealed, &origins).await?;
    secret_event(&mut tx, app, ws, caller, "replaced").await?;
    tx.commit().await?;
    Ok(view(
        app,
        &ChatSettings {
            sealed_secret: sealed,
            allowed_origins: origins,
            updated_at: now,
        },
    ))
}

/// Replaces the allowed origins (each `scheme://host[:port]`; an empty
/// list allows every page). Errors name `allowed_origins[i]`.
pub async fn set_origins(app: &App, caller: &Caller, raw: &[String]) -> AppResult<ChatSettingsView> {
    caller.require(Scope::Admin)?;
    let origins =
        parse_origins(raw).map_err(|(i, e)| AppError::invalid(&format!("allowed_origins[{i}]"), e.to_string()))?;
    let ws = caller.workspace();
    let mut tx = app.db.begin().await?;
    let current = ensure(&mut tx, app, ws, caller).await?;
    let now = app.now();
    tx.save_chat_settings(now, ws, &current.sealed_secret, &origins).await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::CHAT_SETTINGS_CHANGED,
            subject: Subject::new("workspace", ws.as_uuid()),
            payload: json!({"allowed_origins": origins}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(view(
        app,
        &ChatSettings {
            sealed_secret: current.sealed_secret,
            allowed_origins: origins,
            updated_at: now,
        },
    ))
}

/// What the widget's socket checks against (nothing made yet: every page
/// may open an anonymous chat, and no signature can be valid).
pub async fn widget_settings(app: &App, ws: WorkspaceId) -> AppResult<WidgetSettings> {
    Ok(match app.db.chat_settings(ws).await? {
        None => WidgetSettings::default(),
        Some(s) => WidgetSettings {
            secret: app.secret_key.as_ref().and_then(|k| k.open(&s.sealed_secret).ok()),
            allowed_origins: s.allowed_origins,
        },
    })
}

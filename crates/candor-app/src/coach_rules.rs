//! A company's own reply-coach rules: a TOML file per language, in the
//! format of the built-in files (docs/coach.md), added to them. Admins
//! change them; every coach call in the workspace uses them. Compiled rules
//! are kept per workspace and checked against a stamp in the database on
//! each call, so a change on one node reaches every node at once.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::WorkspaceId;
use candor_core::events::{Subject, kind};
use candor_core::staff::Scope;
use candor_insight::Coach;
use candor_store::events::NewEvent;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Longest rule file a company may store, in bytes.
pub const MAX_SOURCE_BYTES: usize = 32 * 1024;

/// One language's rules, as shown to admins.
#[derive(Clone, Debug, Serialize)]
pub struct RulesView {
    /// ISO 639-1 code.
    pub language: String,
    /// The TOML source.
    pub source: String,
    /// When they were last changed.
    pub updated_at: Timestamp,
    /// Who changed them (a user id), if a person did.
    pub updated_by: Option<uuid::Uuid>,
    /// Rules in the file.
    pub rules: usize,
    /// Why the file is not in force, when it no longer compiles beside the
    /// built-in rules (e.g. a built-in rule now uses one of its ids).
    pub error: Option<String>,
}

/// What a workspace's rules looked like when its coach was compiled.
type Stamp = Option<(i64, i64)>;

/// Compiled coaches by workspace, with the stamp each was built from.
type Compiled = HashMap<WorkspaceId, (Stamp, Arc<Coach>)>;

/// Compiled coaches, shared by every request of the process.
#[derive(Clone, Default)]
pub struct CoachCache {
    map: Arc<Mutex<Compiled>>,
}

impl CoachCache {
    fn get(&self, ws: WorkspaceId, stamp: Stamp) -> Option<Arc<Coach>> {
        let map = self.map.lock().ok()?;
        map.get(&ws).filter(|(s, _)| *s == stamp).map(|(_, c)| c.clone())
    }

    fn keep(&self, ws: WorkspaceId, stamp: Stamp, coach: Arc<Coach>) {
        if let Ok(mut map) = self.map.lock() {
            map.insert(ws, (stamp, coach));
        }
    }

    fn forget(&self, ws: WorkspaceId) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(&ws);
        }
    }
}

fn language_code(raw: &str) -> AppResult<String> {
    let code = raw.trim().to_ascii_lowercase();
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(AppError::invalid(
            "language",
            "a two-letter ISO 639-1 code such as en, de, fr or es",
        ));
    }
    Ok(code)
}

fn rule_count(source: &str) -> usize {
    source.lines().filter(|l| l.trim() == "[[rule]]").count()
}

/// The workspace's rules by language, each with whether it is in force.
pub async fn list(app: &App, caller: &Caller) -> AppResult<Vec<RulesView>> {
    caller.require(Scope::Read)?;
    let stored = app.db.coach_rules(caller.workspace()).await?;
    Ok(stored
        .into_iter()
        .map(|r| {
            let error = Coach::with_extra_rules(&r.language, &r.source)
                .err()
                .map(|e| e.to_string());
            RulesView {
                rules: rule_count(&r.source),
                language: r.language,
                source: r.source,
                updated_at: r.updated_at,
                updated_by: r.updated_by.map(|u| u.as_uuid()),
                error,
            }
        })
        .collect())
}

/// Replaces the workspace's rules for `language` with `source` (owners and
/// admins). The file must compile beside the built-in rules; an empty
/// source removes the company's rules for the language.
pub async fn put(app: &App, caller: &Caller, language: &str, source: &str) -> AppResult<Option<RulesView>> {
    caller.require(Scope::Admin)?;
    let language = language_code(language)?;
    if source.len() > MAX_SOURCE_BYTES {
        return Err(AppError::invalid(
            "source",
            format!("the rules are longer than {MAX_SOURCE_BYTES} bytes"),
        ));
    }
    let source = if source.trim().is_empty() { "" } else { source };
    if !source.is_empty() {
        Coach::with_extra_rules(&language, source).map_err(|e| AppError::invalid("source", e.to_string()))?;
    }
    let now = app.now();
    let ws = caller.workspace();
    let mut tx = app.db.begin().await?;
    tx.put_coach_rules(now, ws, &language, source, Some(caller.user.id))
        .await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::COACH_RULES_CHANGED,
            subject: Subject::new("workspace", ws.as_uuid()),
            payload: json!({"language": language, "rules": rule_count(source), "removed": source.is_empty()}),
        },
    )
    .await?;
    tx.commit().await?;
    app.coach.forget(ws);
    if source.is_empty() {
        return Ok(None);
    }
    Ok(Some(RulesView {
        rules: rule_count(source),
        language,
        source: source.to_string(),
        updated_at: now,
        updated_by: Some(caller.user.id.as_uuid()),
        error: None,
    }))
}

/// The coach of a workspace: the built-in rules plus the company's own.
/// A stored file that no longer compiles is left out (and shown with its
/// error by [`list`]) rather than taking the coach down.
pub async fn coach_for(app: &App, ws: WorkspaceId) -> AppResult<Arc<Coach>> {
    let stamp = app.db.coach_rules_stamp(ws).await?;
    if let Some(coach) = app.coach.get(ws, stamp) {
        return Ok(coach);
    }
    let mut coach = Coach::standard();
    if stamp.is_some() {
        for r in app.db.coach_rules(ws).await? {
            match coach.clone().and_rules(&r.language, &r.source) {
                Ok(with) => coach = with,
                Err(e) => tracing::warn!(workspace = %ws.as_uuid(), language = %r.language, error = %e,
                    "a company's coach rules no longer compile; left out"),
            }
        }
    }
    let coach = Arc::new(coach);
    app.coach.keep(ws, stamp, coach.clone());
    Ok(coach)
}

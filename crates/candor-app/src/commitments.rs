//! The Pact: a workspace's public commitments, changed by admins as new
//! versions, and shown to everyone in plain words.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::pact_cache::PublicAnswer;
use candor_core::commitments::Commitments;
use candor_core::events::{Subject, kind};
use candor_core::staff::Scope;
use candor_store::commitments::CommitmentVersion;
use candor_store::events::NewEvent;
use candor_store::staff::Workspace;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;

/// The commitments in force for the caller's workspace, if any were published.
pub async fn current(app: &App, caller: &Caller) -> AppResult<Option<CommitmentVersion>> {
    caller.require(Scope::Read)?;
    Ok(app.db.current_commitments(caller.workspace()).await?)
}

/// Publishes a new version. Conversations that started earlier stay
/// measured by the version they started under.
pub async fn publish(app: &App, caller: &Caller, commitments: &Commitments) -> AppResult<i64> {
    caller.require(Scope::Admin)?;
    commitments
        .validate()
        .map_err(|e| AppError::invalid(&e.field, e.message))?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let version = tx
        .insert_commitments(now, caller.workspace(), Some(caller.user.id), commitments)
        .await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: caller.workspace(),
            actor: caller.actor(),
            kind: kind::COMMITMENTS_PUBLISHED,
            subject: Subject::new("workspace", caller.workspace().as_uuid()),
            payload: json!({"version": version, "commitments": commitments}),
        },
    )
    .await?;
    tx.commit().await?;
    app.pact.forget_figures(caller.workspace());
    Ok(version)
}

/// One commitment as the public sees it.
#[derive(Clone, Debug, Serialize)]
pub struct PublicCommitment {
    /// The channel.
    pub channel: String,
    /// The priority.
    pub priority: String,
    /// ISO 8601 duration, or null.
    pub first_reply: Option<String>,
    /// ISO 8601 duration, or null.
    pub next_reply: Option<String>,
    /// ISO 8601 duration, or null.
    pub resolution: Option<String>,
    /// When the clocks run, in plain words.
    pub hours: String,
    /// What the company does when it misses.
    pub redress: String,
    /// The whole commitment in one sentence.
    pub words: String,
    /// Measured compliance with this commitment over the last 7, 30 and 90
    /// days, in the shape of the workspace's `measured`.
    pub measured: serde_json::Value,
}

/// The public page's content.
#[derive(Clone, Debug, Serialize)]
pub struct PublicView {
    /// The company.
    pub workspace: PublicWorkspace,
    /// Version in force, or null when nothing is published.
    pub version: Option<i64>,
    /// Since when.
    pub since: Option<jiff::Timestamp>,
    /// The commitments.
    pub commitments: Vec<PublicCommitment>,
    /// Measured compliance over the last 7, 30 and 90 days.
    pub measured: serde_json::Value,
    /// How each measured figure is computed, by its name.
    pub method: serde_json::Map<String, serde_json::Value>,
}

/// The company as the public page names it.
#[derive(Clone, Debug, Serialize)]
pub struct PublicWorkspace {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// The public view of a workspace's commitments (no sign-in), kept for the
/// figures' minute: every request in it is answered from memory.
pub async fn public_answer(app: &App, slug: &str) -> AppResult<Arc<PublicAnswer>> {
    if let Some(answer) = app.pact.answer(slug, app.now()) {
        return Ok(answer);
    }
    let _computing = app.pact.computing().await;
    if let Some(answer) = app.pact.answer(slug, app.now()) {
        return Ok(answer);
    }
    let (workspace, view) = public_view(app, slug).await?;
    let json = serde_json::to_vec(&view)
        .map_err(|e| AppError::Internal(e.to_string()))?
        .into();
    let answer = Arc::new(PublicAnswer {
        workspace,
        view,
        json,
        at: app.now(),
    });
    app.pact.keep_answer(answer.clone());
    Ok(answer)
}

/// The public view of a workspace's commitments, computed now (the figures
/// may come from their own cache).
pub async fn public_view(app: &App, slug: &str) -> AppResult<(Workspace, PublicView)> {
    let workspace = app.db.workspace_by_slug(slug).await?;
    let current = app.db.current_commitments(workspace.id).await?;
    let measured = crate::commitments_measure::measured_all(app, &workspace).await?;
    let commitments = current
        .as_ref()
        .map(|v| {
            let c = &v.commitments;
            c.commitments
                .iter()
                .map(|one| PublicCommitment {
                    measured: measured.of(&one.channel, &one.priority),
                    channel: one.channel.clone(),
                    priority: one.priority.clone(),
                    first_reply: one.first_reply.map(|t| t.to_string()),
                    next_reply: one.next_reply.map(|t| t.to_string()),
                    resolution: one.resolution.map(|t| t.to_string()),
                    hours: c.hours_words(),
                    redress: c.redress.clone(),
                    words: c.words(one),
                })
                .collect()
        })
        .unwrap_or_default();
    let view = PublicView {
        workspace: PublicWorkspace {
            slug: workspace.slug.clone(),
            name: workspace.name.clone(),
        },
        version: current.as_ref().map(|v| v.version),
        since: current.as_ref().map(|v| v.created_at),
        commitments,
        measured: measured.workspace.clone(),
        method: crate::commitments_measure::METHOD
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect(),
    };
    Ok((workspace, view))
}

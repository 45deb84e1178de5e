//! The public community: customers and named employees in open dialogue.
//! Customers post topics (question, problem, idea, praise) under their real
//! name after signing in with a link to a verified address; staff answer
//! officially with their name and role, set statuses with candid notes, and
//! moderate. Every change writes its event in the same transaction.

pub mod bridge;
pub mod figures;
pub mod find;
pub mod mail;
pub mod markdown;
pub mod members;
pub mod moderation;
pub mod posting;
pub mod staff;
pub mod views;

use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::WorkspaceId;
use candor_core::community::{MAX_TOPIC_TAGS, TopicId};
use candor_core::customer::normalize_tags;
use candor_core::events::{Actor, Subject};
use candor_core::staff::Role;
use candor_store::Tx;
use candor_store::community::Topic;
use candor_store::events::NewEvent;
use candor_store::staff::{User, Workspace};
use serde_json::Value;

/// The job that removes used and expired sign-in links and sessions.
pub const PURGE_JOB: &str = "community.purge";

/// Registers the community's jobs: holding emails while no mail transport is
/// configured (a transport registers its own `email.send` handler after this),
/// and the hourly purge of sign-in links and sessions.
pub fn register_jobs(worker: &mut crate::worker::Worker) {
    worker.register(candor_store::outbox::EMAIL_JOB, mail::hold_without_transport);
    worker.register(PURGE_JOB, |app, _job| async move {
        app.db
            .purge_community(app.now())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    worker.every(PURGE_JOB, jiff::SignedDuration::from_hours(1));
}

/// The public path of a workspace's community.
pub fn community_path(workspace_slug: &str) -> String {
    format!("/w/{workspace_slug}/community")
}

/// The public path of a topic.
pub fn topic_path(workspace_slug: &str, topic_slug: &str) -> String {
    format!("/w/{workspace_slug}/community/t/{topic_slug}")
}

/// A full URL from the public base URL and a path.
pub fn absolute(base_url: &str, path: &str) -> String {
    format!("{}{path}", base_url.trim_end_matches('/'))
}

/// How a staff member is shown beside what they write: their public title
/// when they have one, else their role in words.
pub async fn staff_role(app: &App, user: &User) -> AppResult<String> {
    if let Some(p) = app.db.community_person(user.workspace_id, user.id).await?
        && !p.title.trim().is_empty()
    {
        return Ok(p.title);
    }
    Ok(role_words(user.role).to_string())
}

/// A role in words for customers.
pub fn role_words(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Admin => "Support lead",
        Role::Agent => "Support agent",
        Role::Viewer => "Team member",
    }
}

/// Normalised tags, at most [`MAX_TOPIC_TAGS`]; errors name `tags[i]`.
pub fn check_tags(raw: &[String]) -> AppResult<Vec<String>> {
    if raw.len() > MAX_TOPIC_TAGS {
        return Err(AppError::invalid(
            "tags",
            format!("at most {MAX_TOPIC_TAGS} tags or product areas per topic"),
        ));
    }
    normalize_tags(raw).map_err(|e| AppError::invalid(&e.field, e.message))
}

/// A topic of the workspace for a staff action; merged topics are not found
/// (their survivor is the one to act on).
pub(crate) async fn live_topic(tx: &mut Tx, ws: WorkspaceId, id: TopicId) -> AppResult<Topic> {
    let t = tx.topic_in_tx(ws, id).await?;
    if t.merged_into.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(t)
}

/// A community event about a topic.
pub(crate) struct TopicEvent<'a> {
    /// What happened.
    pub kind: &'a str,
    /// The topic.
    pub topic: TopicId,
    /// The customer whose timeline shows it, if any.
    pub customer: Option<candor_core::CustomerId>,
    /// Details.
    pub payload: Value,
}

/// Appends a community event about a topic, filed under the customer's
/// timeline when it names one.
pub(crate) async fn topic_event(
    tx: &mut Tx,
    app: &App,
    ws: WorkspaceId,
    actor: Actor,
    e: TopicEvent<'_>,
) -> AppResult<()> {
    tx.append_customer_event(
        app.now(),
        NewEvent {
            workspace_id: ws,
            actor,
            kind: e.kind,
            subject: Subject::new("community_topic", e.topic.as_uuid()),
            payload: e.payload,
        },
        e.customer,
    )
    .await?;
    Ok(())
}

/// The workspace a public page names by slug.
pub async fn workspace_by_slug(app: &App, slug: &str) -> AppResult<Workspace> {
    Ok(app.db.workspace_by_slug(slug).await?)
}

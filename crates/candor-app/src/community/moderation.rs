//! Moderation: the queue of first posts, hiding, locking, merging duplicate
//! topics and moving topics to another kind or other tags. Every action is
//! an event.

use super::{TopicEvent, check_tags, live_topic, markdown, topic_event};
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::community::{ReplyId, TopicId, TopicKind, TopicStatus, Visibility, kind};
use candor_core::staff::Scope;
use candor_store::community::{Reply, Topic};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// What waits for a moderator.
#[derive(Clone, Debug)]
pub struct Queue {
    /// Topics, oldest first.
    pub topics: Vec<Topic>,
    /// Replies with their topics, oldest first.
    pub replies: Vec<(Reply, Topic)>,
}

/// The moderation queue.
pub async fn queue(app: &App, caller: &Caller) -> AppResult<Queue> {
    caller.require(Scope::Read)?;
    let (topics, replies) = app.db.moderation_queue(caller.workspace()).await?;
    Ok(Queue { topics, replies })
}

/// Approves (publishes) or rejects a post waiting in the queue; `id` names a
/// topic or a reply.
pub async fn decide(app: &App, caller: &Caller, id: Uuid, approve: bool) -> AppResult<()> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let verdict = if approve {
        Visibility::Published
    } else {
        Visibility::Rejected
    };
    let k = if approve {
        kind::POST_APPROVED
    } else {
        kind::POST_REJECTED
    };
    let mut tx = app.db.begin().await?;
    match tx.topic_in_tx(ws, TopicId::from_uuid(id)).await {
        Ok(t) => {
            if t.visibility != Visibility::Pending {
                return Err(not_waiting());
            }
            tx.set_topic_visibility(app.now(), ws, t.id, verdict).await?;
            let ev = TopicEvent {
                kind: k,
                topic: t.id,
                customer: Some(t.customer_id),
                payload: json!({"post": "topic"}),
            };
            topic_event(&mut tx, app, ws, caller.actor(), ev).await?;
        }
        Err(candor_store::StoreError::NotFound) => {
            let r = tx.reply_in_tx(ws, ReplyId::from_uuid(id)).await?;
            if r.visibility != Visibility::Pending {
                return Err(not_waiting());
            }
            tx.set_reply_visibility(app.now(), ws, &r, verdict).await?;
            let ev = TopicEvent {
                kind: k,
                topic: r.topic_id,
                customer: r.customer_id,
                payload: json!({"post": "reply", "reply_id": r.id}),
            };
            topic_event(&mut tx, app, ws, caller.actor(), ev).await?;
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(())
}

fn not_waiting() -> AppError {
    AppError::Conflict {
        field: "id".into(),
        message: "this post is not waiting in the moderation queue".into(),
    }
}

/// Hides a published topic, or shows a hidden one again.
pub async fn set_topic_hidden(app: &App, caller: &Caller, topic: TopicId, hidden: bool) -> AppResult<Topic> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    let (from, to) = if hidden {
        (Visibility::Published, Visibility::Hidden)
    } else {
        (Visibility::Hidden, Visibility::Published)
    };
    if t.visibility != from && t.visibility != to {
        return Err(AppError::Conflict {
            field: "hidden".into(),
            message: format!("this topic is {}; decide on it in the moderation queue", t.visibility),
        });
    }
    if t.visibility == from {
        tx.set_topic_visibility(app.now(), ws, t.id, to).await?;
        let ev = TopicEvent {
            kind: kind::TOPIC_VISIBILITY,
            topic: t.id,
            customer: Some(t.customer_id),
            payload: json!({"hidden": hidden}),
        };
        topic_event(&mut tx, app, ws, caller.actor(), ev).await?;
    }
    let t = tx.topic_in_tx(ws, t.id).await?;
    tx.commit().await?;
    Ok(t)
}

/// Hides a published reply, or shows a hidden one again.
pub async fn set_reply_hidden(app: &App, caller: &Caller, reply: ReplyId, hidden: bool) -> AppResult<Reply> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let mut tx = app.db.begin().await?;
    let r = tx.reply_in_tx(ws, reply).await?;
    let (from, to) = if hidden {
        (Visibility::Published, Visibility::Hidden)
    } else {
        (Visibility::Hidden, Visibility::Published)
    };
    if r.visibility != from && r.visibility != to {
        return Err(AppError::Conflict {
            field: "hidden".into(),
            message: format!("this reply is {}; decide on it in the moderation queue", r.visibility),
        });
    }
    if r.visibility == from {
        tx.set_reply_visibility(app.now(), ws, &r, to).await?;
        let ev = TopicEvent {
            kind: kind::REPLY_VISIBILITY,
            topic: r.topic_id,
            customer: r.customer_id,
            payload: json!({"reply_id": r.id, "hidden": hidden}),
        };
        topic_event(&mut tx, app, ws, caller.actor(), ev).await?;
    }
    let r = tx.reply_in_tx(ws, r.id).await?;
    tx.commit().await?;
    Ok(r)
}

/// Locks a topic (no new customer replies) or unlocks it.
pub async fn set_locked(app: &App, caller: &Caller, topic: TopicId, locked: bool) -> AppResult<Topic> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    if t.locked != locked {
        tx.set_locked(app.now(), ws, t.id, locked).await?;
        let ev = TopicEvent {
            kind: kind::TOPIC_LOCK,
            topic: t.id,
            customer: Some(t.customer_id),
            payload: json!({"locked": locked}),
        };
        topic_event(&mut tx, app, ws, caller.actor(), ev).await?;
    }
    let t = tx.topic_in_tx(ws, t.id).await?;
    tx.commit().await?;
    Ok(t)
}

/// Merges a duplicate topic into another; returns the survivor.
pub async fn merge(app: &App, caller: &Caller, duplicate: TopicId, into: TopicId) -> AppResult<Topic> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    if duplicate == into {
        return Err(AppError::invalid("into", "a topic cannot be merged into itself"));
    }
    let mut tx = app.db.begin().await?;
    let from = live_topic(&mut tx, ws, duplicate).await?;
    let target = match live_topic(&mut tx, ws, into).await {
        Ok(t) => t,
        Err(AppError::NotFound) => return Err(AppError::invalid("into", "no such topic")),
        Err(e) => return Err(e),
    };
    if target.visibility != Visibility::Published {
        return Err(AppError::invalid("into", "merge into a published topic"));
    }
    let html = markdown::render(&format!("*Merged from “{}”*\n\n{}", from.title, from.body));
    tx.merge_topics(app.now(), ws, &from, target.id, &html).await?;
    let ev = TopicEvent {
        kind: kind::TOPIC_MERGED,
        topic: from.id,
        customer: Some(from.customer_id),
        payload: json!({"into": target.id, "title": from.title}),
    };
    topic_event(&mut tx, app, ws, caller.actor(), ev).await?;
    let t = tx.topic_in_tx(ws, target.id).await?;
    tx.commit().await?;
    Ok(t)
}

/// A move as sent: a new kind, new tags, or both.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveInput {
    /// question, problem, idea or praise.
    #[serde(default)]
    pub kind: Option<String>,
    /// Replaces the tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// Moves a topic to another kind or other tags; a status that no longer fits
/// the kind goes back to "new".
pub async fn move_topic(app: &App, caller: &Caller, topic: TopicId, input: &MoveInput) -> AppResult<Topic> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    if input.kind.is_none() && input.tags.is_none() {
        return Err(AppError::invalid("kind", "give a new kind, new tags, or both"));
    }
    let new_kind = match &input.kind {
        Some(k) => Some(
            k.parse::<TopicKind>()
                .map_err(|e| AppError::invalid("kind", e.to_string()))?,
        ),
        None => None,
    };
    let tags = match &input.tags {
        Some(t) => Some(check_tags(t)?),
        None => None,
    };
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    let k = new_kind.unwrap_or(t.kind);
    let tags = tags.unwrap_or_else(|| t.tags.clone());
    let status = if t.status.fits(k) { t.status } else { TopicStatus::New };
    tx.move_topic(app.now(), ws, t.id, k, &tags, status).await?;
    let ev = TopicEvent {
        kind: kind::TOPIC_MOVED,
        topic: t.id,
        customer: Some(t.customer_id),
        payload: json!({"from": {"kind": t.kind, "tags": t.tags}, "to": {"kind": k, "tags": tags}}),
    };
    topic_event(&mut tx, app, ws, caller.actor(), ev).await?;
    let t = tx.topic_in_tx(ws, t.id).await?;
    tx.commit().await?;
    Ok(t)
}

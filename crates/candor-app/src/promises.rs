//! The promise ledger: promises made to customers (by hand, from a detected
//! promise confirmed on the conversation page, or through the API), reminded
//! before due, kept when marked (or, for a promised reply, when the owner
//! replies), broken when due passes, and made again with a reason.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::live::{LiveEvent, publish};
use crate::worker::Worker;
use candor_core::events::{Actor, Subject, kind};
use candor_core::promises::{PromiseKind, PromiseState, check_due, clean_description, clean_reason, reminder_at};
use candor_core::staff::{Role, Scope};
use candor_core::{ConversationId, PromiseId, UserId, WorkspaceId};
use candor_store::Tx;
use candor_store::conversations::Conversation;
use candor_store::events::NewEvent;
use candor_store::jobs::NewJob;
use candor_store::promises::{Promise, PromiseCursor, PromiseFilter};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::json;

/// The job that reminds an owner and breaks a promise whose due time passed.
pub const PROMISE_CHECK_JOB: &str = "pact.promise_check";

/// A promise as the API takes it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MakePromise {
    /// The conversation it is made in.
    #[serde(default)]
    pub conversation_id: String,
    /// What is promised.
    #[serde(default)]
    pub description: String,
    /// When it is due (RFC 3339).
    #[serde(default)]
    pub due_at: String,
    /// Who owes it; the caller by default.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// "reply" or "action"; read from the description when absent.
    #[serde(default)]
    pub kind: Option<String>,
}

/// Making a broken (or open) promise again.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repromise {
    /// Why it is made again (required).
    #[serde(default)]
    pub reason: String,
    /// The new due time (RFC 3339).
    #[serde(default)]
    pub due_at: String,
    /// A new description; the old one by default.
    #[serde(default)]
    pub description: Option<String>,
}

fn parse_due(raw: &str, now: Timestamp) -> AppResult<Timestamp> {
    let due: Timestamp = raw
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("due_at", "a time like 2026-03-06T17:00:00Z"))?;
    check_due(due, now).map_err(|m| AppError::invalid("due_at", m))?;
    Ok(due)
}

async fn owner_of(app: &App, caller: &Caller, raw: Option<&str>) -> AppResult<UserId> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(caller.user.id);
    };
    let id: UserId = raw
        .parse()
        .map_err(|_| AppError::invalid("owner_id", "not a valid id"))?;
    match app.db.user(caller.workspace(), id).await {
        Ok(u) if u.active && u.role >= Role::Agent => Ok(u.id),
        _ => Err(AppError::invalid("owner_id", "no such active agent")),
    }
}

/// Makes a promise (source "api" or "hand", or "detected" when confirmed from a reply).
pub async fn make(app: &App, caller: &Caller, input: &MakePromise, source: &str) -> AppResult<Promise> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let now = app.now();
    let conversation: ConversationId = input
        .conversation_id
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("conversation_id", "give the id of a conversation"))?;
    let description = clean_description(&input.description).map_err(|m| AppError::invalid("description", m))?;
    let due = parse_due(&input.due_at, now)?;
    let kind = match input.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => k.parse().map_err(|m: String| AppError::invalid("kind", m))?,
        None => PromiseKind::of_description(&description),
    };
    let owner = owner_of(app, caller, input.owner_id.as_deref()).await?;
    let conv = match app.db.conversation(ws, conversation).await {
        Ok(c) => c,
        Err(candor_store::StoreError::NotFound) => {
            return Err(AppError::invalid("conversation_id", "no such conversation"));
        }
        Err(e) => return Err(e.into()),
    };
    let p = Promise {
        id: PromiseId::new_at(now),
        conversation_id: conv.id,
        customer_id: conv.customer_id,
        owner_id: owner,
        description,
        kind,
        due_at: due,
        state: PromiseState::Open,
        source: source.to_string(),
        replaces_id: None,
        reason: None,
        reminded_at: None,
        settled_at: None,
        kept_how: None,
        created_at: now,
        created_by: Some(caller.user.id),
    };
    let mut tx = app.db.begin().await?;
    record(&mut tx, app, caller, &p).await?;
    tx.commit().await?;
    publish(app, LiveEvent::conversation(ws, "conversation.updated", conv.id)).await;
    Ok(p)
}

/// Stores a new promise, its event and its jobs.
pub(crate) async fn record(tx: &mut Tx, app: &App, caller: &Caller, p: &Promise) -> AppResult<()> {
    let ws = caller.workspace();
    tx.insert_promise(ws, p).await?;
    let owner_name = app.db.user(ws, p.owner_id).await.map(|u| u.name).unwrap_or_default();
    tx.append_customer_event(
        p.created_at,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::PROMISE_MADE,
            subject: Subject::new("promise", p.id.as_uuid()),
            payload: json!({"promise_id": p.id, "conversation_id": p.conversation_id, "description": p.description,
                "due_at": p.due_at, "owner_id": p.owner_id, "owner": owner_name, "replaces_id": p.replaces_id,
                "reason": p.reason}),
        },
        Some(p.customer_id),
    )
    .await?;
    let checks = [
        reminder_at(p.created_at, p.due_at),
        // One second past due, when it is certainly late.
        p.due_at.checked_add(SignedDuration::from_secs(1)).ok(),
    ];
    for at in checks.into_iter().flatten() {
        let mut job = NewJob::now(PROMISE_CHECK_JOB, json!({"promise_id": p.id}), at);
        job.workspace_id = Some(ws);
        tx.enqueue(p.created_at, job).await?;
    }
    Ok(())
}

async fn settle_event(
    tx: &mut Tx,
    ws: WorkspaceId,
    actor: Actor,
    p: &Promise,
    state: PromiseState,
    how: Option<&str>,
    now: Timestamp,
) -> AppResult<()> {
    let event_kind = match state {
        PromiseState::Kept => kind::PROMISE_KEPT,
        _ => kind::PROMISE_BROKEN,
    };
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor,
            kind: event_kind,
            subject: Subject::new("promise", p.id.as_uuid()),
            payload: json!({"promise_id": p.id, "conversation_id": p.conversation_id, "description": p.description,
                "due_at": p.due_at, "owner_id": p.owner_id, "how": how}),
        },
        Some(p.customer_id),
    )
    .await?;
    // A step of the customer's trust trajectory (docs/trust.md).
    crate::trust::steps::on_promise(tx, ws, now, p, state == PromiseState::Kept).await?;
    Ok(())
}

/// Marks a promise kept. Keeping a kept promise changes nothing; a broken
/// one stays broken (make it again, with a reason).
pub async fn keep(app: &App, caller: &Caller, id: PromiseId) -> AppResult<Promise> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let p = tx.promise_for_update(ws, id).await?;
    match p.state {
        PromiseState::Kept => return Ok(p),
        PromiseState::Broken => {
            return Err(AppError::Conflict {
                field: "id".into(),
                message: "this promise was broken when its due time passed; make it again with a reason".into(),
            });
        }
        PromiseState::Open => {}
    }
    tx.settle_promise(ws, id, PromiseState::Kept, now, Some("marked kept"))
        .await?;
    settle_event(
        &mut tx,
        ws,
        caller.actor(),
        &p,
        PromiseState::Kept,
        Some("marked kept"),
        now,
    )
    .await?;
    tx.commit().await?;
    app.pact.forget_figures(ws);
    publish(
        app,
        LiveEvent::conversation(ws, "conversation.updated", p.conversation_id),
    )
    .await;
    Ok(app.db.promise(ws, id).await?)
}

/// Makes a promise again with a new due time and a reason. The old one stays
/// on record: broken already, or broken now if it was still open (the
/// customer was told one thing and gets another).
pub async fn repromise(app: &App, caller: &Caller, id: PromiseId, input: &Repromise) -> AppResult<Promise> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let now = app.now();
    let reason = clean_reason(&input.reason).map_err(|m| AppError::invalid("reason", m))?;
    let due = parse_due(&input.due_at, now)?;
    let description = input
        .description
        .as_deref()
        .map(|d| clean_description(d).map_err(|m| AppError::invalid("description", m)))
        .transpose()?;
    let mut tx = app.db.begin().await?;
    let old = tx.promise_for_update(ws, id).await?;
    if old.state == PromiseState::Kept {
        return Err(AppError::Conflict {
            field: "id".into(),
            message: "this promise was kept; make a new one instead".into(),
        });
    }
    if old.state == PromiseState::Open {
        tx.settle_promise(ws, id, PromiseState::Broken, now, None).await?;
        settle_event(
            &mut tx,
            ws,
            caller.actor(),
            &old,
            PromiseState::Broken,
            Some("made again"),
            now,
        )
        .await?;
    }
    let description = description.unwrap_or_else(|| old.description.clone());
    let new = Promise {
        id: PromiseId::new_at(now),
        kind: PromiseKind::of_description(&description),
        description,
        due_at: due,
        state: PromiseState::Open,
        source: "repromise".into(),
        replaces_id: Some(old.id),
        reason: Some(reason),
        reminded_at: None,
        settled_at: None,
        kept_how: None,
        created_at: now,
        created_by: Some(caller.user.id),
        ..old.clone()
    };
    record(&mut tx, app, caller, &new).await?;
    tx.commit().await?;
    app.pact.forget_figures(ws);
    publish(
        app,
        LiveEvent::conversation(ws, "conversation.updated", old.conversation_id),
    )
    .await;
    Ok(new)
}

/// In a reply's transaction: the caller's open reply promises in the
/// conversation, made before this reply, are kept by it.
pub async fn kept_by_reply(tx: &mut Tx, caller: &Caller, conv: &Conversation, now: Timestamp) -> AppResult<()> {
    let ws = conv.workspace_id;
    for p in tx.open_reply_promises(ws, conv.id, caller.user.id, now).await? {
        if tx
            .settle_promise(ws, p.id, PromiseState::Kept, now, Some("reply sent"))
            .await?
        {
            settle_event(tx, ws, caller.actor(), &p, PromiseState::Kept, Some("reply sent"), now).await?;
        }
    }
    Ok(())
}

/// One promise.
pub async fn get(app: &App, caller: &Caller, id: PromiseId) -> AppResult<Promise> {
    caller.require(Scope::Read)?;
    Ok(app.db.promise(caller.workspace(), id).await?)
}

/// A page of promises, soonest due first.
pub async fn list(
    app: &App,
    caller: &Caller,
    filter: &PromiseFilter,
    after: Option<PromiseCursor>,
    limit: u32,
) -> AppResult<(Vec<Promise>, Option<PromiseCursor>)> {
    caller.require(Scope::Read)?;
    Ok(app.db.promises(caller.workspace(), filter, after, limit).await?)
}

/// Promises found in the replies sent in a conversation that nobody has
/// recorded yet (and whose due time, if one was said, is still ahead), due
/// times resolved from when each reply was sent, in the commitments' hours.
pub async fn detected(
    app: &App,
    caller: &Caller,
    id: ConversationId,
) -> AppResult<Vec<crate::insight::ResolvedPromise>> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    app.db.conversation(ws, id).await?;
    let calendar = crate::insight::workspace_calendar(app, ws).await?;
    let filter = PromiseFilter {
        conversation: Some(id),
        ..Default::default()
    };
    let made = app.db.promises(ws, &filter, None, 500).await?.0;
    let now = app.now();
    let mut found: Vec<crate::insight::ResolvedPromise> = Vec::new();
    for m in app.db.messages(ws, id, 500).await? {
        if m.kind != candor_core::conversation::MessageKind::Outbound {
            continue;
        }
        let lang = m.language.as_deref().unwrap_or("en");
        for d in crate::insight::resolve_promises(&m.body, lang, &calendar, m.created_at) {
            let known = made.iter().any(|p| p.description.eq_ignore_ascii_case(d.text.trim()));
            let ahead = d.due_at.is_none_or(|due| due > now);
            if !known && ahead && !found.iter().any(|x| x.text == d.text) {
                found.push(d);
            }
        }
    }
    Ok(found)
}

/// Registers the promise check with the worker.
pub fn register_jobs(worker: &mut Worker) {
    worker.register(PROMISE_CHECK_JOB, |app, job| async move {
        let ws: WorkspaceId = job.workspace_id.ok_or("the promise check has no workspace")?;
        let id: PromiseId = job.payload["promise_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or("the promise check names no promise")?;
        check(&app, ws, id).await.map_err(|e| e.to_string())
    });
}

/// Reminds the owner of an open promise once its reminder time came, and
/// breaks it once its due time passed. Running it again does nothing twice.
pub async fn check(app: &App, ws: WorkspaceId, id: PromiseId) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let p = match tx.promise_for_update(ws, id).await {
        Ok(p) => p,
        Err(candor_store::StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if p.state != PromiseState::Open {
        return Ok(());
    }
    if now > p.due_at {
        tx.settle_promise(ws, id, PromiseState::Broken, now, None).await?;
        settle_event(&mut tx, ws, Actor::System, &p, PromiseState::Broken, None, now).await?;
        let body = format!("You did not keep your promise \"{}\" in time.", p.description);
        tx.notify(
            now,
            ws,
            p.owner_id,
            kind::PROMISE_BROKEN,
            Some(p.conversation_id),
            &body,
        )
        .await?;
    } else if reminder_at(p.created_at, p.due_at).is_some_and(|r| now >= r)
        && tx.mark_promise_reminded(ws, id, now).await?
    {
        tx.append_event(
            now,
            NewEvent {
                workspace_id: ws,
                actor: Actor::System,
                kind: kind::PROMISE_REMINDED,
                subject: Subject::new("promise", p.id.as_uuid()),
                payload: json!({"promise_id": p.id, "owner_id": p.owner_id, "due_at": p.due_at}),
            },
        )
        .await?;
        let body = format!(
            "Your promise \"{}\" is due at {} (UTC).",
            p.description,
            p.due_at.strftime("%Y-%m-%d %H:%M")
        );
        tx.notify(
            now,
            ws,
            p.owner_id,
            kind::PROMISE_REMINDED,
            Some(p.conversation_id),
            &body,
        )
        .await?;
    } else {
        return Ok(());
    }
    tx.commit().await?;
    app.pact.forget_figures(ws);
    Ok(())
}

//! Conversation clocks at work: started and moved inside the transactions of
//! ingest, replies and status changes (one row written, plus one job when the
//! next warning or breach moves earlier), and read for the conversation page.
//! The rules are `candor_core::pact`; warnings and breaches are `crate::breaches`.
//! A priority change re-targets the running clocks ([`retarget`]); the rows
//! can be computed again from the event log ([`replay`], [`rebuild`]).

use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::commitments::Commitments;
use candor_core::conversation::Status;
use candor_core::hours::ClockError;
use candor_core::pact::{ClockKind, ConversationClocks, Targets};
use candor_core::{ConversationId, WorkspaceId};
use candor_store::Tx;
use candor_store::clocks::StoredClocks;
use candor_store::conversations::Conversation;
use candor_store::jobs::NewJob;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;

pub mod rebuild;
pub mod replay;
pub mod retarget;

pub use retarget::on_priority_changed;

/// The job that gives a conversation's due warnings and breaches.
pub const CLOCK_CHECK_JOB: &str = "pact.clock_check";

/// What happened to a conversation that moves its clocks.
#[derive(Clone, Copy, Debug)]
pub enum Happening {
    /// The customer wrote; the conversation stood at this status before.
    CustomerWrote(Status),
    /// The customer opened the conversation.
    Opened,
    /// An agent's reply was sent.
    AgentReplied,
    /// Staff changed the status.
    StatusChanged(Status, Status),
}

/// The commitments version `version` of `ws`, read once per process.
pub async fn version(app: &App, ws: WorkspaceId, version: i64) -> AppResult<Arc<Commitments>> {
    if let Some(c) = app.pact.version(ws, version) {
        return Ok(c);
    }
    let v = Arc::new(app.db.commitments_version(ws, version).await?.commitments);
    app.pact.keep_version(ws, version, v.clone());
    Ok(v)
}

/// Fills the columns derived from the clock state.
pub fn derive(stored: &mut StoredClocks, c: &Commitments) -> Result<(), ClockError> {
    let (cal, share) = (&c.calendar, c.warn_at);
    let clocks = &stored.clocks;
    stored.next_check_at = clocks.next_check(cal, share)?;
    stored.warn_at = clocks.warn_at(cal, share)?;
    stored.due_at = clocks.due_at(cal)?;
    let first = clocks.outcome(ClockKind::FirstReply, cal)?;
    stored.first_reply_within = first.map(|o| o.within);
    stored.first_reply_secs = first.and_then(|o| o.business_time).map(|d| d.as_secs());
    let res = clocks.outcome(ClockKind::Resolution, cal)?;
    stored.resolution_within = res.map(|o| o.within);
    stored.resolution_secs = res.and_then(|o| o.business_time).map(|d| d.as_secs());
    Ok(())
}

/// Queues the check of a conversation's clocks at `at`, once: a check of the
/// same conversation already queued for the same moment is enough.
pub async fn schedule(
    tx: &mut Tx,
    now: Timestamp,
    ws: WorkspaceId,
    id: ConversationId,
    at: Timestamp,
) -> AppResult<()> {
    let mut job = NewJob::now(CLOCK_CHECK_JOB, json!({"conversation_id": id}), at);
    job.workspace_id = Some(ws);
    job.dedupe_key = Some(format!("clock:{id}:{}", at.as_microsecond()));
    tx.enqueue_deferred(now, job).await?;
    Ok(())
}

/// Moves the clocks of `conv` for what happened at `now`, in the caller's
/// transaction. A conversation opened when no commitment covers its channel
/// and priority gets no clocks. Clock arithmetic that fails (a calendar open
/// too rarely for its target) is logged and leaves the clocks as they were:
/// a customer's message is never refused for it.
pub async fn on_happening(
    tx: &mut Tx,
    app: &App,
    conv: &Conversation,
    what: Happening,
    now: Timestamp,
) -> AppResult<()> {
    let ws = conv.workspace_id;
    let stored = match what {
        Happening::Opened => start(tx, app, conv, now).await?,
        _ => {
            let Some(mut stored) = tx.clocks_for_update(ws, conv.id).await? else {
                return Ok(());
            };
            let moved = match what {
                Happening::CustomerWrote(before) => stored.clocks.customer_wrote(now, before),
                Happening::AgentReplied => stored.clocks.agent_replied(now),
                Happening::StatusChanged(from, to) => stored.clocks.status_changed(now, from, to),
                Happening::Opened => Ok(()),
            };
            if let Err(e) = moved {
                tracing::warn!(conversation = %conv.id, error = %e, "clock event not applied");
                return Ok(());
            }
            Some(stored)
        }
    };
    let Some(mut stored) = stored else {
        return Ok(());
    };
    let before = match what {
        Happening::Opened => None,
        _ => stored.next_check_at,
    };
    let c = version(app, ws, stored.commitments_version).await?;
    if let Err(e) = derive(&mut stored, &c) {
        tracing::warn!(conversation = %conv.id, error = %e, "clock times not computed");
        return Ok(());
    }
    tx.save_clocks(now, &stored).await?;
    // A check is queued at or before `before` already; when the next one
    // moves later, that check finds nothing due and queues the next itself,
    // so only a move earlier needs a job now.
    if let Some(at) = stored.next_check_at.filter(|at| before.is_none_or(|b| *at < b)) {
        schedule(tx, now, ws, conv.id, at).await?;
    }
    Ok(())
}

async fn start(tx: &mut Tx, app: &App, conv: &Conversation, now: Timestamp) -> AppResult<Option<StoredClocks>> {
    let ws = conv.workspace_id;
    let Some(v) = tx.commitments_at(ws, now).await? else {
        return Ok(None);
    };
    app.pact.keep_version(ws, v.version, Arc::new(v.commitments.clone()));
    let c = &v.commitments;
    let Some(commitment) = c.for_conversation(conv.channel.as_str(), conv.priority.as_str()) else {
        return Ok(None);
    };
    let targets = Targets::of(commitment, &c.calendar);
    if targets.is_empty() {
        return Ok(None);
    }
    let clocks = ConversationClocks::start(now, targets).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Some(StoredClocks {
        workspace_id: ws,
        conversation_id: conv.id,
        commitments_version: v.version,
        channel: conv.channel.as_str().to_string(),
        priority: conv.priority.as_str().to_string(),
        clocks,
        started_at: now,
        next_check_at: None,
        warn_at: None,
        due_at: None,
        first_reply_within: None,
        first_reply_secs: None,
        resolution_within: None,
        resolution_secs: None,
    }))
}

/// One clock as the conversation page and the API show it.
#[derive(Clone, Debug, Serialize)]
pub struct ClockView {
    /// first_reply, next_reply or resolution.
    pub kind: ClockKind,
    /// running, paused, met or breached.
    pub state: candor_core::hours::ClockState,
    /// When it started.
    pub started_at: Timestamp,
    /// When it is (or was) due; null while paused with time left.
    pub due_at: Option<Timestamp>,
    /// When it was met.
    pub met_at: Option<Timestamp>,
    /// The warning was given.
    pub warned: bool,
    /// The target, e.g. "a first reply within 4 hours".
    pub words: String,
}

/// A conversation's clocks for a caller (404 for another workspace's).
pub async fn of_conversation(
    app: &App,
    caller: &crate::caller::Caller,
    id: ConversationId,
) -> AppResult<(Option<i64>, Vec<ClockView>)> {
    caller.require(candor_core::staff::Scope::Read)?;
    let ws = caller.workspace();
    app.db.conversation(ws, id).await?;
    views(app, ws, id).await
}

/// A conversation's clocks as they stand now, under the version they run by.
pub async fn views(app: &App, ws: WorkspaceId, id: ConversationId) -> AppResult<(Option<i64>, Vec<ClockView>)> {
    let Some(stored) = app.db.clocks(ws, id).await? else {
        return Ok((None, Vec::new()));
    };
    let c = version(app, ws, stored.commitments_version).await?;
    let atc = c.around_the_clock();
    let commitment = c.for_conversation(&stored.channel, &stored.priority);
    let now = app.now();
    let mut out = Vec::new();
    for kind in ClockKind::ALL {
        let Some(t) = stored.clocks.get(kind) else {
            continue;
        };
        let target = commitment.and_then(|one| match kind {
            ClockKind::FirstReply => one.first_reply,
            ClockKind::NextReply => one.next_reply,
            ClockKind::Resolution => one.resolution,
        });
        let words = match target {
            Some(t) => format!("{} within {}", kind.words(), t.words(atc)),
            None => kind.words().to_string(),
        };
        let internal = |e: ClockError| AppError::Internal(e.to_string());
        out.push(ClockView {
            kind,
            state: t.state_at(&c.calendar, now).map_err(internal)?,
            started_at: t.clock.started_at(),
            due_at: t.clock.due_at(&c.calendar).map_err(internal)?,
            met_at: t.clock.met_at(),
            warned: t.warned,
            words,
        });
    }
    Ok((Some(stored.commitments_version), out))
}

//! A priority change re-targets a conversation's running clocks: they take
//! the targets of the new priority's commitment under the version they run
//! by (`ConversationClocks::retarget` has the rules), the derived columns are
//! computed again, the check job is queued for the new time, and
//! `commitment.retargeted` records what moved.

use super::{derive, schedule, version};
use crate::context::App;
use crate::error::AppResult;
use candor_core::commitments::Commitments;
use candor_core::conversation::Priority;
use candor_core::events::{Actor, Subject, kind};
use candor_core::hours::ClockError;
use candor_core::pact::{Retargeted, Targets};
use candor_store::Tx;
use candor_store::clocks::StoredClocks;
use candor_store::conversations::Conversation;
use candor_store::events::NewEvent;
use jiff::Timestamp;
use serde_json::json;

/// What a priority change did to a conversation's clocks.
#[derive(Clone, Debug, PartialEq)]
pub struct Retarget {
    /// Whether the new priority has a commitment (if not, the running clocks
    /// are no longer measured).
    pub measured: bool,
    /// The clocks that changed.
    pub clocks: Vec<Retargeted>,
}

/// Applies a priority change at `at` to a stored row and derives its columns
/// again. The row's priority becomes `to` when that priority has a
/// commitment; otherwise it keeps the priority whose commitment its finished
/// clocks were measured by.
pub fn retarget_stored(
    stored: &mut StoredClocks,
    c: &Commitments,
    to: &str,
    at: Timestamp,
) -> Result<Retarget, ClockError> {
    let mut next = stored.clone();
    let targets = c
        .for_conversation(&next.channel, to)
        .map(|one| Targets::of(one, &c.calendar))
        .unwrap_or_default();
    let measured = !targets.is_empty();
    let clocks = next.clocks.retarget(targets, &c.calendar, c.warn_at, at)?;
    if measured {
        next.priority = to.to_string();
    }
    derive(&mut next, c)?;
    *stored = next;
    Ok(Retarget { measured, clocks })
}

/// The hook for a priority change by staff, in the caller's transaction;
/// `conv` is the conversation before the change. A conversation without
/// clocks has nothing to re-target. Arithmetic that fails is logged and
/// leaves the clocks as they were: the priority still changes.
pub async fn on_priority_changed(
    tx: &mut Tx,
    app: &App,
    conv: &Conversation,
    to: Priority,
    actor: Actor,
    now: Timestamp,
) -> AppResult<()> {
    let ws = conv.workspace_id;
    let Some(mut stored) = tx.clocks_for_update(ws, conv.id).await? else {
        return Ok(());
    };
    let c = version(app, ws, stored.commitments_version).await?;
    let before = stored.next_check_at;
    let done = match retarget_stored(&mut stored, &c, to.as_str(), now) {
        Ok(done) => done,
        Err(e) => {
            tracing::warn!(conversation = %conv.id, error = %e, "clocks not re-targeted");
            return Ok(());
        }
    };
    tx.save_clocks(now, &stored).await?;
    if let Some(at) = stored.next_check_at.filter(|at| Some(*at) != before) {
        schedule(tx, now, ws, conv.id, at).await?;
    }
    let clocks: Vec<_> = done
        .clocks
        .iter()
        .map(|r| {
            json!({"clock": r.clock.as_str(), "target_before": r.target_before,
                "target_after": r.target_after, "due_before": r.due_before, "due_after": r.due_after})
        })
        .collect();
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor,
            kind: kind::COMMITMENT_RETARGETED,
            subject: Subject::new("conversation", conv.id.as_uuid()),
            payload: json!({"from": conv.priority, "to": to, "version": stored.commitments_version,
                "measured": done.measured, "clocks": clocks, "next_check_at": stored.next_check_at,
                "subject": conv.subject}),
        },
    )
    .await?;
    Ok(())
}

//! Every conversation's clock row computed again from the event log: its
//! messages received and sent, status and priority changes, and the
//! warnings and breaches the check job gave, replayed through the same
//! transitions (`super::replay`) under the commitments version in force when
//! it opened. Rows are written a batch of conversations at a time, only
//! where they differ; running it again changes nothing.

use super::replay::{Checks, History, Step, replay};
use super::schedule;
use crate::context::App;
use crate::error::AppResult;
use candor_core::conversation::{Channel, Priority, Status};
use candor_core::events::kind;
use candor_core::{ConversationId, WorkspaceId};
use candor_store::clocks_rebuild::ConversationHead;
use candor_store::commitments::CommitmentVersion;
use candor_store::events::Event;
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// Conversations read, replayed and written together.
pub const BATCH: u32 = 200;

/// The event kinds that move a conversation's clocks.
pub const KINDS: [&str; 6] = [
    kind::MESSAGE_RECEIVED,
    kind::MESSAGE_SENT,
    kind::CONVERSATION_STATUS_CHANGED,
    kind::CONVERSATION_PRIORITY_CHANGED,
    kind::COMMITMENT_WARNING,
    kind::COMMITMENT_BREACHED,
];

/// The reason ingest gives the status change a customer's message makes;
/// the message's own step carries it.
const CUSTOMER_REPLIED: &str = "customer replied";

/// What a rebuild did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Conversations read.
    pub conversations: u64,
    /// Of those, conversations with clocks (their rows recomputed).
    pub with_clocks: u64,
    /// Rows written because they differed from the stored ones (or were missing).
    pub written: u64,
    /// Rows removed: the log shows no clocks for their conversation.
    pub removed: u64,
    /// Conversations left as they were: their clocks could not be replayed.
    pub skipped: u64,
}

fn field<T: DeserializeOwned>(e: &Event, name: &str) -> Option<T> {
    e.payload.get(name).and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// What happened in one conversation, from its events (oldest first), or
/// `None` when no customer message opened it.
pub fn history_of(head: &ConversationHead, events: &[Event]) -> Option<History> {
    let channel: Channel = head.channel.parse().ok()?;
    let now: Priority = head.priority.parse().ok()?;
    let mut first_priority = None;
    let mut opened_at = None;
    let mut status = Status::Open;
    let mut before_customer: Option<Status> = None;
    let mut steps = Vec::new();
    for e in events {
        let step = match e.kind.as_str() {
            kind::MESSAGE_RECEIVED if opened_at.is_none() => {
                opened_at = Some(e.at);
                before_customer = None;
                None
            }
            kind::MESSAGE_RECEIVED => Some(Step::CustomerWrote(before_customer.take().unwrap_or(status))),
            kind::MESSAGE_SENT => Some(Step::AgentReplied),
            kind::CONVERSATION_STATUS_CHANGED => {
                let from = field(e, "from").unwrap_or(status);
                let Some(to) = field::<Status>(e, "to") else {
                    continue;
                };
                status = to;
                if field::<String>(e, "reason").as_deref() == Some(CUSTOMER_REPLIED) {
                    before_customer = Some(from);
                    None
                } else {
                    Some(Step::StatusChanged(from, to))
                }
            }
            kind::CONVERSATION_PRIORITY_CHANGED => {
                let Some(to) = field::<Priority>(e, "to") else {
                    continue;
                };
                if first_priority.is_none() {
                    first_priority = Some(field(e, "from").unwrap_or(to));
                }
                Some(Step::PriorityChanged(to))
            }
            kind::COMMITMENT_WARNING | kind::COMMITMENT_BREACHED => {
                // One check gives all that fell due at once: replay it once.
                let same = steps.last() == Some(&(e.at, Step::Checked));
                (!same).then_some(Step::Checked)
            }
            _ => None,
        };
        if let (Some(step), Some(_)) = (step, opened_at) {
            steps.push((e.at, step));
        }
    }
    Some(History {
        conversation_id: head.id,
        channel,
        priority: first_priority.unwrap_or(now),
        opened_at: opened_at?,
        steps,
    })
}

/// The version in force at `at` (versions newest first).
fn version_at(versions: &[CommitmentVersion], at: Timestamp) -> Option<&CommitmentVersion> {
    versions.iter().find(|v| v.created_at <= at)
}

/// Rebuilds the clock rows of every conversation of `ws` (see the module
/// docs). A check is queued wherever a row's next check moved.
pub async fn rebuild(app: &App, ws: WorkspaceId) -> AppResult<Rebuilt> {
    let versions = app.db.commitment_history(ws).await?;
    let now = app.now();
    let mut done = Rebuilt::default();
    let mut after = None;
    loop {
        let heads = app.db.conversation_heads(ws, after, BATCH).await?;
        let Some(last) = heads.last() else {
            break;
        };
        after = Some(last.id);
        let ids: Vec<ConversationId> = heads.iter().map(|h| h.id).collect();
        let uuids: Vec<uuid::Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        let events = app.db.events_of_subjects(ws, "conversation", &uuids, &KINDS).await?;
        let mut by_conversation: HashMap<uuid::Uuid, Vec<Event>> = HashMap::new();
        for e in events {
            by_conversation.entry(e.subject.id).or_default().push(e);
        }
        let stored: HashMap<ConversationId, _> = app
            .db
            .clocks_of(ws, &ids)
            .await?
            .into_iter()
            .map(|c| (c.conversation_id, c))
            .collect();
        let (mut write, mut remove) = (Vec::new(), Vec::new());
        for head in &heads {
            done.conversations += 1;
            let events = by_conversation
                .get(&head.id.as_uuid())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let replayed = match history_of(head, events) {
                Some(h) => match version_at(&versions, h.opened_at) {
                    Some(v) => replay(&h, ws, v.version, &v.commitments, now, Checks::Recorded),
                    None => Ok(None),
                },
                None => Ok(None),
            };
            match replayed {
                Ok(Some(r)) => {
                    done.with_clocks += 1;
                    if stored.get(&head.id) != Some(&r.clocks) {
                        write.push(r.clocks);
                    }
                }
                Ok(None) if stored.contains_key(&head.id) => remove.push(head.id),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(conversation = %head.id, error = %e, "clocks not replayed");
                    done.skipped += 1;
                }
            }
        }
        if write.is_empty() && remove.is_empty() {
            continue;
        }
        let mut tx = app.db.begin().await?;
        tx.save_clocks_batch(now, &write).await?;
        done.removed += tx.delete_clocks(ws, &remove).await?;
        for row in &write {
            let before = stored.get(&row.conversation_id).and_then(|s| s.next_check_at);
            if let Some(at) = row.next_check_at.filter(|at| Some(*at) != before) {
                schedule(&mut tx, now, ws, row.conversation_id, at).await?;
            }
        }
        tx.commit().await?;
        done.written += write.len() as u64;
    }
    Ok(done)
}

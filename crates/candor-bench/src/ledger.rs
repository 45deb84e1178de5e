//! The promise ledger in the data set: in a few conversations the agent
//! records a promise made in a reply (confirmed from the reply, or by hand),
//! and it ends as `candor_app::promises` would end it: kept by the promised
//! reply or when marked, broken by the check one second past due, or still
//! open; reminders given when they fell due, and the checks still queued.

use crate::clocks::Thread;
use crate::datagen::V;
use crate::pact::{EVENTS, JOBS, NOTIFICATIONS, PROMISES, job_row, notification_row};
use crate::people::event_row;
use crate::rng::Rng;
use anyhow::Result;
use candor_app::promises::PROMISE_CHECK_JOB;
use candor_core::conversation::MessageKind;
use candor_core::events::{Actor, kind};
use candor_core::ids::uuid_v7_at;
use candor_core::promises::{PromiseKind, PromiseState, reminder_at};
use candor_core::{ConversationId, PromiseId, UserId};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Of the conversations with a reply, those where a promise is recorded.
const SHARE: f64 = 0.03;

/// What agents promise, as they write it in a reply.
const DESCRIPTIONS: &[&str] = &[
    "get back to you once the courier confirms the new delivery date",
    "send you the return label by email",
    "refund the shipping costs",
    "call you back tomorrow morning",
    "let you know when the spare part arrives",
    "check the repair status with the workshop and write back",
    "send a replacement charger",
    "update you on the warranty claim",
    "book the next free service slot for you",
    "email you the invoice copy",
];

/// How far ahead promises fall due.
const AHEAD_HOURS: &[i64] = &[4, 24, 48, 72];

/// The columns of `promises` (Tx::insert_promise, settled in place).
pub const PROMISE_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "conversation_id",
    "customer_id",
    "owner_id",
    "description",
    "kind",
    "due_at",
    "state",
    "source",
    "replaces_id",
    "reason",
    "reminded_at",
    "settled_at",
    "kept_how",
    "created_at",
    "created_by",
];

/// How a promise ended up by `now`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fate {
    /// Kept, broken or still open.
    pub state: PromiseState,
    /// When it was kept or broken.
    pub settled_at: Option<Timestamp>,
    /// "reply sent" or "marked kept".
    pub kept_how: Option<&'static str>,
    /// When its owner was reminded.
    pub reminded_at: Option<Timestamp>,
}

/// How a promise made at `made`, due at `due`, ends by `now`: a reply
/// promise is kept by its owner's next reply before the check breaks it
/// (`promises::kept_by_reply`), `marked` is when its owner would mark it
/// kept, and the check (`promises::check`) reminds at the reminder time and
/// breaks one second past due whatever is still open.
pub fn fate(
    kind: PromiseKind,
    made: Timestamp,
    due: Timestamp,
    next_reply: Option<Timestamp>,
    marked: Option<Timestamp>,
    now: Timestamp,
) -> Fate {
    let breaks = due + SignedDuration::from_secs(1);
    let by_reply = next_reply.filter(|r| kind == PromiseKind::Reply && *r > made && *r < breaks && *r <= now);
    let by_hand = marked.filter(|m| *m > made && *m < breaks && *m <= now);
    let (state, settled_at, kept_how) = match (by_reply, by_hand) {
        (Some(r), Some(m)) if m < r => (PromiseState::Kept, Some(m), Some("marked kept")),
        (Some(r), _) => (PromiseState::Kept, Some(r), Some("reply sent")),
        (None, Some(m)) => (PromiseState::Kept, Some(m), Some("marked kept")),
        (None, None) if breaks <= now => (PromiseState::Broken, Some(breaks), None),
        (None, None) => (PromiseState::Open, None, None),
    };
    let reminded_at = reminder_at(made, due).filter(|r| *r <= now && settled_at.is_none_or(|s| s > *r));
    Fate {
        state,
        settled_at,
        kept_how,
        reminded_at,
    }
}

/// Writes the promises of the conversations that have one.
pub struct Ledger {
    ws: Uuid,
    now: Timestamp,
    rng: Rng,
}

impl Ledger {
    /// A ledger for workspace `ws` as it stands at `now`.
    pub fn new(ws: Uuid, now: Timestamp, rng: Rng) -> Self {
        Self { ws, now, rng }
    }

    /// The rows of the promise recorded in `t`, if one is (`promises::make`,
    /// then whatever settled it), tagged with their table in the step's `Bulk`.
    pub fn promise(
        &mut self,
        t: &Thread,
        customer: Uuid,
        names: &HashMap<UserId, String>,
    ) -> Result<Vec<(usize, Vec<V>)>> {
        let (ws, now) = (self.ws, self.now);
        let replies: Vec<Timestamp> = t
            .steps
            .iter()
            .filter(|(k, _)| *k == MessageKind::Outbound)
            .map(|(_, at)| *at)
            .collect();
        let (Some(owner), Some(&first)) = (t.agent, replies.first()) else {
            return Ok(Vec::new());
        };
        if !self.rng.chance(SHARE) {
            return Ok(Vec::new());
        }
        let made = first + SignedDuration::from_secs(self.rng.between(60, 1_200));
        if made >= now {
            return Ok(Vec::new());
        }
        let description = *self.rng.pick(DESCRIPTIONS);
        let kind = PromiseKind::of_description(description);
        let due = made + SignedDuration::from_hours(*self.rng.pick(AHEAD_HOURS));
        let source = if self.rng.chance(0.6) { "detected" } else { "hand" };
        let next_reply = replies.iter().copied().find(|r| *r > made);
        let span = due.duration_since(made).as_secs();
        let marked = self
            .rng
            .chance(0.75)
            .then(|| made + SignedDuration::from_secs(self.rng.between(span / 10, span * 9 / 10)));
        let f = fate(kind, made, due, next_reply, marked, now);
        let id = PromiseId::new_at(made);
        let conv = ConversationId::from_uuid(t.id);
        let us = |x: Timestamp| x.as_microsecond();
        let mut rows = vec![(
            PROMISES,
            vec![
                V::Uuid(id.as_uuid()),
                V::Uuid(ws),
                V::Uuid(t.id),
                V::Uuid(customer),
                V::Uuid(owner.as_uuid()),
                V::Text(description.into()),
                V::Text(kind.as_str().into()),
                V::Int(us(due)),
                V::Text(f.state.as_str().into()),
                V::Text(source.into()),
                V::OptUuid(None),
                V::OptText(None),
                V::OptInt(f.reminded_at.map(us)),
                V::OptInt(f.settled_at.map(us)),
                V::OptText(f.kept_how.map(str::to_string)),
                V::Int(us(made)),
                V::OptUuid(Some(owner.as_uuid())),
            ],
        )];
        let owner_name = names.get(&owner).cloned().unwrap_or_default();
        let payload = json!({"promise_id": id, "conversation_id": conv, "description": description,
            "due_at": due, "owner_id": owner, "owner": owner_name, "replaces_id": Option::<PromiseId>::None,
            "reason": Option::<String>::None});
        rows.push((
            EVENTS,
            event_row(
                uuid_v7_at(made),
                ws,
                us(made),
                Actor::Staff(owner),
                kind::PROMISE_MADE,
                "promise",
                id.as_uuid(),
                payload.to_string(),
                Some(customer),
            ),
        ));
        // Both checks are queued when the promise is made; those not yet due still wait.
        let check = json!({"promise_id": id}).to_string();
        let checks = [reminder_at(made, due), Some(due + SignedDuration::from_secs(1))];
        for at in checks.into_iter().flatten().filter(|at| *at > now) {
            rows.push((JOBS, job_row(ws, PROMISE_CHECK_JOB, check.clone(), made, at)));
        }
        if let Some(r) = f.reminded_at {
            let payload = json!({"promise_id": id, "owner_id": owner, "due_at": due});
            rows.push((
                EVENTS,
                event_row(
                    uuid_v7_at(r),
                    ws,
                    us(r),
                    Actor::System,
                    kind::PROMISE_REMINDED,
                    "promise",
                    id.as_uuid(),
                    payload.to_string(),
                    None,
                ),
            ));
            let body = format!(
                "Your promise \"{description}\" is due at {} (UTC).",
                due.strftime("%Y-%m-%d %H:%M")
            );
            let row = notification_row(&mut self.rng, now, ws, owner, kind::PROMISE_REMINDED, t.id, body, r);
            rows.push((NOTIFICATIONS, row));
        }
        if let Some(at) = f.settled_at {
            let (event, actor) = match f.state {
                PromiseState::Kept => (kind::PROMISE_KEPT, Actor::Staff(owner)),
                _ => (kind::PROMISE_BROKEN, Actor::System),
            };
            let payload = json!({"promise_id": id, "conversation_id": conv, "description": description,
                "due_at": due, "owner_id": owner, "how": f.kept_how});
            rows.push((
                EVENTS,
                event_row(
                    uuid_v7_at(at),
                    ws,
                    us(at),
                    actor,
                    event,
                    "promise",
                    id.as_uuid(),
                    payload.to_string(),
                    Some(customer),
                ),
            ));
            if f.state == PromiseState::Broken {
                let body = format!("You did not keep your promise \"{description}\" in time.");
                let row = notification_row(&mut self.rng, now, ws, owner, kind::PROMISE_BROKEN, t.id, body, at);
                rows.push((NOTIFICATIONS, row));
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn promises_end_as_the_ledger_ends_them() {
        let made = ts("2026-03-02T09:00:00Z");
        let due = ts("2026-03-03T09:00:00Z");
        let later = ts("2026-04-01T00:00:00Z");
        let reply = Some(ts("2026-03-02T15:00:00Z"));
        // A reply promise is kept by the next reply, reminded never (kept before).
        let f = fate(PromiseKind::Reply, made, due, reply, None, later);
        assert_eq!(
            (f.state, f.kept_how, f.reminded_at),
            (PromiseState::Kept, Some("reply sent"), None)
        );
        // An action is not kept by a reply: reminded an hour before due, then broken.
        let f = fate(PromiseKind::Action, made, due, reply, None, later);
        assert_eq!(f.state, PromiseState::Broken);
        assert_eq!(f.settled_at, Some(ts("2026-03-03T09:00:01Z")));
        assert_eq!(f.reminded_at, Some(ts("2026-03-03T08:00:00Z")));
        // Marked kept before the reminder.
        let f = fate(
            PromiseKind::Action,
            made,
            due,
            None,
            Some(ts("2026-03-02T20:00:00Z")),
            later,
        );
        assert_eq!(
            (f.state, f.kept_how, f.reminded_at),
            (PromiseState::Kept, Some("marked kept"), None)
        );
        // A reply after the promise broke keeps nothing.
        let f = fate(
            PromiseKind::Reply,
            made,
            due,
            Some(ts("2026-03-04T00:00:00Z")),
            None,
            later,
        );
        assert_eq!(f.state, PromiseState::Broken);
        // Not yet due.
        let f = fate(PromiseKind::Action, made, due, None, None, ts("2026-03-02T12:00:00Z"));
        assert_eq!((f.state, f.settled_at, f.reminded_at), (PromiseState::Open, None, None));
    }
}

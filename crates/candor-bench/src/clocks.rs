//! Each generated conversation's clocks as Candor moved them: its
//! happenings (the customer's messages, the agents' replies, the last status
//! change) are replayed by `candor_app::clocks::replay` (the same replay
//! `candor clocks rebuild` uses), with the clock check job at each
//! `next_check_at` in between, as the worker would have.

use anyhow::{Result, anyhow};
use candor_app::clocks::replay::{Checks, History, Step, replay};
use candor_core::commitments::Commitments;
use candor_core::conversation::{Channel, MessageKind, Priority, Status};
use candor_core::{ConversationId, UserId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// What happened in one generated conversation, as the conversations step
/// wrote it.
#[derive(Clone, Debug)]
pub struct Thread {
    /// The conversation.
    pub id: Uuid,
    /// Its customer (an index into the generated people).
    pub customer: usize,
    /// Its channel.
    pub channel: Channel,
    /// Its priority.
    pub priority: Priority,
    /// Where it stands now.
    pub status: Status,
    /// Its subject.
    pub subject: &'static str,
    /// Who it is assigned to.
    pub assignee: Option<UserId>,
    /// Who wrote the replies and notes.
    pub agent: Option<UserId>,
    /// Its messages in order: the customer's first, then replies, notes and
    /// follow-ups.
    pub steps: Vec<(MessageKind, Timestamp)>,
    /// When staff set its status from open to `status`, if they did.
    pub change: Option<Timestamp>,
}

/// A conversation's clocks as they ended up, with everything the clock
/// check job gave along the way.
pub use candor_app::clocks::replay::Replayed as Clocked;

/// What the clock hooks and the clock check job do to one conversation up to
/// `now`, or `None` when no commitment covers it (it has no clocks then):
/// the thread's happenings replayed by `candor_app::clocks::replay`, with
/// the check job at each due time as a timely worker would run it.
pub fn clock_thread(
    t: &Thread,
    ws: WorkspaceId,
    version: i64,
    c: &Commitments,
    now: Timestamp,
) -> Result<Option<Clocked>> {
    let Some(&(_, t0)) = t.steps.first() else {
        return Ok(None);
    };
    let mut steps: Vec<(Timestamp, Step)> = t
        .steps
        .iter()
        .skip(1)
        .filter_map(|&(k, at)| match k {
            MessageKind::Inbound => Some((at, Step::CustomerWrote(Status::Open))),
            MessageKind::Outbound => Some((at, Step::AgentReplied)),
            MessageKind::Note => None,
        })
        .collect();
    if let Some(at) = t.change {
        steps.push((at, Step::StatusChanged(Status::Open, t.status)));
    }
    let history = History {
        conversation_id: ConversationId::from_uuid(t.id),
        channel: t.channel,
        priority: t.priority,
        opened_at: t0,
        steps,
    };
    replay(&history, ws, version, c, now, Checks::AtEachDueTime).map_err(|e| anyhow!("clocks of {}: {e}", t.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::terms;
    use candor_core::pact::{Alarm, ClockKind};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn thread(priority: Priority, steps: &[(MessageKind, &str)], status: Status, change: Option<&str>) -> Thread {
        Thread {
            id: Uuid::nil(),
            customer: 0,
            channel: Channel::Email,
            priority,
            status,
            subject: "Where is my order?",
            assignee: None,
            agent: None,
            steps: steps.iter().map(|(k, t)| (*k, ts(t))).collect(),
            change: change.map(ts),
        }
    }

    fn ws() -> WorkspaceId {
        WorkspaceId::from_uuid(Uuid::nil())
    }

    #[test]
    fn a_reply_in_time_meets_the_first_reply_and_solving_the_resolution() -> Result<()> {
        let c = terms(ts("2026-03-02T09:00:00Z"))?;
        // Monday 10:00 Berlin; replied at 11:00, solved at 15:00.
        let t = thread(
            Priority::Normal,
            &[
                (MessageKind::Inbound, "2026-03-02T09:00:00Z"),
                (MessageKind::Outbound, "2026-03-02T10:00:00Z"),
            ],
            Status::Solved,
            Some("2026-03-02T14:00:00Z"),
        );
        let done = clock_thread(&t, ws(), 1, &c, ts("2026-03-20T00:00:00Z"))?.ok_or_else(|| anyhow!("no clocks"))?;
        assert_eq!(done.clocks.first_reply_within, Some(true));
        assert_eq!(done.clocks.first_reply_secs, Some(3600));
        assert_eq!(done.clocks.resolution_within, Some(true));
        assert_eq!(done.clocks.next_check_at, None);
        assert!(done.alarms.is_empty(), "{:?}", done.alarms);
        assert!(done.waiting.is_empty());
        assert_eq!(done.updated_at, ts("2026-03-02T14:00:00Z"));
        Ok(())
    }

    #[test]
    fn a_late_reply_is_warned_then_breached_once() -> Result<()> {
        let c = terms(ts("2026-03-02T09:00:00Z"))?;
        // Urgent: a first reply within two hours; the reply came after three.
        let t = thread(
            Priority::Urgent,
            &[
                (MessageKind::Inbound, "2026-03-02T09:00:00Z"),
                (MessageKind::Outbound, "2026-03-02T12:00:00Z"),
            ],
            Status::Closed,
            Some("2026-03-02T13:00:00Z"),
        );
        let done = clock_thread(&t, ws(), 1, &c, ts("2026-03-20T00:00:00Z"))?.ok_or_else(|| anyhow!("no clocks"))?;
        assert_eq!(done.clocks.first_reply_within, Some(false));
        let first: Vec<&(Timestamp, Alarm)> = done
            .alarms
            .iter()
            .filter(|(_, a)| a.kind == ClockKind::FirstReply)
            .collect();
        assert_eq!(first.len(), 2, "{first:?}");
        assert!(!first[0].1.breach && first[0].0 == ts("2026-03-02T10:30:00Z"));
        assert!(first[1].1.breach && first[1].0 == ts("2026-03-02T11:00:01Z"));
        Ok(())
    }

    #[test]
    fn an_open_conversation_keeps_its_check_queued() -> Result<()> {
        let c = terms(ts("2026-03-02T09:00:00Z"))?;
        let t = thread(
            Priority::Low,
            &[(MessageKind::Inbound, "2026-03-02T09:00:00Z")],
            Status::Open,
            None,
        );
        let now = ts("2026-03-02T10:00:00Z");
        let done = clock_thread(&t, ws(), 1, &c, now)?.ok_or_else(|| anyhow!("no clocks"))?;
        assert!(done.alarms.is_empty());
        assert_eq!(done.waiting.len(), 1);
        assert!(done.waiting[0].1 > now);
        assert_eq!(done.clocks.first_reply_within, None);
        Ok(())
    }
}

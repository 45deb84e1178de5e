//! Each generated conversation's clocks as Candor moved them: its
//! happenings (the customer's messages, the agents' replies, the last status
//! change) go through `candor_core::pact` in the order they happened, and the
//! clock check job runs at each `next_check_at` in between, as the worker
//! would have.

use anyhow::{Result, anyhow};
use candor_app::clocks::derive;
use candor_core::commitments::Commitments;
use candor_core::conversation::{Channel, MessageKind, Priority, Status};
use candor_core::pact::{Alarm, ConversationClocks, Targets};
use candor_core::{ConversationId, UserId, WorkspaceId};
use candor_store::clocks::StoredClocks;
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
#[derive(Clone, Debug)]
pub struct Clocked {
    /// The row as it stands now.
    pub clocks: StoredClocks,
    /// When the row was last written.
    pub updated_at: Timestamp,
    /// The warnings and breaches given, each at the time its check ran.
    pub alarms: Vec<(Timestamp, Alarm)>,
    /// Checks queued (when queued, when due) that are still waiting.
    pub waiting: Vec<(Timestamp, Timestamp)>,
}

/// What the clock hooks and the clock check job do to one conversation up to
/// `now`, or `None` when no commitment covers it (it has no clocks then).
/// Transitions the hooks would log and skip are skipped here too.
pub fn clock_thread(
    t: &Thread,
    ws: WorkspaceId,
    version: i64,
    c: &Commitments,
    now: Timestamp,
) -> Result<Option<Clocked>> {
    let Some(commitment) = c.for_conversation(t.channel.as_str(), t.priority.as_str()) else {
        return Ok(None);
    };
    let targets = Targets::of(commitment, &c.calendar);
    let Some(&(_, t0)) = t.steps.first() else {
        return Ok(None);
    };
    if targets.is_empty() {
        return Ok(None);
    }
    let start = ConversationClocks::start(t0, targets).map_err(|e| anyhow!("clocks of {}: {e}", t.id))?;
    let mut stored = StoredClocks {
        workspace_id: ws,
        conversation_id: ConversationId::from_uuid(t.id),
        commitments_version: version,
        channel: t.channel.as_str().to_string(),
        priority: t.priority.as_str().to_string(),
        clocks: start,
        started_at: t0,
        next_check_at: None,
        warn_at: None,
        due_at: None,
        first_reply_within: None,
        first_reply_secs: None,
        resolution_within: None,
        resolution_secs: None,
    };
    if derive(&mut stored, c).is_err() {
        return Ok(None);
    }
    let mut run = Run {
        c,
        now,
        clocks: stored,
        updated_at: t0,
        alarms: Vec::new(),
        queued: Vec::new(),
    };
    if let Some(at) = run.clocks.next_check_at {
        run.queued.push((t0, at));
    }
    for &(k, at) in t.steps.iter().skip(1) {
        run.checks_before(at);
        match k {
            MessageKind::Inbound => run.happen(at, |x| x.customer_wrote(at, Status::Open)),
            MessageKind::Outbound => run.happen(at, |x| x.agent_replied(at)),
            MessageKind::Note => {}
        }
    }
    if let Some(at) = t.change {
        run.checks_before(at);
        run.happen(at, |x| x.status_changed(at, Status::Open, t.status));
    }
    run.checks_before(now);
    let waiting = run.queued.iter().copied().filter(|(_, due)| *due > now).collect();
    Ok(Some(Clocked {
        clocks: run.clocks,
        updated_at: run.updated_at,
        alarms: run.alarms,
        waiting,
    }))
}

/// One conversation's clocks on their way through time.
struct Run<'a> {
    c: &'a Commitments,
    now: Timestamp,
    clocks: StoredClocks,
    updated_at: Timestamp,
    alarms: Vec<(Timestamp, Alarm)>,
    queued: Vec<(Timestamp, Timestamp)>,
}

impl Run<'_> {
    /// A hook in the transaction of a message or status change
    /// (`clocks::on_happening`): the row is written only when the transition
    /// and the derived times both succeed; a check is queued when
    /// `next_check_at` moves.
    fn happen(
        &mut self,
        at: Timestamp,
        f: impl FnOnce(&mut ConversationClocks) -> Result<(), candor_core::hours::ClockError>,
    ) {
        let before = self.clocks.next_check_at;
        let mut next = self.clocks.clone();
        if f(&mut next.clocks).is_err() || derive(&mut next, self.c).is_err() {
            return;
        }
        self.save(at, next, before);
    }

    fn save(&mut self, at: Timestamp, next: StoredClocks, before: Option<Timestamp>) {
        self.clocks = next;
        self.updated_at = at;
        if let Some(check) = self.clocks.next_check_at.filter(|n| Some(*n) != before) {
            self.queued.push((at, check));
        }
    }

    /// The clock check job (`breaches::check`) at each `next_check_at` up
    /// to `limit` (at most now): a check that gives nothing and moves
    /// nothing ends the run, as the real job would find the same.
    fn checks_before(&mut self, limit: Timestamp) {
        let limit = limit.min(self.now);
        while let Some(at) = self.clocks.next_check_at.filter(|at| *at <= limit) {
            let before = self.clocks.next_check_at;
            let mut next = self.clocks.clone();
            let Ok(fired) = next.clocks.fire(&self.c.calendar, self.c.warn_at, at) else {
                return;
            };
            if derive(&mut next, self.c).is_err() {
                return;
            }
            let moved = next.next_check_at != before;
            self.alarms.extend(fired.into_iter().map(|a| (at, a)));
            self.save(at, next, before);
            if !moved {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::terms;
    use candor_core::pact::ClockKind;

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

//! A conversation's clocks computed again from what happened in it: the same
//! transitions the hooks apply (`candor_core::pact`), in the order they
//! happened, with the row written only when a transition and its derived
//! times both succeed, as the hooks do. The clock check job is replayed
//! either where the log shows it gave a warning or breach (rebuilding a
//! workspace's rows, [`super::rebuild`]) or at every due check up to now (a
//! generated history that has no log of its checks).

use super::derive;
use super::retarget::retarget_stored;
use candor_core::commitments::Commitments;
use candor_core::conversation::{Channel, Priority, Status};
use candor_core::hours::ClockError;
use candor_core::pact::{Alarm, ConversationClocks, Targets};
use candor_core::{ConversationId, WorkspaceId};
use candor_store::clocks::StoredClocks;
use jiff::Timestamp;

/// One thing that happened to a conversation after it opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The customer wrote; the conversation stood at this status before.
    CustomerWrote(Status),
    /// An agent's reply was sent.
    AgentReplied,
    /// Staff changed the status.
    StatusChanged(Status, Status),
    /// Staff changed the priority to this one.
    PriorityChanged(Priority),
    /// The clock check job ran and gave a warning or a breach.
    Checked,
}

/// What happened in one conversation, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its channel.
    pub channel: Channel,
    /// Its priority when it opened.
    pub priority: Priority,
    /// When the customer's first message came: the clocks start.
    pub opened_at: Timestamp,
    /// Everything after that, oldest first.
    pub steps: Vec<(Timestamp, Step)>,
}

/// Where the clock check job runs in a replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    /// Only at the [`Step::Checked`] steps (the log's record of the job).
    Recorded,
    /// At every `next_check_at` up to now, as a timely worker would have.
    AtEachDueTime,
}

/// A conversation's clocks as they ended up.
#[derive(Clone, Debug)]
pub struct Replayed {
    /// The row as it stands now.
    pub clocks: StoredClocks,
    /// When the row was last written.
    pub updated_at: Timestamp,
    /// The warnings and breaches given, each at the time its check ran.
    pub alarms: Vec<(Timestamp, Alarm)>,
    /// Checks queued (when queued, when due) that are still waiting.
    pub waiting: Vec<(Timestamp, Timestamp)>,
}

/// The clocks of the conversation `h` of `ws` under commitments version
/// `version` (`c`), replayed up to `now`; `None` when no commitment covered
/// it when it opened (it has no clocks then).
pub fn replay(
    h: &History,
    ws: WorkspaceId,
    version: i64,
    c: &Commitments,
    now: Timestamp,
    checks: Checks,
) -> Result<Option<Replayed>, ClockError> {
    let Some(commitment) = c.for_conversation(h.channel.as_str(), h.priority.as_str()) else {
        return Ok(None);
    };
    let targets = Targets::of(commitment, &c.calendar);
    if targets.is_empty() {
        return Ok(None);
    }
    let t0 = h.opened_at;
    let mut stored = StoredClocks {
        workspace_id: ws,
        conversation_id: h.conversation_id,
        commitments_version: version,
        channel: h.channel.as_str().to_string(),
        priority: h.priority.as_str().to_string(),
        clocks: ConversationClocks::start(t0, targets)?,
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
        // The hook logs this and writes no row.
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
    for &(at, step) in &h.steps {
        if checks == Checks::AtEachDueTime {
            run.checks_before(at);
        }
        match step {
            Step::CustomerWrote(before) => run.happen(at, |x| x.customer_wrote(at, before)),
            Step::AgentReplied => run.happen(at, |x| x.agent_replied(at)),
            Step::StatusChanged(from, to) => run.happen(at, |x| x.status_changed(at, from, to)),
            Step::PriorityChanged(to) => run.retarget(at, to),
            Step::Checked => {
                run.check(at);
            }
        }
    }
    if checks == Checks::AtEachDueTime {
        run.checks_before(now);
    }
    let waiting = run.queued.iter().copied().filter(|(_, due)| *due > now).collect();
    Ok(Some(Replayed {
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
    fn happen(&mut self, at: Timestamp, f: impl FnOnce(&mut ConversationClocks) -> Result<(), ClockError>) {
        let before = self.clocks.next_check_at;
        let mut next = self.clocks.clone();
        if f(&mut next.clocks).is_err() || derive(&mut next, self.c).is_err() {
            return;
        }
        self.save(at, next, before);
    }

    /// The priority hook (`clocks::on_priority_changed`).
    fn retarget(&mut self, at: Timestamp, to: Priority) {
        let before = self.clocks.next_check_at;
        let mut next = self.clocks.clone();
        if retarget_stored(&mut next, self.c, to.as_str(), at).is_err() {
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

    /// The clock check job (`breaches::check`) running at `at`: it gives
    /// what fell due and writes the row, or fails and changes nothing.
    /// Returns whether `next_check_at` moved.
    fn check(&mut self, at: Timestamp) -> bool {
        let before = self.clocks.next_check_at;
        let mut next = self.clocks.clone();
        let Ok(fired) = next.clocks.fire(&self.c.calendar, self.c.warn_at, at) else {
            return false;
        };
        if derive(&mut next, self.c).is_err() {
            return false;
        }
        let moved = next.next_check_at != before;
        self.alarms.extend(fired.into_iter().map(|a| (at, a)));
        self.save(at, next, before);
        moved
    }

    /// The check job at each `next_check_at` up to `limit` (at most now): a
    /// check that moves nothing ends the run, as the real job would find
    /// the same.
    fn checks_before(&mut self, limit: Timestamp) {
        let limit = limit.min(self.now);
        while let Some(at) = self.clocks.next_check_at.filter(|at| *at <= limit) {
            if !self.check(at) {
                return;
            }
        }
    }
}

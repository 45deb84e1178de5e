//! The clocks of one conversation, kept against the public commitments.
//!
//! A conversation runs up to three clocks, with targets taken from the
//! commitments version in force when it started:
//!
//! - **first reply** starts with the customer's first message and is met by
//!   the first reply an agent sends;
//! - **next reply** starts when the customer writes again after a reply and
//!   is met by the next reply (a new one starts each time);
//! - **resolution** starts with the first message and is met when the
//!   conversation is solved (or closed); a reopen resumes it, with the time
//!   it stood solved not counted.
//!
//! Every clock pauses while the conversation is pending on the customer and
//! resumes when they write (or an agent sets it open again). A reply clock
//! stopped by solving without a reply is left out of reply figures. The
//! arithmetic is [`CommitmentClock`]'s; this module decides which clock an
//! event touches, and when warnings and breaches fall due.

use crate::commitments::Commitment;
use crate::conversation::Status;
use crate::hours::{BusinessCalendar, ClockError, ClockState, CommitmentClock};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

mod retarget;
#[cfg(test)]
mod tests;

pub use retarget::Retargeted;

/// Which of a conversation's clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Time to the first reply.
    FirstReply,
    /// Time to the next reply after the customer wrote again.
    NextReply,
    /// Time to a resolution.
    Resolution,
}

impl ClockKind {
    /// Every kind, in the order they are shown.
    pub const ALL: [ClockKind; 3] = [ClockKind::FirstReply, ClockKind::NextReply, ClockKind::Resolution];

    /// The name as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::FirstReply => "first_reply",
            ClockKind::NextReply => "next_reply",
            ClockKind::Resolution => "resolution",
        }
    }

    /// The commitment in words: "a first reply".
    pub fn words(self) -> &'static str {
        match self {
            ClockKind::FirstReply => "a first reply",
            ClockKind::NextReply => "a reply",
            ClockKind::Resolution => "a resolution",
        }
    }
}

impl std::str::FromStr for ClockKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ClockKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("\"{s}\" is not a clock: use first_reply, next_reply or resolution"))
    }
}

/// What stopped a clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// An agent's reply.
    Reply,
    /// The conversation was solved or closed.
    Solved,
}

/// One clock with what has been done about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    /// The arithmetic.
    pub clock: CommitmentClock,
    /// The warning was given.
    #[serde(default)]
    pub warned: bool,
    /// The breach was recorded.
    #[serde(default)]
    pub breached: bool,
    /// What stopped it, once stopped.
    #[serde(default)]
    pub ended_by: Option<EndedBy>,
}

impl Tracked {
    fn start(at: Timestamp, target: SignedDuration) -> Result<Self, ClockError> {
        Ok(Self {
            clock: CommitmentClock::start(at, target)?,
            warned: false,
            breached: false,
            ended_by: None,
        })
    }

    /// Whether the clock still counts (running or paused).
    pub fn is_live(&self) -> bool {
        self.clock.met_at().is_none()
    }

    /// The clock's state at `now`.
    pub fn state_at(&self, cal: &BusinessCalendar, now: Timestamp) -> Result<ClockState, ClockError> {
        self.clock.state_at(cal, now)
    }
}

/// The business-time targets a conversation's clocks run to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    /// First reply.
    pub first_reply: Option<SignedDuration>,
    /// Each next reply.
    pub next_reply: Option<SignedDuration>,
    /// Resolution.
    pub resolution: Option<SignedDuration>,
}

impl Targets {
    /// The targets of `commitment` as business time on `cal`.
    pub fn of(commitment: &Commitment, cal: &BusinessCalendar) -> Self {
        Self {
            first_reply: commitment.first_reply.map(|t| t.business_time(cal)),
            next_reply: commitment.next_reply.map(|t| t.business_time(cal)),
            resolution: commitment.resolution.map(|t| t.business_time(cal)),
        }
    }

    /// The target of one kind.
    pub fn get(&self, kind: ClockKind) -> Option<SignedDuration> {
        match kind {
            ClockKind::FirstReply => self.first_reply,
            ClockKind::NextReply => self.next_reply,
            ClockKind::Resolution => self.resolution,
        }
    }

    /// Whether there is any target at all.
    pub fn is_empty(&self) -> bool {
        self.first_reply.is_none() && self.next_reply.is_none() && self.resolution.is_none()
    }
}

/// A warning or a breach that fell due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alarm {
    /// Which clock.
    pub kind: ClockKind,
    /// Warning (the share of the target is used) or breach (the target is).
    pub breach: bool,
    /// The clock's due time.
    pub due_at: Timestamp,
}

/// How a concluded clock did, for the public figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Met in time.
    pub within: bool,
    /// Business time taken, when it was met (by a reply, for reply clocks).
    pub business_time: Option<SignedDuration>,
}

/// The clocks of one conversation (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationClocks {
    /// The targets, fixed when the conversation started.
    pub targets: Targets,
    /// When an agent first replied.
    #[serde(default)]
    pub replied_at: Option<Timestamp>,
    /// The first-reply clock.
    #[serde(default)]
    pub first_reply: Option<Tracked>,
    /// The current (or last) next-reply clock.
    #[serde(default)]
    pub next_reply: Option<Tracked>,
    /// The resolution clock.
    #[serde(default)]
    pub resolution: Option<Tracked>,
}

impl ConversationClocks {
    /// The clocks of a conversation the customer opened at `at`.
    pub fn start(at: Timestamp, targets: Targets) -> Result<Self, ClockError> {
        Ok(Self {
            targets,
            replied_at: None,
            first_reply: targets.first_reply.map(|t| Tracked::start(at, t)).transpose()?,
            next_reply: None,
            resolution: targets.resolution.map(|t| Tracked::start(at, t)).transpose()?,
        })
    }

    /// One clock.
    pub fn get(&self, kind: ClockKind) -> Option<&Tracked> {
        match kind {
            ClockKind::FirstReply => self.first_reply.as_ref(),
            ClockKind::NextReply => self.next_reply.as_ref(),
            ClockKind::Resolution => self.resolution.as_ref(),
        }
    }

    fn get_mut(&mut self, kind: ClockKind) -> Option<&mut Tracked> {
        match kind {
            ClockKind::FirstReply => self.first_reply.as_mut(),
            ClockKind::NextReply => self.next_reply.as_mut(),
            ClockKind::Resolution => self.resolution.as_mut(),
        }
    }

    fn live_mut(&mut self) -> impl Iterator<Item = &mut Tracked> {
        [&mut self.first_reply, &mut self.next_reply, &mut self.resolution]
            .into_iter()
            .filter_map(|c| c.as_mut())
            .filter(|c| c.is_live())
    }

    /// The clocks that still count, with their kinds.
    pub fn live(&self) -> impl Iterator<Item = (ClockKind, &Tracked)> {
        ClockKind::ALL
            .into_iter()
            .filter_map(|k| self.get(k).map(|c| (k, c)))
            .filter(|(_, c)| c.is_live())
    }

    /// The customer wrote at `at`; the conversation stood at `before`.
    ///
    /// Paused clocks resume; a solved or closed conversation's resolution
    /// clock resumes with the solved time left out; after a reply, a
    /// next-reply clock starts unless one is already counting.
    pub fn customer_wrote(&mut self, at: Timestamp, before: Status) -> Result<(), ClockError> {
        match before {
            Status::Pending => self.resume_all(at)?,
            Status::Solved | Status::Closed => self.reopen(at)?,
            Status::Open => {}
        }
        let waiting = self.next_reply.as_ref().is_some_and(Tracked::is_live);
        if self.replied_at.is_some()
            && !waiting
            && let Some(target) = self.targets.next_reply
        {
            // The last one is concluded; its breach, if any, is on record.
            self.next_reply = Some(Tracked::start(at, target)?);
        }
        Ok(())
    }

    /// An agent's reply was sent at `at`: the reply clocks are met.
    pub fn agent_replied(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.replied_at.get_or_insert(at);
        for kind in [ClockKind::FirstReply, ClockKind::NextReply] {
            if let Some(c) = self.get_mut(kind).filter(|c| c.is_live()) {
                let at = at.max(last_event(&c.clock));
                c.clock.stop(at)?;
                c.ended_by = Some(EndedBy::Reply);
            }
        }
        Ok(())
    }

    /// The conversation moved from `from` to `to` at `at` (by staff).
    pub fn status_changed(&mut self, at: Timestamp, from: Status, to: Status) -> Result<(), ClockError> {
        if from == to {
            return Ok(());
        }
        match (from, to) {
            (_, Status::Pending) => {
                if matches!(from, Status::Solved | Status::Closed) {
                    self.reopen(at)?;
                }
                for c in self.live_mut() {
                    if !c.clock.is_paused() {
                        let at = at.max(last_event(&c.clock));
                        c.clock.pause(at)?;
                    }
                }
            }
            (_, Status::Solved | Status::Closed) => {
                for c in self.live_mut() {
                    let at = at.max(last_event(&c.clock));
                    c.clock.stop(at)?;
                    c.ended_by = Some(EndedBy::Solved);
                }
            }
            (Status::Pending, Status::Open) => self.resume_all(at)?,
            (Status::Solved | Status::Closed, Status::Open) => self.reopen(at)?,
            (Status::Open, Status::Open) => {}
        }
        Ok(())
    }

    fn resume_all(&mut self, at: Timestamp) -> Result<(), ClockError> {
        for c in self.live_mut() {
            if c.clock.is_paused() {
                let at = at.max(last_event(&c.clock));
                c.clock.resume(at)?;
            }
        }
        Ok(())
    }

    /// Resumes a resolution clock stopped by solving: the solved span becomes a pause.
    fn reopen(&mut self, at: Timestamp) -> Result<(), ClockError> {
        let Some(res) = self.resolution.as_mut() else {
            return Ok(());
        };
        let (Some(met), Some(EndedBy::Solved)) = (res.clock.met_at(), res.ended_by) else {
            return Ok(());
        };
        let old = &res.clock;
        let mut again = CommitmentClock::start(old.started_at(), old.target())?;
        for p in old.pauses() {
            again.pause(p.from)?;
            if let Some(until) = p.until {
                again.resume(until)?;
            }
        }
        if !again.is_paused() {
            again.pause(met)?;
        }
        again.resume(at.max(met))?;
        res.clock = again;
        res.ended_by = None;
        Ok(())
    }

    /// Warnings and breaches due at `now` that were not given yet; marks them given.
    /// A clock already past due gets its breach without a warning first.
    pub fn fire(&mut self, cal: &BusinessCalendar, warn_share: f64, now: Timestamp) -> Result<Vec<Alarm>, ClockError> {
        let mut alarms = Vec::new();
        for kind in ClockKind::ALL {
            let Some(c) = self.get_mut(kind).filter(|c| c.is_live()) else {
                continue;
            };
            let Some(due) = c.clock.due_at(cal)? else {
                continue;
            };
            if !c.breached && now > due {
                c.breached = true;
                c.warned = true;
                alarms.push(Alarm {
                    kind,
                    breach: true,
                    due_at: due,
                });
            } else if !c.warned && c.clock.warning_at(cal, warn_share)?.is_some_and(|w| now >= w) {
                c.warned = true;
                alarms.push(Alarm {
                    kind,
                    breach: false,
                    due_at: due,
                });
            }
        }
        Ok(alarms)
    }

    /// When the next warning or breach falls due (a breach one second after
    /// the due time, when it is certainly past), or `None` when nothing is counting.
    pub fn next_check(&self, cal: &BusinessCalendar, warn_share: f64) -> Result<Option<Timestamp>, ClockError> {
        let mut next: Option<Timestamp> = None;
        for (_, c) in self.live() {
            let at = if !c.warned {
                c.clock.warning_at(cal, warn_share)?
            } else if !c.breached {
                c.clock
                    .due_at(cal)?
                    .map(|d| d.saturating_add(SignedDuration::from_secs(1)).unwrap_or(d))
            } else {
                None
            };
            next = earliest(next, at);
        }
        Ok(next)
    }

    /// When the earliest counting clock reaches its warning share (past for a
    /// clock warned or breached); `None` while nothing counts or all are paused.
    pub fn warn_at(&self, cal: &BusinessCalendar, warn_share: f64) -> Result<Option<Timestamp>, ClockError> {
        let mut first = None;
        for (_, c) in self.live() {
            first = earliest(first, c.clock.warning_at(cal, warn_share)?);
        }
        Ok(first)
    }

    /// The earliest due time of a counting clock.
    pub fn due_at(&self, cal: &BusinessCalendar) -> Result<Option<Timestamp>, ClockError> {
        let mut first = None;
        for (_, c) in self.live() {
            first = earliest(first, c.clock.due_at(cal)?);
        }
        Ok(first)
    }

    /// How the first-reply or resolution clock did, once concluded: met (by a
    /// reply for the first reply; by solving for the resolution) or breached.
    /// `None` while it counts, when there is none, or for a first reply the
    /// conversation was solved without.
    pub fn outcome(&self, kind: ClockKind, cal: &BusinessCalendar) -> Result<Option<Outcome>, ClockError> {
        let Some(c) = self.get(kind) else {
            return Ok(None);
        };
        let wanted_end = match kind {
            ClockKind::Resolution => EndedBy::Solved,
            _ => EndedBy::Reply,
        };
        match (c.clock.met_at(), c.ended_by) {
            (Some(met), Some(end)) if end == wanted_end => {
                let within = c.clock.state_at(cal, met)? == ClockState::Met;
                Ok(Some(Outcome {
                    within,
                    business_time: Some(c.clock.elapsed_business(cal, met)?),
                }))
            }
            _ if c.breached => Ok(Some(Outcome {
                within: false,
                business_time: None,
            })),
            _ => Ok(None),
        }
    }
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The time of a clock's last event, so that later events never go back in
/// time (two changes in the same instant arrive in either order).
fn last_event(c: &CommitmentClock) -> Timestamp {
    let pause = c.pauses().last().map(|p| p.until.unwrap_or(p.from));
    pause.unwrap_or(c.started_at()).max(c.started_at())
}

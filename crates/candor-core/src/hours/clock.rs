//! The commitment clock: how much of a reply or resolution target has been used.
//!
//! A clock starts at a customer's message, pauses while the conversation waits on the
//! customer, resumes when they reply and stops when the commitment is met. Only open
//! business time counts, and paused spans do not count at all.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{BusinessCalendar, HoursError, add_business_time, business_time_between};

/// A problem with a clock's events or a question asked of it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClockError {
    /// The target is zero or negative.
    #[error("a commitment target must be longer than zero (got {0})")]
    NonPositiveTarget(SignedDuration),
    /// The clock is paused already.
    #[error("the clock is already paused")]
    AlreadyPaused,
    /// The clock is running, so it cannot be resumed.
    #[error("the clock is not paused, so it cannot be resumed")]
    NotPaused,
    /// The clock was stopped already.
    #[error("the commitment was already met at {0}")]
    AlreadyMet(Timestamp),
    /// An event is earlier than the clock's last event.
    #[error("an event at {at} is earlier than the clock's last event at {last}")]
    OutOfOrder {
        /// The time of the rejected event.
        at: Timestamp,
        /// The time of the clock's last event.
        last: Timestamp,
    },
    /// A warning share that is not a finite number of zero or more.
    #[error("a warning share must be a number of zero or more, such as 0.75 (got {0})")]
    InvalidShare(f64),
    /// Business-hours arithmetic failed.
    #[error(transparent)]
    Hours(#[from] HoursError),
}

/// Where a clock stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockState {
    /// Counting business time; not yet due.
    Running,
    /// Waiting on the customer; business time does not count.
    Paused,
    /// Stopped at or before the due time.
    Met,
    /// The due time passed before the clock was stopped.
    Breached,
}

/// A span during which the clock did not count, open while `until` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// When the conversation started waiting on the customer.
    pub from: Timestamp,
    /// When the customer replied, if they have.
    pub until: Option<Timestamp>,
}

/// A clock over one commitment of one conversation (see the module docs).
///
/// Stored clocks are checked when read back: their events are replayed in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ClockRecord")]
pub struct CommitmentClock {
    started_at: Timestamp,
    target: SignedDuration,
    pauses: Vec<Pause>,
    met_at: Option<Timestamp>,
}

/// A clock as stored, before its events are checked.
#[derive(Deserialize)]
struct ClockRecord {
    started_at: Timestamp,
    target: SignedDuration,
    #[serde(default)]
    pauses: Vec<Pause>,
    #[serde(default)]
    met_at: Option<Timestamp>,
}

impl TryFrom<ClockRecord> for CommitmentClock {
    type Error = ClockError;

    fn try_from(record: ClockRecord) -> Result<Self, Self::Error> {
        let mut clock = CommitmentClock::start(record.started_at, record.target)?;
        for pause in record.pauses {
            clock.pause(pause.from)?;
            if let Some(until) = pause.until {
                clock.resume(until)?;
            }
        }
        if let Some(met) = record.met_at {
            clock.stop(met)?;
        }
        Ok(clock)
    }
}

/// Running spans: `(start, end)`, with `None` for a span still running.
type Segments = Vec<(Timestamp, Option<Timestamp>)>;

impl CommitmentClock {
    /// Starts a clock at a customer message's time with a target of business time.
    pub fn start(at: Timestamp, target: SignedDuration) -> Result<Self, ClockError> {
        if target <= SignedDuration::ZERO {
            return Err(ClockError::NonPositiveTarget(target));
        }
        Ok(Self {
            started_at: at,
            target,
            pauses: Vec::new(),
            met_at: None,
        })
    }

    /// The same clock (start, pauses, stop) with another target: its due and
    /// warning times are computed again from its start.
    pub fn with_target(&self, target: SignedDuration) -> Result<Self, ClockError> {
        if target <= SignedDuration::ZERO {
            return Err(ClockError::NonPositiveTarget(target));
        }
        Ok(Self { target, ..self.clone() })
    }

    /// When the clock started.
    pub fn started_at(&self) -> Timestamp {
        self.started_at
    }

    /// The business time allowed.
    pub fn target(&self) -> SignedDuration {
        self.target
    }

    /// The recorded pauses, oldest first.
    pub fn pauses(&self) -> &[Pause] {
        &self.pauses
    }

    /// When the commitment was met, if it was.
    pub fn met_at(&self) -> Option<Timestamp> {
        self.met_at
    }

    /// Whether the clock is paused now (after its last recorded event).
    pub fn is_paused(&self) -> bool {
        self.pauses.last().is_some_and(|p| p.until.is_none())
    }

    fn last_event(&self) -> Timestamp {
        let pause_time = self.pauses.last().map(|p| p.until.unwrap_or(p.from));
        pause_time.unwrap_or(self.started_at).max(self.started_at)
    }

    fn check_event(&self, at: Timestamp) -> Result<(), ClockError> {
        if let Some(met) = self.met_at {
            return Err(ClockError::AlreadyMet(met));
        }
        let last = self.last_event();
        if at < last {
            return Err(ClockError::OutOfOrder { at, last });
        }
        Ok(())
    }

    /// Pauses the clock: the conversation now waits on the customer.
    pub fn pause(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.check_event(at)?;
        if self.is_paused() {
            return Err(ClockError::AlreadyPaused);
        }
        self.pauses.push(Pause { from: at, until: None });
        Ok(())
    }

    /// Resumes the clock: the customer replied.
    pub fn resume(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.check_event(at)?;
        match self.pauses.last_mut() {
            Some(pause) if pause.until.is_none() => {
                pause.until = Some(at);
                Ok(())
            }
            _ => Err(ClockError::NotPaused),
        }
    }

    /// Stops the clock: the commitment was met (a reply sent, or the conversation solved).
    pub fn stop(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.check_event(at)?;
        self.met_at = Some(at);
        Ok(())
    }

    /// The running spans from events at or before `cutoff`, ignoring the stop.
    fn segments(&self, cutoff: Timestamp) -> Segments {
        let mut out = Vec::new();
        if self.started_at > cutoff {
            return out;
        }
        let mut running = Some(self.started_at);
        for pause in &self.pauses {
            if pause.from > cutoff {
                break;
            }
            if let Some(start) = running {
                out.push((start, Some(pause.from)));
            }
            running = pause.until.filter(|u| *u <= cutoff);
        }
        if let Some(start) = running {
            out.push((start, None));
        }
        out
    }

    /// When `amount` of business time is used up, from the events up to `cutoff`.
    fn when_used(
        &self,
        cal: &BusinessCalendar,
        amount: SignedDuration,
        cutoff: Timestamp,
    ) -> Result<Option<Timestamp>, ClockError> {
        let mut remaining = amount;
        for (start, end) in self.segments(cutoff) {
            let Some(end) = end else {
                return Ok(Some(add_business_time(cal, start, remaining)?));
            };
            let counted = business_time_between(cal, start, end)?;
            if counted >= remaining {
                return Ok(Some(add_business_time(cal, start, remaining)?));
            }
            remaining -= counted;
        }
        Ok(None)
    }

    /// When the target is (or was) used up, given the pauses recorded so far.
    ///
    /// `None` while the clock is paused with time left, or when it was met during a
    /// pause. For a clock that was met while running, the due time it had then.
    pub fn due_at(&self, cal: &BusinessCalendar) -> Result<Option<Timestamp>, ClockError> {
        self.when_used(cal, self.target, Timestamp::MAX)
    }

    /// When `share` of the target (0.75 for three quarters) is used up, given the pauses
    /// recorded so far; `None` as for [`CommitmentClock::due_at`].
    pub fn warning_at(&self, cal: &BusinessCalendar, share: f64) -> Result<Option<Timestamp>, ClockError> {
        if !share.is_finite() || share < 0.0 {
            return Err(ClockError::InvalidShare(share));
        }
        let nanos = (self.target.as_nanos() as f64 * share).round();
        if nanos >= i128::MAX as f64 {
            return Err(ClockError::Hours(HoursError::OutOfRange));
        }
        let amount = i64::try_from(nanos as i128)
            .map(SignedDuration::from_nanos)
            .map_err(|_| HoursError::OutOfRange)?;
        self.when_used(cal, amount, Timestamp::MAX)
    }

    /// The clock's state at `now`, from the events recorded at or before `now`.
    pub fn state_at(&self, cal: &BusinessCalendar, now: Timestamp) -> Result<ClockState, ClockError> {
        let due = self.when_used(cal, self.target, now)?;
        if let Some(met) = self.met_at.filter(|m| *m <= now) {
            let in_time = due.is_none_or(|d| met <= d);
            return Ok(if in_time { ClockState::Met } else { ClockState::Breached });
        }
        if due.is_some_and(|d| now > d) {
            return Ok(ClockState::Breached);
        }
        let paused = self.segments(now).last().is_some_and(|(_, end)| end.is_some());
        Ok(if paused {
            ClockState::Paused
        } else {
            ClockState::Running
        })
    }

    /// The business time counted up to `now` (or up to the stop, if earlier).
    pub fn elapsed_business(&self, cal: &BusinessCalendar, now: Timestamp) -> Result<SignedDuration, ClockError> {
        let end = self.met_at.map_or(now, |m| m.min(now));
        let mut total = SignedDuration::ZERO;
        for (start, stop) in self.segments(end) {
            let stop = stop.map_or(end, |s| s.min(end));
            if stop > start {
                total += business_time_between(cal, start, stop)?;
            }
        }
        Ok(total)
    }

    /// The business time left at `now`; negative once the target is overrun.
    pub fn remaining_business(&self, cal: &BusinessCalendar, now: Timestamp) -> Result<SignedDuration, ClockError> {
        Ok(self.target - self.elapsed_business(cal, now)?)
    }
}

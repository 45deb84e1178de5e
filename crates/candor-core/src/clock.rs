//! Time as a dependency, so rules about deadlines can be tested without waiting.

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;

/// Where the current time comes from.
pub trait Clock: Send + Sync + 'static {
    /// The current moment.
    fn now(&self) -> Timestamp;
}

/// The machine's clock, to the microsecond: the precision every stored time
/// has, so a time kept in a JSON state equals the same time read back from
/// a column (and state rebuilt from the event log equals the state written).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        from_micros(to_micros(Timestamp::now()))
    }
}

/// A clock that only moves when told to; for tests and simulations.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self { now: Mutex::new(start) }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.saturating_add(by).unwrap_or(*now);
    }

    /// Sets the clock to a moment.
    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Microseconds since the Unix epoch: how times are stored.
pub fn to_micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// The moment `micros` after the Unix epoch, clamped to the representable range.
pub fn from_micros(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(if micros < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Timestamp::from_second(1_000).unwrap_or_default();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_secs(90));
        assert_eq!(clock.now().as_second(), 1_090);
    }

    #[test]
    fn micros_round_trip() {
        let t = Timestamp::from_microsecond(1_764_000_000_123_456).unwrap_or_default();
        assert_eq!(from_micros(to_micros(t)), t);
        assert_eq!(from_micros(i64::MAX), Timestamp::MAX);
    }
}

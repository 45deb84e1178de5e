//! Business hours and commitment clocks.
//!
//! A [`BusinessCalendar`] says when a workspace is open: weekly wall-clock intervals in
//! the workspace's own time zone, minus whole-day holidays. Business time is the real
//! time that passes while the calendar is open; a 4-hour reply target counts only open
//! hours, so a message at 17:55 on a Friday with Monday–Friday 09:00–18:00 hours is due
//! on Monday at 12:55.
//!
//! Daylight-saving changes are handled by measuring real time: the open hours of a night
//! on which the clocks change are as long as they really are (see `spans` for how
//! wall-clock times that occur twice or not at all are read).
//!
//! Searches forward are capped at [`SEARCH_HORIZON_DAYS`]: a calendar with no open hours
//! gives an error instead of looping.

mod calendar;
mod clock;
mod spans;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use calendar::{BusinessCalendar, CalendarError, CalendarSpec, OpenInterval, WeeklyHours};
pub use clock::{ClockError, ClockState, CommitmentClock, Pause};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use spans::{SpanWalker, day_spans};

/// How many days forward a search for open time may look before giving up.
pub const SEARCH_HORIZON_DAYS: u32 = 366 * 20;

/// A problem computing with business hours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    /// The calendar is never open.
    #[error("the calendar has no opening hours, so no business time ever passes")]
    NoOpenHours,
    /// The target is negative.
    #[error("a business-time target cannot be negative (got {0})")]
    NegativeTarget(SignedDuration),
    /// The search for open time went past the horizon.
    #[error(
        "no answer within {SEARCH_HORIZON_DAYS} days of the start: the calendar is open too rarely for this target"
    )]
    HorizonExceeded,
    /// The result would fall outside the range of representable times.
    #[error("the time is outside the supported range")]
    OutOfRange,
}

/// The due time: `start` plus `target` of open business time.
///
/// A zero target is due at `start`. When the target runs out exactly as an interval
/// closes, the due time is that closing instant (not the next opening).
pub fn add_business_time(
    cal: &BusinessCalendar,
    start: Timestamp,
    target: SignedDuration,
) -> Result<Timestamp, HoursError> {
    if target.is_negative() {
        return Err(HoursError::NegativeTarget(target));
    }
    if target.is_zero() {
        return Ok(start);
    }
    if cal.is_always_open() {
        return start.checked_add(target).map_err(|_| HoursError::OutOfRange);
    }
    if cal.has_no_hours() {
        return Err(HoursError::NoOpenHours);
    }
    let mut remaining = target;
    let mut walker = SpanWalker::new(cal, start, SEARCH_HORIZON_DAYS);
    while let Some(span) = walker.next_span()? {
        if span.end <= start {
            continue;
        }
        let from = span.start.max(start);
        let available = span.end.duration_since(from);
        if remaining <= available {
            return from.checked_add(remaining).map_err(|_| HoursError::OutOfRange);
        }
        remaining -= available;
    }
    Err(HoursError::HorizonExceeded)
}

/// The open business time between `a` and `b`; negative when `b` is before `a`.
pub fn business_time_between(cal: &BusinessCalendar, a: Timestamp, b: Timestamp) -> Result<SignedDuration, HoursError> {
    if b < a {
        return business_time_between(cal, b, a).map(|d| -d);
    }
    if cal.is_always_open() {
        return Ok(b.duration_since(a));
    }
    let mut total = SignedDuration::ZERO;
    // The walk is bounded by b: a days' count past it is never needed.
    let days = spans::local_date(cal, b)
        .since(spans::local_date(cal, a))
        .map(|s| s.get_days())
        .unwrap_or(0);
    let max_days = u32::try_from(days).unwrap_or(u32::MAX).saturating_add(3);
    let mut walker = SpanWalker::new(cal, a, max_days);
    while let Some(span) = walker.next_span()? {
        if span.start >= b {
            break;
        }
        let from = span.start.max(a);
        let to = span.end.min(b);
        if to > from {
            total += to.duration_since(from);
        }
    }
    Ok(total)
}

/// Whether the calendar is open at `ts` (intervals include their start, not their end).
pub fn is_open(cal: &BusinessCalendar, ts: Timestamp) -> bool {
    let mut walker = SpanWalker::new(cal, ts, 3);
    while let Ok(Some(span)) = walker.next_span() {
        if span.start > ts {
            return false;
        }
        if ts < span.end {
            return true;
        }
    }
    false
}

/// The first open instant at or after `ts`.
pub fn next_open(cal: &BusinessCalendar, ts: Timestamp) -> Result<Timestamp, HoursError> {
    if cal.has_no_hours() {
        return Err(HoursError::NoOpenHours);
    }
    let mut walker = SpanWalker::new(cal, ts, SEARCH_HORIZON_DAYS);
    while let Some(span) = walker.next_span()? {
        if span.end > ts {
            return Ok(span.start.max(ts));
        }
    }
    Err(HoursError::HorizonExceeded)
}

/// The instant business closes on `date` (its last interval's end), or `None` when the
/// date has no open hours (or lies outside the supported range).
pub fn end_of_business_day(cal: &BusinessCalendar, date: Date) -> Option<Timestamp> {
    day_spans(cal, date).ok()?.last().map(|s| s.end)
}

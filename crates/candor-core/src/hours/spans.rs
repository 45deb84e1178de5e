//! Turning wall-clock opening intervals into spans of real time.
//!
//! Each interval of a date becomes one span `[start, end)` of instants. Wall-clock
//! times are mapped to instants by [`resolve`], which is monotone: later wall-clock
//! times never map to earlier instants. That keeps the spans of all days ordered and
//! non-overlapping, even across daylight-saving changes:
//!
//! - a time that occurs twice (the clocks go back) means its first occurrence;
//! - a time that does not exist (the clocks go forward) means the instant of the jump.
//!
//! So 01:00–04:00 on the night the clocks go forward is two hours of real time, and on
//! the night they go back it is four.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};

use super::HoursError;
use super::calendar::{BusinessCalendar, OpenInterval};

/// A span of open time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// The instant a wall-clock time in `tz` stands for (see the module docs).
pub(crate) fn resolve(tz: &TimeZone, dt: DateTime) -> Result<Timestamp, HoursError> {
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    let ts = match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt),
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt),
        AmbiguousOffset::Gap { before, after } => {
            let earliest = after.to_timestamp(dt).map_err(|_| HoursError::OutOfRange)?;
            let latest = before.to_timestamp(dt).map_err(|_| HoursError::OutOfRange)?;
            let jump = tz
                .following(earliest)
                .next()
                .map(|t| t.timestamp())
                .filter(|t| *t <= latest)
                .unwrap_or(latest);
            Ok(jump)
        }
    };
    ts.map_err(|_| HoursError::OutOfRange)
}

/// The wall-clock moment an interval boundary stands for on `date`.
fn boundary(date: Date, time: Time, is_end: bool) -> Result<DateTime, HoursError> {
    if is_end && time == Time::midnight() {
        let next = date.tomorrow().map_err(|_| HoursError::OutOfRange)?;
        Ok(next.to_datetime(Time::midnight()))
    } else {
        Ok(date.to_datetime(time))
    }
}

/// The open spans of one date, in order; empty spans (inside a skipped hour) are left out.
pub(crate) fn day_spans(cal: &BusinessCalendar, date: Date) -> Result<Vec<Span>, HoursError> {
    let tz = cal.time_zone();
    let mut out = Vec::new();
    for OpenInterval { start, end } in cal.intervals_on(date) {
        let start = resolve(tz, boundary(date, *start, false)?)?;
        let end = resolve(tz, boundary(date, *end, true)?)?;
        if end > start {
            out.push(Span { start, end });
        }
    }
    Ok(out)
}

/// The wall-clock date of an instant in the calendar's zone.
pub(crate) fn local_date(cal: &BusinessCalendar, ts: Timestamp) -> Date {
    cal.time_zone().to_datetime(ts).date()
}

/// Walks the open spans forward from a date, giving up after `max_days` dates.
pub(crate) struct SpanWalker<'c> {
    cal: &'c BusinessCalendar,
    date: Date,
    days_left: u32,
    pending: std::vec::IntoIter<Span>,
}

impl<'c> SpanWalker<'c> {
    /// Starts at the date before `from`'s wall-clock date, so no span touching `from` is missed.
    pub fn new(cal: &'c BusinessCalendar, from: Timestamp, max_days: u32) -> Self {
        let date = local_date(cal, from);
        let date = date.yesterday().unwrap_or(date);
        Self {
            cal,
            date,
            days_left: max_days,
            pending: Vec::new().into_iter(),
        }
    }

    /// The next span, `Ok(None)` when the search horizon is used up.
    pub fn next_span(&mut self) -> Result<Option<Span>, HoursError> {
        loop {
            if let Some(span) = self.pending.next() {
                return Ok(Some(span));
            }
            if self.days_left == 0 {
                return Ok(None);
            }
            self.days_left -= 1;
            self.pending = day_spans(self.cal, self.date)?.into_iter();
            self.date = self.date.tomorrow().map_err(|_| HoursError::OutOfRange)?;
        }
    }
}

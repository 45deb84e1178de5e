//! The business calendar: a time zone, weekly opening hours and holidays.

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// A problem with a calendar's definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The time zone name is not in the time zone database.
    #[error("unknown time zone {0:?}; use an IANA name such as \"Europe/Berlin\"")]
    UnknownTimeZone(String),
    /// An interval ends at or before it starts.
    #[error("on {day} the hours {interval} end before they start (use 00:00 as the end for midnight)")]
    EndNotAfterStart {
        /// The weekday of the interval.
        day: String,
        /// The offending interval.
        interval: OpenInterval,
    },
    /// Two intervals of one weekday overlap.
    #[error("on {day} the hours {first} and {second} overlap")]
    Overlap {
        /// The weekday of the intervals.
        day: String,
        /// The earlier interval.
        first: OpenInterval,
        /// The later interval, which starts before the earlier one ends.
        second: OpenInterval,
    },
}

/// One span of opening hours within a day, from `start` up to (not including) `end`.
///
/// An `end` of 00:00 means midnight at the end of the day, so 00:00–00:00 is the whole day.
/// Intervals do not run past midnight: split 22:00–02:00 into two days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OpenInterval {
    /// The wall-clock time the interval opens.
    pub start: Time,
    /// The wall-clock time the interval closes; 00:00 means the end of the day.
    pub end: Time,
}

impl OpenInterval {
    /// An interval from `start` to `end` (00:00 as `end` meaning midnight at the day's end).
    pub fn new(start: Time, end: Time) -> Self {
        Self { start, end }
    }

    /// The whole day, 00:00 to midnight.
    pub fn whole_day() -> Self {
        Self::new(Time::midnight(), Time::midnight())
    }

    /// Whether the interval runs to midnight at the end of the day.
    pub fn ends_at_midnight(&self) -> bool {
        self.end == Time::midnight()
    }

    fn end_is_after_start(&self) -> bool {
        self.ends_at_midnight() || self.end > self.start
    }
}

impl fmt::Display for OpenInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = if self.ends_at_midnight() {
            "24:00".to_string()
        } else {
            hhmm(self.end)
        };
        write!(f, "{}–{}", hhmm(self.start), end)
    }
}

fn hhmm(t: Time) -> String {
    if t.second() == 0 && t.subsec_nanosecond() == 0 {
        format!("{:02}:{:02}", t.hour(), t.minute())
    } else {
        t.to_string()
    }
}

/// Opening hours for each day of the week.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeeklyHours {
    /// Monday's intervals.
    pub mon: Vec<OpenInterval>,
    /// Tuesday's intervals.
    pub tue: Vec<OpenInterval>,
    /// Wednesday's intervals.
    pub wed: Vec<OpenInterval>,
    /// Thursday's intervals.
    pub thu: Vec<OpenInterval>,
    /// Friday's intervals.
    pub fri: Vec<OpenInterval>,
    /// Saturday's intervals.
    pub sat: Vec<OpenInterval>,
    /// Sunday's intervals.
    pub sun: Vec<OpenInterval>,
}

impl WeeklyHours {
    /// The same intervals on Monday to Friday, closed at the weekend.
    pub fn weekdays(intervals: &[OpenInterval]) -> Self {
        let v = intervals.to_vec();
        Self {
            mon: v.clone(),
            tue: v.clone(),
            wed: v.clone(),
            thu: v.clone(),
            fri: v,
            sat: Vec::new(),
            sun: Vec::new(),
        }
    }

    /// The same intervals on every day of the week.
    pub fn every_day(intervals: &[OpenInterval]) -> Self {
        let mut w = Self::weekdays(intervals);
        w.sat = intervals.to_vec();
        w.sun = intervals.to_vec();
        w
    }

    /// The intervals of one weekday.
    pub fn day(&self, day: Weekday) -> &[OpenInterval] {
        match day {
            Weekday::Monday => &self.mon,
            Weekday::Tuesday => &self.tue,
            Weekday::Wednesday => &self.wed,
            Weekday::Thursday => &self.thu,
            Weekday::Friday => &self.fri,
            Weekday::Saturday => &self.sat,
            Weekday::Sunday => &self.sun,
        }
    }

    /// The intervals of one weekday, for changing them.
    pub fn day_mut(&mut self, day: Weekday) -> &mut Vec<OpenInterval> {
        match day {
            Weekday::Monday => &mut self.mon,
            Weekday::Tuesday => &mut self.tue,
            Weekday::Wednesday => &mut self.wed,
            Weekday::Thursday => &mut self.thu,
            Weekday::Friday => &mut self.fri,
            Weekday::Saturday => &mut self.sat,
            Weekday::Sunday => &mut self.sun,
        }
    }

    /// Whether no day has any interval.
    pub fn is_empty(&self) -> bool {
        ALL_DAYS.iter().all(|d| self.day(*d).is_empty())
    }
}

const ALL_DAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// The serialised form of a calendar: what a workspace stores and edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarSpec {
    /// IANA time zone name, e.g. "Europe/Berlin".
    pub time_zone: String,
    /// Weekly opening hours in that zone's wall-clock time.
    #[serde(default)]
    pub weekly: WeeklyHours,
    /// Whole days (in that zone) on which the business is closed.
    #[serde(default)]
    pub holidays: BTreeSet<Date>,
}

/// A validated business calendar: when a workspace is open, in its own time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CalendarSpec", into = "CalendarSpec")]
pub struct BusinessCalendar {
    time_zone: TimeZone,
    time_zone_name: String,
    weekly: WeeklyHours,
    holidays: BTreeSet<Date>,
}

impl BusinessCalendar {
    /// Builds a calendar, checking the zone name and that each day's intervals are
    /// well formed and do not overlap. Intervals are kept sorted by start.
    pub fn new(time_zone_name: &str, mut weekly: WeeklyHours, holidays: BTreeSet<Date>) -> Result<Self, CalendarError> {
        let name = time_zone_name.trim();
        let time_zone = TimeZone::get(name).map_err(|_| CalendarError::UnknownTimeZone(shorten(time_zone_name)))?;
        for day in ALL_DAYS {
            let intervals = weekly.day_mut(day);
            intervals.sort();
            for interval in intervals.iter() {
                if !interval.end_is_after_start() {
                    return Err(CalendarError::EndNotAfterStart {
                        day: day_name(day),
                        interval: *interval,
                    });
                }
            }
            for pair in intervals.windows(2) {
                let (first, second) = (pair[0], pair[1]);
                if first.ends_at_midnight() || second.start < first.end {
                    return Err(CalendarError::Overlap {
                        day: day_name(day),
                        first,
                        second,
                    });
                }
            }
        }
        Ok(Self {
            time_zone,
            time_zone_name: name.to_string(),
            weekly,
            holidays,
        })
    }

    /// A calendar that is open around the clock every day, in UTC.
    pub fn always_open() -> Self {
        Self {
            time_zone: TimeZone::UTC,
            time_zone_name: "UTC".to_string(),
            weekly: WeeklyHours::every_day(&[OpenInterval::whole_day()]),
            holidays: BTreeSet::new(),
        }
    }

    /// The time zone the hours are read in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// The IANA name of the time zone.
    pub fn time_zone_name(&self) -> &str {
        &self.time_zone_name
    }

    /// The weekly opening hours.
    pub fn weekly(&self) -> &WeeklyHours {
        &self.weekly
    }

    /// The closed days.
    pub fn holidays(&self) -> &BTreeSet<Date> {
        &self.holidays
    }

    /// Whether `date` is a holiday.
    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.contains(&date)
    }

    /// The opening intervals of a date: none on holidays.
    pub fn intervals_on(&self, date: Date) -> &[OpenInterval] {
        if self.is_holiday(date) {
            &[]
        } else {
            self.weekly.day(date.weekday())
        }
    }

    /// Whether the calendar has no opening hours in any week.
    pub fn has_no_hours(&self) -> bool {
        self.weekly.is_empty()
    }

    /// Whether every day is open around the clock with no holidays.
    pub(crate) fn is_always_open(&self) -> bool {
        self.holidays.is_empty()
            && ALL_DAYS
                .iter()
                .all(|d| self.weekly.day(*d) == [OpenInterval::whole_day()])
    }

    /// The serialisable description of this calendar.
    pub fn to_spec(&self) -> CalendarSpec {
        CalendarSpec {
            time_zone: self.time_zone_name.clone(),
            weekly: self.weekly.clone(),
            holidays: self.holidays.clone(),
        }
    }
}

impl TryFrom<CalendarSpec> for BusinessCalendar {
    type Error = CalendarError;

    fn try_from(spec: CalendarSpec) -> Result<Self, Self::Error> {
        Self::new(&spec.time_zone, spec.weekly, spec.holidays)
    }
}

impl From<BusinessCalendar> for CalendarSpec {
    fn from(cal: BusinessCalendar) -> Self {
        cal.to_spec()
    }
}

fn day_name(day: Weekday) -> String {
    format!("{day:?}")
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

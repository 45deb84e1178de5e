//! Turning a relative [`DueSpec`] into a moment, over a working calendar.

use jiff::Zoned;
use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Serialize};

use super::due::DueSpec;

/// The business days and hours a due time is computed over. The rest of the
/// project adapts its own business-hours calendar to this trait.
pub trait WorkingCalendar {
    /// Whether `date` is a working day.
    fn is_business_day(&self, date: Date) -> bool;
    /// When the working day `date` ends (the default due time of a day).
    fn end_of_day(&self, date: Date) -> Time;
    /// When the working day `date` starts.
    fn start_of_day(&self, date: Date) -> Time;
}

/// Monday to Friday, the same hours every day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MondayToFriday {
    /// Opening time.
    pub open: Time,
    /// Closing time.
    pub close: Time,
}

impl Default for MondayToFriday {
    /// 09:00 to 17:00.
    fn default() -> Self {
        MondayToFriday {
            open: Time::constant(9, 0, 0, 0),
            close: Time::constant(17, 0, 0, 0),
        }
    }
}

impl WorkingCalendar for MondayToFriday {
    fn is_business_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
    }
    fn end_of_day(&self, _date: Date) -> Time {
        self.close
    }
    fn start_of_day(&self, _date: Date) -> Time {
        self.open
    }
}

/// Longest search for a business day before giving up on the calendar.
const MAX_SCAN_DAYS: usize = 400;

fn next_day(d: Date) -> Date {
    d.tomorrow().unwrap_or(d)
}

/// Today when it is a business day, else the next one; then `ahead` more
/// business days. A calendar with no business days falls back to plain days.
fn business_day(today: Date, ahead: u32, cal: &dyn WorkingCalendar) -> Date {
    let mut d = today;
    let mut scanned = 0;
    while !cal.is_business_day(d) && scanned < MAX_SCAN_DAYS {
        d = next_day(d);
        scanned += 1;
    }
    if scanned >= MAX_SCAN_DAYS {
        d = today;
        for _ in 0..ahead.min(MAX_SCAN_DAYS as u32) {
            d = next_day(d);
        }
        return d;
    }
    let mut left = ahead.min(MAX_SCAN_DAYS as u32);
    while left > 0 && scanned < MAX_SCAN_DAYS * 2 {
        d = next_day(d);
        scanned += 1;
        if cal.is_business_day(d) {
            left -= 1;
        }
    }
    d
}

fn at(date: Date, time: Time, now: &Zoned) -> Zoned {
    date.to_datetime(time)
        .to_zoned(now.time_zone().clone())
        .unwrap_or_else(|_| now.clone())
}

fn nearest_weekday(today: Date, weekday: Weekday) -> Date {
    let mut d = today;
    for _ in 0..7 {
        if d.weekday() == weekday {
            return d;
        }
        d = next_day(d);
    }
    d
}

fn calendar_date(today: Date, month: i8, day: i8, year: Option<i16>) -> Date {
    let make = |y: i16| {
        let first = Date::new(y, month.clamp(1, 12), 1).unwrap_or(today);
        let day = day.clamp(1, first.days_in_month());
        Date::new(y, month.clamp(1, 12), day).unwrap_or(today)
    };
    match year {
        Some(y) => make(y),
        None => {
            let this_year = make(today.year());
            if this_year >= today {
                this_year
            } else {
                make(today.year().saturating_add(1))
            }
        }
    }
}

/// The moment `spec` falls due, for a promise made at `now`, in `now`'s
/// time zone.
///
/// Rules: "today"/"tomorrow" count business days (today when it is one);
/// "within N business days" is due on the Nth business day after today at
/// the clock time it was said, moved into that day's business hours (said
/// at 19:00, due at closing time; said at 07:00, at opening time);
/// a day without a clock time is due at the calendar's end of that day;
/// "today" said after closing time is due at the end of the calendar day;
/// a weekday is the nearest one, today included; a date without a year is
/// the next such date, today included. Never panics; arithmetic that leaves
/// jiff's range yields `now`.
pub fn resolve_due(spec: &DueSpec, now: &Zoned, cal: &dyn WorkingCalendar) -> Zoned {
    let today = now.date();
    match *spec {
        DueSpec::Within(d) => now.checked_add(d).unwrap_or_else(|_| now.clone()),
        DueSpec::WithinBusinessDays { business_days } => {
            // Count business days after today, then keep the clock time of
            // the promise within that day's business hours.
            let d = business_day(next_day(today), business_days.saturating_sub(1), cal);
            let time = now.time().max(cal.start_of_day(d)).min(cal.end_of_day(d));
            at(d, time, now)
        }
        DueSpec::EndOfBusinessDay { business_days_ahead } => {
            let d = business_day(today, business_days_ahead, cal);
            let due = at(d, cal.end_of_day(d), now);
            if due < *now && d == today {
                at(today, Time::constant(23, 59, 59, 0), now)
            } else {
                due
            }
        }
        DueSpec::BusinessDayAt {
            business_days_ahead,
            time,
        } => {
            let d = business_day(today, business_days_ahead, cal);
            at(d, time, now)
        }
        DueSpec::Weekday { weekday, time } => {
            let d = nearest_weekday(today, weekday);
            at(d, time.unwrap_or_else(|| cal.end_of_day(d)), now)
        }
        DueSpec::Date { month, day, year, time } => {
            let d = calendar_date(today, month, day, year);
            at(d, time.unwrap_or_else(|| cal.end_of_day(d)), now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    fn now(s: &str) -> Zoned {
        s.parse().unwrap_or_else(|_| Zoned::now())
    }

    fn show(z: &Zoned) -> String {
        z.strftime("%Y-%m-%d %H:%M %a").to_string()
    }

    #[test]
    fn resolves_relative_days_over_weekends() {
        let cal = MondayToFriday::default();
        // Friday 2026-03-06 at 10:00 in Berlin.
        let fri = now("2026-03-06T10:00[Europe/Berlin]");
        let eod = |n| DueSpec::EndOfBusinessDay { business_days_ahead: n };
        assert_eq!(show(&resolve_due(&eod(0), &fri, &cal)), "2026-03-06 17:00 Fri");
        assert_eq!(show(&resolve_due(&eod(1), &fri, &cal)), "2026-03-09 17:00 Mon");
        let at10 = DueSpec::BusinessDayAt {
            business_days_ahead: 1,
            time: Time::constant(10, 0, 0, 0),
        };
        assert_eq!(show(&resolve_due(&at10, &fri, &cal)), "2026-03-09 10:00 Mon");
        let sat = now("2026-03-07T10:00[Europe/Berlin]");
        assert_eq!(show(&resolve_due(&eod(0), &sat, &cal)), "2026-03-09 17:00 Mon");
        let late = now("2026-03-06T19:00[Europe/Berlin]");
        assert_eq!(show(&resolve_due(&eod(0), &late, &cal)), "2026-03-06 23:59 Fri");
    }

    #[test]
    fn resolves_within_weekday_and_date() {
        let cal = MondayToFriday::default();
        let wed = now("2026-03-04T10:00[Europe/Berlin]");
        let within = DueSpec::Within(SignedDuration::from_hours(24));
        assert_eq!(show(&resolve_due(&within, &wed, &cal)), "2026-03-05 10:00 Thu");
        let fri = DueSpec::Weekday {
            weekday: Weekday::Friday,
            time: None,
        };
        assert_eq!(show(&resolve_due(&fri, &wed, &cal)), "2026-03-06 17:00 Fri");
        let d = DueSpec::Date {
            month: 3,
            day: 3,
            year: None,
            time: None,
        };
        assert_eq!(show(&resolve_due(&d, &wed, &cal)), "2027-03-03 17:00 Wed");
        let feb30 = DueSpec::Date {
            month: 2,
            day: 30,
            year: Some(2027),
            time: None,
        };
        assert_eq!(show(&resolve_due(&feb30, &wed, &cal)), "2027-02-28 17:00 Sun");
    }

    struct Never;
    impl WorkingCalendar for Never {
        fn is_business_day(&self, _: Date) -> bool {
            false
        }
        fn end_of_day(&self, _: Date) -> Time {
            Time::constant(17, 0, 0, 0)
        }
        fn start_of_day(&self, _: Date) -> Time {
            Time::constant(9, 0, 0, 0)
        }
    }

    #[test]
    fn a_calendar_without_business_days_still_resolves() {
        let wed = now("2026-03-04T10:00[Europe/Berlin]");
        let eod = DueSpec::EndOfBusinessDay { business_days_ahead: 2 };
        assert_eq!(show(&resolve_due(&eod, &wed, &Never)), "2026-03-06 17:00 Fri");
    }
}

//! Quiet hours: the hours in which a customer does not want to hear from us.

use crate::customer::QuietHours;
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

fn time_of(raw: &str) -> Option<Time> {
    raw.trim().parse().ok()
}

/// If `now` falls in the quiet hours (`start` to `end`, in `tz`; an `end`
/// before `start` runs over midnight), the moment they end; otherwise
/// `None`. Equal start and end mean no quiet hours. Across a daylight-saving
/// change the end is read as the clock on the wall shows it (a time that does
/// not exist that day moves forward past the gap).
pub fn quiet_until(quiet: &QuietHours, tz: &TimeZone, now: Timestamp) -> Option<Timestamp> {
    let (start, end) = (time_of(&quiet.start)?, time_of(&quiet.end)?);
    if start == end {
        return None;
    }
    let here = now.to_zoned(tz.clone());
    let (date, t) = (here.date(), here.time());
    let end_date = if start < end {
        if !(start <= t && t < end) {
            return None;
        }
        date
    } else if t >= start {
        date.tomorrow().ok()?
    } else if t < end {
        date
    } else {
        return None;
    };
    let until = end_date.to_datetime(end).to_zoned(tz.clone()).ok()?.timestamp();
    (until > now).then_some(until)
}

//! Weeks and the trend: counts are kept per week (weeks start on Monday,
//! 00:00 UTC) beside the all-time total, and the trend is the score as it
//! stood at the end of each of the last [`TREND_WEEKS`] weeks.

use super::signals::Counts;

/// How many weeks the trend shows, this one included.
pub const TREND_WEEKS: i64 = 12;
/// The week number that stands for "all time" in stored rows.
pub const ALL_TIME: i64 = -1;

const WEEK_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;
/// 1 January 1970 was a Thursday: Monday 29 December 1969 starts week 0.
const MONDAY_OFFSET_MICROS: i64 = 3 * 24 * 3600 * 1_000_000;

/// The week (counted from the week of 1 January 1970) a moment falls in.
pub fn week_of(micros: i64) -> i64 {
    micros.saturating_add(MONDAY_OFFSET_MICROS).div_euclid(WEEK_MICROS)
}

/// When a week starts, in microseconds since the epoch.
pub fn week_start(week: i64) -> i64 {
    week.saturating_mul(WEEK_MICROS).saturating_sub(MONDAY_OFFSET_MICROS)
}

/// The first week the trend shows when `current` is this week.
pub fn first_trend_week(current: i64) -> i64 {
    current - (TREND_WEEKS - 1)
}

/// The counts as they stood at the end of each week from
/// [`first_trend_week`] to `current`, oldest first: the total less every
/// week after it. `weeks` holds the counts added in each week (any order;
/// weeks before the trend's first are not needed).
pub fn counts_by_week(total: &Counts, weeks: &[(i64, Counts)], current: i64) -> Vec<(i64, Counts)> {
    let first = first_trend_week(current);
    (first..=current)
        .map(|w| {
            let mut at = *total;
            for (week, c) in weeks {
                if *week > w {
                    at.sub_all(c);
                }
            }
            (w, at)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::signals::{SignalKey, UNIT};

    #[test]
    fn weeks_start_on_monday_midnight_utc() {
        let monday: jiff::Timestamp = "2026-03-02T00:00:00Z".parse().unwrap_or_default();
        let m = monday.as_microsecond();
        assert_eq!(week_of(m), week_of(m + WEEK_MICROS - 1));
        assert_eq!(week_of(m - 1) + 1, week_of(m));
        assert_eq!(week_start(week_of(m)), m);
        assert_eq!(week_of(0), 0);
        assert_eq!(week_of(-MONDAY_OFFSET_MICROS - 1), -1, "before 1970 too");
    }

    #[test]
    fn the_trend_takes_later_weeks_off_the_total() {
        let mut w10 = Counts::default();
        w10.add(SignalKey::PromisesKept, UNIT, UNIT);
        let mut w12 = Counts::default();
        w12.add(SignalKey::PromisesKept, 0, UNIT);
        let mut total = w10;
        total.add_all(&w12);
        let trend = counts_by_week(&total, &[(10, w10), (12, w12)], 12);
        assert_eq!(trend.len() as i64, TREND_WEEKS);
        assert_eq!(trend[0].0, 1);
        let at = |w: i64| trend.iter().find(|(x, _)| *x == w).map(|(_, c)| *c).unwrap_or_default();
        assert_eq!(at(9), Counts::default());
        assert_eq!(at(11), w10);
        assert_eq!(at(12), total);
    }
}

//! The commitments the data set's workspace publishes: per channel and
//! priority first-reply, next-reply and resolution targets in Berlin's
//! business hours with Germany's public holidays closed.

use anyhow::{Result, anyhow};
use candor_core::commitments::{Commitment, Commitments, RedressAction, Target};
use candor_core::hours::{BusinessCalendar, OpenInterval, WeeklyHours};
use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;

/// (channel, priority, first reply, next reply, resolution)
type Row5 = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

/// Targets for every channel and priority the inbox sees: chat answers
/// sooner, the phone line commits to call-backs and a resolution, social
/// media to replies only. Resolution counts the days a conversation waits on
/// the customer's next message too, so its targets are business weeks.
const TARGETS: &[Row5] = &[
    ("email", "urgent", "PT2H", Some("PT4H"), Some("P3D")),
    ("email", "high", "PT3H", Some("PT6H"), Some("P4D")),
    ("email", "normal", "PT4H", Some("PT8H"), Some("P5D")),
    ("email", "low", "PT8H", Some("P1D"), Some("P10D")),
    ("chat", "urgent", "PT1H", Some("PT2H"), Some("P2D")),
    ("chat", "high", "PT2H", Some("PT3H"), Some("P3D")),
    ("chat", "normal", "PT3H", Some("PT4H"), Some("P4D")),
    ("chat", "low", "PT4H", Some("PT8H"), Some("P5D")),
    ("api", "urgent", "PT2H", Some("PT4H"), Some("P3D")),
    ("api", "high", "PT3H", Some("PT6H"), Some("P4D")),
    ("api", "normal", "PT4H", Some("PT8H"), Some("P5D")),
    ("api", "low", "PT8H", Some("P1D"), Some("P10D")),
    ("phone", "urgent", "PT2H", None, Some("P3D")),
    ("phone", "high", "PT3H", None, Some("P4D")),
    ("phone", "normal", "PT4H", None, Some("P5D")),
    ("phone", "low", "PT8H", None, Some("P10D")),
    ("social", "urgent", "PT2H", Some("PT4H"), None),
    ("social", "high", "PT3H", Some("PT6H"), None),
    ("social", "normal", "PT4H", Some("PT8H"), None),
    ("social", "low", "PT8H", Some("P1D"), None),
];

const REDRESS: &str = "When we miss a commitment we tell you so, apologise in our own words and take 10% off your next order or repair. If a repair is late, we lend you a bike until yours is back.";

/// Easter Sunday of `year` (the Gregorian computus).
pub fn easter(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let g = (8 * b + 13) / 25;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 19 * l) / 433;
    let month = (h + l - 7 * m + 90) / 25;
    let day = (h + l - 7 * m + 33 * month + 19) % 32;
    Date::new(year, month as i8, day as i8).ok()
}

/// Germany's nationwide public holidays from `from` to `to` (years).
pub fn holidays(from: i16, to: i16) -> BTreeSet<Date> {
    let mut out = BTreeSet::new();
    for year in from..=to {
        for (m, d) in [(1, 1), (5, 1), (10, 3), (12, 25), (12, 26)] {
            out.extend(Date::new(year, m, d).ok());
        }
        if let Some(e) = easter(year) {
            // Good Friday, Easter Monday, Ascension, Whit Monday.
            for days in [-2, 1, 39, 50] {
                out.extend(e.checked_add(SignedDuration::from_hours(24 * days)).ok());
            }
        }
    }
    out
}

/// The commitments the workspace publishes: the targets above in Berlin's
/// business hours (weekdays 08:00–20:00, Saturday 10:00–16:00, public
/// holidays closed), a warning at three quarters of a target, and redress
/// that tells the leads, lists a task and drafts an apology.
pub fn terms(now: Timestamp) -> Result<Commitments> {
    let open = |from: i8, to: i8| OpenInterval::new(Time::constant(from, 0, 0, 0), Time::constant(to, 0, 0, 0));
    let mut week = WeeklyHours::weekdays(&[open(8, 20)]);
    week.sat = vec![open(10, 16)];
    let year = now.to_zoned(jiff::tz::TimeZone::UTC).year();
    let calendar = BusinessCalendar::new("Europe/Berlin", week, holidays(year - 3, year + 1))
        .map_err(|e| anyhow!("the business calendar: {e}"))?;
    let target = |s: &str| s.parse::<Target>().map_err(|e| anyhow!("{s}: {e}"));
    let mut commitments = Vec::with_capacity(TARGETS.len());
    for (channel, priority, first, next, resolution) in TARGETS {
        commitments.push(Commitment {
            channel: channel.to_string(),
            priority: priority.to_string(),
            first_reply: Some(target(first)?),
            next_reply: next.map(target).transpose()?,
            resolution: resolution.map(target).transpose()?,
        });
    }
    Ok(Commitments {
        calendar,
        warn_at: 0.75,
        commitments,
        redress: REDRESS.into(),
        redress_actions: vec![
            RedressAction::NotifyLead,
            RedressAction::RedressTask,
            RedressAction::DraftApology,
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn easter_and_the_holidays_around_it() {
        assert_eq!(easter(2025), Date::new(2025, 4, 20).ok());
        assert_eq!(easter(2026), Date::new(2026, 4, 5).ok());
        let h = holidays(2026, 2026);
        assert!(h.contains(&Date::constant(2026, 4, 3)), "Good Friday");
        assert!(h.contains(&Date::constant(2026, 5, 25)), "Whit Monday");
        assert_eq!(h.len(), 9);
    }

    #[test]
    fn the_published_terms_are_valid() -> Result<()> {
        let c = terms(ts("2026-03-02T09:00:00Z"))?;
        c.validate().map_err(|e| anyhow!("{e}"))?;
        for ch in ["email", "chat", "api", "phone", "social"] {
            for p in ["low", "normal", "high", "urgent"] {
                assert!(c.for_conversation(ch, p).is_some(), "{ch} {p}");
            }
        }
        Ok(())
    }
}

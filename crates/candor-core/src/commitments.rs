//! Public commitments: for each channel and priority, how fast the company
//! answers and resolves, in which hours, and what it does when it misses.
//!
//! Targets are durations of *business time*: a calendar's open hours count,
//! closed hours and holidays do not. In targets a day ("P2D") is one business
//! day: as long as the calendar's longest open day (9 hours for 09:00–18:00,
//! 24 hours around the clock), so "two days" means two business days.

use crate::hours::{BusinessCalendar, HoursError, add_business_time};
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};

/// Channels a commitment can cover.
pub const CHANNELS: &[&str] = &["email", "chat", "phone", "social", "api", "community"];
/// Priorities a commitment can cover.
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];

/// What can be wrong with commitments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CommitmentError {
    /// The field at fault, e.g. "targets[2].first_reply".
    pub field: String,
    /// A sentence for people.
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> CommitmentError {
    CommitmentError {
        field: field.into(),
        message: message.into(),
    }
}

/// A duration as written in commitments: ISO 8601 (`PT4H`, `P2D`, `PT30M`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Target {
    days: i64,
    minutes: i64,
}

impl Target {
    /// Hours and minutes of business time.
    pub fn minutes(minutes: i64) -> Self {
        Self { days: 0, minutes }
    }

    /// Whole business days.
    pub fn days(days: i64) -> Self {
        Self { days, minutes: 0 }
    }

    /// The target as business time on `calendar`.
    pub fn business_time(&self, calendar: &BusinessCalendar) -> SignedDuration {
        SignedDuration::from_mins(self.minutes) + business_day(calendar) * (self.days as i32)
    }

    /// The moment the target is due when the clock starts at `start`.
    pub fn due(&self, calendar: &BusinessCalendar, start: Timestamp) -> Result<Timestamp, HoursError> {
        add_business_time(calendar, start, self.business_time(calendar))
    }

    /// Plain words: "4 hours", "2 business days", "1 day and 2 hours".
    pub fn words(&self, around_the_clock: bool) -> String {
        let mut parts = Vec::new();
        if self.days > 0 {
            let unit = if around_the_clock { "day" } else { "business day" };
            parts.push(plural(self.days, unit));
        }
        let (h, m) = (self.minutes / 60, self.minutes % 60);
        if h > 0 {
            parts.push(plural(h, "hour"));
        }
        if m > 0 {
            parts.push(plural(m, "minute"));
        }
        if parts.is_empty() {
            "at once".into()
        } else {
            parts.join(" and ")
        }
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The length of a business day: the calendar's longest open day.
pub fn business_day(calendar: &BusinessCalendar) -> SignedDuration {
    use jiff::civil::Weekday::*;
    let longest = [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]
        .into_iter()
        .map(|d| {
            calendar.weekly().day(d).iter().fold(SignedDuration::ZERO, |acc, i| {
                let end = if i.ends_at_midnight() {
                    SignedDuration::from_hours(24)
                } else {
                    time_of_day(i.end)
                };
                acc + (end - time_of_day(i.start))
            })
        })
        .max()
        .unwrap_or(SignedDuration::ZERO);
    if longest.is_zero() {
        SignedDuration::from_hours(24)
    } else {
        longest
    }
}

fn time_of_day(t: jiff::civil::Time) -> SignedDuration {
    SignedDuration::from_secs(i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second()))
}

impl TryFrom<String> for Target {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Target> for String {
    fn from(t: Target) -> String {
        t.to_string()
    }
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("\"{s}\" is not a duration like PT4H, PT30M or P2D");
        let span: Span = s.trim().parse().map_err(|_| bad())?;
        if span.get_years() != 0 || span.get_months() != 0 || span.get_weeks() != 0 || span.is_negative() {
            return Err(format!("\"{s}\": use days, hours and minutes only (P2D, PT4H, PT30M)"));
        }
        let minutes = i64::from(span.get_hours()) * 60 + span.get_minutes() + span.get_seconds() / 60;
        let days = i64::from(span.get_days());
        if days == 0 && minutes == 0 {
            return Err(format!("\"{s}\" is no time at all"));
        }
        if days > 365 || minutes > 365 * 24 * 60 {
            return Err(format!("\"{s}\" is longer than a year"));
        }
        Ok(Target { days, minutes })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P")?;
        if self.days > 0 {
            write!(f, "{}D", self.days)?;
        }
        if self.minutes > 0 {
            write!(f, "T")?;
            let (h, m) = (self.minutes / 60, self.minutes % 60);
            if h > 0 {
                write!(f, "{h}H")?;
            }
            if m > 0 {
                write!(f, "{m}M")?;
            }
        }
        Ok(())
    }
}

/// What the company commits to for one channel and priority.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Commitment {
    /// email, chat, phone, social, api or community.
    pub channel: String,
    /// low, normal, high or urgent.
    pub priority: String,
    /// Time to the first reply.
    pub first_reply: Option<Target>,
    /// Time to each later reply after the customer writes again.
    #[serde(default)]
    pub next_reply: Option<Target>,
    /// Time to a resolution.
    #[serde(default)]
    pub resolution: Option<Target>,
}

/// What the company does when it misses a commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RedressAction {
    /// Tell the team lead at once.
    NotifyLead,
    /// Open a redress task for the team.
    RedressTask,
    /// Draft an apology with the remedy for an agent to send.
    DraftApology,
}

/// A workspace's commitments, as one version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Commitments {
    /// When clocks run: business hours in a time zone, or around the clock.
    pub calendar: BusinessCalendar,
    /// Warn the assignee when this share of a target is used (0.5–0.95).
    pub warn_at: f64,
    /// The targets.
    pub commitments: Vec<Commitment>,
    /// What customers are told the company does when it misses.
    pub redress: String,
    /// What Candor does when a target is missed.
    pub redress_actions: Vec<RedressAction>,
}

impl Commitments {
    /// Checks values a person typed: known channels and priorities, one
    /// commitment per pair, a sane warning share, a redress to show.
    pub fn validate(&self) -> Result<(), CommitmentError> {
        if !(0.5..=0.95).contains(&self.warn_at) {
            return Err(err("warn_at", "warn between half (0.5) and 95% (0.95) of a target"));
        }
        if self.calendar.has_no_hours() {
            return Err(err(
                "calendar",
                "the calendar has no open hours, so no clock could ever run",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in self.commitments.iter().enumerate() {
            if !CHANNELS.contains(&c.channel.as_str()) {
                return Err(err(
                    format!("commitments[{i}].channel"),
                    format!("\"{}\" is not a channel: use {}", c.channel, CHANNELS.join(", ")),
                ));
            }
            if !PRIORITIES.contains(&c.priority.as_str()) {
                return Err(err(
                    format!("commitments[{i}].priority"),
                    format!("\"{}\" is not a priority: use {}", c.priority, PRIORITIES.join(", ")),
                ));
            }
            if !seen.insert((c.channel.clone(), c.priority.clone())) {
                return Err(err(
                    format!("commitments[{i}]"),
                    format!("{} at {} priority is committed twice", c.channel, c.priority),
                ));
            }
            if c.first_reply.is_none() && c.next_reply.is_none() && c.resolution.is_none() {
                return Err(err(
                    format!("commitments[{i}]"),
                    "a commitment needs at least one target",
                ));
            }
        }
        let redress = self.redress.trim();
        if redress.is_empty() || redress.chars().count() > 2000 {
            return Err(err(
                "redress",
                "say in 1 to 2000 characters what you do when you miss a commitment",
            ));
        }
        Ok(())
    }

    /// The commitment for a conversation's channel and priority, if any.
    pub fn for_conversation(&self, channel: &str, priority: &str) -> Option<&Commitment> {
        self.commitments
            .iter()
            .find(|c| c.channel == channel && c.priority == priority)
    }

    /// Whether clocks run around the clock.
    pub fn around_the_clock(&self) -> bool {
        business_day(&self.calendar) == SignedDuration::from_hours(24) && self.calendar.holidays().is_empty() && {
            use jiff::civil::Weekday::*;
            [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]
                .into_iter()
                .all(|d| {
                    self.calendar
                        .weekly()
                        .day(d)
                        .iter()
                        .any(|i| i.start == jiff::civil::Time::midnight() && i.ends_at_midnight())
                })
        }
    }

    /// The hours in plain words: "Monday to Friday, 09:00–18:00 (Europe/Berlin)".
    pub fn hours_words(&self) -> String {
        if self.around_the_clock() {
            return "around the clock, every day".into();
        }
        use jiff::civil::Weekday::*;
        let days = [
            (Monday, "Monday"),
            (Tuesday, "Tuesday"),
            (Wednesday, "Wednesday"),
            (Thursday, "Thursday"),
            (Friday, "Friday"),
            (Saturday, "Saturday"),
            (Sunday, "Sunday"),
        ];
        let describe = |d| {
            self.calendar
                .weekly()
                .day(d)
                .iter()
                .map(|i| {
                    let end = if i.ends_at_midnight() {
                        "24:00".to_string()
                    } else {
                        i.end.strftime("%H:%M").to_string()
                    };
                    format!("{}–{end}", i.start.strftime("%H:%M"))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Group consecutive days with the same hours.
        let mut groups: Vec<(usize, usize, String)> = Vec::new();
        for (i, (d, _)) in days.iter().enumerate() {
            let h = describe(*d);
            match groups.last_mut() {
                Some((_, end, hours)) if *hours == h && *end + 1 == i => *end = i,
                _ => groups.push((i, i, h)),
            }
        }
        let parts: Vec<String> = groups
            .into_iter()
            .filter(|(_, _, h)| !h.is_empty())
            .map(|(a, b, h)| {
                if a == b {
                    format!("{} {h}", days[a].1)
                } else {
                    format!("{} to {} {h}", days[a].1, days[b].1)
                }
            })
            .collect();
        let holidays = if self.calendar.holidays().is_empty() {
            String::new()
        } else {
            ", closed on public holidays".into()
        };
        format!("{} ({}){holidays}", parts.join("; "), self.calendar.time_zone_name())
    }

    /// One commitment in plain words.
    pub fn words(&self, c: &Commitment) -> String {
        let atc = self.around_the_clock();
        let mut parts = Vec::new();
        if let Some(t) = c.first_reply {
            parts.push(format!("a first reply within {}", t.words(atc)));
        }
        if let Some(t) = c.next_reply {
            parts.push(format!("every later reply within {}", t.words(atc)));
        }
        if let Some(t) = c.resolution {
            parts.push(format!("a resolution within {}", t.words(atc)));
        }
        format!(
            "{} at {} priority: {}",
            capitalise(&c.channel),
            c.priority,
            parts.join(", ")
        )
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::{OpenInterval, WeeklyHours};
    use jiff::civil::Time;

    fn nine_to_six() -> BusinessCalendar {
        let hours = WeeklyHours::weekdays(&[OpenInterval::new(
            Time::constant(9, 0, 0, 0),
            Time::constant(18, 0, 0, 0),
        )]);
        BusinessCalendar::new("Europe/Berlin", hours, Default::default()).unwrap()
    }

    fn sample() -> Commitments {
        Commitments {
            calendar: nine_to_six(),
            warn_at: 0.75,
            commitments: vec![Commitment {
                channel: "email".into(),
                priority: "normal".into(),
                first_reply: Some("PT4H".parse().unwrap()),
                next_reply: None,
                resolution: Some("P2D".parse().unwrap()),
            }],
            redress: "We say sorry and credit a month.".into(),
            redress_actions: vec![RedressAction::NotifyLead],
        }
    }

    #[test]
    fn targets_parse_print_and_refuse() {
        for s in ["PT4H", "P2D", "PT30M", "P1DT2H", "PT1H30M"] {
            assert_eq!(s.parse::<Target>().unwrap().to_string(), s);
        }
        assert_eq!("4 hours".parse::<Target>().unwrap().to_string(), "PT4H");
        for bad in ["four hours", "P1Y", "PT0S", "-PT1H", "P2W", ""] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
        assert_eq!(
            "P1DT2H".parse::<Target>().unwrap().words(false),
            "1 business day and 2 hours"
        );
    }

    #[test]
    fn friday_evening_email_is_due_monday() {
        let c = sample();
        // 17:55 Friday in Berlin (winter: UTC+1), four business hours → Monday 12:55.
        let start: Timestamp = "2026-01-09T16:55:00Z".parse().unwrap();
        let due = c.commitments[0].first_reply.unwrap().due(&c.calendar, start).unwrap();
        assert_eq!(due, "2026-01-12T11:55:00Z".parse::<Timestamp>().unwrap());
        // Two business days of 9 hours from Friday 17:55 → Tuesday 17:55.
        let due = c.commitments[0].resolution.unwrap().due(&c.calendar, start).unwrap();
        assert_eq!(due, "2026-01-13T16:55:00Z".parse::<Timestamp>().unwrap());
    }

    #[test]
    fn plain_words() {
        let c = sample();
        assert_eq!(c.hours_words(), "Monday to Friday 09:00–18:00 (Europe/Berlin)");
        assert_eq!(
            c.words(&c.commitments[0]),
            "Email at normal priority: a first reply within 4 hours, a resolution within 2 business days"
        );
        let mut always = sample();
        always.calendar = BusinessCalendar::always_open();
        assert!(always.around_the_clock());
        assert_eq!(
            always.words(&always.commitments[0]),
            "Email at normal priority: a first reply within 4 hours, a resolution within 2 days"
        );
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = sample();
        c.commitments.push(c.commitments[0].clone());
        assert_eq!(c.validate().unwrap_err().field, "commitments[1]");
        let mut c = sample();
        c.commitments[0].channel = "fax".into();
        assert_eq!(c.validate().unwrap_err().field, "commitments[0].channel");
        let mut c = sample();
        c.warn_at = 1.5;
        assert_eq!(c.validate().unwrap_err().field, "warn_at");
        let mut c = sample();
        c.redress = " ".into();
        assert_eq!(c.validate().unwrap_err().field, "redress");
        assert!(sample().validate().is_ok());
        // Round trip through JSON, as stored.
        let json = serde_json::to_string(&sample()).unwrap();
        assert_eq!(serde_json::from_str::<Commitments>(&json).unwrap(), sample());
    }
}

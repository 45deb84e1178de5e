//! Win-back campaigns: who may receive a campaign message now, the pace
//! that keeps sending within its hourly throttle, and the message template.
//!
//! A campaign writes to every customer of a segment, once. Each customer is
//! decided in turn ([`decide`]): sent, skipped for good (they asked not to be
//! emailed, gave no consent for the purpose, have no address, their address
//! bounced, or the template needs a detail they lack), or held until their
//! quiet hours end. Sending is paced ([`pace`]): at most `per_hour` messages
//! in any hour, spread evenly rather than in one burst.

mod quiet;
mod template;

#[cfg(test)]
mod tests;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

pub use quiet::quiet_until;
pub use template::{FIELDS, Part, Template, TemplateError};

/// The most messages a campaign may send in an hour.
pub const MAX_PER_HOUR: u32 = 10_000;
/// The longest campaign name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest subject template, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The longest body template, in characters.
pub const MAX_BODY_CHARS: usize = 20_000;

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignState {
    /// Written, not started: preview and dry run only.
    Draft,
    /// Sending, at its pace.
    Running,
    /// Stopped by someone; starting it again goes on where it stopped.
    Paused,
    /// Every customer of the segment was decided.
    Done,
}

impl CampaignState {
    /// The word as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Draft => "draft",
            CampaignState::Running => "running",
            CampaignState::Paused => "paused",
            CampaignState::Done => "done",
        }
    }
}

impl std::str::FromStr for CampaignState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(CampaignState::Draft),
            "running" => Ok(CampaignState::Running),
            "paused" => Ok(CampaignState::Paused),
            "done" => Ok(CampaignState::Done),
            other => Err(format!("{other:?} is not a campaign state")),
        }
    }
}

/// A campaign's name, trimmed, 1 to [`MAX_NAME_CHARS`] characters.
pub fn check_name(raw: &str) -> Result<String, String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("give the campaign a name of 1 to {MAX_NAME_CHARS} characters"));
    }
    Ok(name)
}

/// The throttle: 1 to [`MAX_PER_HOUR`] messages an hour.
pub fn check_per_hour(n: i64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(n) if (1..=MAX_PER_HOUR).contains(&n) => Ok(n),
        _ => Err(format!("send 1 to {MAX_PER_HOUR} messages an hour")),
    }
}

/// Why a customer gets no message from a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "detail", rename_all = "kebab-case")]
pub enum Skip {
    /// They asked not to be contacted by email.
    DoNotContact,
    /// They gave no consent for the campaign's purpose (or withdrew it).
    NoConsent,
    /// They have no email address.
    NoEmail,
    /// The address a message would go to bounced before.
    Bounced,
    /// The template needs a detail about them that is not known (the field's name).
    MissingDetail(String),
}

impl Skip {
    /// A short stable code: `do-not-contact`, `no-consent`, `no-email`, `bounced`, `missing-detail`.
    pub fn code(&self) -> &'static str {
        match self {
            Skip::DoNotContact => "do-not-contact",
            Skip::NoConsent => "no-consent",
            Skip::NoEmail => "no-email",
            Skip::Bounced => "bounced",
            Skip::MissingDetail(_) => "missing-detail",
        }
    }

    /// The reason in a sentence; `purpose` is the campaign's consent purpose.
    pub fn sentence(&self, purpose: &str) -> String {
        match self {
            Skip::DoNotContact => "they asked not to be contacted by email".into(),
            Skip::NoConsent => format!("no consent for {purpose} on record"),
            Skip::NoEmail => "no email address".into(),
            Skip::Bounced => "their email address bounced".into(),
            Skip::MissingDetail(field) => format!("the message needs {{{{{field}}}}}, which is not known for them"),
        }
    }
}

/// What a campaign does about one customer now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send the message.
    Send,
    /// Never send it (this campaign decides each customer once).
    Skip(Skip),
    /// Not now: their quiet hours last until this time; decide again then.
    Hold(Timestamp),
}

/// What is known about a customer when a campaign decides about them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipient<'a> {
    /// The address a message would go to (their first email address).
    pub address: Option<&'a str>,
    /// Whether that address bounced.
    pub bounced: bool,
    /// Whether email is among their do-not-contact channels.
    pub do_not_email: bool,
    /// Whether their consent for the campaign's purpose stands.
    pub consent: bool,
    /// Until when their quiet hours last, if they are in them now.
    pub quiet_until: Option<Timestamp>,
    /// A template field the message needs and they lack.
    pub missing: Option<&'a str>,
}

/// Decides one customer. Their own refusals come first (do-not-contact,
/// then consent), then what makes a message impossible (no address, a
/// bounce, a missing detail); quiet hours only delay.
pub fn decide(r: &Recipient<'_>) -> Decision {
    if r.do_not_email {
        return Decision::Skip(Skip::DoNotContact);
    }
    if !r.consent {
        return Decision::Skip(Skip::NoConsent);
    }
    if r.address.is_none_or(|a| a.trim().is_empty()) {
        return Decision::Skip(Skip::NoEmail);
    }
    if r.bounced {
        return Decision::Skip(Skip::Bounced);
    }
    if let Some(field) = r.missing {
        return Decision::Skip(Skip::MissingDetail(field.to_string()));
    }
    match r.quiet_until {
        Some(until) => Decision::Hold(until),
        None => Decision::Send,
    }
}

/// How far a campaign may go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Messages that may be sent now.
    pub may_send: u32,
    /// When nothing may be sent now: when the hour's window frees a place.
    pub wait_until: Option<Timestamp>,
}

/// The even spacing of a campaign's messages: an hour divided by `per_hour`.
pub fn interval(per_hour: u32) -> SignedDuration {
    SignedDuration::from_micros(3_600_000_000 / i64::from(per_hour.max(1)))
}

/// Messages sent together at most: about a minute's worth, at least one.
pub fn batch(per_hour: u32) -> u32 {
    per_hour.max(1).div_ceil(60)
}

/// How many messages may go at `now`, given the times of those sent in the
/// last hour (any order; older ones are ignored): never more than
/// `per_hour` in any hour, and at most one [`batch`]. After sending `k`,
/// look again at `now + k × interval` ([`next_look`]).
pub fn pace(per_hour: u32, sent: &[Timestamp], now: Timestamp) -> Pace {
    let hour_ago = now - SignedDuration::from_hours(1);
    let in_window: Vec<Timestamp> = sent.iter().copied().filter(|t| *t > hour_ago && *t <= now).collect();
    let budget = per_hour.saturating_sub(u32::try_from(in_window.len()).unwrap_or(u32::MAX));
    if budget == 0 {
        // The oldest send in the window leaves it one hour after it was made.
        let oldest = in_window.iter().min().copied().unwrap_or(now);
        let free = oldest + SignedDuration::from_hours(1) + SignedDuration::from_micros(1);
        return Pace {
            may_send: 0,
            wait_until: Some(free.max(now)),
        };
    }
    Pace {
        may_send: budget.min(batch(per_hour)),
        wait_until: None,
    }
}

/// When to look again after sending `sent` messages at `now`.
pub fn next_look(per_hour: u32, sent: u32, now: Timestamp) -> Timestamp {
    let gap = interval(per_hour);
    let times = i32::try_from(sent.max(1)).unwrap_or(i32::MAX);
    now.saturating_add(gap * times).unwrap_or(now)
}

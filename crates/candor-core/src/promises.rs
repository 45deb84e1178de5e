//! The promise ledger's rules: what a promise may say, when its owner is
//! reminded, and which promises a reply keeps by itself.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Longest reason for a re-promise, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// Where a promise stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromiseState {
    /// Not yet due, or due and not yet settled.
    Open,
    /// Done.
    Kept,
    /// Its due time passed without it being kept.
    Broken,
}

impl PromiseState {
    /// Every state.
    pub const ALL: [PromiseState; 3] = [PromiseState::Open, PromiseState::Kept, PromiseState::Broken];

    /// The word as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseState::Open => "open",
            PromiseState::Kept => "kept",
            PromiseState::Broken => "broken",
        }
    }
}

impl std::str::FromStr for PromiseState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase();
        PromiseState::ALL
            .into_iter()
            .find(|p| p.as_str() == t)
            .ok_or_else(|| format!("\"{s}\" is not a promise state: use open, kept or broken"))
    }
}

/// What kind of thing was promised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromiseKind {
    /// To write back: kept by the owner's next reply in the conversation.
    Reply,
    /// Anything else: kept when the owner says so.
    Action,
}

impl PromiseKind {
    /// The word as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseKind::Reply => "reply",
            PromiseKind::Action => "action",
        }
    }

    /// The kind a description reads as: promises to write, answer, get back
    /// or send an update are replies; anything else is an action. Phone calls
    /// are actions (Candor cannot see that a call happened).
    pub fn of_description(description: &str) -> Self {
        let d = format!(" {} ", description.to_lowercase());
        let reply_words = [
            " reply",
            " write ",
            " write back",
            " get back to you",
            " answer",
            " respond",
            " update you",
            " send you an update",
            " let you know",
            " email you",
            " e-mail you",
            " follow up",
            " antworte",
            " melde mich",
            " schreibe ",
            " réponds",
            " répondre",
            " vous écris",
            " responder",
            " le escribo",
        ];
        let call_words = [" call", " ring", " phone", " anruf", " rufe", " appel", " llam"];
        if call_words.iter().any(|w| d.contains(w)) {
            return PromiseKind::Action;
        }
        if reply_words.iter().any(|w| d.contains(w)) {
            PromiseKind::Reply
        } else {
            PromiseKind::Action
        }
    }
}

impl std::str::FromStr for PromiseKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "reply" => Ok(PromiseKind::Reply),
            "action" => Ok(PromiseKind::Action),
            _ => Err(format!("\"{s}\" is not a kind of promise: use reply or action")),
        }
    }
}

/// A description trimmed and checked: 1 to 500 characters, no control characters.
pub fn clean_description(raw: &str) -> Result<String, String> {
    clean_text(raw, MAX_DESCRIPTION_CHARS, "say what was promised")
}

/// A re-promise's reason trimmed and checked: 1 to 1000 characters.
pub fn clean_reason(raw: &str) -> Result<String, String> {
    clean_text(raw, MAX_REASON_CHARS, "say why the promise is made again")
}

fn clean_text(raw: &str, max: usize, empty: &str) -> Result<String, String> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return Err(empty.to_string());
    }
    if t.chars().count() > max {
        return Err(format!("at most {max} characters"));
    }
    Ok(t)
}

/// Checks a due time against now: it must lie ahead, and within two years.
pub fn check_due(due: Timestamp, now: Timestamp) -> Result<(), String> {
    if due <= now {
        return Err("the due time has passed already: promise something still ahead".into());
    }
    if due.duration_since(now) > SignedDuration::from_hours(24 * 366 * 2) {
        return Err("the due time is more than two years ahead".into());
    }
    Ok(())
}

/// When to remind the owner: an hour before due, or halfway there for a
/// promise made less than two hours ahead; `None` for a promise due within
/// two minutes of being made (a reminder would come too late to help).
pub fn reminder_at(made: Timestamp, due: Timestamp) -> Option<Timestamp> {
    let ahead = due.duration_since(made);
    if ahead < SignedDuration::from_mins(2) {
        return None;
    }
    let before = if ahead >= SignedDuration::from_hours(2) {
        SignedDuration::from_hours(1)
    } else {
        ahead / 2
    };
    due.checked_sub(before).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn replies_and_actions() {
        for d in [
            "get back to you with the tracking number",
            "reply by Friday",
            "let you know when the part arrives",
            "Ich melde mich morgen",
        ] {
            assert_eq!(PromiseKind::of_description(d), PromiseKind::Reply, "{d}");
        }
        for d in [
            "call you back tomorrow",
            "refund the lights",
            "send a replacement strap",
        ] {
            assert_eq!(PromiseKind::of_description(d), PromiseKind::Action, "{d}");
        }
    }

    #[test]
    fn reminders_come_before_due() {
        let made = ts("2026-03-02T09:00:00Z");
        assert_eq!(
            reminder_at(made, ts("2026-03-03T09:00:00Z")),
            Some(ts("2026-03-03T08:00:00Z"))
        );
        assert_eq!(
            reminder_at(made, ts("2026-03-02T10:00:00Z")),
            Some(ts("2026-03-02T09:30:00Z"))
        );
        assert_eq!(reminder_at(made, made + SignedDuration::from_micros(1)), None);
    }

    #[test]
    fn text_and_due_checks() {
        assert_eq!(clean_description("  call   back ").unwrap(), "call back");
        assert!(clean_description(" ").is_err());
        assert!(clean_description(&"x".repeat(501)).is_err());
        assert!(clean_reason("").is_err());
        let now = ts("2026-03-02T09:00:00Z");
        assert!(check_due(now, now).is_err());
        assert!(check_due(ts("2029-03-02T09:00:00Z"), now).is_err());
        assert!(check_due(ts("2026-03-03T09:00:00Z"), now).is_ok());
        assert_eq!("Kept".parse::<PromiseState>(), Ok(PromiseState::Kept));
        assert!("done".parse::<PromiseState>().is_err());
    }
}

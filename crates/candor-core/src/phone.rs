//! Phone calls: directions and outcomes, what a logged call says in its
//! conversation, and when the call-back for an unanswered call is due.
//!
//! An inbound call that nobody answered (missed, or ended in voicemail) is
//! owed a call-back: due within the phone channel's first-reply target when
//! the commitments set one, else by the end of the next business day.

use crate::commitments::Target;
use crate::conversation::{UnknownWord, words};
use crate::hours::BusinessCalendar;
use jiff::civil::Time;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest call accepted, in seconds (a day).
pub const MAX_CALL_SECS: i64 = 24 * 60 * 60;
/// The longest transcript or call notes accepted, in bytes.
pub const MAX_TRANSCRIPT_BYTES: usize = 100_000;

words!(
    /// Who called whom.
    CallDirection, "call direction", {
        /// The customer called the company.
        Inbound = "inbound",
        /// An agent called the customer.
        Outbound = "outbound",
    }
);

words!(
    /// How a call ended.
    CallStatus, "call status", {
        /// Someone spoke with the caller.
        Answered = "answered",
        /// Nobody picked up.
        Missed = "missed",
        /// The caller left a voicemail.
        Voicemail = "voicemail",
    }
);

/// Whether a call is owed a call-back: an inbound call nobody answered.
pub fn needs_callback(direction: CallDirection, status: CallStatus) -> bool {
    direction == CallDirection::Inbound && status != CallStatus::Answered
}

/// Checks a call's length in seconds.
pub fn check_duration(secs: i64) -> Result<i64, String> {
    if (0..=MAX_CALL_SECS).contains(&secs) {
        Ok(secs)
    } else {
        Err(format!("a call lasts from 0 to {MAX_CALL_SECS} seconds"))
    }
}

/// A call's length in words: "4 min 12 s", "45 s", "1 h 2 min".
pub fn duration_words(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) if s == 0 => format!("{m} min"),
        (0, _) => format!("{m} min {s} s"),
        _ => format!("{h} h {m} min"),
    }
}

/// The subject of a conversation a call opens.
pub fn call_subject(direction: CallDirection, status: CallStatus) -> &'static str {
    match (direction, status) {
        (CallDirection::Inbound, CallStatus::Answered) => "Phone call",
        (CallDirection::Inbound, CallStatus::Missed) => "Missed call",
        (CallDirection::Inbound, CallStatus::Voicemail) => "Voicemail",
        (CallDirection::Outbound, _) => "Call to the customer",
    }
}

/// What a logged call says in its conversation: one line about the call,
/// then the transcript or notes when there are any.
pub fn call_text(direction: CallDirection, status: CallStatus, secs: i64, transcript: Option<&str>) -> String {
    let line = match (direction, status) {
        (CallDirection::Inbound, CallStatus::Answered) => format!("Inbound call, {}.", duration_words(secs)),
        (CallDirection::Inbound, CallStatus::Missed) => "Missed call: nobody answered.".to_string(),
        (CallDirection::Inbound, CallStatus::Voicemail) => format!("Voicemail, {}.", duration_words(secs)),
        (CallDirection::Outbound, CallStatus::Answered) => format!("Outbound call, {}.", duration_words(secs)),
        (CallDirection::Outbound, CallStatus::Missed) => "Outbound call: the customer did not answer.".to_string(),
        (CallDirection::Outbound, CallStatus::Voicemail) => {
            format!("Outbound call: left a voicemail, {}.", duration_words(secs))
        }
    };
    match transcript.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{line}\n\n{t}"),
        None => line,
    }
}

/// When the call-back for a call missed at `missed_at` is due: within the
/// phone commitment's first-reply target when there is one, else by the end
/// of the next business day on `calendar`.
pub fn callback_due(first_reply: Option<&Target>, calendar: &BusinessCalendar, missed_at: Timestamp) -> Timestamp {
    if let Some(t) = first_reply
        && let Ok(due) = t.due(calendar, missed_at)
    {
        return due;
    }
    end_of_next_business_day(calendar, missed_at)
}

/// The close of the first business day after the day of `at` (in the
/// calendar's zone); a day later when the calendar is never open.
pub fn end_of_next_business_day(calendar: &BusinessCalendar, at: Timestamp) -> Timestamp {
    let fallback = at.checked_add(SignedDuration::from_hours(24)).unwrap_or(at);
    let zone = calendar.time_zone().clone();
    let mut date = at.to_zoned(zone.clone()).date();
    for _ in 0..400 {
        let Ok(next) = date.tomorrow() else {
            return fallback;
        };
        date = next;
        let Some(last) = calendar.intervals_on(date).last() else {
            continue;
        };
        let end = if last.ends_at_midnight() {
            match date.tomorrow() {
                Ok(d) => d.to_datetime(Time::midnight()),
                Err(_) => return fallback,
            }
        } else {
            date.to_datetime(last.end)
        };
        return end.to_zoned(zone).map(|z| z.timestamp()).unwrap_or(fallback);
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::{OpenInterval, WeeklyHours};

    fn office() -> BusinessCalendar {
        let hours = WeeklyHours::weekdays(&[OpenInterval::new(
            Time::constant(9, 0, 0, 0),
            Time::constant(17, 0, 0, 0),
        )]);
        BusinessCalendar::new("Europe/Berlin", hours, Default::default()).expect("calendar")
    }

    #[test]
    fn words_and_rules() {
        assert_eq!("Inbound".parse(), Ok(CallDirection::Inbound));
        assert!("sideways".parse::<CallDirection>().is_err());
        assert_eq!("voicemail".parse(), Ok(CallStatus::Voicemail));
        assert!(needs_callback(CallDirection::Inbound, CallStatus::Missed));
        assert!(needs_callback(CallDirection::Inbound, CallStatus::Voicemail));
        assert!(!needs_callback(CallDirection::Inbound, CallStatus::Answered));
        assert!(!needs_callback(CallDirection::Outbound, CallStatus::Missed));
        assert_eq!(duration_words(252), "4 min 12 s");
        assert_eq!(duration_words(45), "45 s");
        assert_eq!(duration_words(3720), "1 h 2 min");
        assert!(check_duration(-1).is_err());
        assert!(check_duration(MAX_CALL_SECS + 1).is_err());
        assert_eq!(
            call_text(
                CallDirection::Inbound,
                CallStatus::Answered,
                60,
                Some(" Asked about the invoice ")
            ),
            "Inbound call, 1 min.\n\nAsked about the invoice"
        );
    }

    #[test]
    fn callback_is_due_at_the_end_of_the_next_business_day_without_a_target() {
        // Friday 2026-03-06 15:00 in Berlin (14:00 UTC) → Monday 17:00 Berlin (16:00 UTC).
        let at: Timestamp = "2026-03-06T14:00:00Z".parse().expect("time");
        let due = callback_due(None, &office(), at);
        assert_eq!(due.to_string(), "2026-03-09T16:00:00Z");
        // With a 4-hour target: 2 h left on Friday, 2 h on Monday from 09:00.
        let four = Target::minutes(240);
        assert_eq!(
            callback_due(Some(&four), &office(), at).to_string(),
            "2026-03-09T10:00:00Z"
        );
    }
}

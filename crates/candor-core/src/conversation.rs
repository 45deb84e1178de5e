//! Conversations: channels, statuses, priorities, message kinds, and the
//! rule for what a customer's reply does to a finished conversation.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A value that is not one of a fixed list of words; the text names the list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {what}; use one of {allowed}")]
pub struct UnknownWord {
    /// What was being read, e.g. "status".
    pub what: &'static str,
    /// What was sent (cut short).
    pub value: String,
    /// The allowed words, comma-separated.
    pub allowed: &'static str,
}

/// Declares an enum of lowercase words with `as_str`, `ALL`, `Display` and `FromStr`.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $word)] $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word as used in the API and stored.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim().to_ascii_lowercase();
                match t.as_str() {
                    $($word => Ok($name::$variant),)+
                    _ => Err(UnknownWord {
                        what: $what,
                        value: s.chars().take(40).collect(),
                        allowed: concat!($($word, " "),+),
                    }),
                }
            }
        }
    };
}
pub(crate) use words;

words!(
    /// Where a conversation happens.
    Channel, "channel", {
        /// Email (IMAP in, SMTP out).
        Email = "email",
        /// Live chat from the widget.
        Chat = "chat",
        /// Phone calls, logged.
        Phone = "phone",
        /// Social-network mentions and messages.
        Social = "social",
        /// Anything sent through the API.
        Api = "api",
        /// The public community.
        Community = "community",
    }
);

words!(
    /// Where a conversation stands.
    Status, "status", {
        /// Waiting on the company.
        Open = "open",
        /// Waiting on the customer.
        Pending = "pending",
        /// Answered; a customer reply reopens it.
        Solved = "solved",
        /// Finished for good; a customer reply starts a new, linked conversation.
        Closed = "closed",
    }
);

words!(
    /// How urgent a conversation is.
    Priority, "priority", {
        /// Can wait.
        Low = "low",
        /// The usual.
        Normal = "normal",
        /// Sooner than usual.
        High = "high",
        /// Now.
        Urgent = "urgent",
    }
);

words!(
    /// What a message is.
    MessageKind, "message kind", {
        /// From the customer.
        Inbound = "inbound",
        /// From an agent to the customer, signed with the agent's name.
        Outbound = "outbound",
        /// An internal note between staff; never sent.
        Note = "note",
    }
);

words!(
    /// Where an outbound message is on its way to the customer.
    Delivery, "delivery state", {
        /// Waiting for its channel to send it.
        Queued = "queued",
        /// Handed to the channel.
        Sent = "sent",
        /// The channel gave up.
        Failed = "failed",
    }
);

words!(
    /// How a team hands its conversations to its members.
    AssignMode, "assignment mode", {
        /// Each available member in turn.
        RoundRobin = "round-robin",
        /// The available member with the fewest open conversations.
        LeastLoaded = "least-loaded",
    }
);

words!(
    /// Whether an agent takes new conversations.
    AgentStatus, "agent status", {
        /// Takes new conversations.
        Available = "available",
        /// Takes none; keeps those assigned.
        Away = "away",
    }
);

impl Channel {
    /// The job kind that sends this channel's outbound messages, if the
    /// channel sends them at all (the API channel and phone do not: the
    /// integrator or the agent delivers).
    pub fn delivery_job(self) -> Option<&'static str> {
        match self {
            Channel::Email => Some("deliver.email"),
            Channel::Chat => Some("deliver.chat"),
            Channel::Social => Some("deliver.social"),
            Channel::Api | Channel::Phone | Channel::Community => None,
        }
    }
}

/// What a customer's new message does to the conversation it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyEffect {
    /// It joins the conversation, which stays as it is (open, or waiting
    /// on the customer, which the reply turns back to open).
    Continue {
        /// The status the conversation takes.
        status: Status,
    },
    /// A solved conversation is opened again.
    Reopen,
    /// A closed conversation stays closed; the message starts a new
    /// conversation linked to it.
    StartNew,
}

/// The effect of a customer's reply on a conversation in `status`.
pub fn customer_reply(status: Status) -> ReplyEffect {
    match status {
        Status::Open | Status::Pending => ReplyEffect::Continue { status: Status::Open },
        Status::Solved => ReplyEffect::Reopen,
        Status::Closed => ReplyEffect::StartNew,
    }
}

/// Longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 300;
/// Longest message body, in bytes (a long email is far shorter).
pub const MAX_BODY_BYTES: usize = 200_000;

/// A subject with runs of white space made one space; too long or with control
/// characters is an error sentence.
pub fn clean_subject(raw: &str) -> Result<String, String> {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > MAX_SUBJECT_CHARS {
        return Err(format!(
            "the subject is too long: at most {MAX_SUBJECT_CHARS} characters"
        ));
    }
    Ok(s)
}

/// A message body trimmed; empty, too long or holding NUL is an error sentence.
pub fn clean_body(raw: &str) -> Result<String, String> {
    let b = raw.trim();
    if b.is_empty() {
        return Err("the message is empty".into());
    }
    if b.len() > MAX_BODY_BYTES {
        return Err(format!("the message is too long: at most {MAX_BODY_BYTES} bytes"));
    }
    if b.contains('\0') {
        return Err("the message contains a NUL character".into());
    }
    Ok(b.replace("\r\n", "\n"))
}

/// A subject made from the first line of a body, when none was given.
pub fn subject_from_body(body: &str) -> String {
    let first = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut s: String = first.chars().take(80).collect();
    if first.chars().count() > 80 {
        s.push('…');
    }
    s
}

/// A file name safe for a Content-Disposition header and a download: no
/// path, no quotes or control characters, at most 150 characters, never empty.
pub fn safe_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '"' | ';' | '<' | '>' | '|' | ':' | '*' | '?' => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    let cut: String = cleaned.chars().take(150).collect();
    if cut.is_empty() { "attachment".into() } else { cut }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_name_the_choices() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(*s));
        }
        assert_eq!(" Pending ".parse::<Status>(), Ok(Status::Pending));
        let e = "archived".parse::<Status>().unwrap_err();
        assert!(e.to_string().contains("open pending solved closed"), "{e}");
        assert_eq!("round-robin".parse::<AssignMode>(), Ok(AssignMode::RoundRobin));
        assert!("fax".parse::<Channel>().is_err());
        assert_eq!(
            serde_json::to_string(&Priority::Urgent).unwrap_or_default(),
            "\"urgent\""
        );
    }

    #[test]
    fn replies_reopen_solved_and_start_anew_after_closed() {
        assert_eq!(customer_reply(Status::Solved), ReplyEffect::Reopen);
        assert_eq!(customer_reply(Status::Closed), ReplyEffect::StartNew);
        assert_eq!(
            customer_reply(Status::Pending),
            ReplyEffect::Continue { status: Status::Open }
        );
    }

    #[test]
    fn filenames_lose_paths_and_quotes() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("C:\\x\\a\"b.pdf"), "a_b.pdf");
        assert_eq!(safe_filename("\n"), "attachment");
        assert_eq!(safe_filename(".htaccess"), "htaccess");
        assert_eq!(subject_from_body("\n  Hello there\nmore"), "Hello there");
        assert!(clean_body("  ").is_err());
    }
}

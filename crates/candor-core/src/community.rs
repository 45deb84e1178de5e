//! The public community's rules: the kinds of topic, the poster's mood, the
//! statuses a topic can carry and which kinds may carry them, what a title and
//! a body may hold, slugs, link limits for new posters, posting limits, search
//! terms and the median behind the response figures.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

mod ids {
    /// Declares a typed community id around a UUID.
    macro_rules! community_id {
        ($(#[$doc:meta])* $name:ident) => {
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
            #[serde(transparent)]
            pub struct $name(uuid::Uuid);

            impl $name {
                /// A new time-ordered id for the given moment.
                pub fn new_at(at: jiff::Timestamp) -> Self {
                    Self(crate::ids::uuid_v7_at(at))
                }
                /// Wraps an existing UUID (as read from storage).
                pub fn from_uuid(uuid: uuid::Uuid) -> Self {
                    Self(uuid)
                }
                /// The UUID inside.
                pub fn as_uuid(&self) -> uuid::Uuid {
                    self.0
                }
            }

            impl std::fmt::Display for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    self.0.fmt(f)
                }
            }

            impl std::str::FromStr for $name {
                type Err = crate::ids::InvalidId;
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    uuid::Uuid::parse_str(s.trim()).map(Self).map_err(|_| crate::ids::InvalidId)
                }
            }
        };
    }
    community_id!(
        /// A community topic.
        TopicId
    );
    community_id!(
        /// A reply to a community topic.
        ReplyId
    );
}
pub use ids::{ReplyId, TopicId};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 150;
/// The shortest title, in characters.
pub const MIN_TITLE_CHARS: usize = 5;
/// The longest post body, in characters.
pub const MAX_BODY_CHARS: usize = 20_000;
/// The longest status note, in characters.
pub const MAX_NOTE_CHARS: usize = 5_000;
/// Tags on one topic.
pub const MAX_TOPIC_TAGS: usize = 8;
/// Links a poster with no approved post yet may include in one post.
pub const NEW_POSTER_LINKS: usize = 2;
/// Published posts after which a poster is no longer new.
pub const NEW_POSTER_POSTS: i64 = 3;

/// Event kinds written by the community.
pub mod kind {
    /// A customer (or an import on their behalf) posted a topic.
    pub const TOPIC_POSTED: &str = "community.topic_posted";
    /// Someone replied to a topic.
    pub const REPLY_POSTED: &str = "community.reply_posted";
    /// A reply was accepted as a question's answer.
    pub const ANSWER_ACCEPTED: &str = "community.answer_accepted";
    /// A topic's status changed, with a note.
    pub const STATUS_CHANGED: &str = "community.status_changed";
    /// A customer said "me too".
    pub const ME_TOO: &str = "community.me_too";
    /// A customer followed a topic.
    pub const FOLLOWED: &str = "community.followed";
    /// A customer stopped following a topic.
    pub const UNFOLLOWED: &str = "community.unfollowed";
    /// A topic was hidden or shown again.
    pub const TOPIC_VISIBILITY: &str = "community.topic_visibility";
    /// A reply was hidden or shown again.
    pub const REPLY_VISIBILITY: &str = "community.reply_visibility";
    /// A topic was locked or unlocked.
    pub const TOPIC_LOCK: &str = "community.topic_lock";
    /// A duplicate topic was merged into another.
    pub const TOPIC_MERGED: &str = "community.topic_merged";
    /// A topic's kind or tags changed.
    pub const TOPIC_MOVED: &str = "community.topic_moved";
    /// A post waiting in the moderation queue was approved.
    pub const POST_APPROVED: &str = "community.post_approved";
    /// A post waiting in the moderation queue was rejected.
    pub const POST_REJECTED: &str = "community.post_rejected";
    /// A post was refused as spam (honeypot, limits).
    pub const SPAM_REFUSED: &str = "community.spam_refused";
    /// A customer asked for a sign-in link.
    pub const SIGN_IN_REQUESTED: &str = "community.sign_in_requested";
    /// A customer signed in with a link.
    pub const SIGNED_IN: &str = "community.signed_in";
    /// A topic moved to a private conversation.
    pub const MOVED_PRIVATE: &str = "community.moved_private";
    /// A solved conversation was published as a topic, with consent.
    pub const PUBLISHED_FROM_CONVERSATION: &str = "community.published_from_conversation";
    /// The community's settings or profile changed.
    pub const SETTINGS_CHANGED: &str = "community.settings_changed";
    /// An email was put in the outbox.
    pub const EMAIL_QUEUED: &str = "email.queued";
}

/// A word that does not name one of a closed set of values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{got}\" is not one of: {allowed}")]
pub struct UnknownValue {
    /// What was sent.
    pub got: String,
    /// What is allowed, comma-separated.
    pub allowed: &'static str,
}

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $word)] $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The word as stored and sent.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($word => Ok($name::$variant),)+
                    other => Err(UnknownValue { got: other.chars().take(40).collect(), allowed: concat!($($word, " "),+) }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// What a topic is.
    TopicKind {
        /// Asking how to do something.
        Question => "question",
        /// Something is broken.
        Problem => "problem",
        /// A suggestion.
        Idea => "idea",
        /// Thanks.
        Praise => "praise",
    }
);

word_enum!(
    /// How the poster feels.
    Mood {
        /// Happy.
        Happy => "happy",
        /// Indifferent.
        Indifferent => "indifferent",
        /// Confused.
        Confused => "confused",
        /// Frustrated.
        Frustrated => "frustrated",
    }
);

word_enum!(
    /// Where a topic stands. Problems and ideas move through acknowledged,
    /// planned, in-progress to done or wont-do; a question is answered when a
    /// reply is accepted.
    TopicStatus {
        /// Nobody from the company has set a status yet.
        New => "new",
        /// A question with an accepted answer.
        Answered => "answered",
        /// The company has seen it.
        Acknowledged => "acknowledged",
        /// It will be done.
        Planned => "planned",
        /// Being worked on.
        InProgress => "in-progress",
        /// Fixed or built.
        Done => "done",
        /// Will not be done; the note says why.
        WontDo => "wont-do",
    }
);

word_enum!(
    /// Who may see a topic or a reply.
    Visibility {
        /// Everyone.
        Published => "published",
        /// Waiting in the moderation queue; only staff see it.
        Pending => "pending",
        /// Hidden by a moderator.
        Hidden => "hidden",
        /// Refused in moderation.
        Rejected => "rejected",
        /// Merged into another topic (whose page it redirects to).
        Merged => "merged",
    }
);

impl TopicStatus {
    /// The statuses a staff member may set on a topic of `kind` with a note.
    pub fn settable(kind: TopicKind) -> &'static [TopicStatus] {
        match kind {
            TopicKind::Problem | TopicKind::Idea => &[
                TopicStatus::Acknowledged,
                TopicStatus::Planned,
                TopicStatus::InProgress,
                TopicStatus::Done,
                TopicStatus::WontDo,
            ],
            TopicKind::Question | TopicKind::Praise => &[],
        }
    }

    /// Whether a topic of `kind` may hold this status at all.
    pub fn fits(self, kind: TopicKind) -> bool {
        match self {
            TopicStatus::New => true,
            TopicStatus::Answered => kind == TopicKind::Question,
            other => TopicStatus::settable(kind).contains(&other),
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            TopicStatus::New => "New",
            TopicStatus::Answered => "Answered",
            TopicStatus::Acknowledged => "Acknowledged",
            TopicStatus::Planned => "Planned",
            TopicStatus::InProgress => "In progress",
            TopicStatus::Done => "Done",
            TopicStatus::WontDo => "Won't do",
        }
    }
}

impl TopicKind {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            TopicKind::Question => "Question",
            TopicKind::Problem => "Problem",
            TopicKind::Idea => "Idea",
            TopicKind::Praise => "Praise",
        }
    }
}

impl Mood {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Mood::Happy => "happy",
            Mood::Indifferent => "indifferent",
            Mood::Confused => "confused",
            Mood::Frustrated => "frustrated",
        }
    }
}

/// A title with runs of space collapsed, or why it cannot be one.
pub fn check_title(raw: &str) -> Result<String, String> {
    let title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = title.chars().count();
    if n < MIN_TITLE_CHARS {
        return Err(format!(
            "the title is too short: say what it is about in at least {MIN_TITLE_CHARS} characters"
        ));
    }
    if n > MAX_TITLE_CHARS {
        return Err(format!("the title is too long: at most {MAX_TITLE_CHARS} characters"));
    }
    if title.chars().any(char::is_control) {
        return Err("the title contains a control character".into());
    }
    Ok(title)
}

/// A post body trimmed, or why it cannot be one.
pub fn check_body(raw: &str, required: bool) -> Result<String, String> {
    let body = raw.trim().replace("\r\n", "\n");
    if required && body.is_empty() {
        return Err("write something first".into());
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(format!("the text is too long: at most {MAX_BODY_CHARS} characters"));
    }
    if body.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("the text contains a control character".into());
    }
    Ok(body)
}

/// A status note trimmed, or why it cannot be one. A status always comes
/// with a candid explanation.
pub fn check_status_note(raw: &str) -> Result<String, String> {
    let note = raw.trim().replace("\r\n", "\n");
    if note.chars().count() < 10 {
        return Err("explain the status candidly in at least a sentence (10 characters or more)".into());
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(format!("the note is too long: at most {MAX_NOTE_CHARS} characters"));
    }
    Ok(note)
}

/// How many links a text holds: URLs with a scheme, `www.` addresses and
/// Markdown links or images, each counted once.
pub fn count_links(text: &str) -> usize {
    let lower = text.to_lowercase();
    let schemes = ["http://", "https://", "ftp://", "mailto:"]
        .iter()
        .map(|s| lower.matches(s).count())
        .sum::<usize>();
    let www = lower
        .match_indices("www.")
        .filter(|(i, _)| {
            // "https://www." is counted already.
            !lower[..*i].ends_with("//")
        })
        .count();
    // Markdown links to relative or scheme-less places: "](" not followed by a scheme.
    let relative = lower
        .match_indices("](")
        .filter(|(i, _)| {
            let rest = &lower[i + 2..];
            !["http://", "https://", "ftp://", "mailto:", "www."]
                .iter()
                .any(|s| rest.trim_start().starts_with(s))
        })
        .count();
    schemes + www + relative
}

/// The URL slug of a title: lowercase ASCII words joined by hyphens, at most
/// 60 characters, "topic" when nothing is left.
pub fn topic_slug(title: &str) -> String {
    let mut slug = crate::workspace::slugify(title);
    if let Some(rest) = slug.strip_prefix("ws-") {
        slug = rest.to_string();
    } else if slug == "ws" {
        slug.clear();
    }
    let slug: String = slug.chars().take(60).collect();
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() { "topic".into() } else { slug }
}

/// A slug made unique with part of the topic's id.
pub fn unique_slug(base: &str, id: Uuid) -> String {
    let simple = id.simple().to_string();
    let tail = &simple[simple.len() - 6..];
    format!("{base}-{tail}")
}

/// The words of a search, lowercased, letters and digits only (so that they
/// are safe in both databases' query syntax), at most 8 of them.
pub fn search_terms(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in q.split(|c: char| !c.is_alphanumeric()) {
        let w = word.to_lowercase();
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
        if out.len() == 8 {
            break;
        }
    }
    out
}

/// Words too common to suggest duplicates by.
const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "with", "not", "how", "can", "does", "why", "what", "when", "you", "your", "are", "was",
    "this", "that", "from", "have", "has", "after", "into", "any", "but", "its", "our", "out", "get", "use",
];

/// The words of a title worth matching other titles by.
pub fn suggestion_terms(title: &str) -> Vec<String> {
    search_terms(title)
        .into_iter()
        .filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// The median of some durations in microseconds, or none of none.
pub fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2
    })
}

/// A duration for people: "42 minutes", "3.5 hours", "2.1 days".
pub fn human_duration(micros: i64) -> String {
    let mins = micros as f64 / 60_000_000.0;
    if mins < 90.0 {
        format!("{} minutes", mins.round().max(1.0) as i64)
    } else if mins < 48.0 * 60.0 {
        format!("{:.1} hours", mins / 60.0)
    } else {
        format!("{:.1} days", mins / 1440.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for k in TopicKind::ALL {
            assert_eq!(k.as_str().parse::<TopicKind>(), Ok(*k));
        }
        for s in TopicStatus::ALL {
            assert_eq!(s.as_str().parse::<TopicStatus>(), Ok(*s));
        }
        let e = "bug".parse::<TopicKind>().unwrap_err();
        assert!(e.to_string().contains("question"), "{e}");
    }

    #[test]
    fn statuses_fit_kinds() {
        assert!(TopicStatus::WontDo.fits(TopicKind::Idea));
        assert!(TopicStatus::InProgress.fits(TopicKind::Problem));
        assert!(!TopicStatus::Planned.fits(TopicKind::Question));
        assert!(TopicStatus::Answered.fits(TopicKind::Question));
        assert!(!TopicStatus::Answered.fits(TopicKind::Problem));
        assert!(TopicStatus::settable(TopicKind::Praise).is_empty());
    }

    #[test]
    fn titles_and_bodies() {
        assert_eq!(check_title("  Brakes   squeal  ").unwrap(), "Brakes squeal");
        assert!(check_title("Hi").is_err());
        assert!(check_title(&"x".repeat(151)).is_err());
        assert!(check_body("  ", true).is_err());
        assert_eq!(check_body(" a\r\nb ", true).unwrap(), "a\nb");
        assert!(check_status_note("ok").is_err());
    }

    #[test]
    fn links_are_counted() {
        assert_eq!(count_links("no links here"), 0);
        assert_eq!(count_links("see https://a.example and www.b.example"), 2);
        assert_eq!(count_links("[x](https://a.example) [y](/local)"), 2);
        assert_eq!(count_links("https://www.a.example"), 1);
    }

    #[test]
    fn slugs_and_terms() {
        assert_eq!(topic_slug("Brakes squeal after rain!"), "brakes-squeal-after-rain");
        assert_eq!(topic_slug("日本語"), "topic");
        assert_eq!(topic_slug("API keys"), "api-keys");
        assert_eq!(
            search_terms("Brake's \"squeal\" OR *"),
            vec!["brake", "s", "squeal", "or"]
        );
        assert_eq!(suggestion_terms("How do the brakes squeal"), vec!["brakes", "squeal"]);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(human_duration(30 * 60_000_000), "30 minutes");
        assert_eq!(human_duration(3 * 3600 * 1_000_000), "3.0 hours");
    }
}

//! Social listening: how a mention's sentiment is named, and the monitoring
//! rules a workspace sets to be told which mentions to answer first.
//!
//! | kind | fires when |
//! | --- | --- |
//! | `keyword` | the text holds any of the words or phrases (case-insensitive, whole words) |
//! | `sentiment_below` | the text's sentiment is below the threshold (-1 to 1) |
//! | `author_tier` | the author is a known customer of tier A, or at risk |
//! | `volume_spike` | more than `count` mentions were posted within `minutes` (once per spike) |

use crate::conversation::{UnknownWord, words};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Sentiment below this reads as negative, above its opposite as positive.
pub const NEUTRAL_BAND: f64 = 0.05;
/// The most words or phrases a keyword rule holds.
pub const MAX_WORDS: usize = 50;
/// The longest word or phrase, in characters.
pub const MAX_WORD_CHARS: usize = 100;
/// The longest mention text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 20_000;
/// The widest volume window, in minutes (a week).
pub const MAX_WINDOW_MINUTES: i64 = 7 * 24 * 60;

words!(
    /// How a mention reads.
    Sentiment, "sentiment", {
        /// Below -0.05.
        Negative = "negative",
        /// From -0.05 to 0.05.
        Neutral = "neutral",
        /// Above 0.05.
        Positive = "positive",
    }
);

impl Sentiment {
    /// The name of a sentiment score.
    pub fn of(score: f64) -> Self {
        if score < -NEUTRAL_BAND {
            Self::Negative
        } else if score > NEUTRAL_BAND {
            Self::Positive
        } else {
            Self::Neutral
        }
    }

    /// The scores with this name as `(low, high)` bounds: `low <= s`, `s < high`
    /// (open where `None`), as a query filters them.
    pub fn bounds(self) -> (Option<f64>, Option<f64>) {
        match self {
            Self::Negative => (None, Some(-NEUTRAL_BAND)),
            // -0.05 itself is neutral; 0.05 too (the band is closed).
            Self::Neutral => (Some(-NEUTRAL_BAND), Some(NEUTRAL_BAND + f64::EPSILON)),
            Self::Positive => (Some(NEUTRAL_BAND + f64::EPSILON), None),
        }
    }
}

words!(
    /// What a monitoring rule looks at.
    RuleKind, "rule kind", {
        /// Words or phrases in the text.
        Keyword = "keyword",
        /// The text's sentiment.
        SentimentBelow = "sentiment_below",
        /// Who wrote it: a tier-A or at-risk customer.
        AuthorTier = "author_tier",
        /// How many mentions arrive at once.
        VolumeSpike = "volume_spike",
    }
);

/// A checked monitoring rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleSpec {
    /// Any of these words or phrases, lowercased.
    Keyword {
        /// The words and phrases.
        words: Vec<String>,
    },
    /// Sentiment below the threshold.
    SentimentBelow {
        /// From -1 to 1.
        threshold: f64,
    },
    /// The author is a tier-A or at-risk customer.
    AuthorTier,
    /// More than `count` mentions within `minutes`.
    VolumeSpike {
        /// How many mentions are usual.
        count: i64,
        /// The window.
        minutes: i64,
    },
}

/// A rule's settings as a person or program sends them (only those of its kind count).
#[derive(Clone, Debug, Default)]
pub struct RuleInput<'a> {
    /// The kind.
    pub kind: &'a str,
    /// For `keyword`.
    pub words: &'a [String],
    /// For `sentiment_below`.
    pub threshold: Option<f64>,
    /// For `volume_spike`.
    pub count: Option<i64>,
    /// For `volume_spike`.
    pub minutes: Option<i64>,
}

/// Why a rule cannot be kept: the field and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RuleError {
    /// The field, e.g. "words[2]".
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn rule_err(field: &str, message: impl Into<String>) -> RuleError {
    RuleError {
        field: field.to_string(),
        message: message.into(),
    }
}

impl RuleSpec {
    /// Checks a rule as sent.
    pub fn check(input: &RuleInput<'_>) -> Result<Self, RuleError> {
        let kind: RuleKind = input
            .kind
            .parse()
            .map_err(|e: UnknownWord| rule_err("kind", e.to_string()))?;
        match kind {
            RuleKind::Keyword => {
                let mut words: Vec<String> = Vec::new();
                for (i, w) in input.words.iter().enumerate() {
                    let w = tokens(w).join(" ");
                    let field = format!("words[{i}]");
                    if w.is_empty() {
                        return Err(rule_err(&field, "a word or phrase needs at least one letter or digit"));
                    }
                    if w.chars().count() > MAX_WORD_CHARS {
                        return Err(rule_err(&field, format!("at most {MAX_WORD_CHARS} characters")));
                    }
                    if !words.contains(&w) {
                        words.push(w);
                    }
                }
                if words.is_empty() {
                    return Err(rule_err("words", "give at least one word or phrase"));
                }
                if words.len() > MAX_WORDS {
                    return Err(rule_err("words", format!("at most {MAX_WORDS} words or phrases")));
                }
                Ok(Self::Keyword { words })
            }
            RuleKind::SentimentBelow => match input.threshold {
                Some(t) if t.is_finite() && (-1.0..=1.0).contains(&t) => Ok(Self::SentimentBelow { threshold: t }),
                Some(_) => Err(rule_err("threshold", "a number from -1 to 1")),
                None => Err(rule_err(
                    "threshold",
                    "give the threshold, a number from -1 to 1 (e.g. -0.3)",
                )),
            },
            RuleKind::AuthorTier => Ok(Self::AuthorTier),
            RuleKind::VolumeSpike => {
                let count = match input.count {
                    Some(c) if (1..=100_000).contains(&c) => c,
                    _ => return Err(rule_err("count", "a whole number of mentions from 1 to 100000")),
                };
                let minutes = match input.minutes {
                    Some(m) if (1..=MAX_WINDOW_MINUTES).contains(&m) => m,
                    _ => {
                        return Err(rule_err(
                            "minutes",
                            format!("a whole number of minutes from 1 to {MAX_WINDOW_MINUTES}"),
                        ));
                    }
                };
                Ok(Self::VolumeSpike { count, minutes })
            }
        }
    }

    /// The rule's kind.
    pub fn kind(&self) -> RuleKind {
        match self {
            Self::Keyword { .. } => RuleKind::Keyword,
            Self::SentimentBelow { .. } => RuleKind::SentimentBelow,
            Self::AuthorTier => RuleKind::AuthorTier,
            Self::VolumeSpike { .. } => RuleKind::VolumeSpike,
        }
    }

    /// The rule in plain words.
    pub fn words(&self) -> String {
        match self {
            Self::Keyword { words } => format!("mentions {}", quoted_list(words)),
            Self::SentimentBelow { threshold } => format!("sentiment below {threshold:.2}"),
            Self::AuthorTier => "written by a tier-A or at-risk customer".into(),
            Self::VolumeSpike { count, minutes } => format!("more than {count} mentions within {minutes} minutes"),
        }
    }

    /// Whether the rule fires on a mention with these facts, and why.
    pub fn fires(&self, m: &MentionFacts<'_>) -> Option<String> {
        match self {
            Self::Keyword { words } => keyword_in(m.text, words).map(|w| format!("mentions \u{201c}{w}\u{201d}")),
            Self::SentimentBelow { threshold } => {
                (m.sentiment < *threshold).then(|| format!("sentiment {:.2} is below {threshold:.2}", m.sentiment))
            }
            Self::AuthorTier => match (m.tier_a, m.at_risk) {
                (true, _) => Some("the author is a tier-A customer".into()),
                (false, true) => Some("the author is a customer at risk".into()),
                _ => None,
            },
            Self::VolumeSpike { count, minutes } => (m.recent > *count).then(|| {
                format!(
                    "{} mentions within {minutes} minutes (usual: at most {count})",
                    m.recent
                )
            }),
        }
    }
}

fn quoted_list(words: &[String]) -> String {
    let q: Vec<String> = words.iter().map(|w| format!("\u{201c}{w}\u{201d}")).collect();
    q.join(" or ")
}

/// What the rules look at for one mention.
#[derive(Clone, Debug, Default)]
pub struct MentionFacts<'a> {
    /// The text.
    pub text: &'a str,
    /// Its sentiment, -1 to 1.
    pub sentiment: f64,
    /// The author is a known customer of tier A.
    pub tier_a: bool,
    /// The author is a known customer at risk.
    pub at_risk: bool,
    /// Mentions posted within a volume rule's window, this one included.
    pub recent: i64,
}

/// The words of a text, lowercased: runs of letters and digits.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The first of `words` (each a word or phrase, as [`tokens`] reads it)
/// that `text` holds as whole words.
pub fn keyword_in<'w>(text: &str, words: &'w [String]) -> Option<&'w str> {
    let text = tokens(text);
    words.iter().map(String::as_str).find(|w| {
        let phrase: Vec<&str> = w.split(' ').filter(|p| !p.is_empty()).collect();
        !phrase.is_empty()
            && text
                .windows(phrase.len())
                .any(|win| win.iter().zip(&phrase).all(|(a, b)| a == b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: &str, words: &[&str]) -> Result<RuleSpec, RuleError> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        RuleSpec::check(&RuleInput {
            kind,
            words: &words,
            ..Default::default()
        })
    }

    #[test]
    fn keywords_match_whole_words_without_case() {
        let rule = spec("keyword", &["Refund", "  money   back ", "refund"]).expect("rule");
        assert_eq!(
            rule,
            RuleSpec::Keyword {
                words: vec!["refund".into(), "money back".into()]
            }
        );
        let fires = |t: &str| {
            rule.fires(&MentionFacts {
                text: t,
                ..Default::default()
            })
            .is_some()
        };
        assert!(fires("I want a REFUND!"));
        assert!(fires("Give me my money, back? No: money back now"));
        assert!(!fires("refunds are slow"));
        assert!(!fires("money is back"));
        assert!(!fires("nonrefund"));
        assert_eq!(spec("keyword", &[]).map_err(|e| e.field), Err("words".into()));
        assert_eq!(
            spec("keyword", &["ok", " !! "]).map_err(|e| e.field),
            Err("words[1]".into())
        );
        assert_eq!(spec("loud", &[]).map_err(|e| e.field), Err("kind".into()));
    }

    #[test]
    fn thresholds_tiers_and_spikes() {
        let below = RuleSpec::check(&RuleInput {
            kind: "sentiment_below",
            threshold: Some(-0.3),
            ..Default::default()
        })
        .expect("rule");
        assert!(
            below
                .fires(&MentionFacts {
                    sentiment: -0.5,
                    ..Default::default()
                })
                .is_some()
        );
        assert!(
            below
                .fires(&MentionFacts {
                    sentiment: -0.3,
                    ..Default::default()
                })
                .is_none()
        );
        for bad in [Some(-1.5), Some(f64::NAN), None] {
            let r = RuleSpec::check(&RuleInput {
                kind: "sentiment_below",
                threshold: bad,
                ..Default::default()
            });
            assert_eq!(r.map_err(|e| e.field), Err("threshold".into()));
        }
        let tier = spec("author_tier", &[]).expect("rule");
        assert!(
            tier.fires(&MentionFacts {
                tier_a: true,
                ..Default::default()
            })
            .is_some()
        );
        assert!(
            tier.fires(&MentionFacts {
                at_risk: true,
                ..Default::default()
            })
            .is_some()
        );
        assert!(tier.fires(&MentionFacts::default()).is_none());
        let spike = RuleSpec::check(&RuleInput {
            kind: "volume_spike",
            count: Some(3),
            minutes: Some(10),
            ..Default::default()
        })
        .expect("rule");
        assert!(
            spike
                .fires(&MentionFacts {
                    recent: 3,
                    ..Default::default()
                })
                .is_none()
        );
        assert!(
            spike
                .fires(&MentionFacts {
                    recent: 4,
                    ..Default::default()
                })
                .is_some()
        );
        let no_window = RuleSpec::check(&RuleInput {
            kind: "volume_spike",
            count: Some(3),
            ..Default::default()
        });
        assert_eq!(no_window.map_err(|e| e.field), Err("minutes".into()));
    }

    #[test]
    fn sentiment_names_and_bounds_agree() {
        for s in [-1.0, -0.3, -0.05, 0.0, 0.05, 0.0501, 0.7] {
            let name = Sentiment::of(s);
            let (lo, hi) = name.bounds();
            assert!(lo.is_none_or(|l| l <= s) && hi.is_none_or(|h| s < h), "{s} {name}");
        }
        assert_eq!(Sentiment::of(-0.06), Sentiment::Negative);
        assert_eq!(Sentiment::of(0.06), Sentiment::Positive);
    }
}

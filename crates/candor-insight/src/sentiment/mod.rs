//! Sentiment of a customer message, in -1 (angry) ..= 1 (delighted).
//!
//! English: VADER (the `vader-parity` crate, which matches the reference
//! vaderSentiment 3.3.2) plus a support-domain adjustment from
//! `data/sentiment/support_en.toml` (see [`support`]). German, French,
//! Spanish, Italian, Portuguese and Dutch: a small hand-written lexicon per
//! language (see [`lexicon`]). Other languages: neutral, `method: none`.

mod lexicon;
mod support;

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use vader_parity::SentimentIntensityAnalyzer;

use crate::coach::base_code;

/// Scores within ±this are neutral (VADER's customary threshold).
pub const NEUTRAL_BAND: f64 = 0.05;

/// VADER's normalisation constant: `score = x / sqrt(x² + ALPHA)`.
pub(crate) const ALPHA: f64 = 15.0;

/// The label of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SentimentLabel {
    /// score < -0.05
    Negative,
    /// -0.05 ..= 0.05
    Neutral,
    /// score > 0.05
    Positive,
}

impl SentimentLabel {
    /// The label of `score`.
    pub fn of(score: f64) -> SentimentLabel {
        if score > NEUTRAL_BAND {
            SentimentLabel::Positive
        } else if score < -NEUTRAL_BAND {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        }
    }

    /// Parse "negative" / "neutral" / "positive".
    pub fn parse(s: &str) -> Option<SentimentLabel> {
        match s.trim() {
            "negative" => Some(SentimentLabel::Negative),
            "neutral" => Some(SentimentLabel::Neutral),
            "positive" => Some(SentimentLabel::Positive),
            _ => None,
        }
    }
}

/// How a score was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SentimentMethod {
    /// VADER with the support-domain adjustment (English).
    VaderSupport,
    /// The language's own small lexicon.
    Lexicon,
    /// No method for this language: always neutral.
    None,
}

/// The sentiment of one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// -1 ..= 1.
    pub score: f64,
    /// The score's label (±0.05 band is neutral).
    pub label: SentimentLabel,
    /// How it was computed.
    pub method: SentimentMethod,
    /// For English, plain VADER's compound score before the adjustment.
    pub vader: Option<f64>,
    /// Ids of the support rules that changed the score, in order applied.
    pub adjustments: Vec<String>,
}

static VADER: LazyLock<SentimentIntensityAnalyzer> = LazyLock::new(SentimentIntensityAnalyzer::new);

/// Map an unbounded sum to -1..=1 the way VADER does.
pub(crate) fn normalize(x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    (x / (x * x + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// Invert [`normalize`]: the raw sum that gives compound `c`.
pub(crate) fn denormalize(c: f64) -> f64 {
    let c = c.clamp(-0.9999, 0.9999);
    c * ALPHA.sqrt() / (1.0 - c * c).sqrt()
}

/// Plain VADER compound score (English), without our adjustment.
pub fn vader_compound(text: &str) -> f64 {
    VADER.polarity_scores(text).compound
}

/// Sentiment of `text` written in `lang` (ISO 639-1).
pub fn sentiment(text: &str, lang: &str) -> Sentiment {
    let code = base_code(lang);
    if code == "en" {
        return support::score(text, &VADER);
    }
    match lexicon::lexicon(&code) {
        Some(lex) => {
            let score = lex.score(text);
            Sentiment {
                score,
                label: SentimentLabel::of(score),
                method: SentimentMethod::Lexicon,
                vader: None,
                adjustments: Vec::new(),
            }
        }
        None => Sentiment {
            score: 0.0,
            label: SentimentLabel::Neutral,
            method: SentimentMethod::None,
            vader: None,
            adjustments: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_roundtrips() {
        for c in [-0.9, -0.3, 0.0, 0.42, 0.95] {
            assert!((normalize(denormalize(c)) - c).abs() < 1e-9);
        }
    }

    #[test]
    fn support_adjustment_fixes_the_classic_case() {
        let text = "Hello, I cannot log in since yesterday, please help";
        assert!(vader_compound(text) > 0.05, "plain VADER calls it positive");
        let s = sentiment(text, "en");
        assert_eq!(s.label, SentimentLabel::Negative, "{s:?}");
    }

    #[test]
    fn lexicon_languages_score() {
        assert_eq!(
            sentiment("Das ist leider immer noch kaputt, sehr ärgerlich.", "de").label,
            SentimentLabel::Negative
        );
        assert_eq!(
            sentiment("Vielen Dank, das hat super geklappt!", "de").label,
            SentimentLabel::Positive
        );
        assert_eq!(sentiment("Hola", "xx").method, SentimentMethod::None);
    }
}

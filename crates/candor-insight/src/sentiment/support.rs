//! The support-domain adjustment to VADER, from `data/sentiment/support_en.toml`.
//!
//! Plain VADER reads "please help" and "thanks" as positive, so a complaint
//! that ends politely scores positive. The adjustment, in order:
//!
//! 1. **neutralise**: requests for help and closing formulas ("please help",
//!    "thanks in advance", "kind regards") are removed before VADER runs;
//! 2. **politeness**: when a problem phrase is present, plain "thanks",
//!    "please" and greetings are removed too;
//! 3. **sarcasm**: markers ("thanks for nothing", "great, another") are
//!    removed, their weight is added, and any positive remainder is flipped;
//! 4. **problem**: each problem phrase ("cannot log in", "charged twice")
//!    adds its (negative) weight.
//!
//! Weights are on VADER's raw scale (a lexicon word is about ±2); the sum is
//! normalised like VADER's compound: `x / sqrt(x² + 15)`.

use std::sync::LazyLock;

use serde::Deserialize;
use vader_parity::SentimentIntensityAnalyzer;

use super::{Sentiment, SentimentLabel, SentimentMethod, denormalize, normalize};
use crate::phrase::{PatternError, PhraseSet};
use crate::text::Normalized;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    #[serde(default)]
    weight: f64,
    patterns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SupportFile {
    neutralise: Vec<RuleDef>,
    politeness: Vec<RuleDef>,
    sarcasm: Vec<RuleDef>,
    problem: Vec<RuleDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Neutralise,
    Politeness,
    Sarcasm,
    Problem,
}

struct Rules {
    set: PhraseSet,
    rules: Vec<(Kind, String, f64)>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SupportError {
    #[error("{0}")]
    Toml(String),
    #[error(transparent)]
    Pattern(#[from] PatternError),
}

fn parse(source: &str) -> Result<Rules, SupportError> {
    let file: SupportFile = toml::from_str(source).map_err(|e| SupportError::Toml(e.to_string()))?;
    let mut rules = Vec::new();
    let mut pairs: Vec<(usize, String)> = Vec::new();
    let groups = [
        (Kind::Neutralise, file.neutralise),
        (Kind::Politeness, file.politeness),
        (Kind::Sarcasm, file.sarcasm),
        (Kind::Problem, file.problem),
    ];
    for (kind, defs) in groups {
        for d in defs {
            let i = rules.len();
            rules.push((kind, d.id, d.weight));
            pairs.extend(d.patterns.into_iter().map(|p| (i, p)));
        }
    }
    let set = PhraseSet::new(pairs.iter().map(|(i, p)| (*i, p.as_str())))?;
    Ok(Rules { set, rules })
}

pub(crate) const SOURCE: &str = include_str!("../../data/sentiment/support_en.toml");

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    // Compiled-in data; `tests::support_rules_parse` proves it parses.
    #[allow(clippy::expect_used)]
    parse(SOURCE).expect("built-in support sentiment rules parse")
});

/// Score English `text`: VADER plus the support adjustment.
pub(super) fn score(text: &str, vader: &SentimentIntensityAnalyzer) -> Sentiment {
    let plain = vader.polarity_scores(text).compound;
    let norm = Normalized::new(text);
    let matches = RULES.set.find_all(&norm);
    let mut remove: Vec<(usize, usize)> = Vec::new();
    let mut adjustments = Vec::new();
    let mut extra = 0.0;
    let mut sarcastic = false;
    let has_problem = matches
        .iter()
        .any(|m| RULES.rules.get(m.owner).is_some_and(|r| r.0 == Kind::Problem));
    let mut last_end = 0usize;
    for m in &matches {
        let Some((kind, id, weight)) = RULES.rules.get(m.owner) else {
            continue;
        };
        // Overlapping matches: the earliest, longest one wins.
        if m.start < last_end {
            continue;
        }
        match kind {
            Kind::Neutralise => remove.push(norm.char_range(m.start, m.end)),
            Kind::Politeness if has_problem => remove.push(norm.char_range(m.start, m.end)),
            Kind::Politeness => continue,
            Kind::Sarcasm => {
                remove.push(norm.char_range(m.start, m.end));
                extra += weight;
                sarcastic = true;
            }
            Kind::Problem => extra += weight,
        }
        last_end = m.end;
        adjustments.push(id.clone());
    }
    let base = if remove.is_empty() {
        plain
    } else {
        let kept: String = text
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if remove.iter().any(|&(s, e)| i >= s && i < e) {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        vader.polarity_scores(&kept).compound
    };
    let mut x = denormalize(base);
    if sarcastic && x > 0.0 {
        x = -x;
    }
    let score = if adjustments.is_empty() {
        plain
    } else {
        (normalize(x + extra) * 10_000.0).round() / 10_000.0
    };
    Sentiment {
        score,
        label: SentimentLabel::of(score),
        method: SentimentMethod::VaderSupport,
        vader: Some(plain),
        adjustments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_rules_parse() {
        assert!(parse(SOURCE).is_ok());
    }

    #[test]
    fn sarcasm_flips() {
        let v = SentimentIntensityAnalyzer::new();
        let s = score("Oh wonderful, another update that deleted my files. Love it.", &v);
        assert_eq!(s.label, SentimentLabel::Negative, "{s:?}");
    }

    #[test]
    fn praise_stays_positive() {
        let v = SentimentIntensityAnalyzer::new();
        let s = score("Thank you so much, it works perfectly now!", &v);
        assert_eq!(s.label, SentimentLabel::Positive, "{s:?}");
    }
}

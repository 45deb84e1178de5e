//! The statistical layer of the coach: one logistic-regression sentence
//! classifier per category (blame, evasive, doublespeak, policy, script),
//! over lower-cased word unigrams and bigrams plus a few hand features (see
//! [`features`]). It adds a finding only for a sentence where no rule of that
//! category fired, only above a per-category threshold chosen by
//! cross-validation on the development sets (see [`crate::eval::cv`]), and
//! names the words that weighed most.
//!
//! The model is trained on first use from the English development rows
//! compiled into the binary (`data/eval/coach_en*.tsv`), labelled at sentence
//! level with the help of the built-in rules ([`train::label_sentences`]).
//! Training is deterministic: same data, same weights.

mod features;
pub mod train;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use super::{Category, Finding};
use crate::text::{Normalized, sentences};

/// Number of classified categories.
pub const N: usize = 5;

/// The categories the layer classifies, in weight order.
pub const CLASSIFIED: [Category; N] = [
    Category::Blame,
    Category::Evasive,
    Category::Doublespeak,
    Category::Policy,
    Category::Script,
];

/// Probability a sentence must reach before the layer reports it, per entry
/// of [`CLASSIFIED`]: from 0.5 up (a finding must be more likely than not),
/// the lowest threshold from which cross-validated precision on the English
/// development rows stays at least 0.93 (`insight-eval --cv`;
/// `tests/eval.rs` checks these are the ones it chooses).
pub const THRESHOLDS: [f32; N] = [0.91, 0.84, 0.59, 0.5, 0.5];

/// Most words named in a finding's explanation.
const EXPLAIN_WORDS: usize = 3;

/// A sentence of a normalised text: byte range in it and char range in the
/// original, both without surrounding whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SentenceSpan {
    pub start: usize,
    pub end: usize,
    pub char_start: usize,
    pub char_end: usize,
}

/// The sentences of `norm`, trimmed.
pub(crate) fn sentence_spans(norm: &Normalized) -> Vec<SentenceSpan> {
    sentences(&norm.text)
        .into_iter()
        .filter_map(|(s, e)| {
            let part = norm.text.get(s..e)?;
            let start = s + (part.len() - part.trim_start().len());
            let end = e - (part.len() - part.trim_end().len());
            if start >= end {
                return None;
            }
            let (char_start, char_end) = norm.char_range(start, end);
            Some(SentenceSpan {
                start,
                end,
                char_start,
                char_end,
            })
        })
        .collect()
}

/// FNV-1a: feature names are short and not attacker-chosen keys of a
/// long-lived table that grows, so a fast hash is enough.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type FeatureIndex = HashMap<String, u32, BuildHasherDefault<Fnv>>;

/// Trained weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    index: FeatureIndex,
    names: Vec<String>,
    weights: Vec<[f32; N]>,
    bias: [f32; N],
    english: bool,
}

/// A sentence's known features, ready to score.
#[derive(Debug, Clone)]
pub struct Scored {
    feats: Vec<u32>,
    /// Probability per entry of [`CLASSIFIED`].
    pub probability: [f32; N],
}

impl Model {
    fn new(names: Vec<String>, weights: Vec<[f32; N]>, bias: [f32; N], english: bool) -> Model {
        let index = names.iter().enumerate().map(|(i, n)| (n.clone(), i as u32)).collect();
        Model {
            index,
            names,
            weights,
            bias,
            english,
        }
    }

    /// Score a normalised sentence for every category.
    pub fn score(&self, sentence: &str) -> Scored {
        let mut feats: Vec<u32> = Vec::new();
        features::each_feature(sentence, self.english, |f| {
            if let Some(&id) = self.index.get(f) {
                feats.push(id);
            }
        });
        feats.sort_unstable();
        feats.dedup();
        let mut probability = [0.0f32; N];
        if feats.is_empty() {
            for (p, b) in probability.iter_mut().zip(self.bias) {
                *p = sigmoid(b);
            }
            return Scored { feats, probability };
        }
        let v = 1.0 / (feats.len() as f32).sqrt();
        let mut z = self.bias;
        for w in feats.iter().filter_map(|&f| self.weights.get(f as usize)) {
            for (zk, wk) in z.iter_mut().zip(w) {
                *zk += wk * v;
            }
        }
        for (p, zk) in probability.iter_mut().zip(z) {
            *p = sigmoid(zk);
        }
        Scored { feats, probability }
    }

    /// The features of `scored` that pushed category `k` up most, as words.
    pub fn explain(&self, scored: &Scored, k: usize) -> Vec<String> {
        let mut parts: Vec<(f32, u32)> = scored
            .feats
            .iter()
            .filter_map(|&f| Some((self.weights.get(f as usize)?.get(k).copied()?, f)))
            .filter(|(w, _)| *w > 0.0)
            .collect();
        // Heaviest first; ties by feature id, so the order is stable.
        parts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut out: Vec<String> = Vec::new();
        for (_, f) in parts {
            let Some(name) = self.names.get(f as usize).filter(|n| features::explains(n)) else {
                continue;
            };
            let shown = features::display(name);
            if !out.contains(&shown) {
                out.push(shown);
            }
            if out.len() == EXPLAIN_WORDS {
                break;
            }
        }
        out
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The English model, trained on first use from the development rows.
static ENGLISH: LazyLock<Model> = LazyLock::new(|| {
    let data = crate::eval::training_sentences("en");
    train::train(&data, true, train::TrainParams::default())
});

/// The model for `lang`, if the layer covers it.
pub(crate) fn model_for(lang: &str) -> Option<&'static Model> {
    (lang == "en").then(|| &*ENGLISH)
}

fn wording(cat: Category) -> (&'static str, &'static str) {
    match cat {
        Category::Blame => (
            "blame",
            "Say what happened and what you will do, without pointing at the customer.",
        ),
        Category::Evasive => (
            "an evasive passive",
            "Say who did it or who will: \"I cancelled…\", \"our billing team declined…\".",
        ),
        Category::Doublespeak => ("jargon", "Say it in plain words, as you would to a friend."),
        Category::Policy => (
            "hiding behind policy",
            "Say what you can do, or the reason in plain words.",
        ),
        _ => ("a script", "Say it in your own words, about this customer's problem."),
    }
}

/// Findings of `model` on `norm`: one per sentence and category where no
/// finding of that category in `existing` overlaps the sentence, no rule of
/// that category was turned down in it (`declined`: category and char
/// offset; a rule's stated exception wins over the statistics), and the
/// probability reaches `thresholds`.
pub(crate) fn findings(
    model: &Model,
    norm: &Normalized,
    existing: &[Finding],
    declined: &[(Category, usize)],
    thresholds: &[f32; N],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for sp in sentence_spans(norm) {
        let Some(sentence) = norm.text.get(sp.start..sp.end) else {
            continue;
        };
        let scored = model.score(sentence);
        for (k, cat) in CLASSIFIED.into_iter().enumerate() {
            let (Some(&p), Some(&t)) = (scored.probability.get(k), thresholds.get(k)) else {
                continue;
            };
            if p < t {
                continue;
            }
            let ruled = existing
                .iter()
                .any(|f| f.category == cat && f.start < sp.char_end && sp.char_start < f.end)
                || declined
                    .iter()
                    .any(|&(c, at)| c == cat && sp.char_start <= at && at < sp.char_end);
            if ruled {
                continue;
            }
            let words = model.explain(&scored, k).join(", ");
            let (name, suggestion) = wording(cat);
            out.push(Finding {
                category: cat,
                start: sp.char_start,
                end: sp.char_end,
                message: format!(
                    "Reads like {name}: {words} (statistical, {:.0}% sure; no rule matched).",
                    p * 100.0
                ),
                suggestion: suggestion.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;

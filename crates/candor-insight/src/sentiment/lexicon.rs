//! A small lexicon method for languages other than English, from
//! `data/sentiment/{lang}.toml` (our own word lists, a few hundred entries in
//! all, tuned for support messages).
//!
//! Method: phrases first ("funktioniert nicht", "ne marche pas"), each adds
//! its valence and hides its words from the word pass; then each word adds
//! its valence (entries ending in `*` match as prefixes, so "kaputt*" covers
//! "kaputte"); an intensifier just before a word scales it; a negation
//! within the three words before flips and damps it (× -0.74, as VADER);
//! after a contrast word ("aber", "mais", "pero") words count 1.5×, before
//! it 0.5×; each "!" (at most 4) pushes the sum 0.292 further from zero.
//! The sum is normalised like VADER's compound.
//!
//! Limits: no morphology beyond prefixes, no sarcasm, no idioms beyond the
//! phrase list, negation only before the word (German "gefällt mir nicht" is
//! a phrase entry), and lists of a few dozen words: expect coarse results on
//! anything but short support messages.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::normalize;
use crate::phrase::{PatternError, PhraseSet};
use crate::text::{Normalized, tokens};

/// VADER's damping of a negated word.
const NEGATION_SCALAR: f64 = -0.74;
/// VADER's push per exclamation mark.
const EXCLAMATION: f64 = 0.292;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    negations: Vec<String>,
    contrast: Vec<String>,
    intensifiers: HashMap<String, f64>,
    words: HashMap<String, f64>,
    phrases: HashMap<String, f64>,
}

pub(crate) struct Lexicon {
    negations: Vec<String>,
    contrast: Vec<String>,
    intensifiers: HashMap<String, f64>,
    words: HashMap<String, f64>,
    prefixes: Vec<(String, f64)>,
    phrases: PhraseSet,
    phrase_values: Vec<f64>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum LexiconError {
    #[error("{0}")]
    Toml(String),
    #[error(transparent)]
    Pattern(#[from] PatternError),
}

fn lower(s: &str) -> String {
    Normalized::new(s).text
}

impl Lexicon {
    pub fn parse(source: &str) -> Result<Lexicon, LexiconError> {
        let f: LexiconFile = toml::from_str(source).map_err(|e| LexiconError::Toml(e.to_string()))?;
        let mut words = HashMap::new();
        let mut prefixes = Vec::new();
        for (w, v) in f.words {
            match w.strip_suffix('*') {
                Some(p) => prefixes.push((lower(p), v)),
                None => {
                    words.insert(lower(&w), v);
                }
            }
        }
        prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mut phrase_list: Vec<(String, f64)> = f.phrases.into_iter().collect();
        phrase_list.sort_by(|a, b| a.0.cmp(&b.0));
        let phrases = PhraseSet::new(phrase_list.iter().enumerate().map(|(i, (p, _))| (i, p.as_str())))?;
        Ok(Lexicon {
            negations: f.negations.iter().map(|n| lower(n)).collect(),
            contrast: f.contrast.iter().map(|n| lower(n)).collect(),
            intensifiers: f.intensifiers.into_iter().map(|(k, v)| (lower(&k), v)).collect(),
            words,
            prefixes,
            phrases,
            phrase_values: phrase_list.into_iter().map(|(_, v)| v).collect(),
        })
    }

    fn word_value(&self, w: &str) -> Option<f64> {
        if let Some(v) = self.words.get(w) {
            return Some(*v);
        }
        self.prefixes
            .iter()
            .find(|(p, _)| w.starts_with(p.as_str()))
            .map(|(_, v)| *v)
    }

    /// Score `text` in -1..=1.
    pub fn score(&self, text: &str) -> f64 {
        let norm = Normalized::new(text);
        let t = norm.text.as_str();
        let mut covered: Vec<(usize, usize)> = Vec::new();
        let mut items: Vec<(usize, f64)> = Vec::new(); // (byte position, valence)
        for m in self.phrases.find_all(&norm) {
            if covered.iter().any(|&(s, e)| m.start < e && s < m.end) {
                continue;
            }
            if let Some(v) = self.phrase_values.get(m.owner) {
                covered.push((m.start, m.end));
                items.push((m.start, *v));
            }
        }
        let toks = tokens(t);
        for (i, tok) in toks.iter().enumerate() {
            if covered.iter().any(|&(s, e)| tok.start < e && s < tok.end) {
                continue;
            }
            let Some(mut v) = self.word_value(tok.text) else {
                continue;
            };
            if let Some(prev) = i.checked_sub(1).and_then(|j| toks.get(j))
                && let Some(boost) = self.intensifiers.get(prev.text)
            {
                v *= 1.0 + boost;
            }
            // A negation counts when it is not part of a phrase and no
            // punctuation stands between it and the word.
            let negated = toks.get(i.saturating_sub(3)..i).unwrap_or_default().iter().any(|p| {
                self.negations.iter().any(|n| n == p.text)
                    && !covered.iter().any(|&(s, e)| p.start < e && s < p.end)
                    && !t
                        .get(p.end..tok.start)
                        .is_some_and(|gap| gap.contains([',', '.', ';', '!', '?', ':']))
            });
            if negated {
                v *= NEGATION_SCALAR;
            }
            items.push((tok.start, v));
        }
        // Contrast: the last contrast word splits the message.
        if let Some(pivot) = toks
            .iter()
            .rev()
            .find(|tk| self.contrast.iter().any(|c| c == tk.text))
            .map(|tk| tk.start)
        {
            for (pos, v) in &mut items {
                *v *= if *pos > pivot { 1.5 } else { 0.5 };
            }
        }
        let mut sum: f64 = items.iter().map(|(_, v)| v).sum();
        let bangs = t.matches('!').count().min(4) as f64;
        if sum > 0.0 {
            sum += bangs * EXCLAMATION;
        } else if sum < 0.0 {
            sum -= bangs * EXCLAMATION;
        }
        (normalize(sum) * 10_000.0).round() / 10_000.0
    }
}

const SOURCES: &[(&str, &str)] = &[
    ("de", include_str!("../../data/sentiment/de.toml")),
    ("fr", include_str!("../../data/sentiment/fr.toml")),
    ("es", include_str!("../../data/sentiment/es.toml")),
    ("it", include_str!("../../data/sentiment/it.toml")),
    ("pt", include_str!("../../data/sentiment/pt.toml")),
    ("nl", include_str!("../../data/sentiment/nl.toml")),
];

static LEXICONS: LazyLock<Vec<(&'static str, Lexicon)>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(lang, src)| {
            // Compiled-in data; `tests::lexicons_parse` proves each parses.
            #[allow(clippy::expect_used)]
            let lex = Lexicon::parse(src).expect("built-in sentiment lexicon parses");
            (*lang, lex)
        })
        .collect()
});

/// The lexicon for `lang`.
pub(crate) fn lexicon(lang: &str) -> Option<&'static Lexicon> {
    LEXICONS.iter().find(|(l, _)| *l == lang).map(|(_, x)| x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicons_parse() {
        for (lang, src) in SOURCES {
            assert!(Lexicon::parse(src).is_ok(), "{lang}");
        }
    }

    #[test]
    fn negation_flips() {
        let de = lexicon("de");
        assert!(de.is_some_and(|l| l.score("Das ist gut") > 0.0));
        assert!(de.is_some_and(|l| l.score("Das ist nicht gut") < 0.0));
    }
}

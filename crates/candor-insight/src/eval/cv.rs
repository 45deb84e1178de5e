//! Cross-validation of the coach's statistical layer on the development sets
//! (never the held-out ones): each fold's rows are scored by a model trained
//! on the other folds' rows, then the rules' findings and the out-of-fold
//! classifier are combined as the coach combines them.
//!
//! Two splits: contiguous blocks of rows (rows written together, often
//! variants of one wording, stay in one fold) and one fold per file (each
//! file was written at a different time, so a fold holds wordings the
//! training rows may never have seen).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{COACH_SETS, CategoryScore, coach_row, rows, scoped_sentences};
pub use crate::coach::classify::THRESHOLDS;
pub use crate::coach::classify::train::TrainParams;
use crate::coach::classify::train::{LabelledSentence, train};
use crate::coach::classify::{CLASSIFIED, N, sentence_spans};
use crate::text::Normalized;
use crate::{Category, Coach};

/// How rows are split into folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// This many contiguous blocks of rows.
    Blocks(usize),
    /// One fold per development file.
    Files,
}

/// One row scored out of fold.
#[derive(Debug, Clone)]
pub struct RowOutcome {
    /// Labelled categories.
    pub expected: BTreeSet<Category>,
    /// Categories the coach found without the statistical layer.
    pub rules: BTreeSet<Category>,
    /// Per sentence: out-of-fold probability per classified category, and
    /// whether a rule of that category fired in the sentence.
    pub sentences: Vec<([f32; N], [bool; N])>,
    /// The categories the row's labels speak for (`None`: all).
    pub scope: Option<BTreeSet<Category>>,
}

/// Score every development row of `lang` out of fold.
pub fn out_of_fold(lang: &str, split: Split, params: TrainParams) -> Vec<RowOutcome> {
    let plain = Coach::standard().with_classifier(false);
    // (fold key, outcome without probabilities, labelled sentences)
    let mut all: Vec<(usize, RowOutcome, Vec<LabelledSentence>)> = Vec::new();
    let files: Vec<&str> = COACH_SETS.iter().filter(|(l, _)| *l == lang).map(|(_, s)| *s).collect();
    for (fi, src) in files.iter().enumerate() {
        for row in rows(src) {
            let row = coach_row(lang, &row);
            let rules: BTreeSet<Category> = plain
                .analyze(&row.text, &row.opts)
                .findings
                .iter()
                .map(|f| f.category)
                .collect();
            let labelled = scoped_sentences(&plain, lang, &row);
            let (text, expected, scope) = (row.text, row.expected, row.scope);
            // Where the coach would not ask the classifier: a rule of the
            // category fired in the sentence or was turned down in it.
            let norm = Normalized::new(&text);
            let (found, declined) = plain.rule_findings(&norm, &text, lang);
            let sentences = sentence_spans(&norm)
                .iter()
                .map(|sp| {
                    let ruled = CLASSIFIED.map(|cat| {
                        found
                            .iter()
                            .any(|f| f.category == cat && f.start < sp.char_end && sp.char_start < f.end)
                            || declined
                                .iter()
                                .any(|&(c, at)| c == cat && sp.char_start <= at && at < sp.char_end)
                    });
                    ([0.0; N], ruled)
                })
                .collect();
            all.push((
                fi,
                RowOutcome {
                    expected,
                    rules,
                    sentences,
                    scope,
                },
                labelled,
            ));
        }
    }
    let n = all.len();
    let folds = match split {
        Split::Blocks(k) => k.max(2),
        Split::Files => files.len().max(1),
    };
    let fold_of = |i: usize, file: usize| match split {
        Split::Blocks(k) => i * k.max(2) / n.max(1),
        Split::Files => file,
    };
    let english = lang == "en";
    for fold in 0..folds {
        let training: Vec<LabelledSentence> = all
            .iter()
            .enumerate()
            .filter(|(i, (file, _, _))| fold_of(*i, *file) != fold)
            .flat_map(|(_, (_, _, l))| l.iter().cloned())
            .collect();
        let model = train(&training, english, params);
        for (i, (file, outcome, labelled)) in all.iter_mut().enumerate() {
            if fold_of(i, *file) != fold {
                continue;
            }
            for ((probs, _), s) in outcome.sentences.iter_mut().zip(labelled.iter()) {
                *probs = model.score(&s.text).probability;
            }
        }
    }
    all.into_iter().map(|(_, o, _)| o).collect()
}

/// Figures of one category at one threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct CvFigures {
    /// The category.
    pub category: Category,
    /// The threshold used.
    pub threshold: f32,
    /// Rules alone.
    pub rules: CategoryScore,
    /// The classifier alone (a row is flagged when one sentence reaches the threshold).
    pub classifier: CategoryScore,
    /// Rules plus the classifier on sentences no rule of the category fired on.
    pub combined: CategoryScore,
}

fn score(category: Category) -> CategoryScore {
    CategoryScore {
        category,
        true_positives: 0,
        false_positives: 0,
        false_negatives: 0,
    }
}

fn count(s: &mut CategoryScore, expected: bool, got: bool) {
    match (expected, got) {
        (true, true) => s.true_positives += 1,
        (false, true) => s.false_positives += 1,
        (true, false) => s.false_negatives += 1,
        (false, false) => {}
    }
}

/// The figures of category `k` of [`CLASSIFIED`] at `threshold`.
pub fn figures(outcomes: &[RowOutcome], k: usize, threshold: f32) -> Option<CvFigures> {
    let category = *CLASSIFIED.get(k)?;
    let mut f = CvFigures {
        category,
        threshold,
        rules: score(category),
        classifier: score(category),
        combined: score(category),
    };
    for o in outcomes
        .iter()
        .filter(|o| o.scope.as_ref().is_none_or(|s| s.contains(&category)))
    {
        let expected = o.expected.contains(&category);
        let by_rules = o.rules.contains(&category);
        let mut alone = false;
        let mut added = false;
        for (probs, ruled) in &o.sentences {
            let hit = probs.get(k).is_some_and(|&p| p >= threshold);
            alone |= hit;
            added |= hit && !ruled.get(k).copied().unwrap_or(false);
        }
        count(&mut f.rules, expected, by_rules);
        count(&mut f.classifier, expected, alone);
        count(&mut f.combined, expected, by_rules || added);
    }
    Some(f)
}

/// Per category, the lowest threshold (in steps of 0.01 from 0.50: a
/// finding must be more likely than not) from which on every higher step both the classifier alone and rules plus
/// classifier keep `precision` (so one lucky step does not decide); 1.01
/// (never fires) when none does.
pub fn choose_thresholds(outcomes: &[RowOutcome], precision: f64) -> [f32; N] {
    let mut out = [1.01f32; N];
    for (k, slot) in out.iter_mut().enumerate() {
        for step in (50..100).rev() {
            let t = step as f32 / 100.0;
            let Some(f) = figures(outcomes, k, t) else { break };
            if f.classifier.precision() < precision || f.combined.precision() < precision {
                break;
            }
            if f.classifier.true_positives > 0 {
                *slot = t;
            }
        }
    }
    out
}

/// Time to label the English development rows with the rules, and to train
/// on them: the statistical layer's first-use cost.
pub fn training_cost() -> (std::time::Duration, std::time::Duration) {
    let started = std::time::Instant::now();
    let data = super::training_sentences("en");
    let labelled = started.elapsed();
    let started = std::time::Instant::now();
    let _ = train(&data, true, TrainParams::default());
    (labelled, started.elapsed())
}

/// The cross-validation report for `lang`: per split, per category, rules
/// alone, classifier alone and both, at [`THRESHOLDS`]; and the thresholds
/// the 10-block split would choose for precision 0.93.
pub fn report(lang: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Statistical layer: cross-validated on the development rows ({lang})\n"
    );
    let _ = writeln!(
        out,
        "| split | category | threshold | rules P | rules R | classifier P | classifier R | rules+classifier P | rules+classifier R |"
    );
    let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let params = TrainParams::default();
    let mut chosen = None;
    for (name, split) in [("10 blocks", Split::Blocks(10)), ("per file", Split::Files)] {
        let outcomes = out_of_fold(lang, split, params);
        for (k, t) in THRESHOLDS.iter().enumerate() {
            let Some(f) = figures(&outcomes, k, *t) else { continue };
            let _ = writeln!(
                out,
                "| {name} | {} | {t:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
                f.category.as_str(),
                f.rules.precision(),
                f.rules.recall(),
                f.classifier.precision(),
                f.classifier.recall(),
                f.combined.precision(),
                f.combined.recall()
            );
        }
        if chosen.is_none() {
            chosen = Some(choose_thresholds(&outcomes, 0.93));
        }
    }
    if let Some(c) = chosen {
        let _ = writeln!(out, "\nThresholds for precision 0.93 (10 blocks): {c:?}");
    }
    out
}

/// For tuning the training parameters: per parameter set, the thresholds
/// the 10-block split chooses for precision 0.93 and the classifier-alone
/// recall they give.
pub fn sweep(params: &[TrainParams]) -> String {
    let mut out = String::new();
    for p in params {
        let outcomes = out_of_fold("en", Split::Blocks(10), *p);
        let chosen = choose_thresholds(&outcomes, 0.93);
        let _ = write!(out, "{p:?}:");
        for (k, t) in chosen.iter().enumerate() {
            if let Some(f) = figures(&outcomes, k, *t) {
                let _ = write!(
                    out,
                    " {} t={t:.2} P={:.2} R={:.2};",
                    f.category.as_str(),
                    f.classifier.precision(),
                    f.classifier.recall()
                );
            }
        }
        let _ = writeln!(out);
    }
    out
}

//! Training: sentence labels from labelled rows, and L2-regularised logistic
//! regression per category by stochastic gradient descent in a fixed order.
//! The same data and parameters always give the same weights.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::features::each_feature;
use super::{CLASSIFIED, Fnv, Model, N};
use crate::coach::{Category, Finding};
use crate::text::Normalized;

/// Training parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainParams {
    /// Passes over the data.
    pub epochs: usize,
    /// Learning rate of the first pass; pass `e` uses `rate / (1 + e / 4)`.
    pub rate: f32,
    /// L2 penalty per update on the weights of the features present.
    pub l2: f32,
    /// A feature is kept when at least this many training sentences hold it.
    pub min_count: usize,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            epochs: 10,
            rate: 4.0,
            l2: 3e-4,
            min_count: 1,
        }
    }
}

/// One sentence of a labelled row: its normalised text and, per classified
/// category, whether it shows it (`None`: unknown, not trained on).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledSentence {
    /// Lower-cased, whitespace-folded sentence.
    pub text: String,
    /// Label per entry of [`super::CLASSIFIED`].
    pub labels: [Option<bool>; N],
}

/// The sentences of a row labelled `expected`, given the rule findings on
/// it. A sentence is positive for a category the row expects when a rule of
/// that category fires in it; the row's other sentences are negatives for it.
/// When the row expects a category no rule finds, a one-sentence row is a
/// positive and a longer row says nothing about that category (which of its
/// sentences carries it is unknown). Every sentence is a negative for the
/// categories its row does not expect.
pub fn label_sentences(text: &str, expected: &[Category], findings: &[Finding]) -> Vec<LabelledSentence> {
    let norm = Normalized::new(text);
    let spans = super::sentence_spans(&norm);
    let single = spans.len() == 1;
    let mut out = Vec::with_capacity(spans.len());
    for sp in &spans {
        let mut labels = [Some(false); N];
        for (label, cat) in labels.iter_mut().zip(CLASSIFIED) {
            if !expected.contains(&cat) {
                continue;
            }
            let in_row = findings.iter().any(|f| f.category == cat);
            let here = findings
                .iter()
                .any(|f| f.category == cat && f.start < sp.char_end && sp.char_start < f.end);
            *label = match (in_row, here) {
                (_, true) => Some(true),
                (true, false) => Some(false),
                (false, false) if single => Some(true),
                (false, false) => None,
            };
        }
        let s = norm.text.get(sp.start..sp.end).unwrap_or_default().to_string();
        out.push(LabelledSentence { text: s, labels });
    }
    out
}

/// Small deterministic generator for the visiting order.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// Train a model on `data` (see [`TrainParams`]).
pub fn train(data: &[LabelledSentence], english: bool, params: TrainParams) -> Model {
    // Feature ids in order of first appearance: deterministic.
    let mut counts: HashMap<String, (u32, usize), BuildHasherDefault<Fnv>> = HashMap::default();
    let mut order: Vec<String> = Vec::new();
    let mut raw: Vec<Vec<u32>> = Vec::with_capacity(data.len());
    for s in data {
        let mut ids: Vec<u32> = Vec::new();
        each_feature(&s.text, english, |f| {
            let next = order.len() as u32;
            let e = counts.entry(f.to_string()).or_insert_with(|| (next, 0));
            if e.0 == next {
                order.push(f.to_string());
            }
            ids.push(e.0);
        });
        ids.sort_unstable();
        ids.dedup();
        for id in &ids {
            if let Some(name) = order.get(*id as usize)
                && let Some(e) = counts.get_mut(name)
            {
                e.1 += 1;
            }
        }
        raw.push(ids);
    }
    // Keep frequent features, renumbered in the same order.
    let mut remap: Vec<Option<u32>> = vec![None; order.len()];
    let mut names: Vec<String> = Vec::new();
    for (old, name) in order.iter().enumerate() {
        let count = counts.get(name).map_or(0, |e| e.1);
        if count >= params.min_count || name.starts_with("h ") {
            if let Some(slot) = remap.get_mut(old) {
                *slot = Some(names.len() as u32);
            }
            names.push(name.clone());
        }
    }
    let xs: Vec<Vec<u32>> = raw
        .iter()
        .map(|ids| {
            ids.iter()
                .filter_map(|&i| remap.get(i as usize).copied().flatten())
                .collect()
        })
        .collect();
    let mut weights = vec![[0.0f32; N]; names.len()];
    let mut bias = [0.0f32; N];
    let mut visit: Vec<usize> = (0..xs.len()).collect();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for epoch in 0..params.epochs {
        // Fisher-Yates with the fixed generator.
        for i in (1..visit.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            visit.swap(i, j);
        }
        let rate = params.rate / (1.0 + epoch as f32 / 4.0);
        for &i in &visit {
            let (Some(x), Some(s)) = (xs.get(i), data.get(i)) else {
                continue;
            };
            if x.is_empty() {
                continue;
            }
            let v = 1.0 / (x.len() as f32).sqrt();
            let mut z = bias;
            for w in x.iter().filter_map(|&f| weights.get(f as usize)) {
                for (zk, wk) in z.iter_mut().zip(w) {
                    *zk += wk * v;
                }
            }
            // Gradient per category; 0 where the label is unknown.
            let mut g = [0.0f32; N];
            for ((gk, zk), label) in g.iter_mut().zip(z).zip(s.labels) {
                if let Some(y) = label {
                    *gk = sigmoid(zk) - if y { 1.0 } else { 0.0 };
                }
            }
            for (b, gk) in bias.iter_mut().zip(g) {
                *b -= rate * gk;
            }
            for &f in x {
                if let Some(w) = weights.get_mut(f as usize) {
                    for ((wk, gk), label) in w.iter_mut().zip(g).zip(s.labels) {
                        if label.is_some() {
                            *wk -= rate * (gk * v + params.l2 * *wk);
                        }
                    }
                }
            }
        }
    }
    Model::new(names, weights, bias, english)
}

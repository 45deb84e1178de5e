//! Promise detection: first-person commitments in a reply ("I'll call you
//! back tomorrow", "wir erstatten Ihnen den Betrag bis Freitag") with who
//! owns them and when they fall due.
//!
//! Method, per sentence that is not a question: find a commitment marker
//! ("I'll", "we will", "je vais", "vamos a", …; `data/promise/{lang}.toml`);
//! skip it when a negation stands just before it in the same clause or
//! within the language's negation window after it; unless the marker already
//! carries its verb, require an action verb from the list right after it
//! (after optional adverbs). The clause runs to the next marker or the end
//! of the sentence; the first due expression in it (or, failing that, before
//! the marker in the same sentence) becomes [`DueSpec`].
//!
//! Limits: conditional promises ("if it fails, I'll refund you") count as
//! promises; a colleague named for the team ("someone from our team will
//! call you") counts as the team's promise, but promises phrased without a
//! marker ("a refund is on its way") are not found; vague times ("soon")
//! leave `due` empty.

mod calendar;
mod due;
mod vocab;

use serde::{Deserialize, Serialize};

pub use calendar::{MondayToFriday, WorkingCalendar, resolve_due};
pub use due::DueSpec;

use crate::coach::base_code;
use crate::phrase::starts_with_any;
use crate::text::{Normalized, is_word_char, sentences, tokens};

/// Who made the promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Owner {
    /// The writer personally ("I").
    Speaker,
    /// The team or company ("we").
    Team,
}

/// A promise found in a reply. Offsets are chars of the text, end exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseDetection {
    /// First char of the promise.
    pub start: usize,
    /// One past its last char.
    pub end: usize,
    /// The promise as written.
    pub text: String,
    /// What was promised, without the due expression ("call you back").
    pub action: String,
    /// Who promised.
    pub owner: Owner,
    /// When it is due, if a time was given.
    pub due: Option<DueSpec>,
}

/// True when `token` is one of `negations`. An entry with an apostrophe is a
/// clitic ("n't"): the tokenizer keeps "won't" whole, so it is matched as a
/// suffix.
fn is_negation(token: &str, negations: &[String]) -> bool {
    negations
        .iter()
        .any(|n| token == n || (n.contains('\'') && token.ends_with(n.as_str())))
}

/// Byte offset after skipping any of `skip` (repeatedly, at most 3 times).
fn skip_words(text: &str, mut pos: usize, skip: &[String]) -> usize {
    for _ in 0..3 {
        let rest = text.get(pos..).unwrap_or_default();
        let trimmed = rest.trim_start_matches([' ', ',']);
        let base = pos + (rest.len() - trimmed.len());
        let hit = skip.iter().find(|s| {
            trimmed
                .strip_prefix(s.as_str())
                .is_some_and(|after| !after.chars().next().is_some_and(is_word_char))
        });
        match hit {
            Some(s) => pos = base + s.len(),
            None => break,
        }
    }
    pos
}

/// Original text of chars `[a, b)` with whitespace runs collapsed.
fn slice_chars(chars: &[char], a: usize, b: usize) -> String {
    let s: String = chars.get(a..b.max(a)).unwrap_or_default().iter().collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn trim_clause(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '!' | ';' | ':' | '-'))
        .to_string()
}

/// Promises in `text`, written in `lang` (ISO 639-1; languages without a
/// vocabulary use English).
pub fn detect_promises(text: &str, lang: &str) -> Vec<PromiseDetection> {
    let code = base_code(lang);
    let Some(v) = vocab::vocab(&code).or_else(|| vocab::vocab("en")) else {
        return Vec::new();
    };
    let order = due::date_order(lang, v.due.numeric_dates);
    let norm = Normalized::new(text);
    let t = norm.text.as_str();
    let chars: Vec<char> = text.chars().collect();
    let mut markers = v.markers.find_all(&norm);
    // Keep the longest marker where markers overlap.
    let mut kept: Vec<crate::phrase::PhraseMatch> = Vec::new();
    for m in markers.drain(..) {
        if kept.last().is_none_or(|k| m.start >= k.end) {
            kept.push(m);
        }
    }
    let habits = v.habits.find_all(&norm);
    let mut out = Vec::new();
    for (s, e) in sentences(t) {
        let sentence = t.get(s..e).unwrap_or_default();
        if sentence.trim_end().ends_with('?') {
            continue;
        }
        let here: Vec<_> = kept.iter().filter(|m| m.start >= s && m.start < e).collect();
        let mut seg_start = s;
        for (k, m) in here.iter().enumerate() {
            // A marker inside the previous clause ("… and I'll …") is part of it.
            if m.start < seg_start {
                continue;
            }
            let next = here
                .iter()
                .skip(k + 1)
                .find(|n| {
                    let gap = t.get(m.end.min(n.start)..n.start).unwrap_or_default();
                    let last = tokens(gap).last().map(|w| w.text);
                    !last.is_some_and(|l| v.joiners.iter().any(|j| j == l))
                })
                .map(|n| n.start);
            let clause_end = next.unwrap_or(e).min(e);
            let Some(&info) = v.marker_info.get(m.owner) else {
                continue;
            };
            let (owner, verb_free) = (info.owner, info.verb_free);
            // A negation binds within its own clause: in "Don't worry, we'll
            // send it" or "No problem, I'll call you" the promise stands.
            let lead = t.get(seg_start..m.start).unwrap_or_default();
            let lead = lead.rsplit([',', ':']).next().unwrap_or(lead);
            let before = tokens(lead);
            let negated_before = before
                .iter()
                .rev()
                .take(2)
                .any(|tok| is_negation(tok.text, &v.negations));
            let p = skip_words(t, m.end, &v.skip);
            let after = tokens(t.get(p..clause_end).unwrap_or_default());
            let negated_after = after
                .iter()
                .take(v.negation_window)
                .any(|tok| is_negation(tok.text, &v.negations));
            let has_verb = verb_free || starts_with_any(t.get(p..clause_end).unwrap_or_default(), &v.verbs);
            // "The system let me apply it": a subject before "let me" makes it
            // a report, not an offer.
            let not_imperative = info.imperative
                && before
                    .last()
                    .is_some_and(|tok| !v.imperative_lead.iter().any(|w| w == tok.text));
            if negated_before
                || negated_after
                || !has_verb
                || not_imperative
                || habitual(t, &habits, seg_start, lead, m.start, clause_end)
            {
                seg_start = clause_end;
                continue;
            }
            let due = due::find_due(t, m.start, clause_end, &v.due, order)
                .or_else(|| due::find_due(t, seg_start, m.start, &v.due, order));
            let (start, end_raw) = norm.char_range(m.start, clause_end);
            let span = trim_end_span(&chars, start, end_raw);
            let action_start = if verb_free {
                start
            } else {
                norm.char_at(skip_space_byte(t, p))
            };
            let action = match due {
                Some((_, ds, de)) if ds >= m.start => {
                    let (dcs, dce) = norm.char_range(ds, de);
                    let a = slice_chars(&chars, action_start, dcs);
                    let b = slice_chars(&chars, dce, span);
                    trim_clause(&format!("{a} {b}").replace(" ,", ","))
                }
                _ => trim_clause(&slice_chars(&chars, action_start, span)),
            };
            out.push(PromiseDetection {
                start,
                end: span,
                text: slice_chars(&chars, start, span),
                action,
                owner,
                due: due.map(|(d, _, _)| d),
            });
            seg_start = clause_end;
        }
    }
    out
}

/// True when the clause around a marker states a habit or a rule for
/// everyone ("we usually refund within 5 days", "we'll send you a statement
/// every month", "we'll refund anyone whose order is late"), which promises
/// nothing to this customer. The clause runs from the last comma before the
/// marker to the first comma after it; `habitual_lead` words count anywhere
/// earlier in the sentence ("whenever we deliver, we'll …").
/// `habits` are the habit phrases of the whole text (see
/// `Vocab::habits`), found once per text.
fn habitual(
    t: &str,
    habits: &[crate::phrase::PhraseMatch],
    seg_start: usize,
    lead: &str,
    marker: usize,
    clause_end: usize,
) -> bool {
    let tail = t.get(marker..clause_end).unwrap_or_default();
    let tail = tail.split([',', ';']).next().unwrap_or(tail);
    let (from, to) = (marker.saturating_sub(lead.len()), marker + tail.len());
    habits.iter().any(|h| match h.owner {
        0 => h.start >= from && h.end <= to,
        _ => h.start >= seg_start && h.end <= marker,
    })
}

fn skip_space_byte(t: &str, p: usize) -> usize {
    let rest = t.get(p..).unwrap_or_default();
    p + (rest.len() - rest.trim_start_matches([' ', ',']).len())
}

/// Move `end` back over trailing spaces and sentence punctuation.
fn trim_end_span(chars: &[char], start: usize, mut end: usize) -> usize {
    while end > start
        && chars
            .get(end - 1)
            .is_some_and(|c| c.is_whitespace() || matches!(c, '.' | '!' | ',' | ';' | ':'))
    {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests;

//! The signature check: a reply should end with a person's name.
//!
//! With a known agent name, the last three non-empty lines must contain the
//! full name or the first name. Without one, we look in the last three lines
//! for a sign-off line ("Best regards," or "Thanks, Dana"); the lines after it
//! must hold a plausible personal name: one to five words, each capitalised
//! (or a particle such as "van" or "de"), letters only, none of the team
//! words ("team", "support", …). A last line that starts with a dash counts
//! as a signature line; a bare capitalised name on its own last line is
//! accepted too. A company name signed alone ("Acme") passes: it looks like
//! a first name, a limit we accept.

use super::rules::SignatureVocab;
use super::{Category, Finding};
use crate::text::{Normalized, is_word_char};

const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "dos", "das", "y", "e", "bin", "al",
];

/// A non-empty line: char range and trimmed text.
struct Line<'a> {
    start: usize,
    end: usize,
    text: &'a str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut char_pos = 0usize;
    for raw in text.split('\n') {
        let len = raw.chars().count();
        let trimmed = raw.trim();
        if !trimmed.is_empty() {
            let lead = raw.chars().take_while(|c| c.is_whitespace()).count();
            out.push(Line {
                start: char_pos + lead,
                end: char_pos + lead + trimmed.chars().count(),
                text: trimmed,
            });
        }
        char_pos += len + 1;
    }
    out
}

fn contains_word(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let hay = Normalized::new(haystack);
    hay.text
        .match_indices(needle)
        .any(|(i, _)| hay.on_word_boundaries(i, i + needle.len()))
}

fn is_team(line: &str, vocab: &SignatureVocab) -> bool {
    vocab.team_words.iter().any(|w| contains_word(line, w))
}

fn plausible_name(line: &str, vocab: &SignatureVocab) -> bool {
    // "Anna from Acme Support", "Tom | Acme": the name is the first part.
    let line = [" from ", " at ", " | ", " (", " - ", " \u{2013} "]
        .iter()
        .fold(line, |l, sep| l.split(sep).next().unwrap_or(l))
        .trim();
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 5 || line.chars().count() > 40 || is_team(line, vocab) {
        return false;
    }
    let mut capitalised = 0;
    for w in &words {
        let letters_ok = w
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '.' | '\'' | '\u{2019}'));
        if !letters_ok {
            return false;
        }
        if w.chars().next().is_some_and(char::is_uppercase) {
            capitalised += 1;
        } else if !PARTICLES.contains(&w.to_lowercase().as_str()) {
            return false;
        }
    }
    capitalised > 0
}

/// If `line` is a sign-off, the rest of it after the sign-off phrase
/// (possibly empty); `None` when it is not a sign-off line.
fn sign_off_rest<'a>(line: &'a str, vocab: &SignatureVocab) -> Option<&'a str> {
    let norm = Normalized::new(line);
    for s in &vocab.sign_offs {
        let Some(rest_norm) = norm.text.strip_prefix(s.as_str()) else {
            continue;
        };
        if rest_norm.chars().next().is_some_and(is_word_char) {
            continue;
        }
        let rest_trim = rest_norm.trim_start_matches([',', '.', '!', ' ', '-', '\u{2013}', '\u{2014}']);
        let separated = rest_trim.is_empty() || rest_norm.trim_start().starts_with([',', '-', '\u{2013}', '\u{2014}']);
        if !separated {
            continue;
        }
        // Map back to the original line by char count.
        let skip = norm.char_at(norm.text.len() - rest_trim.len());
        let rest: &str = line
            .char_indices()
            .nth(skip)
            .map_or("", |(b, _)| line.get(b..).unwrap_or(""));
        return Some(rest.trim());
    }
    None
}

fn strip_dash(line: &str) -> Option<&str> {
    let t = line.trim_start_matches(['-', '\u{2013}', '\u{2014}', '~']);
    (t.len() != line.len()).then(|| t.trim())
}

fn finding(line: &Line<'_>, message: String, suggestion: &str) -> Finding {
    Finding {
        category: Category::Signature,
        start: line.start,
        end: line.end,
        message,
        suggestion: suggestion.to_string(),
    }
}

const SIGN_SUGGESTION: &str =
    "End with your own name, e.g. \"Best regards,\\nDana\": a person answered, let them see who.";

/// Check the end of `text`; `None` when it is signed well.
pub(super) fn check(text: &str, name: Option<&str>, vocab: Option<&SignatureVocab>) -> Option<Finding> {
    let empty = SignatureVocab::default();
    let vocab = vocab.unwrap_or(&empty);
    let all = lines(text);
    let last = all.last()?;
    let tail = all.get(all.len().saturating_sub(3)..).unwrap_or_default();

    if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
        let full = Normalized::new(name).text;
        let first = full.split(' ').next().unwrap_or_default().to_string();
        let signed = tail
            .iter()
            .any(|l| contains_word(l.text, &full) || (first.chars().count() >= 2 && contains_word(l.text, &first)));
        return (!signed).then(|| {
            finding(
                last,
                format!("The reply is not signed with your name ({name})."),
                SIGN_SUGGESTION,
            )
        });
    }

    // Lines after the last sign-off in the tail are the signature block.
    let mut block: Vec<&str> = Vec::new();
    let mut found_sign_off = false;
    for (i, l) in tail.iter().enumerate() {
        if let Some(rest) = sign_off_rest(l.text, vocab) {
            found_sign_off = true;
            block.clear();
            if !rest.is_empty() {
                block.push(rest);
            }
            for later in tail.iter().skip(i + 1) {
                block.push(later.text);
            }
        }
    }
    if !found_sign_off {
        if let Some(rest) = strip_dash(last.text) {
            block.push(rest);
        } else if all.len() > 1 && plausible_name(last.text, vocab) {
            return None;
        }
    }
    if block.iter().any(|l| plausible_name(l, vocab)) {
        return None;
    }
    if block.iter().any(|l| is_team(l, vocab)) {
        return Some(finding(
            last,
            "Signed by a team, not a person: the customer cannot tell who is helping.".into(),
            SIGN_SUGGESTION,
        ));
    }
    Some(finding(
        last,
        "No personal signature at the end of the reply.".into(),
        SIGN_SUGGESTION,
    ))
}

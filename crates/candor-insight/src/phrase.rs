//! Phrase patterns: a tiny, readable pattern language expanded into literal
//! phrases and matched with one Aho-Corasick automaton over the normalised
//! text (see [`crate::text::Normalized`]).
//!
//! Pattern syntax, as used in the data files:
//!
//! * words are matched case-insensitively, on word boundaries;
//! * any run of spaces matches any run of whitespace in the text;
//! * `'` matches any apostrophe (`'`, `’`, `‘`, `ʼ`, `` ` ``, `´`);
//! * `(a|b|c)` matches one of the alternatives; an empty alternative makes
//!   the group optional: `we (truly |)apologize`. Groups may nest.
//!
//! A pattern expands to at most [`MAX_EXPANSIONS`] literal phrases.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::text::Normalized;

/// Upper bound on the literal phrases one pattern may expand to.
pub const MAX_EXPANSIONS: usize = 4096;

/// Why a pattern could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A `(` without its `)` or the reverse.
    #[error("unbalanced parentheses in pattern {0:?}")]
    Unbalanced(String),
    /// The pattern expands to nothing but whitespace.
    #[error("pattern {0:?} matches the empty string")]
    Empty(String),
    /// Too many alternatives multiplied together.
    #[error("pattern {0:?} expands to more than {MAX_EXPANSIONS} phrases")]
    TooLarge(String),
    /// The automaton could not be built.
    #[error("could not build the phrase matcher: {0}")]
    Build(String),
}

#[derive(Debug)]
enum Node {
    Lit(String),
    Alt(Vec<Vec<Node>>),
}

fn parse_seq(chars: &[char], pos: &mut usize, depth: usize) -> Result<Vec<Vec<Node>>, ()> {
    // Returns the alternatives of the current group (top level: one).
    let mut alts = Vec::new();
    let mut seq = Vec::new();
    let mut lit = String::new();
    while let Some(&c) = chars.get(*pos) {
        *pos += 1;
        match c {
            '(' => {
                if !lit.is_empty() {
                    seq.push(Node::Lit(std::mem::take(&mut lit)));
                }
                let inner = parse_seq(chars, pos, depth + 1)?;
                seq.push(Node::Alt(inner));
            }
            ')' => {
                if depth == 0 {
                    return Err(());
                }
                if !lit.is_empty() {
                    seq.push(Node::Lit(std::mem::take(&mut lit)));
                }
                alts.push(seq);
                return Ok(alts);
            }
            '|' if depth > 0 => {
                if !lit.is_empty() {
                    seq.push(Node::Lit(std::mem::take(&mut lit)));
                }
                alts.push(std::mem::take(&mut seq));
            }
            _ => lit.push(c),
        }
    }
    if depth > 0 {
        return Err(());
    }
    if !lit.is_empty() {
        seq.push(Node::Lit(lit));
    }
    alts.push(seq);
    Ok(alts)
}

fn expand_seq(seq: &[Node], limit: usize) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    for node in seq {
        let parts = match node {
            Node::Lit(s) => vec![s.clone()],
            Node::Alt(alts) => {
                let mut v = Vec::new();
                for a in alts {
                    v.extend(expand_seq(a, limit)?);
                }
                v
            }
        };
        if out.len().saturating_mul(parts.len()) > limit {
            return None;
        }
        out = out
            .iter()
            .flat_map(|prefix| parts.iter().map(move |p| format!("{prefix}{p}")))
            .collect();
    }
    Some(out)
}

/// Normalise a literal phrase the way [`Normalized`] normalises text.
pub(crate) fn normalize_phrase(s: &str) -> String {
    Normalized::new(s.trim()).text.trim().to_string()
}

/// Expand `pattern` into the literal, normalised phrases it matches.
pub fn expand(pattern: &str) -> Result<Vec<String>, PatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let alts = parse_seq(&chars, &mut pos, 0).map_err(|()| PatternError::Unbalanced(pattern.into()))?;
    let mut out = Vec::new();
    for a in &alts {
        let expanded = expand_seq(a, MAX_EXPANSIONS).ok_or_else(|| PatternError::TooLarge(pattern.into()))?;
        out.extend(expanded);
    }
    let mut phrases: Vec<String> = out.iter().map(|p| normalize_phrase(p)).collect();
    if phrases.iter().any(String::is_empty) {
        return Err(PatternError::Empty(pattern.into()));
    }
    phrases.sort();
    phrases.dedup();
    Ok(phrases)
}

/// A compiled set of patterns; each pattern belongs to an owner index.
#[derive(Debug, Clone)]
pub(crate) struct PhraseSet {
    ac: Option<AhoCorasick>,
    owners: Vec<usize>,
}

/// One match: owner index and the byte range in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PhraseMatch {
    pub owner: usize,
    pub start: usize,
    pub end: usize,
}

impl PhraseSet {
    /// Compile `(owner, pattern)` pairs.
    pub fn new<'a>(patterns: impl IntoIterator<Item = (usize, &'a str)>) -> Result<Self, PatternError> {
        let mut literals = Vec::new();
        let mut owners = Vec::new();
        for (owner, p) in patterns {
            for lit in expand(p)? {
                literals.push(lit);
                owners.push(owner);
            }
        }
        if literals.is_empty() {
            return Ok(PhraseSet { ac: None, owners });
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .map_err(|e| PatternError::Build(e.to_string()))?;
        Ok(PhraseSet { ac: Some(ac), owners })
    }

    /// All matches on word boundaries, overlapping ones included, ordered by
    /// start then by descending length.
    pub fn find_all(&self, norm: &Normalized) -> Vec<PhraseMatch> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let mut out: Vec<PhraseMatch> = ac
            .find_overlapping_iter(norm.text.as_str())
            .filter(|m| norm.on_word_boundaries(m.start(), m.end()))
            .filter_map(|m| {
                self.owners.get(m.pattern().as_usize()).map(|&owner| PhraseMatch {
                    owner,
                    start: m.start(),
                    end: m.end(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        out
    }
}

/// True when `text` (normalised) starts with one of `phrases`, on a word
/// boundary, after skipping spaces and commas.
pub(crate) fn starts_with_any(text: &str, phrases: &[String]) -> bool {
    let t = text.trim_start_matches([' ', ',']);
    phrases.iter().any(|p| {
        t.strip_prefix(p.as_str()).is_some_and(|rest| {
            let last = p.chars().next_back();
            let next = rest.chars().next();
            !matches!((last, next), (Some(l), Some(n)) if crate::text::is_word_char(l) && crate::text::is_word_char(n))
        })
    })
}

/// True when `text` (normalised) ends with one of `phrases`, on a word
/// boundary, ignoring trailing spaces and commas.
pub(crate) fn ends_with_any(text: &str, phrases: &[String]) -> bool {
    let t = text.trim_end_matches([' ', ',']);
    phrases.iter().any(|p| {
        t.strip_suffix(p.as_str()).is_some_and(|rest| {
            let first = p.chars().next();
            let prev = rest.chars().next_back();
            !matches!((prev, first), (Some(pr), Some(f)) if crate::text::is_word_char(pr) && crate::text::is_word_char(f))
        })
    })
}

/// Expand a list of patterns into one list of literal phrases.
pub(crate) fn expand_all(patterns: &[String]) -> Result<Vec<String>, PatternError> {
    let mut out = Vec::new();
    for p in patterns {
        out.extend(expand(p)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_groups_and_optionals() {
        let mut got = expand("we (truly |)(apologize|apologise) for").unwrap_or_default();
        got.sort();
        assert_eq!(
            got,
            vec![
                "we apologise for",
                "we apologize for",
                "we truly apologise for",
                "we truly apologize for"
            ]
        );
    }

    #[test]
    fn rejects_bad_patterns() {
        assert!(matches!(expand("a (b"), Err(PatternError::Unbalanced(_))));
        assert!(matches!(expand("a b)"), Err(PatternError::Unbalanced(_))));
        assert!(matches!(expand("(a|)"), Err(PatternError::Empty(_))));
    }

    #[test]
    fn matches_on_boundaries_with_apostrophes_and_spaces() {
        let set = PhraseSet::new([(0, "it's against our policy"), (1, "leverage")]).unwrap_or_else(|_| PhraseSet {
            ac: None,
            owners: vec![],
        });
        let n = Normalized::new("Sorry, IT\u{2019}S   against our\npolicy. Leveraged.");
        let m = set.find_all(&n);
        assert_eq!(m.len(), 1);
        assert_eq!(n.char_range(m[0].start, m[0].end), (7, 32));
    }

    #[test]
    fn context_checks() {
        let ph = vec!["received".to_string()];
        assert!(starts_with_any(" received an email", &ph));
        assert!(!starts_with_any(" receivedx", &ph));
        assert!(ends_with_any("hello, received ,", &ph));
        assert!(!ends_with_any("unreceived", &ph));
    }
}

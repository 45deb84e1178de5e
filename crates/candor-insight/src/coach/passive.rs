//! The passive-voice check: "your refund has been denied", "a decision was
//! made", "Ihr Konto wurde gesperrt", "votre demande a été refusée". Phrase
//! rules list wordings; this check covers the whole family of
//! auxiliary × adverbs × participle, which no list of phrases can.
//!
//! A rule file may hold one `[passive]` table:
//!
//! ```toml
//! [passive]
//! message = "…"
//! suggestion = "…"
//! auxiliaries = ["(has|have|had) been", "was", "were", "is being"]
//! participles = ["denied", "rejected", "passed on"]
//! gap_words = ["now", "already"]   # words allowed between the two
//! gap_suffixes = ["ly"]            # and words ending so ("unfortunately")
//! max_gap = 2                      # at most this many of them
//! negations = ["not", "never"]     # a negated passive reports nothing
//! not_preceded_by = ["should", "i"] # modal or first-person: no finding
//! not_followed_by = ["as you asked"] # the customer's own request
//! agent_words = ["by"]             # "by …" names who acted
//! not_agents = ["monday", "the end"] # "by Monday" is a time, not an agent
//! name_intros = ["to", "with"]     # "to Amira Khan": a named person acts
//! sentence_excludes = ["your request"] # the customer asked for it
//! clause_excludes = ["if", "unless"] # a condition, anywhere earlier in the clause
//! ```
//!
//! With `gap_words` and `gap_suffixes` both empty any word may stand in the
//! gap: German puts the whole middle field between auxiliary and participle
//! ("wurde gestern von uns gesperrt"). The gap never crosses punctuation.
//!
//! The passive is not reported when an agent is named (a `agent_words` word
//! followed by something that is not a time, in the gap or right after the
//! participle) or when a `name_intros` word is followed by a capitalised
//! word of the original text within the clause ("passed to Amira Khan",
//! "an Herrn Patel weitergeleitet"): then the customer knows who acts.

use serde::Deserialize;

use crate::phrase::{PatternError, PhraseSet, ends_with_any, expand_all, starts_with_any};
use crate::text::{Normalized, Token, is_word_char, sentences, tokens};

fn default_gap() -> usize {
    2
}

/// The `[passive]` table of a rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PassiveDef {
    pub message: String,
    pub suggestion: String,
    pub auxiliaries: Vec<String>,
    pub participles: Vec<String>,
    #[serde(default)]
    pub gap_words: Vec<String>,
    #[serde(default)]
    pub gap_suffixes: Vec<String>,
    #[serde(default = "default_gap")]
    pub max_gap: usize,
    #[serde(default)]
    pub negations: Vec<String>,
    #[serde(default)]
    pub not_preceded_by: Vec<String>,
    #[serde(default)]
    pub not_followed_by: Vec<String>,
    #[serde(default)]
    pub agent_words: Vec<String>,
    #[serde(default)]
    pub not_agents: Vec<String>,
    #[serde(default)]
    pub name_intros: Vec<String>,
    #[serde(default)]
    pub sentence_excludes: Vec<String>,
    #[serde(default)]
    pub clause_excludes: Vec<String>,
}

impl PassiveDef {
    /// Add a later file's lists to this one; the first file's message wins.
    pub fn extend(&mut self, other: &PassiveDef) {
        self.auxiliaries.extend(other.auxiliaries.iter().cloned());
        self.participles.extend(other.participles.iter().cloned());
        self.gap_words.extend(other.gap_words.iter().cloned());
        self.gap_suffixes.extend(other.gap_suffixes.iter().cloned());
        self.max_gap = self.max_gap.max(other.max_gap);
        self.negations.extend(other.negations.iter().cloned());
        self.not_preceded_by.extend(other.not_preceded_by.iter().cloned());
        self.not_followed_by.extend(other.not_followed_by.iter().cloned());
        self.agent_words.extend(other.agent_words.iter().cloned());
        self.not_agents.extend(other.not_agents.iter().cloned());
        self.name_intros.extend(other.name_intros.iter().cloned());
        self.sentence_excludes.extend(other.sentence_excludes.iter().cloned());
        self.clause_excludes.extend(other.clause_excludes.iter().cloned());
    }

    /// Literal phrases the lists expand to (for the size limit of added files).
    pub fn phrase_count(&self) -> usize {
        [
            &self.auxiliaries,
            &self.participles,
            &self.gap_words,
            &self.not_preceded_by,
            &self.not_followed_by,
            &self.not_agents,
            &self.sentence_excludes,
            &self.clause_excludes,
        ]
        .iter()
        .map(|l| expand_all(l).map(|v| v.len()).unwrap_or(0))
        .sum()
    }
}

/// The passive check of one language, ready to run.
#[derive(Debug, Clone)]
pub(crate) struct Passive {
    pub message: String,
    pub suggestion: String,
    auxiliaries: PhraseSet,
    /// Longest first, so "passed on to" wins over "passed on".
    participles: Vec<String>,
    gap_words: Vec<String>,
    gap_suffixes: Vec<String>,
    max_gap: usize,
    negations: Vec<String>,
    not_preceded_by: Vec<String>,
    not_followed_by: Vec<String>,
    agent_words: Vec<String>,
    not_agents: Vec<String>,
    name_intros: Vec<String>,
    sentence_excludes: Vec<String>,
    clause_excludes: Vec<String>,
}

impl Passive {
    pub fn compile(def: &PassiveDef) -> Result<Self, PatternError> {
        let mut participles = expand_all(&def.participles)?;
        participles.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        participles.dedup();
        Ok(Passive {
            message: def.message.clone(),
            suggestion: def.suggestion.clone(),
            auxiliaries: PhraseSet::new(def.auxiliaries.iter().map(|a| (0, a.as_str())))?,
            participles,
            gap_words: expand_all(&def.gap_words)?,
            gap_suffixes: def.gap_suffixes.clone(),
            max_gap: def.max_gap,
            negations: expand_all(&def.negations)?,
            not_preceded_by: expand_all(&def.not_preceded_by)?,
            not_followed_by: expand_all(&def.not_followed_by)?,
            agent_words: expand_all(&def.agent_words)?,
            not_agents: expand_all(&def.not_agents)?,
            name_intros: expand_all(&def.name_intros)?,
            sentence_excludes: expand_all(&def.sentence_excludes)?,
            clause_excludes: expand_all(&def.clause_excludes)?,
        })
    }

    /// Byte ranges (normalised text) of agent-hiding passives in `norm`;
    /// `original` is the text `norm` was built from, for capitalisation.
    /// Also the byte starts of passives the check turned down for a stated
    /// reason (an agent or a name, a negation, a modal or the writer before
    /// the auxiliary, a condition, an excluded sentence): the statistical
    /// layer stays quiet there.
    pub fn find(&self, norm: &Normalized, original: &[char]) -> (Vec<(usize, usize)>, Vec<usize>) {
        let text = norm.text.as_str();
        let toks = tokens(text);
        // Sentence spans are only needed once a candidate is found.
        let mut sents: Option<Vec<(usize, usize)>> = None;
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut declined: Vec<usize> = Vec::new();
        for m in self.auxiliaries.find_all(norm) {
            if out.last().is_some_and(|&(_, e)| m.start < e) {
                continue;
            }
            let before = text.get(..m.start).unwrap_or_default();
            if ends_with_any(before, &self.not_preceded_by) || self.conditional(before) {
                declined.push(m.start);
                continue;
            }
            let Some((end, gap)) = self.participle_after(text, &toks, m.end) else {
                if self.negated_after(&toks, m.end) {
                    declined.push(m.start);
                }
                continue;
            };
            if gap.iter().any(|t| self.agent_words.iter().any(|a| a == t.text)) {
                declined.push(m.start);
                continue;
            }
            let after = text.get(end..).unwrap_or_default();
            if starts_with_any(after, &self.not_followed_by) || self.agent_follows(text, &toks, end) {
                declined.push(m.start);
                continue;
            }
            let tail = clause_tokens(text, &toks, end, 5);
            if self.names_someone(norm, original, gap.iter().chain(tail.iter())) {
                declined.push(m.start);
                continue;
            }
            let sents = sents.get_or_insert_with(|| sentences(text));
            if self.sentence_excluded(norm, sents, m.start) {
                declined.push(m.start);
                continue;
            }
            out.push((m.start, end));
        }
        // "has not been", "won't be": a negation the auxiliary list does
        // not span, still a negated passive.
        for (i, tok) in toks.iter().enumerate() {
            let next_is_be = toks
                .iter()
                .skip(i + 1)
                .take(2)
                .any(|t| matches!(t.text, "be" | "been" | "being"));
            if next_is_be && self.is_negation(tok.text) {
                declined.push(tok.start);
            }
        }
        (out, declined)
    }

    fn is_negation(&self, word: &str) -> bool {
        self.negations
            .iter()
            .any(|n| word == n || ((n.starts_with('\'') || n.starts_with("n'")) && word.ends_with(n.as_str())))
    }

    /// True when one of the next two words after `pos` is a negation
    /// ("has not been", "was never").
    fn negated_after(&self, toks: &[Token<'_>], pos: usize) -> bool {
        let first = toks.partition_point(|t| t.start < pos);
        toks.get(first..)
            .unwrap_or_default()
            .iter()
            .take(2)
            .any(|tok| self.is_negation(tok.text))
    }

    /// The end of a participle that follows `pos` across allowed gap words,
    /// within the clause, and the gap's tokens.
    fn participle_after<'t>(&self, text: &str, toks: &[Token<'t>], pos: usize) -> Option<(usize, Vec<Token<'t>>)> {
        let first = toks.partition_point(|t| t.start < pos);
        let mut gap = Vec::new();
        let mut prev_end = pos;
        for tok in toks.get(first..).unwrap_or_default() {
            if crosses_punctuation(text, prev_end, tok.start) {
                return None;
            }
            if let Some(end) = self.participle_at(text, tok.start) {
                return Some((end, gap));
            }
            let negated = self
                .negations
                .iter()
                .any(|n| tok.text == n || (n.starts_with('\'') && tok.text.ends_with(n.as_str())));
            if negated || gap.len() >= self.max_gap || !self.gap_allows(tok.text) {
                return None;
            }
            gap.push(*tok);
            prev_end = tok.end;
        }
        None
    }

    fn participle_at(&self, text: &str, pos: usize) -> Option<usize> {
        let rest = text.get(pos..)?;
        self.participles.iter().find_map(|p| {
            let after = rest.strip_prefix(p.as_str())?;
            let glued =
                after.chars().next().is_some_and(is_word_char) && p.chars().next_back().is_some_and(is_word_char);
            (!glued).then_some(pos + p.len())
        })
    }

    /// "If your item was damaged, …" asks; it reports nothing. Looks back
    /// to the last clause break before the auxiliary.
    fn conditional(&self, before: &str) -> bool {
        let clause = before.rsplit(['.', ',', ';', ':', '!', '?']).next().unwrap_or(before);
        tokens(clause)
            .iter()
            .any(|t| self.clause_excludes.iter().any(|w| w == t.text))
    }

    fn sentence_excluded(&self, norm: &Normalized, sents: &[(usize, usize)], at: usize) -> bool {
        let (s, e) = sents
            .iter()
            .copied()
            .find(|&(s, e)| s <= at && at < e)
            .unwrap_or((0, norm.text.len()));
        let sentence = norm.text.get(s..e).unwrap_or_default();
        self.sentence_excludes.iter().any(|x| {
            sentence
                .match_indices(x.as_str())
                .any(|(i, _)| norm.on_word_boundaries(s + i, s + i + x.len()))
        })
    }

    fn gap_allows(&self, word: &str) -> bool {
        if self.gap_words.is_empty() && self.gap_suffixes.is_empty() {
            return true;
        }
        self.gap_words.iter().any(|w| w == word)
            || self
                .gap_suffixes
                .iter()
                .any(|s| word.len() > s.len() + 2 && word.ends_with(s.as_str()))
    }

    /// "by our courier", "by Sara": an agent word right after the participle,
    /// followed by something other than a time ("by Friday", "by 5 pm").
    fn agent_follows(&self, text: &str, toks: &[Token<'_>], end: usize) -> bool {
        let i = toks.partition_point(|t| t.start < end);
        let Some(word) = toks.get(i) else { return false };
        if crosses_punctuation(text, end, word.start) || !self.agent_words.iter().any(|a| a == word.text) {
            return false;
        }
        let rest = text.get(word.end..).unwrap_or_default();
        let next_is_number = rest.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit());
        !(next_is_number || starts_with_any(rest, &self.not_agents))
    }

    /// A name-introducing word followed by a capitalised word of the original.
    fn names_someone<'a, 't: 'a>(
        &self,
        norm: &Normalized,
        original: &[char],
        words: impl Iterator<Item = &'a Token<'t>>,
    ) -> bool {
        let words: Vec<&Token<'_>> = words.collect();
        words.windows(2).any(|w| match w {
            [intro, name] => {
                self.name_intros.iter().any(|n| n == intro.text)
                    && original.get(norm.char_at(name.start)).is_some_and(|c| c.is_uppercase())
            }
            _ => false,
        })
    }
}

/// True when the text between two tokens holds punctuation (a clause break).
fn crosses_punctuation(text: &str, from: usize, to: usize) -> bool {
    text.get(from..to.max(from))
        .unwrap_or_default()
        .chars()
        .any(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | '\u{201c}' | '\u{201d}'))
}

/// Up to `n` tokens after byte `from`, stopping at a clause break.
fn clause_tokens<'t>(text: &str, toks: &[Token<'t>], from: usize, n: usize) -> Vec<Token<'t>> {
    let first = toks.partition_point(|t| t.start < from);
    let mut out: Vec<Token<'t>> = Vec::new();
    let mut prev_end = from;
    for tok in toks.get(first..).unwrap_or_default().iter().take(n) {
        if crosses_punctuation(text, prev_end, tok.start) {
            break;
        }
        out.push(*tok);
        prev_end = tok.end;
    }
    out
}

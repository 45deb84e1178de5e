//! Text plumbing shared by every analyser: a normalised view of the text that
//! remembers where each byte came from, word tokens and sentence spans.
//!
//! All offsets that leave this crate are counted in Unicode scalar values
//! (`char`s) of the caller's original text; internally we work on byte
//! offsets of the normalised text and map back through [`Normalized::map`].

/// The text lower-cased, with apostrophe variants folded to `'`, quote-like
/// dashes left alone and every run of whitespace folded to one space.
///
/// `map[i]` is the char index in the original text that produced byte `i` of
/// `text`; `map` has one extra entry at the end holding the original char count,
/// so an exclusive end offset maps cleanly.
#[derive(Debug, Clone)]
pub(crate) struct Normalized {
    pub text: String,
    map: Vec<usize>,
}

/// Characters treated as an apostrophe.
pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}')
}

/// A character that can be part of a word for boundary checks.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl Normalized {
    /// Build the normalised view of `original`.
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len() + 1);
        let mut in_space = false;
        let mut count = 0usize;
        for (ci, c) in original.chars().enumerate() {
            count = ci + 1;
            if c.is_whitespace() {
                if !in_space {
                    text.push(' ');
                    map.push(ci);
                    in_space = true;
                }
                continue;
            }
            in_space = false;
            if is_apostrophe(c) {
                text.push('\'');
                map.push(ci);
                continue;
            }
            for lc in c.to_lowercase() {
                let before = text.len();
                text.push(lc);
                for _ in before..text.len() {
                    map.push(ci);
                }
            }
        }
        map.push(count);
        Normalized { text, map }
    }

    /// Original char offset of normalised byte offset `byte` (clamped).
    pub fn char_at(&self, byte: usize) -> usize {
        let last = self.map.len().saturating_sub(1);
        self.map.get(byte.min(last)).copied().unwrap_or(0)
    }

    /// Original char range `[start, end)` of normalised byte range `[s, e)`.
    pub fn char_range(&self, s: usize, e: usize) -> (usize, usize) {
        let start = self.char_at(s);
        let end = if e == 0 {
            start
        } else if e >= self.text.len() {
            self.char_at(self.text.len())
        } else {
            // The char that produced the last byte of the match, plus one.
            self.char_at(e - 1) + 1
        };
        (start, end.max(start))
    }

    /// True when the match `[s, e)` starts and ends on word boundaries.
    pub fn on_word_boundaries(&self, s: usize, e: usize) -> bool {
        let before = self.text.get(..s).and_then(|t| t.chars().next_back());
        let first = self.text.get(s..).and_then(|t| t.chars().next());
        let last = self.text.get(..e).and_then(|t| t.chars().next_back());
        let after = self.text.get(e..).and_then(|t| t.chars().next());
        let start_ok = match (before, first) {
            (Some(b), Some(f)) => !(is_word_char(b) && is_word_char(f)),
            _ => true,
        };
        let end_ok = match (last, after) {
            (Some(l), Some(a)) => !(is_word_char(l) && is_word_char(a)),
            _ => true,
        };
        start_ok && end_ok
    }
}

/// A word of the normalised text: byte range and the word itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
}

/// Split normalised text into word tokens. A word is a run of alphanumeric
/// characters, inner apostrophes, inner hyphens, and `:`/`.` between digits
/// (so `10:30` and `3.5` stay one token).
pub(crate) fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let Some(&(bs, c)) = chars.get(i) else { break };
        if !is_word_char(c) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while let Some(&(_, cj)) = chars.get(j) {
            if is_word_char(cj) {
                j += 1;
                continue;
            }
            let prev = chars.get(j - 1).map(|p| p.1);
            let next = chars.get(j + 1).map(|p| p.1);
            let joins = match (prev, next) {
                (Some(p), Some(n)) if cj == '\'' || cj == '-' => is_word_char(p) && is_word_char(n),
                (Some(p), Some(n)) if cj == ':' || cj == '.' => p.is_ascii_digit() && n.is_ascii_digit(),
                _ => false,
            };
            if joins {
                j += 1;
            } else {
                break;
            }
        }
        let be = chars.get(j).map_or(text.len(), |p| p.0);
        if let Some(word) = text.get(bs..be) {
            out.push(Token {
                start: bs,
                end: be,
                text: word,
            });
        }
        i = j;
    }
    out
}

/// Byte ranges of the sentences (clauses ending in `.`, `!`, `?`, `;`, or a
/// line break) of `text`. A `.` between digits or after a single letter does
/// not end a sentence.
pub(crate) fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut prev: Option<char> = None;
    let mut prev2: Option<char> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let next = iter.peek().map(|p| p.1);
        let ends = match c {
            '!' | '?' | ';' | '\n' | '\u{2026}' => true,
            '.' => {
                let digit_around = prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit());
                // "3. März": a day number with a dot, followed by a word.
                let ordinal = prev.is_some_and(|p| p.is_ascii_digit())
                    && text
                        .get(i + 1..)
                        .is_some_and(|r| r.starts_with(' ') && r.trim_start().starts_with(char::is_alphabetic))
                    && ordinal_day(text, i);
                // "p.m." / "e.g.": a single letter before the dot.
                let abbrev = prev.is_some_and(char::is_alphabetic) && !prev2.is_some_and(char::is_alphabetic);
                !digit_around && !abbrev && !ordinal
            }
            _ => false,
        };
        if ends {
            let end = i + c.len_utf8();
            if text.get(start..end).is_some_and(|s| !s.trim().is_empty()) {
                out.push((start, end));
            }
            start = end;
        }
        prev2 = prev;
        prev = Some(c);
    }
    if text.get(start..).is_some_and(|s| !s.trim().is_empty()) {
        out.push((start, text.len()));
    }
    out
}

/// True when the dot at byte `dot` follows a one- or two-digit number that
/// stands alone (a German or Scandinavian ordinal day, "3.").
fn ordinal_day(text: &str, dot: usize) -> bool {
    let before = text.get(..dot).unwrap_or_default();
    let digits = before.chars().rev().take_while(char::is_ascii_digit).count();
    let lead = before.chars().rev().nth(digits);
    (1..=2).contains(&digits) && !lead.is_some_and(is_word_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_apostrophes_and_space() {
        let n = Normalized::new("We  Can\u{2019}t\n\nhelp");
        assert_eq!(n.text, "we can't help");
        let s = n.text.find("help").unwrap_or(0);
        assert_eq!(n.char_range(s, s + 4), (11, 15));
    }

    #[test]
    fn expanding_lowercase_maps_back() {
        // U+0130 lower-cases to two chars.
        let n = Normalized::new("\u{130}x");
        let (s, e) = n.char_range(0, n.text.len());
        assert_eq!((s, e), (0, 2));
    }

    #[test]
    fn tokens_keep_times_and_contractions() {
        let t: Vec<&str> = tokens("i'll call at 10:30, ok?").iter().map(|t| t.text).collect();
        assert_eq!(t, vec!["i'll", "call", "at", "10:30", "ok"]);
    }

    #[test]
    fn sentences_split() {
        let s = "hi. at 3 p.m. we call! ok";
        let parts: Vec<&str> = sentences(s).iter().map(|&(a, b)| &s[a..b]).collect();
        assert_eq!(parts, vec!["hi.", " at 3 p.m. we call!", " ok"]);
    }
}

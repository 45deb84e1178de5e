//! Sentence features of the statistical layer: lower-cased word unigrams and
//! bigrams (the first word paired with a sentence-start mark) and a few hand
//! features for English. Each feature is a short string: `w you` (word),
//! `b you should` (bigram), `h you-obliged` (hand feature).

use crate::text::tokens;

/// Second-person words.
const SECOND_PERSON: &[&str] = &[
    "you", "you're", "you've", "you'd", "you'll", "your", "yours", "yourself",
];

/// Words of obligation or reproach that follow "you" in blame.
const OBLIGATION: &[&str] = &[
    "should",
    "must",
    "need",
    "needed",
    "needs",
    "have",
    "had",
    "supposed",
    "ought",
    "required",
    "failed",
    "forgot",
    "neglected",
    "chose",
    "didn't",
    "did",
    "were",
];

/// Passive auxiliaries.
const AUXILIARIES: &[&str] = &["is", "are", "was", "were", "been", "being", "be", "it's"];

/// Irregular participles (regular ones end in -ed).
const IRREGULAR: &[&str] = &[
    "taken",
    "given",
    "made",
    "sent",
    "done",
    "seen",
    "held",
    "kept",
    "told",
    "shown",
    "paid",
    "lost",
    "found",
    "put",
    "set",
    "chosen",
    "withdrawn",
    "written",
    "known",
    "sold",
    "brought",
    "bought",
    "forgotten",
    "overlooked",
];

/// Words that end like jargon but are plain.
const PLAIN_ISE: &[&str] = &[
    "otherwise",
    "promise",
    "promised",
    "surprise",
    "surprised",
    "exercise",
    "realise",
    "realize",
    "realised",
    "realized",
    "apologise",
    "apologize",
    "apologised",
    "apologized",
    "expertise",
    "premises",
    "precise",
    "size",
    "sized",
    "advertised",
    "noise",
    "raise",
    "raised",
    "cruise",
    "franchise",
    "merchandise",
    "recognise",
    "recognize",
];

/// Words of refused ability.
const CANNOT: &[&str] = &[
    "unable", "cannot", "can't", "won't", "not", "isn't", "aren't", "couldn't",
];

/// Call `f` with every feature of the normalised (lower-cased) `sentence`, in
/// order; a feature may repeat. `english` adds the hand features.
pub(crate) fn each_feature(sentence: &str, english: bool, mut f: impl FnMut(&str)) {
    let toks: Vec<&str> = tokens(sentence).iter().map(|t| t.text).collect();
    let mut buf = String::with_capacity(48);
    let mut prev = "<s>";
    for &t in &toks {
        buf.clear();
        buf.push_str("w ");
        buf.push_str(t);
        f(&buf);

        buf.clear();
        buf.push_str("b ");
        buf.push_str(prev);
        buf.push(' ');
        buf.push_str(t);
        f(&buf);
        prev = t;
    }
    if english {
        hand_features(&toks, &mut f);
    }
}

fn hand_features(toks: &[&str], f: &mut impl FnMut(&str)) {
    let has = |list: &[&str], t: &str| list.contains(&t);
    let you_obliged = toks
        .iter()
        .enumerate()
        .any(|(i, t)| has(SECOND_PERSON, t) && toks.iter().skip(i + 1).take(3).any(|n| has(OBLIGATION, n)));
    if you_obliged {
        f("h you-obliged");
    }
    let passive = toks.iter().enumerate().find_map(|(i, t)| {
        if !has(AUXILIARIES, t) {
            return None;
        }
        toks.iter()
            .enumerate()
            .skip(i + 1)
            .take(3)
            .find(|(_, n)| (n.len() > 4 && n.ends_with("ed")) || has(IRREGULAR, n))
            .map(|(j, _)| j)
    });
    if let Some(j) = passive {
        let by_follows = toks.iter().skip(j + 1).any(|t| *t == "by");
        f(if by_follows { "h passive-by" } else { "h passive-no-by" });
    }
    let jargon = toks.iter().any(|t| {
        t.len() >= 7
            && !has(PLAIN_ISE, t)
            && ["ize", "ise", "izing", "ising", "ization", "isation", "wise", "ality"]
                .iter()
                .any(|s| t.ends_with(s))
    });
    if jargon {
        f("h jargon-suffix");
    }
    let we_cannot = toks
        .windows(2)
        .any(|w| matches!(w, [a, b] if ["we", "i", "we're", "i'm"].contains(a) && has(CANNOT, b)));
    if we_cannot {
        f("h we-cannot");
    }
    if toks
        .iter()
        .any(|t| matches!(*t, "not" | "never" | "no") || t.ends_with("n't"))
    {
        f("h negated");
    }
}

/// Words too plain to explain anything on their own.
const GLUE: &[&str] = &[
    "a", "an", "the", "to", "of", "for", "and", "or", "in", "on", "at", "it", "this", "that", "is", "are", "was",
    "with", "as",
];

/// True for a feature worth naming in an explanation: not a lone glue word.
pub(crate) fn explains(feature: &str) -> bool {
    !matches!(feature.split_once(' '), Some(("w", w)) if GLUE.contains(&w))
}

/// How a feature reads in an explanation: the words, quoted, or what a hand
/// feature stands for.
pub(crate) fn display(feature: &str) -> String {
    match feature.split_once(' ') {
        Some(("w", w)) => format!("'{w}'"),
        Some(("b", b)) => format!("'{}'", b.trim_start_matches("<s> ")),
        Some(("h", "you-obliged")) => "'you' + should/must/had to".to_string(),
        Some(("h", "passive-no-by")) => "passive with no one named".to_string(),
        Some(("h", "passive-by")) => "passive".to_string(),
        Some(("h", "jargon-suffix")) => "a -ize/-ise/-wise word".to_string(),
        Some(("h", "we-cannot")) => "'we' + cannot".to_string(),
        Some(("h", "negated")) => "a negation".to_string(),
        _ => format!("'{feature}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feats(s: &str) -> Vec<String> {
        let mut v = Vec::new();
        each_feature(s, true, |f| v.push(f.to_string()));
        v
    }

    #[test]
    fn words_bigrams_and_hand_features() {
        let f = feats("you should have checked.");
        assert!(f.contains(&"w you".to_string()));
        assert!(f.contains(&"b <s> you".to_string()));
        assert!(f.contains(&"b you should".to_string()));
        assert!(f.contains(&"h you-obliged".to_string()));
        let p = feats("your refund was declined.");
        assert!(p.contains(&"h passive-no-by".to_string()));
        let b = feats("your refund was approved by dana.");
        assert!(b.contains(&"h passive-by".to_string()));
        assert!(feats("we will operationalize it").contains(&"h jargon-suffix".to_string()));
        assert!(!feats("otherwise fine").contains(&"h jargon-suffix".to_string()));
    }

    #[test]
    fn display_reads_as_words() {
        assert_eq!(display("w you"), "'you'");
        assert_eq!(display("b <s> you"), "'you'");
        assert_eq!(display("b you should"), "'you should'");
    }
}

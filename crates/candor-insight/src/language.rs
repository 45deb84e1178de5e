//! Language identification with `whatlang`, with confidence scaled down for
//! short texts.
//!
//! whatlang's own confidence describes how clearly one trigram profile beat
//! the others; on a text of a few letters that margin says little. We
//! therefore multiply it by a length factor:
//!
//! ```text
//! confidence = whatlang_confidence × min(1, letters / 40)
//! ```
//!
//! where `letters` counts alphabetic chars. "thanks!" (6 letters) can reach
//! at most 0.15, "ok" at most 0.05; a sentence of 40 letters or more keeps
//! whatlang's figure. Unknown text gets `code: None, confidence: 0`.
//!
//! A sentence whose function words ("the", "and", "nicht", "avec"…) clearly
//! belong to one of the nine most common support languages is placed by them
//! first (see `function_word_vote`); the rest goes to whatlang.
//!
//! Detection is limited to the languages customers most often write to a
//! support desk in ([`SUPPORTED`]). Without the limit, whatlang places plain
//! English support sentences ("I cannot log in since yesterday, please help")
//! in Norwegian Bokmål or Scots, and the limit also makes it faster. The cost:
//! a message in a language outside the list is reported as its closest listed
//! neighbour (Norwegian as Danish or Swedish, Catalan as Spanish) or unknown.

use serde::Serialize;
use std::sync::LazyLock;
use whatlang::{Detector, Lang};

/// The languages detection chooses among.
pub const SUPPORTED: &[Lang] = &[
    Lang::Eng,
    Lang::Deu,
    Lang::Fra,
    Lang::Spa,
    Lang::Ita,
    Lang::Por,
    Lang::Nld,
    Lang::Swe,
    Lang::Dan,
    Lang::Fin,
    Lang::Pol,
    Lang::Ces,
    Lang::Tur,
    Lang::Ron,
    Lang::Hun,
    Lang::Rus,
    Lang::Ukr,
    Lang::Ell,
    Lang::Ara,
    Lang::Heb,
    Lang::Hin,
    Lang::Cmn,
    Lang::Jpn,
    Lang::Kor,
    Lang::Tha,
    Lang::Vie,
    Lang::Ind,
];

static DETECTOR: LazyLock<Detector> = LazyLock::new(|| Detector::with_allowlist(SUPPORTED.to_vec()));

/// Letters at which a text counts as long enough to trust whatlang fully.
const FULL_CONFIDENCE_LETTERS: f64 = 40.0;

/// The result of [`detect_language`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LanguageGuess {
    /// ISO 639-1 code (`"en"`, `"de"`, …), or `None` when unknown.
    pub code: Option<&'static str>,
    /// 0 (no idea) ..= 1 (certain), already scaled for text length.
    pub confidence: f64,
}

impl LanguageGuess {
    /// The guess for text we cannot place.
    pub const UNKNOWN: LanguageGuess = LanguageGuess {
        code: None,
        confidence: 0.0,
    };

    /// The code when confidence reaches `min_confidence`.
    pub fn code_if(&self, min_confidence: f64) -> Option<&'static str> {
        self.code.filter(|_| self.confidence >= min_confidence)
    }
}

/// Guess the language of `text` (see the module docs for the confidence rule).
pub fn detect_language(text: &str) -> LanguageGuess {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 0 {
        return LanguageGuess::UNKNOWN;
    }
    let factor = (letters as f64 / FULL_CONFIDENCE_LETTERS).min(1.0);
    if let Some((code, share)) = function_word_vote(text) {
        return LanguageGuess {
            code: Some(code),
            confidence: (share * factor).clamp(0.0, 1.0),
        };
    }
    let Some(info) = DETECTOR.detect(text) else {
        return LanguageGuess::UNKNOWN;
    };
    let Some(code) = iso639_1(info.lang().code()) else {
        return LanguageGuess::UNKNOWN;
    };
    let confidence = (info.confidence() * factor).clamp(0.0, 1.0);
    LanguageGuess {
        code: Some(code),
        confidence,
    }
}

/// The most common short words of the languages support mail most often
/// comes in. Trigram statistics mistake short English sentences for Danish or
/// Norwegian; the words a sentence is built with rarely lie.
const FUNCTION_WORDS: &[(&str, &str)] = &[
    (
        "en",
        "the a an and or but is are was were be been have has had do does did not cannot can't don't i you we they it my your our this that with for from to of in on at since please thanks thank hello hi would could should will there what when why how",
    ),
    (
        "de",
        "der die das und oder aber ist sind war waren bin bist habe hat haben nicht kein keine ich du wir sie es mein meine ihr ihre ein eine einen mit für von zu im in auf bei seit bitte danke hallo wenn warum wie was noch schon auch",
    ),
    (
        "fr",
        "le la les et ou mais est sont était suis ai avez avons ne pas je tu nous vous ils elle mon ma mes votre vos un une des avec pour de du dans sur depuis merci bonjour svp quand pourquoi comment que qui",
    ),
    (
        "es",
        "el la los las y o pero es son era estoy he ha hemos no yo tú nosotros ustedes mi mis su sus un una con para de del en desde por favor gracias hola cuando porque cómo qué que",
    ),
    (
        "it",
        "il lo la gli le e o ma è sono era ho hai abbiamo non io tu noi voi mio mia suo sua un una con per di del nella dalla da grazie ciao buongiorno quando perché come che",
    ),
    (
        "pt",
        "o a os as e ou mas é são era estou tenho tem temos não eu você nós vocês meu minha seu sua um uma com para de do da em desde por favor obrigado obrigada olá quando porque como que",
    ),
    (
        "nl",
        "de het een en of maar is zijn was waren ben heb heeft hebben niet geen ik jij je wij we zij mijn uw jullie met voor van naar in op bij sinds alstublieft bedankt dank hallo wanneer waarom hoe wat nog al ook",
    ),
    (
        "sv",
        "och eller men är var har hade inte jag du vi de min mitt din ert en ett med för från till på sedan tack hej när varför hur vad",
    ),
    (
        "da",
        "og eller men er var har havde ikke jeg du vi de min mit din jeres en et med for fra til på siden tak hej hvornår hvorfor hvordan hvad",
    ),
];

static WORD_LANGS: LazyLock<std::collections::HashMap<&'static str, Vec<usize>>> = LazyLock::new(|| {
    let mut map: std::collections::HashMap<&'static str, Vec<usize>> = std::collections::HashMap::new();
    for (i, (_, words)) in FUNCTION_WORDS.iter().enumerate() {
        for w in words.split_whitespace() {
            map.entry(w).or_default().push(i);
        }
    }
    map
});

/// A language when its function words clearly outnumber every other's in
/// the text (at least three, and twice the runner-up), with the share of the
/// text's words they make up as the confidence.
fn function_word_vote(text: &str) -> Option<(&'static str, f64)> {
    let mut counts = [0usize; FUNCTION_WORDS.len()];
    let mut words = 0usize;
    let mut buf = String::new();
    for word in text.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’')) {
        if word.is_empty() {
            continue;
        }
        words += 1;
        buf.clear();
        buf.extend(
            word.chars()
                .flat_map(char::to_lowercase)
                .map(|c| if c == '’' { '\'' } else { c }),
        );
        if let Some(langs) = WORD_LANGS.get(buf.as_str()) {
            for &i in langs {
                counts[i] += 1;
            }
        }
    }
    let (best, &top) = counts.iter().enumerate().max_by_key(|(_, n)| **n)?;
    let second = counts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
    if top >= 3 && top >= second * 2 && words > 0 {
        let share = (0.5 + top as f64 / words as f64).min(1.0);
        Some((FUNCTION_WORDS[best].0, share))
    } else {
        None
    }
}

/// Map whatlang's ISO 639-3 code to ISO 639-1. Languages without a two-letter
/// code map to `None`.
fn iso639_1(code3: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("afr", "af"),
        ("aka", "ak"),
        ("amh", "am"),
        ("ara", "ar"),
        ("aze", "az"),
        ("bel", "be"),
        ("ben", "bn"),
        ("bul", "bg"),
        ("cat", "ca"),
        ("ces", "cs"),
        ("cmn", "zh"),
        ("cym", "cy"),
        ("dan", "da"),
        ("deu", "de"),
        ("ell", "el"),
        ("eng", "en"),
        ("epo", "eo"),
        ("est", "et"),
        ("fin", "fi"),
        ("fra", "fr"),
        ("guj", "gu"),
        ("heb", "he"),
        ("hin", "hi"),
        ("hrv", "hr"),
        ("hun", "hu"),
        ("hye", "hy"),
        ("ind", "id"),
        ("ita", "it"),
        ("jav", "jv"),
        ("jpn", "ja"),
        ("kan", "kn"),
        ("kat", "ka"),
        ("khm", "km"),
        ("kor", "ko"),
        ("lat", "la"),
        ("lav", "lv"),
        ("lit", "lt"),
        ("mal", "ml"),
        ("mar", "mr"),
        ("mkd", "mk"),
        ("mya", "my"),
        ("nep", "ne"),
        ("nld", "nl"),
        ("nob", "nb"),
        ("ori", "or"),
        ("pan", "pa"),
        ("pes", "fa"),
        ("pol", "pl"),
        ("por", "pt"),
        ("ron", "ro"),
        ("rus", "ru"),
        ("sin", "si"),
        ("slk", "sk"),
        ("slv", "sl"),
        ("sna", "sn"),
        ("spa", "es"),
        ("srp", "sr"),
        ("swe", "sv"),
        ("tam", "ta"),
        ("tel", "te"),
        ("tgl", "tl"),
        ("tha", "th"),
        ("tuk", "tk"),
        ("tur", "tr"),
        ("ukr", "uk"),
        ("urd", "ur"),
        ("uzb", "uz"),
        ("vie", "vi"),
        ("yid", "yi"),
        ("zul", "zu"),
    ];
    TABLE.iter().find(|(c3, _)| *c3 == code3).map(|(_, c1)| *c1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_main_languages() {
        let cases = [
            (
                "en",
                "Hello, I cannot log in to my account since yesterday, please help me.",
            ),
            (
                "de",
                "Hallo, ich kann mich seit gestern nicht mehr in mein Konto einloggen.",
            ),
            (
                "fr",
                "Bonjour, je ne peux plus me connecter à mon compte depuis hier soir.",
            ),
            (
                "es",
                "Hola, no puedo iniciar sesión en mi cuenta desde ayer, necesito ayuda.",
            ),
            (
                "it",
                "Buongiorno, non riesco ad accedere al mio account da ieri sera, aiuto.",
            ),
            (
                "pt",
                "Olá, não consigo entrar na minha conta desde ontem, preciso de ajuda.",
            ),
            (
                "nl",
                "Hallo, ik kan sinds gisteren niet meer inloggen op mijn account, help.",
            ),
        ];
        for (code, text) in cases {
            let g = detect_language(text);
            assert_eq!(g.code, Some(code), "{text}");
            assert!(g.confidence > 0.3, "{text}: {}", g.confidence);
        }
    }

    #[test]
    fn short_text_has_low_confidence() {
        for t in ["thanks!", "ok", "merci", "Danke", "gracias!", "yes"] {
            assert!(detect_language(t).confidence < 0.5, "{t}");
        }
    }

    #[test]
    fn empty_is_unknown() {
        assert_eq!(detect_language(""), LanguageGuess::UNKNOWN);
        assert_eq!(detect_language("1234 !!"), LanguageGuess::UNKNOWN);
    }
}

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

use serde::Serialize;

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
    let Some(info) = whatlang::detect(text) else {
        return LanguageGuess::UNKNOWN;
    };
    let Some(code) = iso639_1(info.lang().code()) else {
        return LanguageGuess::UNKNOWN;
    };
    let factor = (letters as f64 / FULL_CONFIDENCE_LETTERS).min(1.0);
    let confidence = (info.confidence() * factor).clamp(0.0, 1.0);
    LanguageGuess {
        code: Some(code),
        confidence,
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

//! Text understanding for Candor: language, sentiment, the "be human" reply
//! coach and promise detection.
//!
//! Everything here is pure, deterministic and explainable: no network, no
//! model downloads, no IO at run time. All data (rule files, lexicons) is
//! compiled in with `include_str!` from `data/`, parsed once, and reviewed
//! like code. Offsets are Unicode scalar values (`char`s) of the input, end
//! exclusive. No public function panics on any input (property-tested).
//!
//! # Language — [`detect_language`]
//!
//! `whatlang` over its 69 languages, mapped to ISO 639-1. Confidence is
//! whatlang's, scaled by `min(1, letters / 40)`, so "thanks!" or "ok" get a
//! low confidence instead of a wrong certainty. Limit: whatlang confuses short
//! English with Welsh or Catalan; below 40 letters treat the guess as a hint.
//!
//! # Sentiment — [`sentiment`]
//!
//! English: VADER via `vader-parity` (it matched the reference vaderSentiment
//! 3.3.2 compound score on all 157 sentences we checked: the evaluation set
//! plus a few of VADER's own examples), then a support-domain adjustment from
//! `data/sentiment/support_en.toml`: requests for help and closing formulas
//! are neutralised, politeness around a complaint is ignored, problem phrases
//! ("cannot log in", "charged twice", "still waiting") pull negative and
//! sarcasm markers ("thanks for nothing", "great, another") flip a positive
//! reading. On our 60 labelled English support messages, 3-class accuracy
//! goes from 0.53 (plain VADER) to 0.98. German, French, Spanish, Italian,
//! Portuguese and Dutch use small hand-written lexicons with negation,
//! intensifiers, contrast and phrase entries (`data/sentiment/{lang}.toml`);
//! they are coarse (no morphology beyond prefixes, no sarcasm) and meant for
//! short support messages. Other languages score neutral.
//!
//! # Coach — [`coach`], [`Coach`]
//!
//! Phrase rules per language (`data/coach/{en,de,fr,es}.toml`) in a small
//! pattern language (alternatives, optional groups; case-, apostrophe- and
//! whitespace-insensitive; word boundaries), expanded to literals and matched
//! with one Aho-Corasick automaton per language, with context exclusions
//! (`not_followed_by`, `not_preceded_by`, `sentence_requires`) for precision.
//! Categories: script, doublespeak, policy, blame, evasive, vague-promise,
//! signature, language. A company adds rules with [`Coach::with_extra_rules`].
//! The signature check (heuristics in `coach/signature.rs`) and the language
//! check (detection with confidence ≥ [`LANGUAGE_MIN_CONFIDENCE`]) are code.
//! Limits: phrase rules catch the phrasings they list and nothing else;
//! messages are in English, suggestions in the reply's language.
//!
//! For English, a statistical layer (`coach/classify/`) adds what the rules
//! miss: a logistic-regression classifier per category (blame, evasive,
//! doublespeak, policy, script) over a sentence's words, word pairs and a few
//! hand features, trained deterministically on first use (about 15 ms) from
//! the English development rows. It reports a sentence only when no rule of
//! that category fired or was turned down in it and its probability reaches
//! a threshold chosen by cross-validation for precision ≥ 0.93
//! ([`eval::cv`]); the finding spans the sentence and names the words that
//! weighed most. [`Coach::with_classifier`] switches it off.
//!
//! # Sales pushed — [`upsell::pushes_a_sale`]
//!
//! A short phrase list per language (en, de, fr, es) of offers, upgrades and
//! calls to buy, on word boundaries; the trust equation counts replies that
//! push a sale toward self-orientation. It knows the phrasings listed only.
//!
//! # Promises — [`detect_promises`], [`resolve_due`]
//!
//! First-person commitment markers followed by an action verb (or markers
//! that carry their verb), not negated, not in a question, with the first
//! due expression of the clause parsed into a relative [`DueSpec`]. The
//! caller resolves it with [`resolve_due`] over a [`WorkingCalendar`]. A
//! promise without a time is also a vague-promise finding. Vocabulary per
//! language in `data/promise/{en,de,fr,es}.toml`.
//!
//! # Evaluation — [`eval`]
//!
//! Labelled sets in `data/eval/`; `cargo run -p candor-insight --release
//! --bin insight-eval` prints precision/recall per category and language,
//! promise figures and sentiment accuracy; `tests/eval.rs` holds English to
//! precision ≥ 0.9 and recall ≥ 0.8 per category. The sets were written
//! with the rules, so they guard against regressions rather than measure
//! accuracy on real traffic.

mod coach;
pub mod eval;
mod language;
mod phrase;
mod promise;
mod sentiment;
mod text;
pub mod upsell;

pub use coach::{
    Category, Coach, CoachOptions, CoachReport, Finding, LANGUAGE_MIN_CONFIDENCE, MAX_ADDED_PHRASES, RuleError,
    analyze_reply, coach,
};
pub use language::{LanguageGuess, detect_language};
pub use phrase::PatternError;
pub use promise::{DueSpec, MondayToFriday, Owner, PromiseDetection, WorkingCalendar, detect_promises, resolve_due};
/// Builds every table and model the functions here build on first use
/// (the language detector, the lexicons, the coach's rules and its trained
/// layer), so that the first message a server analyses does not wait for
/// them. Safe to call more than once; later calls cost one analysis.
pub fn warm_up() {
    for (text, lang) in [
        ("Hello, I cannot log in since yesterday, please help.", "en"),
        ("Hallo, ich kann mich seit gestern nicht anmelden.", "de"),
        ("Bonjour, je ne peux plus me connecter depuis hier.", "fr"),
        ("Hola, no puedo iniciar sesión desde ayer.", "es"),
    ] {
        let guess = detect_language(text);
        let _ = sentiment(text, guess.code.unwrap_or(lang));
        let _ = analyze_reply(text, &CoachOptions::new(lang));
        let _ = detect_promises(text, lang);
    }
}

pub use sentiment::{NEUTRAL_BAND, Sentiment, SentimentLabel, SentimentMethod, sentiment, vader_compound};

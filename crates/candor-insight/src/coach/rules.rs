//! Coach rule files: their format, parsing and compilation.
//!
//! A rule file is TOML:
//!
//! ```toml
//! [signature]                 # optional; built-in files have one
//! sign_offs = ["best regards", "thanks"]
//! team_words = ["team", "support"]
//!
//! [[rule]]
//! id = "script.inconvenience"
//! category = "script"
//! message = "Stock apology: it sounds like a script."
//! suggestion = "Name the actual problem: \"I'm sorry the parcel is late.\""
//! patterns = ["we (apologize|apologise) for any inconvenience"]
//! not_followed_by = []        # optional: skip when one of these follows
//! not_preceded_by = []        # optional: skip when one of these precedes
//! sentence_requires = []      # optional: fire only when the sentence has one
//! sentence_excludes = []      # optional: skip when the sentence has one
//! not_followed_by_name = false # optional: skip when a capitalised name
//!                             # follows ("passed to Amira Khan")
//!
//! [passive]                   # optional: the passive-voice check, see
//! # `super::passive` for the fields
//! ```
//!
//! Patterns use the syntax of [`crate::phrase`]. Context lists use the same
//! syntax and are compared on word boundaries.

use serde::Deserialize;

use super::Category;
use super::passive::{Passive, PassiveDef};
use crate::phrase::{PatternError, PhraseSet, expand_all};

/// Why a rule file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The TOML did not parse or did not have the expected shape.
    #[error("rule file for {lang:?} is not valid: {message}")]
    Parse {
        /// Language the file was given for.
        lang: String,
        /// What the parser said.
        message: String,
    },
    /// A pattern in a rule is malformed.
    #[error("rule {id:?} ({lang}): {source}")]
    Pattern {
        /// Language of the file.
        lang: String,
        /// The rule's id.
        id: String,
        /// The pattern problem.
        source: PatternError,
    },
    /// The language code is not a two-letter code.
    #[error("{0:?} is not an ISO 639-1 language code")]
    Language(String),
    /// An added file's patterns expand to too many phrases.
    #[error("the rules for {lang:?} expand to {phrases} phrases; at most {max} are allowed")]
    TooLarge {
        /// Language of the file.
        lang: String,
        /// Phrases the file's patterns expand to.
        phrases: usize,
        /// The limit.
        max: usize,
    },
    /// An added rule reuses the id of a rule already in force.
    #[error("rule id {id:?} is already used by another rule for {lang:?}")]
    DuplicateId {
        /// Language of the file.
        lang: String,
        /// The id.
        id: String,
    },
}

/// The `[signature]` table of a rule file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignatureDef {
    #[serde(default)]
    pub sign_offs: Vec<String>,
    #[serde(default)]
    pub team_words: Vec<String>,
}

/// One `[[rule]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleDef {
    pub id: String,
    pub category: Category,
    pub message: String,
    pub suggestion: String,
    pub patterns: Vec<String>,
    #[serde(default)]
    pub not_followed_by: Vec<String>,
    #[serde(default)]
    pub not_preceded_by: Vec<String>,
    #[serde(default)]
    pub sentence_requires: Vec<String>,
    #[serde(default)]
    pub sentence_excludes: Vec<String>,
    #[serde(default)]
    pub not_followed_by_name: bool,
}

/// A whole rule file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    #[serde(default)]
    pub signature: Option<SignatureDef>,
    #[serde(default)]
    pub rule: Vec<RuleDef>,
    #[serde(default)]
    pub passive: Option<PassiveDef>,
}

impl RuleFile {
    pub fn parse(lang: &str, source: &str) -> Result<Self, RuleError> {
        toml::from_str(source).map_err(|e| RuleError::Parse {
            lang: lang.to_string(),
            message: e.to_string(),
        })
    }
}

/// A rule with its context lists expanded to literal phrases.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub def: RuleDef,
    pub not_followed_by: Vec<String>,
    pub not_preceded_by: Vec<String>,
    pub sentence_requires: Vec<String>,
    pub sentence_excludes: Vec<String>,
}

/// Signature vocabulary, normalised.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignatureVocab {
    pub sign_offs: Vec<String>,
    pub team_words: Vec<String>,
}

/// All rules of one language, ready to match.
#[derive(Debug, Clone)]
pub(crate) struct LangRules {
    pub rules: Vec<CompiledRule>,
    pub set: PhraseSet,
    pub signature: SignatureVocab,
    pub passive: Option<Passive>,
}

impl LangRules {
    /// Compile the rules of `files` (later files add to earlier ones).
    pub fn compile(lang: &str, files: &[RuleFile]) -> Result<Self, RuleError> {
        let mut rules = Vec::new();
        let mut signature = SignatureVocab::default();
        let mut passive: Option<PassiveDef> = None;
        for file in files {
            if let Some(p) = &file.passive {
                match &mut passive {
                    Some(acc) => acc.extend(p),
                    None => passive = Some(p.clone()),
                }
            }
            if let Some(sig) = &file.signature {
                let wrap = |e| RuleError::Pattern {
                    lang: lang.to_string(),
                    id: "signature".into(),
                    source: e,
                };
                signature.sign_offs.extend(expand_all(&sig.sign_offs).map_err(wrap)?);
                signature.team_words.extend(expand_all(&sig.team_words).map_err(wrap)?);
            }
            for def in &file.rule {
                let wrap = |e| RuleError::Pattern {
                    lang: lang.to_string(),
                    id: def.id.clone(),
                    source: e,
                };
                rules.push(CompiledRule {
                    not_followed_by: expand_all(&def.not_followed_by).map_err(wrap)?,
                    not_preceded_by: expand_all(&def.not_preceded_by).map_err(wrap)?,
                    sentence_requires: expand_all(&def.sentence_requires).map_err(wrap)?,
                    sentence_excludes: expand_all(&def.sentence_excludes).map_err(wrap)?,
                    def: def.clone(),
                });
            }
        }
        // Longest sign-offs first so "best regards" wins over "best".
        signature.sign_offs.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        // Report a bad pattern with its rule id.
        for r in &rules {
            for p in &r.def.patterns {
                crate::phrase::expand(p).map_err(|e| RuleError::Pattern {
                    lang: lang.to_string(),
                    id: r.def.id.clone(),
                    source: e,
                })?;
            }
        }
        let pairs: Vec<(usize, &str)> = rules
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.def.patterns.iter().map(move |p| (i, p.as_str())))
            .collect();
        let set = PhraseSet::new(pairs).map_err(|e| RuleError::Pattern {
            lang: lang.to_string(),
            id: "(set)".into(),
            source: e,
        })?;
        let passive = match passive {
            Some(def) => Some(Passive::compile(&def).map_err(|e| RuleError::Pattern {
                lang: lang.to_string(),
                id: "passive".into(),
                source: e,
            })?),
            None => None,
        };
        Ok(LangRules {
            rules,
            set,
            signature,
            passive,
        })
    }
}

/// The built-in rule files, compiled into the binary. A language may have
/// several files; they are compiled as one set, in this order.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../../data/coach/en.toml")),
    ("en", include_str!("../../data/coach/en_tone.toml")),
    ("en", include_str!("../../data/coach/en_blame.toml")),
    ("de", include_str!("../../data/coach/de.toml")),
    ("fr", include_str!("../../data/coach/fr.toml")),
    ("es", include_str!("../../data/coach/es.toml")),
];

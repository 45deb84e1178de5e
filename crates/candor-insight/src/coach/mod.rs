//! The "be human" coach: findings about a draft reply, each with a span, a
//! message and a suggestion.
//!
//! Phrase rules live in `data/coach/{lang}.toml` (format in [`rules`]); the
//! signature and language checks and the "promise without a time" check are
//! code, driven by the same files' `[signature]` vocabulary and by
//! [`crate::detect_promises`].

pub(crate) mod classify;
mod passive;
mod rules;
mod signature;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

pub use rules::RuleError;
use rules::{BUILTIN, LangRules, RuleFile};

use crate::language::detect_language;
use crate::phrase::{ends_with_any, starts_with_any};
use crate::promise::{PromiseDetection, detect_promises};
use crate::text::{Normalized, sentences};

/// Minimum language-detection confidence before the coach says a reply is
/// written in the wrong language.
pub const LANGUAGE_MIN_CONFIDENCE: f64 = 0.5;

/// What kind of problem a finding points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Canned phrases that sound like a script.
    Script,
    /// Corporate jargon and doublespeak.
    Doublespeak,
    /// Hiding behind policy instead of saying what can be done.
    Policy,
    /// Blaming or talking down to the customer.
    Blame,
    /// Evasive passive voice that hides who did or will do something.
    Evasive,
    /// A promise without a time ("soon", "shortly", no time at all).
    VaguePromise,
    /// No real-name signature at the end of the reply.
    Signature,
    /// The reply is not in the customer's language.
    Language,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 8] = [
        Category::Script,
        Category::Doublespeak,
        Category::Policy,
        Category::Blame,
        Category::Evasive,
        Category::VaguePromise,
        Category::Signature,
        Category::Language,
    ];

    /// The kebab-case name used in JSON and in the data files.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Script => "script",
            Category::Doublespeak => "doublespeak",
            Category::Policy => "policy",
            Category::Blame => "blame",
            Category::Evasive => "evasive",
            Category::VaguePromise => "vague-promise",
            Category::Signature => "signature",
            Category::Language => "language",
        }
    }

    /// Parse the kebab-case name.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}

/// One thing the coach noticed. Offsets are chars of the reply, end exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The kind of problem.
    pub category: Category,
    /// First char of the span.
    pub start: usize,
    /// One past the last char of the span.
    pub end: usize,
    /// What is wrong, in a sentence.
    pub message: String,
    /// What to write instead.
    pub suggestion: String,
}

fn yes() -> bool {
    true
}

/// Options for [`coach`] and [`analyze_reply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoachOptions {
    /// ISO 639-1 code of the reply's language; empty or `"auto"` detects it
    /// (falling back to English).
    #[serde(default)]
    pub language: String,
    /// The customer's language: the reply should be in it.
    #[serde(default)]
    pub customer_language: Option<String>,
    /// The agent's name: the reply should be signed with it.
    #[serde(default)]
    pub signature_name: Option<String>,
    /// Whether to check the signature at all (chat replies often have none).
    #[serde(default = "yes")]
    pub check_signature: bool,
}

impl Default for CoachOptions {
    fn default() -> Self {
        CoachOptions {
            language: String::new(),
            customer_language: None,
            signature_name: None,
            check_signature: true,
        }
    }
}

impl CoachOptions {
    /// Options for a reply in `language`, every check on.
    pub fn new(language: &str) -> Self {
        CoachOptions {
            language: language.to_string(),
            ..CoachOptions::default()
        }
    }
}

/// Findings and promises of one reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoachReport {
    /// What the coach noticed, ordered by start.
    pub findings: Vec<Finding>,
    /// Promises made in the reply.
    pub promises: Vec<PromiseDetection>,
}

/// Most literal phrases the patterns of one added rule file may expand to:
/// a company's file stays small beside the built-in rules.
pub const MAX_ADDED_PHRASES: usize = 20_000;

/// A rule set per language: the built-in rules plus any a company added.
#[derive(Debug, Clone)]
pub struct Coach {
    files: BTreeMap<String, Vec<RuleFile>>,
    compiled: BTreeMap<String, LangRules>,
    classifier: bool,
}

/// Whether a new coach runs the statistical layer (see [`Coach::with_classifier`]).
pub const CLASSIFIER_DEFAULT: bool = true;

static BUILTIN_COACH: LazyLock<Coach> = LazyLock::new(|| {
    // The built-in files are compiled into the binary and
    // `tests::builtin_rules_compile` proves they parse and compile; a broken
    // file is a build defect, never a run-time condition.
    #[allow(clippy::expect_used)]
    Coach::builtin().expect("built-in coach rules compile")
});

impl Coach {
    /// The built-in rules (en, de, fr, es).
    pub fn builtin() -> Result<Coach, RuleError> {
        let mut coach = Coach {
            files: BTreeMap::new(),
            compiled: BTreeMap::new(),
            classifier: CLASSIFIER_DEFAULT,
        };
        for (lang, source) in BUILTIN {
            let file = RuleFile::parse(lang, source)?;
            coach.files.entry((*lang).to_string()).or_default().push(file);
        }
        for (lang, files) in &coach.files {
            coach.compiled.insert(lang.clone(), LangRules::compile(lang, files)?);
        }
        Ok(coach)
    }

    /// The built-in rules, compiled once per process (a copy of them).
    pub fn standard() -> Coach {
        BUILTIN_COACH.clone()
    }

    /// The built-in rules plus a company's own rules for `lang`, in the same
    /// TOML format as the built-in files.
    pub fn with_extra_rules(lang: &str, toml_str: &str) -> Result<Coach, RuleError> {
        BUILTIN_COACH.clone().and_rules(lang, toml_str)
    }

    /// This coach plus more rules for `lang`. An added file may not reuse
    /// a rule id already in force for the language, and its patterns may
    /// expand to at most [`MAX_ADDED_PHRASES`] phrases.
    pub fn and_rules(mut self, lang: &str, toml_str: &str) -> Result<Coach, RuleError> {
        let code = base_code(lang);
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(RuleError::Language(lang.to_string()));
        }
        let file = RuleFile::parse(&code, toml_str)?;
        let phrases: usize = file
            .rule
            .iter()
            .flat_map(|r| r.patterns.iter())
            .map(|p| crate::phrase::expand(p).map(|v| v.len()).unwrap_or(0))
            .sum::<usize>()
            + file.passive.as_ref().map_or(0, |p| p.phrase_count());
        if phrases > MAX_ADDED_PHRASES {
            return Err(RuleError::TooLarge {
                lang: code,
                phrases,
                max: MAX_ADDED_PHRASES,
            });
        }
        let files = self.files.entry(code.clone()).or_default();
        let mut ids: std::collections::BTreeSet<&str> = files
            .iter()
            .flat_map(|f| f.rule.iter().map(|r| r.id.as_str()))
            .collect();
        for r in &file.rule {
            if !ids.insert(r.id.as_str()) {
                return Err(RuleError::DuplicateId {
                    lang: code.clone(),
                    id: r.id.clone(),
                });
            }
        }
        files.push(file);
        let compiled = LangRules::compile(&code, files)?;
        self.compiled.insert(code, compiled);
        Ok(self)
    }

    /// This coach with the statistical layer switched on or off. When on,
    /// a sentence no rule of a category fired on may still get a finding of
    /// that category from the sentence classifier (English only).
    pub fn with_classifier(mut self, on: bool) -> Coach {
        self.classifier = on;
        self
    }

    /// Whether the statistical layer runs.
    pub fn classifier(&self) -> bool {
        self.classifier
    }

    /// Languages this coach has rules for.
    pub fn languages(&self) -> Vec<&str> {
        self.compiled.keys().map(String::as_str).collect()
    }

    /// Findings of the phrase rules and the passive-voice check alone, and
    /// where a rule matched but turned the match down for a stated reason
    /// (category, char offset): the statistical layer defers to those.
    pub(crate) fn rule_findings(
        &self,
        norm: &Normalized,
        text: &str,
        lang: &str,
    ) -> (Vec<Finding>, Vec<(Category, usize)>) {
        let rules = self.compiled.get(lang).or_else(|| self.compiled.get("en"));
        let mut declined = Vec::new();
        let mut findings = match rules {
            Some(r) => phrase_findings(r, norm, text, &mut declined),
            None => Vec::new(),
        };
        if let Some(passive) = rules.and_then(|r| r.passive.as_ref()) {
            let original: Vec<char> = text.chars().collect();
            let (found, turned_down) = passive.find(norm, &original);
            declined.extend(turned_down.into_iter().map(|b| (Category::Evasive, norm.char_at(b))));
            for (s, e) in found {
                let (start, end) = norm.char_range(s, e);
                // A phrase rule's evasive finding already says it, in its own words.
                let covered = findings
                    .iter()
                    .any(|f| f.category == Category::Evasive && f.start < end && start < f.end);
                if !covered {
                    findings.push(Finding {
                        category: Category::Evasive,
                        start,
                        end,
                        message: passive.message.clone(),
                        suggestion: passive.suggestion.clone(),
                    });
                }
            }
        }
        (findings, declined)
    }

    /// Findings for `text`.
    pub fn coach(&self, text: &str, opts: &CoachOptions) -> Vec<Finding> {
        self.analyze(text, opts).findings
    }

    /// Findings and promises for `text`.
    pub fn analyze(&self, text: &str, opts: &CoachOptions) -> CoachReport {
        if text.trim().is_empty() {
            return CoachReport {
                findings: Vec::new(),
                promises: Vec::new(),
            };
        }
        let lang = resolve_language(text, &opts.language);
        let norm = Normalized::new(text);
        let rules = self.compiled.get(&lang).or_else(|| self.compiled.get("en"));
        let (mut findings, declined) = self.rule_findings(&norm, text, &lang);
        if self.classifier
            && let Some(model) = classify::model_for(&lang)
        {
            let added = classify::findings(model, &norm, &findings, &declined, &classify::THRESHOLDS);
            findings.extend(added);
        }
        let promises = detect_promises(text, &lang);
        for p in promises.iter().filter(|p| p.due.is_none()) {
            let covered = findings
                .iter()
                .any(|f| f.category == Category::VaguePromise && f.start < p.end && p.start < f.end);
            if !covered {
                findings.push(Finding {
                    category: Category::VaguePromise,
                    start: p.start,
                    end: p.end,
                    message: "This promise has no time: the customer cannot tell when to expect it.".into(),
                    suggestion: "Add when: \"… by 4 pm today\", \"… tomorrow before noon\", \"… within 24 hours\"."
                        .into(),
                });
            }
        }
        if opts.check_signature {
            let vocab = rules.map(|r| &r.signature);
            if let Some(f) = signature::check(text, opts.signature_name.as_deref(), vocab) {
                findings.push(f);
            }
        }
        if let Some(customer) = &opts.customer_language
            && let Some(f) = language_finding(text, customer)
        {
            findings.push(f);
        }
        findings.sort_by(|a, b| a.start.cmp(&b.start).then(a.end.cmp(&b.end)));
        CoachReport { findings, promises }
    }
}

impl Default for Coach {
    fn default() -> Self {
        BUILTIN_COACH.clone()
    }
}

/// Lower-case, and keep only the primary subtag (`"en-GB"` → `"en"`).
pub(crate) fn base_code(code: &str) -> String {
    code.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The language to use for rules: the given one, or the detected one, or en.
pub(crate) fn resolve_language(text: &str, given: &str) -> String {
    let code = base_code(given);
    if !code.is_empty() && code != "auto" {
        return code;
    }
    detect_language(text)
        .code_if(LANGUAGE_MIN_CONFIDENCE)
        .unwrap_or("en")
        .to_string()
}

/// True when the word right after byte `end` (same clause) starts with a
/// capital in the original text: a name ("passed to Amira Khan").
fn name_follows(norm: &Normalized, original: &[char], end: usize) -> bool {
    let rest = norm.text.get(end..).unwrap_or_default();
    let word = rest.trim_start_matches(' ');
    if word.len() == rest.len() && !rest.is_empty() {
        return false;
    }
    let at = end + (rest.len() - word.len());
    word.chars().next().is_some_and(crate::text::is_word_char)
        && original.get(norm.char_at(at)).is_some_and(|c| c.is_uppercase())
}

fn phrase_findings(
    rules: &LangRules,
    norm: &Normalized,
    text: &str,
    declined: &mut Vec<(Category, usize)>,
) -> Vec<Finding> {
    let original: Vec<char> = if rules.rules.iter().any(|r| r.def.not_followed_by_name) {
        text.chars().collect()
    } else {
        Vec::new()
    };
    let sents = sentences(&norm.text);
    let mut kept: Vec<(usize, usize, usize)> = Vec::new(); // (rule, start, end) bytes
    for m in rules.set.find_all(norm) {
        let Some(rule) = rules.rules.get(m.owner) else {
            continue;
        };
        let after = norm.text.get(m.end..).unwrap_or_default();
        let before = norm.text.get(..m.start).unwrap_or_default();
        let turned_down = (rule.def.category, norm.char_at(m.start));
        if starts_with_any(after, &rule.not_followed_by) || ends_with_any(before, &rule.not_preceded_by) {
            declined.push(turned_down);
            continue;
        }
        if rule.def.not_followed_by_name && name_follows(norm, &original, m.end) {
            declined.push(turned_down);
            continue;
        }
        if !rule.sentence_requires.is_empty() || !rule.sentence_excludes.is_empty() {
            let (s, e) = sents
                .iter()
                .copied()
                .find(|&(s, e)| s <= m.start && m.start < e)
                .unwrap_or((0, norm.text.len()));
            let sentence = norm.text.get(s..e).unwrap_or_default();
            let has = |list: &[String]| {
                list.iter().any(|req| {
                    sentence
                        .match_indices(req.as_str())
                        .any(|(i, _)| norm.on_word_boundaries(s + i, s + i + req.len()))
                })
            };
            if !rule.sentence_requires.is_empty() && !has(&rule.sentence_requires) {
                declined.push(turned_down);
                continue;
            }
            if has(&rule.sentence_excludes) {
                declined.push(turned_down);
                continue;
            }
        }
        let cat = rule.def.category;
        let overlaps = kept
            .iter()
            .any(|&(r, s, e)| rules.rules.get(r).map(|x| x.def.category) == Some(cat) && s < m.end && m.start < e);
        if !overlaps {
            kept.push((m.owner, m.start, m.end));
        }
    }
    kept.into_iter()
        .filter_map(|(r, s, e)| {
            let rule = rules.rules.get(r)?;
            let (start, end) = norm.char_range(s, e);
            Some(Finding {
                category: rule.def.category,
                start,
                end,
                message: rule.def.message.clone(),
                suggestion: rule.def.suggestion.clone(),
            })
        })
        .collect()
}

fn language_finding(text: &str, customer: &str) -> Option<Finding> {
    let want = base_code(customer);
    if want.is_empty() {
        return None;
    }
    let got = detect_language(text).code_if(LANGUAGE_MIN_CONFIDENCE)?;
    if got == want {
        return None;
    }
    let lead = text.chars().take_while(|c| c.is_whitespace()).count();
    let trail = text.chars().rev().take_while(|c| c.is_whitespace()).count();
    let total = text.chars().count();
    Some(Finding {
        category: Category::Language,
        start: lead,
        end: total.saturating_sub(trail).max(lead),
        message: format!("This reply looks like {got}, but the customer writes {want}."),
        suggestion: format!("Answer in the customer's language ({want})."),
    })
}

/// Findings for `text` with the built-in rules.
pub fn coach(text: &str, opts: &CoachOptions) -> Vec<Finding> {
    BUILTIN_COACH.coach(text, opts)
}

/// Findings and promises for `text` with the built-in rules.
pub fn analyze_reply(text: &str, opts: &CoachOptions) -> CoachReport {
    BUILTIN_COACH.analyze(text, opts)
}

#[cfg(test)]
mod tests;

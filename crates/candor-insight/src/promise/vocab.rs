//! Promise vocabulary per language, from `data/promise/{lang}.toml`.
//!
//! Each file lists the markers that open a commitment ("I'll", "wir
//! werden"), the action verbs a marker must be followed by (unless the marker
//! is `verb_free`, i.e. already contains its verb), negations, and the words
//! of due expressions (relative days, weekdays, months, numbers, units, time
//! words). Every phrase uses the pattern syntax of [`crate::phrase`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::Owner;
use crate::phrase::{PatternError, PhraseSet, expand, expand_all};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkerDef {
    owner: Owner,
    patterns: Vec<String>,
    #[serde(default)]
    verb_free: bool,
    /// The marker is an imperative ("let me"): it opens a promise only at
    /// the start of a clause or after one of `imperative_lead`, never after a
    /// subject ("the system let me apply it" reports the past).
    #[serde(default)]
    imperative: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DueDef {
    today: Vec<String>,
    tomorrow: Vec<String>,
    day_after_tomorrow: Vec<String>,
    /// Phrases meaning "by", "before", "on", "until" before a day or date.
    by: Vec<String>,
    /// Phrases meaning "within" / "in" before a number and unit.
    within: Vec<String>,
    /// Phrases that introduce a clock time ("at", "um", "à", "a las").
    time_intro: Vec<String>,
    /// Phrases that open a time window after a day ("between", "zwischen").
    #[serde(default)]
    range_intro: Vec<String>,
    /// Phrases between the two ends of a window ("and", "bis", "et").
    #[serde(default)]
    range_joiner: Vec<String>,
    /// Phrases that may follow a number in a date ("3rd", "3.", "1er").
    ordinal_suffix: Vec<String>,
    /// Words between day and month ("of", "de").
    date_joiner: Vec<String>,
    /// Suffix after the hour ("uhr", "h").
    hour_suffix: Vec<String>,
    am: Vec<String>,
    pm: Vec<String>,
    /// Named times: phrase → "HH:MM".
    named_times: BTreeMap<String, String>,
    /// Parts of a day after a relative day: phrase → "HH:MM" deadline.
    part_of_day: BTreeMap<String, String>,
    /// Phrases meaning "end of this week" (resolved to Friday).
    end_of_week: Vec<String>,
    /// Weekday names, Monday first; each entry is a pattern.
    weekdays: Vec<String>,
    /// Month names, January first; each entry is a pattern.
    months: Vec<String>,
    /// Number words: phrase → value.
    numbers: BTreeMap<String, u32>,
    /// Fixed durations after "within": phrase → minutes ("half an hour").
    durations: BTreeMap<String, u32>,
    /// Units: phrase → minutes; business-day units are listed separately.
    units: BTreeMap<String, u32>,
    business_days: Vec<String>,
    /// How the language writes a numeric date with slashes: "month-first"
    /// (12/05 = December 5) or "day-first" (12/05 = 12 May).
    #[serde(default)]
    numeric_dates: NumericDates,
}

/// The order of day and month in a slashed numeric date ("12/05").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum NumericDates {
    /// 12/05 is the 12th of May.
    #[default]
    DayFirst,
    /// 12/05 is December 5.
    MonthFirst,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabFile {
    marker: Vec<MarkerDef>,
    verbs: Vec<String>,
    #[serde(default)]
    skip: Vec<String>,
    negations: Vec<String>,
    /// How many words after the marker a negation may appear in.
    negation_window: usize,
    /// Words that join two promises into one ("and").
    #[serde(default)]
    joiners: Vec<String>,
    /// Words that make a clause a habit or a rule for everyone ("usually",
    /// "every month", "anyone whose"): it states how things go, not a promise.
    #[serde(default)]
    habitual: Vec<String>,
    /// Words that, anywhere before the marker in the sentence, make the
    /// clause a habit ("whenever we deliver, we'll …").
    #[serde(default)]
    habitual_lead: Vec<String>,
    /// Words that may stand before an imperative marker ("so let me …").
    #[serde(default)]
    imperative_lead: Vec<String>,
    due: DueDef,
}

/// Phrases compiled to literal lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct DueVocab {
    pub today: Vec<String>,
    pub tomorrow: Vec<String>,
    pub day_after_tomorrow: Vec<String>,
    pub by: Vec<String>,
    pub within: Vec<String>,
    pub time_intro: Vec<String>,
    pub range_intro: Vec<String>,
    pub range_joiner: Vec<String>,
    pub ordinal_suffix: Vec<String>,
    pub date_joiner: Vec<String>,
    pub hour_suffix: Vec<String>,
    pub am: Vec<String>,
    pub pm: Vec<String>,
    pub named_times: Vec<(String, jiff::civil::Time)>,
    pub part_of_day: Vec<(String, jiff::civil::Time)>,
    pub end_of_week: Vec<String>,
    pub weekdays: Vec<(String, jiff::civil::Weekday)>,
    pub months: Vec<(String, i8)>,
    pub numbers: Vec<(String, u32)>,
    pub durations: Vec<(String, u32)>,
    pub units: Vec<(String, u32)>,
    pub business_days: Vec<String>,
    pub numeric_dates: NumericDates,
}

/// What a marker pattern is: who owns it, whether it holds its verb, and
/// whether it is an imperative.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MarkerInfo {
    pub owner: Owner,
    pub verb_free: bool,
    pub imperative: bool,
}

/// The compiled vocabulary of one language.
#[derive(Debug, Clone)]
pub(crate) struct Vocab {
    pub markers: PhraseSet,
    /// Per marker pattern owner index.
    pub marker_info: Vec<MarkerInfo>,
    pub verbs: Vec<String>,
    pub skip: Vec<String>,
    pub negations: Vec<String>,
    pub negation_window: usize,
    pub joiners: Vec<String>,
    /// `habitual` phrases (owner 0) and `habitual_lead` phrases (owner 1),
    /// found in one pass over the text.
    pub habits: PhraseSet,
    pub imperative_lead: Vec<String>,
    pub due: DueVocab,
}

/// Errors in a vocabulary file (only reachable through a broken build).
#[derive(Debug, thiserror::Error)]
pub(crate) enum VocabError {
    #[error("{0}")]
    Toml(String),
    #[error(transparent)]
    Pattern(#[from] PatternError),
    #[error("bad time {0:?}")]
    Time(String),
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    // Longest first: "within the next" before "within".
    v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    v.dedup();
    v
}

fn expand_map<T: Copy>(map: impl IntoIterator<Item = (String, T)>) -> Result<Vec<(String, T)>, PatternError> {
    let mut out = Vec::new();
    for (k, v) in map {
        for lit in expand(&k)? {
            out.push((lit, v));
        }
    }
    out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    Ok(out)
}

fn parse_time(s: &str) -> Result<jiff::civil::Time, VocabError> {
    let (h, m) = s.split_once(':').ok_or_else(|| VocabError::Time(s.into()))?;
    let h: i8 = h.parse().map_err(|_| VocabError::Time(s.into()))?;
    let m: i8 = m.parse().map_err(|_| VocabError::Time(s.into()))?;
    jiff::civil::Time::new(h, m, 0, 0).map_err(|_| VocabError::Time(s.into()))
}

fn times(map: BTreeMap<String, String>) -> Result<Vec<(String, jiff::civil::Time)>, VocabError> {
    let mut pairs = Vec::new();
    for (k, v) in map {
        pairs.push((k, parse_time(&v)?));
    }
    Ok(expand_map(pairs)?)
}

const WEEKDAYS: [jiff::civil::Weekday; 7] = [
    jiff::civil::Weekday::Monday,
    jiff::civil::Weekday::Tuesday,
    jiff::civil::Weekday::Wednesday,
    jiff::civil::Weekday::Thursday,
    jiff::civil::Weekday::Friday,
    jiff::civil::Weekday::Saturday,
    jiff::civil::Weekday::Sunday,
];

impl Vocab {
    pub fn parse(source: &str) -> Result<Vocab, VocabError> {
        let file: VocabFile = toml::from_str(source).map_err(|e| VocabError::Toml(e.to_string()))?;
        let mut marker_info = Vec::new();
        let mut pairs = Vec::new();
        for (i, m) in file.marker.iter().enumerate() {
            marker_info.push(MarkerInfo {
                owner: m.owner,
                verb_free: m.verb_free,
                imperative: m.imperative,
            });
            for p in &m.patterns {
                pairs.push((i, p.as_str()));
            }
        }
        let markers = PhraseSet::new(pairs)?;
        let d = file.due;
        let weekdays = expand_map(
            d.weekdays
                .into_iter()
                .zip(WEEKDAYS)
                .collect::<Vec<(String, jiff::civil::Weekday)>>(),
        )?;
        let months = expand_map(d.months.into_iter().zip(1i8..=12).collect::<Vec<_>>())?;
        let due = DueVocab {
            today: sorted(expand_all(&d.today)?),
            tomorrow: sorted(expand_all(&d.tomorrow)?),
            day_after_tomorrow: sorted(expand_all(&d.day_after_tomorrow)?),
            by: sorted(expand_all(&d.by)?),
            within: sorted(expand_all(&d.within)?),
            time_intro: sorted(expand_all(&d.time_intro)?),
            range_intro: sorted(expand_all(&d.range_intro)?),
            range_joiner: sorted(expand_all(&d.range_joiner)?),
            ordinal_suffix: sorted(expand_all(&d.ordinal_suffix)?),
            date_joiner: sorted(expand_all(&d.date_joiner)?),
            hour_suffix: sorted(expand_all(&d.hour_suffix)?),
            am: sorted(expand_all(&d.am)?),
            pm: sorted(expand_all(&d.pm)?),
            named_times: times(d.named_times)?,
            part_of_day: times(d.part_of_day)?,
            end_of_week: sorted(expand_all(&d.end_of_week)?),
            weekdays,
            months,
            numbers: expand_map(d.numbers)?,
            durations: expand_map(d.durations)?,
            units: expand_map(d.units)?,
            business_days: sorted(expand_all(&d.business_days)?),
            numeric_dates: d.numeric_dates,
        };
        Ok(Vocab {
            markers,
            marker_info,
            verbs: sorted(expand_all(&file.verbs)?),
            skip: sorted(expand_all(&file.skip)?),
            negations: sorted(expand_all(&file.negations)?),
            negation_window: file.negation_window,
            joiners: file.joiners,
            habits: PhraseSet::new(
                file.habitual
                    .iter()
                    .map(|h| (0, h.as_str()))
                    .chain(file.habitual_lead.iter().map(|h| (1, h.as_str()))),
            )?,
            imperative_lead: sorted(expand_all(&file.imperative_lead)?),
            due,
        })
    }
}

/// Built-in vocabulary sources.
pub(crate) const SOURCES: &[(&str, &str)] = &[
    ("en", include_str!("../../data/promise/en.toml")),
    ("de", include_str!("../../data/promise/de.toml")),
    ("fr", include_str!("../../data/promise/fr.toml")),
    ("es", include_str!("../../data/promise/es.toml")),
];

static VOCABS: LazyLock<Vec<(&'static str, Vocab)>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(lang, src)| {
            // Compiled-in data; `tests::vocab_files_parse` proves every file
            // parses, so a failure here is a build defect.
            #[allow(clippy::expect_used)]
            let vocab = Vocab::parse(src).expect("built-in promise vocabulary parses");
            (*lang, vocab)
        })
        .collect()
});

/// The vocabulary for `lang`, if there is one.
pub(crate) fn vocab(lang: &str) -> Option<&'static Vocab> {
    VOCABS.iter().find(|(l, _)| *l == lang).map(|(_, v)| v)
}

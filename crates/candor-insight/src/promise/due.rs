//! Due expressions: "tomorrow at 10am", "within 24 hours", "bis Freitag",
//! "sous 48h", "el 3 de marzo". Parsed into a relative [`DueSpec`] that the
//! caller resolves against its own clock and calendar with
//! [`crate::resolve_due`].
//!
//! A clock time written without am/pm and between 1 and 7 ("at 3") is read
//! as afternoon: support teams rarely promise a call at 3 in the morning.
//!
//! Numeric dates: ISO dates ("2026-12-05") are read as such in every
//! language. A dotted date ("05.12.", "5.12.2026") is day first everywhere;
//! it needs its closing dot or a year, since "12.05" alone is a clock time. A
//! slashed date ("12/05", "12/05/2026") follows the language: month first
//! for English (`en`, `en-US`, and any English without a region that writes
//! day first), day first for every other language and for the English of
//! regions that write day first (`en-GB`, `en-IE`, `en-AU`, `en-NZ`, `en-IN`,
//! `en-ZA`). A number above 12 can only be the day, whichever the order
//! ("14/03" is the 14th of March in English too). Day-month-year with dashes
//! ("12-05-2026") needs the year, since "3-5" is a range of days.

use jiff::SignedDuration;
use jiff::civil::{Time, Weekday};
use serde::{Deserialize, Serialize};

use super::vocab::{DueVocab, NumericDates};
use crate::text::is_word_char;

/// When a promise is due, relative to the moment it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DueSpec {
    /// A fixed span from now: "within 24 hours", "in 2 hours".
    Within(SignedDuration),
    /// A span of business days from now: "within 2 business days". Due at
    /// the same clock time that many business days later (kept within that
    /// day's business hours), see [`crate::resolve_due`].
    WithinBusinessDays {
        /// Business days after today.
        business_days: u32,
    },
    /// End of a business day: "today" = 0, "tomorrow" = 1.
    EndOfBusinessDay {
        /// Business days after today (today itself when it is one).
        business_days_ahead: u32,
    },
    /// A clock time on a business day: "tomorrow at 10am".
    BusinessDayAt {
        /// Business days after today.
        business_days_ahead: u32,
        /// Local clock time.
        time: Time,
    },
    /// The next such weekday (today included): "by Friday".
    Weekday {
        /// The day.
        #[serde(with = "weekday_name")]
        weekday: Weekday,
        /// A clock time, if given; else the end of that business day.
        time: Option<Time>,
    },
    /// A calendar date: "by 3 March". Without a year, the next such date.
    Date {
        /// Month, 1..=12.
        month: i8,
        /// Day of the month, 1..=31.
        day: i8,
        /// Year, when written.
        year: Option<i16>,
        /// A clock time, if given; else the end of that business day.
        time: Option<Time>,
    },
}

impl DueSpec {
    /// A short kebab-case name of the variant, as in the evaluation files.
    pub fn kind(&self) -> &'static str {
        match self {
            DueSpec::Within(_) | DueSpec::WithinBusinessDays { .. } => "within",
            DueSpec::EndOfBusinessDay { .. } => "end-of-business-day",
            DueSpec::BusinessDayAt { .. } => "business-day-at",
            DueSpec::Weekday { .. } => "weekday",
            DueSpec::Date { .. } => "date",
        }
    }
}

/// Serde for `jiff::civil::Weekday` as an English lower-case name.
mod weekday_name {
    use jiff::civil::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    const NAMES: [(&str, Weekday); 7] = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];

    pub fn serialize<S: Serializer>(w: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        let name = NAMES.iter().find(|(_, d)| d == w).map_or("monday", |(n, _)| n);
        s.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let s = String::deserialize(d)?;
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&s))
            .map(|(_, w)| *w)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown weekday {s:?}")))
    }
}

/// A cursor over normalised text.
struct P<'a> {
    t: &'a str,
    v: &'a DueVocab,
    order: NumericDates,
}

/// The slashed-date order for a language tag: the language's own, except
/// the English of regions that write the day first.
pub(crate) fn date_order(lang: &str, language_default: NumericDates) -> NumericDates {
    let mut parts = lang.trim().split(['-', '_']);
    let base = parts.next().unwrap_or_default().to_ascii_lowercase();
    let region = parts.next().unwrap_or_default().to_ascii_uppercase();
    match (base.as_str(), region.as_str()) {
        ("en", "GB" | "UK" | "IE" | "AU" | "NZ" | "IN" | "ZA") => NumericDates::DayFirst,
        _ => language_default,
    }
}

fn skip_space(t: &str, pos: usize) -> usize {
    let rest = t.get(pos..).unwrap_or_default();
    pos + (rest.len() - rest.trim_start_matches(' ').len())
}

impl P<'_> {
    fn rest(&self, pos: usize) -> &str {
        self.t.get(pos..).unwrap_or_default()
    }

    /// Match `phrase` at `pos` after spaces, on word boundaries; when
    /// `glued`, the phrase may also follow a digit directly ("24h", "10am").
    fn eat_phrase(&self, pos: usize, phrase: &str, glued: bool) -> Option<usize> {
        let start = if glued && self.rest(pos).starts_with(phrase) {
            pos
        } else {
            skip_space(self.t, pos)
        };
        let after = self.rest(start).strip_prefix(phrase)?;
        let last = phrase.chars().next_back();
        let next = after.chars().next();
        if matches!((last, next), (Some(l), Some(n)) if is_word_char(l) && is_word_char(n)) {
            return None;
        }
        let prev = self.t.get(..start).and_then(|s| s.chars().next_back());
        let first = phrase.chars().next();
        let digit_glue = glued && prev.is_some_and(|c| c.is_ascii_digit());
        if !digit_glue && matches!((prev, first), (Some(p), Some(f)) if is_word_char(p) && is_word_char(f)) {
            return None;
        }
        Some(start + phrase.len())
    }

    /// Skip an optional comma.
    fn comma(&self, pos: usize) -> usize {
        let p = skip_space(self.t, pos);
        if self.rest(p).starts_with(',') { p + 1 } else { pos }
    }

    fn eat(&self, pos: usize, phrases: &[String]) -> Option<usize> {
        phrases.iter().find_map(|p| self.eat_phrase(pos, p, false))
    }

    fn eat_glued(&self, pos: usize, phrases: &[String]) -> Option<usize> {
        phrases.iter().find_map(|p| self.eat_phrase(pos, p, true))
    }

    fn eat_map<T: Copy>(&self, pos: usize, map: &[(String, T)]) -> Option<(T, usize)> {
        map.iter()
            .find_map(|(p, v)| self.eat_phrase(pos, p, false).map(|e| (*v, e)))
    }

    fn eat_digits(&self, pos: usize, max: usize) -> Option<(u32, usize)> {
        let start = skip_space(self.t, pos);
        let rest = self.rest(start);
        let n = rest.chars().take_while(char::is_ascii_digit).count();
        if n == 0 || n > max {
            return None;
        }
        let prev = self.t.get(..start).and_then(|s| s.chars().next_back());
        if prev.is_some_and(is_word_char) {
            return None;
        }
        let value = rest.get(..n)?.parse().ok()?;
        Some((value, start + n))
    }

    fn eat_number(&self, pos: usize) -> Option<(u32, usize)> {
        self.eat_digits(pos, 3).or_else(|| self.eat_map(pos, &self.v.numbers))
    }

    /// A clock time. Without `introduced`, it needs a sign that it is a time
    /// (minutes, am/pm, an hour suffix or a named time).
    fn eat_clock(&self, pos: usize, introduced: bool) -> Option<(Time, usize)> {
        if let Some(hit) = self.eat_map(pos, &self.v.named_times) {
            return Some(hit);
        }
        let (mut h, mut p) = self.eat_digits(pos, 2)?;
        let mut m = 0;
        let mut marked = false;
        let after_hour = self.rest(p);
        if let Some(sep) = after_hour.chars().next().filter(|c| matches!(c, ':' | '.' | 'h')) {
            let digits = self.rest(p + sep.len_utf8());
            let n = digits.chars().take_while(char::is_ascii_digit).count();
            if n == 2 {
                m = digits.get(..2)?.parse().ok()?;
                p += sep.len_utf8() + 2;
                marked = true;
            }
        }
        if let Some(e) = self.eat_glued(p, &self.v.hour_suffix) {
            p = e;
            marked = true;
        }
        if let Some(e) = self.eat_glued(p, &self.v.am) {
            p = e;
            marked = true;
            if h == 12 {
                h = 0;
            }
        } else if let Some(e) = self.eat_glued(p, &self.v.pm) {
            p = e;
            marked = true;
            if h < 12 {
                h += 12;
            }
        } else if (1..=7).contains(&h) {
            h += 12;
        }
        if !(marked || introduced) || h > 23 || m > 59 {
            return None;
        }
        let time = Time::new(i8::try_from(h).ok()?, i8::try_from(m).ok()?, 0, 0).ok()?;
        Some((time, p))
    }

    /// An optional ", at 10am" after a day. A window ("between 8am and
    /// 10am") is due at its end: the customer waits until then.
    fn time_clause(&self, pos: usize) -> Option<(Time, usize)> {
        let pos = self.comma(pos);
        if let Some(p) = self.eat(pos, &self.v.range_intro)
            && let Some((first, e)) = self.eat_clock(p, true)
        {
            let second = self
                .eat(e, &self.v.range_joiner)
                .and_then(|j| self.eat_clock(j, true))
                .filter(|(t, _)| *t > first);
            return Some(second.unwrap_or((first, e)));
        }
        if let Some(p) = self.eat(pos, &self.v.time_intro)
            && let Some(hit) = self.eat_clock(p, true)
        {
            return Some(hit);
        }
        self.eat_clock(pos, false)
    }

    fn rel_day(&self, pos: usize) -> Option<(u32, usize)> {
        if let Some(e) = self.eat(pos, &self.v.day_after_tomorrow) {
            return Some((2, e));
        }
        if let Some(e) = self.eat(pos, &self.v.tomorrow) {
            return Some((1, e));
        }
        self.eat(pos, &self.v.today).map(|e| (0, e))
    }

    fn day_and_time(&self, pos: usize) -> (Option<Time>, usize) {
        let (part, pos) = match self.eat_map(pos, &self.v.part_of_day) {
            Some((t, e)) => (Some(t), e),
            None => (None, pos),
        };
        match self.time_clause(pos) {
            Some((t, e)) => (Some(t), e),
            None => (part, pos),
        }
    }

    /// Digits right at `pos` (no space skipped): value, count, end.
    fn digits_here(&self, pos: usize) -> Option<(u32, usize, usize)> {
        let rest = self.rest(pos);
        let n = rest.chars().take_while(char::is_ascii_digit).count();
        if n == 0 || n > 4 {
            return None;
        }
        Some((rest.get(..n)?.parse().ok()?, n, pos + n))
    }

    /// A numeric date: "2026-12-05", "05.12.", "5.12.2026", "12/05",
    /// "12/05/26" (see the module notes for the order of day and month).
    fn numeric_date(&self, pos: usize) -> Option<(i8, i8, Option<i16>, usize)> {
        let start = skip_space(self.t, pos);
        if self
            .t
            .get(..start)
            .and_then(|s| s.chars().next_back())
            .is_some_and(is_word_char)
        {
            return None;
        }
        let (a, a_len, p) = self.digits_here(start)?;
        let sep = self.rest(p).chars().next().filter(|c| matches!(c, '-' | '/' | '.'))?;
        let (b, b_len, p) = self.digits_here(p + 1)?;
        if b_len > 2 {
            return None;
        }
        let year_of = |y: u32, len: usize| -> Option<i16> {
            match len {
                2 => i16::try_from(2000 + y).ok(),
                4 if (2000..=2100).contains(&y) => i16::try_from(y).ok(),
                _ => None,
            }
        };
        // A third part with the same separator.
        let third = self
            .rest(p)
            .strip_prefix(sep)
            .and_then(|_| self.digits_here(p + 1))
            .filter(|&(_, len, _)| len <= 4);
        let (month, day, year, end) = if a_len == 4 {
            // ISO: year-month-day.
            let (c, c_len, e) = third?;
            if sep != '-' || c_len > 2 {
                return None;
            }
            (b, c, Some(year_of(a, 4)?), e)
        } else {
            if a_len > 2 {
                return None;
            }
            let (year, end) = match third {
                Some((y, len, e)) => (Some(year_of(y, len)?), e),
                None => (None, p),
            };
            match sep {
                '.' => {
                    // "12.05" alone is a clock time: a date needs its
                    // closing dot or a year.
                    let closing = year.is_none() && self.rest(end).starts_with('.');
                    if year.is_none() && !closing {
                        return None;
                    }
                    (b, a, year, if closing { end + 1 } else { end })
                }
                '-' if year.is_none() => return None,
                _ => {
                    let month_first = match self.order {
                        NumericDates::MonthFirst => a <= 12 || b > 12,
                        NumericDates::DayFirst => a <= 12 && b > 12,
                    };
                    if month_first {
                        (a, b, year, end)
                    } else {
                        (b, a, year, end)
                    }
                }
            }
        };
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        if self
            .rest(end)
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '/')
        {
            return None;
        }
        Some((i8::try_from(month).ok()?, i8::try_from(day).ok()?, year, end))
    }

    fn date(&self, pos: usize) -> Option<(i8, i8, Option<i16>, usize)> {
        if let Some(hit) = self.numeric_date(pos) {
            return Some(hit);
        }
        let year = |p: usize| -> (Option<i16>, usize) {
            let q = self.comma(p);
            match self.eat_digits(q, 4) {
                Some((y, e)) if (2000..=2100).contains(&y) => (i16::try_from(y).ok(), e),
                _ => (None, p),
            }
        };
        // Day first: "3 March", "3rd of March", "3. März", "3 de marzo".
        if let Some((d, mut p)) = self.eat_digits(pos, 2) {
            if let Some(e) = self.eat_glued(p, &self.v.ordinal_suffix) {
                p = e;
            }
            if let Some(e) = self.eat(p, &self.v.date_joiner) {
                p = e;
            }
            if let Some((month, e)) = self.eat_map(p, &self.v.months) {
                let (y, e) = year(e);
                return Some((month, i8::try_from(d).ok()?, y, e));
            }
        }
        // Month first: "March 3", "March 3rd, 2026".
        let (month, p) = self.eat_map(pos, &self.v.months)?;
        let (d, mut p) = self.eat_digits(p, 2)?;
        if let Some(e) = self.eat_glued(p, &self.v.ordinal_suffix) {
            p = e;
        }
        let (y, e) = year(p);
        Some((month, i8::try_from(d).ok()?, y, e))
    }

    fn within(&self, pos: usize) -> Option<(DueSpec, usize)> {
        let p = self.eat(pos, &self.v.within)?;
        if let Some((minutes, e)) = self.eat_map(p, &self.v.durations) {
            return Some((minutes_spec(minutes), e));
        }
        let (n, p) = self.eat_number(p)?;
        if let Some(e) = self.eat_glued(p, &self.v.business_days) {
            return Some((DueSpec::WithinBusinessDays { business_days: n }, e));
        }
        let (unit, e) = self
            .v
            .units
            .iter()
            .find_map(|(u, m)| self.eat_glued(p, std::slice::from_ref(u)).map(|e| (*m, e)))?;
        Some((minutes_spec(n.saturating_mul(unit)), e))
    }

    /// A day, weekday or date, with an optional time: "tomorrow at 10".
    fn day_expression(&self, p: usize) -> Option<(DueSpec, usize)> {
        if let Some((n, e)) = self.rel_day(p) {
            let (time, e2) = self.day_and_time(e);
            let spec = match time {
                Some(time) => DueSpec::BusinessDayAt {
                    business_days_ahead: n,
                    time,
                },
                None => DueSpec::EndOfBusinessDay { business_days_ahead: n },
            };
            return Some((spec, e2));
        }
        if let Some(e) = self.eat(p, &self.v.end_of_week) {
            let spec = DueSpec::Weekday {
                weekday: Weekday::Friday,
                time: None,
            };
            return Some((spec, e));
        }
        if let Some((weekday, e)) = self.eat_map(p, &self.v.weekdays) {
            let (time, e2) = self.day_and_time(e);
            return Some((DueSpec::Weekday { weekday, time }, e2));
        }
        if let Some((month, day, year, e)) = self.date(p)
            && (1..=31).contains(&day)
        {
            let (time, e2) = match self.time_clause(e) {
                Some((t, e2)) => (Some(t), e2),
                None => (None, e),
            };
            return Some((DueSpec::Date { month, day, year, time }, e2));
        }
        None
    }

    /// Try to read a due expression starting at `pos`.
    fn at(&self, pos: usize) -> Option<(DueSpec, usize)> {
        if let Some(hit) = self.within(pos) {
            return Some(hit);
        }
        let after_by = self.eat(pos, &self.v.by);
        for p in std::iter::once(pos).chain(after_by) {
            if let Some(hit) = self.day_expression(p) {
                return Some(hit);
            }
        }
        // A bare clock time today: "by 5pm", "at 16:00".
        let intro = self.eat(pos, &self.v.time_intro).or(self.eat(pos, &self.v.by))?;
        let (time, e) = self.eat_clock(intro, false)?;
        Some((
            DueSpec::BusinessDayAt {
                business_days_ahead: 0,
                time,
            },
            e,
        ))
    }
}

fn minutes_spec(minutes: u32) -> DueSpec {
    DueSpec::Within(SignedDuration::from_secs(i64::from(minutes) * 60))
}

/// The first due expression in `text[from..to]` (normalised text), with its
/// byte range.
pub(crate) fn find_due(
    text: &str,
    from: usize,
    to: usize,
    vocab: &DueVocab,
    order: NumericDates,
) -> Option<(DueSpec, usize, usize)> {
    let p = P {
        t: text,
        v: vocab,
        order,
    };
    let segment = text.get(from..to)?;
    let mut prev_word = false;
    for (i, c) in segment.char_indices() {
        let word = is_word_char(c);
        if word && !prev_word {
            let pos = from + i;
            if let Some((spec, end)) = p.at(pos)
                && end <= to
            {
                return Some((spec, pos, end));
            }
        }
        prev_word = word;
    }
    None
}

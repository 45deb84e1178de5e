//! Reading text: language and sentiment of messages, and the reply coach
//! with promise detection, with due times resolved in the hours of the
//! workspace's commitments (or Monday to Friday, 09:00–17:00, in its zone).

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::hours::{BusinessCalendar, OpenInterval, WeeklyHours};
use candor_core::staff::Scope;
use candor_insight::{CoachOptions, CoachReport, Finding, WorkingCalendar};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::Serialize;

/// Longest text the coach and analysis read (in bytes); a reply is far shorter.
pub const MAX_TEXT_BYTES: usize = 100_000;

/// Language and sentiment of a text.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// ISO 639-1 code, or null when unknown.
    pub language: Option<&'static str>,
    /// 0 to 1; low for short texts.
    pub language_confidence: f64,
    /// -1 (negative) to +1 (positive).
    pub sentiment: f64,
    /// How the sentiment was reached.
    pub sentiment_method: candor_insight::SentimentMethod,
    /// The support-domain rules that moved the plain lexicon score.
    pub sentiment_adjustments: Vec<String>,
}

fn check_text(text: &str) -> AppResult<()> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(AppError::invalid(
            "text",
            format!("the text is longer than {MAX_TEXT_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// A language the coach is told: empty or "auto" (it detects it), or a tag
/// such as en, de or en-GB (a region changes how dates are read).
fn check_language_tag(field: &str, raw: &str) -> AppResult<()> {
    let tag = raw.trim();
    if tag.is_empty() || tag.eq_ignore_ascii_case("auto") {
        return Ok(());
    }
    let mut parts = tag.split('-');
    let primary = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let subtags = parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary && subtags && tag.len() <= 35 {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            "a language is a tag such as en, de or en-GB (or auto, to detect it)",
        ))
    }
}

/// Language and sentiment of `text` (pure; no caller needed).
pub fn analyze_text(text: &str) -> Analysis {
    let lang = candor_insight::detect_language(text);
    let sentiment = candor_insight::sentiment(text, lang.code.unwrap_or("en"));
    Analysis {
        language: lang.code,
        language_confidence: lang.confidence,
        sentiment: sentiment.score,
        sentiment_method: sentiment.method,
        sentiment_adjustments: sentiment.adjustments,
    }
}

/// Analyses a text for a caller.
pub fn analyze(caller: &Caller, text: &str) -> AppResult<Analysis> {
    caller.require(Scope::Read)?;
    check_text(text)?;
    Ok(analyze_text(text))
}

/// A detected promise with its due time resolved.
#[derive(Clone, Debug, Serialize)]
pub struct ResolvedPromise {
    /// First char of the promise in the text.
    pub start: usize,
    /// One past its last char.
    pub end: usize,
    /// The promise as written.
    pub text: String,
    /// What was promised.
    pub action: String,
    /// Who owes it: "speaker" (I) or "team" (we).
    pub owner: String,
    /// When it is due, or null when no time was given (a vague promise).
    pub due_at: Option<Timestamp>,
}

/// The coach's answer.
#[derive(Clone, Debug, Serialize)]
pub struct CoachAnswer {
    /// What to reconsider, with spans in chars of the text.
    pub findings: Vec<Finding>,
    /// Promises the draft makes.
    pub promises: Vec<ResolvedPromise>,
}

/// The workspace's working days for resolving "tomorrow" and "by Friday":
/// Monday to Friday, 09:00 to 17:00, in the workspace's time zone.
pub fn default_calendar(time_zone: &str) -> BusinessCalendar {
    let hours = WeeklyHours::weekdays(&[OpenInterval::new(
        Time::constant(9, 0, 0, 0),
        Time::constant(17, 0, 0, 0),
    )]);
    BusinessCalendar::new(time_zone, hours.clone(), Default::default())
        .or_else(|_| BusinessCalendar::new("UTC", hours, Default::default()))
        .unwrap_or_else(|_| BusinessCalendar::always_open())
}

/// The calendar promises are resolved in: the hours of the workspace's
/// commitments in force, else [`default_calendar`] in its time zone.
pub async fn workspace_calendar(app: &App, ws: candor_core::WorkspaceId) -> AppResult<BusinessCalendar> {
    if let Some(v) = app.db.current_commitments(ws).await? {
        return Ok(v.commitments.calendar);
    }
    let workspace = app.db.workspace(ws).await?;
    Ok(default_calendar(&workspace.time_zone))
}

/// Promises found in `text`, their due times resolved as if said at `said_at`.
pub fn resolve_promises(
    text: &str,
    language: &str,
    calendar: &BusinessCalendar,
    said_at: Timestamp,
) -> Vec<ResolvedPromise> {
    let now = said_at.to_zoned(calendar.time_zone().clone());
    candor_insight::detect_promises(text, language)
        .into_iter()
        .map(|p| resolved(p, &now, calendar))
        .collect()
}

fn resolved(p: candor_insight::PromiseDetection, now: &jiff::Zoned, calendar: &BusinessCalendar) -> ResolvedPromise {
    ResolvedPromise {
        due_at: p
            .due
            .as_ref()
            .map(|d| candor_insight::resolve_due(d, now, &Working(calendar)).timestamp()),
        owner: serde_json::to_value(p.owner)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        start: p.start,
        end: p.end,
        text: p.text,
        action: p.action,
    }
}

/// A business calendar seen as the coach's working calendar.
pub struct Working<'a>(pub &'a BusinessCalendar);

impl WorkingCalendar for Working<'_> {
    fn is_business_day(&self, date: Date) -> bool {
        !self.0.intervals_on(date).is_empty()
    }
    fn end_of_day(&self, date: Date) -> Time {
        self.0
            .intervals_on(date)
            .last()
            .map(|i| i.end)
            .unwrap_or(Time::constant(17, 0, 0, 0))
    }
    fn start_of_day(&self, date: Date) -> Time {
        self.0
            .intervals_on(date)
            .first()
            .map(|i| i.start)
            .unwrap_or(Time::constant(9, 0, 0, 0))
    }
}

/// Coaches a draft reply and finds its promises, due times resolved now in
/// the caller's workspace.
pub async fn coach(app: &App, caller: &Caller, text: &str, options: &CoachOptions) -> AppResult<CoachAnswer> {
    caller.require(Scope::Read)?;
    check_text(text)?;
    check_language_tag("language", &options.language)?;
    if let Some(l) = &options.customer_language {
        check_language_tag("customer_language", l)?;
    }
    let calendar = workspace_calendar(app, caller.workspace()).await?;
    let coach = crate::coach_rules::coach_for(app, caller.workspace()).await?;
    let report: CoachReport = coach.analyze(text, options);
    let now = app.now().to_zoned(calendar.time_zone().clone());
    let promises = report
        .promises
        .into_iter()
        .map(|p| resolved(p, &now, &calendar))
        .collect();
    Ok(CoachAnswer {
        findings: report.findings,
        promises,
    })
}

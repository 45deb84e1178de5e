//! The commitments settings page, where owners and admins edit them in
//! plain words; the public page is `commitments_public`.

use crate::auth::StaffSession;
use crate::pages::{Chrome, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::commitments as ops;
use candor_app::{AppError, Caller};
use candor_core::commitments::{CHANNELS, Commitment, Commitments, PRIORITIES, RedressAction, Target};
use candor_core::hours::{BusinessCalendar, OpenInterval, WeeklyHours};
use candor_core::staff::Scope;
use jiff::civil::{Date, Time, Weekday};
use std::collections::BTreeSet;

pub use super::commitments_public::public;

struct DayRow {
    key: &'static str,
    name: &'static str,
    hours: String,
}

struct TargetRow {
    key: String,
    channel: &'static str,
    priority: &'static str,
    first_reply: String,
    next_reply: String,
    resolution: String,
}

#[derive(Template)]
#[template(path = "commitments/settings.html")]
struct SettingsPage {
    chrome: Option<Chrome>,
    csrf: String,
    slug: String,
    can_edit: bool,
    time_zone: String,
    days: Vec<DayRow>,
    holidays: String,
    warn_at: i64,
    rows: Vec<TargetRow>,
    redress: String,
    actions: Vec<(&'static str, &'static str, bool)>,
    preview_hours: String,
    preview: Vec<String>,
    notice: Option<String>,
    error: Option<String>,
}

const DAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "Monday", Weekday::Monday),
    ("tue", "Tuesday", Weekday::Tuesday),
    ("wed", "Wednesday", Weekday::Wednesday),
    ("thu", "Thursday", Weekday::Thursday),
    ("fri", "Friday", Weekday::Friday),
    ("sat", "Saturday", Weekday::Saturday),
    ("sun", "Sunday", Weekday::Sunday),
];

const ACTIONS: [(&str, &str, RedressAction); 3] = [
    ("notify-lead", "Tell the team lead at once", RedressAction::NotifyLead),
    ("redress-task", "Open a redress task", RedressAction::RedressTask),
    (
        "draft-apology",
        "Draft an apology with the remedy for the agent to send",
        RedressAction::DraftApology,
    ),
];

/// The form as typed, to show again after an error.
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

async fn settings_page(
    state: &WebState,
    s: &StaffSession,
    typed: Option<&Fields>,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let caller = s.caller();
    let slug = state
        .app
        .db
        .workspace(caller.workspace())
        .await
        .map(|w| w.slug)
        .unwrap_or_default();
    let current = ops::current(&state.app, &caller)
        .await
        .ok()
        .flatten()
        .map(|v| v.commitments);
    let interval_text = |c: &Commitments, d: Weekday| {
        c.calendar
            .weekly()
            .day(d)
            .iter()
            .map(|i| {
                format!(
                    "{}-{}",
                    i.start.strftime("%H:%M"),
                    if i.ends_at_midnight() {
                        "24:00".into()
                    } else {
                        i.end.strftime("%H:%M").to_string()
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let days = DAYS
        .iter()
        .map(|(key, name, d)| DayRow {
            key,
            name,
            hours: match (typed, &current) {
                (Some(f), _) => field(f, &format!("hours_{key}")).to_string(),
                (None, Some(c)) => interval_text(c, *d),
                (None, None) if matches!(d, Weekday::Saturday | Weekday::Sunday) => String::new(),
                (None, None) => "09:00-18:00".into(),
            },
        })
        .collect();
    let mut rows = Vec::new();
    for channel in CHANNELS {
        for priority in PRIORITIES {
            let key = format!("{channel}.{priority}");
            let found = current.as_ref().and_then(|c| c.for_conversation(channel, priority));
            let get = |which: &str, t: Option<Target>| match typed {
                Some(f) => field(f, &format!("{key}.{which}")).to_string(),
                None => t.map(|t| t.to_string()).unwrap_or_default(),
            };
            rows.push(TargetRow {
                first_reply: get("first_reply", found.and_then(|c| c.first_reply)),
                next_reply: get("next_reply", found.and_then(|c| c.next_reply)),
                resolution: get("resolution", found.and_then(|c| c.resolution)),
                key,
                channel,
                priority,
            });
        }
    }
    let chrome = Chrome::of(state, s).await;
    let page = SettingsPage {
        csrf: chrome.csrf.clone(),
        chrome: Some(chrome),
        slug,
        can_edit: caller.require(Scope::Admin).is_ok(),
        time_zone: typed
            .map(|f| field(f, "time_zone").to_string())
            .or_else(|| current.as_ref().map(|c| c.calendar.time_zone_name().to_string()))
            .unwrap_or_else(|| "UTC".into()),
        days,
        holidays: typed
            .map(|f| field(f, "holidays").to_string())
            .or_else(|| {
                current.as_ref().map(|c| {
                    c.calendar
                        .holidays()
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            })
            .unwrap_or_default(),
        warn_at: current
            .as_ref()
            .map(|c| (c.warn_at * 100.0).round() as i64)
            .unwrap_or(75),
        rows,
        redress: typed
            .map(|f| field(f, "redress").to_string())
            .or_else(|| current.as_ref().map(|c| c.redress.clone()))
            .unwrap_or_default(),
        actions: ACTIONS
            .iter()
            .map(|(v, l, a)| (*v, *l, current.as_ref().is_some_and(|c| c.redress_actions.contains(a))))
            .collect(),
        preview_hours: current.as_ref().map(|c| c.hours_words()).unwrap_or_default(),
        preview: current
            .as_ref()
            .map(|c| c.commitments.iter().map(|one| c.words(one)).collect())
            .unwrap_or_default(),
        notice,
        error,
    };
    render(status, &page)
}

/// GET /settings/commitments
pub async fn settings(State(state): State<WebState>, s: StaffSession) -> Response {
    settings_page(&state, &s, None, None, None, StatusCode::OK).await
}

/// Reads the settings form into commitments; errors name the field.
fn from_form(fields: &Fields) -> Result<Commitments, AppError> {
    let mut weekly = WeeklyHours::default();
    for (key, name, day) in DAYS {
        let text = field(fields, &format!("hours_{key}"));
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || {
                AppError::invalid(
                    &format!("hours_{key}"),
                    format!("{name}: \"{part}\" is not hours like 09:00-18:00"),
                )
            };
            let (a, b) = part.split_once('-').ok_or_else(bad)?;
            let start: Time = a.trim().parse().map_err(|_| bad())?;
            let end = match b.trim() {
                "24:00" => Time::midnight(),
                other => other.parse().map_err(|_| bad())?,
            };
            weekly.day_mut(day).push(OpenInterval::new(start, end));
        }
    }
    let mut holidays = BTreeSet::new();
    for line in field(fields, "holidays")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let d: Date = line
            .parse()
            .map_err(|_| AppError::invalid("holidays", format!("\"{line}\" is not a date like 2026-12-25")))?;
        holidays.insert(d);
    }
    let calendar = BusinessCalendar::new(field(fields, "time_zone"), weekly, holidays)
        .map_err(|e| AppError::invalid("time_zone", e.to_string()))?;
    let warn_at: f64 = field(fields, "warn_at")
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("warn_at", "give a percentage from 50 to 95"))?;
    let mut commitments = Vec::new();
    for channel in CHANNELS {
        for priority in PRIORITIES {
            let target = |which: &str| -> Result<Option<Target>, AppError> {
                let name = format!("{channel}.{priority}.{which}");
                let text = field(fields, &name).trim().to_string();
                if text.is_empty() {
                    return Ok(None);
                }
                text.parse().map(Some).map_err(|e: String| AppError::invalid(&name, e))
            };
            let (first_reply, next_reply, resolution) =
                (target("first_reply")?, target("next_reply")?, target("resolution")?);
            if first_reply.is_some() || next_reply.is_some() || resolution.is_some() {
                commitments.push(Commitment {
                    channel: channel.to_string(),
                    priority: priority.to_string(),
                    first_reply,
                    next_reply,
                    resolution,
                });
            }
        }
    }
    let redress_actions = fields
        .iter()
        .filter(|(k, _)| k == "action")
        .filter_map(|(_, v)| ACTIONS.iter().find(|(name, _, _)| name == v).map(|(_, _, a)| *a))
        .collect();
    Ok(Commitments {
        calendar,
        warn_at: warn_at / 100.0,
        commitments,
        redress: field(fields, "redress").trim().to_string(),
        redress_actions,
    })
}

/// POST /settings/commitments
pub async fn save(State(state): State<WebState>, s: StaffSession, Form(fields): Form<Fields>) -> Response {
    if let Some(r) = s.form_refusal(field(&fields, "csrf")) {
        return r;
    }
    let caller: Caller = s.caller();
    let result = match from_form(&fields) {
        Ok(c) => ops::publish(&state.app, &caller, &c).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/settings/commitments").into_response(),
        Err(AppError::Forbidden(m)) => crate::auth::forbidden_page(&m),
        Err(e) => {
            settings_page(
                &state,
                &s,
                Some(&fields),
                None,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

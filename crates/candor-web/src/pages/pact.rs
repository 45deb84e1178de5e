//! The Pact for staff: what the conversation page shows about its clocks,
//! breaches, redress and promises (with the forms to confirm a detected
//! promise, make one by hand, keep it, make it again, send the apology or
//! mark redress done) and the promises page ("mine" for agents, "team" for
//! leads). The redress page is `pages::redress`.

use crate::auth::StaffSession;
use crate::pages::{Chrome, not_found, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::promises::{MakePromise, Repromise};
use candor_app::{AppError, Caller, breaches, clocks, promises};
use candor_core::promises::PromiseState;
use candor_core::staff::Role;
use candor_core::{ConversationId, PromiseId, RedressId, UserId};
use candor_store::promises::{Promise, PromiseFilter};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;
use std::collections::HashMap;

/// A clock line.
pub struct ClockLine {
    /// "a first reply within 4 hours".
    pub words: String,
    /// running, paused, met or breached.
    pub state: String,
    /// Due, in the workspace's zone.
    pub due: String,
}

/// A redress line.
pub struct RedressLine {
    /// Its id.
    pub id: String,
    /// Which clock was missed.
    pub clock: String,
    /// When it was due.
    pub due: String,
    /// open or done.
    pub state: String,
    /// How it was done.
    pub done: String,
    /// The apology to send, if one was drafted.
    pub draft: String,
}

/// A promise line.
pub struct PromiseLine {
    /// Its id.
    pub id: String,
    /// What.
    pub description: String,
    /// Due, in the workspace's zone.
    pub due: String,
    /// open, kept or broken.
    pub state: String,
    /// Who owes it.
    pub owner: String,
    /// How it was kept, or the reason it was made again.
    pub note: String,
    /// The conversation.
    pub conversation_id: String,
}

/// A promise found in a sent reply, not yet recorded.
pub struct DetectedLine {
    /// The promise as written.
    pub text: String,
    /// Its due time as a `datetime-local` value, or "" when none was said.
    pub due_local: String,
}

/// Everything the conversation page shows about the Pact.
#[derive(Default)]
pub struct PactPanel {
    /// The clocks.
    pub clocks: Vec<ClockLine>,
    /// The redress owed or given.
    pub redress: Vec<RedressLine>,
    /// The promises made in the conversation.
    pub promises: Vec<PromiseLine>,
    /// Promises in sent replies that nobody confirmed yet.
    pub detected: Vec<DetectedLine>,
    /// The workspace's zone, for the forms.
    pub zone: String,
}

pub(crate) fn in_zone(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%a %Y-%m-%d %H:%M").to_string()
}

fn local_input(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%Y-%m-%dT%H:%M").to_string()
}

pub(crate) async fn names(state: &WebState, caller: &Caller) -> HashMap<UserId, String> {
    state
        .app
        .db
        .users(caller.workspace())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect()
}

fn promise_line(p: &Promise, tz: &TimeZone, names: &HashMap<UserId, String>) -> PromiseLine {
    let note = match (&p.kept_how, &p.reason) {
        (Some(how), _) => how.clone(),
        (None, Some(r)) => format!("made again: {r}"),
        _ => String::new(),
    };
    PromiseLine {
        id: p.id.to_string(),
        description: p.description.clone(),
        due: in_zone(p.due_at, tz),
        state: p.state.as_str().to_string(),
        owner: names.get(&p.owner_id).cloned().unwrap_or_default(),
        note,
        conversation_id: p.conversation_id.to_string(),
    }
}

/// The panel of a conversation (errors leave parts empty: the page still shows).
pub async fn panel(state: &WebState, caller: &Caller, id: ConversationId) -> PactPanel {
    let app = &state.app;
    let ws = caller.workspace();
    let calendar = candor_app::insight::workspace_calendar(app, ws)
        .await
        .unwrap_or_else(|_| candor_app::insight::default_calendar("UTC"));
    let tz = calendar.time_zone().clone();
    let names = names(state, caller).await;
    let clock_lines = clocks::views(app, ws, id)
        .await
        .map(|(_, v)| v)
        .unwrap_or_default()
        .into_iter()
        .map(|c| ClockLine {
            words: c.words,
            state: format!("{:?}", c.state).to_lowercase(),
            due: c.due_at.map(|d| in_zone(d, &tz)).unwrap_or_else(|| "paused".into()),
        })
        .collect();
    let redress = app
        .db
        .redress_of(ws, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| RedressLine {
            id: r.id.to_string(),
            clock: r.clock.replace('_', " "),
            due: in_zone(r.due_at, &tz),
            state: r.state.clone(),
            done: match (r.done_how, r.done_by.and_then(|u| names.get(&u))) {
                (Some(how), Some(by)) => format!("{how} by {by}"),
                (Some(how), None) => how,
                _ => String::new(),
            },
            draft: if r.state == "open" {
                r.draft.unwrap_or_default()
            } else {
                String::new()
            },
        })
        .collect();
    let filter = PromiseFilter {
        conversation: Some(id),
        ..Default::default()
    };
    let made = promises::list(app, caller, &filter, None, 200)
        .await
        .map(|p| p.0)
        .unwrap_or_default();
    let detected = promises::detected(app, caller, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|d| DetectedLine {
            due_local: d.due_at.map(|t| local_input(t, &tz)).unwrap_or_default(),
            text: d.text,
        })
        .collect();
    PactPanel {
        clocks: clock_lines,
        redress,
        promises: made.iter().map(|p| promise_line(p, &tz, &names)).collect(),
        detected,
        zone: calendar.time_zone_name().to_string(),
    }
}

/// A due time from a form: RFC 3339, or a `datetime-local` value read in `tz`.
fn due_from_form(raw: &str, tz: &TimeZone) -> Result<String, AppError> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Ok(t.to_string());
    }
    let civil: jiff::civil::DateTime = raw
        .parse()
        .map_err(|_| AppError::invalid("due_at", "give a date and time, like 2026-03-06 17:00"))?;
    civil
        .to_zoned(tz.clone())
        .map(|z| z.timestamp().to_string())
        .map_err(|_| AppError::invalid("due_at", "that time does not exist in the workspace's zone"))
}

/// Only a path of this site is a place to go back to.
fn back_to(raw: &str, fallback: &str) -> String {
    if raw.starts_with('/') && !raw.starts_with("//") && !raw.contains('\\') {
        raw.to_string()
    } else {
        fallback.to_string()
    }
}

fn go(back: &str, error: Option<String>) -> Response {
    let to = match error {
        None => back.to_string(),
        Some(e) => {
            let sep = if back.contains('?') { '&' } else { '?' };
            format!("{back}{sep}error={}", crate::auth::url_escape(&e))
        }
    };
    Redirect::to(&to).into_response()
}

/// The promise form of the conversation page.
#[derive(Deserialize)]
pub struct PromiseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    due_at: String,
    /// "detected" when confirming a promise found in a reply.
    #[serde(default)]
    source: String,
}

/// POST /inbox/{id}/promises — records a promise (confirmed or by hand).
pub async fn make(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(form): Form<PromiseForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&form.csrf) {
        return refusal;
    }
    let Ok(id) = raw.parse::<ConversationId>() else {
        return not_found().await;
    };
    let caller = s.caller();
    let back = format!("/inbox/{id}");
    let calendar = match candor_app::insight::workspace_calendar(&state.app, caller.workspace()).await {
        Ok(c) => c,
        Err(e) => return go(&back, Some(e.to_string())),
    };
    let due = match due_from_form(&form.due_at, calendar.time_zone()) {
        Ok(d) => d,
        Err(e) => return go(&back, Some(e.to_string())),
    };
    let input = MakePromise {
        conversation_id: id.to_string(),
        description: form.description,
        due_at: due,
        ..Default::default()
    };
    let source = if form.source == "detected" { "detected" } else { "hand" };
    match promises::make(&state.app, &caller, &input, source).await {
        Ok(_) => go(&back, None),
        Err(AppError::Forbidden(m)) => crate::auth::forbidden_page(&m),
        Err(e) => go(&back, Some(e.to_string())),
    }
}

/// A form with only the form token and where to go back to.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    back: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    due_at: String,
    #[serde(default)]
    body: String,
}

fn outcome<T>(result: Result<T, AppError>, back: &str) -> Response {
    match result {
        Ok(_) => go(back, None),
        Err(AppError::Forbidden(m)) => crate::auth::forbidden_page(&m),
        Err(e) => go(back, Some(e.to_string())),
    }
}

/// POST /promises/{id}/keep
pub async fn keep(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&form.csrf) {
        return refusal;
    }
    let Ok(id) = raw.parse::<PromiseId>() else {
        return not_found().await;
    };
    let back = back_to(&form.back, "/promises");
    outcome(promises::keep(&state.app, &s.caller(), id).await, &back)
}

/// POST /promises/{id}/repromise
pub async fn repromise(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&form.csrf) {
        return refusal;
    }
    let Ok(id) = raw.parse::<PromiseId>() else {
        return not_found().await;
    };
    let caller = s.caller();
    let back = back_to(&form.back, "/promises");
    let calendar = match candor_app::insight::workspace_calendar(&state.app, caller.workspace()).await {
        Ok(c) => c,
        Err(e) => return go(&back, Some(e.to_string())),
    };
    let due = match due_from_form(&form.due_at, calendar.time_zone()) {
        Ok(d) => d,
        Err(e) => return go(&back, Some(e.to_string())),
    };
    let input = Repromise {
        reason: form.reason,
        due_at: due,
        description: None,
    };
    outcome(promises::repromise(&state.app, &caller, id, &input).await, &back)
}

/// POST /redress/{id}/done
pub async fn redress_done(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&form.csrf) {
        return refusal;
    }
    let Ok(id) = raw.parse::<RedressId>() else {
        return not_found().await;
    };
    let back = back_to(&form.back, "/redress");
    outcome(breaches::mark_done(&state.app, &s.caller(), id).await, &back)
}

/// POST /redress/{id}/send — sends the apology as edited.
pub async fn redress_send(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&form.csrf) {
        return refusal;
    }
    let Ok(id) = raw.parse::<RedressId>() else {
        return not_found().await;
    };
    let back = back_to(&form.back, "/redress");
    outcome(
        breaches::send_apology(&state.app, &s.caller(), id, &form.body).await,
        &back,
    )
}

#[derive(Template)]
#[template(path = "promises.html")]
struct PromisesPage {
    chrome: Option<Chrome>,
    csrf: String,
    view: String,
    lead: bool,
    open: Vec<PromiseLine>,
    settled: Vec<PromiseLine>,
    notices: Vec<(String, String, String)>,
    zone: String,
    error: Option<String>,
}

/// GET /promises?view=mine|team — an agent's own promises, or (for leads:
/// admins and owners) everyone's; the caller's notices beside them.
pub async fn list(
    State(state): State<WebState>,
    s: StaffSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let caller = s.caller();
    let lead = caller.user.role >= Role::Admin;
    let view = match q.get("view").map(String::as_str) {
        Some("team") if lead => "team",
        Some("team") => {
            return crate::auth::forbidden_page("the team's promises are for team leads (admins and owners)");
        }
        None | Some("mine") | Some("") => "mine",
        Some(_) => return not_found().await,
    };
    let owner = (view == "mine").then_some(caller.user.id);
    let calendar = candor_app::insight::workspace_calendar(&state.app, caller.workspace())
        .await
        .unwrap_or_else(|_| candor_app::insight::default_calendar("UTC"));
    let tz = calendar.time_zone().clone();
    let names = names(&state, &caller).await;
    let fetch = |st: PromiseState| {
        let filter = PromiseFilter {
            state: Some(st),
            owner,
            ..Default::default()
        };
        let (app, caller) = (&state.app, &caller);
        async move { promises::list(app, caller, &filter, None, 200).await.map(|p| p.0) }
    };
    let (open, kept, broken) = match (
        fetch(PromiseState::Open).await,
        fetch(PromiseState::Kept).await,
        fetch(PromiseState::Broken).await,
    ) {
        (Ok(o), Ok(k), Ok(b)) => (o, k, b),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return crate::pages::message_page(StatusCode::INTERNAL_SERVER_ERROR, "Error", &e.to_string());
        }
    };
    let mut settled: Vec<&Promise> = broken.iter().chain(kept.iter()).collect();
    settled.sort_by_key(|p| std::cmp::Reverse(p.due_at));
    let notices = breaches::notifications(&state.app, &caller, 20)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|n| {
            (
                in_zone(n.created_at, &tz),
                n.body,
                n.conversation_id.map(|c| c.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let chrome = Chrome::of(&state, &s).await;
    render(
        StatusCode::OK,
        &PromisesPage {
            csrf: chrome.csrf.clone(),
            chrome: Some(chrome),
            view: view.to_string(),
            lead,
            open: open.iter().map(|p| promise_line(p, &tz, &names)).collect(),
            settled: settled
                .into_iter()
                .take(100)
                .map(|p| promise_line(p, &tz, &names))
                .collect(),
            notices,
            zone: calendar.time_zone_name().to_string(),
            error: q.get("error").cloned(),
        },
    )
}

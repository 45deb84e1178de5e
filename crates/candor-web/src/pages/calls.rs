//! Calls on the customer page: the latest calls, and the form an agent
//! logs a call with by hand (the same operation as the telephony webhook).

use crate::auth::StaffSession;
use crate::pages::{message_page, not_found};
use crate::state::WebState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use candor_app::AppError;
use candor_app::phone::{self, LogCall};
use candor_core::phone::duration_words;
use candor_core::{CustomerId, WorkspaceId};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::Deserialize;

/// A call as the customer page lists it.
pub struct CallLine {
    /// When it started, in the workspace's time.
    pub at: String,
    /// Direction, outcome and length.
    pub summary: String,
    /// The recording's link.
    pub recording: Option<String>,
    /// Its conversation.
    pub conversation: String,
}

async fn zone(state: &WebState, ws: WorkspaceId) -> TimeZone {
    candor_app::insight::workspace_calendar(&state.app, ws)
        .await
        .map(|c| c.time_zone().clone())
        .unwrap_or(TimeZone::UTC)
}

/// The customer's latest calls, and now in the workspace's time (the form's default).
pub async fn lines(state: &WebState, ws: WorkspaceId, customer: CustomerId) -> (Vec<CallLine>, String) {
    let tz = zone(state, ws).await;
    let calls = state
        .app
        .db
        .calls_of_customer(ws, customer, 20)
        .await
        .unwrap_or_default();
    let lines = calls
        .into_iter()
        .map(|c| CallLine {
            at: c
                .started_at
                .to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string(),
            summary: format!(
                "{} call, {}, {}",
                c.direction,
                c.status,
                duration_words(c.duration_secs)
            ),
            recording: c.recording_url,
            conversation: c.conversation_id.to_string(),
        })
        .collect();
    let now = state.app.now().to_zoned(tz).strftime("%Y-%m-%dT%H:%M").to_string();
    (lines, now)
}

/// The call form.
#[derive(Deserialize)]
pub struct CallForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    status: String,
    /// `datetime-local`, in the workspace's time; empty is now.
    #[serde(default)]
    when: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    notes: String,
}

/// POST /customers/{id}/calls
pub async fn log(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(f): Form<CallForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<CustomerId>() else {
        return not_found().await;
    };
    let caller = s.caller();
    let again = |m: String| crate::pages::customers::customer_page(&state, &s, id, None, Some(m));
    let started_at = if f.when.trim().is_empty() {
        state.app.now()
    } else {
        let tz = zone(&state, caller.workspace()).await;
        match f.when.trim().parse::<DateTime>().ok().and_then(|d| d.to_zoned(tz).ok()) {
            Some(z) => z.timestamp(),
            None => return again("When: give a date and time".into()).await,
        }
    };
    let minutes = match f.minutes.trim() {
        "" => 0,
        m => match m.parse::<i64>() {
            Ok(n) if (0..=1440).contains(&n) => n,
            _ => return again("Minutes: a whole number from 0 to 1440".into()).await,
        },
    };
    let input = LogCall {
        direction: f.direction.clone(),
        status: Some(f.status.clone()).filter(|x| !x.trim().is_empty()),
        started_at: started_at.to_string(),
        duration: Some(minutes * 60),
        transcript: Some(f.notes.clone()),
        // The agent on the call: the one logging it, unless nobody answered.
        agent: (f.direction.trim() == "outbound" || f.status.trim().is_empty() || f.status.trim() == "answered")
            .then(|| caller.user.id.to_string()),
        customer_id: Some(id.to_string()),
        ..Default::default()
    };
    match phone::log_call(&state.app, &caller, &input).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}")).into_response(),
        Err(AppError::Forbidden(m)) => message_page(StatusCode::FORBIDDEN, "Not allowed", &m),
        Err(AppError::Invalid { field, message }) => again(format!("{field}: {message}")).await,
        Err(e) => again(e.to_string()).await,
    }
}

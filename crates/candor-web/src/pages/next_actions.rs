//! The next best actions beside a conversation (the panel the conversation
//! page includes) and the rules page, `/settings/next-actions` (owners and
//! admins change the rules; everyone may read them).

use crate::auth::StaffSession;
use crate::pages::{Chrome, message_page, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use candor_app::{AppError, Caller, next_actions};
use candor_core::ConversationId;
use candor_core::next_action::{Offer, Rules};
use candor_core::staff::Scope;
use std::collections::HashMap;

/// One action as the panel shows it.
pub struct NbaLine {
    /// Its kind, e.g. "promise-broken" (a CSS class and a test hook).
    pub kind: String,
    /// What to do.
    pub title: String,
    /// Why.
    pub reason: String,
}

/// The panel beside a conversation.
pub struct NbaPanel {
    /// Most pressing first.
    pub items: Vec<NbaLine>,
    /// Whether the reader may tune the rules.
    pub can_tune: bool,
    /// Why the actions could not be worked out, if they could not.
    pub error: Option<String>,
}

/// The panel for conversation `id`.
pub async fn panel(state: &WebState, caller: &Caller, id: ConversationId) -> NbaPanel {
    let can_tune = caller.holds(Scope::Admin);
    match next_actions::for_conversation(&state.app, caller, id).await {
        Ok(actions) => NbaPanel {
            items: actions
                .into_iter()
                .map(|a| NbaLine {
                    kind: serde_json::to_value(a.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    title: a.title,
                    reason: a.reason,
                })
                .collect(),
            can_tune,
            error: None,
        },
        Err(e) => {
            tracing::warn!(error = %e, "next best actions could not be worked out");
            NbaPanel {
                items: Vec::new(),
                can_tune,
                error: Some("The next best actions could not be worked out just now.".into()),
            }
        }
    }
}

/// An offer row of the form.
struct OfferRow {
    title: String,
    when: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "next_actions_settings.html")]
struct SettingsPage {
    chrome: Option<Chrome>,
    csrf: String,
    rules: Rules,
    offers: Vec<OfferRow>,
    may_change: bool,
    saved: bool,
    error: Option<String>,
}

async fn page(state: &WebState, s: &StaffSession, rules: Rules, saved: bool, error: Option<String>) -> Response {
    let chrome = Chrome::of(state, s).await;
    let mut offers: Vec<OfferRow> = rules
        .offers
        .iter()
        .map(|o| OfferRow {
            title: o.title.clone(),
            when: o.when.clone(),
            reason: o.reason.clone(),
        })
        .collect();
    // One empty row to add an offer.
    offers.push(OfferRow {
        title: String::new(),
        when: String::new(),
        reason: String::new(),
    });
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &SettingsPage {
            csrf: chrome.csrf.clone(),
            may_change: s.caller().holds(Scope::Admin),
            chrome: Some(chrome),
            rules,
            offers,
            saved,
            error,
        },
    )
}

/// GET /settings/next-actions
pub async fn show(
    State(state): State<WebState>,
    s: StaffSession,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    match next_actions::rules(&state.app, &s.caller()).await {
        Ok(rules) => page(&state, &s, rules, q.contains_key("saved"), None).await,
        Err(e) => message_page(StatusCode::FORBIDDEN, "Not allowed", &e.to_string()),
    }
}

fn number(form: &HashMap<String, String>, key: &str, default: u32) -> u32 {
    form.get(key).and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// The rules a submitted form describes (checked when saved). A checkbox
/// that is not sent is off; an offer row without a title and a condition
/// is dropped.
fn rules_of(form: &HashMap<String, String>) -> Rules {
    let on = |k: &str| form.contains_key(k);
    let text = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut rules = Rules::default();
    rules.promises.enabled = on("promises_enabled");
    rules.promises.due_within_hours = number(form, "due_within_hours", 0);
    rules.promises.broken_within_days = number(form, "broken_within_days", 0);
    rules.already_bought.enabled = on("already_bought_enabled");
    rules.win_back.enabled = on("win_back_enabled");
    rules.win_back.offer = text("win_back_offer");
    rules.call.enabled = on("call_enabled");
    rules.call.tier_a = on("call_tier_a");
    rules.call.at_risk = on("call_at_risk");
    rules.call.owner_attribute = text("owner_attribute");
    let mut i = 0;
    while form.contains_key(&format!("offer_title_{i}")) {
        let offer = Offer {
            title: text(&format!("offer_title_{i}")),
            when: text(&format!("offer_when_{i}")),
            reason: text(&format!("offer_reason_{i}")),
        };
        if !(offer.title.trim().is_empty() && offer.when.trim().is_empty()) {
            rules.offers.push(offer);
        }
        i += 1;
    }
    rules
}

/// POST /settings/next-actions
pub async fn save(
    State(state): State<WebState>,
    s: StaffSession,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = s.form_refusal(form.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let rules = rules_of(&form);
    match next_actions::put_rules(&state.app, &s.caller(), rules.clone()).await {
        Ok(_) => Redirect::to("/settings/next-actions?saved=1").into_response(),
        Err(AppError::Forbidden(m)) => message_page(StatusCode::FORBIDDEN, "Not allowed", &m),
        Err(AppError::Invalid { field, message }) | Err(AppError::InvalidQuery { field, message, .. }) => {
            page(&state, &s, rules, false, Some(format!("{field}: {message}"))).await
        }
        Err(e) => message_page(StatusCode::INTERNAL_SERVER_ERROR, "Not saved", &e.to_string()),
    }
}

/// The page's routes.
pub fn routes() -> Router<WebState> {
    Router::new().route("/settings/next-actions", get(show).post(save))
}

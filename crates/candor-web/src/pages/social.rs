//! Social listening pages: the mention stream (`/social`) with a reply form
//! on each mention, the monitoring rules (`/settings/social`, owners and
//! admins), and the buttons of the inbox's "Reach out first" view.

use crate::auth::StaffSession;
use crate::pages::{Chrome, message_page, not_found, render};
use crate::state::WebState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use candor_app::AppError;
use candor_app::social::rules::{self, NewRule};
use candor_app::social::{self, MentionView, alerts};
use candor_core::identity::SOCIAL_PLATFORMS;
use candor_core::social::{RuleKind, Sentiment};
use candor_core::staff::Scope;
use candor_core::{MentionId, SocialAlertId, SocialRuleId};
use serde::Deserialize;
use std::collections::HashMap;

fn refusal(e: AppError) -> Response {
    match e {
        AppError::Forbidden(m) => message_page(StatusCode::FORBIDDEN, "Not allowed", &m),
        AppError::NotFound => message_page(StatusCode::NOT_FOUND, "Not found", "There is no such item here."),
        other => message_page(StatusCode::UNPROCESSABLE_ENTITY, "Not done", &other.to_string()),
    }
}

/// A form with only its token.
#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// POST /social/alerts/{id}/reach-out — opens the proactive conversation.
pub async fn reach_out(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<SocialAlertId>() else {
        return not_found().await;
    };
    match alerts::reach_out(&state.app, &s.caller(), id, None).await {
        Ok(conversation) => Redirect::to(&format!("/inbox/{conversation}")).into_response(),
        Err(e) => refusal(e),
    }
}

/// POST /social/alerts/{id}/dismiss
pub async fn dismiss(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<SocialAlertId>() else {
        return not_found().await;
    };
    match alerts::dismiss(&state.app, &s.caller(), id).await {
        Ok(()) => Redirect::to("/inbox?view=reach-out").into_response(),
        Err(e) => refusal(e),
    }
}

#[derive(Template)]
#[template(path = "social.html")]
struct StreamPage {
    chrome: Option<Chrome>,
    csrf: String,
    mentions: Vec<(MentionView, String, String)>,
    platforms: Vec<&'static str>,
    sentiments: Vec<&'static str>,
    platform: String,
    sentiment: String,
    handled: String,
    next: Option<String>,
    replied: Option<(String, String, String)>,
    error: Option<String>,
}

fn param(q: &HashMap<String, String>, key: &str) -> String {
    q.get(key).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// GET /social?platform=&sentiment=&handled=&cursor= — the mention stream.
pub async fn stream(
    State(state): State<WebState>,
    s: StaffSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let caller = s.caller();
    let (filter, mut error) = match crate::api::social::filter_of(&q) {
        Ok(f) => (f, None),
        Err(_) => (
            Default::default(),
            Some("That filter is not one we know; showing every mention.".to_string()),
        ),
    };
    let before = q.get("cursor").and_then(|c| c.parse::<MentionId>().ok());
    let (items, next) = match social::list(&state.app, &caller, &filter, before, 50).await {
        Ok(p) => p,
        Err(e) => {
            error = Some(e.to_string());
            (Vec::new(), None)
        }
    };
    let mut mentions = Vec::with_capacity(items.len());
    for m in &items {
        let customer = match m.customer_id {
            Some(c) => candor_app::ingest::customer_name(&state.app, caller.workspace(), c).await,
            None => String::new(),
        };
        let posted = m.posted_at.strftime("%Y-%m-%d %H:%M").to_string();
        mentions.push((MentionView::of(m), customer, posted));
    }
    // After a reply: the post to publish it on, and the conversation it is recorded in.
    let replied = match q.get("replied").and_then(|r| r.parse::<MentionId>().ok()) {
        Some(id) => social::get(&state.app, &caller, id)
            .await
            .ok()
            .and_then(|m| m.conversation_id.map(|c| (m.post_url, m.platform, c.to_string()))),
        None => None,
    };
    let chrome = Chrome::of(&state, &s).await;
    render(
        StatusCode::OK,
        &StreamPage {
            csrf: chrome.csrf.clone(),
            chrome: Some(chrome),
            mentions,
            platforms: SOCIAL_PLATFORMS.to_vec(),
            sentiments: Sentiment::ALL.iter().map(|s| s.as_str()).collect(),
            platform: param(&q, "platform"),
            sentiment: param(&q, "sentiment"),
            handled: param(&q, "handled"),
            next: next.map(|n| n.to_string()),
            replied,
            error,
        },
    )
}

/// The reply form.
#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

/// POST /social/mentions/{id}/reply — records the reply, then shows the post to publish it on.
pub async fn reply(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(f): Form<ReplyForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<MentionId>() else {
        return not_found().await;
    };
    match alerts::reply(&state.app, &s.caller(), id, &f.body).await {
        Ok(_) => Redirect::to(&format!("/social?replied={id}")).into_response(),
        Err(e) => refusal(e),
    }
}

#[derive(Template)]
#[template(path = "social_settings.html")]
struct SettingsPage {
    chrome: Option<Chrome>,
    csrf: String,
    rules: Vec<(String, String, String, String)>,
    kinds: Vec<&'static str>,
    error: Option<String>,
}

async fn settings_page(state: &WebState, s: &StaffSession, error: Option<String>) -> Response {
    let caller = s.caller();
    let list = match rules::list(&state.app, &caller).await {
        Ok(r) => r,
        Err(e) => return refusal(e),
    };
    let chrome = Chrome::of(state, s).await;
    render(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &SettingsPage {
            csrf: chrome.csrf.clone(),
            chrome: Some(chrome),
            rules: list
                .iter()
                .map(|r| {
                    (
                        r.id.to_string(),
                        r.name.clone(),
                        r.spec.kind().to_string(),
                        r.spec.words(),
                    )
                })
                .collect(),
            kinds: RuleKind::ALL.iter().map(|k| k.as_str()).collect(),
            error,
        },
    )
}

/// GET /settings/social — the monitoring rules (owners and admins).
pub async fn settings(State(state): State<WebState>, s: StaffSession) -> Response {
    if !s.session.user.role.allows(Scope::Admin) {
        return message_page(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only owners and admins set the monitoring rules.",
        );
    }
    settings_page(&state, &s, None).await
}

/// The new-rule form.
#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    /// Comma-separated words or phrases.
    #[serde(default)]
    words: String,
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    minutes: String,
}

fn number<T: std::str::FromStr>(field: &str, raw: &str) -> Result<Option<T>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| format!("{field}: give a number"))
}

/// POST /settings/social/rules
pub async fn add_rule(State(state): State<WebState>, s: StaffSession, Form(f): Form<RuleForm>) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let numbers = (|| {
        Ok::<_, String>((
            number::<f64>("threshold", &f.threshold)?,
            number::<i64>("count", &f.count)?,
            number::<i64>("minutes", &f.minutes)?,
        ))
    })();
    let (threshold, count, minutes) = match numbers {
        Ok(n) => n,
        Err(m) => return settings_page(&state, &s, Some(m)).await,
    };
    let input = NewRule {
        name: Some(f.name.clone()),
        kind: f.kind.clone(),
        words: f
            .words
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect(),
        threshold,
        count,
        minutes,
    };
    match rules::add(&state.app, &s.caller(), &input).await {
        Ok(_) => Redirect::to("/settings/social").into_response(),
        Err(AppError::Invalid { field, message }) => {
            settings_page(&state, &s, Some(format!("{field}: {message}"))).await
        }
        Err(e) => refusal(e),
    }
}

/// POST /settings/social/rules/{id}/delete
pub async fn delete_rule(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<SocialRuleId>() else {
        return not_found().await;
    };
    match rules::remove(&state.app, &s.caller(), id).await {
        Ok(()) => Redirect::to("/settings/social").into_response(),
        Err(e) => refusal(e),
    }
}

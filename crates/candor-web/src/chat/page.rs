//! The chat's pages: settings for owners and admins (`/settings/chat`:
//! the embed snippet, the signing secret and how to sign, the allowed
//! origins) and the public "what a customer sees" page (`/w/{slug}/chat/try`).

use crate::auth::StaffSession;
use crate::pages::{Chrome, message_page, render};
use crate::state::WebState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use candor_app::AppError;
use candor_app::chat::{self, settings};
use candor_core::staff::Scope;
use serde::Deserialize;

/// The user id the settings page signs as an example.
const EXAMPLE_USER: &str = "user-1042";

#[derive(Template)]
#[template(path = "chat_settings.html")]
struct SettingsPage {
    chrome: Option<Chrome>,
    csrf: String,
    base: String,
    slug: String,
    secret: Option<String>,
    example_user: &'static str,
    example_hash: String,
    origins: String,
    availability: String,
    error: Option<String>,
}

fn refusal(e: AppError) -> Response {
    match e {
        AppError::Forbidden(m) => message_page(StatusCode::FORBIDDEN, "Not allowed", &m),
        other => message_page(StatusCode::UNPROCESSABLE_ENTITY, "Not done", &other.to_string()),
    }
}

async fn settings_page(state: &WebState, s: &StaffSession, error: Option<String>, origins: Option<String>) -> Response {
    let caller = s.caller();
    let view = match settings::get(&state.app, &caller).await {
        Ok(v) => v,
        Err(e) => return refusal(e),
    };
    let ws = caller.workspace();
    let slug = state.app.db.workspace(ws).await.map(|w| w.slug).unwrap_or_default();
    let availability = match chat::availability(&state.app, ws).await {
        Ok(a) => match a.state {
            candor_core::chat::Availability::Open => {
                "Someone is available: visitors are told they will be answered here.".to_string()
            }
            candor_core::chat::Availability::OutsideHours => format!(
                "Outside your hours ({}): visitors are told so, with your chat commitment, and asked for an email.",
                a.hours.unwrap_or_default()
            ),
            candor_core::chat::Availability::AllAway => {
                "Everyone who takes chats is away: visitors are told so and asked for an email.".to_string()
            }
        },
        Err(e) => e.to_string(),
    };
    let chrome = Chrome::of(state, s).await;
    let example_hash = view
        .secret
        .as_deref()
        .map(|k| candor_core::chat::sign_user(k, EXAMPLE_USER))
        .unwrap_or_default();
    render(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &SettingsPage {
            csrf: chrome.csrf.clone(),
            chrome: Some(chrome),
            base: state.config.public_url.clone().unwrap_or_default(),
            slug,
            secret: view.secret,
            example_user: EXAMPLE_USER,
            example_hash,
            origins: origins.unwrap_or_else(|| view.allowed_origins.join("\n")),
            availability,
            error,
        },
    )
}

fn admins_only(s: &StaffSession) -> Option<Response> {
    (!s.session.user.role.allows(Scope::Admin)).then(|| {
        message_page(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only owners and admins see and change the chat settings.",
        )
    })
}

/// GET /settings/chat
pub async fn settings(State(state): State<WebState>, s: StaffSession) -> Response {
    if let Some(r) = admins_only(&s) {
        return r;
    }
    settings_page(&state, &s, None, None).await
}

/// The allowed-origins form.
#[derive(Deserialize)]
pub struct OriginsForm {
    #[serde(default)]
    csrf: String,
    /// One origin a line.
    #[serde(default)]
    origins: String,
}

/// POST /settings/chat/origins
pub async fn save_origins(State(state): State<WebState>, s: StaffSession, Form(f): Form<OriginsForm>) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let lines: Vec<String> = f.origins.lines().map(str::to_string).collect();
    match settings::set_origins(&state.app, &s.caller(), &lines).await {
        Ok(_) => Redirect::to("/settings/chat?saved=origins").into_response(),
        Err(AppError::Invalid { message, field }) => {
            // The field names the line: allowed_origins[i] is line i + 1.
            let line = field
                .trim_start_matches("allowed_origins[")
                .trim_end_matches(']')
                .parse::<usize>()
                .map(|i| format!("Line {}: ", i + 1))
                .unwrap_or_default();
            settings_page(&state, &s, Some(format!("{line}{message}")), Some(f.origins)).await
        }
        Err(e) => refusal(e),
    }
}

/// A form with only its token.
#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// POST /settings/chat/rotate
pub async fn rotate(State(state): State<WebState>, s: StaffSession, Form(f): Form<TokenForm>) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    match settings::rotate_secret(&state.app, &s.caller()).await {
        Ok(_) => Redirect::to("/settings/chat?saved=secret").into_response(),
        Err(e) => refusal(e),
    }
}

#[derive(Template)]
#[template(path = "chat_try.html")]
struct TryPage {
    name: String,
    slug: String,
}

/// GET /w/{slug}/chat/try — a plain page of the company's with the widget
/// on it: what a customer sees.
pub async fn try_page(State(state): State<WebState>, Path(slug): Path<String>) -> Response {
    match state.app.db.workspace_by_slug(&slug).await {
        Ok(w) => render(
            StatusCode::OK,
            &TryPage {
                name: w.name,
                slug: w.slug,
            },
        ),
        Err(_) => message_page(StatusCode::NOT_FOUND, "Not found", "There is no chat at this address."),
    }
}

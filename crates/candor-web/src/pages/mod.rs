//! Server-rendered pages for staff. They work without JavaScript.

pub mod calls;
pub mod campaigns;
pub mod coach;
pub mod commitments;
pub mod commitments_public;
pub mod community;
pub mod conversation;
pub mod customers;
pub mod email;
pub mod inbox;
pub mod invite;
pub mod login;
pub mod next_actions;
pub mod pact;
pub mod redress;
pub mod routing;
pub mod social;
pub mod staff;
pub mod tokens;
pub mod trust;

use crate::auth::StaffSession;
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use candor_core::events::Actor;
use rust_embed::Embed;

/// What the page header shows about the signed-in person.
pub struct Chrome {
    /// Their full name.
    pub user_name: String,
    /// Their workspace's name.
    pub workspace_name: String,
    /// Their role.
    pub role: String,
    /// The session's form token.
    pub csrf: String,
}

impl Chrome {
    /// The header for a session.
    pub async fn of(state: &WebState, s: &StaffSession) -> Self {
        let workspace_name = state
            .app
            .db
            .workspace(s.session.user.workspace_id)
            .await
            .map(|w| w.name)
            .unwrap_or_default();
        Chrome {
            user_name: s.session.user.name.clone(),
            workspace_name,
            role: s.session.user.role.to_string(),
            csrf: s.session.csrf_token.clone(),
        }
    }
}

/// Renders a template, or a plain error page if rendering fails.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page could not be shown; the failure has been logged.",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: Option<Chrome>,
    heading: &'a str,
    message: &'a str,
}

/// A page with a heading and one sentence.
pub fn message_page(status: StatusCode, heading: &str, message: &str) -> Response {
    render(
        status,
        &MessagePage {
            chrome: None,
            heading,
            message,
        },
    )
}

/// The page for unknown paths.
pub async fn not_found() -> Response {
    message_page(StatusCode::NOT_FOUND, "Not found", "There is no page at this address.")
}

struct EventLine {
    at: String,
    kind: String,
    actor: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Option<Chrome>,
    first_name: String,
    workspace_name: String,
    role: String,
    staff_count: usize,
    events: Vec<EventLine>,
}

/// The signed-in home page.
pub async fn home(State(state): State<WebState>, s: StaffSession) -> Response {
    let chrome = Chrome::of(&state, &s).await;
    let ws = s.session.user.workspace_id;
    let staff = state.app.db.users(ws).await.unwrap_or_default();
    let names: std::collections::HashMap<_, _> = staff.iter().map(|u| (u.id, u.name.clone())).collect();
    let events = state
        .app
        .db
        .events(ws, None, 15)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let events = events
        .into_iter()
        .map(|e| EventLine {
            at: e.at.strftime("%Y-%m-%d %H:%M").to_string(),
            kind: e.kind,
            actor: match e.actor {
                Actor::Staff(id) => names.get(&id).cloned().unwrap_or_else(|| "a former colleague".into()),
                Actor::System => "Candor".into(),
            },
        })
        .collect();
    let user = &s.session.user;
    let first_name = user.name.split(' ').next().unwrap_or(&user.name).to_string();
    render(
        StatusCode::OK,
        &HomePage {
            workspace_name: chrome.workspace_name.clone(),
            role: user.role.to_string(),
            chrome: Some(chrome),
            first_name,
            staff_count: staff.iter().filter(|u| u.active).count(),
            events,
        },
    )
}

#[derive(Embed)]
#[folder = "assets/"]
struct Assets;

/// Our own stylesheet and scripts.
pub async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_string()),
                    (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
                ],
                file.data.into_owned(),
            )
                .into_response()
        }
        None => not_found().await,
    }
}

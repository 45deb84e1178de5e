//! Accepting an invitation: the new colleague gives their name and password.

use crate::auth::{FORM_COOKIE, SESSION_COOKIE, cookie, forbidden_page, removal};
use crate::pages::login::{form_token, form_token_ok};
use crate::pages::{Chrome, message_page, render};
use crate::state::WebState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use candor_app::accounts;
use candor_store::access::SESSION_LIFETIME;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    chrome: Option<Chrome>,
    csrf: String,
    workspace_name: String,
    email: String,
    role: String,
    name: String,
    error: Option<String>,
}

fn gone() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "Invitation not valid",
        "This invitation link is unknown, was used already, or has expired. Ask for a new one.",
    )
}

async fn page(
    state: &WebState,
    secret: &str,
    csrf: String,
    name: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let Ok(Some((ws, invite))) = state.app.db.open_invite(state.app.now(), secret).await else {
        return gone();
    };
    let workspace_name = state.app.db.workspace(ws).await.map(|w| w.name).unwrap_or_default();
    render(
        status,
        &InvitePage {
            chrome: None,
            csrf,
            workspace_name,
            email: invite.email,
            role: invite.role.to_string(),
            name,
            error,
        },
    )
}

/// GET /invite/{secret}
pub async fn show(State(state): State<WebState>, jar: CookieJar, Path(secret): Path<String>) -> Response {
    let (jar, csrf) = form_token(&state, jar);
    (
        jar,
        page(&state, &secret, csrf, String::new(), None, StatusCode::OK).await,
    )
        .into_response()
}

/// The acceptance form.
#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    csrf: String,
    name: String,
    password: String,
}

/// POST /invite/{secret}
pub async fn accept(
    State(state): State<WebState>,
    jar: CookieJar,
    Path(secret): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Response {
    if !form_token_ok(&jar, &form.csrf) {
        return forbidden_page("This form has expired. Reload the page and try again.");
    }
    match accounts::accept_invite(&state.app, &secret, &form.name, &form.password).await {
        Ok((_, session)) => {
            let jar = jar
                .add(cookie(&state, SESSION_COOKIE, session, SESSION_LIFETIME.as_secs()))
                .remove(removal(FORM_COOKIE));
            (jar, Redirect::to("/")).into_response()
        }
        Err(e) => {
            page(
                &state,
                &secret,
                form.csrf,
                form.name,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

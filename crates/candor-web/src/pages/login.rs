//! Signing in and out.

use crate::auth::{
    FORM_COOKIE, SESSION_COOKIE, StaffSession, constant_time_eq, cookie, forbidden_page, removal, safe_next,
};
use crate::pages::{Chrome, render};
use crate::state::WebState;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use candor_app::{AppError, accounts};
use candor_store::access::SESSION_LIFETIME;
use candor_store::secrets::new_secret;
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Option<Chrome>,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

/// Query of the sign-in page.
#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// A form token for pages shown before sign-in, paired with a cookie.
pub fn form_token(state: &WebState, jar: CookieJar) -> (CookieJar, String) {
    match jar
        .get(FORM_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64)
    {
        Some(v) => (jar, v),
        None => {
            let v = new_secret("").plain;
            (jar.add(cookie(state, FORM_COOKIE, v.clone(), 3600 * 12)), v)
        }
    }
}

/// Whether a pre-sign-in form carries the token of its cookie.
pub fn form_token_ok(jar: &CookieJar, sent: &str) -> bool {
    jar.get(FORM_COOKIE)
        .is_some_and(|c| constant_time_eq(c.value().as_bytes(), sent.as_bytes()))
}

/// GET /login
pub async fn show(State(state): State<WebState>, jar: CookieJar, Query(q): Query<LoginQuery>) -> Response {
    let (jar, csrf) = form_token(&state, jar);
    let page = LoginPage {
        chrome: None,
        csrf,
        // The inbox is where work starts after signing in.
        next: q
            .next
            .as_deref()
            .map(|n| safe_next(Some(n)))
            .unwrap_or_else(|| "/inbox".into()),
        email: String::new(),
        error: None,
    };
    (jar, render(StatusCode::OK, &page)).into_response()
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// POST /login
pub async fn submit(
    State(state): State<WebState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    if !form_token_ok(&jar, &form.csrf) {
        return forbidden_page("This sign-in form has expired. Reload the page and try again.");
    }
    let next = safe_next(Some(&form.next));
    match accounts::sign_in(&state.app, &form.email, &form.password, &addr.ip().to_string()).await {
        Ok((_, session)) => {
            let jar = jar
                .add(cookie(&state, SESSION_COOKIE, session, SESSION_LIFETIME.as_secs()))
                .remove(removal(FORM_COOKIE));
            (jar, Redirect::to(&next)).into_response()
        }
        Err(e) => {
            let (status, error) = match e {
                AppError::Throttled { until } => {
                    let wait = (until.as_second() - state.app.now().as_second()).max(1);
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        format!("Too many failed attempts. Try again in {wait} seconds."),
                    )
                }
                AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "The email or password is wrong.".to_string()),
                other => {
                    tracing::error!(error = %other, "sign-in failed");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Signing in is not possible right now; please try again shortly.".to_string(),
                    )
                }
            };
            let csrf = form.csrf.clone();
            render(
                status,
                &LoginPage {
                    chrome: None,
                    csrf,
                    next,
                    email: form.email,
                    error: Some(error),
                },
            )
        }
    }
}

/// A form that carries only its token.
#[derive(Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    csrf: String,
}

/// POST /logout
pub async fn logout(
    State(state): State<WebState>,
    s: StaffSession,
    jar: CookieJar,
    Form(form): Form<TokenOnly>,
) -> Response {
    if let Some(resp) = s.form_refusal(&form.csrf) {
        return resp;
    }
    if let Err(e) = accounts::sign_out(&state.app, &s.session.user, &s.cookie).await {
        tracing::error!(error = %e, "sign-out failed");
    }
    (jar.remove(removal(SESSION_COOKIE)), Redirect::to("/login")).into_response()
}

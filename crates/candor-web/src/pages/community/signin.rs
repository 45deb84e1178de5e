//! Customers sign in by a one-time link to their address. Opening the link
//! shows a button that uses it (so mail scanners that fetch links do not use
//! it up). A server started with --dev-show-links shows the link on the page
//! for local demos; never in production.

use super::{Head, member, member_cookie, member_removal, message, no_community, with_private_cache};
use crate::api::community::base_url;
use crate::auth::FORM_COOKIE;
use crate::pages::login::{form_token, form_token_ok};
use crate::pages::render;
use crate::state::WebState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{CookieJar, Form};
use candor_app::AppError;
use candor_app::community::community_path;
use candor_app::community::mail::Site;
use candor_app::community::members::{self, LinkRequest};
use candor_store::community::members::COMMUNITY_SESSION_LIFETIME;
use candor_store::staff::Workspace;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "community/signin.html")]
struct SignInPage {
    head: Head,
    action: String,
    csrf: String,
    next: String,
    email: String,
    name: String,
    error: Option<String>,
    error_field: String,
    sent: bool,
    dev_link: Option<String>,
}

fn page(state: &WebState, ws: &Workspace, csrf: String, next: String) -> SignInPage {
    let path = format!("{}/signin", community_path(&ws.slug));
    SignInPage {
        head: Head::new(
            state,
            ws,
            "Sign in to post".into(),
            format!(
                "Sign in to the {} community with a link sent to your email address.",
                ws.name
            ),
            &path,
        ),
        action: path,
        csrf,
        next,
        email: String::new(),
        name: String::new(),
        error: None,
        error_field: String::new(),
        sent: false,
        dev_link: None,
    }
}

/// GET /w/{slug}/community/signin
pub async fn show(
    State(state): State<WebState>,
    Path(slug): Path<String>,
    jar: CookieJar,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    let (jar, csrf) = form_token(&state, jar);
    let next = q.get("next").cloned().unwrap_or_default();
    let p = page(&state, &ws, csrf, next);
    (jar, with_private_cache(render(StatusCode::OK, &p))).into_response()
}

/// The sign-in form as sent.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    website: String,
}

/// POST /w/{slug}/community/signin
pub async fn request(
    State(state): State<WebState>,
    Path(slug): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    if !form_token_ok(&jar, &form.csrf) {
        return message(
            StatusCode::FORBIDDEN,
            &state,
            &ws,
            "Not allowed",
            "This form has expired. Reload the page and try again.",
        );
    }
    let base = base_url(&state);
    let site = Site {
        base_url: &base,
        workspace: &ws,
    };
    let ip = super::client(&addr);
    let req = LinkRequest {
        email: &form.email,
        name: &form.name,
        next: &form.next,
        client: &ip,
        honeypot: &form.website,
    };
    let mut p = page(&state, &ws, form.csrf.clone(), form.next.clone());
    p.email = form.email.clone();
    p.name = form.name.clone();
    match members::request_link(&state.app, &site, &req).await {
        Ok(sent) => {
            p.sent = true;
            if state.config.dev_show_links {
                p.dev_link = sent.map(|s| s.url);
            }
            with_private_cache(render(StatusCode::OK, &p))
        }
        Err(e) => {
            let (status, text, field) = match e {
                AppError::Invalid { field, message } => (StatusCode::UNPROCESSABLE_ENTITY, message, field),
                AppError::Throttled { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many sign-in links were asked for. Please wait a while and try again.".to_string(),
                    String::new(),
                ),
                other => {
                    tracing::error!(error = %other, "a sign-in link could not be sent");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Signing in is not possible right now; please try again shortly.".to_string(),
                        String::new(),
                    )
                }
            };
            p.error = Some(text);
            p.error_field = field;
            with_private_cache(render(status, &p))
        }
    }
}

#[derive(Template)]
#[template(path = "community/use_link.html")]
struct UseLinkPage {
    head: Head,
    action: String,
    csrf: String,
}

/// GET /w/{slug}/community/signin/{secret}: a button that uses the link.
pub async fn confirm(
    State(state): State<WebState>,
    Path((slug, secret)): Path<(String, String)>,
    jar: CookieJar,
) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    let (jar, csrf) = form_token(&state, jar);
    let path = format!("{}/signin", community_path(&ws.slug));
    let p = UseLinkPage {
        head: Head::new(&state, &ws, "Sign in".into(), "Finish signing in.".into(), &path),
        action: format!("{path}/{}", crate::auth::url_escape(&secret)),
        csrf,
    };
    let mut resp = (jar, with_private_cache(render(StatusCode::OK, &p))).into_response();
    // The secret is in this page's address: tell the browser not to pass it on.
    resp.headers_mut()
        .insert("referrer-policy", axum::http::HeaderValue::from_static("no-referrer"));
    resp
}

/// The form that uses a link.
#[derive(Deserialize)]
pub struct UseForm {
    #[serde(default)]
    csrf: String,
}

/// POST /w/{slug}/community/signin/{secret}: uses the link (once).
pub async fn use_link(
    State(state): State<WebState>,
    Path((slug, secret)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<UseForm>,
) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    if !form_token_ok(&jar, &form.csrf) {
        return message(
            StatusCode::FORBIDDEN,
            &state,
            &ws,
            "Not allowed",
            "This form has expired. Open the link from your email again.",
        );
    }
    match members::use_link(&state.app, ws.id, &secret).await {
        Ok(done) => {
            let jar = jar
                .add(member_cookie(
                    &state,
                    &ws.slug,
                    done.cookie,
                    COMMUNITY_SESSION_LIFETIME.as_secs(),
                ))
                .remove(crate::auth::removal(FORM_COOKIE));
            (jar, Redirect::to(&done.next)).into_response()
        }
        Err(AppError::Unauthorized(text)) => message(StatusCode::GONE, &state, &ws, "This link no longer works", &text),
        Err(e) => {
            tracing::error!(error = %e, "a sign-in link could not be used");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                &state,
                &ws,
                "Not now",
                "Signing in is not possible right now; please try again shortly.",
            )
        }
    }
}

/// POST /w/{slug}/community/signout
pub async fn sign_out(
    State(state): State<WebState>,
    Path(slug): Path<String>,
    jar: CookieJar,
    Form(form): Form<UseForm>,
) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    if let Some(m) = member(&state, &jar, &ws).await
        && m.token_ok(&form.csrf)
        && let Err(e) = members::sign_out(&state.app, &m.cookie).await
    {
        tracing::error!(error = %e, "sign-out failed");
    }
    (
        jar.remove(member_removal(&ws.slug)),
        Redirect::to(&community_path(&ws.slug)),
    )
        .into_response()
}

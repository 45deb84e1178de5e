//! The API tokens page: create (secret shown once), list, revoke.

use crate::auth::StaffSession;
use crate::pages::{Chrome, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::{AppError, accounts};
use candor_core::TokenId;
use candor_core::staff::Scope;
use serde::Deserialize;

struct TokenLine {
    id: String,
    name: String,
    owner: String,
    prefix: String,
    scopes: String,
    last_used: String,
    state: String,
    revocable: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Option<Chrome>,
    csrf: String,
    is_admin: bool,
    scopes: Vec<&'static str>,
    tokens: Vec<TokenLine>,
    new_secret: Option<String>,
    error: Option<String>,
}

async fn page(
    state: &WebState,
    s: &StaffSession,
    status: StatusCode,
    new_secret: Option<String>,
    error: Option<String>,
) -> Response {
    let caller = s.caller();
    let names: std::collections::HashMap<_, _> = state
        .app
        .db
        .users(caller.workspace())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let tokens = accounts::list_tokens(&state.app, &caller).await.unwrap_or_default();
    let tokens = tokens
        .into_iter()
        .map(|t| TokenLine {
            id: t.id.to_string(),
            owner: names.get(&t.user_id).cloned().unwrap_or_default(),
            prefix: t.prefix,
            scopes: Scope::join(&t.scopes),
            last_used: t
                .last_used_at
                .map(|at| at.strftime("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "never".into()),
            state: if t.revoked_at.is_some() {
                "revoked".into()
            } else {
                "active".into()
            },
            revocable: t.revoked_at.is_none(),
            name: t.name,
        })
        .collect();
    let chrome = Chrome::of(state, s).await;
    let csrf = chrome.csrf.clone();
    let scopes = s.session.user.role.scopes().into_iter().map(Scope::as_str).collect();
    render(
        status,
        &TokensPage {
            chrome: Some(chrome),
            csrf,
            is_admin: caller.require(Scope::Admin).is_ok(),
            scopes,
            tokens,
            new_secret,
            error,
        },
    )
}

/// GET /settings/tokens
pub async fn show(State(state): State<WebState>, s: StaffSession) -> Response {
    page(&state, &s, StatusCode::OK, None, None).await
}

/// The token form; `scope` repeats once per ticked box.
#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    scope: Vec<String>,
}

/// POST /settings/tokens
pub async fn create(State(state): State<WebState>, s: StaffSession, Form(form): Form<CreateForm>) -> Response {
    if let Some(r) = s.form_refusal(&form.csrf) {
        return r;
    }
    let scopes: Result<Vec<Scope>, _> = form.scope.iter().map(|s| s.parse::<Scope>()).collect();
    let scopes = match scopes {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => {
            return page(
                &state,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some("tick at least one scope".into()),
            )
            .await;
        }
        Err(e) => return page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, None, Some(e.to_string())).await,
    };
    let caller = s.caller();
    match accounts::create_token_for(&state.app, &caller, caller.user.id, &form.name, &scopes).await {
        Ok((_, secret)) => page(&state, &s, StatusCode::OK, Some(secret), None).await,
        Err(e) => page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, None, Some(e.to_string())).await,
    }
}

/// A form with only its token.
#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

/// POST /settings/tokens/{id}/revoke
pub async fn revoke(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<TokenId>() else {
        return crate::pages::not_found().await;
    };
    match accounts::revoke_token(&state.app, &s.caller(), id).await {
        Ok(_) => Redirect::to("/settings/tokens").into_response(),
        Err(AppError::NotFound) => crate::pages::not_found().await,
        Err(e) => page(&state, &s, StatusCode::FORBIDDEN, None, Some(e.to_string())).await,
    }
}

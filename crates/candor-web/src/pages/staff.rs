//! The staff page: colleagues, roles, deactivation and invitations.

use crate::auth::StaffSession;
use crate::pages::{Chrome, render};
use crate::state::WebState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use candor_app::{AppError, accounts};
use candor_core::UserId;
use candor_core::staff::{Role, Scope};
use serde::Deserialize;

struct StaffLine {
    id: String,
    name: String,
    email: String,
    role: String,
    active: bool,
    manageable: bool,
}

struct InviteLine {
    email: String,
    role: String,
    state: String,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    chrome: Option<Chrome>,
    csrf: String,
    staff: Vec<StaffLine>,
    invites: Vec<InviteLine>,
    roles: Vec<String>,
    can_manage: bool,
    notice: Option<String>,
    invite_link: Option<String>,
    error: Option<String>,
}

async fn page(
    state: &WebState,
    s: &StaffSession,
    status: StatusCode,
    notice: Option<String>,
    invite_link: Option<String>,
    error: Option<String>,
) -> Response {
    let me = &s.session.user;
    let ws = me.workspace_id;
    let can_manage = me.role.allows(Scope::Admin);
    let now = state.app.now();
    let staff = state.app.db.users(ws).await.unwrap_or_default();
    let staff = staff
        .into_iter()
        .map(|u| StaffLine {
            id: u.id.to_string(),
            manageable: can_manage && u.id != me.id && me.role.may_manage(u.role),
            name: u.name,
            email: u.email,
            role: u.role.to_string(),
            active: u.active,
        })
        .collect();
    let invites = if can_manage {
        state.app.db.invites(ws).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let invites = invites
        .into_iter()
        .map(|i| InviteLine {
            email: i.email,
            role: i.role.to_string(),
            state: match i.accepted_at {
                Some(_) => "accepted".into(),
                None if i.expires_at < now => "expired".into(),
                None => format!("open until {}", i.expires_at.strftime("%Y-%m-%d")),
            },
        })
        .collect();
    let roles = Role::ALL
        .into_iter()
        .filter(|r| me.role.may_manage(*r))
        .map(|r| r.as_str().to_string())
        .collect();
    let chrome = Chrome::of(state, s).await;
    let csrf = chrome.csrf.clone();
    render(
        status,
        &StaffPage {
            chrome: Some(chrome),
            csrf,
            staff,
            invites,
            roles,
            can_manage,
            notice,
            invite_link,
            error,
        },
    )
}

fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// GET /settings/staff
pub async fn show(State(state): State<WebState>, s: StaffSession) -> Response {
    page(&state, &s, StatusCode::OK, None, None, None).await
}

/// The invitation form.
#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    email: String,
    role: String,
}

/// POST /settings/staff/invite
pub async fn invite(State(state): State<WebState>, s: StaffSession, Form(form): Form<InviteForm>) -> Response {
    if let Some(r) = s.form_refusal(&form.csrf) {
        return r;
    }
    let role = match form.role.parse::<Role>() {
        Ok(r) => r,
        Err(e) => {
            return page(
                &state,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                Some(e.to_string()),
            )
            .await;
        }
    };
    match accounts::invite(&state.app, &s.caller(), &form.email, role).await {
        Ok((invite, secret)) => {
            let base = state.config.public_url.clone().unwrap_or_default();
            let link = format!("{}/invite/{secret}", base.trim_end_matches('/'));
            let notice = format!(
                "Invitation for {} created. Send them this link; it works once, for 7 days.",
                invite.email
            );
            page(&state, &s, StatusCode::OK, Some(notice), Some(link), None).await
        }
        Err(e) => page(&state, &s, status_of(&e), None, None, Some(e.to_string())).await,
    }
}

/// The role form.
#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    role: String,
}

/// POST /settings/staff/{id}/role
pub async fn change_role(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<UserId>() else {
        return crate::pages::not_found().await;
    };
    let role = match form.role.parse::<Role>() {
        Ok(r) => r,
        Err(e) => {
            return page(
                &state,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                Some(e.to_string()),
            )
            .await;
        }
    };
    match accounts::change_role(&state.app, &s.caller(), id, role).await {
        Ok(_) => Redirect::to("/settings/staff").into_response(),
        Err(e) => page(&state, &s, status_of(&e), None, None, Some(e.to_string())).await,
    }
}

/// The activation form.
#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    csrf: String,
    active: bool,
}

/// POST /settings/staff/{id}/active
pub async fn set_active(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<ActiveForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<UserId>() else {
        return crate::pages::not_found().await;
    };
    match accounts::set_active(&state.app, &s.caller(), id, form.active).await {
        Ok(_) => Redirect::to("/settings/staff").into_response(),
        Err(e) => page(&state, &s, status_of(&e), None, None, Some(e.to_string())).await,
    }
}

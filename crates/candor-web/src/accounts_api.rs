//! Staff and API tokens over the API: list colleagues, create, list and
//! revoke tokens.

use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use candor_app::accounts;
use candor_core::staff::Scope;
use candor_core::{TokenId, UserId};
use candor_store::access::ApiToken;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

/// A staff member as the API shows them.
#[derive(Serialize, ToSchema)]
pub struct StaffMember {
    id: String,
    email: String,
    name: String,
    role: String,
    active: bool,
    created_at: String,
}

/// GET /api/v1/staff
#[utoipa::path(get, path = "/api/v1/staff", tag = "accounts", responses((status = 200, description = "Every staff member of the workspace")), security(("bearer" = [])))]
pub async fn list_staff(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Read)?;
    let users = state.app.db.users(caller.workspace()).await?;
    let items: Vec<StaffMember> = users
        .into_iter()
        .map(|u| StaffMember {
            id: u.id.to_string(),
            email: u.email,
            name: u.name,
            role: u.role.to_string(),
            active: u.active,
            created_at: u.created_at.to_string(),
        })
        .collect();
    Ok(Json(json!({"items": items, "next_cursor": null})))
}

fn token_json(t: &ApiToken) -> Value {
    json!({
        "id": t.id.to_string(),
        "user_id": t.user_id.to_string(),
        "name": t.name,
        "prefix": t.prefix,
        "scopes": t.scopes,
        "created_at": t.created_at.to_string(),
        "last_used_at": t.last_used_at.map(|x| x.to_string()),
        "revoked_at": t.revoked_at.map(|x| x.to_string()),
    })
}

/// GET /api/v1/tokens
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", responses((status = 200, description = "Tokens the caller may see")), security(("bearer" = [])))]
pub async fn list_tokens(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Read)?;
    let tokens = accounts::list_tokens(&state.app, &caller).await?;
    Ok(Json(
        json!({"items": tokens.iter().map(token_json).collect::<Vec<_>>(), "next_cursor": null}),
    ))
}

/// A token to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// A label.
    name: String,
    /// read, write, admin; empty or absent: all the owner's role allows.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    scopes: Vec<Scope>,
    /// Whose token (admins only, for others); defaults to the caller.
    #[serde(default)]
    user_id: Option<String>,
}

/// POST /api/v1/tokens — the answer holds the secret, shown only this once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = NewToken, responses((status = 201, description = "The token, with its secret")), security(("bearer" = [])))]
pub async fn create_token(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require(Scope::Write)?;
    let owner = match body.user_id.as_deref() {
        None => caller.user.id,
        Some(id) => id.parse::<UserId>().map_err(|_| ApiError::not_found())?,
    };
    let (token, secret) = accounts::create_token_for(&state.app, &caller, owner, &body.name, &body.scopes).await?;
    let mut value = token_json(&token);
    value["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(value)))
}

/// POST /api/v1/tokens/{id}/revoke
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = "accounts", responses((status = 200, description = "The revoked token")), security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Write)?;
    let id = id.parse::<TokenId>().map_err(|_| ApiError::not_found())?;
    let token = accounts::revoke_token(&state.app, &caller, id).await?;
    Ok(Json(token_json(&token)))
}

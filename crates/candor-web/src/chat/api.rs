//! /api/v1/channels/chat/settings: the chat widget's settings for owners
//! and admins (the signing secret, the allowed origins), and replacing the secret.

use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::State;
use candor_app::chat::{ChatSettingsView, settings};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// A change to the settings.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    /// Origins allowed to open the chat (`https://shop.example.com`); empty allows every page.
    allowed_origins: Vec<String>,
}

fn answer(state: &WebState, slug: &str, v: &ChatSettingsView) -> Value {
    let base = state.config.public_url.clone().unwrap_or_default();
    json!({"secret": v.secret, "allowed_origins": v.allowed_origins, "updated_at": v.updated_at,
        "widget_url": format!("{base}/w/{slug}/widget.js")})
}

async fn slug(state: &WebState, caller: &candor_app::Caller) -> Result<String, ApiError> {
    Ok(state.app.db.workspace(caller.workspace()).await?.slug)
}

/// The chat settings (made with a fresh secret the first time).
#[utoipa::path(get, path = "/api/v1/channels/chat/settings", tag = "chat",
    responses((status = 200, description = "`{\"secret\", \"allowed_origins\", \"updated_at\", \"widget_url\"}`; `secret` is null when the server's key cannot open it"),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Value>, ApiError> {
    let v = settings::get(&state.app, &caller).await?;
    Ok(Json(answer(&state, &slug(&state, &caller).await?, &v)))
}

/// Replaces the allowed origins.
#[utoipa::path(put, path = "/api/v1/channels/chat/settings", tag = "chat", request_body = SettingsInput,
    responses((status = 200, description = "the settings"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<SettingsInput>,
) -> Result<Json<Value>, ApiError> {
    let v = settings::set_origins(&state.app, &caller, &input.allowed_origins).await?;
    Ok(Json(answer(&state, &slug(&state, &caller).await?, &v)))
}

/// Replaces the signing secret; signatures made with the old one stop working.
#[utoipa::path(post, path = "/api/v1/channels/chat/secret", tag = "chat",
    responses((status = 200, description = "the settings with the new secret"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rotate(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Value>, ApiError> {
    let v = settings::rotate_secret(&state.app, &caller).await?;
    Ok(Json(answer(&state, &slug(&state, &caller).await?, &v)))
}

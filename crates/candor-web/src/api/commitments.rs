//! Commitments over the API: read and publish (admins), and the public view.

use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use candor_app::commitments as ops;
use candor_core::commitments::Commitments;
use serde_json::{Value, json};

/// GET /api/v1/commitments — the version in force, or null.
#[utoipa::path(get, path = "/api/v1/commitments", tag = "commitments", responses((status = 200, description = "`{version, since, commitments}`")), security(("bearer" = [])))]
pub async fn get(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Value>, ApiError> {
    let current = ops::current(&state.app, &caller).await?;
    Ok(Json(match current {
        Some(v) => json!({"version": v.version, "since": v.created_at, "commitments": v.commitments}),
        None => json!({"version": null, "since": null, "commitments": null}),
    }))
}

/// PUT /api/v1/commitments — publishes a new version (owners and admins).
#[utoipa::path(put, path = "/api/v1/commitments", tag = "commitments", responses((status = 200, description = "`{version}`")), security(("bearer" = [])))]
pub async fn put(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<Commitments>,
) -> Result<Json<Value>, ApiError> {
    let version = ops::publish(&state.app, &caller, &body).await?;
    Ok(Json(json!({"version": version})))
}

/// GET /api/v1/public/{slug}/commitments — no sign-in.
#[utoipa::path(get, path = "/api/v1/public/{slug}/commitments", tag = "commitments", responses((status = 200, description = "`{workspace, commitments: [{…, measured}], measured, method}`: each commitment with its own figures, and the workspace's")))]
pub async fn public(State(state): State<WebState>, Path(slug): Path<String>) -> Result<Response, ApiError> {
    let answer = ops::public_answer(&state.app, &slug).await?;
    let headers = [
        (header::CONTENT_TYPE, "application/json"),
        // Kept a minute here as well (the page says so); the same as the HTML page.
        (header::CACHE_CONTROL, "public, max-age=60"),
    ];
    Ok((headers, answer.json.clone()).into_response())
}

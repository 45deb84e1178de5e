//! Trust over the API: the equation per customer, per agent and for the
//! workspace, with signals, trend and (for customers) the trajectory; the
//! alerts a falling trajectory raises.

use crate::api::ErrorBody;
use crate::api::common::{customer_error, path_id};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use candor_app::trust::{self, AgentLine, TrustView, alerts};
use candor_core::CustomerId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{OpenApi, ToSchema};

/// The trust routes under /api/v1.
pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/customers/{id}/trust", get(customer))
        .route("/agents/{id}/trust", get(agent))
        .route("/trust", get(workspace))
        .route("/trust/agents", get(agents))
        .route("/trust/alerts", get(list_alerts))
        .route("/trust/alerts/{id}/handle", post(handle_alert))
}

/// The trust calls' part of the API description.
#[derive(OpenApi)]
#[openapi(paths(customer, agent, workspace, agents, list_alerts, handle_alert))]
pub struct TrustDoc;

/// A customer's trust: `{score, percent, credibility, reliability, intimacy,
/// self_orientation, formula, scale, components, signals, trend, trajectory}`.
#[utoipa::path(get, path = "/api/v1/customers/{id}/trust", tag = "trust",
    responses((status = 200, description = "the score, its components, the signals behind them, the weekly trend of the last 12 weeks and the trajectory of steps"),
        (status = 308, description = "merged into another customer"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn customer(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
) -> Response {
    let id: CustomerId = match path_id(&raw) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match trust::customer(&state.app, &caller, id).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => customer_error(e, &uri, id),
    }
}

/// An agent's trust: what their contacts did for it (their own for anyone;
/// anyone's for admins and owners).
#[utoipa::path(get, path = "/api/v1/agents/{id}/trust", tag = "trust",
    responses((status = 200, description = "the score, components, signals and trend of the agent's contacts"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn agent(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<TrustView>, ApiError> {
    Ok(Json(trust::agent(&state.app, &caller, path_id(&raw)?).await?))
}

/// The workspace's trust: its customers' signals together.
#[utoipa::path(get, path = "/api/v1/trust", tag = "trust",
    responses((status = 200, description = "the score, components, signals and trend of all customers together")),
    security(("bearer" = [])))]
pub async fn workspace(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<TrustView>, ApiError> {
    Ok(Json(trust::workspace(&state.app, &caller).await?))
}

/// `{"items": [...]}`.
#[derive(Serialize)]
pub struct Items<T> {
    items: Vec<T>,
}

/// Every active agent's score and components, best first (admins and owners).
#[utoipa::path(get, path = "/api/v1/trust/agents", tag = "trust",
    responses((status = 200, description = "`{items: [{id, name, score, percent, components}]}`"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn agents(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Items<AgentLine>>, ApiError> {
    Ok(Json(Items {
        items: trust::agents(&state.app, &caller).await?,
    }))
}

/// Open alerts of falling trajectories, newest first, with each customer's latest steps.
#[utoipa::path(get, path = "/api/v1/trust/alerts", tag = "trust",
    params(("limit" = Option<u32>, Query)),
    responses((status = 200, description = "`{items: [{id, customer_id, customer_name, tier, reason, state, created_at, steps}]}`")),
    security(("bearer" = [])))]
pub async fn list_alerts(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Items<alerts::AlertView>>, ApiError> {
    let limit = crate::api::common::limit(&q)?;
    Ok(Json(Items {
        items: alerts::open(&state.app, &caller, limit).await?,
    }))
}

/// What was done about an alert.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandleBody {
    /// "reached_out" or "dismissed".
    how: String,
}

/// Marks an alert handled: someone reached out to the customer, or dismissed it.
#[utoipa::path(post, path = "/api/v1/trust/alerts/{id}/handle", tag = "trust", request_body = HandleBody,
    responses((status = 200, description = "the alert"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn handle_alert(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<HandleBody>,
) -> Result<Json<candor_store::trust::alerts::TrustAlert>, ApiError> {
    Ok(Json(
        alerts::handle(&state.app, &caller, path_id(&raw)?, &body.how).await?,
    ))
}

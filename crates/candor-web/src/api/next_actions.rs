//! The next best action over the API: a conversation's actions, and the
//! workspace's rules (everyone reads them; owners and admins change them).

use crate::api::common::path_id;
use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use candor_app::next_actions;
use candor_core::ConversationId;
use candor_core::next_action::{Action, Rules};
use serde::Serialize;
use utoipa::OpenApi;

/// `{"items": [action]}`.
#[derive(Serialize)]
pub struct Actions {
    /// Most pressing first.
    pub items: Vec<Action>,
}

/// What would serve the conversation's customer now, most pressing first:
/// `{items: [{kind, title, reason, promise_id?, product?, last_purchased_at?, count?, staff?, offer?}]}`.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/next-actions", tag = "next actions",
    responses((status = 200, description = "`{items: [{kind: promise-broken|promise-due|already-bought|win-back|call|offer, title, reason, …}]}`"),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn for_conversation(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Actions>, ApiError> {
    let id: ConversationId = path_id(&raw)?;
    let items = next_actions::for_conversation(&state.app, &caller, id).await?;
    Ok(Json(Actions { items }))
}

/// The workspace's next-best-action rules (the defaults until changed).
#[utoipa::path(get, path = "/api/v1/next-actions/rules", tag = "next actions",
    responses((status = 200, description = "`{promises: {enabled, due_within_hours, broken_within_days}, already_bought: {enabled}, win_back: {enabled, offer}, call: {enabled, tier_a, at_risk, owner_attribute}, offers: [{title, when, reason}]}`")),
    security(("bearer" = [])))]
pub async fn rules(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Rules>, ApiError> {
    Ok(Json(next_actions::rules(&state.app, &caller).await?))
}

/// Replaces the rules (owners and admins); absent parts take their
/// defaults. An offer's `when` is a segment query; errors name the field
/// (`offers[0].when`, with the character position).
#[utoipa::path(put, path = "/api/v1/next-actions/rules", tag = "next actions",
    responses((status = 200, description = "the rules as stored"), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_rules(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<Rules>,
) -> Result<Json<Rules>, ApiError> {
    Ok(Json(next_actions::put_rules(&state.app, &caller, body).await?))
}

/// The routes, under /api/v1.
pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/conversations/{id}/next-actions", get(for_conversation))
        .route("/next-actions/rules", get(rules).put(put_rules))
}

/// This part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(for_conversation, rules, put_rules))]
pub struct NextActionsDoc;

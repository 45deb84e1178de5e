//! The Pact over the API: promises (make, list, keep, make again), redress
//! for missed commitments, a conversation's clocks, and the caller's
//! notifications.

use crate::api::common::{List, limit, path_id};
use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use candor_app::breaches;
use candor_app::clocks::{self, ClockView};
use candor_app::promises::{self, MakePromise, Repromise};
use candor_core::promises::PromiseState;
use candor_core::{ConversationId, CustomerId, NotificationId, PromiseId, RedressId, UserId};
use candor_store::promises::{Promise, PromiseCursor, PromiseFilter};
use candor_store::redress::{Notification, Redress};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

fn bad_query(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(StatusCode::BAD_REQUEST, "invalid_field", field, message)
}

fn query_id<T: std::str::FromStr>(q: &HashMap<String, String>, key: &str) -> Result<Option<T>, ApiError> {
    match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| bad_query(key, "not a valid id")),
    }
}

/// Makes a promise to the customer of a conversation.
#[utoipa::path(post, path = "/api/v1/promises", tag = "promises",
    responses((status = 201, description = "the promise: `{id, state, conversation_id, customer_id, owner_id, description, kind, due_at, …}`"),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<MakePromise>,
) -> Result<(StatusCode, Json<Promise>), ApiError> {
    let p = promises::make(&state.app, &caller, &body, "api").await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Promises, soonest due first: `?state=open|kept|broken&owner=ID|me&conversation=ID&customer=ID`.
#[utoipa::path(get, path = "/api/v1/promises", tag = "promises",
    params(("state" = Option<String>, Query, description = "open, kept or broken"),
           ("owner" = Option<String>, Query, description = "a staff id, or me"),
           ("conversation" = Option<String>, Query), ("customer" = Option<String>, Query),
           ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "`{items: [promise], next_cursor}`"), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<Promise>>, ApiError> {
    let state_word = match q.get("state").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<PromiseState>().map_err(|m| bad_query("state", m))?),
    };
    let owner = match q.get("owner").map(|s| s.trim()) {
        Some("me") => Some(caller.user.id),
        _ => query_id::<UserId>(&q, "owner")?,
    };
    let filter = PromiseFilter {
        state: state_word,
        owner,
        conversation: query_id::<ConversationId>(&q, "conversation")?,
        customer: query_id::<CustomerId>(&q, "customer")?,
    };
    let limit = limit(&q)?;
    let after = match q.get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => {
            Some(PromiseCursor::decode(c).ok_or_else(|| bad_query("cursor", "this cursor is not one we gave out"))?)
        }
    };
    let (items, next) = promises::list(&state.app, &caller, &filter, after, limit).await?;
    Ok(Json(List {
        items,
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// One promise.
#[utoipa::path(get, path = "/api/v1/promises/{id}", tag = "promises",
    responses((status = 200, description = "the promise"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Promise>, ApiError> {
    let id: PromiseId = path_id(&raw)?;
    Ok(Json(promises::get(&state.app, &caller, id).await?))
}

/// Marks a promise kept (a kept one stays kept; a broken one answers 409).
#[utoipa::path(post, path = "/api/v1/promises/{id}/keep", tag = "promises",
    responses((status = 200, description = "the promise, kept"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn keep(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Promise>, ApiError> {
    let id: PromiseId = path_id(&raw)?;
    Ok(Json(promises::keep(&state.app, &caller, id).await?))
}

/// Makes a promise again with a reason and a new due time; the old one stays on record.
#[utoipa::path(post, path = "/api/v1/promises/{id}/repromise", tag = "promises",
    responses((status = 201, description = "the new promise, naming the old one in `replaces_id`"), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn repromise(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Repromise>,
) -> Result<(StatusCode, Json<Promise>), ApiError> {
    let id: PromiseId = path_id(&raw)?;
    let p = promises::repromise(&state.app, &caller, id, &body).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Redress for missed commitments, newest first: `?state=open|done`.
#[utoipa::path(get, path = "/api/v1/redress", tag = "promises",
    params(("state" = Option<String>, Query, description = "open or done"), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "`{items: [redress], next_cursor}`"), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn redress_list(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<Redress>>, ApiError> {
    let state_word = q.get("state").map(|s| s.trim()).filter(|s| !s.is_empty());
    if let Some(s) = state_word
        && !matches!(s, "open" | "done")
    {
        return Err(bad_query("state", "use open or done"));
    }
    let limit = limit(&q)?;
    let before = crate::api::common::cursor::<RedressId>(&q)?;
    let items = breaches::list(&state.app, &caller, state_word, before, limit + 1).await?;
    let more = items.len() > limit as usize;
    let items: Vec<Redress> = items.into_iter().take(limit as usize).collect();
    let next_cursor = if more {
        items.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(Json(List { items, next_cursor }))
}

/// Marks a redress done.
#[utoipa::path(post, path = "/api/v1/redress/{id}/done", tag = "promises",
    responses((status = 200, description = "the redress, done"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn redress_done(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Redress>, ApiError> {
    let id: RedressId = path_id(&raw)?;
    Ok(Json(breaches::mark_done(&state.app, &caller, id).await?))
}

/// The (edited) apology to send.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApologyBody {
    body: String,
}

/// Sends the drafted apology (as edited) to the customer and marks the redress done.
#[utoipa::path(post, path = "/api/v1/redress/{id}/send", tag = "promises",
    responses((status = 200, description = "the redress, done"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn redress_send(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ApologyBody>,
) -> Result<Json<Redress>, ApiError> {
    let id: RedressId = path_id(&raw)?;
    Ok(Json(breaches::send_apology(&state.app, &caller, id, &body.body).await?))
}

/// A conversation's commitment clocks: `{commitments_version, clocks: [{kind, state, started_at, due_at, met_at, warned, words}]}`.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/clocks", tag = "conversations",
    responses((status = 200, description = "the clocks"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn conversation_clocks(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: ConversationId = path_id(&raw)?;
    let (version, views): (Option<i64>, Vec<ClockView>) = clocks::of_conversation(&state.app, &caller, id).await?;
    Ok(Json(json!({"commitments_version": version, "clocks": views})))
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "promises",
    responses((status = 200, description = "`{items: [notification], next_cursor: null}`")), security(("bearer" = [])))]
pub async fn notifications(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<Notification>>, ApiError> {
    let limit = limit(&q)?;
    let items = breaches::notifications(&state.app, &caller, limit).await?;
    Ok(Json(List {
        items,
        next_cursor: None,
    }))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "promises",
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn notification_read(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: NotificationId = path_id(&raw)?;
    breaches::mark_read(&state.app, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! /api/v1/community: topics on a customer's behalf, official replies,
//! statuses, accepted answers, moderation; and the public, unauthenticated
//! list under /api/v1/public/{workspace}/community/topics.

use crate::api::ErrorBody;
use crate::api::common::{List, limit, path_id};
use crate::api::community_docs::{
    NewReplyDoc, NewTopicDoc, OutboxDoc, QueueDoc, ReplyDoc, StatusDoc, TopicDetailDoc, TopicDoc, TopicListDoc,
};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use candor_app::community::mail::Site;
use candor_app::community::moderation::{self, MoveInput};
use candor_app::community::posting::{self, TopicInput};
use candor_app::community::staff::{self, Accepter, SettingsInput, StaffReplyInput, StatusInput};
use candor_app::community::views::{ReplyView, StatusView, TopicDetail, TopicView};
use candor_app::community::{find, workspace_by_slug};
use candor_app::{AppError, Caller};
use candor_core::community::{ReplyId, TopicId, TopicKind, TopicStatus};
use candor_core::staff::Scope;
use candor_store::community::Topic;
use candor_store::community::reads::TopicFilter;
use candor_store::staff::Workspace;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The public base URL for links in emails.
pub fn base_url(state: &WebState) -> String {
    state
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| "http://localhost:8080".into())
}

pub(crate) async fn workspace_of(state: &WebState, caller: &Caller) -> Result<Workspace, ApiError> {
    Ok(state.app.db.workspace(caller.workspace()).await?)
}

fn topic_json(t: &Topic, ws: &Workspace) -> Value {
    serde_json::to_value(TopicView::of(t, &ws.slug)).unwrap_or(Value::Null)
}

/// A topic as the public sees it: no customer ids, no moderation state.
pub fn public_topic_json(t: &Topic, ws_slug: &str) -> Value {
    let mut v = serde_json::to_value(TopicView::of(t, ws_slug)).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("visibility");
        if let Some(a) = o.get_mut("author").and_then(|a| a.as_object_mut()) {
            a.remove("customer_id");
        }
    }
    v
}

fn created(v: Value) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// Posts a topic on a customer's behalf (e.g. an import).
#[utoipa::path(post, path = "/api/v1/community/topics", tag = "community", request_body = NewTopicDoc,
    responses((status = 201, body = TopicDoc), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_topic(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<TopicInput>,
) -> Result<Response, ApiError> {
    let t = posting::post_topic_for(&state.app, &caller, &input).await?;
    let ws = workspace_of(&state, &caller).await?;
    Ok(created(topic_json(&t, &ws)))
}

/// One topic with its replies (hidden and pending ones too) and status history.
#[utoipa::path(get, path = "/api/v1/community/topics/{id}", tag = "community",
    responses((status = 200, body = TopicDetailDoc), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_topic(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<TopicDetail>, ApiError> {
    caller.require(Scope::Read)?;
    let id: TopicId = path_id(&id)?;
    let ws = workspace_of(&state, &caller).await?;
    let t = state.app.db.topic(ws.id, id).await?;
    let replies = state.app.db.replies(ws.id, id, true).await?;
    let history = state.app.db.status_changes(ws.id, id).await?;
    Ok(Json(TopicDetail {
        topic: TopicView::of(&t, &ws.slug),
        replies_list: replies.iter().map(ReplyView::of).collect(),
        status_history: history.iter().map(StatusView::of).collect(),
    }))
}

/// Sets a problem's or idea's status with a candid note (sent to followers).
#[utoipa::path(patch, path = "/api/v1/community/topics/{id}", tag = "community", request_body = StatusDoc,
    responses((status = 200, body = TopicDoc), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_topic(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StatusInput>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Write)?;
    let id: TopicId = path_id(&id)?;
    let ws = workspace_of(&state, &caller).await?;
    let base = base_url(&state);
    let site = Site {
        base_url: &base,
        workspace: &ws,
    };
    let t = staff::set_status(&state.app, &caller, &site, id, &input).await?;
    Ok(Json(topic_json(&t, &ws)))
}

/// Replies as the token's user, officially unless `"official": false`.
#[utoipa::path(post, path = "/api/v1/community/topics/{id}/replies", tag = "community", request_body = NewReplyDoc,
    responses((status = 201, body = ReplyDoc), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_reply(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StaffReplyInput>,
) -> Result<Response, ApiError> {
    caller.require(Scope::Write)?;
    let id: TopicId = path_id(&id)?;
    let ws = workspace_of(&state, &caller).await?;
    let base = base_url(&state);
    let site = Site {
        base_url: &base,
        workspace: &ws,
    };
    let r = staff::reply_as_staff(&state.app, &caller, &site, id, &input).await?;
    Ok(created(serde_json::to_value(ReplyView::of(&r)).unwrap_or(Value::Null)))
}

/// The body of an accepted answer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The reply, or null to clear.
    reply_id: Option<String>,
}

/// Accepts a reply as a question's answer (`null` clears it).
#[utoipa::path(post, path = "/api/v1/community/topics/{id}/accept", tag = "community",
    responses((status = 200, body = TopicDoc), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn accept(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> Result<Json<Value>, ApiError> {
    let id: TopicId = path_id(&id)?;
    let reply = match body.reply_id.as_deref() {
        None => None,
        Some(r) => Some(
            r.parse::<ReplyId>()
                .map_err(|_| AppError::invalid("reply_id", "not a reply id"))?,
        ),
    };
    let t = staff::accept_answer(&state.app, Accepter::Staff(&caller), id, reply).await?;
    let ws = workspace_of(&state, &caller).await?;
    Ok(Json(topic_json(&t, &ws)))
}

/// `{"hidden": bool}`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HideBody {
    hidden: bool,
}

/// `{"locked": bool}`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockBody {
    locked: bool,
}

/// `{"into": "TOPIC_ID"}`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    into: String,
}

/// Hides a topic (`{"hidden": true}`) or shows it again.
#[utoipa::path(post, path = "/api/v1/community/topics/{id}/hide", tag = "community",
    responses((status = 200, body = TopicDoc), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn hide_topic(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<HideBody>,
) -> Result<Json<Value>, ApiError> {
    let id: TopicId = path_id(&id)?;
    let t = moderation::set_topic_hidden(&state.app, &caller, id, body.hidden).await?;
    Ok(Json(topic_json(&t, &workspace_of(&state, &caller).await?)))
}

/// Locks a topic (`{"locked": true}`) or unlocks it.
#[utoipa::path(post, path = "/api/v1/community/topics/{id}/lock", tag = "community",
    responses((status = 200, body = TopicDoc), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn lock_topic(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LockBody>,
) -> Result<Json<Value>, ApiError> {
    let id: TopicId = path_id(&id)?;
    let t = moderation::set_locked(&state.app, &caller, id, body.locked).await?;
    Ok(Json(topic_json(&t, &workspace_of(&state, &caller).await?)))
}

/// Merges this duplicate topic into another; answers with the survivor.
#[utoipa::path(post, path = "/api/v1/community/topics/{id}/merge", tag = "community",
    responses((status = 200, body = TopicDoc), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn merge_topic(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MergeBody>,
) -> Result<Json<Value>, ApiError> {
    let id: TopicId = path_id(&id)?;
    let into: TopicId = body
        .into
        .parse()
        .map_err(|_| AppError::invalid("into", "not a topic id"))?;
    let t = moderation::merge(&state.app, &caller, id, into).await?;
    Ok(Json(topic_json(&t, &workspace_of(&state, &caller).await?)))
}

/// Moves a topic to another kind and/or other tags.
#[utoipa::path(post, path = "/api/v1/community/topics/{id}/move", tag = "community",
    responses((status = 200, body = TopicDoc), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn move_topic(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MoveInput>,
) -> Result<Json<Value>, ApiError> {
    let id: TopicId = path_id(&id)?;
    let t = moderation::move_topic(&state.app, &caller, id, &body).await?;
    Ok(Json(topic_json(&t, &workspace_of(&state, &caller).await?)))
}

/// Hides a reply (`{"hidden": true}`) or shows it again.
#[utoipa::path(post, path = "/api/v1/community/replies/{id}/hide", tag = "community",
    responses((status = 200, body = ReplyDoc), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn hide_reply(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<HideBody>,
) -> Result<Json<ReplyView>, ApiError> {
    let id: ReplyId = path_id(&id)?;
    let r = moderation::set_reply_hidden(&state.app, &caller, id, body.hidden).await?;
    Ok(Json(ReplyView::of(&r)))
}

/// Topics and replies waiting in the moderation queue.
#[utoipa::path(get, path = "/api/v1/community/moderation", tag = "community",
    responses((status = 200, body = QueueDoc)), security(("bearer" = [])))]
pub async fn queue(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Value>, ApiError> {
    let q = moderation::queue(&state.app, &caller).await?;
    let ws = workspace_of(&state, &caller).await?;
    let topics: Vec<Value> = q.topics.iter().map(|t| topic_json(t, &ws)).collect();
    let replies: Vec<ReplyView> = q.replies.iter().map(|(r, _)| ReplyView::of(r)).collect();
    Ok(Json(json!({"topics": topics, "replies": replies})))
}

async fn decide(state: &WebState, caller: &Caller, id: &str, approve: bool) -> Result<Json<Value>, ApiError> {
    let id: uuid::Uuid = path_id(id)?;
    moderation::decide(&state.app, caller, id, approve).await?;
    let decision = if approve { "approved" } else { "rejected" };
    Ok(Json(json!({"id": id.to_string(), "decision": decision})))
}

/// Publishes a topic or reply waiting in the queue.
#[utoipa::path(post, path = "/api/v1/community/moderation/{id}/approve", tag = "community",
    responses((status = 200, description = "{\"id\", \"decision\": \"approved\"}"), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn approve(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    decide(&state, &caller, &id, true).await
}

/// Rejects a topic or reply waiting in the queue.
#[utoipa::path(post, path = "/api/v1/community/moderation/{id}/reject", tag = "community",
    responses((status = 200, description = "{\"id\", \"decision\": \"rejected\"}"), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reject(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    decide(&state, &caller, &id, false).await
}

/// Published topics still waiting for an official reply, oldest first.
#[utoipa::path(get, path = "/api/v1/community/waiting", tag = "community",
    responses((status = 200, body = TopicListDoc)), security(("bearer" = [])))]
pub async fn waiting(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<Value>>, ApiError> {
    caller.require(Scope::Read)?;
    let ws = workspace_of(&state, &caller).await?;
    let topics = state.app.db.topics_waiting(ws.id, limit(&q)?).await?;
    Ok(Json(List {
        items: topics.iter().map(|t| topic_json(t, &ws)).collect(),
        next_cursor: None,
    }))
}

/// The community's settings.
#[utoipa::path(patch, path = "/api/v1/community/settings", tag = "community",
    responses((status = 200, description = "{\"moderate_first_posts\", \"about\"}"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_settings(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<SettingsInput>,
) -> Result<Json<Value>, ApiError> {
    let s = staff::update_settings(&state.app, &caller, &input).await?;
    Ok(Json(json!(s)))
}

/// Outgoing emails, newest first (sign-in links are left out).
#[utoipa::path(get, path = "/api/v1/community/outbox", tag = "community",
    responses((status = 200, body = Vec<OutboxDoc>)), security(("bearer" = [])))]
pub async fn outbox(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<Value>>, ApiError> {
    caller.require(Scope::Admin)?;
    let rows = state.app.db.outbox(caller.workspace(), limit(&q)?).await?;
    Ok(Json(List {
        items: rows.iter().map(|e| json!(e)).collect(),
        next_cursor: None,
    }))
}

fn bad_query(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(StatusCode::BAD_REQUEST, "invalid_field", field, message)
}

/// `?cursor=` of the public list: micros and id.
pub fn parse_cursor(raw: &str) -> Option<(jiff::Timestamp, TopicId)> {
    let (at, id) = raw.split_once('_')?;
    Some((candor_core::clock::from_micros(at.parse().ok()?), id.parse().ok()?))
}

/// The cursor of a page's last topic.
pub fn make_cursor(next: Option<(jiff::Timestamp, TopicId)>) -> Option<String> {
    next.map(|(at, id)| format!("{}_{id}", candor_core::clock::to_micros(at)))
}

/// The filter of a public list from its query; errors name the parameter.
pub fn filter_of(q: &HashMap<String, String>) -> Result<TopicFilter, ApiError> {
    let nonempty = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let kind = match nonempty("kind") {
        Some(k) => Some(k.parse::<TopicKind>().map_err(|e| bad_query("kind", e.to_string()))?),
        None => None,
    };
    let status = match nonempty("status") {
        Some(s) => Some(
            s.parse::<TopicStatus>()
                .map_err(|e| bad_query("status", e.to_string()))?,
        ),
        None => None,
    };
    let tag = nonempty("tag").map(|t| t.to_lowercase());
    let before = match nonempty("cursor") {
        Some(c) => Some(parse_cursor(c).ok_or_else(|| bad_query("cursor", "this cursor is not one we gave out"))?),
        None => None,
    };
    Ok(TopicFilter {
        kind,
        tag,
        status,
        before,
    })
}

/// The public list of a community's topics (no sign-in): `?kind=&tag=&status=&q=`.
#[utoipa::path(get, path = "/api/v1/public/{workspace}/community/topics", tag = "community",
    params(("kind" = Option<String>, Query), ("tag" = Option<String>, Query), ("status" = Option<String>, Query),
           ("q" = Option<String>, Query, description = "full-text search; results come best first on one page"),
           ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = TopicListDoc), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn public_topics(
    State(state): State<WebState>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<Value>>, ApiError> {
    let ws = workspace_by_slug(&state.app, &slug).await?;
    let limit = limit(&q)?;
    let filter = filter_of(&q)?;
    if let Some(text) = q.get("q").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let found = find::search(&state.app, ws.id, text, limit).await?;
        let items = found
            .iter()
            .filter(|t| filter.kind.is_none_or(|k| t.kind == k))
            .filter(|t| filter.status.is_none_or(|s| t.status == s))
            .filter(|t| filter.tag.as_ref().is_none_or(|g| t.tags.contains(g)))
            .map(|t| public_topic_json(t, &ws.slug))
            .collect();
        return Ok(Json(List {
            items,
            next_cursor: None,
        }));
    }
    let page = state.app.db.list_topics(ws.id, &filter, limit).await?;
    Ok(Json(List {
        items: page.items.iter().map(|t| public_topic_json(t, &ws.slug)).collect(),
        next_cursor: make_cursor(page.next),
    }))
}

//! Social listening: /api/v1/channels/social/mentions (the listening
//! service's webhook), the mention stream, monitoring rules and alerts.

use crate::api::common::{List, cursor, limit, path_id};
use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use candor_app::Caller;
use candor_app::social::alerts::{self, AlertView};
use candor_app::social::rules::{self, NewRule, RuleView};
use candor_app::social::{self, MentionView, NewMention};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::social::Sentiment;
use candor_core::{MentionId, SocialAlertId, SocialRuleId};
use candor_store::social::MentionFilter;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use utoipa::ToSchema;

fn bad_query(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(StatusCode::BAD_REQUEST, "invalid_field", field, message)
}

/// A mention as the listening service sends it (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MentionRequestDoc {
    /// twitter (or x), instagram, facebook, linkedin, mastodon, tiktok, youtube, reddit, bluesky, threads, github.
    platform: String,
    /// The post's link (http or https only).
    post_url: String,
    /// The author's handle, with or without "@".
    author_handle: String,
    /// The author's display name.
    author_name: Option<String>,
    /// What the post says.
    text: String,
    /// RFC 3339.
    posted_at: String,
    /// The link of the post it answers.
    in_reply_to: Option<String>,
    /// The platform's id of the post; without it the link identifies the post.
    external_id: Option<String>,
}

/// A stored mention (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MentionDoc {
    id: String,
    platform: String,
    post_url: String,
    author_handle: String,
    author_name: String,
    text: String,
    posted_at: String,
    in_reply_to: Option<String>,
    external_id: Option<String>,
    /// The customer with the social identity platform:handle, if any.
    customer_id: Option<String>,
    /// -1 to 1.
    sentiment: f64,
    /// negative, neutral or positive.
    sentiment_label: String,
    language: Option<String>,
    /// The social conversation a reply in Candor opened.
    conversation_id: Option<String>,
    /// Answered, reached out to, or dismissed.
    handled: bool,
    created_at: String,
}

/// A monitoring rule as sent (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RuleRequestDoc {
    /// Optional; the description by default.
    name: Option<String>,
    /// keyword, sentiment_below, author_tier or volume_spike.
    kind: String,
    /// keyword: words or phrases, any of which fires (case-insensitive, whole words).
    words: Option<Vec<String>>,
    /// sentiment_below: fires below this score (-1 to 1).
    threshold: Option<f64>,
    /// volume_spike: fires when more than `count` mentions…
    count: Option<i64>,
    /// …are posted within `minutes` (once per spike).
    minutes: Option<i64>,
}

/// Stores a post that mentions the company, matches its author to a
/// customer by social identity, reads its sentiment and language, and checks
/// the monitoring rules. The same post again (`external_id`, else
/// `post_url`) answers 200 with the stored mention.
#[utoipa::path(post, path = "/api/v1/channels/social/mentions", tag = "channels",
    request_body = MentionRequestDoc,
    responses((status = 201, description = "`{\"mention\": mention, \"alerts\": [{\"id\", \"rule_id\", \"reason\"}], \"duplicate\": false}`", body = MentionDoc),
        (status = 200, description = "received before: the stored mention, `duplicate: true`"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn receive(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<NewMention>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let r = social::receive(&state.app, &caller, &input).await?;
    let alerts: Vec<Value> = r
        .alerts
        .iter()
        .map(|a| json!({"id": a.id, "rule_id": a.rule_id, "reason": a.reason}))
        .collect();
    let status = if r.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({"mention": MentionView::of(&r.mention), "alerts": alerts, "duplicate": r.duplicate})),
    ))
}

/// Reads the stream's filters.
pub fn filter_of(q: &HashMap<String, String>) -> Result<MentionFilter, ApiError> {
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut f = MentionFilter::default();
    if let Some(p) = get("platform") {
        let id = Identity::parse(IdentityKind::Social, &format!("{p}:x"), None)
            .map_err(|e| bad_query("platform", e.to_string()))?;
        f.platform = id.social_parts().map(|(p, _)| p.to_string());
    }
    if let Some(s) = get("sentiment") {
        f.sentiment = Some(
            s.parse::<Sentiment>()
                .map_err(|e| bad_query("sentiment", e.to_string()))?,
        );
    }
    f.handled = match get("handled") {
        None => None,
        Some("true") | Some("1") | Some("yes") => Some(true),
        Some("false") | Some("0") | Some("no") => Some(false),
        Some(_) => return Err(bad_query("handled", "true or false")),
    };
    if let Some(c) = get("customer") {
        f.customer = Some(c.parse().map_err(|_| bad_query("customer", "not a customer id"))?);
    }
    Ok(f)
}

/// The mention stream, newest first.
#[utoipa::path(get, path = "/api/v1/social/mentions", tag = "social",
    params(("platform" = Option<String>, Query), ("sentiment" = Option<String>, Query, description = "negative, neutral or positive"),
        ("handled" = Option<bool>, Query), ("customer" = Option<String>, Query),
        ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = Vec<MentionDoc>, description = "`{\"items\": [mention], \"next_cursor\"}`"), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<MentionView>>, ApiError> {
    let f = filter_of(&q)?;
    let (items, next) = social::list(&state.app, &caller, &f, cursor::<MentionId>(&q)?, limit(&q)?).await?;
    Ok(Json(List {
        items: items.iter().map(MentionView::of).collect(),
        next_cursor: next.map(|n| n.to_string()),
    }))
}

/// One mention.
#[utoipa::path(get, path = "/api/v1/social/mentions/{id}", tag = "social",
    responses((status = 200, body = MentionDoc), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<MentionView>, ApiError> {
    let m = social::get(&state.app, &caller, path_id(&raw)?).await?;
    Ok(Json(MentionView::of(&m)))
}

/// A reply written in Candor.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// The reply's text.
    #[serde(default)]
    body: String,
}

/// Records a reply to a mention as an outbound message in a social
/// conversation (the author becomes a customer if unknown). Posting it on
/// the platform is the agent's step: `post_url` is the post to answer.
#[utoipa::path(post, path = "/api/v1/social/mentions/{id}/reply", tag = "social",
    request_body = ReplyBody,
    responses((status = 201, description = "`{\"conversation_id\", \"message\", \"post_url\"}`"), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reply(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<ReplyBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let r = alerts::reply(&state.app, &caller, path_id(&raw)?, &input.body).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"conversation_id": r.conversation_id, "message": r.message, "post_url": r.post_url})),
    ))
}

/// The workspace's monitoring rules (owners and admins).
#[utoipa::path(get, path = "/api/v1/social/rules", tag = "social",
    responses((status = 200, description = "`{\"items\": [{\"id\", \"name\", \"kind\", \"description\", \"spec\", \"created_at\"}]}`"),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_rules(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<List<RuleView>>, ApiError> {
    let items = rules::list(&state.app, &caller).await?;
    Ok(Json(List {
        items: items.iter().map(RuleView::of).collect(),
        next_cursor: None,
    }))
}

/// Adds a monitoring rule (owners and admins).
#[utoipa::path(post, path = "/api/v1/social/rules", tag = "social",
    request_body = RuleRequestDoc,
    responses((status = 201, description = "the rule"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_rule(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<NewRule>,
) -> Result<(StatusCode, Json<RuleView>), ApiError> {
    let r = rules::add(&state.app, &caller, &input).await?;
    Ok((StatusCode::CREATED, Json(RuleView::of(&r))))
}

/// Removes a monitoring rule (owners and admins); its alerts stay.
#[utoipa::path(delete, path = "/api/v1/social/rules/{id}", tag = "social",
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_rule(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    rules::remove(&state.app, &caller, path_id::<SocialRuleId>(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open alerts, newest first, each with its mention ("Reach out first").
#[utoipa::path(get, path = "/api/v1/social/alerts", tag = "social",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "`{\"items\": [{\"id\", \"reason\", \"rule\", \"created_at\", \"mention\", \"customer_name\"}], \"next_cursor\"}`")),
    security(("bearer" = [])))]
pub async fn list_alerts(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<AlertView>>, ApiError> {
    let (items, next) = alerts::open(&state.app, &caller, cursor::<SocialAlertId>(&q)?, limit(&q)?).await?;
    Ok(Json(List {
        items,
        next_cursor: next.map(|n| n.to_string()),
    }))
}

/// Reaching out.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReachOutBody {
    /// The first message, sent at once (optional: without it the conversation waits for the agent's reply).
    #[serde(default)]
    body: Option<String>,
}

/// Starts a proactive conversation from an alert (email when the customer
/// has an address, else the mention's platform), assigned to the caller, and
/// marks the mention's alerts handled. Again: the same conversation.
#[utoipa::path(post, path = "/api/v1/social/alerts/{id}/reach-out", tag = "social",
    request_body = ReachOutBody,
    responses((status = 201, description = "the conversation, as GET /api/v1/conversations/{id}"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reach_out(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // The body is optional: nothing (or `{}`) starts the conversation without a message.
    let input: ReachOutBody = if body.iter().all(u8::is_ascii_whitespace) {
        ReachOutBody::default()
    } else {
        crate::json::parse(&body)?
    };
    let id = alerts::reach_out(&state.app, &caller, path_id(&raw)?, input.body.as_deref()).await?;
    let view = conversation(&state, &caller, id).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn conversation(state: &WebState, caller: &Caller, id: candor_core::ConversationId) -> Result<Value, ApiError> {
    let v = candor_app::conversations::full(&state.app, caller, id).await?;
    serde_json::to_value(v).map_err(|e| ApiError::from(candor_app::AppError::Internal(e.to_string())))
}

/// Dismisses an alert (and the mention's other open alerts) without reaching out.
#[utoipa::path(post, path = "/api/v1/social/alerts/{id}/dismiss", tag = "social",
    responses((status = 204, description = "dismissed"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn dismiss(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    alerts::dismiss(&state.app, &caller, path_id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

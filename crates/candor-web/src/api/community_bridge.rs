//! Between the community and the inbox: a topic moves into a private
//! conversation, and a solved conversation is published as a topic.

use crate::api::ErrorBody;
use crate::api::common::path_id;
use crate::api::community::{base_url, workspace_of};
use crate::api::community_docs::TopicDoc;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use candor_app::community::bridge::{self, MoveToConversation, PublishConversation};
use candor_app::community::views::TopicView;
use candor_core::ConversationId;
use candor_core::community::TopicId;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// The body of a move to a private conversation.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MoveDoc {
    /// The note left on the public topic (a plain default when empty).
    public_note: Option<String>,
}

/// The body of a publication.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PublishDoc {
    /// The topic's title; the conversation's subject when absent.
    title: Option<String>,
    /// The opening post, Markdown, as the customer agreed to publish it.
    body: String,
    /// question (default), problem, idea or praise
    kind: Option<String>,
    /// Tags; the conversation's when absent.
    tags: Option<Vec<String>>,
    /// How the customer agreed, e.g. "replied 'yes, publish it' on 3 March". Required.
    consent: String,
}

/// Moves a topic into a private conversation with its poster; the topic keeps
/// a public note and is locked. Moving it again answers with the same conversation.
#[utoipa::path(post, path = "/api/v1/community/topics/{id}/conversation", tag = "community", request_body = MoveDoc,
    responses((status = 201, description = "`{\"topic\", \"conversation\"}`"), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn move_to_conversation(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MoveToConversation>,
) -> Result<Response, ApiError> {
    let id: TopicId = path_id(&id)?;
    let base = base_url(&state);
    let (topic, conversation) = bridge::move_to_conversation(&state.app, &caller, &base, id, &input).await?;
    let ws = workspace_of(&state, &caller).await?;
    let body = json!({"topic": TopicView::of(&topic, &ws.slug), "conversation": conversation});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Publishes a solved conversation as a community topic under the customer's
/// name; `consent` says how the customer agreed.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/publish", tag = "community", request_body = PublishDoc,
    responses((status = 201, body = TopicDoc), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish_conversation(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PublishConversation>,
) -> Result<Response, ApiError> {
    let id: ConversationId = path_id(&id)?;
    let topic = bridge::publish_conversation(&state.app, &caller, id, &input).await?;
    let ws = workspace_of(&state, &caller).await?;
    let body = serde_json::to_value(TopicView::of(&topic, &ws.slug)).unwrap_or(Value::Null);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

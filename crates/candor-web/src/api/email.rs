//! /api/v1/channels/email: raw emails pushed by a provider's webhook, and
//! the workspace's mailboxes.

use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::state::WebState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;

/// Where an inbound email went.
#[derive(Serialize, ToSchema)]
pub struct InboundAnswer {
    /// The conversation it joined or opened.
    conversation_id: String,
    /// The stored message.
    message_id: String,
    /// It had been received before; nothing changed.
    duplicate: bool,
    /// False when it could not be read: kept raw, conversation tagged "could-not-read".
    readable: bool,
    /// "auto-reply" or "bounce" when it was one.
    automated: Option<String>,
}

/// Takes a raw RFC 822 email (`Content-Type: message/rfc822`) through the
/// same path as mail fetched by IMAP. The same Message-ID again changes nothing.
#[utoipa::path(post, path = "/api/v1/channels/email/inbound", tag = "channels",
    request_body(content = String, content_type = "message/rfc822", description = "the raw email"),
    responses((status = 202, body = InboundAnswer), (status = 400, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn inbound(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<InboundAnswer>), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.trim_start().starts_with("message/rfc822") {
        return Err(ApiError::field(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_field",
            "Content-Type",
            "send the raw email with Content-Type: message/rfc822",
        ));
    }
    let r = candor_email::inbound::receive_as(&state.app, &caller, &body).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(InboundAnswer {
            conversation_id: r.conversation_id.to_string(),
            message_id: r.message_id.to_string(),
            duplicate: r.duplicate,
            readable: r.readable,
            automated: r.automated.map(str::to_string),
        }),
    ))
}

//! /api/v1/channels/email: raw emails pushed by a provider's webhook, and
//! the workspace's mailboxes.

use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use candor_email::mailboxes::{self, MailboxView, TestReport};
use candor_email::settings::MailboxInput;
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

fn mailbox_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such mailbox"))
}

/// The workspace's mailboxes (owners and admins), never their passwords.
#[utoipa::path(get, path = "/api/v1/channels/email/mailboxes", tag = "channels",
    responses((status = 200, description = "`{\"items\": [mailbox]}`"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_mailboxes(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let items = mailboxes::list(&state.app, &caller).await?;
    Ok(Json(serde_json::json!({"items": items, "next_cursor": null})))
}

/// Adds a mailbox: `{"address", "imap_host", "imap_port", "imap_tls", "imap_user", "imap_password",
/// "folder", "after_import", "move_to", "smtp_host", "smtp_port", "smtp_tls", "smtp_user", "smtp_password", "enabled"}`.
#[utoipa::path(post, path = "/api/v1/channels/email/mailboxes", tag = "channels",
    responses((status = 201, description = "the mailbox"), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_mailbox(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<MailboxInput>,
) -> Result<(StatusCode, Json<MailboxView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(mailboxes::create(&state.app, &caller, &input).await?),
    ))
}

/// One mailbox.
#[utoipa::path(get, path = "/api/v1/channels/email/mailboxes/{id}", tag = "channels",
    responses((status = 200, description = "the mailbox"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_mailbox(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<MailboxView>, ApiError> {
    Ok(Json(mailboxes::get(&state.app, &caller, mailbox_id(&raw)?).await?))
}

/// Replaces a mailbox's settings; empty passwords keep the stored ones.
#[utoipa::path(put, path = "/api/v1/channels/email/mailboxes/{id}", tag = "channels",
    responses((status = 200, description = "the mailbox"), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_mailbox(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<MailboxInput>,
) -> Result<Json<MailboxView>, ApiError> {
    Ok(Json(
        mailboxes::update(&state.app, &caller, mailbox_id(&raw)?, &input).await?,
    ))
}

/// Removes a mailbox (its mail stays).
#[utoipa::path(delete, path = "/api/v1/channels/email/mailboxes/{id}", tag = "channels",
    responses((status = 204, description = "removed"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_mailbox(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    mailboxes::delete(&state.app, &caller, mailbox_id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reaches the mailbox's IMAP and SMTP servers now and says what failed, if anything.
#[utoipa::path(post, path = "/api/v1/channels/email/mailboxes/{id}/test", tag = "channels",
    responses((status = 200, description = "`{\"ok\", \"imap\", \"smtp\"}`"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn test_mailbox(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<TestReport>, ApiError> {
    Ok(Json(mailboxes::test(&state.app, &caller, mailbox_id(&raw)?).await?))
}

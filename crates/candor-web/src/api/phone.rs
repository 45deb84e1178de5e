//! /api/v1/channels/phone/calls: calls logged by the telephony system.

use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use candor_app::phone::{self, LogCall};
use utoipa::ToSchema;

/// A call as the telephony system reports it (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CallRequestDoc {
    /// The calling number: E.164 (`+49 30 1234567`), or national with `region`.
    from: String,
    /// The called number.
    to: String,
    /// "inbound" (the customer called) or "outbound" (an agent called the customer).
    direction: String,
    /// RFC 3339, e.g. 2026-03-03T10:00:00Z.
    started_at: String,
    /// Seconds; 0 by default.
    duration: Option<i64>,
    /// A link to the recording (http or https only).
    recording_url: Option<String>,
    /// The transcript or notes, shown in the conversation.
    transcript: Option<String>,
    /// The staff member on the call: id or email. Required for outbound calls.
    agent: Option<String>,
    /// "answered" (default), "missed" or "voicemail".
    status: Option<String>,
    /// The telephony system's id: the same call sent again is stored once.
    external_id: Option<String>,
    /// Two-letter country code used to read national numbers, e.g. "DE".
    region: Option<String>,
    /// The name for a customer created for an unknown number.
    name: Option<String>,
    /// A known customer's id: the call is theirs, and `from`/`to` may be left out.
    customer_id: Option<String>,
}

/// A logged call (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CallDoc {
    id: String,
    direction: String,
    status: String,
    /// E.164
    from: String,
    /// E.164
    to: String,
    started_at: String,
    /// Seconds.
    duration: i64,
    recording_url: Option<String>,
    agent_id: Option<String>,
    external_id: Option<String>,
    /// The message that tells the call in its conversation.
    message_id: String,
    /// For an unanswered inbound call: when the call-back is due.
    callback_due_at: Option<String>,
    /// The call-back promise, once the conversation has an assignee who owes it.
    callback_promise_id: Option<String>,
}

/// The answer to a logged call (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CallAnswerDoc {
    call: CallDoc,
    /// The phone conversation the call is in (as GET /api/v1/conversations/{id}, without messages).
    conversation: serde_json::Value,
    /// The customer on the line (as GET /api/v1/customers/{id}).
    customer: serde_json::Value,
    /// True when this call had been logged before (same external_id): nothing changed.
    duplicate: bool,
}

/// Logs a call on the customer with that phone number (a new customer for an
/// unknown number), as a message in their phone conversation. An unanswered
/// inbound call (missed or voicemail) adds a call-back promise. The same
/// `external_id` again answers 200 with the stored call.
#[utoipa::path(post, path = "/api/v1/channels/phone/calls", tag = "channels",
    request_body = CallRequestDoc,
    responses((status = 201, body = CallAnswerDoc), (status = 200, body = CallAnswerDoc, description = "logged before"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn log_call(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<LogCall>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let logged = phone::log_call(&state.app, &caller, &input).await?;
    let status = if logged.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(phone::answer(&state.app, &caller, &logged).await?)))
}

//! /api/v1/conversations: open (through the ingest path), list, read, add
//! messages and notes, change, say "typing", attach and download files.

use crate::api::common::{List, limit, path_id};
use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use crate::uploads;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use candor_app::conversations::{self, ConversationView, CreateConversation, MessageView, UpdateConversation};
use candor_core::conversation::{Channel, Priority, Status, UnknownWord};
use candor_core::{AttachmentId, ConversationId, CustomerId, TeamId, UserId};
use candor_store::conversations::{Cursor, Filter};
use http_body_util::BodyExt;
use serde::Deserialize;
use std::collections::HashMap;

fn bad_query(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(StatusCode::BAD_REQUEST, "invalid_field", field, message)
}

fn word<T: std::str::FromStr<Err = UnknownWord>>(
    q: &HashMap<String, String>,
    key: &str,
) -> Result<Option<T>, ApiError> {
    match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|e: UnknownWord| bad_query(key, e.to_string())),
    }
}

fn id<T: std::str::FromStr>(q: &HashMap<String, String>, key: &str) -> Result<Option<T>, ApiError> {
    match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| bad_query(key, "not a valid id")),
    }
}

/// Reads the list filters of `?status=&assignee=&team=&channel=&priority=&language=&tag=&customer=`.
pub fn filter_of(q: &HashMap<String, String>) -> Result<Filter, ApiError> {
    let mut f = Filter::default();
    if let Some(raw) = q.get("status").filter(|s| !s.trim().is_empty()) {
        for s in raw.split(',') {
            let s: Status = s.parse().map_err(|e: UnknownWord| bad_query("status", e.to_string()))?;
            f.statuses.push(s);
        }
    }
    match q.get("assignee").map(|s| s.trim()) {
        Some("none") => f.unassigned = true,
        _ => f.assignee = id::<UserId>(q, "assignee")?,
    }
    f.teams = id::<TeamId>(q, "team")?.map(|t| vec![t]);
    f.channel = word::<Channel>(q, "channel")?;
    f.priority = word::<Priority>(q, "priority")?;
    f.language = q
        .get("language")
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty());
    f.tag = q.get("tag").map(|l| l.trim().to_lowercase()).filter(|l| !l.is_empty());
    f.customer = id::<CustomerId>(q, "customer")?;
    Ok(f)
}

/// Conversations, latest activity first.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations",
    params(("status" = Option<String>, Query, description = "open, pending, solved or closed (comma-separated for several)"),
           ("assignee" = Option<String>, Query, description = "a staff id, or none for unassigned"),
           ("team" = Option<String>, Query), ("channel" = Option<String>, Query), ("priority" = Option<String>, Query),
           ("language" = Option<String>, Query), ("tag" = Option<String>, Query), ("customer" = Option<String>, Query),
           ("breaching" = Option<String>, Query, description = "soon: a commitment clock has reached its warning share"),
           ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "`{items: [conversation], next_cursor}`"), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<ConversationView>>, ApiError> {
    let mut filter = filter_of(&q)?;
    match q.get("breaching").map(|b| b.trim()).filter(|b| !b.is_empty()) {
        None => {}
        // The warning has fired, or the target is within its warning share.
        Some("soon") => filter.breaching_by = Some(state.app.now()),
        Some(_) => return Err(bad_query("breaching", "use breaching=soon")),
    }
    let limit = limit(&q)?;
    let after = match q.get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(Cursor::decode(c).ok_or_else(|| bad_query("cursor", "this cursor is not one we gave out"))?),
    };
    let page = conversations::list(&state.app, &caller, &filter, after, limit).await?;
    Ok(Json(List {
        items: page
            .items
            .iter()
            .map(|(c, name)| ConversationView::of(c, Some(name.clone())))
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// Opens a conversation with the customer's first message (the ingest path).
#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations",
    responses((status = 201, description = "the conversation with its messages"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<CreateConversation>,
) -> Result<(StatusCode, Json<ConversationView>), ApiError> {
    let v = conversations::create(&state.app, &caller, &input).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One conversation with its messages, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    responses((status = 200, description = "the conversation with `messages`"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<ConversationView>, ApiError> {
    let id: ConversationId = path_id(&raw)?;
    Ok(Json(conversations::full(&state.app, &caller, id).await?))
}

/// A message for a conversation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    kind: String,
    body: String,
}

/// Adds a reply (outbound), a note, or a customer's message (inbound).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    responses((status = 201, description = "the message"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_message(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let id: ConversationId = path_id(&raw)?;
    let m = conversations::add_message(&state.app, &caller, id, &body.kind, &body.body).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// Changes status, priority, assignee, team or tags (any subset).
#[utoipa::path(patch, path = "/api/v1/conversations/{id}", tag = "conversations",
    responses((status = 200, description = "the conversation"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<UpdateConversation>,
) -> Result<Json<ConversationView>, ApiError> {
    let id: ConversationId = path_id(&raw)?;
    Ok(Json(conversations::update(&state.app, &caller, id, &body).await?))
}

/// Tells the others on the conversation that the caller is writing a reply.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/typing", tag = "conversations",
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn typing(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: ConversationId = path_id(&raw)?;
    conversations::typing(&state.app, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("the file is larger than the limit of {max} bytes"),
    )
}

/// The file name a raw upload names: `?filename=`, `X-Filename`, or Content-Disposition.
fn raw_filename(q: &HashMap<String, String>, headers: &HeaderMap) -> Option<String> {
    if let Some(f) = q.get("filename").filter(|f| !f.trim().is_empty()) {
        return Some(f.clone());
    }
    if let Some(f) = headers.get("x-filename").and_then(|v| v.to_str().ok()) {
        return Some(f.to_string());
    }
    let cd = headers.get(header::CONTENT_DISPOSITION)?.to_str().ok()?;
    let (_, rest) = cd.split_once("filename=")?;
    Some(rest.trim_matches(|c| c == '"' || c == ' ' || c == ';').to_string())
}

/// Attaches a file: `multipart/form-data` with a `file` field, or the raw
/// bytes as the body with `?filename=`. Larger than the limit: 413.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/attachments", tag = "conversations",
    responses((status = 201, description = "`{id, filename, content_type, size, url}`"), (status = 413, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn attach(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let id: ConversationId = match path_id(&raw) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let max = state.app.files.max_bytes();
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let got: Result<(String, Vec<u8>), ApiError> = if multipart {
        read_multipart(req, &state, max).await
    } else {
        let name = raw_filename(&q, req.headers());
        match http_body_util::Limited::new(req.into_body(), max as usize)
            .collect()
            .await
        {
            Ok(b) => match name {
                Some(n) => Ok((n, b.to_bytes().to_vec())),
                None => Err(bad_query(
                    "filename",
                    "name the file with ?filename= (or send multipart/form-data)",
                )),
            },
            Err(_) => Err(too_large(max)),
        }
    };
    let (name, bytes) = match got {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    match conversations::attach(&state.app, &caller, id, &name, &bytes).await {
        Ok(a) => (StatusCode::CREATED, Json(a)).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn read_multipart(req: Request, state: &WebState, max: u64) -> Result<(String, Vec<u8>), ApiError> {
    let form = uploads::read(req, state, "file", max).await.map_err(|e| match e {
        uploads::UploadError::BodyTooLarge => too_large(max),
        uploads::UploadError::Malformed(m) => bad_query("file", m),
    })?;
    if form.too_large.is_some() {
        return Err(too_large(max));
    }
    form.files
        .into_iter()
        .next()
        .map(|f| (f.filename, f.bytes))
        .ok_or_else(|| bad_query("file", "send the file in a form field named \"file\""))
}

/// Downloads an attachment, always as a download: never shown inline as a page.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "conversations",
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn download(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Response {
    let id: AttachmentId = match path_id(&raw) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let (a, bytes) = match conversations::download(&state.app, &caller, id).await {
        Ok(x) => x,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    let ctype = if a.content_type.contains("html") || a.content_type.contains("xml") {
        "application/octet-stream"
    } else {
        a.content_type.as_str()
    };
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(ctype).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&a.filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded`.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

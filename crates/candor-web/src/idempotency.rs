//! `Idempotency-Key` on API writes: the same key and body within 24 hours
//! returns the first answer and changes nothing.

use crate::error::ApiError;
use crate::state::WebState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use candor_app::Caller;
use candor_store::idempotency::KeyState;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};

/// Largest body a keyed request may have.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Honours `Idempotency-Key` on POST, PUT, PATCH and DELETE.
pub async fn idempotency(State(state): State<WebState>, req: Request, next: Next) -> Response {
    let keyed = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string));
    let (Some(key), true) = (key, keyed) else {
        return next.run(req).await;
    };
    let key = key
        .ok()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty() && k.len() <= 255);
    let Some(key) = key else {
        return ApiError::field(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "Idempotency-Key",
            "the Idempotency-Key header must be 1 to 255 visible characters",
        )
        .into_response();
    };
    let Some(workspace) = req.extensions().get::<Caller>().map(|c| c.workspace()) else {
        return next.run(req).await; // unauthenticated: the handler answers 401
    };
    let (parts, body) = req.into_parts();
    let bytes = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request body is too large",
            )
            .into_response();
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update([0]);
    hasher.update(parts.uri.path());
    hasher.update([0]);
    hasher.update(&bytes);
    let hash = hex::encode(hasher.finalize());
    let db = &state.app.db;
    match db.claim_idempotency_key(state.app.now(), workspace, &key, &hash).await {
        Ok(KeyState::Claimed) => {}
        Ok(KeyState::Done { status, body }) => {
            let mut resp = Response::new(Body::from(body));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return resp;
        }
        Ok(KeyState::Mismatch) => {
            return ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_mismatch",
                "Idempotency-Key",
                "this Idempotency-Key was used with a different request",
            )
            .into_response();
        }
        Ok(KeyState::InFlight) => {
            return ApiError::field(
                StatusCode::CONFLICT,
                "idempotency_in_flight",
                "Idempotency-Key",
                "a request with this Idempotency-Key is still running",
            )
            .into_response();
        }
        Err(e) => return ApiError::from(e).into_response(),
    }
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let status = resp.status();
    if status.is_server_error() {
        let _ = db.release_idempotency_key(workspace, &key).await;
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let _ = db.release_idempotency_key(workspace, &key).await;
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the response could not be recorded",
            )
            .into_response();
        }
    };
    if let Err(e) = db
        .finish_idempotency_key(workspace, &key, status.as_u16(), &String::from_utf8_lossy(&bytes))
        .await
    {
        tracing::warn!(error = %e, "cannot record an idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}

//! What the customer endpoints share: list paging, ids in paths, and the
//! redirect a merged customer's id answers with.

use crate::error::ApiError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use candor_app::AppError;
use candor_app::segments::{DEFAULT_LIMIT, MAX_LIMIT};
use candor_core::CustomerId;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// `{"items": [...], "next_cursor": ...}`.
#[derive(Serialize)]
pub struct List<T> {
    /// This page.
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page.
    pub next_cursor: Option<String>,
}

/// `?limit=` (default 50, at most 200).
pub fn limit(q: &HashMap<String, String>) -> Result<u32, ApiError> {
    match q.get("limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "limit",
                format!("limit is a whole number from 1 to {MAX_LIMIT}"),
            )),
        },
    }
}

/// `?cursor=` as an id.
pub fn cursor<T: std::str::FromStr>(q: &HashMap<String, String>) -> Result<Option<T>, ApiError> {
    match q.get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => c.parse().map(Some).map_err(|_| {
            ApiError::field(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "cursor",
                "this cursor is not one we gave out",
            )
        }),
    }
}

/// An id in the path; anything unreadable is simply not found.
pub fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// Maps an operation's error; a merged customer answers 308 to its survivor,
/// on the same path with the survivor's id, and a body naming it.
pub fn customer_error(e: AppError, uri: &Uri, id: CustomerId) -> Response {
    match e {
        AppError::Merged(survivor) => {
            let location = uri.path().replacen(&id.to_string(), &survivor.to_string(), 1);
            let body = json!({
                "error": {"code": "merged", "message": format!("this customer was merged into {survivor}"), "field": null},
                "merged_into": survivor.to_string(),
            });
            let mut resp = (StatusCode::PERMANENT_REDIRECT, Json(body)).into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp
        }
        other => ApiError::from(other).into_response(),
    }
}

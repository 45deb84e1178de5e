//! The one place where failures become HTTP responses: JSON under /api,
//! a plain page elsewhere.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use candor_app::AppError;
use serde_json::json;

/// An API failure, answered as `{"error": {"code", "message", "field"}}`.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The input field at fault, if one is.
    pub field: Option<String>,
    /// Seconds to wait, for 429.
    pub retry_after: Option<i64>,
    /// For query errors, the character position of the problem.
    pub position: Option<usize>,
}

impl ApiError {
    /// An error with no field.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            position: None,
        }
    }

    /// A bad request naming the field.
    pub fn field(status: StatusCode, code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: Some(field.into()),
            retry_after: None,
            position: None,
        }
    }

    /// 404 for anything absent or of another workspace.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "not found")
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { field, message } => {
                ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", field, message)
            }
            AppError::InvalidQuery {
                field,
                message,
                position,
            } => ApiError {
                position,
                ..ApiError::field(StatusCode::BAD_REQUEST, "invalid_query", field, message)
            },
            // Customer endpoints answer 308 with a Location (api::common); elsewhere the body names the survivor.
            AppError::Merged(survivor) => ApiError::new(
                StatusCode::PERMANENT_REDIRECT,
                "merged",
                format!("this customer was merged into {survivor}"),
            ),
            AppError::Unauthorized(m) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m),
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::NotFound => ApiError::not_found(),
            AppError::Conflict { field, message } => ApiError::field(StatusCode::CONFLICT, "conflict", field, message),
            AppError::Throttled { until } => {
                let wait = (until.as_second() - jiff::Timestamp::now().as_second()).max(1);
                ApiError {
                    retry_after: Some(wait),
                    ..ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate_limited",
                        format!("too many attempts; try again in {wait} seconds"),
                    )
                }
            }
            AppError::TooLarge(max) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the file is larger than the limit of {max} bytes"),
            ),
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something failed on our side; it has been logged",
                )
            }
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something failed on our side; it has been logged",
                )
            }
        }
    }
}

impl From<candor_store::StoreError> for ApiError {
    fn from(e: candor_store::StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": {"code": self.code, "message": self.message, "field": self.field}});
        if let Some(p) = self.position {
            body["error"]["position"] = json!(p);
        }
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

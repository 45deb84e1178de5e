//! Health checks and Prometheus metrics.

use crate::state::WebState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

/// 200 while the process runs.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "alive"}))
}

/// 200 when the database answers and every migration is applied.
pub async fn readyz(State(state): State<WebState>) -> impl IntoResponse {
    match state.app.db.is_migrated().await {
        Ok(true) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "migrations pending"})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "database unreachable"})),
            )
        }
    }
}

/// Prometheus text: request counts and latencies, and the job queue's depth.
pub async fn metrics(State(state): State<WebState>) -> impl IntoResponse {
    if let Ok(depth) = state.app.db.queue_depth().await {
        metrics::gauge!("candor_job_queue_depth", "state" => "pending").set(depth.pending as f64);
        metrics::gauge!("candor_job_queue_depth", "state" => "running").set(depth.running as f64);
        metrics::gauge!("candor_job_queue_depth", "state" => "dead").set(depth.dead as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

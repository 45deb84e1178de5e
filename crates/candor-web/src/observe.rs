//! One structured log line and a metric per request. Routes are logged as
//! their templates, so ids and one-time secrets in paths never reach logs.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// Logs and counts every request.
pub async fn observe(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let started = Instant::now();
    let resp = next.run(req).await;
    let elapsed = started.elapsed();
    let status = resp.status().as_u16();
    let labels = [
        ("method", method.to_string()),
        ("route", route.clone()),
        ("status", status.to_string()),
    ];
    metrics::counter!("candor_http_requests_total", &labels).increment(1);
    metrics::histogram!("candor_http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    tracing::info!(method = %method, route = %route, status, micros = elapsed.as_micros() as u64, "request");
    resp
}

//! Live chat on the web: the widget script (`/w/{slug}/widget.js`), its
//! WebSocket (`/w/{slug}/chat/ws`), the "what a customer sees" page
//! (`/w/{slug}/chat/try`), the settings page (`/settings/chat`) and the
//! settings API (`/api/v1/channels/chat/settings`). docs/chat.md has the protocol.

pub mod api;
pub mod frames;
pub mod limits;
pub mod page;
pub mod socket;

pub use limits::ChatLimits;

use crate::state::WebState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The widget, our own script (no third-party code).
const WIDGET_JS: &str = include_str!("../../assets/widget.js");

/// The public routes: the script, the socket and the demo page. They need
/// no session; the socket checks the page's origin itself.
pub fn public_routes() -> Router<WebState> {
    Router::new()
        .route("/w/{slug}/widget.js", get(widget_js))
        .route("/w/{slug}/chat/ws", get(socket::upgrade))
        .route("/w/{slug}/chat/try", get(page::try_page))
}

/// The staff's settings page (behind the pages' same-origin check).
pub fn page_routes() -> Router<WebState> {
    Router::new()
        .route("/settings/chat", get(page::settings))
        .route("/settings/chat/origins", post(page::save_origins))
        .route("/settings/chat/rotate", post(page::rotate))
}

fn widget_etag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| format!("\"{}\"", &hex::encode(Sha256::digest(WIDGET_JS.as_bytes()))[..16]))
}

/// GET /w/{slug}/widget.js — the same script for every workspace (it reads
/// its own address to find the socket). Cached for an hour, revalidated by ETag.
pub async fn widget_js(State(state): State<WebState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    if state.app.db.workspace_by_slug(&slug).await.is_err() {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            "/* There is no Candor workspace at this address. */\n",
        )
            .into_response();
    }
    let tag = widget_etag();
    let cache = [
        (header::CACHE_CONTROL, "public, max-age=3600"),
        (header::ETAG, tag),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        StatusCode::OK,
        cache,
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        WIDGET_JS,
    )
        .into_response()
}

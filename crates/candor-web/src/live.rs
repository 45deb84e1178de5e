//! The live-update stream: `GET /api/v1/stream` as Server-Sent Events for
//! the caller's workspace (session cookie or bearer token). Each event is
//! `event: KIND` with `data: {"kind", "conversation_id", "user_id", "name"}`;
//! the first is `ready` once the stream listens. It ends when the server stops.

use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::state::WebState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use candor_app::live::LiveEvent;
use candor_core::staff::Scope;
use futures_util::Stream;
use futures_util::stream::{self, StreamExt};
use serde_json::json;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

fn data(e: &LiveEvent) -> String {
    json!({"kind": e.kind, "conversation_id": e.conversation_id, "user_id": e.user_id, "name": e.name}).to_string()
}

/// GET /api/v1/stream
#[utoipa::path(get, path = "/api/v1/stream", tag = "conversations",
    responses((status = 200, description = "text/event-stream of live updates: ready, conversation.created, message.created, conversation.updated, typing, social.alert")),
    security(("bearer" = [])))]
pub async fn stream(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let rx = state.app.live.subscribe();
    let closing = state.app.live.closing();
    let ready = stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let updates = stream::unfold((rx, closing), move |(mut rx, closing)| async move {
        loop {
            tokio::select! {
                _ = closing.cancelled() => return None,
                got = rx.recv() => match got {
                    Ok(e) if e.workspace_id == ws => {
                        let ev = Event::default().event(e.kind.clone()).data(data(&e));
                        return Some((Ok(ev), (rx, closing)));
                    }
                    Ok(_) => continue,
                    // Fell behind: the page reloads what it shows.
                    Err(RecvError::Lagged(_)) => {
                        return Some((Ok(Event::default().event("resync").data("{}")), (rx, closing)));
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    });
    Ok(Sse::new(ready.chain(updates)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

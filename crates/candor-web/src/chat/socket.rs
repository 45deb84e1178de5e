//! `GET /w/{slug}/chat/ws`: the widget's WebSocket. The upgrade checks the
//! page's Origin against the workspace's allow-list and the client
//! address's open sockets; then the widget says hello, is told who it is,
//! whether someone is there, and every message after the last one it has.
//! From then on it sends messages (stored through the ingest path), typing
//! and an email, and hears replies and agents typing through the live hub —
//! which, on PostgreSQL, carries what happens on other nodes too.

use super::frames::{self, ClientFrame, FrameError, MAX_FRAME_BYTES};
use crate::state::WebState;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use candor_app::AppError;
use candor_app::chat::visitor::{self, Hello, Visitor};
use candor_app::chat::{ChatAvailability, settings};
use candor_app::live::LiveEvent;
use candor_core::conversation::{Delivery, MessageKind};
use candor_core::{ConversationId, MessageId, WorkspaceId};
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// How long a widget has to say hello.
const HELLO_WAIT: Duration = Duration::from_secs(10);
/// The WebSocket read buffer (the library's default is 128 KiB).
const READ_BUFFER_BYTES: usize = 4 * 1024;
/// How often a connected widget's presence is renewed (and availability rechecked).
const HEARTBEAT: Duration = Duration::from_secs(20);
/// The least time between two "typing" updates a visitor sends to agents.
const TYPING_EVERY: Duration = Duration::from_secs(2);

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message, "field": null}})),
    )
        .into_response()
}

/// Whether the page's origin is Candor's own (the "what a customer sees"
/// page): a browser sends the page's origin, so this is no cross-site use.
fn same_host(headers: &HeaderMap, origin: Option<&str>) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.and_then(|o| candor_core::chat::parse_origin(o).ok()), host) {
        (Some(o), Some(h)) => o
            .split_once("://")
            .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(h)),
        _ => false,
    }
}

/// GET /w/{slug}/chat/ws
pub async fn upgrade(
    State(state): State<WebState>,
    Path(slug): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let Ok(workspace) = state.app.db.workspace_by_slug(&slug).await else {
        return refuse(StatusCode::NOT_FOUND, "not_found", "there is no chat at this address");
    };
    let settings = match settings::widget_settings(&state.app, workspace.id).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the chat settings");
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the chat cannot start now; try again",
            );
        }
    };
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if !candor_core::chat::origin_allowed(&settings.allowed_origins, origin) && !same_host(&headers, origin) {
        return refuse(
            StatusCode::FORBIDDEN,
            "origin_refused",
            "this page's origin is not allowed to open the chat (Settings → Chat → allowed origins)",
        );
    }
    let Some(slot) = state.chat.open_socket(addr.ip()) else {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_sockets",
            "too many chats are open from this address",
        );
    };
    // The read buffer is zeroed up to its size on every read attempt, and
    // each socket is polled on every live event: chat frames are small, so
    // a small buffer keeps a thousand idle sockets cheap.
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            run(state, workspace.id, workspace.name, socket).await;
        })
}

/// One widget's connection.
struct Chat {
    state: WebState,
    /// The workspace's name, which the widget's title shows.
    company: String,
    socket: WebSocket,
    visitor: Visitor,
    conversation: Option<ConversationId>,
    /// The last message the widget was sent.
    cursor: Option<MessageId>,
    availability: Option<ChatAvailability>,
    last_typing: Option<Instant>,
    /// A push failed to read: the next heartbeat tries again.
    stale: bool,
}

async fn send(socket: &mut WebSocket, text: String) -> bool {
    socket.send(WsMessage::Text(text.into())).await.is_ok()
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let _ = socket
        .send(WsMessage::Close(Some(CloseFrame {
            code,
            reason: reason.to_string().into(),
        })))
        .await;
}

/// Waits for the hello; answers anything else with an error frame.
async fn hello(socket: &mut WebSocket) -> Option<(Hello, Option<MessageId>)> {
    let deadline = tokio::time::Instant::now() + HELLO_WAIT;
    loop {
        let got = tokio::time::timeout_at(deadline, socket.recv()).await.ok()??.ok()?;
        match got {
            WsMessage::Text(t) => match frames::parse(t.as_str()) {
                Ok(ClientFrame::Hello {
                    visitor,
                    user_id,
                    user_hash,
                    user_name,
                    after,
                }) => {
                    let hello = Hello {
                        visitor,
                        user_id,
                        user_hash,
                        user_name,
                    };
                    return Some((hello, after));
                }
                Ok(_) => {
                    let e = FrameError::field("bad_frame", "type", "say hello first");
                    send(socket, e.to_json()).await;
                }
                Err(e) => {
                    send(socket, e.to_json()).await;
                }
            },
            WsMessage::Binary(_) => {
                send(socket, FrameError::frame("send JSON text frames").to_json()).await;
            }
            WsMessage::Close(_) => return None,
            _ => {}
        }
    }
}

async fn run(state: WebState, ws: WorkspaceId, company: String, mut socket: WebSocket) {
    let Some((hello_frame, after)) = hello(&mut socket).await else {
        return;
    };
    let visitor = match visitor::identify(&state.app, ws, &hello_frame).await {
        Ok(v) => v,
        Err(AppError::Unauthorized(m)) => {
            send(
                &mut socket,
                FrameError::field("identity_refused", "user_hash", m).to_json(),
            )
            .await;
            // 1008: policy violation. The widget does not retry with the same identity.
            close(&mut socket, 1008, "identity refused").await;
            return;
        }
        Err(AppError::Invalid { field, message }) => {
            send(
                &mut socket,
                FrameError::field("invalid_field", &field, message).to_json(),
            )
            .await;
            close(&mut socket, 1008, "bad hello").await;
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "a chat could not start");
            send(&mut socket, unavailable()).await;
            close(&mut socket, 1011, "unavailable").await;
            return;
        }
    };
    let session = match visitor::connected(&state.app, &visitor).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "a chat could not start");
            send(&mut socket, unavailable()).await;
            close(&mut socket, 1011, "unavailable").await;
            return;
        }
    };
    let mut chat = Chat {
        state,
        company,
        socket,
        conversation: session.conversation_id,
        cursor: after,
        availability: None,
        last_typing: None,
        stale: false,
        visitor,
    };
    chat.serve().await;
    if let Err(e) = visitor::disconnected(&chat.state.app, &chat.visitor).await {
        tracing::warn!(error = %e, "cannot record that a chat ended");
    }
}

fn unavailable() -> String {
    FrameError {
        code: "unavailable",
        field: None,
        message: "the chat cannot do this now; try again in a moment".into(),
    }
    .to_json()
}

impl Chat {
    fn ws(&self) -> WorkspaceId {
        self.visitor.workspace_id
    }

    async fn serve(&mut self) {
        // Subscribe before the history is read, so nothing falls in between.
        let mut live = self.state.app.live.subscribe();
        let closing = self.state.app.live.closing();
        let availability = check_availability(&self.state, self.ws()).await;
        let welcome = json!({"type": "welcome", "company": self.company, "signed": self.visitor.signed,
            "name": self.visitor.name,
            "availability": availability_json(&availability)});
        self.availability = Some(availability);
        if !send(&mut self.socket, welcome.to_string()).await || !self.push().await {
            return;
        }
        let mut beat = tokio::time::interval(HEARTBEAT);
        beat.tick().await;
        loop {
            let go_on = tokio::select! {
                _ = closing.cancelled() => {
                    close(&mut self.socket, 1001, "server stopping").await;
                    false
                }
                got = self.socket.recv() => match got {
                    Some(Ok(WsMessage::Text(t))) => self.on_frame(t.as_str()).await,
                    Some(Ok(WsMessage::Binary(_))) => {
                        send(&mut self.socket, FrameError::frame("send JSON text frames").to_json()).await
                    }
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => false,
                    Some(Ok(_)) => true,
                },
                event = live.recv() => match event {
                    Ok(e) => self.on_live(&e).await,
                    // Fell behind: send whatever is new.
                    Err(RecvError::Lagged(_)) => self.push().await,
                    Err(RecvError::Closed) => false,
                },
                _ = beat.tick() => self.heartbeat().await,
            };
            if !go_on {
                return;
            }
        }
    }

    async fn heartbeat(&mut self) -> bool {
        if let Err(e) = visitor::connected(&self.state.app, &self.visitor).await {
            tracing::warn!(error = %e, "cannot renew a chat's presence");
        }
        // What an update failed to bring (a read that failed under load)
        // arrives now at the latest.
        if self.stale && !self.push().await {
            return false;
        }
        let now = check_availability(&self.state, self.ws()).await;
        if self.availability.as_ref() != Some(&now) {
            let frame = json!({"type": "availability", "availability": availability_json(&now)});
            self.availability = Some(now);
            return send(&mut self.socket, frame.to_string()).await;
        }
        true
    }

    async fn on_live(&mut self, e: &LiveEvent) -> bool {
        if e.workspace_id != self.ws() || e.conversation_id.is_none() || e.conversation_id != self.conversation {
            return true;
        }
        match e.kind.as_str() {
            // An agent typing (the visitor's own typing has no staff member).
            "typing" if e.user_id.is_some() => {
                let frame = json!({"type": "typing", "name": e.name});
                send(&mut self.socket, frame.to_string()).await
            }
            "message.created" | "conversation.created" | "chat.deliver" => self.push().await,
            _ => true,
        }
    }

    /// Sends every message after the cursor, and marks the replies among
    /// them delivered.
    async fn push(&mut self) -> bool {
        let Some(conversation) = self.conversation else {
            return true;
        };
        let app = &self.state.app;
        let messages = match visitor::messages_after(app, self.ws(), conversation, self.cursor).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a chat's messages");
                self.stale = true;
                return true;
            }
        };
        self.stale = false;
        let mut delivered = Vec::new();
        for m in &messages {
            if !send(&mut self.socket, frames::message(m, &self.visitor.thread)).await {
                return false;
            }
            self.cursor = Some(m.id);
            if m.kind == MessageKind::Outbound && matches!(m.delivery, Some(Delivery::Queued | Delivery::Failed)) {
                delivered.push(m.id);
            }
        }
        if let Err(e) = visitor::delivered(app, self.ws(), conversation, &delivered).await {
            tracing::warn!(error = %e, "cannot mark chat replies delivered");
        }
        true
    }

    async fn on_frame(&mut self, raw: &str) -> bool {
        let frame = match frames::parse(raw) {
            Ok(f) => f,
            Err(e) => return send(&mut self.socket, e.to_json()).await,
        };
        match frame {
            ClientFrame::Hello { .. } => {
                let e = FrameError::field("bad_frame", "type", "hello was said already");
                send(&mut self.socket, e.to_json()).await
            }
            ClientFrame::Message { client_id, text } => self.on_message(&client_id, &text).await,
            ClientFrame::Typing => {
                let now = Instant::now();
                if let Some(c) = self.conversation
                    && self.last_typing.is_none_or(|t| now.duration_since(t) >= TYPING_EVERY)
                {
                    self.last_typing = Some(now);
                    visitor::typing(&self.state.app, &self.visitor, c).await;
                }
                true
            }
            ClientFrame::Email { email } => match visitor::give_email(&self.state.app, &self.visitor, &email).await {
                Ok(outcome) => {
                    let frame = json!({"type": "email", "status": outcome.as_str()});
                    send(&mut self.socket, frame.to_string()).await
                }
                Err(e) => send(&mut self.socket, app_error(e)).await,
            },
        }
    }

    async fn on_message(&mut self, client_id: &str, text: &str) -> bool {
        if !self.state.chat.allow_message(self.ws(), &self.visitor.thread) {
            let e = FrameError::field(
                "rate_limited",
                "text",
                "too many messages in a short time: wait a few seconds and send it again",
            );
            let frame = json!({"type": "error", "code": e.code, "field": e.field, "message": e.message,
                "client_id": client_id});
            return send(&mut self.socket, frame.to_string()).await;
        }
        match visitor::post(&self.state.app, &self.visitor, client_id, text).await {
            Ok(posted) => {
                self.conversation = Some(posted.conversation_id);
                let ack = json!({"type": "stored", "client_id": client_id, "id": posted.message.id,
                    "conversation_id": posted.conversation_id, "at": posted.message.created_at,
                    "duplicate": posted.duplicate});
                send(&mut self.socket, ack.to_string()).await && self.push().await
            }
            Err(e) => {
                let mut frame: serde_json::Value = serde_json::from_str(&app_error(e)).unwrap_or_default();
                frame["client_id"] = json!(client_id);
                send(&mut self.socket, frame.to_string()).await
            }
        }
    }
}

/// The error frame for an operation's refusal.
fn app_error(e: AppError) -> String {
    match e {
        AppError::Invalid { field, message } => FrameError::field("invalid_field", &field, message).to_json(),
        AppError::Conflict { field, message } => FrameError::field("conflict", &field, message).to_json(),
        other => {
            tracing::warn!(error = %other, "a chat frame failed");
            unavailable()
        }
    }
}

/// The workspace's availability, kept a few seconds per node (every socket asks).
async fn check_availability(state: &WebState, ws: WorkspaceId) -> ChatAvailability {
    if let Some(a) = state.chat.availability(ws) {
        return a;
    }
    match candor_app::chat::availability(&state.app, ws).await {
        Ok(a) => {
            state.chat.keep_availability(ws, &a);
            a
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell whether the chat is staffed");
            ChatAvailability {
                state: candor_core::chat::Availability::Open,
                hours: None,
                commitment: None,
            }
        }
    }
}

fn availability_json(a: &ChatAvailability) -> serde_json::Value {
    json!({"state": a.state.as_str(), "hours": a.hours, "commitment": a.commitment})
}

//! Live updates: a hub per process that tells connected browsers what just
//! changed (a new message, a status change, someone typing). On PostgreSQL
//! every change is also sent with `pg_notify` so that the other nodes' hubs
//! hear it; each node runs [`listen_postgres`] to forward those notifications
//! to its own subscribers (skipping its own, by node id).

use crate::context::App;
use candor_core::{ConversationId, UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The PostgreSQL channel live updates cross nodes on.
pub const PG_CHANNEL: &str = "candor_live";
/// How many updates a slow subscriber may fall behind before it misses some.
const BUFFER: usize = 1024;

/// What just happened, small enough for a NOTIFY payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    /// Whose it is: only this workspace's subscribers hear it.
    pub workspace_id: WorkspaceId,
    /// "message.created", "conversation.created", "conversation.updated", "typing",
    /// "social.alert" (a monitoring rule fired: the "Reach out first" view changed).
    pub kind: String,
    /// The conversation concerned.
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
    /// The staff member who caused it (for "typing": who is typing).
    #[serde(default)]
    pub user_id: Option<UserId>,
    /// Their name, for "typing".
    #[serde(default)]
    pub name: Option<String>,
    /// The node it happened on.
    #[serde(default)]
    pub node: Uuid,
}

impl LiveEvent {
    /// An update about a conversation.
    pub fn conversation(workspace_id: WorkspaceId, kind: &str, id: ConversationId) -> Self {
        Self {
            workspace_id,
            kind: kind.to_string(),
            conversation_id: Some(id),
            user_id: None,
            name: None,
            node: Uuid::nil(),
        }
    }

    /// An update about the workspace as a whole (no one conversation).
    pub fn workspace(workspace_id: WorkspaceId, kind: &str) -> Self {
        Self {
            workspace_id,
            kind: kind.to_string(),
            conversation_id: None,
            user_id: None,
            name: None,
            node: Uuid::nil(),
        }
    }
}

/// The process's live-update hub, cheap to clone.
#[derive(Clone, Debug)]
pub struct Hub {
    tx: broadcast::Sender<LiveEvent>,
    node: Uuid,
    closing: CancellationToken,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    /// A hub with a fresh node id.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(BUFFER);
        Self {
            tx,
            node: Uuid::now_v7(),
            closing: CancellationToken::new(),
        }
    }

    /// Ends every subscriber's stream (on shutdown, so open event streams
    /// do not hold the server up).
    pub fn close(&self) {
        self.closing.cancel();
    }

    /// Resolves when the hub closes.
    pub fn closing(&self) -> CancellationToken {
        self.closing.clone()
    }

    /// This node's id.
    pub fn node(&self) -> Uuid {
        self.node
    }

    /// Receives every update of every workspace from now on (filter by workspace).
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// Tells this node's subscribers (no one listening is fine).
    pub fn send_local(&self, event: LiveEvent) {
        let _ = self.tx.send(event);
    }
}

/// Tells every subscriber on every node. Call after the change committed.
pub async fn publish(app: &App, mut event: LiveEvent) {
    event.node = app.live.node();
    app.live.send_local(event.clone());
    if let Some(pool) = app.db.postgres_pool() {
        let Ok(payload) = serde_json::to_string(&event) else {
            return;
        };
        if payload.len() >= 8000 {
            tracing::warn!(kind = %event.kind, "live update too large for NOTIFY; other nodes miss it");
            return;
        }
        if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(PG_CHANNEL)
            .bind(payload)
            .execute(pool)
            .await
        {
            tracing::warn!(error = %e, "cannot send a live update to other nodes");
        }
    }
}

/// Forwards other nodes' live updates into this node's hub until `stop`;
/// reconnects after failures. Does nothing on SQLite (one process).
pub async fn listen_postgres(app: App, stop: CancellationToken) {
    let Some(pool) = app.db.postgres_pool().cloned() else {
        return;
    };
    let mut wait = Duration::from_millis(250);
    while !stop.is_cancelled() {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for live updates; retrying");
                pause(&stop, &mut wait).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(PG_CHANNEL).await {
            tracing::warn!(error = %e, "cannot listen for live updates; retrying");
            pause(&stop, &mut wait).await;
            continue;
        }
        wait = Duration::from_millis(250);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                got = listener.recv() => match got {
                    Ok(n) => forward(&app, n.payload()),
                    Err(e) => {
                        tracing::warn!(error = %e, "live updates connection lost; reconnecting");
                        break;
                    }
                },
            }
        }
    }
}

fn forward(app: &App, payload: &str) {
    match serde_json::from_str::<LiveEvent>(payload) {
        Ok(e) if e.node != app.live.node() => app.live.send_local(e),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "unreadable live update"),
    }
}

async fn pause(stop: &CancellationToken, wait: &mut Duration) {
    tokio::select! {
        _ = stop.cancelled() => {}
        _ = tokio::time::sleep(*wait) => {}
    }
    *wait = (*wait * 2).min(Duration::from_secs(10));
}

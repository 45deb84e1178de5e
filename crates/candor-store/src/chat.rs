//! Live chat: each workspace's widget settings, the chat threads with the
//! presence of their widgets, and the messages a widget shows.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::messages::Message;
use candor_core::clock::{from_micros, to_micros};
use candor_core::conversation::{Delivery, MessageKind};
use candor_core::{ConversationId, CustomerId, MessageId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// A workspace's widget settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatSettings {
    /// The signing secret, sealed with the server's key.
    pub sealed_secret: String,
    /// Origins allowed to open the chat; empty allows every page.
    pub allowed_origins: Vec<String>,
    /// When they last changed.
    pub updated_at: Timestamp,
}

/// One chat thread (a visitor's browser or a signed-in user).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatSession {
    /// "v:VISITOR" or "u:USER".
    pub thread_ref: String,
    /// The customer, once known.
    pub customer_id: Option<CustomerId>,
    /// The conversation the thread is in, once the visitor wrote.
    pub conversation_id: Option<ConversationId>,
    /// Until when a widget is connected (in the past: nobody is there).
    pub online_until: Timestamp,
}

type SessionRow = (String, Option<Uuid>, Option<Uuid>, i64);

fn session((thread_ref, customer, conversation, online): SessionRow) -> ChatSession {
    ChatSession {
        thread_ref,
        customer_id: customer.map(CustomerId::from_uuid),
        conversation_id: conversation.map(ConversationId::from_uuid),
        online_until: from_micros(online),
    }
}

fn settings((secret, origins, at): (String, String, i64)) -> Result<ChatSettings> {
    Ok(ChatSettings {
        sealed_secret: secret,
        allowed_origins: serde_json::from_str(&origins)
            .map_err(|e| crate::conversations::corrupt("chat allowed origins", e))?,
        updated_at: from_micros(at),
    })
}

const SESSION_COLUMNS: &str = "thread_ref, customer_id, conversation_id, online_until";

impl Db {
    /// The workspace's widget settings, if any were made.
    pub async fn chat_settings(&self, ws: WorkspaceId) -> Result<Option<ChatSettings>> {
        let row: Option<(String, String, i64)> = read!(self, p => sqlx::query_as(
            "SELECT secret, allowed_origins, updated_at FROM chat_settings WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_optional(p).await)?;
        row.map(settings).transpose()
    }

    /// A chat thread, if a widget ever opened it.
    pub async fn chat_session(&self, ws: WorkspaceId, thread_ref: &str) -> Result<Option<ChatSession>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM chat_sessions WHERE workspace_id = $1 AND thread_ref = $2");
        let row: Option<SessionRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(thread_ref).fetch_optional(p).await)?;
        Ok(row.map(session))
    }

    /// What a widget shows of a conversation: the customer's messages and
    /// the replies (never internal notes), after `after` (all when `None`),
    /// oldest first, at most `limit` (the latest ones when there are more).
    pub async fn chat_messages_after(
        &self,
        ws: WorkspaceId,
        conversation: ConversationId,
        after: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        let mut all = self.messages_since(ws, conversation, after, limit).await?;
        all.retain(|m| m.kind != MessageKind::Note);
        Ok(all)
    }
}

impl Tx {
    /// Makes or replaces the widget settings.
    pub async fn save_chat_settings(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        sealed_secret: &str,
        allowed_origins: &[String],
    ) -> Result<()> {
        let origins = serde_json::to_string(allowed_origins).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_tx!(self, x => sqlx::query(
            "INSERT INTO chat_settings (workspace_id, secret, allowed_origins, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id) DO UPDATE SET secret = $2, allowed_origins = $3, updated_at = $4")
            .bind(ws.as_uuid()).bind(sealed_secret).bind(origins).bind(to_micros(now))
            .execute(&mut **x).await.map(|_| ()))?;
        Ok(())
    }

    /// The widget settings, read in the transaction (for a change).
    pub async fn chat_settings(&mut self, ws: WorkspaceId) -> Result<Option<ChatSettings>> {
        let row: Option<(String, String, i64)> = on_tx!(self, x => sqlx::query_as(
            "SELECT secret, allowed_origins, updated_at FROM chat_settings WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_optional(&mut **x).await)?;
        row.map(settings).transpose()
    }

    /// Says a widget is connected to the thread until `online_until`
    /// (making the row the first time); returns the thread as stored.
    pub async fn chat_presence(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        thread_ref: &str,
        online_until: Timestamp,
    ) -> Result<ChatSession> {
        let sql = format!(
            "INSERT INTO chat_sessions (workspace_id, thread_ref, customer_id, conversation_id, online_until, \
             created_at, updated_at) VALUES ($1, $2, NULL, NULL, $3, $4, $4) \
             ON CONFLICT (workspace_id, thread_ref) DO UPDATE SET online_until = $3, updated_at = $4 \
             RETURNING {SESSION_COLUMNS}"
        );
        let row: SessionRow = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(thread_ref).bind(to_micros(online_until)).bind(to_micros(now))
            .fetch_one(&mut **x).await)?;
        Ok(session(row))
    }

    /// Records the customer and conversation a thread is in.
    pub async fn set_chat_thread(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        thread_ref: &str,
        customer: CustomerId,
        conversation: Option<ConversationId>,
    ) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "INSERT INTO chat_sessions (workspace_id, thread_ref, customer_id, conversation_id, online_until, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5, $5) \
             ON CONFLICT (workspace_id, thread_ref) DO UPDATE SET customer_id = $3, \
             conversation_id = COALESCE($4, chat_sessions.conversation_id), updated_at = $5")
            .bind(ws.as_uuid()).bind(thread_ref).bind(customer.as_uuid()).bind(conversation.map(|c| c.as_uuid()))
            .bind(to_micros(now))
            .execute(&mut **x).await.map(|_| ()))?;
        Ok(())
    }

    /// Marks the replies among `ids` that were queued (or whose email
    /// fallback failed) delivered: the widget has them. Returns how many changed.
    pub async fn mark_chat_delivered(&mut self, ws: WorkspaceId, ids: &[MessageId]) -> Result<u64> {
        let mut n = 0;
        for id in ids {
            n += on_tx!(self, x => sqlx::query(
                "UPDATE messages SET delivery = $1 WHERE workspace_id = $2 AND id = $3 AND delivery IN ($4, $5)")
                .bind(Delivery::Sent.as_str()).bind(ws.as_uuid()).bind(id.as_uuid()).bind(Delivery::Queued.as_str())
                .bind(Delivery::Failed.as_str())
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        Ok(n)
    }
}

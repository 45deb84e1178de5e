//! Messages of conversations (inbound, outbound, notes) and their
//! attachments. A message from a channel carries the channel's own id, unique
//! per workspace and channel, so a message delivered twice is stored once.

use crate::conversations::corrupt;
use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::conversation::{Channel, Delivery, MessageKind};
use candor_core::{AttachmentId, ConversationId, MessageId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// Who wrote a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Author {
    /// "customer", "staff" or "system".
    #[serde(rename = "type")]
    pub kind: String,
    /// The customer's or staff member's id.
    pub id: Option<Uuid>,
    /// The name shown (a staff member's real full name).
    pub name: String,
}

/// A stored message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Message {
    /// Its id (time-ordered).
    pub id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// Inbound, outbound or note.
    pub kind: MessageKind,
    /// The text.
    pub body: String,
    /// The HTML the channel delivered, kept but never shown as HTML.
    pub html: Option<String>,
    /// Who wrote it.
    pub author: Author,
    /// Detected language.
    pub language: Option<String>,
    /// Sentiment, -1 to 1.
    pub sentiment: Option<f64>,
    /// Where an outbound message is on its way.
    pub delivery: Option<Delivery>,
    /// The channel it came or goes through.
    pub channel: Channel,
    /// The channel's id for it.
    pub external_id: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

/// A message about to be stored.
#[derive(Clone, Debug)]
pub struct NewMessage<'a> {
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// Inbound, outbound or note.
    pub kind: MessageKind,
    /// The text.
    pub body: &'a str,
    /// The channel's HTML.
    pub html: Option<&'a str>,
    /// Who wrote it.
    pub author: Author,
    /// Detected language.
    pub language: Option<&'a str>,
    /// Sentiment.
    pub sentiment: Option<f64>,
    /// Delivery state.
    pub delivery: Option<Delivery>,
    /// The channel.
    pub channel: Channel,
    /// The channel's id for it.
    pub external_id: Option<&'a str>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    conversation_id: Uuid,
    kind: String,
    body: String,
    html: Option<String>,
    author_type: String,
    author_id: Option<Uuid>,
    author_name: String,
    language: Option<String>,
    sentiment: Option<f64>,
    delivery: Option<String>,
    channel: String,
    external_id: Option<String>,
    created_at: i64,
}

const COLUMNS: &str = "id, conversation_id, kind, body, html, author_type, author_id, author_name, language, \
    sentiment, delivery, channel, external_id, created_at";

impl Row {
    fn into_message(self) -> Result<Message> {
        Ok(Message {
            id: MessageId::from_uuid(self.id),
            conversation_id: ConversationId::from_uuid(self.conversation_id),
            kind: self.kind.parse().map_err(|e| corrupt("message kind", e))?,
            body: self.body,
            html: self.html,
            author: Author {
                kind: self.author_type,
                id: self.author_id,
                name: self.author_name,
            },
            language: self.language,
            sentiment: self.sentiment,
            delivery: self
                .delivery
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e| corrupt("delivery", e))?,
            channel: self.channel.parse().map_err(|e| corrupt("message channel", e))?,
            external_id: self.external_id,
            created_at: from_micros(self.created_at),
        })
    }
}

/// A stored attachment's description (the bytes live in the file store).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// Its id.
    pub id: AttachmentId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// The message it came with, if any.
    pub message_id: Option<MessageId>,
    /// The sanitised file name.
    pub filename: String,
    /// The sniffed content type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the bytes, hex: the file's name in the store.
    pub sha256: String,
    /// Who uploaded it (staff), if a person did.
    pub uploaded_by: Option<UserId>,
    /// When.
    pub created_at: Timestamp,
}

type AttachmentRow = (Uuid, Uuid, Option<Uuid>, String, String, i64, String, Option<Uuid>, i64);

fn attachment(r: AttachmentRow) -> Attachment {
    Attachment {
        id: AttachmentId::from_uuid(r.0),
        conversation_id: ConversationId::from_uuid(r.1),
        message_id: r.2.map(MessageId::from_uuid),
        filename: r.3,
        content_type: r.4,
        size: r.5,
        sha256: r.6,
        uploaded_by: r.7.map(UserId::from_uuid),
        created_at: from_micros(r.8),
    }
}

const ATTACHMENT_COLUMNS: &str =
    "id, conversation_id, message_id, filename, content_type, size, sha256, uploaded_by, created_at";

impl Tx {
    /// Stores a message. With an external id the channel already delivered
    /// (same workspace and channel), nothing is stored and `None` comes back.
    pub async fn insert_message(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        m: &NewMessage<'_>,
    ) -> Result<Option<Message>> {
        let id = MessageId::new_at(now);
        let n = on_tx!(self, x => sqlx::query(
            "INSERT INTO messages (id, workspace_id, conversation_id, kind, body, html, author_type, author_id, \
             author_name, language, sentiment, delivery, channel, external_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (workspace_id, channel, external_id) DO NOTHING")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(m.conversation_id.as_uuid()).bind(m.kind.as_str())
            .bind(m.body).bind(m.html).bind(&m.author.kind).bind(m.author.id).bind(&m.author.name)
            .bind(m.language).bind(m.sentiment).bind(m.delivery.map(|d| d.as_str())).bind(m.channel.as_str())
            .bind(m.external_id).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(None);
        }
        Ok(Some(Message {
            id,
            conversation_id: m.conversation_id,
            kind: m.kind,
            body: m.body.to_string(),
            html: m.html.map(str::to_string),
            author: m.author.clone(),
            language: m.language.map(str::to_string),
            sentiment: m.sentiment,
            delivery: m.delivery,
            channel: m.channel,
            external_id: m.external_id.map(str::to_string),
            created_at: now,
        }))
    }

    /// The message a channel delivered with `external_id`, seen in the transaction.
    pub async fn message_by_external_id(
        &mut self,
        ws: WorkspaceId,
        channel: Channel,
        external_id: &str,
    ) -> Result<Option<Message>> {
        let sql =
            format!("SELECT {COLUMNS} FROM messages WHERE workspace_id = $1 AND channel = $2 AND external_id = $3");
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(channel.as_str()).bind(external_id).fetch_optional(&mut **x).await)?;
        row.map(Row::into_message).transpose()
    }

    /// Sets an outbound message's delivery state (for channel adapters).
    pub async fn set_delivery(&mut self, ws: WorkspaceId, id: MessageId, delivery: Delivery) -> Result<()> {
        let n = on_tx!(self, x => sqlx::query("UPDATE messages SET delivery = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(delivery.as_str()).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Records an attachment whose bytes are in the file store.
    pub async fn insert_attachment(&mut self, ws: WorkspaceId, a: &Attachment) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "INSERT INTO attachments (id, workspace_id, conversation_id, message_id, filename, content_type, size, \
             sha256, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(a.id.as_uuid()).bind(ws.as_uuid()).bind(a.conversation_id.as_uuid())
            .bind(a.message_id.map(|m| m.as_uuid())).bind(&a.filename).bind(&a.content_type).bind(a.size)
            .bind(&a.sha256).bind(a.uploaded_by.map(|u| u.as_uuid())).bind(to_micros(a.created_at))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Db {
    /// The latest `limit` messages of a conversation, oldest first.
    pub async fn messages(&self, ws: WorkspaceId, conversation: ConversationId, limit: u32) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM messages WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(conversation.as_uuid()).bind(limit.clamp(1, 2000) as i64).fetch_all(p).await)?;
        let mut out = rows.into_iter().map(Row::into_message).collect::<Result<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }

    /// The messages of a conversation after `after` (all when `None`),
    /// oldest first; the latest `limit` when there are more. Ids are
    /// time-ordered, so "after an id" is "written later" (the chat widget's cursor).
    pub async fn messages_since(
        &self,
        ws: WorkspaceId,
        conversation: ConversationId,
        after: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM messages WHERE workspace_id = $1 AND conversation_id = $2 AND id > $3 \
             ORDER BY id DESC LIMIT $4"
        );
        let after = after.map(|m| m.as_uuid()).unwrap_or_else(Uuid::nil);
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(conversation.as_uuid()).bind(after).bind(limit.clamp(1, 2000) as i64)
            .fetch_all(p).await)?;
        let mut out = rows.into_iter().map(Row::into_message).collect::<Result<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }

    /// One message.
    pub async fn message(&self, ws: WorkspaceId, id: MessageId) -> Result<Message> {
        let sql = format!("SELECT {COLUMNS} FROM messages WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_message()
    }

    /// One attachment.
    pub async fn attachment(&self, ws: WorkspaceId, id: AttachmentId) -> Result<Attachment> {
        let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE workspace_id = $1 AND id = $2");
        let row: Option<AttachmentRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(attachment).ok_or(StoreError::NotFound)
    }

    /// A conversation's attachments, oldest first.
    pub async fn attachments_of(&self, ws: WorkspaceId, conversation: ConversationId) -> Result<Vec<Attachment>> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY id"
        );
        let rows: Vec<AttachmentRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(conversation.as_uuid()).fetch_all(p).await)?;
        Ok(rows.into_iter().map(attachment).collect())
    }
}

//! Phone calls logged on conversations, and the call-backs they owe.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::phone::{CallDirection, CallStatus};
use candor_core::{CallId, ConversationId, CustomerId, MessageId, PromiseId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A stored call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Call {
    /// Its id.
    pub id: CallId,
    /// The customer on the line.
    pub customer_id: CustomerId,
    /// The conversation it is logged in.
    pub conversation_id: ConversationId,
    /// The message that tells it there.
    pub message_id: MessageId,
    /// Inbound or outbound.
    pub direction: CallDirection,
    /// Answered, missed or voicemail.
    pub status: CallStatus,
    /// The calling number (E.164).
    pub from_number: String,
    /// The called number (E.164).
    pub to_number: String,
    /// When the call started.
    pub started_at: Timestamp,
    /// How long it lasted, in seconds.
    pub duration_secs: i64,
    /// A link to the recording (http or https).
    pub recording_url: Option<String>,
    /// The transcript or the agent's notes.
    pub transcript: Option<String>,
    /// The staff member on the call.
    pub agent_id: Option<UserId>,
    /// The telephony system's id for the call.
    pub external_id: Option<String>,
    /// When the call-back is due (unanswered inbound calls).
    pub callback_due_at: Option<Timestamp>,
    /// The call-back promise, once someone owes it.
    pub callback_promise_id: Option<PromiseId>,
    /// When it was logged.
    pub created_at: Timestamp,
    /// Who logged it (a staff member or the owner of the API token).
    pub created_by: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    customer_id: Uuid,
    conversation_id: Uuid,
    message_id: Uuid,
    direction: String,
    status: String,
    from_number: String,
    to_number: String,
    started_at: i64,
    duration_secs: i64,
    recording_url: Option<String>,
    transcript: Option<String>,
    agent_id: Option<Uuid>,
    external_id: Option<String>,
    callback_due_at: Option<i64>,
    callback_promise_id: Option<Uuid>,
    created_at: i64,
    created_by: Option<Uuid>,
}

const COLUMNS: &str = "id, customer_id, conversation_id, message_id, direction, status, from_number, to_number, \
    started_at, duration_secs, recording_url, transcript, agent_id, external_id, callback_due_at, \
    callback_promise_id, created_at, created_by";

impl Row {
    fn into_call(self) -> Result<Call> {
        let bad = |what: &str, e: String| StoreError::Corrupt(format!("call {what}: {e}"));
        Ok(Call {
            id: CallId::from_uuid(self.id),
            customer_id: CustomerId::from_uuid(self.customer_id),
            conversation_id: ConversationId::from_uuid(self.conversation_id),
            message_id: MessageId::from_uuid(self.message_id),
            direction: self.direction.parse().map_err(|e| bad("direction", format!("{e}")))?,
            status: self.status.parse().map_err(|e| bad("status", format!("{e}")))?,
            from_number: self.from_number,
            to_number: self.to_number,
            started_at: from_micros(self.started_at),
            duration_secs: self.duration_secs,
            recording_url: self.recording_url,
            transcript: self.transcript,
            agent_id: self.agent_id.map(UserId::from_uuid),
            external_id: self.external_id,
            callback_due_at: self.callback_due_at.map(from_micros),
            callback_promise_id: self.callback_promise_id.map(PromiseId::from_uuid),
            created_at: from_micros(self.created_at),
            created_by: self.created_by.map(UserId::from_uuid),
        })
    }
}

impl Tx {
    /// Stores a call.
    pub async fn insert_call(&mut self, ws: WorkspaceId, c: &Call) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "INSERT INTO phone_calls (id, workspace_id, customer_id, conversation_id, message_id, direction, status, \
             from_number, to_number, started_at, duration_secs, recording_url, transcript, agent_id, external_id, \
             callback_due_at, callback_promise_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)")
            .bind(c.id.as_uuid()).bind(ws.as_uuid()).bind(c.customer_id.as_uuid()).bind(c.conversation_id.as_uuid())
            .bind(c.message_id.as_uuid()).bind(c.direction.as_str()).bind(c.status.as_str()).bind(&c.from_number)
            .bind(&c.to_number).bind(to_micros(c.started_at)).bind(c.duration_secs).bind(&c.recording_url)
            .bind(&c.transcript).bind(c.agent_id.map(|u| u.as_uuid())).bind(&c.external_id)
            .bind(c.callback_due_at.map(to_micros)).bind(c.callback_promise_id.map(|p| p.as_uuid()))
            .bind(to_micros(c.created_at)).bind(c.created_by.map(|u| u.as_uuid()))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records the promise that owes a call's call-back.
    pub async fn set_callback_promise(&mut self, ws: WorkspaceId, call: CallId, promise: PromiseId) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "UPDATE phone_calls SET callback_promise_id = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(promise.as_uuid()).bind(ws.as_uuid()).bind(call.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Calls of a conversation owed a call-back that nobody owes yet.
    pub async fn calls_awaiting_callback(
        &mut self,
        ws: WorkspaceId,
        conversation: ConversationId,
    ) -> Result<Vec<Call>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM phone_calls WHERE workspace_id = $1 AND conversation_id = $2 \
             AND callback_due_at IS NOT NULL AND callback_promise_id IS NULL ORDER BY id"
        );
        let rows: Vec<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(conversation.as_uuid()).fetch_all(&mut **x).await)?;
        rows.into_iter().map(Row::into_call).collect()
    }

    /// The call told by a message, if it is one.
    pub async fn call_by_message(&mut self, ws: WorkspaceId, message: MessageId) -> Result<Option<Call>> {
        let sql = format!("SELECT {COLUMNS} FROM phone_calls WHERE workspace_id = $1 AND message_id = $2");
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(message.as_uuid()).fetch_optional(&mut **x).await)?;
        row.map(Row::into_call).transpose()
    }
}

impl Db {
    /// The call told by a message, if it is one.
    pub async fn call_by_message(&self, ws: WorkspaceId, message: MessageId) -> Result<Option<Call>> {
        let sql = format!("SELECT {COLUMNS} FROM phone_calls WHERE workspace_id = $1 AND message_id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(message.as_uuid()).fetch_optional(p).await)?;
        row.map(Row::into_call).transpose()
    }

    /// A customer's latest calls, newest first.
    pub async fn calls_of_customer(&self, ws: WorkspaceId, customer: CustomerId, limit: u32) -> Result<Vec<Call>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM phone_calls WHERE workspace_id = $1 AND customer_id = $2 \
             ORDER BY started_at DESC, id DESC LIMIT $3"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(customer.as_uuid()).bind(i64::from(limit.clamp(1, 500))).fetch_all(p).await)?;
        rows.into_iter().map(Row::into_call).collect()
    }

    /// How many calls the workspace has (tests and figures).
    pub async fn count_calls(&self, ws: WorkspaceId) -> Result<i64> {
        let (n,): (i64,) = read!(self, p => sqlx::query_as("SELECT COUNT(*) FROM phone_calls WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_one(p).await)?;
        Ok(n)
    }
}

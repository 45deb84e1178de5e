//! Redress for missed commitments (one row per breach, open until done) and
//! notifications for staff.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::commitments::RedressAction;
use candor_core::{ConversationId, CustomerId, NotificationId, RedressId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// The redress owed for one missed commitment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Redress {
    /// Its id.
    pub id: RedressId,
    /// The conversation whose commitment was missed.
    pub conversation_id: ConversationId,
    /// The customer it was missed for.
    pub customer_id: CustomerId,
    /// Which clock: first_reply, next_reply or resolution.
    pub clock: String,
    /// When it was due.
    pub due_at: Timestamp,
    /// When the breach was recorded.
    pub breached_at: Timestamp,
    /// What Candor does about it, from the commitments.
    pub actions: Vec<RedressAction>,
    /// An apology with the remedy, for an agent to send.
    pub draft: Option<String>,
    /// "open" or "done".
    pub state: String,
    /// When it was done.
    pub done_at: Option<Timestamp>,
    /// Who did it.
    pub done_by: Option<UserId>,
    /// How: "marked done" or "apology sent".
    pub done_how: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    conversation_id: Uuid,
    customer_id: Uuid,
    clock: String,
    due_at: i64,
    breached_at: i64,
    actions: String,
    draft: Option<String>,
    state: String,
    done_at: Option<i64>,
    done_by: Option<Uuid>,
    done_how: Option<String>,
}

const COLUMNS: &str =
    "id, conversation_id, customer_id, clock, due_at, breached_at, actions, draft, state, done_at, done_by, done_how";

impl Row {
    fn into_redress(self) -> Result<Redress> {
        Ok(Redress {
            id: RedressId::from_uuid(self.id),
            conversation_id: ConversationId::from_uuid(self.conversation_id),
            customer_id: CustomerId::from_uuid(self.customer_id),
            clock: self.clock,
            due_at: from_micros(self.due_at),
            breached_at: from_micros(self.breached_at),
            actions: serde_json::from_str(&self.actions)
                .map_err(|e| StoreError::Corrupt(format!("redress actions: {e}")))?,
            draft: self.draft,
            state: self.state,
            done_at: self.done_at.map(from_micros),
            done_by: self.done_by.map(UserId::from_uuid),
            done_how: self.done_how,
        })
    }
}

/// A notification for a staff member.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notification {
    /// Its id.
    pub id: NotificationId,
    /// What it is about: "commitment.warning", "commitment.breached", "promise.reminder"…
    pub kind: String,
    /// The conversation, if any.
    pub conversation_id: Option<ConversationId>,
    /// One sentence.
    pub body: String,
    /// When.
    pub created_at: Timestamp,
    /// When its reader marked it read.
    pub read_at: Option<Timestamp>,
}

type NotificationRow = (Uuid, String, Option<Uuid>, String, i64, Option<i64>);

impl Tx {
    /// Records a breach's redress; `false` (and nothing stored) when this
    /// clock's breach at this due time is recorded already.
    pub async fn insert_redress(&mut self, ws: WorkspaceId, r: &Redress) -> Result<bool> {
        let actions = serde_json::to_string(&r.actions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let n = on_tx!(self, x => sqlx::query(
            "INSERT INTO redress (id, workspace_id, conversation_id, customer_id, clock, due_at, breached_at, actions, \
             draft, state, done_at, done_by, done_how, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', NULL, NULL, NULL, $7) \
             ON CONFLICT (workspace_id, conversation_id, clock, due_at) DO NOTHING")
            .bind(r.id.as_uuid()).bind(ws.as_uuid()).bind(r.conversation_id.as_uuid()).bind(r.customer_id.as_uuid())
            .bind(&r.clock).bind(to_micros(r.due_at)).bind(to_micros(r.breached_at)).bind(&actions).bind(&r.draft)
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Marks an open redress done; `false` when it was done already.
    pub async fn finish_redress(
        &mut self,
        ws: WorkspaceId,
        id: RedressId,
        now: Timestamp,
        by: Option<UserId>,
        how: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE redress SET state = 'done', done_at = $1, done_by = $2, done_how = $3 \
             WHERE workspace_id = $4 AND id = $5 AND state = 'open'")
            .bind(to_micros(now)).bind(by.map(|u| u.as_uuid())).bind(how).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// One redress, read in the transaction.
    pub async fn redress(&mut self, ws: WorkspaceId, id: RedressId) -> Result<Redress> {
        let sql = format!("SELECT {COLUMNS} FROM redress WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        row.ok_or(StoreError::NotFound)?.into_redress()
    }

    /// Leaves a notification for `user`.
    pub async fn notify(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        user: UserId,
        kind: &str,
        conversation: Option<ConversationId>,
        body: &str,
    ) -> Result<NotificationId> {
        let id = NotificationId::new_at(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO notifications (id, workspace_id, user_id, kind, conversation_id, body, created_at, read_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(user.as_uuid()).bind(kind)
            .bind(conversation.map(|c| c.as_uuid())).bind(body).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }
}

impl Db {
    /// One redress.
    pub async fn redress(&self, ws: WorkspaceId, id: RedressId) -> Result<Redress> {
        let sql = format!("SELECT {COLUMNS} FROM redress WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_redress()
    }

    /// Redress in `state` ("open" or "done"; `None` for both), newest first,
    /// older than `before`; `limit` rows.
    pub async fn redress_list(
        &self,
        ws: WorkspaceId,
        state: Option<&str>,
        before: Option<RedressId>,
        limit: u32,
    ) -> Result<Vec<Redress>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM redress WHERE workspace_id = $1 AND ($2 IS NULL OR state = $2) \
             AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(state).bind(before.map(|b| b.as_uuid())).bind(i64::from(limit.clamp(1, 500)))
            .fetch_all(p).await)?;
        rows.into_iter().map(Row::into_redress).collect()
    }

    /// A conversation's redress, oldest first.
    pub async fn redress_of(&self, ws: WorkspaceId, conversation: ConversationId) -> Result<Vec<Redress>> {
        let sql = format!("SELECT {COLUMNS} FROM redress WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY id");
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(conversation.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(Row::into_redress).collect()
    }

    /// Breaches recorded in `[from, to)` and how many of them were redressed.
    pub async fn redress_figures(&self, ws: WorkspaceId, from: Timestamp, to: Timestamp) -> Result<(i64, i64)> {
        let row: (i64, i64) = read!(self, p => sqlx::query_as(
            "SELECT COUNT(*), COUNT(done_at) FROM redress WHERE workspace_id = $1 AND breached_at >= $2 AND breached_at < $3")
            .bind(ws.as_uuid()).bind(to_micros(from)).bind(to_micros(to)).fetch_one(p).await)?;
        Ok(row)
    }

    /// A staff member's notifications, newest first.
    pub async fn notifications(&self, ws: WorkspaceId, user: UserId, limit: u32) -> Result<Vec<Notification>> {
        let rows: Vec<NotificationRow> = read!(self, p => sqlx::query_as(
            "SELECT id, kind, conversation_id, body, created_at, read_at FROM notifications \
             WHERE workspace_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3")
            .bind(ws.as_uuid()).bind(user.as_uuid()).bind(i64::from(limit.clamp(1, 500))).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|r| Notification {
                id: NotificationId::from_uuid(r.0),
                kind: r.1,
                conversation_id: r.2.map(ConversationId::from_uuid),
                body: r.3,
                created_at: from_micros(r.4),
                read_at: r.5.map(from_micros),
            })
            .collect())
    }

    /// Marks one of `user`'s notifications read.
    pub async fn mark_notification_read(
        &self,
        ws: WorkspaceId,
        user: UserId,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(tx, x => sqlx::query(
            "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE workspace_id = $2 AND user_id = $3 AND id = $4")
            .bind(to_micros(now)).bind(ws.as_uuid()).bind(user.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}

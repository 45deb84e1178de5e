//! The promise ledger: who owes what to which customer, by when, and
//! whether it was kept.

use crate::db::{Backend, Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::{from_micros, to_micros};
use candor_core::promises::{PromiseKind, PromiseState};
use candor_core::{ConversationId, CustomerId, PromiseId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A stored promise.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Promise {
    /// Its id.
    pub id: PromiseId,
    /// The conversation it was made in.
    pub conversation_id: ConversationId,
    /// The customer it was made to.
    pub customer_id: CustomerId,
    /// The agent who owes it.
    pub owner_id: UserId,
    /// What was promised.
    pub description: String,
    /// A reply, or another action.
    pub kind: PromiseKind,
    /// When it is due.
    pub due_at: Timestamp,
    /// Open, kept or broken.
    pub state: PromiseState,
    /// How it was recorded: "hand", "detected" or "api".
    pub source: String,
    /// The broken promise this one makes again.
    pub replaces_id: Option<PromiseId>,
    /// Why it is made again.
    pub reason: Option<String>,
    /// When the owner was reminded.
    pub reminded_at: Option<Timestamp>,
    /// When it was kept or broken.
    pub settled_at: Option<Timestamp>,
    /// How it was kept: "marked kept" or "reply sent".
    pub kept_how: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// Who recorded it.
    pub created_by: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    conversation_id: Uuid,
    customer_id: Uuid,
    owner_id: Uuid,
    description: String,
    kind: String,
    due_at: i64,
    state: String,
    source: String,
    replaces_id: Option<Uuid>,
    reason: Option<String>,
    reminded_at: Option<i64>,
    settled_at: Option<i64>,
    kept_how: Option<String>,
    created_at: i64,
    created_by: Option<Uuid>,
}

const COLUMNS: &str = "id, conversation_id, customer_id, owner_id, description, kind, due_at, state, source, \
    replaces_id, reason, reminded_at, settled_at, kept_how, created_at, created_by";

impl Row {
    fn into_promise(self) -> Result<Promise> {
        let bad = |what: &str, e: String| StoreError::Corrupt(format!("promise {what}: {e}"));
        Ok(Promise {
            id: PromiseId::from_uuid(self.id),
            conversation_id: ConversationId::from_uuid(self.conversation_id),
            customer_id: CustomerId::from_uuid(self.customer_id),
            owner_id: UserId::from_uuid(self.owner_id),
            description: self.description,
            kind: self.kind.parse().map_err(|e| bad("kind", e))?,
            due_at: from_micros(self.due_at),
            state: self.state.parse().map_err(|e| bad("state", e))?,
            source: self.source,
            replaces_id: self.replaces_id.map(PromiseId::from_uuid),
            reason: self.reason,
            reminded_at: self.reminded_at.map(from_micros),
            settled_at: self.settled_at.map(from_micros),
            kept_how: self.kept_how,
            created_at: from_micros(self.created_at),
            created_by: self.created_by.map(UserId::from_uuid),
        })
    }
}

/// Which promises a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PromiseFilter {
    /// In this state.
    pub state: Option<PromiseState>,
    /// Owed by this agent.
    pub owner: Option<UserId>,
    /// Made in this conversation.
    pub conversation: Option<ConversationId>,
    /// Made to this customer.
    pub customer: Option<CustomerId>,
}

/// Where a page of promises ends: the last one's due time and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PromiseCursor {
    /// Due time, in microseconds.
    pub due: i64,
    /// The id.
    pub id: Uuid,
}

impl PromiseCursor {
    /// The opaque text given to clients.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.due, self.id.simple())
    }

    /// Reads a cursor given out by [`PromiseCursor::encode`].
    pub fn decode(s: &str) -> Option<Self> {
        let (due, id) = s.trim().split_once('_')?;
        Some(Self {
            due: due.parse().ok()?,
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

impl Tx {
    /// Stores a new promise (state open).
    pub async fn insert_promise(&mut self, ws: WorkspaceId, p: &Promise) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "INSERT INTO promises (id, workspace_id, conversation_id, customer_id, owner_id, description, kind, due_at, \
             state, source, replaces_id, reason, reminded_at, settled_at, kept_how, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL, NULL, $13, $14)")
            .bind(p.id.as_uuid()).bind(ws.as_uuid()).bind(p.conversation_id.as_uuid()).bind(p.customer_id.as_uuid())
            .bind(p.owner_id.as_uuid()).bind(&p.description).bind(p.kind.as_str()).bind(to_micros(p.due_at))
            .bind(p.state.as_str()).bind(&p.source).bind(p.replaces_id.map(|r| r.as_uuid())).bind(&p.reason)
            .bind(to_micros(p.created_at)).bind(p.created_by.map(|u| u.as_uuid()))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A promise, locked for this transaction on PostgreSQL.
    pub async fn promise_for_update(&mut self, ws: WorkspaceId, id: PromiseId) -> Result<Promise> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!("SELECT {COLUMNS} FROM promises WHERE workspace_id = $1 AND id = $2{lock}");
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        row.ok_or(StoreError::NotFound)?.into_promise()
    }

    /// Settles an open promise as kept or broken; `false` when it was settled already.
    pub async fn settle_promise(
        &mut self,
        ws: WorkspaceId,
        id: PromiseId,
        state: PromiseState,
        now: Timestamp,
        kept_how: Option<&str>,
    ) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE promises SET state = $1, settled_at = $2, kept_how = $3 WHERE workspace_id = $4 AND id = $5 \
             AND state = 'open'")
            .bind(state.as_str()).bind(to_micros(now)).bind(kept_how).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records the reminder of an open promise; `false` when it was reminded already.
    pub async fn mark_promise_reminded(&mut self, ws: WorkspaceId, id: PromiseId, now: Timestamp) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE promises SET reminded_at = $1 WHERE workspace_id = $2 AND id = $3 AND state = 'open' \
             AND reminded_at IS NULL")
            .bind(to_micros(now)).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Open reply promises `owner` made in a conversation before `before`:
    /// the ones a reply sent now keeps.
    pub async fn open_reply_promises(
        &mut self,
        ws: WorkspaceId,
        conversation: ConversationId,
        owner: UserId,
        before: Timestamp,
    ) -> Result<Vec<Promise>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM promises WHERE workspace_id = $1 AND conversation_id = $2 AND owner_id = $3 \
             AND state = 'open' AND kind = 'reply' AND created_at < $4 ORDER BY id"
        );
        let rows: Vec<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(conversation.as_uuid()).bind(owner.as_uuid()).bind(to_micros(before))
            .fetch_all(&mut **x).await)?;
        rows.into_iter().map(Row::into_promise).collect()
    }
}

/// Promises made in a period and how they stand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PromiseFigures {
    /// Made.
    pub made: i64,
    /// Of those, kept.
    pub kept: i64,
    /// Of those, broken.
    pub broken: i64,
}

impl Db {
    /// One promise.
    pub async fn promise(&self, ws: WorkspaceId, id: PromiseId) -> Result<Promise> {
        let sql = format!("SELECT {COLUMNS} FROM promises WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_promise()
    }

    /// A page of promises matching `filter`, soonest due first, after `after`.
    pub async fn promises(
        &self,
        ws: WorkspaceId,
        filter: &PromiseFilter,
        after: Option<PromiseCursor>,
        limit: u32,
    ) -> Result<(Vec<Promise>, Option<PromiseCursor>)> {
        let limit = limit.clamp(1, 500);
        let mut sql = Sql::new("");
        sql.push(&format!("SELECT {COLUMNS} FROM promises WHERE workspace_id = "))
            .bind(Arg::Uuid(ws.as_uuid()));
        if let Some(s) = filter.state {
            sql.push(" AND state = ").bind(Arg::Text(s.as_str().into()));
        }
        if let Some(o) = filter.owner {
            sql.push(" AND owner_id = ").bind(Arg::Uuid(o.as_uuid()));
        }
        if let Some(c) = filter.conversation {
            sql.push(" AND conversation_id = ").bind(Arg::Uuid(c.as_uuid()));
        }
        if let Some(c) = filter.customer {
            sql.push(" AND customer_id = ").bind(Arg::Uuid(c.as_uuid()));
        }
        if let Some(cur) = after {
            sql.push(" AND (due_at > ")
                .bind(Arg::I64(cur.due))
                .push(" OR (due_at = ")
                .bind(Arg::I64(cur.due))
                .push(" AND id > ")
                .bind(Arg::Uuid(cur.id))
                .push("))");
        }
        sql.push(" ORDER BY due_at, id LIMIT ")
            .bind(Arg::I64(i64::from(limit) + 1));
        let rows: Vec<Row> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        let more = rows.len() > limit as usize;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(Row::into_promise)
            .collect::<Result<Vec<_>>>()?;
        let next = if more {
            items.last().map(|p| PromiseCursor {
                due: to_micros(p.due_at),
                id: p.id.as_uuid(),
            })
        } else {
            None
        };
        Ok((items, next))
    }

    /// Promises made in `[from, to)`: how many, and how many were kept and broken.
    pub async fn promise_figures(&self, ws: WorkspaceId, from: Timestamp, to: Timestamp) -> Result<PromiseFigures> {
        let row: (i64, i64, i64) = read!(self, p => sqlx::query_as(
            "SELECT COUNT(*), COALESCE(CAST(SUM(CASE WHEN state = 'kept' THEN 1 ELSE 0 END) AS BIGINT), 0), \
             COALESCE(CAST(SUM(CASE WHEN state = 'broken' THEN 1 ELSE 0 END) AS BIGINT), 0) \
             FROM promises WHERE workspace_id = $1 AND created_at >= $2 AND created_at < $3")
            .bind(ws.as_uuid()).bind(to_micros(from)).bind(to_micros(to)).fetch_one(p).await)?;
        Ok(PromiseFigures {
            made: row.0,
            kept: row.1,
            broken: row.2,
        })
    }
}

//! What rebuilding the clocks from the event log reads and writes: a
//! workspace's conversations a page at a time, the rows of a batch of
//! conversations, and the rebuilt rows in multi-row statements.

use crate::clocks::{COLUMNS, Row, StoredClocks, UPSERT};
use crate::db::{Db, Tx, on_tx, read};
use crate::error::Result;
use crate::sql::{Arg, Sql, bind_args};
use candor_core::{ConversationId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// Rows per INSERT: 15 values a row stays well under both databases' limits.
const ROWS_PER_STATEMENT: usize = 200;

/// A conversation as the rebuild needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationHead {
    /// The conversation.
    pub id: ConversationId,
    /// Its channel.
    pub channel: String,
    /// Its priority now.
    pub priority: String,
}

impl Db {
    /// A workspace's conversations in id order, after `after`, at most `limit`.
    pub async fn conversation_heads(
        &self,
        ws: WorkspaceId,
        after: Option<ConversationId>,
        limit: u32,
    ) -> Result<Vec<ConversationHead>> {
        let rows: Vec<(Uuid, String, String)> = read!(self, p => sqlx::query_as(
            "SELECT id, channel, priority FROM conversations WHERE workspace_id = $1 AND ($2 IS NULL OR id > $2) \
             ORDER BY id LIMIT $3")
            .bind(ws.as_uuid()).bind(after.map(|a| a.as_uuid())).bind(i64::from(limit.clamp(1, 5000)))
            .fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, channel, priority)| ConversationHead {
                id: ConversationId::from_uuid(id),
                channel,
                priority,
            })
            .collect())
    }

    /// The clock rows of some of a workspace's conversations (those that have one).
    pub async fn clocks_of(&self, ws: WorkspaceId, ids: &[ConversationId]) -> Result<Vec<StoredClocks>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new(&format!(
                "SELECT {COLUMNS} FROM conversation_clocks WHERE workspace_id = "
            ));
            sql.bind(Arg::Uuid(ws.as_uuid()))
                .push(" AND conversation_id IN ")
                .bind_list(chunk.iter().map(|id| id.as_uuid()))
                .push(" ORDER BY conversation_id");
            let rows: Vec<Row> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
                .fetch_all(p).await)?;
            for row in rows {
                out.push(row.into_clocks()?);
            }
        }
        Ok(out)
    }
}

impl Tx {
    /// Writes many conversations' clocks, inserting or replacing each row,
    /// a few hundred rows a statement.
    pub async fn save_clocks_batch(&mut self, now: Timestamp, rows: &[StoredClocks]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut values = Vec::with_capacity(chunk.len());
            for c in chunk {
                values.push(crate::clocks::clock_args(now, c)?);
            }
            let mut sql = Sql::new(&format!("INSERT INTO conversation_clocks ({COLUMNS}, updated_at)"));
            sql.values(values).push(&format!(
                " ON CONFLICT (workspace_id, conversation_id) DO UPDATE SET {UPSERT}"
            ));
            on_tx!(self, x => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Removes the clock rows of some of a workspace's conversations; returns how many there were.
    pub async fn delete_clocks(&mut self, ws: WorkspaceId, ids: &[ConversationId]) -> Result<u64> {
        let mut gone = 0;
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new("DELETE FROM conversation_clocks WHERE workspace_id = ");
            sql.bind(Arg::Uuid(ws.as_uuid()))
                .push(" AND conversation_id IN ")
                .bind_list(chunk.iter().map(|id| id.as_uuid()));
            gone += on_tx!(self, x => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        Ok(gone)
    }
}

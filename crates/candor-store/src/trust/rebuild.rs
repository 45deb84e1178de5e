//! What `candor trust rebuild` reads and writes: the events that move trust,
//! in log order, a page at a time; and the derived rows replaced at once.

use super::steps::{INSERT_STEPS, StoredStep, Trajectory, step_args};
use super::{COUNT_COLUMNS, CountKey, ROWS_PER_STATEMENT, row_args};
use crate::db::{Backend, Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::to_micros;
use candor_core::trust::kind::MARKETING_SENT;
use candor_core::trust::signals::Counts;
use candor_core::trust::tally::KINDS;
use candor_core::{CustomerId, WorkspaceId};
use std::collections::BTreeMap;
use uuid::Uuid;

/// An event as the rebuild reads it: only what the tally needs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TrustEvent {
    /// Its id (the cursor).
    pub id: Uuid,
    /// When, in microseconds.
    pub at: i64,
    /// Its kind.
    pub kind: String,
    /// The staff member who caused it.
    pub actor_id: Option<Uuid>,
    /// The customer whose timeline it is on.
    pub customer_id: Option<Uuid>,
    /// The payload, as stored.
    pub payload: String,
}

fn events_sql(ws: WorkspaceId, after: Option<Uuid>, limit: u32) -> Sql {
    let mut sql = Sql::new("SELECT id, at, kind, actor_id, customer_id, payload FROM events WHERE workspace_id = ");
    sql.bind(Arg::Uuid(ws.as_uuid()));
    if let Some(a) = after {
        sql.push(" AND id > ").bind(Arg::Uuid(a));
    }
    sql.push(" AND kind IN (");
    for (i, k) in KINDS.iter().chain([&MARKETING_SENT]).enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Arg::Text(k.to_string()));
    }
    sql.push(") ORDER BY id LIMIT ")
        .bind(Arg::I64(i64::from(limit.clamp(1, 100_000))));
    sql
}

/// A page of events as one row: the page's events as a JSON array of
/// `[id, at, kind, actor_id, customer_id, payload]`, in log order. A rebuild
/// reads millions of events, and one row per page crosses from the database
/// driver once instead of once per event.
fn page_sql(backend: Backend, ws: WorkspaceId, after: Option<Uuid>, limit: u32) -> Sql {
    let mut sql = events_sql(ws, after, limit);
    let (head, tail) = match backend {
        // SQLite keeps UUIDs as 16-byte blobs: spelled out in hex for JSON.
        Backend::Sqlite => (
            "SELECT COALESCE(json_group_array(json_array(lower(hex(id)), at, kind, \
             CASE WHEN actor_id IS NULL THEN NULL ELSE lower(hex(actor_id)) END, \
             CASE WHEN customer_id IS NULL THEN NULL ELSE lower(hex(customer_id)) END, payload) ORDER BY id), '[]') FROM (",
            ") page",
        ),
        Backend::Postgres => (
            "SELECT COALESCE(json_agg(json_build_array(id::text, at, kind, actor_id::text, customer_id::text, payload) \
             ORDER BY id), '[]')::text FROM (",
            ") page",
        ),
    };
    sql.text = format!("{head}{}{tail}", sql.text);
    sql
}

/// The events of a page read by [`page_sql`].
fn events_of_page(json: &str) -> Result<Vec<TrustEvent>> {
    type Entry = (String, i64, String, Option<String>, Option<String>, String);
    let corrupt = |e: String| StoreError::Corrupt(format!("a page of events: {e}"));
    let uuid = |s: &str| Uuid::parse_str(s).map_err(|e| corrupt(e.to_string()));
    let entries: Vec<Entry> = serde_json::from_str(json).map_err(|e| corrupt(e.to_string()))?;
    entries
        .into_iter()
        .map(|(id, at, kind, actor, customer, payload)| {
            Ok(TrustEvent {
                id: uuid(&id)?,
                at,
                kind,
                actor_id: actor.as_deref().map(uuid).transpose()?,
                customer_id: customer.as_deref().map(uuid).transpose()?,
                payload,
            })
        })
        .collect()
}

impl Db {
    /// The next page of events that move trust after `after`, in log order.
    pub async fn trust_events_after(
        &self,
        ws: WorkspaceId,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<TrustEvent>> {
        let sql = page_sql(self.backend(), ws, after, limit);
        let (json,): (String,) = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_one(p).await)?;
        events_of_page(&json)
    }
}

impl Tx {
    /// The same, inside a transaction (what arrived while a rebuild read).
    pub async fn trust_events_after(
        &mut self,
        ws: WorkspaceId,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<TrustEvent>> {
        let sql = page_sql(self.backend(), ws, after, limit);
        let (json,): (String,) = on_tx!(self, x => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_one(&mut **x).await)?;
        events_of_page(&json)
    }

    /// Replaces every count, step and trajectory row of a workspace.
    pub async fn replace_trust(
        &mut self,
        ws: WorkspaceId,
        counts: &BTreeMap<CountKey, Counts>,
        steps: &[StoredStep],
        trajectories: &[(CustomerId, Trajectory)],
    ) -> Result<()> {
        for table in ["trust_counts", "trust_steps", "trust_trajectories"] {
            let sql = format!("DELETE FROM {table} WHERE workspace_id = $1");
            on_tx!(self, x => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ws.as_uuid())
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        let rows: Vec<_> = counts.iter().filter(|(_, c)| !c.is_zero()).collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new(&format!(
                "INSERT INTO trust_counts (workspace_id, scope, subject_id, week, {})",
                *COUNT_COLUMNS
            ));
            sql.values(chunk.iter().map(|(k, c)| row_args(ws, k, c)));
            on_tx!(self, x => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        for chunk in steps.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new(INSERT_STEPS);
            sql.values(chunk.iter().map(|s| step_args(ws, s)));
            on_tx!(self, x => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        for chunk in trajectories.chunks(ROWS_PER_STATEMENT) {
            let mut sql =
                Sql::new("INSERT INTO trust_trajectories (workspace_id, customer_id, falling_since, last_step_at)");
            sql.values(chunk.iter().map(|(c, t)| {
                vec![
                    Arg::Uuid(ws.as_uuid()),
                    Arg::Uuid(c.as_uuid()),
                    Arg::i64_or_null(t.falling_since.map(to_micros)),
                    Arg::I64(to_micros(t.last_step_at)),
                ]
            }));
            on_tx!(self, x => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }
}

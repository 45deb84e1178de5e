//! Merging one customer into another, and the reads duplicate detection uses.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::to_micros;
use candor_core::{CustomerId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// What a merge moved to the surviving customer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MergeCounts {
    /// Identities moved.
    pub identities: u64,
    /// Purchases moved.
    pub purchases: u64,
    /// Notes moved.
    pub notes: u64,
    /// Timeline events re-filed.
    pub events: u64,
}

impl Tx {
    /// The live customer behind `id`: itself, or the customer it was merged
    /// into; `None` if there is no such customer in the workspace.
    pub async fn live_customer_id(&mut self, ws: WorkspaceId, id: CustomerId) -> Result<Option<CustomerId>> {
        let row: Option<(Uuid, Option<Uuid>)> = on_tx!(self, x => sqlx::query_as(
            "SELECT id, merged_into FROM customers WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        Ok(row.map(|(id, merged)| CustomerId::from_uuid(merged.unwrap_or(id))))
    }

    /// Moves every identity, purchase, note and timeline event of `other` to
    /// `survivor` and marks `other` merged (its id then redirects). Customers
    /// merged into `other` before now point at `survivor` too. Both must be live
    /// customers of the workspace. Tags and attributes are the caller's to combine.
    pub async fn merge_customers(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        survivor: CustomerId,
        other: CustomerId,
    ) -> Result<MergeCounts> {
        if survivor == other || !self.customer_exists(ws, survivor).await? || !self.customer_exists(ws, other).await? {
            return Err(StoreError::NotFound);
        }
        let (w, s, o) = (ws.as_uuid(), survivor.as_uuid(), other.as_uuid());
        let mut counts = MergeCounts::default();
        for (table, slot) in [
            ("customer_identities", &mut counts.identities),
            ("purchases", &mut counts.purchases),
            ("customer_notes", &mut counts.notes),
            ("events", &mut counts.events),
        ] {
            let sql = format!("UPDATE {table} SET customer_id = $1 WHERE workspace_id = $2 AND customer_id = $3");
            *slot = on_tx!(self, x => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(s).bind(w).bind(o)
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        // Conversations, and the promises and redress made in them, follow
        // the customer; they are not counted as holdings.
        for table in ["conversations", "promises", "redress"] {
            let sql = format!("UPDATE {table} SET customer_id = $1 WHERE workspace_id = $2 AND customer_id = $3");
            on_tx!(self, x => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(s).bind(w).bind(o)
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        on_tx!(self, x => sqlx::query(
            "UPDATE customers SET merged_into = $1, updated_at = $2 WHERE workspace_id = $3 AND (id = $4 OR merged_into = $4)")
            .bind(s).bind(to_micros(now)).bind(w).bind(o).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        on_tx!(self, x => sqlx::query("UPDATE customers SET updated_at = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(to_micros(now)).bind(w).bind(s).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        self.refresh_search_text(ws, survivor).await?;
        // Trust follows the events: the other's counts and steps are the survivor's now.
        self.merge_trust_counts(ws, survivor, other).await?;
        self.merge_trust_steps(ws, survivor, other).await?;
        Ok(counts)
    }
}

impl Db {
    /// Every live customer's id and name.
    pub async fn customer_names(&self, ws: WorkspaceId) -> Result<Vec<(CustomerId, String)>> {
        let rows: Vec<(Uuid, String)> = read!(self, p => sqlx::query_as(
            "SELECT id, name FROM customers WHERE workspace_id = $1 AND merged_into IS NULL")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(c, n)| (CustomerId::from_uuid(c), n)).collect())
    }

    /// Counts of what belongs to a customer: identities, purchases, notes, events.
    pub async fn customer_holdings(&self, ws: WorkspaceId, customer: CustomerId) -> Result<MergeCounts> {
        let mut counts = MergeCounts::default();
        for (table, slot) in [
            ("customer_identities", &mut counts.identities),
            ("purchases", &mut counts.purchases),
            ("customer_notes", &mut counts.notes),
            ("events", &mut counts.events),
        ] {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE workspace_id = $1 AND customer_id = $2");
            let n: i64 = read!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_one(p).await)?;
            *slot = n.max(0) as u64;
        }
        Ok(counts)
    }
}

//! The keys duplicate detection looks customers up by (see
//! `candor_core::likeness`): kept beside each identity and customer as they are
//! written, and filled in once for rows written before the keys existed.

use crate::db::{Db, on_tx, read};
use crate::error::Result;
use candor_core::identity::IdentityKind;
use candor_core::likeness::{identity_match_key, name_blocks};
use candor_core::{CustomerId, WorkspaceId};
use uuid::Uuid;

/// How many rows one backfill transaction fills.
const FILL_BATCH: i64 = 2_000;
/// The most customers one name block lookup returns.
const BLOCK_LIMIT: i64 = 5_000;

impl Db {
    /// Computes the keys of rows that have none yet (rows written before they
    /// existed, or by a bulk loader); returns how many rows were filled.
    pub async fn fill_likeness_keys(&self) -> Result<u64> {
        let mut filled = 0u64;
        loop {
            let rows: Vec<(Uuid, String, String)> = read!(self, p => sqlx::query_as(
                "SELECT id, kind, value FROM customer_identities WHERE match_key IS NULL LIMIT $1")
                .bind(FILL_BATCH).fetch_all(p).await)?;
            if rows.is_empty() {
                break;
            }
            let mut tx = self.begin().await?;
            for (id, kind, value) in &rows {
                let key = kind
                    .parse::<IdentityKind>()
                    .map(|k| identity_match_key(k, value))
                    .unwrap_or_default();
                on_tx!(tx, x => sqlx::query("UPDATE customer_identities SET match_key = $1 WHERE id = $2")
                    .bind(key).bind(id).execute(&mut **x).await.map(|r| r.rows_affected()))?;
            }
            tx.commit().await?;
            filled += rows.len() as u64;
        }
        loop {
            let rows: Vec<(Uuid, String)> = read!(self, p => sqlx::query_as(
                "SELECT id, name FROM customers WHERE name_first_block IS NULL LIMIT $1")
                .bind(FILL_BATCH).fetch_all(p).await)?;
            if rows.is_empty() {
                break;
            }
            let mut tx = self.begin().await?;
            for (id, name) in &rows {
                let (first, last) = name_blocks(name);
                on_tx!(tx, x => sqlx::query(
                    "UPDATE customers SET name_first_block = $1, name_last_block = $2 WHERE id = $3")
                    .bind(first).bind(last).bind(id).execute(&mut **x).await.map(|r| r.rows_affected()))?;
            }
            tx.commit().await?;
            filled += rows.len() as u64;
        }
        Ok(filled)
    }

    /// Identities of one kind whose match key is one of `keys`, with their customer.
    pub async fn identities_matching(
        &self,
        ws: WorkspaceId,
        kind: IdentityKind,
        key: &str,
    ) -> Result<Vec<(CustomerId, String)>> {
        let rows: Vec<(Uuid, String)> = read!(self, p => sqlx::query_as(
            "SELECT customer_id, value FROM customer_identities WHERE workspace_id = $1 AND kind = $2 AND match_key = $3")
            .bind(ws.as_uuid()).bind(kind.as_str()).bind(key).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(c, v)| (CustomerId::from_uuid(c), v)).collect())
    }

    /// Live customers whose name starts a word the way `name` does (see
    /// `name_blocks`), with their names: the candidates for "nearly the same name".
    pub async fn customers_in_name_blocks(&self, ws: WorkspaceId, name: &str) -> Result<Vec<(CustomerId, String)>> {
        let (first, last) = name_blocks(name);
        if first.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(Uuid, String)> = read!(self, p => sqlx::query_as(
            "SELECT id, name FROM customers WHERE workspace_id = $1 AND merged_into IS NULL \
             AND (name_first_block = $2 OR name_last_block = $3 OR name_first_block = $3 OR name_last_block = $2) \
             LIMIT $4")
            .bind(ws.as_uuid()).bind(&first).bind(&last).bind(BLOCK_LIMIT).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(c, n)| (CustomerId::from_uuid(c), n)).collect())
    }

    /// The email domains of live customers with exactly this name key.
    pub async fn email_domains_of_name(&self, ws: WorkspaceId, name_key: &str) -> Result<Vec<(CustomerId, String)>> {
        let rows: Vec<(Uuid, String)> = read!(self, p => sqlx::query_as(
            "SELECT c.id, i.match_key FROM customers c JOIN customer_identities i \
             ON i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.kind = 'email' \
             WHERE c.workspace_id = $1 AND c.name_key = $2 AND c.merged_into IS NULL AND i.match_key IS NOT NULL")
            .bind(ws.as_uuid()).bind(name_key).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(c, d)| (CustomerId::from_uuid(c), d)).collect())
    }
}

//! Many rows in few statements, for imports: purchases and their events are
//! written as multi-row INSERTs, and what already exists is asked for a chunk
//! at a time, so a file of 100,000 rows costs hundreds of round trips, not
//! hundreds of thousands.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::events::NewEvent;
use crate::purchases::{NewPurchase, Purchase, status_str};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::to_micros;
use candor_core::{CustomerId, EventId, PurchaseId, WorkspaceId};
use jiff::Timestamp;
use std::collections::HashSet;
use uuid::Uuid;

/// Rows per INSERT: well under both databases' limits on bound values.
const ROWS_PER_STATEMENT: usize = 500;
/// Keys per `IN (…)` lookup.
const KEYS_PER_LOOKUP: usize = 500;

impl Db {
    /// Which of `ids` are external ids of purchases already stored in `ws`.
    pub async fn existing_purchase_external_ids(&self, ws: WorkspaceId, ids: &[String]) -> Result<HashSet<String>> {
        let mut found = HashSet::new();
        for chunk in ids.chunks(KEYS_PER_LOOKUP) {
            let mut sql = Sql::new("SELECT external_id FROM purchases WHERE workspace_id = ");
            sql.bind(Arg::Uuid(ws.as_uuid())).push(" AND external_id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Arg::Text(id.clone()));
            }
            sql.push(")");
            let rows: Vec<String> = read!(self, p => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), sql.args).fetch_all(p).await)?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Which of `ids` are customers of `ws` (merged ones included).
    pub async fn existing_customer_ids(&self, ws: WorkspaceId, ids: &[CustomerId]) -> Result<HashSet<CustomerId>> {
        let mut found = HashSet::new();
        for chunk in ids.chunks(KEYS_PER_LOOKUP) {
            let mut sql = Sql::new("SELECT id FROM customers WHERE workspace_id = ");
            sql.bind(Arg::Uuid(ws.as_uuid())).push(" AND id IN ");
            sql.bind_list(chunk.iter().map(|c| c.as_uuid()));
            let rows: Vec<Uuid> = read!(self, p => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), sql.args).fetch_all(p).await)?;
            found.extend(rows.into_iter().map(CustomerId::from_uuid));
        }
        Ok(found)
    }
}

impl Tx {
    /// Inserts purchases in multi-row statements; a conflict on `external_id`
    /// if one of them is already stored.
    pub async fn insert_purchases(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        new: &[NewPurchase],
    ) -> Result<Vec<Purchase>> {
        let mut out = Vec::with_capacity(new.len());
        for chunk in new.chunks(ROWS_PER_STATEMENT) {
            let purchases: Vec<Purchase> = chunk
                .iter()
                .map(|p| Purchase {
                    id: PurchaseId::new_at(now),
                    customer_id: p.customer_id,
                    product: p.product.clone(),
                    product_name: p.product_name.clone(),
                    amount: p.amount,
                    at: p.at,
                    external_id: p.external_id.clone(),
                    status: p.status,
                    created_at: now,
                })
                .collect();
            let mut sql = Sql::new(
                "INSERT INTO purchases (id, workspace_id, customer_id, product, product_name, amount_minor, currency, at, \
                 external_id, status, created_at)",
            );
            sql.values(purchases.iter().map(|p| {
                vec![
                    Arg::Uuid(p.id.as_uuid()),
                    Arg::Uuid(ws.as_uuid()),
                    Arg::Uuid(p.customer_id.as_uuid()),
                    Arg::Text(p.product.clone()),
                    Arg::text_or_null(p.product_name.as_deref()),
                    Arg::I64(p.amount.minor),
                    Arg::Text(p.amount.currency.code().to_string()),
                    Arg::I64(to_micros(p.at)),
                    Arg::text_or_null(p.external_id.as_deref()),
                    Arg::Text(status_str(p.status).to_string()),
                    Arg::I64(to_micros(now)),
                ]
            }));
            on_tx!(self, x => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
                .execute(&mut **x).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::on_unique(e, "external_id", "a purchase with this external id exists"))?;
            out.extend(purchases);
        }
        Ok(out)
    }

    /// Appends events, each on its customer's timeline, in multi-row statements.
    pub async fn append_customer_events(
        &mut self,
        at: Timestamp,
        events: &[(NewEvent<'_>, Option<CustomerId>)],
    ) -> Result<Vec<EventId>> {
        let mut ids = Vec::with_capacity(events.len());
        for chunk in events.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new(
                "INSERT INTO events (id, workspace_id, at, actor_type, actor_id, kind, subject_type, subject_id, payload, \
                 customer_id)",
            );
            let mut rows = Vec::with_capacity(chunk.len());
            for (event, customer) in chunk {
                let id = EventId::new_at(at);
                ids.push(id);
                rows.push(crate::events::event_args(id, at, event, *customer));
            }
            sql.values(rows);
            on_tx!(self, x => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        for (event, customer) in events {
            self.tally_event(
                event.workspace_id,
                at,
                event.kind,
                event.actor,
                *customer,
                &event.payload,
            )
            .await?;
        }
        Ok(ids)
    }
}

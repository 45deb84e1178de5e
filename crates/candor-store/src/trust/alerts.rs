//! Alerts a falling trajectory raises in the inbox: at most one open per
//! customer, until someone reaches out or dismisses it.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::{CustomerId, TrustAlertId, TrustStepId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A trust alert with what the inbox shows of its customer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrustAlert {
    /// Its id.
    pub id: TrustAlertId,
    /// The customer.
    pub customer_id: CustomerId,
    /// Their name (else their first identity).
    pub customer_name: String,
    /// Their tier when read.
    pub tier: Option<String>,
    /// The step that made the trajectory fall.
    pub step_id: TrustStepId,
    /// Why, in words.
    pub reason: String,
    /// open or handled.
    pub state: String,
    /// When it was raised.
    pub created_at: Timestamp,
    /// When someone acted on it.
    pub handled_at: Option<Timestamp>,
    /// Who.
    pub handled_by: Option<UserId>,
    /// How: reached out, dismissed, merged.
    pub handled_how: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    customer_id: Uuid,
    name: Option<String>,
    tier: Option<String>,
    step_id: Uuid,
    reason: String,
    state: String,
    created_at: i64,
    handled_at: Option<i64>,
    handled_by: Option<Uuid>,
    handled_how: Option<String>,
}

impl Row {
    fn into_alert(self) -> TrustAlert {
        TrustAlert {
            id: TrustAlertId::from_uuid(self.id),
            customer_id: CustomerId::from_uuid(self.customer_id),
            customer_name: self.name.unwrap_or_default(),
            tier: self.tier,
            step_id: TrustStepId::from_uuid(self.step_id),
            reason: self.reason,
            state: self.state,
            created_at: from_micros(self.created_at),
            handled_at: self.handled_at.map(from_micros),
            handled_by: self.handled_by.map(UserId::from_uuid),
            handled_how: self.handled_how,
        }
    }
}

const SELECT: &str = "SELECT a.id, a.customer_id, COALESCE(NULLIF(c.name, ''), \
     (SELECT i.value FROM customer_identities i WHERE i.workspace_id = a.workspace_id AND i.customer_id = a.customer_id \
      ORDER BY i.id LIMIT 1)) AS name, c.tier, a.step_id, a.reason, a.state, a.created_at, a.handled_at, a.handled_by, \
     a.handled_how FROM trust_alerts a LEFT JOIN customers c ON c.workspace_id = a.workspace_id AND c.id = a.customer_id";

impl Tx {
    /// Raises an alert unless the customer has an open one; says whether it did.
    pub async fn raise_trust_alert(
        &mut self,
        ws: WorkspaceId,
        id: TrustAlertId,
        customer: CustomerId,
        step: TrustStepId,
        reason: &str,
        at: Timestamp,
    ) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "INSERT INTO trust_alerts (id, workspace_id, customer_id, step_id, reason, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6) ON CONFLICT DO NOTHING")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(customer.as_uuid()).bind(step.as_uuid()).bind(reason)
            .bind(to_micros(at)).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Marks an open alert handled; NotFound when there is no such alert,
    /// false when it was handled already.
    pub async fn handle_trust_alert(
        &mut self,
        ws: WorkspaceId,
        id: TrustAlertId,
        by: UserId,
        how: &str,
        at: Timestamp,
    ) -> Result<(bool, CustomerId)> {
        let row: Option<(Uuid, String)> = on_tx!(self, x => sqlx::query_as(
            "SELECT customer_id, state FROM trust_alerts WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        let (customer, state) = row.ok_or(StoreError::NotFound)?;
        let customer = CustomerId::from_uuid(customer);
        if state != "open" {
            return Ok((false, customer));
        }
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE trust_alerts SET state = 'handled', handled_at = $1, handled_by = $2, handled_how = $3 \
             WHERE workspace_id = $4 AND id = $5 AND state = 'open'")
            .bind(to_micros(at)).bind(by.as_uuid()).bind(how).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok((n == 1, customer))
    }
}

impl Db {
    /// Open alerts, newest first.
    pub async fn open_trust_alerts(&self, ws: WorkspaceId, limit: u32) -> Result<Vec<TrustAlert>> {
        let sql = format!("{SELECT} WHERE a.workspace_id = $1 AND a.state = 'open' ORDER BY a.id DESC LIMIT $2");
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(i64::from(limit.clamp(1, 500))).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Row::into_alert).collect())
    }

    /// A customer's alerts, newest first.
    pub async fn trust_alerts_of(&self, ws: WorkspaceId, customer: CustomerId) -> Result<Vec<TrustAlert>> {
        let sql = format!("{SELECT} WHERE a.workspace_id = $1 AND a.customer_id = $2 ORDER BY a.id DESC LIMIT 50");
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Row::into_alert).collect())
    }

    /// One alert.
    pub async fn trust_alert(&self, ws: WorkspaceId, id: TrustAlertId) -> Result<TrustAlert> {
        let sql = format!("{SELECT} WHERE a.workspace_id = $1 AND a.id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(Row::into_alert).ok_or(StoreError::NotFound)
    }
}

//! Purchases (idempotent on their external id), the workspace's value
//! settings, and the computed value columns of customers.

use crate::customers::parse_stage;
use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::value::{
    Currency, CustomerValue, Money, Purchase as ValuePurchase, PurchaseStatus, Stage, StageRules, TierCuts, ValueRules,
};
use candor_core::{CustomerId, PurchaseId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A stored purchase.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Purchase {
    /// Its id.
    pub id: PurchaseId,
    /// Who bought.
    pub customer_id: CustomerId,
    /// The product's code, e.g. "sku-123".
    pub product: String,
    /// The product's name for people.
    pub product_name: Option<String>,
    /// What was paid.
    pub amount: Money,
    /// When it was bought.
    pub at: Timestamp,
    /// The id in the company's own system; purchases are idempotent on it.
    pub external_id: Option<String>,
    /// paid, refunded or cancelled.
    pub status: PurchaseStatus,
    /// When Candor recorded it.
    pub created_at: Timestamp,
}

/// A purchase about to be recorded.
#[derive(Clone, Debug)]
pub struct NewPurchase {
    /// Who bought.
    pub customer_id: CustomerId,
    /// Product code.
    pub product: String,
    /// Product name.
    pub product_name: Option<String>,
    /// What was paid.
    pub amount: Money,
    /// When.
    pub at: Timestamp,
    /// External id.
    pub external_id: Option<String>,
    /// Status.
    pub status: PurchaseStatus,
}

/// The workspace's currency and the thresholds of its value rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ValueSettings {
    /// Money figures count purchases in this currency.
    pub currency: Currency,
    /// Stage and tier rules.
    pub rules: ValueRules,
    /// When tiers and RFM were last computed.
    pub computed_at: Option<Timestamp>,
}

/// A purchase status as stored.
pub fn status_str(s: PurchaseStatus) -> &'static str {
    match s {
        PurchaseStatus::Paid => "paid",
        PurchaseStatus::Refunded => "refunded",
        PurchaseStatus::Cancelled => "cancelled",
    }
}

/// Reads a purchase status: paid, refunded or cancelled.
pub fn parse_status(s: &str) -> Option<PurchaseStatus> {
    match s.trim().to_ascii_lowercase().as_str() {
        "paid" => Some(PurchaseStatus::Paid),
        "refunded" => Some(PurchaseStatus::Refunded),
        "cancelled" | "canceled" => Some(PurchaseStatus::Cancelled),
        _ => None,
    }
}

type PurchaseRow = (
    Uuid,
    Uuid,
    String,
    Option<String>,
    i64,
    String,
    i64,
    Option<String>,
    String,
    i64,
);
const PURCHASE_COLUMNS: &str =
    "id, customer_id, product, product_name, amount_minor, currency, at, external_id, status, created_at";

fn purchase(r: PurchaseRow) -> Result<Purchase> {
    let currency: Currency =
        r.5.parse()
            .map_err(|e| StoreError::Corrupt(format!("purchase currency: {e}")))?;
    Ok(Purchase {
        id: PurchaseId::from_uuid(r.0),
        customer_id: CustomerId::from_uuid(r.1),
        product: r.2,
        product_name: r.3,
        amount: Money::new(r.4, currency),
        at: from_micros(r.6),
        external_id: r.7,
        status: parse_status(&r.8).ok_or_else(|| StoreError::Corrupt(format!("purchase status {}", r.8)))?,
        created_at: from_micros(r.9),
    })
}

type SettingsRow = (String, i32, i32, i32, i32, Option<i64>);

fn settings(r: SettingsRow) -> Result<ValueSettings> {
    let pct = |v: i32| v.clamp(0, 100) as u8;
    let days = |v: i32| v.max(0) as u32;
    Ok(ValueSettings {
        currency: r
            .0
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("value currency: {e}")))?,
        rules: ValueRules {
            stages: StageRules {
                at_risk_after_days: days(r.1),
                former_after_days: days(r.2),
            },
            tiers: TierCuts {
                a_percent: pct(r.3),
                b_percent: pct(r.4),
            },
        },
        computed_at: r.5.map(from_micros),
    })
}

const SETTINGS_COLUMNS: &str =
    "currency, at_risk_after_days, former_after_days, tier_a_percent, tier_b_percent, computed_at";

impl Tx {
    /// The purchase with this external id, if recorded.
    pub async fn purchase_by_external_id(&mut self, ws: WorkspaceId, external_id: &str) -> Result<Option<Purchase>> {
        let sql = format!("SELECT {PURCHASE_COLUMNS} FROM purchases WHERE workspace_id = $1 AND external_id = $2");
        let row: Option<PurchaseRow> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(external_id).fetch_optional(&mut **x).await)?;
        row.map(purchase).transpose()
    }

    /// Records a purchase; a conflict on `external_id` if it is taken.
    pub async fn insert_purchase(&mut self, now: Timestamp, ws: WorkspaceId, p: &NewPurchase) -> Result<Purchase> {
        let id = PurchaseId::new_at(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO purchases (id, workspace_id, customer_id, product, product_name, amount_minor, currency, at, \
             external_id, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(p.customer_id.as_uuid()).bind(&p.product)
            .bind(p.product_name.clone()).bind(p.amount.minor).bind(p.amount.currency.code()).bind(to_micros(p.at))
            .bind(p.external_id.clone()).bind(status_str(p.status)).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "external_id", "a purchase with this external id exists"))?;
        Ok(Purchase {
            id,
            customer_id: p.customer_id,
            product: p.product.clone(),
            product_name: p.product_name.clone(),
            amount: p.amount,
            at: p.at,
            external_id: p.external_id.clone(),
            status: p.status,
            created_at: now,
        })
    }

    /// Every purchase of a customer, as value input.
    pub async fn value_purchases(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<Vec<ValuePurchase>> {
        let rows: Vec<(i64, String, i64, String)> = on_tx!(self, x => sqlx::query_as(
            "SELECT amount_minor, currency, at, status FROM purchases WHERE workspace_id = $1 AND customer_id = $2")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_all(&mut **x).await)?;
        rows.into_iter().map(value_purchase).collect()
    }

    /// The workspace's value settings, if any purchase has set them, read in the transaction.
    pub async fn value_settings_in_tx(&mut self, ws: WorkspaceId) -> Result<Option<ValueSettings>> {
        let sql = format!("SELECT {SETTINGS_COLUMNS} FROM value_settings WHERE workspace_id = $1");
        let row: Option<SettingsRow> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_optional(&mut **x).await)?;
        row.map(settings).transpose()
    }

    /// The workspace's value settings, created with `currency` and the default
    /// rules if it has none yet.
    pub async fn ensure_value_settings(&mut self, ws: WorkspaceId, currency: Currency) -> Result<ValueSettings> {
        let d = ValueRules::default();
        on_tx!(self, x => sqlx::query(
            "INSERT INTO value_settings (workspace_id, currency, at_risk_after_days, former_after_days, tier_a_percent, \
             tier_b_percent) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id) DO NOTHING")
            .bind(ws.as_uuid()).bind(currency.code()).bind(d.stages.at_risk_after_days as i32)
            .bind(d.stages.former_after_days as i32).bind(i32::from(d.tiers.a_percent)).bind(i32::from(d.tiers.b_percent))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        let sql = format!("SELECT {SETTINGS_COLUMNS} FROM value_settings WHERE workspace_id = $1");
        let row: SettingsRow = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_one(&mut **x).await)?;
        settings(row)
    }

    /// Stores the figures a customer's own purchases give at once: lifetime
    /// value, orders, last purchase and stage.
    pub async fn set_customer_value(
        &mut self,
        ws: WorkspaceId,
        customer: CustomerId,
        ltv: Money,
        orders: i64,
        last_purchase_at: Option<Timestamp>,
        stage: Stage,
    ) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "UPDATE customers SET ltv_minor = $1, ltv_currency = $2, orders = $3, last_purchase_at = $4, stage = $5 \
             WHERE workspace_id = $6 AND id = $7")
            .bind(ltv.minor).bind(ltv.currency.code()).bind(orders).bind(last_purchase_at.map(to_micros))
            .bind(stage.as_str()).bind(ws.as_uuid()).bind(customer.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Stores every figure of a workspace-wide value computation for one customer.
    pub async fn set_full_value(&mut self, ws: WorkspaceId, customer: CustomerId, v: &CustomerValue) -> Result<()> {
        let net = v.lifetime_value.net;
        on_tx!(self, x => sqlx::query(
            "UPDATE customers SET ltv_minor = $1, ltv_currency = $2, orders = $3, last_purchase_at = $4, stage = $5, \
             tier = $6, rfm_recency = $7, rfm_frequency = $8, rfm_monetary = $9 WHERE workspace_id = $10 AND id = $11")
            .bind(net.minor).bind(net.currency.code()).bind(i64::from(v.orders)).bind(v.last_purchase_at.map(to_micros))
            .bind(v.stage.as_str()).bind(v.tier.map(|t| t.as_str())).bind(v.rfm.map(|r| i32::from(r.recency)))
            .bind(v.rfm.map(|r| i32::from(r.frequency))).bind(v.rfm.map(|r| i32::from(r.monetary)))
            .bind(ws.as_uuid()).bind(customer.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records when the workspace's value figures were last computed.
    pub async fn mark_value_computed(&mut self, ws: WorkspaceId, at: Timestamp) -> Result<()> {
        on_tx!(self, x => sqlx::query("UPDATE value_settings SET computed_at = $1 WHERE workspace_id = $2")
            .bind(to_micros(at)).bind(ws.as_uuid()).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

fn value_purchase(r: (i64, String, i64, String)) -> Result<ValuePurchase> {
    Ok(ValuePurchase {
        amount: Money::new(
            r.0,
            r.1.parse()
                .map_err(|e| StoreError::Corrupt(format!("purchase currency: {e}")))?,
        ),
        at: from_micros(r.2),
        status: parse_status(&r.3).ok_or_else(|| StoreError::Corrupt(format!("purchase status {}", r.3)))?,
    })
}

impl Db {
    /// A customer's purchases, newest first.
    pub async fn purchases_of(&self, ws: WorkspaceId, customer: CustomerId) -> Result<Vec<Purchase>> {
        let sql = format!(
            "SELECT {PURCHASE_COLUMNS} FROM purchases WHERE workspace_id = $1 AND customer_id = $2 ORDER BY at DESC, id DESC"
        );
        let rows: Vec<PurchaseRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(purchase).collect()
    }

    /// One purchase.
    pub async fn purchase(&self, ws: WorkspaceId, id: PurchaseId) -> Result<Purchase> {
        let sql = format!("SELECT {PURCHASE_COLUMNS} FROM purchases WHERE workspace_id = $1 AND id = $2");
        let row: Option<PurchaseRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(purchase).transpose()?.ok_or(StoreError::NotFound)
    }

    /// The workspace's value settings, if any purchase has set them.
    pub async fn value_settings(&self, ws: WorkspaceId) -> Result<Option<ValueSettings>> {
        let sql = format!("SELECT {SETTINGS_COLUMNS} FROM value_settings WHERE workspace_id = $1");
        let row: Option<SettingsRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_optional(p).await)?;
        row.map(settings).transpose()
    }

    /// Workspaces that have value settings (and so purchases).
    pub async fn value_workspaces(&self) -> Result<Vec<WorkspaceId>> {
        let rows: Vec<(Uuid,)> =
            read!(self, p => sqlx::query_as("SELECT workspace_id FROM value_settings").fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(w,)| WorkspaceId::from_uuid(w)).collect())
    }

    /// Every live customer of the workspace with their purchases, as value input.
    pub async fn value_histories(&self, ws: WorkspaceId) -> Result<Vec<(CustomerId, Vec<ValuePurchase>)>> {
        let ids: Vec<(Uuid,)> = read!(self, p => sqlx::query_as(
            "SELECT id FROM customers WHERE workspace_id = $1 AND merged_into IS NULL ORDER BY id")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        let rows: Vec<(Uuid, i64, String, i64, String)> = read!(self, p => sqlx::query_as(
            "SELECT customer_id, amount_minor, currency, at, status FROM purchases WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        let mut by: std::collections::HashMap<Uuid, Vec<ValuePurchase>> = std::collections::HashMap::new();
        for (c, minor, cur, at, status) in rows {
            by.entry(c).or_default().push(value_purchase((minor, cur, at, status))?);
        }
        Ok(ids
            .into_iter()
            .map(|(id,)| (CustomerId::from_uuid(id), by.remove(&id).unwrap_or_default()))
            .collect())
    }

    /// The stage stored for a customer.
    pub async fn stored_stage(&self, ws: WorkspaceId, customer: CustomerId) -> Result<Stage> {
        let row: Option<(String,)> = read!(self, p => sqlx::query_as(
            "SELECT stage FROM customers WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_optional(p).await)?;
        parse_stage(&row.ok_or(StoreError::NotFound)?.0)
    }
}

/// What a customer bought of one product before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseHistory {
    /// Paid purchases of the product.
    pub count: i64,
    /// When the latest of them was made.
    pub last_at: Option<Timestamp>,
}

impl Db {
    /// Paid purchases of `product` by the customer who holds `identity` (or
    /// by `customer`), in one indexed query: the repeat-purchase check runs
    /// while a shop waits to take an order.
    pub async fn purchase_history(
        &self,
        ws: WorkspaceId,
        customer: CustomerOrIdentity<'_>,
        product: &str,
    ) -> Result<PurchaseHistory> {
        let (count, last): (i64, Option<i64>) = match customer {
            CustomerOrIdentity::Customer(id) => read!(self, p => sqlx::query_as(
                "SELECT COUNT(*), MAX(at) FROM purchases \
                 WHERE workspace_id = $1 AND customer_id = $2 AND product = $3 AND status = 'paid'")
                .bind(ws.as_uuid()).bind(id.as_uuid()).bind(product).fetch_one(p).await)?,
            CustomerOrIdentity::Identity(identity) => read!(self, p => sqlx::query_as(
                // COUNT(*), not COUNT(p.id): every column read is in the
                // purchases_product index, so no purchase row is fetched.
                "SELECT COUNT(*), MAX(p.at) FROM customer_identities i \
                 JOIN purchases p ON p.workspace_id = i.workspace_id AND p.customer_id = i.customer_id \
                 WHERE i.workspace_id = $1 AND i.kind = $2 AND i.value = $3 AND p.product = $4 AND p.status = 'paid'")
                .bind(ws.as_uuid()).bind(identity.kind().as_str()).bind(identity.value()).bind(product)
                .fetch_one(p).await)?,
        };
        Ok(PurchaseHistory {
            count,
            last_at: last.map(from_micros),
        })
    }
}

/// A customer named by id or by one of their identities.
#[derive(Clone, Copy, Debug)]
pub enum CustomerOrIdentity<'a> {
    /// By id.
    Customer(CustomerId),
    /// By identity.
    Identity(&'a candor_core::identity::Identity),
}

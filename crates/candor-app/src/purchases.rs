//! Purchases: recorded once per external id, by API (one or a batch) and CSV.
//! A purchase updates its customer's own value at once and queues the
//! workspace's tiers to be recomputed.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::reference::{CustomerByIdentity, CustomerRef, resolve_in};
use crate::value::{enqueue_refresh, refresh_customer_in};
use candor_core::WorkspaceId;
use candor_core::events::{Actor, Subject, kind};
use candor_core::staff::Scope;
use candor_core::value::{Currency, Money, PurchaseStatus};
use candor_store::Tx;
use candor_store::events::NewEvent;
use candor_store::purchases::{NewPurchase, Purchase, parse_status, status_str};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

/// The most purchases one batch may hold.
pub const MAX_BATCH: usize = 500;

/// A purchase as sent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurchaseInput {
    /// The customer's id…
    #[serde(default)]
    pub customer_id: Option<String>,
    /// …or an identity.
    #[serde(default)]
    pub customer: Option<CustomerByIdentity>,
    /// Product code.
    pub product: String,
    /// Product name.
    #[serde(default)]
    pub product_name: Option<String>,
    /// Decimal amount, e.g. "19.99".
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// When it was bought; now if absent.
    #[serde(default)]
    pub at: Option<String>,
    /// The id in the company's own system.
    #[serde(default)]
    pub external_id: Option<String>,
    /// paid (default), refunded or cancelled.
    #[serde(default)]
    pub status: Option<String>,
}

/// A checked purchase, with its customer reference.
#[derive(Clone, Debug)]
pub struct CheckedPurchase {
    /// Who.
    pub customer: CustomerRef,
    /// Product code.
    pub product: String,
    /// Product name.
    pub product_name: Option<String>,
    /// Amount.
    pub amount: Money,
    /// When.
    pub at: Timestamp,
    /// External id.
    pub external_id: Option<String>,
    /// Status.
    pub status: PurchaseStatus,
}

fn text_field(prefix: &str, field: &str, raw: &str, max: usize) -> AppResult<String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(AppError::invalid(&format!("{prefix}{field}"), "it is empty"));
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(AppError::invalid(
            &format!("{prefix}{field}"),
            format!("at most {max} characters, without control characters"),
        ));
    }
    Ok(v.to_string())
}

/// Reads a time: RFC 3339, or a date (midnight UTC).
pub fn parse_time(raw: &str) -> Option<Timestamp> {
    let raw = raw.trim();
    raw.parse::<Timestamp>().ok().or_else(|| {
        raw.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
    })
}

/// Checks a sent purchase; errors name the field after `prefix` (e.g. `items[3].`).
pub fn check(prefix: &str, p: &PurchaseInput, now: Timestamp) -> AppResult<CheckedPurchase> {
    let customer = CustomerRef::parse(prefix, p.customer_id.as_deref(), p.customer.as_ref())?;
    let product = text_field(prefix, "product", &p.product, 200)?;
    let product_name = match &p.product_name {
        Some(n) if !n.trim().is_empty() => Some(text_field(prefix, "product_name", n, 300)?),
        _ => None,
    };
    let currency: Currency = p
        .currency
        .parse()
        .map_err(|e: candor_core::value::MoneyError| AppError::invalid(&format!("{prefix}currency"), e.to_string()))?;
    let amount =
        Money::parse(&p.amount, currency).map_err(|e| AppError::invalid(&format!("{prefix}amount"), e.to_string()))?;
    if amount.minor < 0 {
        return Err(AppError::invalid(
            &format!("{prefix}amount"),
            "the amount is negative; record a refund with \"status\": \"refunded\"",
        ));
    }
    let at = match &p.at {
        Some(raw) => parse_time(raw)
            .ok_or_else(|| AppError::invalid(&format!("{prefix}at"), "write a time such as 2026-03-03T10:00:00Z"))?,
        None => now,
    };
    let external_id = match &p.external_id {
        Some(e) => Some(text_field(prefix, "external_id", e, 200)?),
        None => None,
    };
    let status = match &p.status {
        Some(s) => parse_status(s)
            .ok_or_else(|| AppError::invalid(&format!("{prefix}status"), "use paid, refunded or cancelled"))?,
        None => PurchaseStatus::Paid,
    };
    Ok(CheckedPurchase {
        customer,
        product,
        product_name,
        amount,
        at,
        external_id,
        status,
    })
}

/// The event that records a purchase on its customer's timeline.
pub fn recorded_event(ws: WorkspaceId, actor: Actor, purchase: &Purchase, source: &str) -> NewEvent<'static> {
    NewEvent {
        workspace_id: ws,
        actor,
        kind: kind::PURCHASE_RECORDED,
        subject: Subject::new("purchase", purchase.id.as_uuid()),
        payload: json!({
            "product": purchase.product, "product_name": purchase.product_name,
            "amount": purchase.amount.amount(), "currency": purchase.amount.currency.code(),
            "at": purchase.at, "external_id": purchase.external_id, "status": status_str(purchase.status),
            "source": source,
        }),
    }
}

/// Records a checked purchase inside `tx`. With an external id already
/// recorded, returns the stored purchase unchanged and `false`.
pub async fn record_in(
    tx: &mut Tx,
    app: &App,
    ws: WorkspaceId,
    actor: Actor,
    prefix: &str,
    p: &CheckedPurchase,
    source: &str,
) -> AppResult<(Purchase, bool)> {
    if let Some(ext) = &p.external_id
        && let Some(existing) = tx.purchase_by_external_id(ws, ext).await?
    {
        return Ok((existing, false));
    }
    let now = app.now();
    let (customer, _) = resolve_in(tx, app, ws, actor, prefix, &p.customer, source).await?;
    let settings = tx.ensure_value_settings(ws, p.amount.currency).await?;
    let purchase = tx
        .insert_purchase(
            now,
            ws,
            &NewPurchase {
                customer_id: customer,
                product: p.product.clone(),
                product_name: p.product_name.clone(),
                amount: p.amount,
                at: p.at,
                external_id: p.external_id.clone(),
                status: p.status,
            },
        )
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict { message, .. } => AppError::Conflict {
                field: format!("{prefix}external_id"),
                message,
            },
            other => other,
        })?;
    tx.append_customer_event(now, recorded_event(ws, actor, &purchase, source), Some(customer))
        .await?;
    refresh_customer_in(tx, now, ws, customer, &settings).await?;
    enqueue_refresh(tx, now, ws).await?;
    Ok((purchase, true))
}

/// Records one purchase (POST /api/v1/purchases); `true` when it is new.
pub async fn record(app: &App, caller: &Caller, input: &PurchaseInput) -> AppResult<(Purchase, bool)> {
    caller.require(Scope::Write)?;
    let p = check("", input, app.now())?;
    let mut tx = app.db.begin().await?;
    let out = record_in(&mut tx, app, caller.workspace(), caller.actor(), "", &p, "api").await?;
    tx.commit().await?;
    Ok(out)
}

/// Records a batch atomically: every item is checked first, and one bad item
/// stores nothing. Returns each purchase with whether it is new.
pub async fn record_batch(app: &App, caller: &Caller, items: &[PurchaseInput]) -> AppResult<Vec<(Purchase, bool)>> {
    caller.require(Scope::Write)?;
    if items.is_empty() {
        return Err(AppError::invalid("items", "the batch is empty"));
    }
    if items.len() > MAX_BATCH {
        return Err(AppError::invalid(
            "items",
            format!("at most {MAX_BATCH} purchases per batch"),
        ));
    }
    let now = app.now();
    let checked: Vec<CheckedPurchase> = items
        .iter()
        .enumerate()
        .map(|(i, p)| check(&format!("items[{i}]."), p, now))
        .collect::<AppResult<_>>()?;
    let mut tx = app.db.begin().await?;
    let mut out = Vec::with_capacity(checked.len());
    for (i, p) in checked.iter().enumerate() {
        out.push(
            record_in(
                &mut tx,
                app,
                caller.workspace(),
                caller.actor(),
                &format!("items[{i}]."),
                p,
                "api",
            )
            .await?,
        );
    }
    tx.commit().await?;
    Ok(out)
}

//! The purchase file: one row per purchase, keyed by its external id.
//! Customers' own value figures are recomputed by the queued workspace
//! refresh once the file is in, not row by row.

use super::{Rejected, Report, cell, read_table};
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::purchases::{CheckedPurchase, PurchaseInput, check as check_purchase, recorded_event};
use crate::reference::{CustomerByIdentity, CustomerRef, resolve_in};
use crate::value::enqueue_refresh;
use candor_core::events::Actor;
use candor_core::{CustomerId, WorkspaceId};
use candor_store::purchases::NewPurchase;
use std::collections::HashMap;

/// The columns a purchase file may have.
pub const PURCHASE_COLUMNS: [&str; 13] = [
    "external_id",
    "customer_id",
    "customer_email",
    "customer_phone",
    "customer_external_id",
    "customer",
    "customer_name",
    "product",
    "product_name",
    "amount",
    "currency",
    "at",
    "status",
];

fn parse_purchase(header: &[String], r: &[String], now: jiff::Timestamp) -> Result<CheckedPurchase, String> {
    let c = |n: &str| cell(header, r, n).map(str::to_string);
    let Some(external_id) = c("external_id") else {
        return Err("external_id is empty; every imported purchase needs one, so that imports can be repeated".into());
    };
    let name = c("customer_name");
    let by = |kind: &str, value: String| CustomerByIdentity {
        kind: kind.to_string(),
        value,
        name: name.clone(),
    };
    let identity = if let Some(v) = c("customer_email") {
        Some(by("email", v))
    } else if let Some(v) = c("customer_phone") {
        Some(by("phone", v))
    } else if let Some(v) = c("customer_external_id") {
        Some(by("external", v))
    } else if let Some(v) = c("customer") {
        let (kind, value) = v
            .split_once(':')
            .ok_or("customer: write kind:value, e.g. email:jane@example.com")?;
        Some(by(kind, value.to_string()))
    } else {
        None
    };
    let input = PurchaseInput {
        customer_id: c("customer_id"),
        customer: identity,
        product: c("product").unwrap_or_default(),
        product_name: c("product_name"),
        amount: c("amount").unwrap_or_default(),
        currency: c("currency").unwrap_or_default(),
        at: c("at"),
        external_id: Some(external_id),
        status: c("status"),
    };
    check_purchase("", &input, now).map_err(|e| match e {
        AppError::Invalid { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    })
}

/// Imports purchases from CSV bytes into `ws`.
pub async fn purchases(
    app: &App,
    ws: WorkspaceId,
    data: &[u8],
    skip_bad: bool,
    progress: &dyn Fn(u64),
) -> AppResult<Report> {
    let table = read_table(data)?;
    if let Some(bad) = table.header.iter().find(|h| !PURCHASE_COLUMNS.contains(&h.as_str())) {
        return Err(AppError::invalid(
            "file",
            format!(
                "line 1: unknown column {bad:?}; the columns are {}",
                PURCHASE_COLUMNS.join(", ")
            ),
        ));
    }
    let mut report = Report {
        rows: table.rows.len() as u64,
        header: table.header.clone(),
        ..Default::default()
    };
    let now = app.now();
    let mut checked: Vec<(u64, &Vec<String>, Result<CheckedPurchase, String>)> = table
        .rows
        .iter()
        .map(|(line, record)| (*line, record, parse_purchase(&table.header, record, now)))
        .collect();
    let by_id: Vec<CustomerId> = checked
        .iter()
        .filter_map(|(_, _, p)| match p {
            Ok(CheckedPurchase {
                customer: CustomerRef::Id(id),
                ..
            }) => Some(*id),
            _ => None,
        })
        .collect();
    let known = app.db.existing_customer_ids(ws, &by_id).await?;
    let mut good: Vec<(u64, CheckedPurchase)> = Vec::new();
    for (line, record, p) in checked.drain(..) {
        let p = p.and_then(|p| match &p.customer {
            CustomerRef::Id(id) if !known.contains(id) => Err("customer_id: no such customer".to_string()),
            _ => Ok(p),
        });
        match p {
            Ok(p) => good.push((line, p)),
            Err(reason) => report.rejected.push(Rejected {
                line,
                reason,
                record: record.clone(),
            }),
        }
    }
    if !report.rejected.is_empty() && !skip_bad {
        return Ok(report);
    }
    write(app, ws, &good, &mut report, progress).await?;
    report.imported = true;
    Ok(report)
}

/// Rows written per round: customers resolved, purchases and events inserted.
const CHUNK: usize = 1_000;

/// Writes the good rows in one transaction: purchases already stored (by
/// external id) are left alone, each customer is resolved once, purchases and
/// their events go in as multi-row INSERTs in customer order, and the
/// workspace's value figures are queued to be recomputed once rather than per
/// row.
async fn write(
    app: &App,
    ws: WorkspaceId,
    good: &[(u64, CheckedPurchase)],
    report: &mut Report,
    progress: &dyn Fn(u64),
) -> AppResult<()> {
    let now = app.now();
    let externals: Vec<String> = good.iter().filter_map(|(_, p)| p.external_id.clone()).collect();
    let mut seen = app.db.existing_purchase_external_ids(ws, &externals).await?;
    let mut customers: HashMap<String, CustomerId> = HashMap::new();
    let mut tx = app.db.begin().await?;
    if let Some((_, first)) = good.first() {
        tx.ensure_value_settings(ws, first.amount.currency).await?;
    }
    let mut new = Vec::with_capacity(good.len());
    for (line, p) in good {
        if let Some(ext) = &p.external_id
            && !seen.insert(ext.clone())
        {
            report.unchanged += 1;
            continue;
        }
        let key = match &p.customer {
            CustomerRef::Id(id) => format!("id:{id}"),
            CustomerRef::Identity { identity, .. } => identity.to_string(),
        };
        let customer = match customers.get(&key) {
            Some(c) => *c,
            None => {
                let prefix = format!("line {line}: ");
                let (c, _) = resolve_in(&mut tx, app, ws, Actor::System, &prefix, &p.customer, "import").await?;
                customers.insert(key, c);
                c
            }
        };
        new.push(NewPurchase {
            customer_id: customer,
            product: p.product.clone(),
            product_name: p.product_name.clone(),
            amount: p.amount,
            at: p.at,
            external_id: p.external_id.clone(),
            status: p.status,
        });
    }
    let skipped = report.unchanged;
    progress(skipped);
    // In customer order, consecutive rows land on the same pages of the
    // per-customer indexes of purchases and events, which in a big workspace
    // are far larger than any cache; in file order each row touches a page of
    // its own.
    new.sort_by_key(|p| p.customer_id);
    let mut done = skipped;
    for chunk in new.chunks(CHUNK) {
        let stored = tx.insert_purchases(now, ws, chunk).await?;
        let events: Vec<_> = stored
            .iter()
            .map(|p| (recorded_event(ws, Actor::System, p, "import"), Some(p.customer_id)))
            .collect();
        tx.append_customer_events(now, &events).await?;
        report.created += stored.len() as u64;
        done += chunk.len() as u64;
        progress(done);
    }
    if report.created > 0 {
        enqueue_refresh(&mut tx, now, ws).await?;
    }
    tx.commit().await?;
    Ok(())
}

//! Exports of customers as CSV or JSON. CSV cells that a spreadsheet would run
//! as a formula are neutralised.

use crate::context::App;
use crate::customers::{CustomerView, currency_of};
use crate::error::{AppError, AppResult};
use crate::segments::find_expr;
use candor_core::WorkspaceId;
use candor_core::identity::IdentityKind;
use candor_core::segment::Expr;
use std::collections::HashMap;

/// The columns of a customer CSV export.
pub const CSV_COLUMNS: [&str; 20] = [
    "id",
    "name",
    "email",
    "phone",
    "chat",
    "social",
    "external_id",
    "organization",
    "tags",
    "stage",
    "tier",
    "lifetime_value",
    "currency",
    "orders",
    "last_purchase_at",
    "language",
    "channel",
    "do_not_contact",
    "marketing_consent",
    "created_at",
];

/// A cell safe to open in a spreadsheet: text starting with `=`, `+`, `-`, `@`
/// (or a tab or carriage return) gets a leading `'`.
pub fn safe_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// Every customer matching `expr`, in pages, as views.
pub async fn all_matching(app: &App, ws: WorkspaceId, expr: &Expr) -> AppResult<Vec<CustomerView>> {
    let currency = currency_of(app, ws).await?;
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = find_expr(app, ws, "query", expr, after, 500).await?;
        out.extend(page.items.iter().map(|c| CustomerView::of(c, currency)));
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// Customers as CSV (header and one row each; attributes as `attr.NAME` columns).
pub async fn customers_csv(app: &App, ws: WorkspaceId, customers: &[CustomerView]) -> AppResult<Vec<u8>> {
    let orgs: HashMap<String, String> = app
        .db
        .organizations(ws)
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect();
    let mut attr_names: Vec<String> = customers.iter().flat_map(|c| c.attributes.keys().cloned()).collect();
    attr_names.sort();
    attr_names.dedup();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = CSV_COLUMNS.iter().map(|s| s.to_string()).collect();
    header.extend(attr_names.iter().map(|a| format!("attr.{a}")));
    w.write_record(&header).map_err(csv_error)?;
    for c in customers {
        let ids = |k: IdentityKind| {
            c.identities
                .iter()
                .filter(|i| i.kind == k)
                .map(|i| i.value.clone())
                .collect::<Vec<_>>()
                .join(";")
        };
        let mut row: Vec<String> = vec![
            c.id.clone(),
            c.name.clone(),
            ids(IdentityKind::Email),
            ids(IdentityKind::Phone),
            ids(IdentityKind::Chat),
            ids(IdentityKind::Social),
            ids(IdentityKind::External),
            c.organization_id
                .as_ref()
                .and_then(|o| orgs.get(o))
                .cloned()
                .unwrap_or_default(),
            c.tags.join(";"),
            c.stage.to_string(),
            c.tier.unwrap_or("").to_string(),
            c.lifetime_value.amount(),
            c.lifetime_value.currency.code().to_string(),
            c.orders.to_string(),
            c.last_purchase_at.map(|t| t.to_string()).unwrap_or_default(),
            c.preferences.language.clone().unwrap_or_default(),
            c.preferences.channel.clone().unwrap_or_default(),
            c.preferences.do_not_contact.join(";"),
            c.consent
                .get("marketing")
                .map(|m| if m.given { "yes" } else { "no" })
                .unwrap_or("")
                .to_string(),
            c.created_at.to_string(),
        ];
        for a in &attr_names {
            row.push(match c.attributes.get(a) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            });
        }
        let row: Vec<String> = row.iter().map(|c| safe_cell(c)).collect();
        w.write_record(&row).map_err(csv_error)?;
    }
    w.into_inner().map_err(|e| AppError::Internal(e.to_string()))
}

/// Customers as a JSON array of API views.
pub fn customers_json(customers: &[CustomerView]) -> AppResult<Vec<u8>> {
    serde_json::to_vec_pretty(customers).map_err(|e| AppError::Internal(e.to_string()))
}

fn csv_error(e: csv::Error) -> AppError {
    AppError::Internal(format!("cannot write CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+49 30"), "'+49 30");
        assert_eq!(safe_cell("-5"), "'-5");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("Jane"), "Jane");
        assert_eq!(safe_cell(""), "");
    }
}

//! What customers buy and what follows from it: purchases spread over two
//! years, the value refresh, the customer with many events, a saved segment and
//! the CSV file the import is timed with. Rows are what Candor's own operations
//! write, events included: `purchase.recorded` (purchases::record_in),
//! `customer.note_added`.

use crate::bulk::Bulk;
use crate::datagen::{Gen, StepFuture, V, between};
use crate::people::{EVENT_COLUMNS, event_row, owner, owner_actor};
use crate::rng::{Rng, weighted_prefix};
use crate::texts::{self, CUSTOMER_NOTES};
use anyhow::{Context, anyhow};
use candor_core::events::{Actor, kind};
use candor_core::ids::uuid_v7_at;
use candor_core::value::{Currency, Money};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

const PURCHASE_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "customer_id",
    "product",
    "product_name",
    "amount_minor",
    "currency",
    "at",
    "external_id",
    "status",
    "created_at",
];

/// Purchases over two years, each with its `purchase.recorded` event, and the
/// workspace's value settings (as the first purchase makes them).
pub fn purchases(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let (ws, n, now) = (g.seed.workspace_id, g.scale.purchases, g.now);
        let owner = owner_actor(g);
        let mut rng = Rng::new(23);
        let (from, to) = (
            now - SignedDuration::from_hours(24 * 730),
            now - SignedDuration::from_hours(1),
        );
        let heavy = g.people.heavy;
        let heavy_every = (n / g.scale.heavy_purchases.max(1)).max(1);
        let mut bulk = Bulk::new(g.backend, &[("purchases", PURCHASE_COLUMNS), ("events", EVENT_COLUMNS)]);
        // The repeat-purchase checks: a sampled paid purchase's customer, with
        // its product or (half the time) another. Their own generator leaves
        // the purchases as they were.
        let mut checks_rng = Rng::new(29);
        let check_every = (n / 5_000).max(1);
        let mut checks: Vec<String> = Vec::new();
        for p in 0..n {
            let at = between(from, to, p, n);
            let us = at.as_microsecond();
            let existing = g.people.existing_at(us);
            let c = if p % heavy_every == heavy_every / 2 && existing > heavy {
                heavy
            } else {
                weighted_prefix(&mut rng, &g.people.buy, existing)
            };
            let customer = g.people.list[c].id;
            let (code, name, price) = *texts::product(rng.unit());
            let status = match rng.below(100) {
                0..=91 => "paid",
                92..=96 => "refunded",
                _ => "cancelled",
            };
            let external = format!("order-{p:08}");
            let id = uuid_v7_at(at);
            let row = vec![
                V::Uuid(id),
                V::Uuid(ws),
                V::Uuid(customer),
                V::Text(code.into()),
                V::OptText(Some(name.into())),
                V::Int(price),
                V::Text("EUR".into()),
                V::Int(us),
                V::OptText(Some(external.clone())),
                V::Text(status.into()),
                V::Int(us),
            ];
            g.put(&mut bulk, 0, row).await?;
            let email = &g.people.list[c].email;
            if p % check_every == 0 && status == "paid" && !email.is_empty() {
                let product = if checks_rng.chance(0.5) {
                    code
                } else {
                    texts::product(checks_rng.unit()).0
                };
                checks.push(json!({"customer": {"kind": "email", "value": email}, "product": product}).to_string());
            }
            let (source, actor) = if rng.chance(0.7) {
                ("api", owner)
            } else {
                ("import", Actor::System)
            };
            let payload = json!({
                "product": code, "product_name": Some(name),
                "amount": Money::new(price, Currency::Eur).amount(), "currency": "EUR",
                "at": at, "external_id": Some(&external), "status": status,
                "source": source,
            })
            .to_string();
            let row = event_row(
                uuid_v7_at(at),
                ws,
                us,
                actor,
                kind::PURCHASE_RECORDED,
                "purchase",
                id,
                payload,
                Some(customer),
            );
            g.put(&mut bulk, 1, row).await?;
            if c == heavy {
                g.people.heavy_events += 1;
            }
        }
        g.finish(bulk).await?;
        g.seed.pool("repeat_check", crate::seed::Pool::List(checks));
        let mut tx = g.app.db.begin().await.map_err(|e| anyhow!("{e}"))?;
        tx.ensure_value_settings(candor_core::WorkspaceId::from_uuid(ws), Currency::Eur)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        tx.commit().await.map_err(|e| anyhow!("{e}"))?;
        Ok(())
    })
}

/// Candor's own value refresh for the workspace (the `customers.value_refresh`
/// job): lifetime value, orders, stage, tier and RFM of every customer.
pub fn value_refresh(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let ws = candor_core::WorkspaceId::from_uuid(g.seed.workspace_id);
        let n = candor_app::value::refresh_workspace(&g.app, ws)
            .await
            .map_err(|e| anyhow!("value refresh: {e}"))?;
        *g.rows.entry("customers (value refresh)".into()).or_default() += n as u64;
        Ok(())
    })
}

const NOTE_COLUMNS: &[&str] = &["id", "workspace_id", "customer_id", "author_id", "body", "created_at"];

/// Notes about the customer with many events, so its timeline holds exactly
/// the scale's number of events (`{heavy_customer_id}`).
pub fn heavy_customer(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let ws = g.seed.workspace_id;
        let target = g.scale.heavy_events;
        let missing = target.saturating_sub(g.people.heavy_events);
        let Some(p) = g.people.list.get(g.people.heavy).cloned() else {
            return Ok(());
        };
        let owner = g.seed.owner_id;
        let actor = owner_actor(g);
        let from = jiff::Timestamp::from_microsecond(p.created_us).map_err(|e| anyhow!("{e}"))?;
        let mut bulk = Bulk::new(
            g.backend,
            &[("customer_notes", NOTE_COLUMNS), ("events", EVENT_COLUMNS)],
        );
        for i in 0..missing {
            let at = between(from, g.now, i, missing);
            let us = at.as_microsecond();
            let id = uuid_v7_at(at);
            let body = CUSTOMER_NOTES[i as usize % CUSTOMER_NOTES.len()];
            g.put(
                &mut bulk,
                0,
                vec![
                    V::Uuid(id),
                    V::Uuid(ws),
                    V::Uuid(p.id),
                    V::OptUuid(Some(owner)),
                    V::Text(body.into()),
                    V::Int(us),
                ],
            )
            .await?;
            let payload = json!({"body": body}).to_string();
            let row = event_row(
                uuid_v7_at(at),
                ws,
                us,
                actor,
                kind::CUSTOMER_NOTE_ADDED,
                "note",
                id,
                payload,
                Some(p.id),
            );
            g.put(&mut bulk, 1, row).await?;
        }
        g.finish(bulk).await?;
        g.people.heavy_events += missing;
        Ok(())
    })
}

/// A saved segment of the best customers, through Candor's operation (`{segment_id}`).
pub fn segment(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let caller = owner(g).await?;
        let (s, count) = candor_app::segments::create(&g.app, &caller, "Best customers", SEGMENT_QUERY)
            .await
            .map_err(|e| anyhow!("segment: {e}"))?;
        g.seed.var("segment_id", s.id.to_string());
        g.seed.var("segment_count", count.to_string());
        Ok(())
    })
}

/// The query of the saved segment the count is measured on.
pub const SEGMENT_QUERY: &str = "tier:A ltv>500";

/// The purchases CSV the import is timed with: new orders of existing
/// customers, named by email as a shop's export names them.
pub fn import_file(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let n = g.scale.import_rows;
        let path = g.work_dir.join("import-purchases.csv");
        let mut rng = Rng::new(31);
        let mut out = String::with_capacity(n as usize * 100);
        out.push_str("external_id,customer_email,product,product_name,amount,currency,at,status\n");
        let people = &g.people.list;
        if people.is_empty() {
            return Ok(());
        }
        let from = g.now - SignedDuration::from_hours(24 * 30);
        for i in 0..n {
            let p = &people[rng.below(people.len() as u64) as usize];
            let (code, name, price) = *texts::product(rng.unit());
            let at: Timestamp = between(from, g.now, i, n);
            let amount = Money::new(price, Currency::Eur).amount();
            out.push_str(&format!(
                "import-{i:07},{},{code},{name},{amount},EUR,{},paid\n",
                p.email,
                at.strftime("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        std::fs::write(&path, out).with_context(|| format!("cannot write {}", path.display()))?;
        g.seed.import = Some(crate::seed::ImportFile { path, rows: n });
        Ok(())
    })
}

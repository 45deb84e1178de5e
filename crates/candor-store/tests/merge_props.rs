//! Property: after any sequence of merges no identity, purchase, note or
//! timeline event is lost or duplicated, and everything belongs to a live customer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::CustomerId;
use candor_core::events::{Actor, Subject};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::value::{Currency, Money, PurchaseStatus};
use candor_store::customers::NewCustomer;
use candor_store::events::NewEvent;
use candor_store::purchases::NewPurchase;
use candor_store::testing::TestDb;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Shape {
    customers: Vec<(usize, usize, usize)>, // identities, purchases, events
    merges: Vec<(usize, usize)>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec((0usize..3, 0usize..3, 0usize..3), 2..6),
        prop::collection::vec((0usize..6, 0usize..6), 0..8),
    )
        .prop_map(|(customers, merges)| Shape { customers, merges })
}

async fn check(shape: Shape) {
    let t = TestDb::sqlite().await.unwrap();
    let db = &t.db;
    let now: jiff::Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    let mut tx = db.begin().await.unwrap();
    let ws = tx.create_workspace(now, "acme", "Acme", "UTC").await.unwrap().id;
    let mut ids: Vec<CustomerId> = Vec::new();
    let (mut n_ident, mut n_purch, mut n_events) = (0u64, 0u64, 0u64);
    for (i, (ni, np, ne)) in shape.customers.iter().enumerate() {
        let identities = (0..*ni)
            .map(|k| {
                (
                    Identity::parse(IdentityKind::Chat, &format!("v-{i}-{k}"), None).unwrap(),
                    false,
                )
            })
            .collect();
        let id = tx
            .create_customer(
                now,
                ws,
                &NewCustomer {
                    name: format!("C{i}"),
                    identities,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        for k in 0..*np {
            tx.insert_purchase(
                now,
                ws,
                &NewPurchase {
                    customer_id: id,
                    product: "p".into(),
                    product_name: None,
                    amount: Money::new(100, Currency::Eur),
                    at: now,
                    external_id: Some(format!("o-{i}-{k}")),
                    status: PurchaseStatus::Paid,
                },
            )
            .await
            .unwrap();
        }
        for _ in 0..*ne {
            tx.append_event(
                now,
                NewEvent {
                    workspace_id: ws,
                    actor: Actor::System,
                    kind: "customer.test",
                    subject: Subject::new("customer", id.as_uuid()),
                    payload: serde_json::json!({}),
                },
            )
            .await
            .unwrap();
        }
        n_ident += *ni as u64;
        n_purch += *np as u64;
        n_events += *ne as u64;
        ids.push(id);
    }
    tx.commit().await.unwrap();
    let mut merged_into: Vec<Option<usize>> = vec![None; ids.len()];
    for (a, b) in shape.merges {
        let (a, b) = (a % ids.len(), b % ids.len());
        let mut tx = db.begin().await.unwrap();
        let result = tx.merge_customers(now, ws, ids[a], ids[b]).await;
        let allowed = a != b && merged_into[a].is_none() && merged_into[b].is_none();
        assert_eq!(result.is_ok(), allowed, "merge {a} <- {b}");
        tx.commit().await.unwrap();
        if allowed {
            for m in merged_into.iter_mut() {
                if *m == Some(b) {
                    *m = Some(a);
                }
            }
            merged_into[b] = Some(a);
        }
        // Invariants after every step.
        let (mut ident, mut purch, mut events) = (0u64, 0u64, 0u64);
        let mut seen: Vec<String> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let held = db.customer_holdings(ws, *id).await.unwrap();
            let c = db.customer(ws, *id).await.unwrap();
            assert_eq!(
                c.merged_into,
                merged_into[i].map(|s| ids[s]),
                "redirects point at live survivors"
            );
            if merged_into[i].is_some() {
                assert_eq!(
                    (held.identities, held.purchases, held.events),
                    (0, 0, 0),
                    "a merged customer holds nothing"
                );
            }
            seen.extend(c.identities.iter().map(|x| x.value.clone()));
            ident += held.identities;
            purch += held.purchases;
            events += held.events;
        }
        assert_eq!(
            (ident, purch, events),
            (n_ident, n_purch, n_events),
            "nothing lost or duplicated"
        );
        seen.sort();
        let before = seen.len();
        seen.dedup();
        assert_eq!(seen.len(), before);
    }
    t.finish().await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn merges_lose_nothing(s in shape()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(check(s));
    }
}

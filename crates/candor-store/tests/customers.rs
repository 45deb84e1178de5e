//! Customers, purchases, segments and merges in storage, each test on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::customer::{AttributeKind, Consent, Preferences, check_attribute};
use candor_core::events::{Actor, Subject};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::segment;
use candor_core::value::{Currency, Money, PurchaseStatus, Stage};
use candor_core::{CustomerId, WorkspaceId};
use candor_store::customers::NewCustomer;
use candor_store::events::NewEvent;
use candor_store::purchases::NewPurchase;
use candor_store::segments::QueryContext;
use candor_store::{Db, StoreError, both_backends};
use jiff::{SignedDuration, Timestamp};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

async fn workspace(db: &Db, slug: &str) -> WorkspaceId {
    let mut tx = db.begin().await.unwrap();
    let ws = tx.create_workspace(t0(), slug, "Acme", "UTC").await.unwrap();
    tx.commit().await.unwrap();
    ws.id
}

fn email(v: &str) -> Identity {
    Identity::parse(IdentityKind::Email, v, None).unwrap()
}

async fn customer(db: &Db, ws: WorkspaceId, new: NewCustomer) -> CustomerId {
    let mut tx = db.begin().await.unwrap();
    let id = tx.create_customer(t0(), ws, &new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn ctx() -> QueryContext {
    QueryContext {
        now: t0(),
        currency: Currency::Eur,
        time_zone: jiff::tz::TimeZone::UTC,
    }
}

async fn find(db: &Db, ws: WorkspaceId, q: &str) -> Vec<String> {
    let expr = segment::parse(q).unwrap();
    let page = db.find_customers(ws, &expr, &ctx(), None, 200).await.unwrap().unwrap();
    let count = db.count_customers(ws, &expr, &ctx()).await.unwrap().unwrap();
    assert_eq!(count as usize, page.items.len(), "count and list agree for {q}");
    let mut names: Vec<String> = page.items.into_iter().map(|c| c.name).collect();
    names.sort();
    names
}

async fn identities_are_unique_per_workspace_and_found(db: Db) {
    let ws = workspace(&db, "acme").await;
    let other_ws = workspace(&db, "other").await;
    let jane = customer(
        &db,
        ws,
        NewCustomer {
            name: "Jane Doe".into(),
            identities: vec![(email("Jane@Example.com"), true)],
            tags: vec!["vip".into()],
            ..Default::default()
        },
    )
    .await;
    let found = db
        .customer_by_identity(ws, &email("jane@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, jane);
    assert_eq!(found.identities[0].value, "jane@example.com");
    assert!(found.identities[0].verified);
    assert_eq!(found.tags, vec!["vip"]);
    assert_eq!(found.value.stage, Stage::Lead);
    // Another workspace neither sees her nor collides with her address.
    assert!(
        db.customer_by_identity(other_ws, &email("jane@example.com"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(db.customer(other_ws, jane).await, Err(StoreError::NotFound)));
    customer(
        &db,
        other_ws,
        NewCustomer {
            name: "Jane Elsewhere".into(),
            identities: vec![(email("jane@example.com"), false)],
            ..Default::default()
        },
    )
    .await;
    // The same identity twice in one workspace is a conflict, and nothing is stored.
    let mut tx = db.begin().await.unwrap();
    let err = tx
        .create_customer(
            t0(),
            ws,
            &NewCustomer {
                name: "Impostor".into(),
                identities: vec![(email("JANE@example.com"), false)],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                field: "identities",
                ..
            }
        ),
        "{err:?}"
    );
    drop(tx);
    assert_eq!(find(&db, ws, "").await, vec!["Jane Doe"]);
}
both_backends!(identities, identities_are_unique_per_workspace_and_found);

async fn a_display_name_is_the_name_else_the_first_identity(db: Db) {
    let ws = workspace(&db, "acme").await;
    let other_ws = workspace(&db, "other").await;
    let jane = customer(
        &db,
        ws,
        NewCustomer {
            name: "Jane Doe".into(),
            identities: vec![(email("jane@example.com"), true)],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(db.customer_display_name(ws, jane).await.unwrap(), "Jane Doe");
    let nameless = customer(
        &db,
        ws,
        NewCustomer {
            name: "  ".into(),
            identities: vec![(email("zed@example.com"), false), (email("amy@example.com"), false)],
            ..Default::default()
        },
    )
    .await;
    let listed = db.customer(ws, nameless).await.unwrap();
    assert_eq!(
        db.customer_display_name(ws, nameless).await.unwrap(),
        listed.identities[0].value,
        "the identity the customer record lists first"
    );
    let nobody = customer(&db, ws, NewCustomer::default()).await;
    assert_eq!(db.customer_display_name(ws, nobody).await.unwrap(), "");
    assert!(matches!(
        db.customer_display_name(other_ws, jane).await,
        Err(StoreError::NotFound)
    ));
}
both_backends!(display_name, a_display_name_is_the_name_else_the_first_identity);

async fn purchases_are_idempotent_on_external_id(db: Db) {
    let ws = workspace(&db, "acme").await;
    let c = customer(
        &db,
        ws,
        NewCustomer {
            name: "Buyer".into(),
            ..Default::default()
        },
    )
    .await;
    let p = NewPurchase {
        customer_id: c,
        product: "sku-1".into(),
        product_name: None,
        amount: Money::parse("19.99", Currency::Eur).unwrap(),
        at: t0(),
        external_id: Some("order-1".into()),
        status: PurchaseStatus::Paid,
    };
    let mut tx = db.begin().await.unwrap();
    let first = tx.insert_purchase(t0(), ws, &p).await.unwrap();
    assert!(tx.insert_purchase(t0(), ws, &p).await.is_err());
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    let first2 = tx.insert_purchase(t0(), ws, &p).await.unwrap();
    assert_eq!(first2.external_id, first.external_id);
    let again = tx.purchase_by_external_id(ws, "order-1").await.unwrap().unwrap();
    assert_eq!(again.id, first2.id);
    tx.commit().await.unwrap();
    let stored = db.purchases_of(ws, c).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].amount.amount(), "19.99");
}
both_backends!(purchases, purchases_are_idempotent_on_external_id);

#[allow(clippy::too_many_arguments)]
async fn seeded(
    db: &Db,
    ws: WorkspaceId,
    name: &str,
    mail: &str,
    tags: &[&str],
    lang: Option<&str>,
    ltv: &str,
    days_ago: Option<i64>,
) -> CustomerId {
    let plan = check_attribute(
        AttributeKind::Text,
        &[],
        &serde_json::json!(if ltv == "0" { "free" } else { "pro" }),
    )
    .unwrap();
    let seats = check_attribute(AttributeKind::Number, &[], &serde_json::json!(ltv.len() * 5)).unwrap();
    let mut consents = std::collections::BTreeMap::new();
    if tags.contains(&"vip") {
        consents.insert(
            "marketing".to_string(),
            Consent {
                given: true,
                at: t0(),
                how: "form".into(),
            },
        );
    }
    let id = customer(
        db,
        ws,
        NewCustomer {
            name: name.into(),
            identities: vec![(email(mail), false)],
            tags: tags.iter().map(|t| t.to_string()).collect(),
            attributes: vec![("plan".into(), plan), ("seats".into(), seats)],
            preferences: Preferences {
                language: lang.map(str::to_string),
                do_not_contact: if lang == Some("fr") {
                    vec!["email".into()]
                } else {
                    vec![]
                },
                ..Default::default()
            },
            consents,
            ..Default::default()
        },
    )
    .await;
    if let Some(d) = days_ago {
        let at = t0() - SignedDuration::from_hours(24 * d);
        let stage = if d >= 365 {
            Stage::Former
        } else if d >= 180 {
            Stage::AtRisk
        } else {
            Stage::Customer
        };
        let mut tx = db.begin().await.unwrap();
        tx.set_customer_value(ws, id, Money::parse(ltv, Currency::Eur).unwrap(), 1, Some(at), stage)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    id
}

async fn segment_queries_select_the_right_customers(db: Db) {
    let ws = workspace(&db, "acme").await;
    let other = workspace(&db, "other").await;
    seeded(
        &db,
        ws,
        "Anna Acme",
        "anna@acme.example",
        &["vip"],
        Some("de"),
        "900",
        Some(10),
    )
    .await;
    seeded(
        &db,
        ws,
        "Bert Beta",
        "bert@beta.example",
        &["vip", "beta"],
        Some("de-at"),
        "300",
        Some(200),
    )
    .await;
    seeded(&db, ws, "Cleo 50%_off", "cleo@acme.example", &[], Some("fr"), "0", None).await;
    seeded(&db, ws, "Dora Old", "dora@old.example", &[], None, "120.50", Some(400)).await;
    seeded(
        &db,
        other,
        "Anna Other",
        "anna@acme.example",
        &["vip"],
        Some("de"),
        "900",
        Some(10),
    )
    .await;

    assert_eq!(find(&db, ws, "").await.len(), 4);
    assert_eq!(find(&db, ws, "tag:vip").await, vec!["Anna Acme", "Bert Beta"]);
    assert_eq!(find(&db, ws, "tag:VIP lang:de").await, vec!["Anna Acme", "Bert Beta"]);
    assert_eq!(find(&db, ws, "lang:de-at").await, vec!["Bert Beta"]);
    assert_eq!(find(&db, ws, "ltv>500").await, vec!["Anna Acme"]);
    assert_eq!(find(&db, ws, "ltv<=120.50").await, vec!["Cleo 50%_off", "Dora Old"]);
    assert_eq!(find(&db, ws, "stage:lead").await, vec!["Cleo 50%_off"]);
    assert_eq!(
        find(&db, ws, "stage:at-risk OR stage:former").await,
        vec!["Bert Beta", "Dora Old"]
    );
    assert_eq!(find(&db, ws, "-tag:vip").await, vec!["Cleo 50%_off", "Dora Old"]);
    assert_eq!(find(&db, ws, "acme").await, vec!["Anna Acme", "Cleo 50%_off"]);
    assert_eq!(find(&db, ws, "\"50%_\"").await, vec!["Cleo 50%_off"]);
    // Wildcards in the query are text, not patterns.
    assert!(find(&db, ws, "\"%\" tag:beta").await.is_empty());
    assert!(find(&db, ws, "\"_\" tag:beta").await.is_empty());
    assert_eq!(find(&db, ws, "last_purchase<30d").await, vec!["Anna Acme"]);
    assert_eq!(find(&db, ws, "last_purchase>1y").await, vec!["Dora Old"]);
    assert_eq!(
        find(&db, ws, "last_purchase<2025-12-01").await,
        vec!["Bert Beta", "Dora Old"]
    );
    assert_eq!(find(&db, ws, "attr.plan:PRO attr.seats>=20").await, vec!["Dora Old"]);
    assert_eq!(find(&db, ws, "attr.seats<11").await, vec!["Cleo 50%_off"]);
    assert_eq!(find(&db, ws, "consent:marketing").await, vec!["Anna Acme", "Bert Beta"]);
    assert_eq!(find(&db, ws, "dnc:true").await, vec!["Cleo 50%_off"]);
    assert_eq!(find(&db, ws, "dnc:false").await.len(), 3);
    assert_eq!(find(&db, ws, "tier:none").await.len(), 4);
    assert!(find(&db, ws, "tier:A").await.is_empty());
    assert_eq!(
        find(&db, ws, "(tag:beta OR lang:fr) -stage:lead").await,
        vec!["Bert Beta"]
    );
    assert_eq!(find(&db, ws, "orders>=1").await.len(), 3);
    assert_eq!(find(&db, ws, "created:2026-03-02").await.len(), 4);
    assert!(find(&db, ws, "created<2026-03-02").await.is_empty());
    // Hostile text stays text.
    for q in [
        "\"'; DROP TABLE customers; --\"",
        "\"\\\" OR 1=1 --\"",
        "attr.plan:\"x' OR '1'='1\"",
        "tag:\"a') OR 1=1 --\"",
        "org:\"%\"",
        "attr.plan<\"%\"",
    ] {
        assert!(find(&db, ws, q).await.is_empty(), "{q}");
    }
    assert_eq!(find(&db, ws, "").await.len(), 4, "the table survived");
    // A term that parses but cannot apply is an error, not a guess.
    let expr = segment::parse("ltv>1.234").unwrap();
    assert!(db.count_customers(ws, &expr, &ctx()).await.unwrap().is_err());
    // Pages follow each other without repeats.
    let all = segment::parse("").unwrap();
    let p1 = db.find_customers(ws, &all, &ctx(), None, 3).await.unwrap().unwrap();
    assert_eq!(p1.items.len(), 3);
    let p2 = db.find_customers(ws, &all, &ctx(), p1.next, 3).await.unwrap().unwrap();
    assert_eq!(p2.items.len(), 1);
    assert!(p2.next.is_none());
    assert!(!p1.items.iter().any(|c| c.id == p2.items[0].id));
}
both_backends!(segments, segment_queries_select_the_right_customers);

async fn merge_moves_everything_and_redirects(db: Db) {
    let ws = workspace(&db, "acme").await;
    let a = seeded(&db, ws, "Jane Doe", "jane@acme.example", &["vip"], None, "0", None).await;
    let b = seeded(&db, ws, "Jane D.", "jd@acme.example", &[], None, "0", None).await;
    let mut tx = db.begin().await.unwrap();
    tx.insert_purchase(
        t0(),
        ws,
        &NewPurchase {
            customer_id: b,
            product: "sku".into(),
            product_name: None,
            amount: Money::parse("5", Currency::Eur).unwrap(),
            at: t0(),
            external_id: None,
            status: PurchaseStatus::Paid,
        },
    )
    .await
    .unwrap();
    tx.add_note(t0(), ws, b, None, "called about a refund").await.unwrap();
    tx.append_event(
        t0(),
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: "customer.test",
            subject: Subject::new("customer", b.as_uuid()),
            payload: serde_json::json!({}),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let before = db.customer_holdings(ws, b).await.unwrap();
    assert_eq!(
        (before.identities, before.purchases, before.notes, before.events),
        (1, 1, 1, 1)
    );
    let mut tx = db.begin().await.unwrap();
    let moved = tx.merge_customers(t0(), ws, a, b).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(moved, before);
    let survivor = db.customer(ws, a).await.unwrap();
    assert_eq!(survivor.identities.len(), 2);
    assert_eq!(db.customer(ws, b).await.unwrap().merged_into, Some(a));
    assert_eq!(db.purchases_of(ws, a).await.unwrap().len(), 1);
    assert_eq!(db.notes(ws, a).await.unwrap().len(), 1);
    assert_eq!(db.events_for_customer(ws, a, None, 50).await.unwrap().items.len(), 1);
    assert_eq!(find(&db, ws, "").await, vec!["Jane Doe"]);
    assert_eq!(
        find(&db, ws, "jd@acme").await,
        vec!["Jane Doe"],
        "search text follows the identities"
    );
    // A merged customer cannot merge again, nor into itself.
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.merge_customers(t0(), ws, a, b).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        tx.merge_customers(t0(), ws, a, a).await,
        Err(StoreError::NotFound)
    ));
}
both_backends!(merge, merge_moves_everything_and_redirects);

async fn likeness_keys_find_candidates_and_are_filled_in(db: Db) {
    let ws = workspace(&db, "acme").await;
    let other_ws = workspace(&db, "other").await;
    let phone = |v: &str| Identity::parse(IdentityKind::Phone, v, None).unwrap();
    let external = |v: &str| Identity::parse(IdentityKind::External, v, None).unwrap();
    let jon = customer(
        &db,
        ws,
        NewCustomer {
            name: "Jonathan Miller".into(),
            identities: vec![
                (email("jon@acme.example"), true),
                (phone("+49 30 12345678"), false),
                (external("CRM-00123"), false),
            ],
            ..Default::default()
        },
    )
    .await;
    let twin = customer(
        &db,
        ws,
        NewCustomer {
            name: "Jonathon Miller".into(),
            identities: vec![(external("crm123"), false), (email("jm@acme.example"), false)],
            ..Default::default()
        },
    )
    .await;
    let same_name = customer(
        &db,
        ws,
        NewCustomer {
            name: "jonathan  miller".into(),
            identities: vec![(email("j.miller@acme.example"), false)],
            ..Default::default()
        },
    )
    .await;
    customer(
        &db,
        other_ws,
        NewCustomer {
            name: "Jonathan Miller".into(),
            identities: vec![(email("jon@acme.example"), false), (external("crm-123"), false)],
            ..Default::default()
        },
    )
    .await;
    let stranger = customer(
        &db,
        ws,
        NewCustomer {
            name: "Zoe Adams".into(),
            identities: vec![(phone("+44 20 1234 5678"), false)],
            ..Default::default()
        },
    )
    .await;

    for round in ["as written", "after the backfill"] {
        let mut found: Vec<CustomerId> = db
            .identities_matching(ws, IdentityKind::External, "crm123")
            .await
            .unwrap()
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        found.sort();
        let mut expected = vec![jon, twin];
        expected.sort();
        assert_eq!(
            found, expected,
            "{round}: external ids in two forms, this workspace only"
        );
        let tails = db
            .identities_matching(ws, IdentityKind::Phone, "12345678")
            .await
            .unwrap();
        let owners: Vec<CustomerId> = tails.iter().map(|(c, _)| *c).collect();
        assert!(
            owners.contains(&jon) && owners.contains(&stranger),
            "{round}: same last digits"
        );
        let blocked: Vec<CustomerId> = db
            .customers_in_name_blocks(ws, "Jonathan Miller")
            .await
            .unwrap()
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            blocked.len(),
            3,
            "{round}: the three Millers, not Zoe, not the other workspace"
        );
        assert!(!blocked.contains(&stranger));
        let domains = db.email_domains_of_name(ws, "jonathan miller").await.unwrap();
        let mut owners: Vec<CustomerId> = domains.iter().map(|(c, _)| *c).collect();
        owners.sort();
        let mut expected = vec![jon, same_name];
        expected.sort();
        assert_eq!(owners, expected, "{round}");
        assert!(domains.iter().all(|(_, d)| d == "acme.example"));
        candor_store::testing::forget_likeness_keys(&db).await.unwrap();
        assert!(
            db.identities_matching(ws, IdentityKind::External, "crm123")
                .await
                .unwrap()
                .is_empty()
        );
        let filled = db.fill_likeness_keys().await.unwrap();
        assert_eq!(filled, 9 + 5, "every identity and every customer of both workspaces");
    }
}
both_backends!(likeness_keys, likeness_keys_find_candidates_and_are_filled_in);

async fn bulk_purchases_and_events_are_written_and_found(db: Db) {
    let ws = workspace(&db, "acme").await;
    let other_ws = workspace(&db, "other").await;
    let ann = customer(
        &db,
        ws,
        NewCustomer {
            name: "Ann Lee".into(),
            ..Default::default()
        },
    )
    .await;
    let bob = customer(
        &db,
        ws,
        NewCustomer {
            name: "Bob Ray".into(),
            ..Default::default()
        },
    )
    .await;
    let stranger = customer(
        &db,
        other_ws,
        NewCustomer {
            name: "Cy".into(),
            ..Default::default()
        },
    )
    .await;
    // More rows than one statement holds, so the chunking is exercised.
    let new: Vec<NewPurchase> = (0..1_203)
        .map(|i| NewPurchase {
            customer_id: if i % 3 == 0 { ann } else { bob },
            product: format!("sku-{i}"),
            product_name: (i % 2 == 0).then(|| "Bell".to_string()),
            amount: Money::parse("2.50", Currency::Eur).unwrap(),
            at: t0(),
            external_id: Some(format!("o-{i}")),
            status: PurchaseStatus::Paid,
        })
        .collect();
    let mut tx = db.begin().await.unwrap();
    let stored = tx.insert_purchases(t0(), ws, &new).await.unwrap();
    let events: Vec<(NewEvent<'_>, Option<CustomerId>)> = stored
        .iter()
        .map(|p| {
            (
                NewEvent {
                    workspace_id: ws,
                    actor: Actor::System,
                    kind: "purchase.recorded",
                    subject: Subject::new("purchase", p.id.as_uuid()),
                    payload: serde_json::json!({"product": p.product}),
                },
                Some(p.customer_id),
            )
        })
        .collect();
    let ids = tx.append_customer_events(t0(), &events).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(stored.len(), 1_203);
    assert_eq!(ids.len(), 1_203);
    let anns = db.purchases_of(ws, ann).await.unwrap();
    assert_eq!(anns.len(), 401);
    assert!(anns.iter().any(|p| p.product_name.is_none()) && anns.iter().any(|p| p.product_name.is_some()));
    let page = db.events_for_customer(ws, ann, None, 500).await.unwrap();
    assert_eq!(
        page.items.len(),
        401,
        "each purchase's event is on its customer's timeline"
    );
    assert_eq!(page.items[0].kind, "purchase.recorded");

    let asked: Vec<String> = ["o-0", "o-1202", "o-9999"].iter().map(|s| s.to_string()).collect();
    let found = db.existing_purchase_external_ids(ws, &asked).await.unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.contains("o-0") && found.contains("o-1202") && !found.contains("o-9999"));
    assert!(
        db.existing_purchase_external_ids(other_ws, &asked)
            .await
            .unwrap()
            .is_empty()
    );
    let known = db.existing_customer_ids(ws, &[ann, bob, stranger]).await.unwrap();
    assert!(known.contains(&ann) && known.contains(&bob) && !known.contains(&stranger));

    let mut tx = db.begin().await.unwrap();
    let again = tx.insert_purchases(t0(), ws, &new[5..6]).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
    drop(tx);
    assert_eq!(
        db.purchases_of(ws, ann).await.unwrap().len(),
        401,
        "nothing half-written"
    );
}
both_backends!(bulk_purchases, bulk_purchases_and_events_are_written_and_found);

//! The demo's customers: about sixty cyclists and shops with identities of every
//! kind, a few organizations, two years of purchases (so that tiers A, B and C
//! and every stage mean something) and a couple of likely duplicates.

use crate::context::App;
use crate::error::AppResult;
use crate::value::{refresh_customer_in, refresh_workspace};
use candor_core::WorkspaceId;
use candor_core::customer::{AttributeKind, Consent, Preferences, check_attribute};
use candor_core::events::{Actor, Subject, kind};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::value::{Currency, Money, PurchaseStatus};
use candor_store::customers::NewCustomer;
use candor_store::events::NewEvent;
use candor_store::purchases::{NewPurchase, status_str};
use jiff::SignedDuration;
use serde_json::json;

const FIRST: [&str; 20] = [
    "Ada", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kaia", "Lars", "Mila", "Noah",
    "Olga", "Paul", "Rosa", "Sven", "Tara", "Yusuf",
];
const LAST: [&str; 15] = [
    "Schmidt", "Nowak", "Rossi", "Dubois", "Jansen", "Kowalski", "Larsen", "Moreau", "Novak", "Ortiz", "Petrov",
    "Quinn", "Richter", "Silva", "Weber",
];
const ORGS: [(&str, &str); 4] = [
    ("Velo Club Berlin", "veloclub.example"),
    ("Urban Couriers Ltd", "urbancouriers.example"),
    ("Alpine Tours AG", "alpinetours.example"),
    ("Harbour Bikes", "harbourbikes.example"),
];
const PRODUCTS: [(&str, &str, i64); 6] = [
    ("bike-city", "City bike", 89_900),
    ("bike-cargo", "Cargo bike", 349_000),
    ("service-annual", "Annual service", 12_900),
    ("helmet", "Helmet", 7_990),
    ("lights", "Light set", 3_490),
    ("tyre", "Tyre", 2_990),
];

/// Adds the demo customers to `ws`.
pub async fn load(app: &App, ws: WorkspaceId) -> AppResult<()> {
    let now = app.now();
    let day = |d: i64| now - SignedDuration::from_hours(24 * d);
    let mut tx = app.db.begin().await?;
    let settings = tx.ensure_value_settings(ws, Currency::Eur).await?;
    let mut orgs = Vec::new();
    for (name, domain) in ORGS {
        orgs.push(tx.create_organization(now, ws, name, Some(domain)).await?);
    }
    let mut people: Vec<(String, Vec<Identity>, Option<usize>)> = Vec::new();
    for i in 0..58usize {
        let name = format!("{} {}", FIRST[i % FIRST.len()], LAST[(i * 7) % LAST.len()]);
        let org = (i % 3 == 0).then_some(i % ORGS.len());
        let domain = org.map_or("mail.example", |o| ORGS[o].1);
        let local = name.to_lowercase().replace(' ', ".");
        let mut ids = vec![Identity::parse(
            IdentityKind::Email,
            &format!("{local}{i}@{domain}"),
            None,
        )];
        if i % 3 == 1 {
            ids.push(Identity::parse(
                IdentityKind::Phone,
                &format!("+49 30 {}", 22_000_000 + i * 7919),
                None,
            ));
        }
        if i % 5 == 2 {
            ids.push(Identity::parse(
                IdentityKind::Chat,
                &format!("visitor-{:05}", i * 131),
                None,
            ));
        }
        if i % 7 == 3 {
            ids.push(Identity::parse(
                IdentityKind::Social,
                &format!("twitter:{}{}", local.replace('.', "_"), i),
                None,
            ));
        }
        if i % 4 == 0 {
            ids.push(Identity::parse(
                IdentityKind::External,
                &format!("crm-{:05}", 1000 + i),
                None,
            ));
        }
        people.push((name, ids.into_iter().filter_map(Result::ok).collect(), org));
    }
    // Likely duplicates: a spelling variant at the same company, and one external id written two ways.
    let dup = |kind, v: &str| Identity::parse(kind, v, None).ok();
    people.push((
        "Jonathan Meyer".into(),
        [dup(IdentityKind::Email, "jonathan.meyer@urbancouriers.example")]
            .into_iter()
            .flatten()
            .collect(),
        Some(1),
    ));
    people.push((
        "Jonathon Meyer".into(),
        [
            dup(IdentityKind::Email, "j.meyer@urbancouriers.example"),
            dup(IdentityKind::Phone, "+49 30 2200 0042"),
        ]
        .into_iter()
        .flatten()
        .collect(),
        Some(1),
    ));
    people.push((
        "Lena Fischer".into(),
        [dup(IdentityKind::External, "CRM-00042")]
            .into_iter()
            .flatten()
            .collect(),
        None,
    ));
    people.push((
        "Lena Fischer".into(),
        [
            dup(IdentityKind::External, "crm42"),
            dup(IdentityKind::Email, "lena.f@mail.example"),
        ]
        .into_iter()
        .flatten()
        .collect(),
        None,
    ));

    let langs = ["de", "en", "fr", "nl", "de", "en"];
    let mut order = 0u32;
    for (i, (name, identities, org)) in people.iter().enumerate() {
        let mut tags = Vec::new();
        if i % 10 < 2 {
            tags.push("vip".to_string());
        }
        if i % 4 == 1 {
            tags.push("newsletter".to_string());
        }
        if org.is_some() && i % 2 == 0 {
            tags.push("wholesale".to_string());
        }
        let mut consents = std::collections::BTreeMap::new();
        if tags.contains(&"newsletter".to_string()) {
            consents.insert(
                "marketing".to_string(),
                Consent {
                    given: true,
                    at: day(400 - i as i64),
                    how: "newsletter box at checkout".into(),
                },
            );
        }
        let plan = check_attribute(
            AttributeKind::Text,
            &[],
            &json!(if i % 3 == 0 { "club" } else { "standard" }),
        )
        .map_err(crate::error::AppError::Internal)?;
        let new = NewCustomer {
            name: name.clone(),
            organization_id: org.map(|o| orgs[o].id),
            identities: identities.iter().map(|x| (x.clone(), i % 2 == 0)).collect(),
            tags: tags.clone(),
            attributes: vec![("plan".into(), plan)],
            preferences: Preferences {
                language: Some(langs[i % langs.len()].into()),
                channel: Some(["email", "phone", "chat"][i % 3].into()),
                time_zone: Some("Europe/Berlin".into()),
                quiet_hours: None,
                do_not_contact: if i % 11 == 5 { vec!["phone".into()] } else { vec![] },
            },
            consents,
        };
        let id = tx.create_customer(now, ws, &new).await?;
        let idents: Vec<String> = identities.iter().map(|x| x.to_string()).collect();
        tx.append_event(
            now,
            NewEvent {
                workspace_id: ws,
                actor: Actor::System,
                kind: kind::CUSTOMER_CREATED,
                subject: Subject::new("customer", id.as_uuid()),
                payload: json!({"name": name, "identities": idents, "tags": tags, "source": "demo"}),
            },
        )
        .await?;
        // Purchase histories by group: big spenders, regulars, lapsing, former, leads.
        let (count, first_day, gap, big) = match i % 10 {
            0 | 1 => (6, 600, 90, true),
            2..=4 => (3, 300, 80, false),
            5 | 6 => (2, 420, 110, false),
            7 | 8 => (2, 700, 120, false),
            _ => (0, 0, 0, false),
        };
        for k in 0..count {
            order += 1;
            let (sku, product, base) = PRODUCTS[if big { k % 2 } else { 2 + (i + k) % 4 }];
            let at = day(first_day - (k as i64) * gap - (i as i64 % 9));
            let status = if order.is_multiple_of(17) {
                PurchaseStatus::Refunded
            } else {
                PurchaseStatus::Paid
            };
            let p = tx
                .insert_purchase(
                    now,
                    ws,
                    &NewPurchase {
                        customer_id: id,
                        product: sku.into(),
                        product_name: Some(product.into()),
                        amount: Money::new(base + (i as i64 % 5) * 500, Currency::Eur),
                        at,
                        external_id: Some(format!("nw-{order:05}")),
                        status,
                    },
                )
                .await?;
            tx.append_customer_event(now, NewEvent {
                workspace_id: ws, actor: Actor::System, kind: kind::PURCHASE_RECORDED,
                subject: Subject::new("purchase", p.id.as_uuid()),
                payload: json!({"product": sku, "product_name": product, "amount": p.amount.amount(), "currency": "EUR",
                    "at": at, "external_id": p.external_id, "status": status_str(status), "source": "demo"}),
            }, Some(id)).await?;
        }
        if count > 0 {
            refresh_customer_in(&mut tx, now, ws, id, &settings).await?;
        }
    }
    tx.commit().await?;
    refresh_workspace(app, ws).await?;
    Ok(())
}

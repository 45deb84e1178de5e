//! The demo's next best actions and win-back campaign: rules with a student
//! discount and a smaller plan; four conversations whose panels show a
//! broken promise, a product bought before, the student discount and a
//! former customer writing again; and a draft win-back campaign to former
//! customers whose dry run shows every outcome — sent, held for quiet hours,
//! and skipped for no consent, do-not-contact, no address and a bounce.

use crate::caller::Caller;
use crate::campaigns::{self, CampaignInput};
use crate::catalog::{self, DefineAttribute};
use crate::context::App;
use crate::conversations::add_message_as;
use crate::customers::{self, CreateCustomer, IdentityInput};
use crate::error::{AppError, AppResult};
use crate::ingest::{InboundMessage, ingest};
use crate::promises::{self, MakePromise};
use crate::purchases::{self, PurchaseInput};
use crate::reference::CustomerRef;
use candor_core::conversation::Channel;
use candor_core::customer::{Preferences, QuietHours};
use candor_core::next_action::{Offer, Rules};
use candor_core::{CustomerId, ManualClock, WorkspaceId};
use candor_store::staff::User;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The demo's win-back campaign.
pub const DEMO_CAMPAIGN: &str = "Win back former riders";

/// Demo customers made for these stories: name, email (or none), consent to marketing.
struct Person {
    name: &'static str,
    email: Option<&'static str>,
    phone: Option<&'static str>,
    marketing: bool,
}

async fn person(
    app: &App,
    owner: &Caller,
    p: &Person,
    preferences: Option<Preferences>,
    attributes: Map<String, Value>,
) -> AppResult<CustomerId> {
    let mut identities = Vec::new();
    if let Some(e) = p.email {
        identities.push(IdentityInput {
            kind: "email".into(),
            value: e.into(),
            verified: true,
        });
    }
    if let Some(ph) = p.phone {
        identities.push(IdentityInput {
            kind: "phone".into(),
            value: ph.into(),
            verified: true,
        });
    }
    let mut consent = Map::new();
    if p.marketing {
        consent.insert(
            "marketing".into(),
            json!({"given": true, "how": "ticked the newsletter box at checkout"}),
        );
    }
    let c = customers::create(
        app,
        owner,
        &CreateCustomer {
            name: p.name.into(),
            identities,
            attributes,
            preferences,
            consent,
            ..Default::default()
        },
    )
    .await?;
    Ok(c.id)
}

async fn bought(
    app: &App,
    owner: &Caller,
    customer: CustomerId,
    product: (&str, &str, &str),
    days_ago: i64,
    n: u32,
) -> AppResult<()> {
    let at = app.now() - SignedDuration::from_hours(24 * days_ago);
    purchases::record(
        app,
        owner,
        &PurchaseInput {
            customer_id: Some(customer.to_string()),
            customer: None,
            product: product.0.into(),
            product_name: Some(product.1.into()),
            amount: product.2.into(),
            currency: "EUR".into(),
            at: Some(at.to_string()),
            external_id: Some(format!("nw-story-{}-{n}", customer)),
            status: None,
        },
    )
    .await?;
    Ok(())
}

/// A customer's message at `at`, through the ingest path.
#[allow(clippy::too_many_arguments)]
async fn writes(
    past: &App,
    clock: &ManualClock,
    ws: WorkspaceId,
    customer: CustomerId,
    at: Timestamp,
    subject: &str,
    text: &str,
    id: &str,
) -> AppResult<candor_core::ConversationId> {
    clock.set(at);
    let mut m = InboundMessage::new(ws, CustomerRef::Id(customer), Channel::Email, text);
    m.subject = Some(subject.into());
    m.external_id = Some(format!("demo-story-{id}"));
    Ok(ingest(past, m).await?.conversation.id)
}

/// Adds the rules, the stories and the campaign.
pub async fn load(app: &App, owner: &User) -> AppResult<()> {
    let ws = owner.workspace_id;
    let boss = Caller::session(owner.clone());
    let staff = app.db.users(ws).await?;
    let named = |first: &str| {
        staff
            .iter()
            .find(|u| u.name.starts_with(first))
            .cloned()
            .ok_or_else(|| AppError::Internal(format!("demo staff member {first} is missing")))
    };
    let (annika, priya) = (named("Annika")?, named("Priya")?);

    catalog::define_attribute(
        app,
        &boss,
        &DefineAttribute {
            name: "student".into(),
            label: Some("Student".into()),
            kind: "boolean".into(),
            choices: Vec::new(),
        },
    )
    .await?;
    let rules = Rules {
        offers: vec![
            Offer {
                title: "Student discount: 20% off the annual service".into(),
                when: "attr.student:true".into(),
                reason: "They told us they study; students pay 20% less for the annual service.".into(),
            },
            Offer {
                title: "Suggest the Standard plan instead of Club".into(),
                when: "attr.plan:club last_purchase>180d".into(),
                reason: "They pay for the Club plan but have bought nothing in six months; Standard costs less and covers what they use.".into(),
            },
        ],
        ..Rules::default()
    };
    crate::next_actions::put_rules(app, &boss, rules).await?;

    let now = app.now();
    let clock = Arc::new(ManualClock::new(now));
    let past = App {
        clock: clock.clone(),
        ..app.clone()
    };
    let day = |d: i64| now - SignedDuration::from_hours(24 * d);
    let hour = |h: i64| now - SignedDuration::from_hours(h);

    // A promise that was broken, and the customer asking after it.
    let nadia = person(
        app,
        &boss,
        &Person {
            name: "Nadia Brandt",
            email: Some("nadia.brandt@mail.example"),
            phone: None,
            marketing: false,
        },
        None,
        Map::new(),
    )
    .await?;
    bought(app, &boss, nadia, ("bike-cargo", "Cargo bike", "3490.00"), 200, 1).await?;
    let conv = writes(
        &past,
        &clock,
        ws,
        nadia,
        day(4),
        "Cargo bike at the workshop",
        "My cargo bike has been at your workshop since Monday. Could someone tell me when it will be ready?",
        "nadia-1",
    )
    .await?;
    let as_annika = Caller::session(annika.clone());
    clock.set(day(4) + SignedDuration::from_hours(2));
    add_message_as(&past, &as_annika, conv, "outbound", "Hello Nadia, the mechanic is waiting for a part. I will call you as soon as the bike is back from the workshop.", false).await?;
    let due = day(2);
    let p = promises::make(
        &past,
        &as_annika,
        &MakePromise {
            conversation_id: conv.to_string(),
            description: "call Nadia when the cargo bike is back from the workshop".into(),
            due_at: due.to_string(),
            ..Default::default()
        },
        "detected",
    )
    .await?;
    clock.set(due + SignedDuration::from_secs(1));
    promises::check(&past, ws, p.id).await?;
    writes(
        &past,
        &clock,
        ws,
        nadia,
        hour(3),
        "Cargo bike at the workshop",
        "Still no word about my bike. You said you would call me. I need it to take the kids to school.",
        "nadia-2",
    )
    .await?;

    // A product bought before, asked for again.
    let marta = person(
        app,
        &boss,
        &Person {
            name: "Marta Kowalczyk",
            email: Some("marta.k@mail.example"),
            phone: None,
            marketing: true,
        },
        None,
        Map::new(),
    )
    .await?;
    bought(app, &boss, marta, ("helmet", "Helmet", "79.90"), 150, 1).await?;
    writes(
        &past,
        &clock,
        ws,
        marta,
        hour(5),
        "Ordering a helmet",
        "Hi! I would like to order the Helmet in blue for my commute. Can you send one this week?",
        "marta-1",
    )
    .await?;

    // A student who qualifies for the discount.
    let mut student = Map::new();
    student.insert("student".into(), json!(true));
    let sofia = person(
        app,
        &boss,
        &Person {
            name: "Sofia Lindgren",
            email: Some("sofia.lindgren@uni.example"),
            phone: None,
            marketing: false,
        },
        None,
        student,
    )
    .await?;
    bought(app, &boss, sofia, ("bike-city", "City bike", "899.00"), 60, 1).await?;
    writes(
        &past,
        &clock,
        ws,
        sofia,
        hour(8),
        "Annual service",
        "Is the annual service worth it for a bike that is two months old? I'm a student, so money is tight.",
        "sofia-1",
    )
    .await?;

    // A former customer writing again; they consented to news, so the campaign writes to them too.
    let henrik = person(
        app,
        &boss,
        &Person {
            name: "Henrik Aalto",
            email: Some("henrik.aalto@mail.example"),
            phone: None,
            marketing: true,
        },
        None,
        Map::new(),
    )
    .await?;
    bought(app, &boss, henrik, ("bike-cargo", "Cargo bike", "3390.00"), 520, 1).await?;
    writes(&past, &clock, ws, henrik, hour(20), "Looking again", "Hello again! It has been a while. My old bike still runs, but with the twins I need something bigger. What would you suggest?", "henrik-1").await?;

    // Former customers the campaign must not write to now, each for its own reason.
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
    let local = now.to_zoned(berlin);
    let quiet = QuietHours {
        start: local
            .time()
            .wrapping_sub(SignedDuration::from_hours(1))
            .strftime("%H:%M")
            .to_string(),
        end: local
            .time()
            .wrapping_add(SignedDuration::from_hours(3))
            .strftime("%H:%M")
            .to_string(),
    };
    let stories = [
        (
            Person {
                name: "Greta Holm",
                email: Some("greta.holm@mail.example"),
                phone: None,
                marketing: true,
            },
            Some(Preferences {
                time_zone: Some("Europe/Berlin".into()),
                quiet_hours: Some(quiet),
                ..Default::default()
            }),
        ),
        (
            Person {
                name: "Pieter de Vries",
                email: Some("pieter.devries@mail.example"),
                phone: None,
                marketing: true,
            },
            Some(Preferences {
                do_not_contact: vec!["email".into()],
                ..Default::default()
            }),
        ),
        (
            Person {
                name: "Ola Nordmann",
                email: None,
                phone: Some("+47 912 34 567"),
                marketing: true,
            },
            None,
        ),
        (
            Person {
                name: "Bruno Costa",
                email: Some("bruno.costa@mail.example"),
                phone: None,
                marketing: true,
            },
            None,
        ),
    ];
    for (i, (p, prefs)) in stories.iter().enumerate() {
        let id = person(app, &boss, p, prefs.clone(), Map::new()).await?;
        bought(
            app,
            &boss,
            id,
            ("bike-city", "City bike", "849.00"),
            430 + 20 * i as i64,
            1,
        )
        .await?;
    }
    let mut tx = app.db.begin().await?;
    tx.mark_address_bounced(now, ws, "bruno.costa@mail.example", "550 5.1.1 mailbox unknown")
        .await?;
    tx.commit().await?;

    campaigns::create(
        app,
        &boss,
        &CampaignInput {
            name: DEMO_CAMPAIGN.into(),
            segment: "stage:former".into(),
            subject: "{{first_name|Hello}}, how is the {{last_product|bike}} doing?".into(),
            body: "Hello {{first_name|there}},\n\nyou bought your {{last_product|bike}} from us on {{last_purchase_date|a while ago}}, and we have not heard from you since. I would like to know how it is riding, and whether anything we did kept you away.\n\nIf it needs a check-up, reply to this email and I will book you in myself — the first service after a long break is on us.".into(),
            sender_id: Some(priya.id.to_string()),
            per_hour: Some(20),
            purpose: Some("marketing".into()),
        },
    )
    .await?;
    Ok(())
}

//! Win-back campaigns on both databases with a controlled clock: the dry
//! run's decisions (consent, do-not-contact, no address, a bounce, quiet
//! hours), sending at the hourly throttle, held customers sent when their
//! quiet hours end, pausing, stale ticks, replies and purchases after.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::campaigns::{self, CampaignInput, runner};
use candor_app::customers::{self, CreateCustomer, IdentityInput};
use candor_app::ingest::{InboundMessage, ingest};
use candor_app::purchases::{self, PurchaseInput};
use candor_app::reference::CustomerRef;
use candor_app::worker::Worker;
use candor_app::{App, AppError, Caller, accounts};
use candor_core::campaign::CampaignState;
use candor_core::conversation::{Channel, Delivery, Status};
use candor_core::customer::{Preferences, QuietHours};
use candor_core::{CampaignId, CustomerId, ManualClock, MessageId, WorkspaceId};
use candor_store::{Db, both_backends};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, json};
use std::collections::HashMap;
use std::sync::Arc;

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

/// A customer of the test: name, email, consent, preferences, days since their purchase.
type Story = (&'static str, Option<&'static str>, bool, Option<Preferences>, i64);

struct World {
    app: App,
    clock: Arc<ManualClock>,
    ws: WorkspaceId,
    owner: Caller,
    worker: Worker,
    people: HashMap<&'static str, CustomerId>,
}

async fn customer(
    w: &World,
    name: &str,
    email: Option<&str>,
    consent: bool,
    prefs: Option<Preferences>,
    days_since_purchase: i64,
) -> CustomerId {
    let mut identities = vec![];
    if let Some(e) = email {
        identities.push(IdentityInput {
            kind: "email".into(),
            value: e.into(),
            verified: true,
        });
    } else {
        identities.push(IdentityInput {
            kind: "phone".into(),
            value: "+49 30 1234567".into(),
            verified: true,
        });
    }
    let mut c = Map::new();
    if consent {
        c.insert("marketing".into(), json!({"given": true, "how": "signup form"}));
    }
    let made = customers::create(
        &w.app,
        &w.owner,
        &CreateCustomer {
            name: name.into(),
            identities,
            preferences: prefs,
            consent: c,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let at = w.app.now() - SignedDuration::from_hours(24 * days_since_purchase);
    purchases::record(
        &w.app,
        &w.owner,
        &PurchaseInput {
            customer_id: Some(made.id.to_string()),
            customer: None,
            product: "bike-city".into(),
            product_name: Some("City bike".into()),
            amount: "899.00".into(),
            currency: "EUR".into(),
            at: Some(at.to_string()),
            external_id: Some(format!("o-{}", made.id)),
            status: None,
        },
    )
    .await
    .unwrap();
    made.id
}

async fn world(db: Db) -> World {
    let clock = Arc::new(ManualClock::new(t0()));
    let app = App::new(db, clock.clone());
    let (ws, owner) = accounts::create_owner(
        &app,
        "Acme Bikes",
        "olivia@acme.example",
        "Olivia Owner",
        "correct horse battery",
    )
    .await
    .unwrap();
    let mut worker = Worker::new(app.clone());
    campaigns::register_jobs(&mut worker);
    // The email channel's job, as a mail server that accepts everything.
    worker.register("deliver.email", |app, job| async move {
        let ws = job.workspace_id.ok_or("no workspace")?;
        let id: MessageId = job.payload["message_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or("no message")?;
        let mut tx = app.db.begin().await.map_err(|e| e.to_string())?;
        tx.set_delivery(ws, id, Delivery::Sent)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())
    });
    let mut w = World {
        app,
        clock,
        ws: ws.id,
        owner: Caller::session(owner),
        worker,
        people: HashMap::new(),
    };
    let quiet = Preferences {
        time_zone: Some("UTC".into()),
        quiet_hours: Some(QuietHours {
            start: "08:00".into(),
            end: "10:00".into(),
        }),
        ..Default::default()
    };
    let dnc = Preferences {
        do_not_contact: vec!["email".into()],
        ..Default::default()
    };
    // Name, email, marketing consent, preferences, days since their purchase.
    let people: Vec<Story> = vec![
        ("Ada Able", Some("ada@mail.example"), true, None, 500),
        ("Ben Baker", Some("ben@mail.example"), true, None, 600),
        ("Cleo Cruz", Some("cleo@mail.example"), true, None, 700),
        ("Dina No-Consent", Some("dina@mail.example"), false, None, 500),
        ("Emil Do-Not-Contact", Some("emil@mail.example"), true, Some(dnc), 500),
        ("Fay Quiet", Some("fay@mail.example"), true, Some(quiet), 500),
        ("Gus Phone-Only", None, true, None, 500),
        ("Hal Bounced", Some("hal@mail.example"), true, None, 500),
        // A customer who bought lately is not in the segment.
        ("Ivy Current", Some("ivy@mail.example"), true, None, 10),
    ];
    for (name, email, consent, prefs, days) in people {
        let id = customer(&w, name, email, consent, prefs, days).await;
        w.people.insert(name, id);
    }
    let mut tx = w.app.db.begin().await.unwrap();
    assert!(
        tx.mark_address_bounced(t0(), w.ws, "hal@mail.example", "550 no such user")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    w
}

async fn new_campaign(w: &World, per_hour: i64) -> CampaignId {
    let sender = w.owner.user.id.to_string();
    campaigns::create(
        &w.app,
        &w.owner,
        &CampaignInput {
            name: "Win back".into(),
            segment: "stage:former".into(),
            subject: "{{first_name}}, we miss you".into(),
            body: "Hello {{first_name}}, how is the {{last_product|bike}} you bought on {{last_purchase_date}}?".into(),
            sender_id: Some(sender),
            per_hour: Some(per_hour),
            purpose: None,
        },
    )
    .await
    .unwrap()
    .id
}

async fn advance(w: &World, mins: i64) {
    w.clock.advance(SignedDuration::from_mins(mins));
    w.worker.drain().await.unwrap();
}

async fn sent(w: &World, id: CampaignId) -> i64 {
    campaigns::get(&w.app, &w.owner, id)
        .await
        .unwrap()
        .results
        .unwrap()
        .sent
}

async fn dry_run_decides_without_sending(db: Db) {
    let w = world(db).await;
    let id = new_campaign(&w, 2).await;
    let run = campaigns::dry_run(&w.app, &w.owner, id, None, 50).await.unwrap();
    assert_eq!(run.total, 8, "everyone but the current customer is former");
    let outcome: HashMap<CustomerId, (String, String)> = run
        .items
        .iter()
        .map(|l| (l.customer_id, (l.outcome.clone(), l.reason_code.clone())))
        .collect();
    let of = |name: &str| outcome[&w.people[name]].clone();
    for name in ["Ada Able", "Ben Baker", "Cleo Cruz"] {
        assert_eq!(of(name), ("send".into(), "send".into()), "{name}");
    }
    assert_eq!(of("Dina No-Consent"), ("skip".into(), "no-consent".into()));
    assert_eq!(of("Emil Do-Not-Contact"), ("skip".into(), "do-not-contact".into()));
    assert_eq!(of("Gus Phone-Only"), ("skip".into(), "no-email".into()));
    assert_eq!(of("Hal Bounced"), ("skip".into(), "bounced".into()));
    assert_eq!(of("Fay Quiet"), ("hold".into(), "quiet-hours".into()));
    assert!(!outcome.contains_key(&w.people["Ivy Current"]));
    assert_eq!((run.send, run.skip, run.hold), (3, 4, 1));
    let fay = run
        .items
        .iter()
        .find(|l| l.customer_id == w.people["Fay Quiet"])
        .unwrap();
    assert_eq!(fay.until, Some("2026-03-02T10:00:00Z".parse().unwrap()));
    // Who gets what: the message rendered and signed.
    let ada = campaigns::preview(&w.app, &w.owner, id, Some(w.people["Ada Able"]))
        .await
        .unwrap();
    assert_eq!(ada.line.subject, "Ada, we miss you");
    assert!(
        ada.line
            .body
            .starts_with("Hello Ada, how is the City bike you bought on "),
        "{}",
        ada.line.body
    );
    assert!(ada.line.body.ends_with("\n\n— Olivia Owner"), "{}", ada.line.body);
    assert_eq!(ada.from, "Olivia Owner at Acme Bikes");
    assert!(ada.in_segment);
    let ivy = campaigns::preview(&w.app, &w.owner, id, Some(w.people["Ivy Current"]))
        .await
        .unwrap();
    assert!(!ivy.in_segment);
    // Nothing was stored or queued.
    let c = campaigns::get(&w.app, &w.owner, id).await.unwrap();
    assert_eq!(c.state, CampaignState::Draft);
    assert_eq!(c.results.unwrap().sent + c.audience.unwrap() - 8, 0);
    // Nothing to send or deliver was queued (a purchase queues the value refresh, no more).
    for step in w.worker.drain().await.unwrap() {
        let text = format!("{step:?}");
        assert!(!text.contains("campaign") && !text.contains("deliver"), "{text}");
    }
}
both_backends!(dry_run, dry_run_decides_without_sending);

async fn sending_keeps_to_consent_and_the_throttle(db: Db) {
    let w = world(db).await;
    let id = new_campaign(&w, 2).await;
    campaigns::start(&w.app, &w.owner, id).await.unwrap();
    w.worker.drain().await.unwrap();
    // Two an hour: one now, the next in half an hour; every refusal is recorded at once.
    assert_eq!(sent(&w, id).await, 1);
    advance(&w, 10).await;
    assert_eq!(sent(&w, id).await, 1, "nothing before the half hour");
    advance(&w, 20).await;
    assert_eq!(sent(&w, id).await, 2);
    // 10:00: Fay's quiet hours are over; she and the last one follow, half an hour apart.
    advance(&w, 30).await;
    assert_eq!(sent(&w, id).await, 3);
    advance(&w, 30).await;
    assert_eq!(sent(&w, id).await, 4);
    advance(&w, 120).await;
    let c = campaigns::get(&w.app, &w.owner, id).await.unwrap();
    assert_eq!(c.state, CampaignState::Done);
    let r = c.results.unwrap();
    assert_eq!((r.sent, r.skipped, r.held), (4, 4, 0));
    assert_eq!(r.delivered, 4);
    let mut reasons: Vec<&str> = r.skipped_by_reason.iter().map(|(c, _)| c.as_str()).collect();
    reasons.sort();
    assert_eq!(reasons, ["bounced", "do-not-contact", "no-consent", "no-email"]);
    // Never more than two in any hour.
    let recorded = w.app.db.recipients(w.ws, id, "sent", None, 50).await.unwrap();
    let times: Vec<Timestamp> = recorded.iter().map(|r| r.decided_at).collect();
    for t in &times {
        let in_hour = times
            .iter()
            .filter(|s| **s > *t - SignedDuration::from_hours(1) && **s <= *t)
            .count();
        assert!(in_hour <= 2, "{in_hour} in the hour before {t}");
    }
    let sent_to: Vec<CustomerId> = recorded.iter().map(|r| r.customer_id).collect();
    for name in ["Ada Able", "Ben Baker", "Cleo Cruz", "Fay Quiet"] {
        assert!(sent_to.contains(&w.people[name]), "{name}");
    }
    let fay = recorded
        .iter()
        .find(|r| r.customer_id == w.people["Fay Quiet"])
        .unwrap();
    assert!(
        fay.decided_at >= "2026-03-02T10:00:00Z".parse().unwrap(),
        "not in her quiet hours"
    );
    // Each message is the sender's, in an email conversation waiting on the customer.
    let ada = recorded.iter().find(|r| r.customer_id == w.people["Ada Able"]).unwrap();
    let conv = w.app.db.conversation(w.ws, ada.conversation_id.unwrap()).await.unwrap();
    assert_eq!(conv.channel, Channel::Email);
    assert_eq!(conv.status, Status::Pending);
    assert_eq!(conv.assignee_id, Some(w.owner.user.id));
    assert_eq!(conv.tags, vec!["campaign".to_string()]);
    let m = w.app.db.message(w.ws, ada.message_id.unwrap()).await.unwrap();
    assert_eq!(m.author.name, "Olivia Owner");
    assert_eq!(m.delivery, Some(Delivery::Sent));
    // A reply lands in that conversation; a purchase after the message counts.
    let mut reply = InboundMessage::new(
        w.ws,
        CustomerRef::Id(w.people["Ada Able"]),
        Channel::Email,
        "Yes, it needs a service!",
    );
    reply.conversation_id = Some(conv.id);
    ingest(&w.app, reply).await.unwrap();
    assert_eq!(w.app.db.conversation(w.ws, conv.id).await.unwrap().status, Status::Open);
    purchases::record(
        &w.app,
        &w.owner,
        &PurchaseInput {
            customer_id: Some(w.people["Ada Able"].to_string()),
            customer: None,
            product: "service-annual".into(),
            product_name: Some("Annual service".into()),
            amount: "129.00".into(),
            currency: "EUR".into(),
            at: None,
            external_id: Some("after-1".into()),
            status: None,
        },
    )
    .await
    .unwrap();
    let r = campaigns::get(&w.app, &w.owner, id).await.unwrap().results.unwrap();
    assert_eq!((r.replies, r.buyers, r.purchases, r.revenue_minor), (1, 1, 1, 12_900));
    // Done is done.
    assert!(matches!(
        campaigns::start(&w.app, &w.owner, id).await,
        Err(AppError::Conflict { .. })
    ));
}
both_backends!(sending, sending_keeps_to_consent_and_the_throttle);

async fn pausing_stops_and_stale_ticks_do_nothing(db: Db) {
    let w = world(db).await;
    let id = new_campaign(&w, 60).await;
    campaigns::start(&w.app, &w.owner, id).await.unwrap();
    let first_at = w.app.db.campaign(w.ws, id).await.unwrap().next_tick_at.unwrap();
    w.worker.drain().await.unwrap();
    assert_eq!(sent(&w, id).await, 1);
    // The tick that already ran, run again, changes nothing.
    let again = runner::tick(&w.app, w.ws, id, first_at).await.unwrap();
    assert!(again.stale);
    campaigns::pause(&w.app, &w.owner, id).await.unwrap();
    advance(&w, 180).await;
    assert_eq!(sent(&w, id).await, 1, "a paused campaign sends nothing");
    assert_eq!(
        campaigns::get(&w.app, &w.owner, id).await.unwrap().state,
        CampaignState::Paused
    );
    campaigns::start(&w.app, &w.owner, id).await.unwrap();
    w.worker.drain().await.unwrap();
    assert_eq!(sent(&w, id).await, 2, "it goes on where it stopped");
    advance(&w, 1).await;
    advance(&w, 1).await;
    assert_eq!(sent(&w, id).await, 4);
    advance(&w, 1).await;
    let c = campaigns::get(&w.app, &w.owner, id).await.unwrap();
    assert_eq!(c.state, CampaignState::Done);
    // Each customer once, whatever happened in between.
    assert_eq!(c.results.unwrap().sent, 4);
}
both_backends!(pausing, pausing_stops_and_stale_ticks_do_nothing);

async fn bad_campaigns_name_the_field(db: Db) {
    let w = world(db).await;
    let good = CampaignInput {
        name: "Win back".into(),
        segment: "stage:former".into(),
        subject: "Hello".into(),
        body: "Hello {{first_name}}".into(),
        ..Default::default()
    };
    let field = |r: Result<_, AppError>| match r {
        Err(AppError::Invalid { field, .. }) | Err(AppError::InvalidQuery { field, .. }) => field,
        other => panic!("not refused: {:?}", other.map(|_: campaigns::CampaignView| ())),
    };
    for (input, expected) in [
        (
            CampaignInput {
                name: " ".into(),
                ..good.clone()
            },
            "name",
        ),
        (
            CampaignInput {
                segment: "tier:Q".into(),
                ..good.clone()
            },
            "segment",
        ),
        (
            CampaignInput {
                body: "Hi {{nickname}}".into(),
                ..good.clone()
            },
            "body",
        ),
        (
            CampaignInput {
                subject: "{{first_name".into(),
                ..good.clone()
            },
            "subject",
        ),
        (
            CampaignInput {
                per_hour: Some(0),
                ..good.clone()
            },
            "per_hour",
        ),
        (
            CampaignInput {
                sender_id: Some("nobody".into()),
                ..good.clone()
            },
            "sender_id",
        ),
        (
            CampaignInput {
                purpose: Some("two words".into()),
                ..good.clone()
            },
            "purpose",
        ),
    ] {
        assert_eq!(field(campaigns::create(&w.app, &w.owner, &input).await), expected);
    }
    // Agents read campaigns but do not write or start them.
    let mut tx = w.app.db.begin().await.unwrap();
    let agent = tx
        .create_user(
            t0(),
            candor_store::staff::NewUser {
                workspace_id: w.ws,
                email: "andrea@acme.example",
                name: "Andrea Agent",
                role: candor_core::staff::Role::Agent,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let agent = Caller::session(agent);
    assert!(matches!(
        campaigns::create(&w.app, &agent, &good).await,
        Err(AppError::Forbidden(_))
    ));
    let id = new_campaign(&w, 10).await;
    assert!(matches!(
        campaigns::start(&w.app, &agent, id).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(campaigns::dry_run(&w.app, &agent, id, None, 10).await.is_ok());
}
both_backends!(refusals, bad_campaigns_name_the_field);

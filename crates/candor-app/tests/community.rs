//! The community's hooks for private conversations, on both databases: what a
//! conversation needs from a topic, the public note when a topic moves, and
//! publishing a solved conversation only with the customer's consent. Also:
//! the held-email handler and the demo community.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::community::bridge::{Consent, PublishInput, conversation_draft, mark_moved_private, publish_as_topic};
use candor_app::community::posting::{TopicInput, post_topic_for};
use candor_app::reference::CustomerByIdentity;
use candor_app::worker::{Step, Worker};
use candor_app::{App, AppError, Caller, accounts};
use candor_core::ManualClock;
use candor_core::community::{TopicKind, Visibility};
use candor_store::Db;
use candor_store::both_backends;
use jiff::Timestamp;
use std::sync::Arc;

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

async fn setup(db: &Db) -> (App, Caller) {
    let app = App::new(db.clone(), Arc::new(ManualClock::new(t0())));
    let (_, owner) = accounts::create_owner(
        &app,
        "Acme Inc",
        "owner@acme.example",
        "Olivia Owner",
        "correct horse battery",
    )
    .await
    .unwrap();
    (app, Caller::session(owner))
}

async fn topics_and_conversations_meet_cleanly(db: Db) {
    let (app, caller) = setup(&db).await;
    let input = TopicInput {
        customer: Some(CustomerByIdentity {
            kind: "email".into(),
            value: "jane@example.com".into(),
            name: Some("Jane Doe".into()),
        }),
        kind: "problem".into(),
        title: "My order number does not work".into(),
        body: "Order **991** is not found.".into(),
        tags: vec!["orders".into()],
        ..Default::default()
    };
    let t = post_topic_for(&app, &caller, &input).await.unwrap();
    let draft = conversation_draft(&app, &caller, "https://support.acme.example", t.id)
        .await
        .unwrap();
    assert_eq!(draft.customer_id, t.customer_id);
    assert_eq!(draft.subject, "My order number does not work");
    assert_eq!(draft.body, "Order **991** is not found.");
    assert_eq!(draft.channel, "community");
    assert_eq!(
        draft.source_url,
        "https://support.acme.example/w/acme-inc/community/t/my-order-number-does-not-work"
    );
    let conversation = uuid::Uuid::now_v7();
    let moved = mark_moved_private(&app, &caller, t.id, Some(conversation), "")
        .await
        .unwrap();
    assert!(moved.locked);
    assert!(moved.private_note.unwrap().contains("private conversation"));
    assert_eq!(moved.conversation_id, Some(conversation));

    // Publishing needs the customer's consent.
    let mut publish = PublishInput {
        subject: "How to find an order number".into(),
        body: "It is on the confirmation email, top right.".into(),
        customer_id: t.customer_id,
        consent: Consent {
            given: false,
            at: t0(),
            how: String::new(),
        },
        kind: TopicKind::Question,
        mood: None,
        tags: vec![],
        conversation_id: Some(conversation),
    };
    let err = publish_as_topic(&app, &caller, &publish).await.unwrap_err();
    assert!(
        matches!(err, AppError::Invalid { ref field, .. } if field == "consent"),
        "{err:?}"
    );
    publish.consent = Consent {
        given: true,
        at: t0(),
        how: "replied \"yes, publish it\" in the conversation".into(),
    };
    let published = publish_as_topic(&app, &caller, &publish).await.unwrap();
    assert_eq!(published.visibility, Visibility::Published);
    assert_eq!(published.author_name, "Jane Doe");
    let events = db.events(caller.workspace(), None, 50).await.unwrap().items;
    let e = events
        .iter()
        .find(|e| e.kind == "community.published_from_conversation")
        .unwrap();
    assert_eq!(e.payload["consent"]["given"], true);
    assert!(events.iter().any(|e| e.kind == "community.moved_private"));
}
both_backends!(bridge, topics_and_conversations_meet_cleanly);

async fn emails_are_held_without_a_transport(db: Db) {
    let (app, caller) = setup(&db).await;
    let ws = caller.workspace();
    let mut tx = db.begin().await.unwrap();
    tx.queue_email(
        t0(),
        ws,
        &candor_store::outbox::NewEmail {
            purpose: "community.reply",
            to: "jane@example.com",
            subject: "New reply",
            text: "text",
            html: "<p>text</p>",
            recorded_text: "text",
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut worker = Worker::new(app.clone());
    candor_app::community::register_jobs(&mut worker);
    assert_eq!(worker.step().await.unwrap(), Step::Completed("email.send".into()));
    let outbox = db.outbox(ws, 10).await.unwrap();
    assert_eq!(outbox[0].state, "held");
    assert!(db.queued_emails(ws).await.unwrap().is_empty());
}
both_backends!(held, emails_are_held_without_a_transport);

async fn the_demo_community_is_meaningful(db: Db) {
    let app = App::new(db.clone(), Arc::new(ManualClock::new(t0())));
    let demo = candor_app::demo::load(&app).await.unwrap();
    let ws = demo.workspace.id;
    let p = candor_app::community::figures::profile(&app, ws).await.unwrap();
    assert!(p.last_90.topics >= 25, "{:?}", p.last_90);
    assert!(p.last_90.median_first_official_secs.is_some());
    assert!(p.last_90.problems_solved > 0 && p.last_90.problems > p.last_90.problems_solved);
    assert!(p.last_30.topics < p.last_90.topics);
    assert!(p.people.len() >= 4 && p.people.iter().all(|a| a.title.is_some()));
    let page = db
        .list_topics(ws, &candor_store::community::reads::TopicFilter::default(), 200)
        .await
        .unwrap();
    let kinds: std::collections::HashSet<_> = page.items.iter().map(|t| t.kind).collect();
    let moods: std::collections::HashSet<_> = page.items.iter().filter_map(|t| t.mood).collect();
    assert_eq!((kinds.len(), moods.len()), (4, 4));
    assert!(
        page.items
            .iter()
            .any(|t| t.status == candor_core::community::TopicStatus::WontDo)
    );
    assert!(page.items.iter().any(|t| t.accepted_reply_id.is_some()));
    assert!(page.items.iter().any(|t| t.me_too > 5 && t.followers > 1));
}
both_backends!(demo, the_demo_community_is_meaningful);

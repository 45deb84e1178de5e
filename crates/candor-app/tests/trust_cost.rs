//! What keeping trust current adds to appending an event, measured on both
//! databases: appends of an event trust does not count (a note) against
//! appends of one it counts (a customer's message), each in its own
//! transaction, and whole messages through the ingest path for scale. It
//! prints the figures; run it in release mode:
//! `cargo test --release -p candor-app --all-features --test trust_cost -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::ingest::{InboundMessage, ingest};
use candor_app::reference::CustomerRef;
use candor_app::{App, accounts};
use candor_core::conversation::Channel;
use candor_core::events::{Actor, Subject};
use candor_core::trust::trend::{first_trend_week, week_of};
use candor_core::{SystemClock, WorkspaceId};
use candor_store::Db;
use candor_store::events::NewEvent;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

const N: usize = 2000;

async fn appends(
    app: &App,
    ws: WorkspaceId,
    customer: candor_core::CustomerId,
    conversation: uuid::Uuid,
    kind: &str,
) -> f64 {
    let started = Instant::now();
    for i in 0..N {
        let mut tx = app.db.begin().await.unwrap();
        tx.append_customer_event(
            app.now(),
            NewEvent {
                workspace_id: ws,
                actor: Actor::System,
                kind,
                subject: Subject::new("conversation", conversation),
                payload: json!({"message_id": conversation, "channel": "email", "excerpt": "My light does not work",
                    "language": "en", "sentiment": -0.4, "attachments": 0, "subject": "Light", "words": 30 + i % 20,
                    "automated": false}),
            },
            Some(customer),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    started.elapsed().as_secs_f64() * 1e6 / N as f64
}

async fn what_tallying_adds_to_an_append(db: Db) {
    let backend = format!("{:?}", db.backend());
    let app = App::new(db, Arc::new(SystemClock));
    let (ws, _) = accounts::create_owner(&app, "Acme", "o@acme.example", "Olivia Owner", "correct horse battery")
        .await
        .unwrap();
    let first = ingest(
        &app,
        InboundMessage::new(
            ws.id,
            CustomerRef::parse(
                "",
                None,
                Some(&serde_json::from_value(json!({"kind": "email", "value": "c@example.com"})).unwrap()),
            )
            .unwrap(),
            Channel::Email,
            "My light does not work.",
        ),
    )
    .await
    .unwrap();
    let (customer, conversation) = (first.conversation.customer_id, first.conversation.id.as_uuid());
    // Warm both paths (prepared statements, pages) before timing.
    appends(&app, ws.id, customer, conversation, "note.added").await;
    appends(&app, ws.id, customer, conversation, "message.received").await;
    let plain = appends(&app, ws.id, customer, conversation, "note.added").await;
    let tallied = appends(&app, ws.id, customer, conversation, "message.received").await;
    let started = Instant::now();
    for i in 0..N / 4 {
        let mut m = InboundMessage::new(
            ws.id,
            CustomerRef::Id(customer),
            Channel::Email,
            "It still does not work, please help.",
        );
        m.conversation_id = Some(first.conversation.id);
        m.external_id = Some(format!("m-{i}"));
        ingest(&app, m).await.unwrap();
    }
    let per_ingest = started.elapsed().as_secs_f64() * 1e6 / (N / 4) as f64;
    println!(
        "{backend}: append in its own transaction {plain:.0} µs untallied, {tallied:.0} µs tallied \
         (+{:.0} µs); a message through ingest {per_ingest:.0} µs",
        tallied - plain
    );
    // The tallied appends were all counted.
    let week = first_trend_week(week_of(app.now().as_microsecond()));
    let rows = app.db.all_trust_counts(ws.id, week).await.unwrap();
    let sentiment = candor_core::trust::SignalKey::Sentiment.index();
    let observed = rows
        .iter()
        .filter(|(k, _)| k.week == candor_core::trust::trend::ALL_TIME)
        .map(|(_, c)| c.observed[sentiment])
        .max()
        .unwrap();
    assert!(observed >= (2 * N as i64 + 1) * 1000, "{observed}");
}

mod measured {
    use super::*;
    #[tokio::test]
    #[ignore = "a measurement: run in release mode with --ignored --nocapture"]
    async fn sqlite() {
        let t = candor_store::testing::TestDb::sqlite().await.unwrap();
        what_tallying_adds_to_an_append(t.db.clone()).await;
        t.finish().await;
    }
    #[tokio::test]
    #[ignore = "a measurement: run in release mode with --ignored --nocapture"]
    async fn postgres() {
        let t = candor_store::testing::TestDb::postgres().await.unwrap();
        what_tallying_adds_to_an_append(t.db.clone()).await;
        t.finish().await;
    }
}

//! What keeping commitment clocks adds to ingest, measured on both
//! databases: the same conversations (opened by a customer, answered by an
//! agent, written to again by the customer) in a workspace with published
//! commitments, whose every message starts, stops or resumes a clock, and in
//! one without, whose messages touch no clock. It prints the figures; run it
//! in release mode:
//! `cargo test --release -p candor-app --all-features --test clock_cost -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pact_support;

use candor_app::conversations::{self, CreateConversation};
use candor_app::reference::CustomerByIdentity;
use candor_app::{App, Caller, accounts};
use candor_core::ConversationId;
use candor_core::staff::Role;
use candor_store::Db;
use std::time::Instant;

const N: usize = 400;

/// Microseconds per message over `N` conversations of three messages each.
async fn per_message(app: &App, owner: &Caller, agent: &Caller, round: &str) -> f64 {
    let started = Instant::now();
    for i in 0..N {
        let input = CreateConversation {
            customer: Some(CustomerByIdentity {
                kind: "email".into(),
                value: format!("{round}-{i}@example.com"),
                name: Some("Jane Doe".into()),
            }),
            subject: Some("The light does not work".into()),
            body: "The front light I bought last week does not turn on.".into(),
            channel: Some("email".into()),
            ..Default::default()
        };
        let v = conversations::create(app, owner, &input).await.unwrap();
        let id: ConversationId = v.id.parse().unwrap();
        conversations::add_message_as(app, agent, id, "outbound", "Which model is it, please?", false)
            .await
            .unwrap();
        conversations::add_message_as(app, agent, id, "inbound", "It is the model with the USB port.", false)
            .await
            .unwrap();
    }
    started.elapsed().as_secs_f64() * 1e6 / (3 * N) as f64
}

async fn what_clocks_add_to_ingest(db: Db) {
    let backend = format!("{:?}", db.backend());
    let with = pact_support::pact(db.clone(), "Acme", vec![]).await;
    let app = with.app.clone();
    let (plain_ws, plain_owner) = accounts::create_owner(
        &app,
        "Plain",
        "olivia@plain.example",
        "Olivia Owner",
        "correct horse battery",
    )
    .await
    .unwrap();
    let plain_owner = Caller::session(plain_owner);
    let plain_agent = Caller::session(pact_support::staff(&app, plain_ws.id, "Paul Agent", Role::Agent).await);
    // Warm both paths (prepared statements, pages) before timing.
    per_message(&app, &with.owner, &with.agent, "warm-clocks").await;
    per_message(&app, &plain_owner, &plain_agent, "warm-plain").await;
    let mut clocked = Vec::new();
    let mut plain = Vec::new();
    for round in 0..3 {
        clocked.push(per_message(&app, &with.owner, &with.agent, &format!("clocks-{round}")).await);
        plain.push(per_message(&app, &plain_owner, &plain_agent, &format!("plain-{round}")).await);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (clocked, plain) = (median(&mut clocked), median(&mut plain));
    println!(
        "{backend}: a message through ingest {plain:.0} µs without commitments, {clocked:.0} µs with clocks \
         (+{:.0} µs per message; median of 3 rounds of {} messages)",
        clocked - plain,
        3 * N
    );
    // The clocked workspace kept clocks for every conversation, the plain one none.
    let filter = candor_store::conversations::Filter::default();
    let page = app.db.conversations(with.ws, &filter, None, 5).await.unwrap();
    for (c, _) in page.items {
        assert!(app.db.clocks(with.ws, c.id).await.unwrap().is_some(), "{}", c.id);
    }
    let page = app.db.conversations(plain_ws.id, &filter, None, 5).await.unwrap();
    assert!(!page.items.is_empty());
    for (c, _) in page.items {
        assert!(app.db.clocks(plain_ws.id, c.id).await.unwrap().is_none(), "{}", c.id);
    }
}

mod measured {
    use super::*;
    #[tokio::test]
    #[ignore = "a measurement: run in release mode with --ignored --nocapture"]
    async fn sqlite() {
        let t = candor_store::testing::TestDb::sqlite().await.unwrap();
        what_clocks_add_to_ingest(t.db.clone()).await;
        t.finish().await;
    }
    #[tokio::test]
    #[ignore = "a measurement: run in release mode with --ignored --nocapture"]
    async fn postgres() {
        let t = candor_store::testing::TestDb::postgres().await.unwrap();
        what_clocks_add_to_ingest(t.db.clone()).await;
        t.finish().await;
    }
}

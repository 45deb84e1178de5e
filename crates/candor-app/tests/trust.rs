//! Trust on both databases: contacts scored as steps, a falling trajectory
//! that flags the customer at risk and (for tier A) raises an inbox alert, a
//! step forward that ends the fall, the counts behind the equation, and a
//! rebuild from the event log that equals what was kept as events arrived.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pact_support;

use candor_app::promises::{self, MakePromise};
use candor_app::purchases::{self, PurchaseInput};
use candor_app::trust::{self, alerts, rebuild::rebuild};
use candor_core::trust::trajectory::Direction;
use candor_core::trust::trend::{first_trend_week, week_of};
use candor_core::value::Stage;
use candor_core::{ConversationId, CustomerId};
use candor_store::{Db, both_backends};
use jiff::SignedDuration;
use pact_support::{Pact, mins, pact, t0};
use std::collections::BTreeMap;

async fn buy(p: &Pact, email: &str, amount: &str) {
    let input: PurchaseInput = serde_json::from_value(serde_json::json!({
        "customer": {"kind": "email", "value": email}, "product": "bike", "amount": amount, "currency": "EUR",
    }))
    .unwrap();
    purchases::record(&p.app, &p.owner, &input).await.unwrap();
}

async fn customer_of(p: &Pact, id: ConversationId) -> CustomerId {
    p.app.db.conversation(p.ws, id).await.unwrap().customer_id
}

/// A conversation whose first reply comes late (the worker gives the
/// breach), then solved: a step toward disconnection.
async fn late_and_solved(p: &Pact, email: &str, from: jiff::Timestamp) -> ConversationId {
    p.at(from).await;
    let c = p.open(email).await;
    p.at(from + mins(90)).await;
    p.reply(c, "Sorry for the wait, a new light is on its way.").await;
    p.set_status(c, "solved").await;
    c
}

async fn snapshot(
    p: &Pact,
) -> (
    Vec<(candor_store::trust::CountKey, candor_core::trust::Counts)>,
    usize,
    usize,
) {
    let first = first_trend_week(week_of(p.app.now().as_microsecond()));
    (
        p.app.db.all_trust_counts(p.ws, first).await.unwrap(),
        p.app.db.all_trust_steps(p.ws).await.unwrap().len(),
        p.app.db.all_trajectories(p.ws).await.unwrap().len(),
    )
}

async fn a_falling_trajectory_flags_and_alerts(db: Db) {
    let p = pact(db, "Acme", vec![]).await;
    buy(&p, "vip@example.com", "900.00").await;
    buy(&p, "small@example.com", "9.00").await;
    candor_app::value::refresh_workspace(&p.app, p.ws).await.unwrap();

    let c1 = late_and_solved(&p, "vip@example.com", t0()).await;
    let vip = customer_of(&p, c1).await;
    let steps = p.app.db.trust_steps(p.ws, vip, 10).await.unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].direction, Direction::Disconnection);
    assert!(
        steps[0].reasons.iter().any(|r| r.code == "commitment_missed"),
        "{:?}",
        steps[0].reasons
    );
    assert!(
        p.app.db.open_trust_alerts(p.ws, 10).await.unwrap().is_empty(),
        "one step is no fall"
    );

    // The second step away in a row: falling, at risk, and (tier A) an alert.
    late_and_solved(&p, "vip@example.com", t0() + mins(180)).await;
    let v = trust::customer(&p.app, &p.owner, vip).await.unwrap();
    let j = v.trajectory.as_ref().unwrap();
    assert!(j.falling, "two steps toward disconnection in a row fall");
    assert_eq!(j.steps.len(), 2);
    assert_eq!(p.app.db.stored_stage(p.ws, vip).await.unwrap(), Stage::AtRisk);
    let open = alerts::open(&p.app, &p.owner, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].alert.customer_id, vip);
    assert!(open[0].alert.reason.contains("tier A"), "{}", open[0].alert.reason);
    assert!(!p.events("trust.alert_raised").await.is_empty());

    // The same fall for a customer who is not tier A flags without an alert.
    let s1 = late_and_solved(&p, "small@example.com", t0() + mins(300)).await;
    late_and_solved(&p, "small@example.com", t0() + mins(400)).await;
    let small = customer_of(&p, s1).await;
    assert!(
        p.app
            .db
            .trajectory(p.ws, small)
            .await
            .unwrap()
            .unwrap()
            .falling_since
            .is_some()
    );
    assert_eq!(alerts::open(&p.app, &p.owner, 10).await.unwrap().len(), 1);

    // The signals behind the score: two waits beyond a commitment in two
    // conversations, each first reply missed and each resolution in time,
    // two solves that held.
    let signal = |name: &str| v.signals.iter().find(|s| s.name == name).unwrap().clone();
    assert_eq!((signal("waits").favourable, signal("waits").observed), (2.0, 2.0));
    let met = signal("commitments_met");
    assert_eq!((met.favourable, met.observed), (2.0, 4.0));
    assert!(met.formula.starts_with("(2 + 0.5 × 4) / (4 + 4)"), "{}", met.formula);
    assert_eq!(
        (signal("solved_held").favourable, signal("solved_held").observed),
        (2.0, 2.0)
    );
    assert_eq!(signal("waits").effect, "raises self-orientation, which lowers trust");
    assert_eq!(signal("solved_held").effect, "raises credibility");
    assert_eq!(v.trend.len(), 12);
    assert_eq!(
        v.trend.last().unwrap().score,
        v.score,
        "this week's trend point is today's score"
    );
    let neutral = trust::workspace(&p.app, &p.owner).await.unwrap();
    assert!(neutral.signals.iter().find(|s| s.name == "waits").unwrap().observed >= 4.0);

    // A promise kept: a step toward partnership ends the fall and the flag.
    let due = p.app.now() + SignedDuration::from_hours(4);
    let promise = promises::make(
        &p.app,
        &p.agent,
        &MakePromise {
            conversation_id: c1.to_string(),
            description: "call you about the delivery".into(),
            due_at: due.to_string(),
            ..Default::default()
        },
        "hand",
    )
    .await
    .unwrap();
    promises::keep(&p.app, &p.agent, promise.id).await.unwrap();
    let v = trust::customer(&p.app, &p.owner, vip).await.unwrap();
    let j = v.trajectory.unwrap();
    assert!(!j.falling);
    assert_eq!(j.steps[0].direction, Direction::Partnership);
    assert_eq!(p.app.db.stored_stage(p.ws, vip).await.unwrap(), Stage::Customer);
    assert_eq!(
        v.signals.iter().find(|s| s.name == "promises_kept").unwrap().favourable,
        1.0
    );

    // The agent's own figures: the solves and the promise are theirs.
    let a = trust::agent(&p.app, &p.agent, p.agent.user.id).await.unwrap();
    let held = a.signals.iter().find(|s| s.name == "solved_held").unwrap();
    assert_eq!(held.observed, 4.0);
    assert!(
        a.signals.iter().all(|s| s.name != "shared"),
        "agents have no sharing signal"
    );

    // The alert is handled once.
    let id = open[0].alert.id;
    let handled = alerts::handle(&p.app, &p.agent, id, "reached_out").await.unwrap();
    assert_eq!(handled.handled_how.as_deref(), Some("reached_out"));
    assert!(alerts::open(&p.app, &p.owner, 10).await.unwrap().is_empty());
    assert!(alerts::handle(&p.app, &p.agent, id, "shouted").await.is_err());

    // The rebuild from the event log equals what was kept as events arrived.
    let kept = snapshot(&p).await;
    assert!(!kept.0.is_empty());
    let mut tx = p.app.db.begin().await.unwrap();
    tx.replace_trust(p.ws, &BTreeMap::new(), &[], &[]).await.unwrap();
    tx.commit().await.unwrap();
    assert!(snapshot(&p).await.0.is_empty());
    let done = rebuild(&p.app, p.ws).await.unwrap();
    assert_eq!(done.steps, kept.1);
    assert_eq!(done.falling, 1, "the small customer still falls");
    assert_eq!(done.unreadable_steps, 0);
    let rebuilt = snapshot(&p).await;
    assert_eq!(rebuilt, kept);
    assert_eq!(
        p.app.db.all_trajectories(p.ws).await.unwrap().len(),
        2,
        "both customers have a trajectory"
    );
    // And again: nothing changes.
    rebuild(&p.app, p.ws).await.unwrap();
    assert_eq!(snapshot(&p).await, kept);
}

async fn merging_moves_trust_as_a_rebuild_would(db: Db) {
    let p = pact(db, "Merge", vec![]).await;
    let a = late_and_solved(&p, "a@example.com", t0()).await;
    let b = late_and_solved(&p, "b@example.com", t0() + mins(120)).await;
    let (ca, cb) = (customer_of(&p, a).await, customer_of(&p, b).await);
    candor_app::merge::merge(&p.app, &p.owner, ca, cb).await.unwrap();
    let v = trust::customer(&p.app, &p.owner, ca).await.unwrap();
    assert_eq!(v.signals.iter().find(|s| s.name == "waits").unwrap().observed, 2.0);
    assert!(
        v.trajectory.unwrap().falling,
        "their two steps away are one customer's now"
    );
    let kept = snapshot(&p).await;
    rebuild(&p.app, p.ws).await.unwrap();
    assert_eq!(snapshot(&p).await, kept);
    // The other's id answers with the survivor.
    assert!(matches!(
        trust::customer(&p.app, &p.owner, cb).await,
        Err(candor_app::AppError::Merged(s)) if s == ca
    ));
}

async fn nothing_known_is_the_neutral_middle(db: Db) {
    let p = pact(db, "Neutral", vec![]).await;
    buy(&p, "new@example.com", "5.00").await;
    let c = p.app.db.customer_names(p.ws).await.unwrap()[0].0;
    let v = trust::customer(&p.app, &p.owner, c).await.unwrap();
    assert_eq!(v.score, 3.0);
    assert_eq!(v.percent, 50.0);
    assert_eq!((v.credibility, v.self_orientation), (5.5, 5.5));
    assert!(v.trajectory.unwrap().steps.is_empty());
    // Another workspace's customer is not found.
    let (_, other) = candor_app::accounts::create_owner(
        &p.app,
        "Other",
        "o@other.example",
        "Otto Other",
        "correct horse battery",
    )
    .await
    .unwrap();
    let other = candor_app::Caller::session(other);
    assert!(matches!(
        trust::customer(&p.app, &other, c).await,
        Err(candor_app::AppError::NotFound)
    ));
    assert!(matches!(
        trust::agent(&p.app, &other, p.agent.user.id).await,
        Err(candor_app::AppError::NotFound)
    ));
    // Another agent's figures are for leads only.
    assert!(matches!(
        trust::agent(&p.app, &p.agent, p.owner.user.id).await,
        Err(candor_app::AppError::Forbidden(_))
    ));
    assert!(trust::agent(&p.app, &p.owner, p.agent.user.id).await.is_ok());
}

async fn replies_that_serve_the_company_count_against_trust(db: Db) {
    let p = pact(db, "Replies", vec![]).await;
    let c = p.open("r@example.com").await;
    p.reply(
        c,
        "Unfortunately this is against our policy. Have you seen our special offer on e-bikes?",
    )
    .await;
    p.reply(c, "A new light is on its way today.").await;
    let sent = p.events("message.sent").await;
    let flags: Vec<_> = sent.iter().map(|e| e.payload["self_serving"].clone()).collect();
    assert!(
        flags.iter().any(|f| f.as_array().is_some_and(|a| a.len() == 2)),
        "{flags:?}"
    );
    assert!(
        flags.iter().any(|f| f.as_array().is_some_and(Vec::is_empty)),
        "{flags:?}"
    );
    let v = trust::customer(&p.app, &p.owner, customer_of(&p, c).await)
        .await
        .unwrap();
    let s = v.signals.iter().find(|s| s.name == "self_serving_replies").unwrap();
    assert_eq!((s.favourable, s.observed), (1.0, 2.0));
}

both_backends!(falling, a_falling_trajectory_flags_and_alerts);
both_backends!(merging, merging_moves_trust_as_a_rebuild_would);
both_backends!(neutral, nothing_known_is_the_neutral_middle);
both_backends!(replies, replies_that_serve_the_company_count_against_trust);

//! The demo shows varied trust: a tier A rider whose trajectory falls (at
//! risk, with the inbox alert), one whose trust grows, steps from the
//! answered history; and rebuilding the demo's trust from its event log
//! gives back what was kept. On both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::App;
use candor_app::trust::{self, rebuild::rebuild};
use candor_core::ManualClock;
use candor_core::trust::trend::{first_trend_week, week_of};
use candor_core::value::Stage;
use candor_store::{Db, both_backends};
use std::sync::Arc;

async fn the_demo_shows_trust_rising_and_falling(db: Db) {
    // A Wednesday noon in Berlin.
    let clock = Arc::new(ManualClock::new("2026-03-04T11:00:00Z".parse().unwrap()));
    let app = App::new(db, clock);
    candor_app::demo::load(&app).await.unwrap();
    let ws = app.db.workspace_by_slug(candor_app::demo::DEMO_SLUG).await.unwrap().id;
    let owner = app
        .db
        .users(ws)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == candor_app::demo::DEMO_EMAIL)
        .unwrap();
    let owner = candor_app::Caller::session(owner);

    let open = trust::alerts::open(&app, &owner, 10).await.unwrap();
    assert_eq!(open.len(), 1, "one tier A rider's trust falls");
    let falling = open[0].alert.customer_id;
    assert_eq!(open[0].alert.tier.as_deref(), Some("A"));
    assert_eq!(app.db.stored_stage(ws, falling).await.unwrap(), Stage::AtRisk);
    let f = trust::customer(&app, &owner, falling).await.unwrap();
    assert!(f.trajectory.as_ref().unwrap().falling);
    let pushed = f.signals.iter().find(|s| s.name == "self_serving_replies").unwrap();
    assert!(pushed.favourable >= 1.0, "a sale pushed at an angry rider: {pushed:?}");

    // Scores differ: the best-trusted customer stands well above the falling one.
    let mut scores = Vec::new();
    for (id, _) in app.db.customer_names(ws).await.unwrap() {
        scores.push(trust::customer(&app, &owner, id).await.unwrap().score);
    }
    let best = scores.iter().copied().fold(f64::MIN, f64::max);
    assert!(best > f.score + 1.0, "best {best}, falling {}", f.score);
    assert!(scores.iter().filter(|s| **s != 3.0).count() >= 10, "{scores:?}");
    let w = trust::workspace(&app, &owner).await.unwrap();
    assert!(w.signals.iter().find(|s| s.name == "solved_held").unwrap().observed >= 20.0);
    assert!(!trust::agents(&app, &owner).await.unwrap().is_empty());

    // The rebuild from the log gives back exactly what was kept.
    let first = first_trend_week(week_of(app.now().as_microsecond()));
    let kept = (
        app.db.all_trust_counts(ws, first).await.unwrap(),
        app.db.all_trust_steps(ws).await.unwrap(),
        app.db.all_trajectories(ws).await.unwrap(),
    );
    let done = rebuild(&app, ws).await.unwrap();
    assert_eq!(
        done.falling,
        kept.2.iter().filter(|(_, t)| t.falling_since.is_some()).count()
    );
    let rebuilt = (
        app.db.all_trust_counts(ws, first).await.unwrap(),
        app.db.all_trust_steps(ws).await.unwrap(),
        app.db.all_trajectories(ws).await.unwrap(),
    );
    assert_eq!(rebuilt.0, kept.0);
    assert_eq!(rebuilt.1, kept.1);
    assert_eq!(rebuilt.2, kept.2);
}

both_backends!(demo_trust, the_demo_shows_trust_rising_and_falling);

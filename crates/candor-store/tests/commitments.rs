//! Commitment versions on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::commitments::{Commitment, Commitments, RedressAction};
use candor_core::hours::BusinessCalendar;
use candor_store::{Db, both_backends};
use jiff::{SignedDuration, Timestamp};

fn sample(first: &str) -> Commitments {
    Commitments {
        calendar: BusinessCalendar::always_open(),
        warn_at: 0.75,
        commitments: vec![Commitment {
            channel: "email".into(),
            priority: "normal".into(),
            first_reply: Some(first.parse().unwrap()),
            next_reply: None,
            resolution: None,
        }],
        redress: "We credit a month.".into(),
        redress_actions: vec![RedressAction::DraftApology],
    }
}

async fn versions_are_kept_and_found_by_time(db: Db) {
    let t0: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    let mut tx = db.begin().await.unwrap();
    let ws = tx.create_workspace(t0, "acme", "Acme", "UTC").await.unwrap();
    assert_eq!(
        tx.insert_commitments(t0, ws.id, None, &sample("PT4H")).await.unwrap(),
        1
    );
    let t1 = t0 + SignedDuration::from_hours(24);
    assert_eq!(
        tx.insert_commitments(t1, ws.id, None, &sample("PT2H")).await.unwrap(),
        2
    );
    tx.commit().await.unwrap();
    assert_eq!(db.current_commitments(ws.id).await.unwrap().unwrap().version, 2);
    let then = db
        .commitments_at(ws.id, t0 + SignedDuration::from_hours(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((then.version, then.commitments), (1, sample("PT4H")));
    assert!(
        db.commitments_at(ws.id, t0 - SignedDuration::from_secs(1))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.commitment_history(ws.id).await.unwrap().len(), 2);
    // Another workspace has none.
    let mut tx = db.begin().await.unwrap();
    let other = tx.create_workspace(t0, "other", "Other", "UTC").await.unwrap();
    tx.commit().await.unwrap();
    assert!(db.current_commitments(other.id).await.unwrap().is_none());
}
both_backends!(versions, versions_are_kept_and_found_by_time);

//! A priority change re-targets the running clocks, driven by a controlled
//! clock on both databases: the breach comes at the new due time, paused
//! time still left out; a priority without a commitment stops the measuring;
//! a breached clock keeps its outcome.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pact_support;

use candor_core::commitments::RedressAction;
use candor_store::{Db, both_backends};
use jiff::{SignedDuration, Timestamp};
use pact_support::{Pact, commitments, mins, pact_with, t0, urgent};

async fn two_priorities(db: Db) -> Pact {
    let mut published = commitments(vec![RedressAction::NotifyLead]);
    published.commitments.push(urgent());
    pact_with(db, "Acme", published).await
}

fn at(m: i64, s: i64) -> Timestamp {
    t0() + mins(m) + SignedDuration::from_secs(s)
}

async fn urgent_moves_the_breach_earlier(db: Db) {
    let p = two_priorities(db).await;
    let id = p.open("jane@example.com").await;
    // Pending from 09:05 to 09:15: those ten minutes never count.
    p.clock.set(at(5, 0));
    p.set_status(id, "pending").await;
    p.clock.set(at(15, 0));
    p.customer_writes(id, "It is the model with the USB port.").await;
    let normal = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(normal.due_at, Some(at(70, 0)), "an hour of open time, less the pause");

    // At 09:20 the agent makes it urgent: a first reply within 30 minutes,
    // counted from 09:00 with the pause left out: due 09:40.
    p.at(at(20, 0)).await;
    p.set_priority(id, "urgent").await;
    let urgent = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(urgent.priority, "urgent");
    assert_eq!(urgent.commitments_version, normal.commitments_version);
    assert_eq!(urgent.due_at, Some(at(40, 0)));
    assert_eq!(urgent.warn_at, Some(at(32, 30)), "75% of 30 minutes");
    assert_eq!(urgent.next_check_at, Some(at(32, 30)));
    let moved = p.events("commitment.retargeted").await;
    assert_eq!(moved.len(), 1);
    let payload = &moved[0].payload;
    assert_eq!(
        (payload["from"].as_str(), payload["to"].as_str()),
        (Some("normal"), Some("urgent"))
    );
    assert_eq!(payload["measured"], true);
    let clocks: Vec<&str> = payload["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clock"].as_str().unwrap())
        .collect();
    assert_eq!(clocks, vec!["first_reply", "resolution"]);
    assert_eq!(payload["clocks"][0]["due_before"], "2026-03-02T10:10:00Z");
    assert_eq!(payload["clocks"][0]["due_after"], "2026-03-02T09:40:00Z");

    // The warning comes at 09:32:30, the breach right after 09:40, not 10:10.
    p.at(at(39, 0)).await;
    assert_eq!(p.events("commitment.warning").await.len(), 1);
    assert!(p.events("commitment.breached").await.is_empty());
    p.at(at(41, 0)).await;
    let breached = p.events("commitment.breached").await;
    assert_eq!(breached.len(), 1);
    assert_eq!(breached[0].payload["due_at"], "2026-03-02T09:40:00Z");
    assert_eq!(breached[0].at, at(41, 0));
    assert_eq!(p.app.db.redress_of(p.ws, id).await.unwrap().len(), 1);
    // The old due time passes quietly: the stale check finds nothing to do.
    p.at(at(75, 0)).await;
    assert_eq!(p.events("commitment.breached").await.len(), 1);
    p.reply(id, "Sorry for the wait: a new light is on its way.").await;
    let done = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(done.first_reply_within, Some(false));
}
both_backends!(breach_at_the_new_due_time, urgent_moves_the_breach_earlier);

async fn a_priority_without_commitment_stops_the_measuring(db: Db) {
    let p = two_priorities(db).await;
    let id = p.open("jane@example.com").await;
    p.at(at(30, 0)).await;
    p.reply(id, "A new light is on its way.").await;
    p.at(at(60, 0)).await;
    p.set_priority(id, "low").await;
    let row = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    // The first reply stays measured where it was; the resolution clock is gone.
    assert_eq!(row.priority, "normal");
    assert_eq!(row.first_reply_within, Some(true));
    assert_eq!(
        (row.resolution_within, row.due_at, row.next_check_at),
        (None, None, None)
    );
    assert!(row.clocks.resolution.is_none());
    let moved = p.events("commitment.retargeted").await;
    assert_eq!(moved[0].payload["measured"], false);
    assert_eq!(moved[0].payload["clocks"][0]["target_after"], serde_json::Value::Null);
    // A day later nothing was breached, and solving it measures nothing.
    p.at(t0() + SignedDuration::from_hours(30)).await;
    assert!(p.events("commitment.breached").await.is_empty());
    p.set_status(id, "solved").await;
    let solved = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(solved.resolution_within, None);
}
both_backends!(
    no_commitment_no_measure,
    a_priority_without_commitment_stops_the_measuring
);

async fn a_breached_clock_keeps_its_outcome(db: Db) {
    let p = two_priorities(db).await;
    let id = p.open("jane@example.com").await;
    // The first reply is breached at 10:00.
    p.at(at(61, 0)).await;
    assert_eq!(p.events("commitment.breached").await.len(), 1);
    let before = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    p.at(at(65, 0)).await;
    p.set_priority(id, "urgent").await;
    let after = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(after.clocks.first_reply, before.clocks.first_reply);
    // The breached first reply still counts until answered (due 10:00).
    assert_eq!(after.due_at, Some(at(60, 0)));
    let moved = p.events("commitment.retargeted").await;
    assert_eq!(moved[0].payload["clocks"].as_array().unwrap().len(), 1);
    assert_eq!(moved[0].payload["clocks"][0]["clock"], "resolution");
    p.at(at(70, 0)).await;
    p.reply(id, "Sorry for the wait.").await;
    let replied = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(replied.first_reply_within, Some(false));
    // The resolution clock runs to 4 hours now: due 13:00.
    assert_eq!(replied.due_at, Some(at(240, 0)));
    assert_eq!(p.events("commitment.breached").await.len(), 1);
}
both_backends!(breached_keeps_outcome, a_breached_clock_keeps_its_outcome);

//! The public page's measured figures checked against a hand-computed
//! fixture, on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pact_support;

use candor_app::commitments::{public_answer, public_view};
use candor_app::promises::{self, MakePromise};
use candor_app::{breaches, commitments_measure};
use candor_core::commitments::RedressAction;
use candor_store::{Db, both_backends};
use jiff::SignedDuration;
use pact_support::{mins, pact, t0};
use serde_json::json;

/// Monday 09:00 UTC, open 09:00–18:00 on weekdays; email at normal priority:
/// first reply 1 hour, resolution 8 business hours.
///
/// | conversation | opened | first reply | business time | resolution |
/// | C1 | Mon 09:00 | Mon 09:30 | 30 min, in time | solved 11:00, in time |
/// | C2 | Mon 10:00 | Mon 12:00 | 120 min, late (breach 11:00, redressed) | solved 13:00, in time |
/// | C4 | Mon 11:00 | Mon 14:20 | pending 11:10–14:00: 30 min, in time | — |
/// | C3 | Mon 17:30 | Tue 09:15 | 30 min Monday + 15 Tuesday = 45 min, in time | — |
/// | chat | Mon 09:00 | — | no commitment: not measured | — |
///
/// First replies: 3 of 4 in time; times 1800, 1800, 2700, 7200 s: median
/// (1800 + 2700) / 2 = 2250 s (PT38M when rounded to the minute), 90th
/// percentile at rank ⌈0.9 × 4⌉ = 4: 7200 s (PT2H). Resolutions: 2 of 2.
/// Promises made: 3 (one kept, one broken, one open): half of those settled
/// were kept. Breaches: 1, redressed 1.
async fn figures_match_the_hand_computed_fixture(db: Db) {
    let p = pact(db, "Acme", vec![RedressAction::NotifyLead]).await;
    let c1 = p.open("c1@example.com").await;
    p.open_on("chat@example.com", "chat").await;
    let make = |description: &str, due: jiff::Timestamp| MakePromise {
        conversation_id: c1.to_string(),
        description: description.into(),
        due_at: due.to_string(),
        ..Default::default()
    };
    let refund = promises::make(
        &p.app,
        &p.agent,
        &make("refund the lights", t0() + mins(24 * 60)),
        "api",
    )
    .await
    .unwrap();
    promises::make(&p.app, &p.agent, &make("call you back", t0() + mins(120)), "api")
        .await
        .unwrap();
    promises::make(&p.app, &p.agent, &make("send a new strap", t0() + mins(72 * 60)), "api")
        .await
        .unwrap();
    p.at(t0() + mins(30)).await;
    p.reply(c1, "A new light is on its way.").await;
    p.at(t0() + mins(60)).await;
    let c2 = p.open("c2@example.com").await;
    p.at(t0() + mins(120)).await;
    p.set_status(c1, "solved").await;
    let c4 = p.open("c4@example.com").await;
    p.at(t0() + mins(121)).await;
    p.at(t0() + mins(130)).await;
    p.set_status(c4, "pending").await;
    p.at(t0() + mins(180)).await;
    p.reply(c2, "Sorry for the wait: here is the answer.").await;
    promises::keep(&p.app, &p.agent, refund.id).await.unwrap();
    p.at(t0() + mins(240)).await;
    p.set_status(c2, "solved").await;
    p.at(t0() + mins(300)).await;
    p.customer_writes(c4, "Here is the photo you asked for.").await;
    p.at(t0() + mins(320)).await;
    p.reply(c4, "Thank you, that shows it clearly.").await;
    p.at(t0() + mins(510)).await;
    let c3 = p.open("c3@example.com").await;
    p.at(t0() + mins(24 * 60 + 15)).await;
    p.reply(c3, "Good morning, here is what to do.").await;
    let open = p.app.db.redress_list(p.ws, Some("open"), None, 10).await.unwrap();
    assert_eq!(open.len(), 1, "only C2's first reply was missed");
    assert_eq!(open[0].conversation_id, c2);
    breaches::mark_done(&p.app, &p.owner, open[0].id).await.unwrap();
    let _ = c3;

    p.at(t0() + mins(25 * 60)).await;
    let (_, view) = public_view(&p.app, "acme").await.unwrap();
    for period in ["7d", "30d", "90d"] {
        let m = &view.measured[period];
        let expected = json!({
            "conversations": 4,
            "first_replies_measured": 4,
            "first_replies_in_time": 3,
            "first_replies_within": 0.75,
            "resolutions_measured": 2,
            "resolutions_in_time": 2,
            "resolutions_within": 1.0,
            "first_reply_median": "PT38M",
            "first_reply_median_seconds": 2250,
            "first_reply_p90": "PT2H",
            "first_reply_p90_seconds": 7200,
            "promises_made": 3,
            "promises_kept_count": 1,
            "promises_broken": 1,
            "promises_kept": 0.5,
            "breaches": 1,
            "breaches_redressed": 1,
        });
        for (k, v) in expected.as_object().unwrap() {
            assert_eq!(&m[k], v, "{period} {k}: {m}");
        }
    }
    assert!(view.method["first_reply_p90"].as_str().unwrap().contains("90%"));

    // Served from the cache for a minute: a new conversation shows after it.
    p.open("c5@example.com").await;
    let cached = commitments_measure::measured(&p.app, &p.app.db.workspace_by_slug("acme").await.unwrap())
        .await
        .unwrap();
    assert_eq!(cached["7d"]["conversations"], 4);
    p.clock.advance(SignedDuration::from_secs(61));
    let fresh = commitments_measure::measured(&p.app, &p.app.db.workspace_by_slug("acme").await.unwrap())
        .await
        .unwrap();
    assert_eq!(fresh["7d"]["conversations"], 5);
    // The 7-day window moves on: a week later, C1–C4 fall out of it.
    p.clock.advance(SignedDuration::from_hours(24 * 7));
    let later = commitments_measure::measured(&p.app, &p.app.db.workspace_by_slug("acme").await.unwrap())
        .await
        .unwrap();
    assert_eq!(later["7d"]["conversations"], 0);
    assert_eq!(later["7d"]["first_replies_within"], serde_json::Value::Null);
    assert_eq!(later["30d"]["conversations"], 5);

    // The whole public answer is kept for the same minute: one computation
    // serves every request in it, and its JSON is the view's.
    let answer = public_answer(&p.app, "acme").await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&answer.json).unwrap();
    assert_eq!(json, serde_json::to_value(&answer.view).unwrap());
    assert_eq!(json["measured"]["30d"]["conversations"], 5);
    p.open("c6@example.com").await;
    p.clock.advance(SignedDuration::from_secs(1));
    let again = public_answer(&p.app, "acme").await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&answer, &again), "served from memory");
    // A change the public should see at once (publishing, a promise) forgets it.
    p.app.pact.forget_figures(answer.workspace.id);
    let fresh = public_answer(&p.app, "acme").await.unwrap();
    assert_eq!(fresh.view.measured["30d"]["conversations"], 6);
    assert!(matches!(
        public_answer(&p.app, "nobody").await,
        Err(candor_app::AppError::NotFound)
    ));
}
both_backends!(fixture, figures_match_the_hand_computed_fixture);

/// Beside each commitment, its own figures: email at normal priority (one
/// conversation, answered in 30 minutes, solved; a promise kept), email made
/// urgent at once (answered in 45 minutes against 30: breached, not
/// redressed; a promise still open) and chat (nothing yet).
async fn figures_per_commitment(db: Db) {
    let mut published = pact_support::commitments(vec![RedressAction::NotifyLead]);
    published.commitments.push(pact_support::urgent());
    published.commitments.push(candor_core::commitments::Commitment {
        channel: "chat".into(),
        priority: "normal".into(),
        first_reply: Some("PT15M".parse().unwrap()),
        next_reply: None,
        resolution: None,
    });
    let p = pact_support::pact_with(db, "Acme", published).await;
    let n1 = p.open("n1@example.com").await;
    let u1 = p.open("u1@example.com").await;
    p.set_priority(u1, "urgent").await;
    let make = |id: candor_core::ConversationId, description: &str| MakePromise {
        conversation_id: id.to_string(),
        description: description.into(),
        due_at: (t0() + mins(24 * 60)).to_string(),
        ..Default::default()
    };
    let kept = promises::make(&p.app, &p.agent, &make(n1, "send the invoice"), "api")
        .await
        .unwrap();
    promises::make(&p.app, &p.agent, &make(u1, "call you back"), "api")
        .await
        .unwrap();
    p.at(t0() + mins(30)).await;
    p.reply(n1, "Here it is.").await;
    promises::keep(&p.app, &p.agent, kept.id).await.unwrap();
    p.at(t0() + mins(45)).await;
    p.reply(u1, "Sorry for the wait.").await;
    p.at(t0() + mins(60)).await;
    p.set_status(n1, "solved").await;
    p.clock.advance(SignedDuration::from_secs(61));

    let (_, view) = public_view(&p.app, "acme").await.unwrap();
    let json = serde_json::to_value(&view).unwrap();
    let of = |channel: &str, priority: &str| {
        json["commitments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channel"] == channel && c["priority"] == priority)
            .unwrap()["measured"]
            .clone()
    };
    let check = |m: &serde_json::Value, expected: serde_json::Value, what: &str| {
        for period in ["7d", "30d", "90d"] {
            for (k, v) in expected.as_object().unwrap() {
                assert_eq!(&m[period][k], v, "{what} {period} {k}: {m}");
            }
        }
    };
    check(
        &of("email", "normal"),
        json!({"conversations": 1, "first_replies_in_time": 1, "first_replies_measured": 1,
            "first_replies_within": 1.0, "first_reply_median_seconds": 1800, "first_reply_p90_seconds": 1800,
            "resolutions_within": 1.0, "promises_made": 1, "promises_kept": 1.0, "breaches": 0}),
        "normal",
    );
    check(
        &of("email", "urgent"),
        json!({"conversations": 1, "first_replies_in_time": 0, "first_replies_measured": 1,
            "first_replies_within": 0.0, "first_reply_median": "PT45M", "first_reply_p90_seconds": 2700,
            "resolutions_within": null, "promises_made": 1, "promises_kept": null,
            "breaches": 1, "breaches_redressed": 0}),
        "urgent",
    );
    check(
        &of("chat", "normal"),
        json!({"conversations": 0, "first_replies_within": null, "first_reply_median": null,
            "promises_made": 0, "breaches": 0}),
        "chat",
    );
    // The workspace's figures are the sum, unchanged in shape.
    check(
        &json["measured"],
        json!({"conversations": 2, "first_replies_in_time": 1, "first_replies_measured": 2,
            "first_reply_median_seconds": 2250, "first_reply_p90_seconds": 2700,
            "promises_made": 2, "breaches": 1}),
        "workspace",
    );
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&of("chat", "normal")["7d"]), keys(&json["measured"]["7d"]));
    assert!(view.method["by_commitment"].as_str().unwrap().contains("priority"));
}
both_backends!(per_commitment, figures_per_commitment);

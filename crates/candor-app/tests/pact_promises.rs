//! The promise ledger driven by a controlled clock on both databases:
//! reminders, broken when due passes, kept by hand and by a reply, made
//! again with a reason, and refusals of bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pact_support;

use candor_app::AppError;
use candor_app::promises::{self, MakePromise, Repromise};
use candor_core::commitments::RedressAction;
use candor_core::promises::{PromiseKind, PromiseState};
use candor_store::promises::PromiseFilter;
use candor_store::{Db, both_backends};
use jiff::SignedDuration;
use pact_support::{mins, pact, t0};

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn field(e: AppError) -> String {
    match e {
        AppError::Invalid { field, .. } => field,
        other => format!("not an invalid field: {other:?}"),
    }
}

async fn promises_are_reminded_broken_kept_and_made_again(db: Db) {
    let p = pact(db, "Acme", vec![RedressAction::NotifyLead]).await;
    let id = p.open("jane@example.com").await;
    let customer = p.app.db.conversation(p.ws, id).await.unwrap().customer_id;
    let make = |description: &str, due: jiff::Timestamp| MakePromise {
        conversation_id: id.to_string(),
        description: description.into(),
        due_at: due.to_string(),
        ..Default::default()
    };
    let refund = promises::make(&p.app, &p.agent, &make("refund the lights", t0() + hours(24)), "api")
        .await
        .unwrap();
    assert_eq!((refund.state, refund.kind), (PromiseState::Open, PromiseKind::Action));
    assert_eq!(refund.owner_id, p.agent.user.id);

    // An hour before due the owner is reminded, once.
    p.at(t0() + hours(22)).await;
    assert!(p.app.db.promise(p.ws, refund.id).await.unwrap().reminded_at.is_none());
    p.at(t0() + hours(23)).await;
    let reminded = p.app.db.promise(p.ws, refund.id).await.unwrap();
    assert_eq!(reminded.reminded_at, Some(t0() + hours(23)));
    let notes = p.app.db.notifications(p.ws, p.agent.user.id, 10).await.unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.body.contains("refund the lights") && n.kind == "promise.reminded")
    );
    promises::check(&p.app, p.ws, refund.id).await.unwrap();
    assert_eq!(p.events("promise.reminded").await.len(), 1);

    // Due passes unkept: broken, on the customer's timeline.
    p.at(t0() + hours(24)).await;
    assert_eq!(
        p.app.db.promise(p.ws, refund.id).await.unwrap().state,
        PromiseState::Open
    );
    p.at(t0() + hours(24) + SignedDuration::from_secs(1)).await;
    let broken = p.app.db.promise(p.ws, refund.id).await.unwrap();
    assert_eq!(broken.state, PromiseState::Broken);
    let timeline = p
        .app
        .db
        .events_for_customer(p.ws, customer, None, 50)
        .await
        .unwrap()
        .items;
    let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"promise.made") && kinds.contains(&"promise.broken"),
        "{kinds:?}"
    );
    // A broken promise cannot be marked kept afterwards.
    assert!(matches!(
        promises::keep(&p.app, &p.agent, refund.id).await,
        Err(AppError::Conflict { .. })
    ));

    // Made again: a reason is required; the broken one stays on record.
    let now = p.app.now();
    let again = Repromise {
        reason: " ".into(),
        due_at: (now + hours(24)).to_string(),
        description: None,
    };
    assert_eq!(
        field(
            promises::repromise(&p.app, &p.agent, refund.id, &again)
                .await
                .unwrap_err()
        ),
        "reason"
    );
    let again = Repromise {
        reason: "The warehouse lost the first parcel.".into(),
        ..again
    };
    let second = promises::repromise(&p.app, &p.agent, refund.id, &again).await.unwrap();
    assert_eq!(second.replaces_id, Some(refund.id));
    assert_eq!(second.reason.as_deref(), Some("The warehouse lost the first parcel."));
    assert_eq!(
        (second.state, second.description.as_str()),
        (PromiseState::Open, "refund the lights")
    );
    assert_eq!(
        p.app.db.promise(p.ws, refund.id).await.unwrap().state,
        PromiseState::Broken
    );

    // Kept by hand; keeping again changes nothing.
    p.clock.set(now + hours(2));
    let kept = promises::keep(&p.app, &p.agent, second.id).await.unwrap();
    assert_eq!(
        (kept.state, kept.kept_how.as_deref()),
        (PromiseState::Kept, Some("marked kept"))
    );
    assert_eq!(promises::keep(&p.app, &p.agent, second.id).await.unwrap(), kept);
    assert_eq!(p.events("promise.kept").await.len(), 1);
    // Its due-time check later finds it kept and does nothing.
    p.at(now + hours(30)).await;
    assert_eq!(
        p.app.db.promise(p.ws, second.id).await.unwrap().state,
        PromiseState::Kept
    );
    // A kept promise is not made again.
    let later = Repromise {
        due_at: (p.app.now() + hours(24)).to_string(),
        ..again.clone()
    };
    assert!(matches!(
        promises::repromise(&p.app, &p.agent, second.id, &later).await,
        Err(AppError::Conflict { .. })
    ));

    // A promised reply is kept by the owner's next reply.
    let now = p.app.now();
    let write_back = promises::make(
        &p.app,
        &p.agent,
        &make("get back to you with the tracking number", now + hours(8)),
        "hand",
    )
    .await
    .unwrap();
    assert_eq!(write_back.kind, PromiseKind::Reply);
    p.clock.set(now + hours(1));
    p.reply(id, "Your tracking number is NW-1234.").await;
    let kept = p.app.db.promise(p.ws, write_back.id).await.unwrap();
    assert_eq!(
        (kept.state, kept.kept_how.as_deref()),
        (PromiseState::Kept, Some("reply sent"))
    );

    let open = PromiseFilter {
        state: Some(PromiseState::Broken),
        ..Default::default()
    };
    let (listed, _) = promises::list(&p.app, &p.agent, &open, None, 50).await.unwrap();
    assert_eq!(listed.iter().map(|x| x.id).collect::<Vec<_>>(), vec![refund.id]);
}
both_backends!(ledger, promises_are_reminded_broken_kept_and_made_again);

async fn bad_promises_are_refused_and_nothing_is_stored(db: Db) {
    let p = pact(db, "Acme", vec![]).await;
    let id = p.open("jane@example.com").await;
    let good = MakePromise {
        conversation_id: id.to_string(),
        description: "send a new strap".into(),
        due_at: (t0() + hours(4)).to_string(),
        ..Default::default()
    };
    let cases = [
        (
            MakePromise {
                conversation_id: "nope".into(),
                ..good.clone()
            },
            "conversation_id",
        ),
        (
            MakePromise {
                conversation_id: uuid::Uuid::now_v7().to_string(),
                ..good.clone()
            },
            "conversation_id",
        ),
        (
            MakePromise {
                description: "   ".into(),
                ..good.clone()
            },
            "description",
        ),
        (
            MakePromise {
                due_at: "Friday".into(),
                ..good.clone()
            },
            "due_at",
        ),
        (
            MakePromise {
                due_at: (t0() - mins(1)).to_string(),
                ..good.clone()
            },
            "due_at",
        ),
        (
            MakePromise {
                owner_id: Some(uuid::Uuid::now_v7().to_string()),
                ..good.clone()
            },
            "owner_id",
        ),
        (
            MakePromise {
                kind: Some("wish".into()),
                ..good.clone()
            },
            "kind",
        ),
    ];
    for (input, expected) in cases {
        let e = promises::make(&p.app, &p.agent, &input, "api").await.unwrap_err();
        assert_eq!(field(e), expected);
    }
    // A viewer may not make promises.
    let viewer = candor_app::Caller::session(
        pact_support::staff(&p.app, p.ws, "Victor Viewer", candor_core::staff::Role::Viewer).await,
    );
    assert!(matches!(
        promises::make(&p.app, &viewer, &good, "api").await,
        Err(AppError::Forbidden(_))
    ));
    let (all, _) = promises::list(&p.app, &p.owner, &PromiseFilter::default(), None, 50)
        .await
        .unwrap();
    assert!(all.is_empty());
    assert!(p.events("promise.made").await.is_empty());
}
both_backends!(refusals, bad_promises_are_refused_and_nothing_is_stored);

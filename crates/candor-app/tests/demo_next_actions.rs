//! The demo shows the next best actions and a win-back campaign worth
//! clicking through: each story conversation's panel says what it should,
//! and the campaign's dry run shows every outcome. On both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::{App, Caller, campaigns, demo, next_actions};
use candor_core::ManualClock;
use candor_core::next_action::ActionKind;
use candor_store::conversations::Filter;
use candor_store::{Db, both_backends};
use std::collections::BTreeSet;
use std::sync::Arc;

async fn the_demo_tells_each_story(db: Db) {
    // A Wednesday noon in Berlin.
    let clock = Arc::new(ManualClock::new("2026-03-04T11:00:00Z".parse().unwrap()));
    let app = App::new(db, clock);
    let loaded = demo::load(&app).await.unwrap();
    let ws = loaded.workspace.id;
    let owner = app.db.user_by_email(demo::DEMO_EMAIL).await.unwrap();
    let caller = Caller::session(owner);
    let names = app.db.customer_names(ws).await.unwrap();
    let id_of = |name: &str| names.iter().find(|(_, n)| n == name).map(|(id, _)| *id).unwrap();
    let actions_of = |name: &'static str| {
        let (app, caller) = (&app, &caller);
        let customer = id_of(name);
        async move {
            let filter = Filter {
                customer: Some(customer),
                ..Default::default()
            };
            let page = app.db.conversations(ws, &filter, None, 10).await.unwrap();
            let conv = page
                .items
                .first()
                .unwrap_or_else(|| panic!("{name} has a conversation"));
            next_actions::for_conversation(app, caller, conv.0.id).await.unwrap()
        }
    };
    let kinds = |a: &[candor_core::next_action::Action]| a.iter().map(|x| x.kind).collect::<Vec<_>>();
    let nadia = actions_of("Nadia Brandt").await;
    assert_eq!(nadia[0].kind, ActionKind::PromiseBroken, "{nadia:?}");
    assert!(nadia[0].title.contains("cargo bike is back"), "{nadia:?}");
    let marta = actions_of("Marta Kowalczyk").await;
    assert_eq!(kinds(&marta), [ActionKind::AlreadyBought], "{marta:?}");
    let sofia = actions_of("Sofia Lindgren").await;
    assert!(kinds(&sofia).contains(&ActionKind::Offer), "{sofia:?}");
    assert!(
        sofia.iter().any(|a| a.title.starts_with("Student discount")),
        "{sofia:?}"
    );
    let henrik = actions_of("Henrik Aalto").await;
    assert!(kinds(&henrik).contains(&ActionKind::WinBack), "{henrik:?}");

    let list = campaigns::list(&app, &caller, None, 10).await.unwrap();
    let c = list
        .iter()
        .find(|c| c.name == candor_app::demo_campaigns::DEMO_CAMPAIGN)
        .unwrap();
    let run = campaigns::dry_run(&app, &caller, c.id, None, 200).await.unwrap();
    let codes: BTreeSet<&str> = run.items.iter().map(|l| l.reason_code.as_str()).collect();
    for code in [
        "send",
        "quiet-hours",
        "no-consent",
        "do-not-contact",
        "no-email",
        "bounced",
    ] {
        assert!(codes.contains(code), "{code} in {codes:?}");
    }
    assert!(
        run.items
            .iter()
            .any(|l| l.name == "Henrik Aalto" && l.outcome == "send")
    );
}
both_backends!(demo_stories, the_demo_tells_each_story);

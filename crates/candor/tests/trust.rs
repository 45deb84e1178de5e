//! `candor trust rebuild` on a real database file with the machine's clock:
//! counts, steps and trajectories lost come back as they were kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor::cli::Cli;
use candor_app::conversations::{self, CreateConversation, UpdateConversation};
use candor_app::reference::CustomerByIdentity;
use candor_app::{App, Caller, accounts};
use candor_core::SystemClock;
use candor_core::trust::trend::{first_trend_week, week_of};
use clap::Parser;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

async fn cli(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut all = vec!["candor", "--data-dir", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    candor::run::run(Cli::parse_from(all)).await
}

#[tokio::test]
async fn rebuild_puts_back_what_was_kept() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/candor.db", dir.path().display());
    let db = candor_store::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let app = App::new(db, Arc::new(SystemClock));
    let (ws, owner) = accounts::create_owner(
        &app,
        "Acme Inc",
        "o@acme.example",
        "Olivia Owner",
        "correct horse battery",
    )
    .await
    .unwrap();
    let owner = Caller::session(owner);
    for n in 0..3 {
        let input = CreateConversation {
            customer: Some(CustomerByIdentity {
                kind: "email".into(),
                value: format!("c{n}@example.com"),
                name: None,
            }),
            subject: Some("Lights".into()),
            body: "Which lights fit the city bike?".into(),
            ..Default::default()
        };
        let v = conversations::create(&app, &owner, &input).await.unwrap();
        let id = v.id.parse().unwrap();
        conversations::add_message(&app, &owner, id, "outbound", "The Lumo set fits it.")
            .await
            .unwrap();
        let solved = UpdateConversation {
            status: Some("solved".into()),
            ..Default::default()
        };
        conversations::update(&app, &owner, id, &solved).await.unwrap();
    }
    let first = first_trend_week(week_of(app.now().as_microsecond()));
    let snapshot = || async {
        (
            app.db.all_trust_counts(ws.id, first).await.unwrap(),
            app.db.all_trust_steps(ws.id).await.unwrap(),
            app.db.all_trajectories(ws.id).await.unwrap(),
        )
    };
    let kept = snapshot().await;
    assert_eq!(kept.1.len(), 3, "three solved conversations, three steps");
    assert!(
        kept.0.len() >= 8,
        "three customers and an agent, all-time and this week"
    );

    let mut tx = app.db.begin().await.unwrap();
    tx.replace_trust(ws.id, &BTreeMap::new(), &[], &[]).await.unwrap();
    tx.commit().await.unwrap();
    assert!(snapshot().await.1.is_empty());

    cli(dir.path(), &["trust", "rebuild", "--workspace", "acme-inc"])
        .await
        .unwrap();
    assert_eq!(snapshot().await, kept);
    cli(dir.path(), &["trust", "rebuild", "--workspace", "acme-inc"])
        .await
        .unwrap();
    assert_eq!(snapshot().await, kept);

    let err = cli(dir.path(), &["trust", "rebuild", "--workspace", "nope"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--workspace"), "{err}");
}

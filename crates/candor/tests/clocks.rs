//! `candor clocks rebuild` on a real database file, with the machine's clock:
//! rows lost or spoiled come back as they were written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor::cli::Cli;
use candor_app::conversations::{self, CreateConversation, UpdateConversation};
use candor_app::reference::CustomerByIdentity;
use candor_app::{App, Caller, accounts, commitments};
use candor_core::SystemClock;
use candor_core::commitments::{Commitment, Commitments};
use candor_core::hours::BusinessCalendar;
use candor_core::{ConversationId, WorkspaceId};
use clap::Parser;
use std::path::Path;
use std::sync::Arc;

async fn cli(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut all = vec!["candor", "--data-dir", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    candor::run::run(Cli::parse_from(all)).await
}

fn published() -> Commitments {
    let target = |p: &str, first: &str| Commitment {
        channel: "email".into(),
        priority: p.into(),
        first_reply: Some(first.parse().unwrap()),
        next_reply: Some("PT4H".parse().unwrap()),
        resolution: Some("P2D".parse().unwrap()),
    };
    Commitments {
        calendar: BusinessCalendar::always_open(),
        warn_at: 0.75,
        commitments: vec![target("normal", "PT4H"), target("urgent", "PT1H")],
        redress: "We say sorry.".into(),
        redress_actions: vec![],
    }
}

async fn setup(dir: &Path) -> (App, WorkspaceId, Vec<ConversationId>) {
    let url = format!("sqlite://{}/candor.db", dir.display());
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
    commitments::publish(&app, &owner, &published()).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        let input = CreateConversation {
            customer: Some(CustomerByIdentity {
                kind: "email".into(),
                value: format!("c{n}@example.com"),
                name: None,
            }),
            subject: Some("The light does not work".into()),
            body: "The front light does not turn on.".into(),
            channel: Some("email".into()),
            ..Default::default()
        };
        let v = conversations::create(&app, &owner, &input).await.unwrap();
        ids.push(v.id.parse().unwrap());
    }
    conversations::add_message(&app, &owner, ids[0], "outbound", "A new one is on its way.")
        .await
        .unwrap();
    let change = |priority: Option<&str>, status: Option<&str>| UpdateConversation {
        priority: priority.map(str::to_string),
        status: status.map(str::to_string),
        ..Default::default()
    };
    conversations::update(&app, &owner, ids[1], &change(Some("urgent"), Some("pending")))
        .await
        .unwrap();
    conversations::update(&app, &owner, ids[0], &change(None, Some("solved")))
        .await
        .unwrap();
    (app, ws.id, ids)
}

#[tokio::test]
async fn rebuild_puts_back_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let (app, ws, ids) = setup(dir.path()).await;
    let written = app.db.clocks_of(ws, &ids).await.unwrap();
    assert_eq!(written.len(), 3);
    assert_eq!(written[1].priority, "urgent");

    let mut tx = app.db.begin().await.unwrap();
    tx.delete_clocks(ws, &ids[..2]).await.unwrap();
    let mut spoiled = written[2].clone();
    spoiled.due_at = None;
    tx.save_clocks(app.now(), &spoiled).await.unwrap();
    tx.commit().await.unwrap();

    cli(dir.path(), &["clocks", "rebuild", "--workspace", "acme-inc"])
        .await
        .unwrap();
    assert_eq!(app.db.clocks_of(ws, &ids).await.unwrap(), written);
    cli(dir.path(), &["clocks", "rebuild", "--workspace", "acme-inc"])
        .await
        .unwrap();
    assert_eq!(app.db.clocks_of(ws, &ids).await.unwrap(), written);

    let err = cli(dir.path(), &["clocks", "rebuild", "--workspace", "nope"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--workspace"), "{err}");
    assert!(Cli::try_parse_from(["candor", "clocks", "rebuild"]).is_err() || std::env::var("CANDOR_WORKSPACE").is_ok());
}

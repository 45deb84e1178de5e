//! `candor import` and `candor export` with real files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor::cli::Cli;
use candor_app::{App, accounts};
use candor_core::SystemClock;
use candor_core::identity::Identity;
use clap::Parser;
use std::path::Path;
use std::sync::Arc;

async fn setup(dir: &Path) -> App {
    let url = format!("sqlite://{}/candor.db", dir.display());
    let db = candor_store::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let app = App::new(db, Arc::new(SystemClock));
    accounts::create_owner(
        &app,
        "Acme Inc",
        "o@acme.example",
        "Olivia Owner",
        "correct horse battery",
    )
    .await
    .unwrap();
    app
}

async fn cli(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut all = vec!["candor", "--data-dir", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    candor::run::run(Cli::parse_from(all)).await
}

async fn customers(app: &App) -> usize {
    let ws = app.db.workspace_by_slug("acme-inc").await.unwrap().id;
    let expr = candor_core::segment::parse("").unwrap();
    candor_app::export::all_matching(app, ws, &expr).await.unwrap().len()
}

async fn events(app: &App) -> usize {
    let ws = app.db.workspace_by_slug("acme-inc").await.unwrap().id;
    app.db.events(ws, None, 500).await.unwrap().items.len()
}

const GOOD: &str = "name,email,phone,tags,organization,language,marketing_consent,attr.plan\n\
Jane Doe,jane@example.com,+49 30 1234567,vip;beta,Acme GmbH,de,yes,pro\n\
\"Smith, Bob\",bob@example.com,,,,en,no,free\n\
Jane Doe,,+49301234567,gold,,,,\n";

#[tokio::test]
async fn customers_import_reports_bad_rows_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let app = setup(dir.path()).await;
    let file = dir.path().join("customers.csv");
    let bad = format!("{GOOD}Nobody,,,,,,,\nEve,not-an-email,,,,,,\n");
    std::fs::write(&file, &bad).unwrap();
    let err = cli(
        dir.path(),
        &["import", "customers", file.to_str().unwrap(), "--workspace", "acme-inc"],
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("2 of 5 rows are bad") && err.contains("nothing was imported"),
        "{err}"
    );
    assert_eq!(customers(&app).await, 0, "a file with bad rows imports nothing");

    let rejects = dir.path().join("rejects.csv");
    cli(
        dir.path(),
        &[
            "import",
            "customers",
            file.to_str().unwrap(),
            "--workspace",
            "acme-inc",
            "--skip-bad",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    )
    .await
    .unwrap();
    assert_eq!(customers(&app).await, 2, "Jane's two rows are one customer");
    let rejected = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = rejected.lines().collect();
    assert_eq!(lines.len(), 3, "{rejected}");
    assert!(
        lines[1].starts_with("5,") && lines[1].contains("no email"),
        "{rejected}"
    );
    assert!(
        lines[2].starts_with("6,") && lines[2].contains("not a valid email"),
        "{rejected}"
    );
    let ws = app.db.workspace_by_slug("acme-inc").await.unwrap().id;
    let jane = app
        .db
        .customer_by_identity(ws, &"phone:+49301234567".parse::<Identity>().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(jane.tags, vec!["vip", "beta", "gold"]);
    assert_eq!(jane.attributes["plan"], "pro");
    assert_eq!(jane.preferences.language.as_deref(), Some("de"));
    assert!(jane.consents["marketing"].given);
    assert!(jane.organization_id.is_some());

    // Running the good file again changes nothing: no new customers, no new events.
    let before = events(&app).await;
    std::fs::write(&file, GOOD).unwrap();
    cli(
        dir.path(),
        &["import", "customers", file.to_str().unwrap(), "--workspace", "acme-inc"],
    )
    .await
    .unwrap();
    assert_eq!(customers(&app).await, 2);
    assert_eq!(events(&app).await, before, "a repeated import writes no events");

    // Unknown columns and workspaces are refused up front.
    std::fs::write(&file, "name,fax\nX,1\n").unwrap();
    let err = cli(
        dir.path(),
        &["import", "customers", file.to_str().unwrap(), "--workspace", "acme-inc"],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("unknown column \"fax\""), "{err}");
    let err = cli(
        dir.path(),
        &["import", "customers", file.to_str().unwrap(), "--workspace", "nope"],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("--workspace"), "{err}");
}

#[tokio::test]
async fn purchases_import_is_idempotent_and_exports_follow() {
    let dir = tempfile::tempdir().unwrap();
    let app = setup(dir.path()).await;
    let file = dir.path().join("purchases.csv");
    let good = "external_id,customer_email,customer_name,product,product_name,amount,currency,at,status\n\
o-1,ann@example.com,Ann Lee,sku-1,Bell,19.99,EUR,2026-01-10T10:00:00Z,paid\n\
o-2,ann@example.com,,sku-2,Lamp,5,EUR,2026-01-11,refunded\n\
o-3,=cmd@example.com,=1+1,sku-3,,100,EUR,2026-01-12,paid\n";
    std::fs::write(
        &file,
        format!("{good}o-4,ann@example.com,,sku-1,,abc,EUR,,\n,ann@example.com,,sku-1,,1,EUR,,\n"),
    )
    .unwrap();
    let err = cli(
        dir.path(),
        &["import", "purchases", file.to_str().unwrap(), "--workspace", "acme-inc"],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("2 of 5 rows are bad"), "{err}");
    assert_eq!(customers(&app).await, 0);
    std::fs::write(&file, good).unwrap();
    cli(
        dir.path(),
        &["import", "purchases", file.to_str().unwrap(), "--workspace", "acme-inc"],
    )
    .await
    .unwrap();
    let ws = app.db.workspace_by_slug("acme-inc").await.unwrap().id;
    let ann = app
        .db
        .customer_by_identity(ws, &"email:ann@example.com".parse::<Identity>().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ann.name, "Ann Lee");
    assert_eq!(app.db.purchases_of(ws, ann.id).await.unwrap().len(), 2);
    assert_eq!(ann.value.lifetime_value.unwrap().amount(), "19.99");
    let before = events(&app).await;
    cli(
        dir.path(),
        &["import", "purchases", file.to_str().unwrap(), "--workspace", "acme-inc"],
    )
    .await
    .unwrap();
    assert_eq!(events(&app).await, before, "a repeated import changes nothing");
    assert_eq!(app.db.purchases_of(ws, ann.id).await.unwrap().len(), 2);

    let out = dir.path().join("out.csv");
    cli(
        dir.path(),
        &[
            "export",
            "customers",
            "--workspace",
            "acme-inc",
            "--query",
            "ltv>50",
            "--output",
            out.to_str().unwrap(),
        ],
    )
    .await
    .unwrap();
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(
        csv.contains("'=1+1") && csv.contains("'=cmd@example.com"),
        "formulas are neutralised: {csv}"
    );
    let json_out = dir.path().join("out.json");
    cli(
        dir.path(),
        &[
            "export",
            "customers",
            "--workspace",
            "acme-inc",
            "--format",
            "json",
            "--output",
            json_out.to_str().unwrap(),
        ],
    )
    .await
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    let err = cli(
        dir.path(),
        &["export", "customers", "--workspace", "acme-inc", "--query", "tier:Q"],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().starts_with("--query"), "{err}");
}

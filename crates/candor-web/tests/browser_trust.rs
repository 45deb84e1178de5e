//! Trust in Chromium over the demo: the inbox's "Trust falling" view, the
//! customer's trust panel where every number opens to show how it was
//! computed, the panel beside the conversation, the leads' page, and handling
//! the alert — each page checked for what assistive technology trips over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::demo;
use candor_web::testing::{Browser, PageResult, TestBackend, TestServer};

/// Whether the `<details>` matching `css` is open.
async fn is_open(b: &Browser, css: &str) -> PageResult<bool> {
    let v = b.eval(&format!("return document.querySelector('{css}').open;")).await?;
    Ok(v.as_bool().unwrap_or(false))
}

/// Whether the element matching `css` is rendered for the reader (a closed
/// `<details>` hides what is inside it).
async fn is_shown(b: &Browser, css: &str) -> PageResult<bool> {
    let v = b
        .eval(&format!(
            "const e = document.querySelector('{css}'); return !!e && e.checkVisibility();"
        ))
        .await?;
    Ok(v.as_bool().unwrap_or(false))
}

async fn trust_flow(s: &TestServer) -> PageResult<()> {
    let (loaded, b) = tokio::join!(demo::load(&s.app), Browser::start());
    let ws = loaded.unwrap().workspace.id;
    let b = b?;
    b.sign_in(s, demo::DEMO_EMAIL, demo::DEMO_PASSWORD).await?;
    let alert = s.app.db.open_trust_alerts(ws, 10).await.unwrap().remove(0);

    // The inbox view lists the falling tier A rider with the steps behind it.
    b.goto(&s.url("/inbox")).await?;
    b.submit("#view-falling").await?;
    b.wait_for_text(
        &format!("#trust-alert-{}", alert.id),
        "Two steps toward disconnection in a row",
    )
    .await?;
    b.wait_for_text(&format!("#trust-alert-{}", alert.id), "public commitment missed")
        .await?;
    b.assert_accessible().await?;

    // The customer's panel: the score, closed; opened, its arithmetic.
    b.submit(&format!("#trust-alert-{} a.customer-link", alert.id)).await?;
    b.wait_for("#trust-panel").await?;
    b.wait_for_text("#trust-falling", "Falling since").await?;
    b.wait_for_text("main", "at-risk").await?;
    assert!(!is_open(&b, "#trust-score").await?);
    assert!(
        !is_shown(&b, "#trust-formula").await?,
        "the arithmetic waits until asked for"
    );
    b.click("#trust-score > summary").await?;
    b.wait_for_text("#trust-formula", " / ").await?;
    assert!(is_shown(&b, "#trust-formula").await?);
    let formula = b.text("#trust-formula").await?;
    let score = b.text("#trust-score-value").await?;
    assert!(formula.ends_with(&format!("= {score}")), "{formula} vs {score}");
    // A component opens to the signals it was computed from.
    assert!(!is_shown(&b, "#signal-self_serving_replies").await?);
    b.click("#trust-self-orientation > summary").await?;
    b.wait_for_text("#signal-self_serving_replies", "self-serving of")
        .await?;
    b.wait_for_text("#signal-self_serving_replies", "Rate (").await?;
    b.wait_for_text("#signal-waits", "which lowers trust").await?;
    // A step opens to its reasons.
    b.click("#trust-steps li:first-child summary").await?;
    b.wait_for_text("#trust-steps li:first-child", "public commitment missed")
        .await?;
    b.wait_for_text("#trust-panel", "latest two steps both go toward disconnection")
        .await?;
    b.assert_accessible().await?;

    // Beside the conversation, the same panel.
    b.submit("#trust-steps li:first-child a").await?;
    b.wait_for("#conversation").await?;
    b.wait_for("#trust-panel #trust-score").await?;
    b.wait_for_text("#trust-panel", "Trajectory").await?;
    b.assert_accessible().await?;

    // The leads' page: the workspace and every agent.
    b.submit("#nav-trust").await?;
    b.wait_for_text("h1", "Trust").await?;
    b.wait_for("#trust-agents tbody tr").await?;
    b.click("#trust-score > summary").await?;
    b.wait_for_text("#trust-formula", " / ").await?;
    b.wait_for_text("#method", "smoothed toward ½").await?;
    b.assert_accessible().await?;
    b.submit("#trust-agents tbody tr:first-child a").await?;
    b.wait_for_text("h1", "Trust built by").await?;

    // Reaching out handles the alert: the view is empty again.
    b.goto(&s.url("/inbox?view=falling")).await?;
    b.submit(&format!("#reached-{}", alert.id)).await?;
    b.wait_for("#falling-empty").await?;
    assert!(s.app.db.open_trust_alerts(ws, 10).await.unwrap().is_empty());
    Ok(())
}

#[tokio::test]
async fn the_trust_panel_explains_every_number() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = trust_flow(&s).await;
    s.finish().await;
    result
}

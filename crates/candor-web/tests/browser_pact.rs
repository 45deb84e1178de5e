//! The Pact's pages in Chromium over the demo: the public commitments page
//! with its figures, the conversation page with a missed commitment and its
//! apology, the promises and redress pages, and the "breaching soon" view —
//! each checked for what people using assistive technology would trip over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::demo;
use candor_web::testing::{Browser, PageResult, TestBackend, TestServer};

async fn check(b: &Browser, heading: &str) -> PageResult<()> {
    b.wait_for_text("h1", heading).await?;
    b.assert_accessible().await
}

async fn the_pact_pages(s: &TestServer) -> PageResult<()> {
    let (loaded, b) = tokio::join!(demo::load(&s.app), Browser::start());
    let ws = loaded.unwrap().workspace.id;
    let b = b?;
    // Public, before signing in.
    b.goto(&s.url("/w/northwind/commitments")).await?;
    check(&b, "Northwind Cycles: our commitments to you").await?;
    let figures = b.text("#measured-90d").await?;
    if !figures.contains("of") {
        return Err(b
            .fail(&format!("the 90-day figures say nothing measured: {figures}"))
            .await);
    }
    b.wait_for_text("#method", "nearest-rank").await?;

    b.sign_in(s, demo::DEMO_EMAIL, demo::DEMO_PASSWORD).await?;
    b.goto(&s.url("/promises")).await?;
    check(&b, "Promises").await?;
    b.goto(&s.url("/promises?view=team")).await?;
    check(&b, "Promises").await?;
    b.wait_for("#promises-open").await?;
    b.goto(&s.url("/redress")).await?;
    check(&b, "Redress for missed commitments").await?;
    b.goto(&s.url("/inbox?view=breaching")).await?;
    check(&b, "Inbox").await?;
    b.wait_for("#inbox-list").await?;
    // A conversation whose commitment was missed, with its apology drafted.
    let open = s.app.db.redress_list(ws, Some("open"), None, 50).await.unwrap();
    let missed = open
        .iter()
        .find(|r| r.draft.is_some())
        .expect("an open redress with a draft");
    let conv = s.app.db.conversation(ws, missed.conversation_id).await.unwrap();
    b.goto(&s.url(&format!("/inbox/{}", conv.id))).await?;
    check(&b, &conv.subject).await?;
    b.wait_for_text("#pact-panel", "breached").await?;
    b.wait_for(&format!("#apology-{}", missed.id)).await?;
    // Sending it marks the redress done, shown on the page.
    b.submit(&format!("#apology-send-{}", missed.id)).await?;
    b.wait_for_text(&format!("#redress-{}", missed.id), "apology sent")
        .await?;
    b.assert_accessible().await
}

#[tokio::test]
async fn the_pact_pages_are_accessible() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = the_pact_pages(&s).await;
    s.finish().await;
    result
}

//! The coach settings page in Chromium over the demo: Northwind's own rule
//! is listed and in force in "Try a sentence"; a broken file is refused
//! with the reason and the draft kept; a fixed one is saved; the page is
//! checked for what assistive technology would trip over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::demo;
use candor_web::testing::{Browser, PageResult, TestBackend, TestServer};

async fn the_coach_page(s: &TestServer) -> PageResult<()> {
    let (loaded, b) = tokio::join!(demo::load(&s.app), Browser::start());
    loaded.unwrap();
    let b = b?;
    b.sign_in(s, demo::DEMO_EMAIL, demo::DEMO_PASSWORD).await?;
    b.goto(&s.url("/settings/coach")).await?;
    b.wait_for_text("h1", "Reply coach").await?;
    b.wait_for_text("#coach-title-en", "2 rules").await?;
    b.assert_accessible().await?;

    // The demo's own rule fires beside the built-in ones.
    b.fill(
        "#coach-try-text",
        "Sorry, this is not covered by the warranty. We apologize for any inconvenience.",
    )
    .await?;
    b.submit("#coach-try-run").await?;
    b.wait_for_text("#coach-try-findings", "policy").await?;
    b.wait_for_text("#coach-try-findings", "script").await?;
    b.wait_for_text("#coach-try-findings", "say what we can do").await?;

    // A broken file is refused; what was typed stays in the box.
    let broken = "[[rule]]\nid = \"northwind.radticket\"\ncategory = \"rudeness\"\nmessage = \"Kein Ticket\"\nsuggestion = \"s\"\npatterns = [\"ihr radticket\"]";
    b.fill("#coach-source-de", broken).await?;
    b.submit("#coach-save-de").await?;
    b.wait_for_text("#coach-error", "Rules for de not saved").await?;
    let kept = b.value("#coach-source-de").await?;
    if !kept.contains("rudeness") {
        return Err(b.fail(&format!("the refused draft was lost: {kept:?}")).await);
    }
    b.assert_accessible().await?;

    // Fixed, it is saved and in force for German replies.
    let fixed = broken.replace("rudeness", "doublespeak");
    b.fill("#coach-source-de", &fixed).await?;
    b.submit("#coach-save-de").await?;
    b.wait_for_text("#coach-saved", "Rules for de saved").await?;
    b.wait_for_text("#coach-title-de", "1 rule").await?;
    b.fill(
        "#coach-try-text",
        "Vielen Dank für Ihre Nachricht, Ihr Radticket ist jetzt erledigt und die Reparatur ist fertig.",
    )
    .await?;
    b.submit("#coach-try-run").await?;
    b.wait_for_text("#coach-try-findings", "Kein Ticket").await?;
    Ok(())
}

#[tokio::test]
async fn the_coach_page_keeps_company_rules() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = the_coach_page(&s).await;
    s.finish().await;
    result
}

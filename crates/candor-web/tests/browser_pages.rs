//! Every page, as Chromium shows it, checked for what people using a screen
//! reader or a keyboard would trip over (see `Browser::audit`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::demo;
use candor_web::testing::{Browser, PageResult, TestBackend, TestServer};

async fn check(b: &Browser, heading: &str) -> PageResult<()> {
    b.wait_for_text("h1", heading).await?;
    b.assert_accessible().await
}

async fn every_page(s: &TestServer) -> PageResult<()> {
    let (loaded, b) = tokio::join!(demo::load(&s.app), Browser::start());
    loaded.unwrap();
    let b = b?;
    // Before signing in, and a failed attempt.
    b.goto(&s.url("/login")).await?;
    check(&b, "Sign in").await?;
    b.fill("#email", demo::DEMO_EMAIL).await?;
    b.fill("#password", "not the password").await?;
    b.submit("main form button[type=submit]").await?;
    check(&b, "Sign in").await?;
    b.goto(&s.url("/no/such/page")).await?;
    check(&b, "Not found").await?;

    b.sign_in(s, demo::DEMO_EMAIL, demo::DEMO_PASSWORD).await?;
    b.goto(&s.url("/")).await?;
    check(&b, "Hello, Maya").await?;
    // Staff, with every control an owner has and a fresh invitation.
    b.goto(&s.url("/settings/staff")).await?;
    check(&b, "Staff").await?;
    b.fill("#invite-email", "new.person@northwind.example").await?;
    b.submit("form[action='/settings/staff/invite'] button").await?;
    check(&b, "Staff").await?;
    let link = b.value("#invite-link").await?;
    // Tokens, with a new one shown.
    b.goto(&s.url("/settings/tokens")).await?;
    check(&b, "API tokens").await?;
    b.fill("#token-name", "warehouse").await?;
    b.submit("form[action='/settings/tokens'] button[type=submit]").await?;
    check(&b, "API tokens").await?;
    // Customers: the list, an error, one customer with duplicates, a merge.
    b.goto(&s.url("/customers")).await?;
    check(&b, "Customers").await?;
    b.goto(&s.url("/customers?q=ltv%3Elots")).await?;
    check(&b, "Customers").await?;
    b.goto(&s.url("/customers?q=%22Lena%20Fischer%22")).await?;
    b.submit("main table a").await?;
    check(&b, "Lena Fischer").await?;
    b.submit("section[aria-labelledby=h-dups] a[href*='/merge']").await?;
    check(&b, "Merge Lena Fischer into Lena Fischer").await?;

    // The invitation, in another browser, refused once.
    let invitee = b.second().await?;
    invitee.goto(&link).await?;
    check(&invitee, "Join Northwind Cycles").await?;
    invitee.fill("#name", "Helpdesk").await?;
    invitee.fill("#password", "long enough password").await?;
    invitee.submit("main form button[type=submit]").await?;
    invitee.wait_for("[role=alert]").await?;
    check(&invitee, "Join Northwind Cycles").await?;
    Ok(())
}

#[tokio::test]
async fn every_page_is_accessible() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = every_page(&s).await;
    s.finish().await;
    result
}

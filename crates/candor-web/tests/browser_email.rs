//! The email settings page in Chromium: the demo's clear empty state, a
//! mailbox added through the form, and "Test connection" saying exactly
//! what failed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::demo;
use candor_web::testing::{Browser, PageResult, TestBackend, TestServer};

async fn settings(s: &TestServer) -> PageResult<()> {
    let (loaded, b) = tokio::join!(demo::load(&s.app), Browser::start());
    loaded.unwrap();
    let b = b?;
    b.sign_in(s, demo::DEMO_EMAIL, demo::DEMO_PASSWORD).await?;
    b.goto(&s.url("/settings/email")).await?;
    b.wait_for_text("h1", "Email").await?;
    b.wait_for_text("#mailboxes-empty", "No mailbox yet").await?;
    b.assert_accessible().await?;

    // A port nothing listens on: the test must say the server cannot be reached.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    b.fill("#new-address", "help@northwind.example").await?;
    b.fill("#new-imap-host", "127.0.0.1").await?;
    b.fill("#new-imap-port", &closed.to_string()).await?;
    b.fill("#new-imap-user", "help").await?;
    b.fill("#new-imap-password", "secret password").await?;
    b.submit("#mailbox-add").await?;
    b.wait_for_text("main h2", "help@northwind.example").await?;
    b.submit("form[action$='/test'] button").await?;
    b.wait_for_text(
        "#test-imap",
        &format!("cannot reach the IMAP server 127.0.0.1:{closed}"),
    )
    .await?;
    b.wait_for_text("[id^=mailbox-state-]", "Failing: cannot reach the IMAP server")
        .await?;
    b.assert_accessible().await?;
    let page = b.text("main").await?;
    assert!(!page.contains("secret password"), "the password is never shown");
    Ok(())
}

#[tokio::test]
async fn email_settings_page() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = settings(&s).await;
    s.finish().await;
    result
}

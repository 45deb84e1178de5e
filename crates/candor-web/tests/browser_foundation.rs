//! Staff pages in a real headless Chromium: signing in and out through the
//! forms, inviting a colleague who joins from a second browser, API tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_web::testing::{Browser, PageResult, TEST_PASSWORD, TestBackend, TestServer};

async fn sign_in_and_out(s: &TestServer) -> PageResult<()> {
    let t = s.tenant("Acme Inc").await;
    let b = Browser::start().await?;
    // A page that needs a session sends you to sign in, and back after.
    b.goto(&s.url("/settings/staff")).await?;
    b.wait_for_text("h1", "Sign in").await?;
    assert_eq!(b.path().await?, "/login?next=/settings/staff");
    // A wrong password shows the error and keeps the address typed.
    b.fill("#email", &t.owner.email).await?;
    b.fill("#password", "not the password").await?;
    b.submit("main form button[type=submit]").await?;
    b.wait_for_text("[role=alert]", "The email or password is wrong.")
        .await?;
    assert_eq!(b.value("#email").await?, t.owner.email);
    assert_eq!(b.value("#password").await?, "");
    // The right one lands where the person was going.
    b.fill("#password", TEST_PASSWORD).await?;
    b.submit("main form button[type=submit]").await?;
    b.wait_for_text("h1", "Staff").await?;
    assert_eq!(b.path().await?, "/settings/staff");
    // The home page greets by first name.
    b.goto(&s.url("/")).await?;
    b.wait_for_text("h1", "Hello, Olivia").await?;
    b.wait_for_text("header .whoami", "Olivia Owner · Acme Inc (owner)")
        .await?;
    // Signing out through the header's button.
    b.submit("header form.whoami button").await?;
    b.wait_for_text("h1", "Sign in").await?;
    b.goto(&s.url("/")).await?;
    b.wait_for_text("h1", "Sign in").await?;
    assert_eq!(b.path().await?, "/login?next=/");
    Ok(())
}

#[tokio::test]
async fn sign_in_out_sqlite() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = sign_in_and_out(&s).await;
    s.finish().await;
    result
}

#[tokio::test]
async fn sign_in_out_postgres() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Postgres).await;
    let result = sign_in_and_out(&s).await;
    s.finish().await;
    result
}

async fn invite_a_colleague(s: &TestServer) -> PageResult<()> {
    let t = s.tenant("Acme Inc").await;
    let owner = Browser::start().await?;
    owner.sign_in(s, &t.owner.email, TEST_PASSWORD).await?;
    owner.goto(&s.url("/settings/staff")).await?;
    owner.fill("#invite-email", "nadia@acme.example").await?;
    owner.click("#invite-role option[value=admin]").await?;
    owner.submit("form[action='/settings/staff/invite'] button").await?;
    owner.wait_for_text("[role=status]", "One-time link").await?;
    let link = owner.value("#invite-link").await?;
    assert!(link.starts_with(&s.base) && link.contains("/invite/inv_"), "{link}");
    owner
        .wait_for_text("table tbody tr", "nadia@acme.example admin open")
        .await?;
    // The new colleague opens the link in their own browser.
    let invitee = owner.second().await?;
    invitee.goto(&link).await?;
    invitee.wait_for_text("h1", "Join Acme Inc").await?;
    invitee.wait_for_text("main p", "nadia@acme.example").await?;
    invitee.fill("#name", "Support Team").await?;
    invitee.fill("#password", "long enough password").await?;
    invitee.submit("main form button[type=submit]").await?;
    invitee
        .wait_for_text("[role=alert]", "names a function, not a person")
        .await?;
    // What was typed stays; the password is asked again.
    assert_eq!(invitee.value("#name").await?, "Support Team");
    invitee.fill("#name", "Nadia Novak").await?;
    invitee.fill("#password", "long enough password").await?;
    invitee.submit("main form button[type=submit]").await?;
    invitee.wait_for_text("h1", "Hello, Nadia").await?;
    invitee
        .wait_for_text("header .whoami", "Nadia Novak · Acme Inc (admin)")
        .await?;
    // The owner sees the new colleague, and the link is spent.
    owner.goto(&s.url("/settings/staff")).await?;
    owner.wait_for_text("table tbody tr", "Nadia Novak").await?;
    let other = owner.second().await?;
    other.goto(&link).await?;
    other.wait_for_text("h1", "Invitation not valid").await?;
    // The owner changes her role with the row's controls, then deactivates
    // her, which signs her out.
    let staff = s.app.db.users(t.workspace.id).await.unwrap();
    let nadia = staff.iter().find(|u| u.name == "Nadia Novak").unwrap().id;
    owner.click(&format!("#role-{nadia} option[value=agent]")).await?;
    owner
        .submit(&format!("form[action='/settings/staff/{nadia}/role'] button"))
        .await?;
    owner
        .wait_for_text("table tbody tr", "Nadia Novak nadia@acme.example agent active")
        .await?;
    owner
        .submit(&format!("form[action='/settings/staff/{nadia}/active'] button"))
        .await?;
    owner
        .wait_for_text("table tbody tr", "Nadia Novak nadia@acme.example agent deactivated")
        .await?;
    invitee.goto(&s.url("/")).await?;
    invitee.wait_for_text("h1", "Sign in").await?;
    Ok(())
}

#[tokio::test]
async fn invitation_in_two_browsers() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = invite_a_colleague(&s).await;
    s.finish().await;
    result
}

async fn create_a_token(s: &TestServer) -> PageResult<()> {
    let t = s.tenant("Acme Inc").await;
    let b = Browser::start().await?;
    b.sign_in(s, &t.owner.email, TEST_PASSWORD).await?;
    b.goto(&s.url("/settings/tokens")).await?;
    b.fill("#token-name", "billing sync").await?;
    // Only reading: untick every other scope.
    for scope in b.texts("fieldset label").await {
        if scope.trim() != "read" {
            b.click(&format!("fieldset input[value='{}']", scope.trim())).await?;
        }
    }
    b.submit("form[action='/settings/tokens'] button[type=submit]").await?;
    b.wait_for_text("[role=status]", "shown only once").await?;
    let secret = b.value("#new-token").await?;
    assert!(secret.starts_with("cnd_"), "{secret}");
    b.wait_for_text("table tbody tr", "billing sync").await?;
    let row = b
        .texts("table tbody tr")
        .await
        .into_iter()
        .find(|r| r.contains("billing sync"))
        .unwrap();
    assert!(row.contains("read") && !row.contains("write"), "{row}");
    // The secret works, with just that scope.
    let http = reqwest::Client::new();
    let me = http.get(s.url("/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let write = http
        .post(s.url("/api/v1/customers"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({"name": "Jane Doe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
    // Shown once: not on the page again.
    b.goto(&s.url("/settings/tokens")).await?;
    b.wait_for_text("table tbody tr", "billing sync").await?;
    assert!(b.texts("#new-token").await.is_empty());
    let page = b.client().source().await.unwrap();
    assert!(!page.contains(&secret));
    Ok(())
}

#[tokio::test]
async fn token_shown_once() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = create_a_token(&s).await;
    s.finish().await;
    result
}

#[tokio::test]
async fn a_missing_chromedriver_fails_and_says_what_to_do() {
    let e = Browser::start_with("/nonexistent/chromedriver").await.err().unwrap();
    assert!(e.to_string().contains("Run scripts/test"), "{e}");
}

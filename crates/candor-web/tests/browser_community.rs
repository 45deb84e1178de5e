//! The community's whole loop in a real headless Chromium, on SQLite and
//! PostgreSQL: a customer signs in by link and posts a problem, an agent
//! answers it officially and marks it in progress, and the customer sees both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_web::testing::{Browser, PageResult, TEST_PASSWORD, TestBackend, TestServer};

/// The newest sign-in link mailed to `email`, read from the queued email.
async fn sign_in_link(s: &TestServer, ws: candor_core::WorkspaceId, email: &str) -> String {
    let jobs = s.app.db.queued_emails(ws).await.unwrap();
    let job = jobs
        .iter()
        .rev()
        .find(|j| j["to"] == email && j["purpose"] == "community.sign_in")
        .unwrap_or_else(|| panic!("no sign-in email to {email}: {jobs:?}"));
    let text = job["text"].as_str().unwrap();
    let start = text.find(&s.base).unwrap();
    text[start..].split_whitespace().next().unwrap().to_string()
}

async fn select(b: &Browser, css: &str, value: &str) -> PageResult<()> {
    b.eval(&format!(
        "const s = document.querySelector('{css}'); s.value = '{value}'; return s.value;"
    ))
    .await
    .map(|_| ())
}

async fn customer_posts_agent_answers(backend: TestBackend) -> PageResult<()> {
    let s = TestServer::start(backend).await;
    let t = s.tenant("Acme Inc").await;
    let home = format!("/w/{}/community", t.workspace.slug);
    let customer = Browser::start().await?;

    // The customer signs in with a link sent to their address.
    customer.goto(&s.url(&format!("{home}/signin"))).await?;
    customer.fill("#signin-email", "jane@example.com").await?;
    customer.fill("#signin-name", "Jane Doe").await?;
    customer.submit("#signin-submit").await?;
    let link = sign_in_link(&s, t.workspace.id, "jane@example.com").await;
    customer.goto(&link).await?;
    customer.submit("#use-link-submit").await?;

    // …and posts a problem with their mood.
    customer.goto(&s.url(&home)).await?;
    customer.submit("#nav-new").await?;
    customer.click("#kind-problem").await?;
    customer.fill("#topic-title", "Rear light flickers on cobbles").await?;
    customer
        .fill("#topic-body", "Since Monday the rear light flickers on rough roads.")
        .await?;
    select(&customer, "#topic-mood", "frustrated").await?;
    customer.fill("#topic-tags", "lights").await?;
    customer.submit("#topic-submit").await?;
    customer
        .wait_for_text("#topic-title", "Rear light flickers on cobbles")
        .await?;
    let topic_url = customer.url().await?;
    assert_eq!(customer.text("#topic-status").await?, "New");

    // An agent finds it waiting for an official reply, answers and sets a status.
    let agent = customer.second().await?;
    agent.sign_in(&s, &t.owner.email, TEST_PASSWORD).await?;
    agent.goto(&s.url("/community-admin")).await?;
    agent
        .wait_for_text(".waiting-topic", "Rear light flickers on cobbles")
        .await?;
    agent.submit(".waiting-topic").await?;
    agent
        .fill("#official-reply-body", "Please check the **connector** under the rack.")
        .await?;
    agent.submit("#official-reply-submit").await?;
    select(&agent, "#status-select", "in-progress").await?;
    agent
        .fill(
            "#status-note-input",
            "We reproduced it: a batch of connectors is loose. Fix ships next week.",
        )
        .await?;
    agent.submit("#status-submit").await?;
    agent.wait_for_text("#admin-topic-status", "In progress").await?;

    // The customer sees both.
    customer.goto(&topic_url).await?;
    assert_eq!(customer.text("#topic-status").await?, "In progress");
    customer
        .wait_for_text("#status-note", "a batch of connectors is loose")
        .await?;
    let official = customer.text("#replies li.reply.official").await?;
    assert!(
        official.contains("Please check the connector under the rack."),
        "{official}"
    );
    assert!(
        official.contains("Olivia Owner"),
        "signed with the agent's real name: {official}"
    );
    s.finish().await;
    Ok(())
}

#[tokio::test]
async fn customer_posts_agent_answers_sqlite() -> PageResult<()> {
    customer_posts_agent_answers(TestBackend::Sqlite).await
}

#[tokio::test]
async fn customer_posts_agent_answers_postgres() -> PageResult<()> {
    customer_posts_agent_answers(TestBackend::Postgres).await
}

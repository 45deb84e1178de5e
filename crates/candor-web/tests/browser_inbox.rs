//! The inbox in a real headless Chromium, on SQLite and PostgreSQL: an agent
//! answers a conversation opened through the API and sees the customer's
//! next message arrive live; a colleague sees who is replying; the coach
//! flags a stock phrase and a promise; the controls and the shortcut help;
//! files sent from the composer, and one too large.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_core::staff::Role;
use candor_store::staff::User;
use candor_web::testing::{Browser, PageResult, TEST_PASSWORD, TestBackend, TestServer};
use common::{Api, open};
use serde_json::{Value, json};
use std::path::Path;

/// Runs `flow` on a fresh server of `backend`, then stops the server.
macro_rules! on_both {
    ($flow:ident) => {
        mod $flow {
            use super::*;
            #[tokio::test]
            async fn sqlite() -> PageResult<()> {
                let s = TestServer::start(TestBackend::Sqlite).await;
                let result = super::$flow(&s).await;
                s.finish().await;
                result
            }
            #[tokio::test]
            async fn postgres() -> PageResult<()> {
                let s = TestServer::start(TestBackend::Postgres).await;
                let result = super::$flow(&s).await;
                s.finish().await;
                result
            }
        }
    };
}

/// An agent of the workspace.
async fn agent(s: &TestServer, t: &candor_web::testing::Tenant, name: &str) -> User {
    s.staff(&t.workspace, name, Role::Agent, &[]).await.0
}

/// Opens the conversation page `id` and waits until live updates listen.
async fn open_live(s: &TestServer, b: &Browser, id: &str) -> PageResult<()> {
    b.goto(&s.url(&format!("/inbox/{id}"))).await?;
    b.wait_for("#conversation[data-live=ready]").await?;
    Ok(())
}

/// Marks the page, so that a later check can tell it was not reloaded.
async fn mark(b: &Browser) -> PageResult<()> {
    b.eval("window.__stayed = true; return true;").await.map(|_| ())
}

async fn not_reloaded(b: &Browser) -> PageResult<()> {
    let v = b.eval("return window.__stayed === true;").await?;
    if v != Value::Bool(true) {
        return Err(b.fail("the page was reloaded").await);
    }
    Ok(())
}

async fn answer_and_hear_back(s: &TestServer) -> PageResult<()> {
    let t = s.tenant("Acme Inc").await;
    let maya = agent(s, &t, "Maya Lindqvist").await;
    let api = Api::new(s, &t.token);
    let c = open(&api, "jane@example.com", "The frame arrived bent. Photos attached.").await;
    let id = c["id"].as_str().unwrap().to_string();
    let b = Browser::start().await?;
    b.sign_in(s, &maya.email, TEST_PASSWORD).await?;

    // Nothing is hers yet; it waits among the unassigned and the open ones.
    b.goto(&s.url("/inbox")).await?;
    b.wait_for("#inbox-empty").await?;
    b.submit("#view-unassigned").await?;
    b.wait_for_text(&format!("#conv-{id}"), "Order arrived broken").await?;
    b.wait_for_text(&format!("#conv-{id}"), "Jane Doe").await?;
    b.submit("#view-open").await?;
    b.wait_for_text(&format!("#conv-{id}"), "Order arrived broken").await?;
    b.assert_accessible().await?;

    // A conversation opened now appears in the list without reloading it.
    b.wait_for("#inbox[data-live=ready]").await?;
    mark(&b).await?;
    let other = open(&api, "li@example.com", "Where is my refund?").await;
    let other_id = other["id"].as_str().unwrap();
    b.wait_for(&format!("#conv-{other_id}")).await?;
    not_reloaded(&b).await?;
    b.wait_until(
        "the refresh note stays hidden",
        "document.getElementById('inbox-live').hidden",
    )
    .await?;

    // She opens the first one and answers it.
    b.submit(&format!("#open-{id}")).await?;
    b.wait_for_text("#conversation-subject", "Order arrived broken").await?;
    b.wait_for_text("#thread li.msg.inbound", "The frame arrived bent.")
        .await?;
    b.wait_for_text("#customer-panel", "email: jane@example.com").await?;
    b.assert_accessible().await?;
    b.fill(
        "#composer-body",
        "Thank you for the photos, Jane. A new frame ships today.",
    )
    .await?;
    b.submit("#composer-send").await?;
    b.wait_for_text("#thread li.msg.outbound .body", "A new frame ships today.")
        .await?;
    b.wait_for_text("#thread li.msg.outbound .signature", "— Maya Lindqvist")
        .await?;
    assert_eq!(b.value("#composer-body").await?, "");
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    let messages = full["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{full}");
    assert_eq!(messages[1]["kind"], "outbound");
    assert_eq!(
        messages[1]["body"],
        "Thank you for the photos, Jane. A new frame ships today."
    );
    assert_eq!(
        messages[1]["author"],
        json!({"type": "staff", "id": maya.id.to_string(), "name": "Maya Lindqvist"})
    );

    // The customer writes again: it appears in the open page, as does a
    // status change made elsewhere.
    b.wait_for("#conversation[data-live=ready]").await?;
    mark(&b).await?;
    let (st, _) = api
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "inbound", "body": "Is it the blue one again?"}),
        )
        .await;
    assert_eq!(st, 201);
    b.wait_for_text("#thread li.msg.inbound:last-child .body", "Is it the blue one again?")
        .await?;
    let (st, _) = api
        .patch(&format!("/api/v1/conversations/{id}"), json!({"status": "pending"}))
        .await;
    assert_eq!(st, 200);
    b.wait_for_text("#conversation-status", "pending").await?;
    not_reloaded(&b).await?;
    assert_eq!(b.texts("#thread li.msg").await.len(), 3);
    Ok(())
}
on_both!(answer_and_hear_back);

async fn who_is_replying(s: &TestServer) -> PageResult<()> {
    let t = s.tenant("Acme Inc").await;
    let maya = agent(s, &t, "Maya Lindqvist").await;
    let sam = agent(s, &t, "Sam Okafor").await;
    let api = Api::new(s, &t.token);
    let c = open(&api, "jane@example.com", "Still waiting for my refund.").await;
    let id = c["id"].as_str().unwrap();
    let a = Browser::start().await?;
    let b = a.second().await?;
    a.sign_in(s, &maya.email, TEST_PASSWORD).await?;
    b.sign_in(s, &sam.email, TEST_PASSWORD).await?;
    open_live(s, &a, id).await?;
    open_live(s, &b, id).await?;
    // Maya starts writing; Sam is warned, Maya is not told about herself.
    a.fill("#composer-body", "Let me check with the warehouse").await?;
    b.wait_for_text("#typing-indicator", "Maya Lindqvist is replying…")
        .await?;
    b.wait_until(
        "the warning is shown",
        "!document.getElementById('typing-indicator').hidden",
    )
    .await?;
    assert_eq!(a.attr("#typing-indicator", "hidden").await?, Some("true".into()));
    assert_eq!(a.text("#typing-indicator").await?, "");
    // And the other way round.
    b.fill("#composer-body", "I can take this one").await?;
    a.wait_for_text("#typing-indicator", "Sam Okafor is replying…").await?;
    Ok(())
}
on_both!(who_is_replying);

async fn coach_controls_and_shortcuts(s: &TestServer) -> PageResult<()> {
    let t = s.tenant("Acme Inc").await;
    let maya = agent(s, &t, "Maya Lindqvist").await;
    let api = Api::new(s, &t.token);
    let c = open(&api, "jane@example.com", "My order never arrived and I am upset.").await;
    let id = c["id"].as_str().unwrap();
    let b = Browser::start().await?;
    b.sign_in(s, &maya.email, TEST_PASSWORD).await?;
    open_live(s, &b, id).await?;

    // A stock phrase is flagged while typing.
    b.fill(
        "#composer-body",
        "We apologize for any inconvenience this may have caused.",
    )
    .await?;
    b.wait_for_text("#coach-findings li.finding", "script").await?;
    b.wait_for_text("#coach-findings li.finding", "any inconvenience")
        .await?;
    // A promise is listed with its due time.
    b.fill("#composer-body", "I will call you tomorrow with the tracking number.")
        .await?;
    b.wait_for_text("#coach-promises li.promise", "call you tomorrow")
        .await?;
    b.wait_for_text("#coach-promises li.promise", "due").await?;
    let findings = b.texts("#coach-findings li").await;
    assert!(
        findings.iter().all(|f| !f.contains("inconvenience")),
        "the coach follows the text: {findings:?}"
    );
    // A note is not coached.
    b.click("#kind-note").await?;
    b.wait_until(
        "the coach is cleared for a note",
        "document.querySelectorAll('#coach li').length === 0",
    )
    .await?;

    // Status from the controls.
    b.click("#control-status option[value=solved]").await?;
    b.submit("#control-save").await?;
    b.wait_for_text("#conversation-status", "solved").await?;
    assert_eq!(b.value("#control-status").await?, "solved");
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(full["status"], "solved");

    // "?" opens the shortcut help; Escape closes it.
    b.wait_for("#conversation[data-live=ready]").await?;
    b.press("?").await?;
    b.wait_for("#shortcuts-help[open]").await?;
    b.wait_for_text("#shortcuts-help", "Keyboard shortcuts").await?;
    b.wait_for_text("#shortcuts-help dl", "Mark solved").await?;
    b.press(&char::from(fantoccini::key::Key::Escape).to_string()).await?;
    b.wait_until("the help closes", "!document.getElementById('shortcuts-help').open")
        .await?;
    // In the list too.
    b.goto(&s.url("/inbox?view=solved")).await?;
    b.wait_for(&format!("#conv-{id}")).await?;
    b.press("?").await?;
    b.wait_for("#shortcuts-help[open]").await?;
    Ok(())
}
on_both!(coach_controls_and_shortcuts);

/// How many files the server's file store holds.
fn stored_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() { stored_files(&path) } else { 1 }
        })
        .sum()
}

async fn files_from_the_composer(s: &TestServer) -> PageResult<()> {
    let t = s.tenant("Acme Inc").await;
    let maya = agent(s, &t, "Maya Lindqvist").await;
    let api = Api::new(s, &t.token);
    let c = open(&api, "jane@example.com", "Can I have the invoice?").await;
    let id = c["id"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let invoice = dir.path().join("invoice 2291.txt");
    std::fs::write(&invoice, "Invoice 2291: frame, 189.00 EUR\n").unwrap();
    let photo = dir.path().join("frame.png");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01".to_vec();
    std::fs::write(&photo, &png).unwrap();
    let attachments = s.data_dir().join("attachments");
    let b = Browser::start().await?;
    b.sign_in(s, &maya.email, TEST_PASSWORD).await?;
    open_live(s, &b, id).await?;

    // Two files with a reply.
    b.fill("#composer-body", "Here is the invoice, and a photo of the new frame.")
        .await?;
    b.choose_files("#composer-files", &[&invoice, &photo]).await?;
    b.submit("#composer-send").await?;
    let files = "#thread li.msg.outbound ul.files li";
    b.wait_for_text(files, "invoice 2291.txt").await?;
    b.wait_for_text(files, "frame.png").await?;
    assert_eq!(b.texts(files).await.len(), 2);
    let href = b.attr("#thread li.msg.outbound a.attachment", "href").await?.unwrap();
    assert!(href.starts_with("/api/v1/attachments/"), "{href}");
    assert_eq!(
        b.attr("#thread li.msg.outbound a.attachment", "download").await?,
        Some("invoice 2291.txt".into())
    );
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    let sent = &full["messages"][1];
    assert_eq!(sent["kind"], "outbound");
    let types: Vec<&str> = sent["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["content_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["text/plain", "image/png"]);
    // The link downloads the bytes, as a download.
    let got = api.http.get(s.url(&href)).bearer_auth(&t.token).send().await.unwrap();
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(got.text().await.unwrap(), "Invoice 2291: frame, 189.00 EUR\n");
    assert_eq!(stored_files(&attachments), 2);

    // One file over the limit (1 MB in tests): a clear message, the draft
    // kept, and nothing stored, not even the small file beside it.
    let big = dir.path().join("unboxing.mov");
    std::fs::write(&big, vec![7u8; 1024 * 1024 + 1]).unwrap();
    let small = dir.path().join("receipt.txt");
    std::fs::write(&small, "paid").unwrap();
    b.fill("#composer-body", "And the unboxing video.").await?;
    b.choose_files("#composer-files", &[&small, &big]).await?;
    b.submit("#composer-send").await?;
    b.wait_for_text(
        "#conversation-error",
        "“unboxing.mov” is larger than the limit of 1 MB per file, so nothing was sent.",
    )
    .await?;
    assert_eq!(b.value("#composer-body").await?, "And the unboxing video.");
    let (_, after) = api.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(after["messages"].as_array().unwrap().len(), 2);
    assert_eq!(after["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(stored_files(&attachments), 2);
    b.assert_accessible().await?;
    Ok(())
}
on_both!(files_from_the_composer);

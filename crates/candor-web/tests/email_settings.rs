//! /api/v1/channels/email/mailboxes: owners and admins only, passwords
//! sealed and never answered, bad settings named by field, "test" saying
//! what failed, every mailbox confined to its workspace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_core::staff::Role;
use candor_web::http_test;
use candor_web::testing::TestServer;
use common::{Api, field};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn mailbox_settings(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let body = json!({"address": "help@acme.example", "imap_host": "127.0.0.1", "imap_port": closed,
        "imap_tls": "none", "imap_user": "help", "imap_password": "hunter2-imap"});
    let (status, m) = api.post("/api/v1/channels/email/mailboxes", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert!(!m.to_string().contains("hunter2"), "no password in the answer: {m}");
    assert_eq!(m["folder"], "INBOX");
    assert_eq!(m["state"], "new");
    let id = m["id"].as_str().unwrap().to_string();
    let stored = s.app.db.mailbox(t.workspace.id, id.parse().unwrap()).await.unwrap();
    assert!(stored.fields.imap_password.starts_with("v1:") && !stored.fields.imap_password.contains("hunter2"));

    // Bad settings name their field.
    let (status, e) = api
        .post("/api/v1/channels/email/mailboxes", json!({"address": "nope"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field(&e), "address");
    let mut remote = body.clone();
    remote["imap_host"] = json!("imap.example.com");
    let (status, e) = api.post("/api/v1/channels/email/mailboxes", remote).await;
    assert_eq!(
        (status, field(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, "imap_tls"),
        "no plain text to another machine"
    );
    let (status, e) = api
        .post(
            "/api/v1/channels/email/mailboxes",
            json!({"adress": "typo@acme.example"}),
        )
        .await;
    assert!(status.is_client_error(), "an unknown field is refused: {e}");
    assert_eq!(field(&e), "adress");

    // Test connection says what failed, and the mailbox shows it.
    let (status, r) = api
        .post(&format!("/api/v1/channels/email/mailboxes/{id}/test"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["ok"], false);
    assert!(
        r["imap"]
            .as_str()
            .unwrap()
            .contains(&format!("cannot reach the IMAP server 127.0.0.1:{closed}")),
        "{r}"
    );
    let (_, m) = api.get(&format!("/api/v1/channels/email/mailboxes/{id}")).await;
    assert_eq!(m["state"], "failing");

    // A change without a password keeps the stored one.
    let mut change = body.clone();
    change["imap_password"] = json!("");
    change["name"] = json!("Help desk");
    let (status, m) = api
        .call(
            Method::PUT,
            &format!("/api/v1/channels/email/mailboxes/{id}"),
            Some(change),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["name"], "Help desk");
    let stored = s.app.db.mailbox(t.workspace.id, id.parse().unwrap()).await.unwrap();
    assert_eq!(
        s.app
            .secret_key
            .as_ref()
            .unwrap()
            .open(&stored.fields.imap_password)
            .unwrap(),
        "hunter2-imap"
    );

    // Agents may not; another workspace cannot see it.
    let (_, agent) = s.staff(&t.workspace, "Andy Agent", Role::Agent, &[]).await;
    let (status, _) = Api::new(s, &agent).get("/api/v1/channels/email/mailboxes").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other = s.tenant("Other Co").await;
    let (status, _) = Api::new(s, &other.token)
        .get(&format!("/api/v1/channels/email/mailboxes/{id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = Api::new(s, &other.token).get("/api/v1/channels/email/mailboxes").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);

    let (status, _) = api
        .call(Method::DELETE, &format!("/api/v1/channels/email/mailboxes/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = api.get("/api/v1/channels/email/mailboxes").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

http_test!(settings, mailbox_settings);

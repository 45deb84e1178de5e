//! POST /api/v1/channels/email/inbound: raw emails through the ingest path,
//! idempotent by Message-ID, threaded by headers and then by the subject's
//! token; quoted history folded on the page but kept; HTML shown only
//! sanitised and sandboxed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_web::http_test;
use candor_web::testing::{TEST_PASSWORD, TestServer};
use common::{Api, browser, csrf_of, field};
use reqwest::StatusCode;
use serde_json::Value;

async fn post_raw(s: &TestServer, token: &str, content_type: &str, raw: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(s.url("/api/v1/channels/email/inbound"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(raw.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn email(id: &str, extra_headers: &str, subject: &str, body: &str) -> String {
    format!(
        "From: Jane Doe <jane@example.com>\r\nTo: support@acme.example\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n{extra_headers}\r\n{body}\r\n"
    )
}

async fn inbound_threads_and_is_idempotent(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let first = email("a1@example.com", "", "Broken bell", "My bell rattles.");
    let (status, a) = post_raw(s, &t.token, "message/rfc822", &first).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{a}");
    let conv = a["conversation_id"].as_str().unwrap().to_string();
    assert!(a["message_id"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(a["duplicate"], false);
    let (_, c) = api.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(c["subject"], "Broken bell");
    assert_eq!(c["channel"], "email");
    assert_eq!(c["customer_name"], "Jane Doe");

    // The same delivery again: stored once.
    let (status, again) = post_raw(s, &t.token, "message/rfc822; charset=utf-8", &first).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["message_id"], a["message_id"]);

    // A reply by its headers joins; its quoted history is kept in the text.
    let reply = email(
        "a2@example.com",
        "In-Reply-To: <a1@example.com>\r\nReferences: <a1@example.com>\r\n",
        "Re: Broken bell",
        "Still rattling.\r\n\r\nOn Tue, 3 Mar 2026, Maya wrote:\r\n> Try tightening it.\r\n",
    );
    let (_, b) = post_raw(s, &t.token, "message/rfc822", &reply).await;
    assert_eq!(b["conversation_id"].as_str(), Some(conv.as_str()));
    let (_, c) = api.get(&format!("/api/v1/conversations/{conv}")).await;
    let messages = c["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert!(
        messages[1]["body"].as_str().unwrap().contains("> Try tightening it."),
        "kept whole"
    );

    // A message naming the conversation's token in its subject joins it too.
    let conv_id: candor_core::ConversationId = conv.parse().unwrap();
    let mut tx = s.app.db.begin().await.unwrap();
    let token = tx.email_token(s.app.now(), t.workspace.id, conv_id).await.unwrap();
    tx.commit().await.unwrap();
    let by_token = email(
        "a3@example.com",
        "",
        &format!("Re: Broken bell [#{token}]"),
        "New phone, same bell.",
    );
    let (_, d) = post_raw(s, &t.token, "message/rfc822", &by_token).await;
    assert_eq!(d["conversation_id"].as_str(), Some(conv.as_str()));

    // Unknown headers and no token: a new conversation.
    let other = email(
        "a4@example.com",
        "In-Reply-To: <unknown@elsewhere>\r\n",
        "Another thing",
        "Hello",
    );
    let (_, e) = post_raw(s, &t.token, "message/rfc822", &other).await;
    assert_ne!(e["conversation_id"].as_str(), Some(conv.as_str()));

    // An auto-reply to a solved conversation does not reopen it.
    let (status, _) = api
        .patch(
            &format!("/api/v1/conversations/{conv}"),
            serde_json::json!({"status": "solved"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ooo = email(
        "a5@example.com",
        "In-Reply-To: <a2@example.com>\r\nAuto-Submitted: auto-replied\r\n",
        "Automatic reply: Broken bell",
        "I am away.",
    );
    let (_, f) = post_raw(s, &t.token, "message/rfc822", &ooo).await;
    assert_eq!(f["conversation_id"].as_str(), Some(conv.as_str()));
    assert_eq!(f["automated"], "auto-reply");
    let (_, c) = api.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(c["status"], "solved", "an auto-reply never reopens");
    // A real reply does.
    let real = email(
        "a6@example.com",
        "In-Reply-To: <a2@example.com>\r\n",
        "Re: Broken bell",
        "It is back.",
    );
    post_raw(s, &t.token, "message/rfc822", &real).await;
    let (_, c) = api.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(c["status"], "open");
}

async fn bad_input_names_the_field(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let (status, body) = post_raw(s, &t.token, "application/json", "{}").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(field(&body), "Content-Type");
    let (status, body) = post_raw(s, &t.token, "message/rfc822", "  \r\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field(&body), "body");
    let (status, _) = post_raw(s, "not-a-token", "message/rfc822", "From: a@b.c\r\n\r\nx").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Bytes that are no email at all are still kept, flagged.
    let (status, body) = post_raw(s, &t.token, "message/rfc822", "\u{1}\u{2}\u{3} not an email").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["readable"], false);
    let api = Api::new(s, &t.token);
    let (_, c) = api
        .get(&format!(
            "/api/v1/conversations/{}",
            body["conversation_id"].as_str().unwrap()
        ))
        .await;
    assert!(
        c["tags"].as_array().unwrap().iter().any(|t| t == "could-not-read"),
        "{c}"
    );
    assert_eq!(c["attachments"][0]["filename"], "original.eml");
}

async fn pages_fold_quotes_and_sandbox_html(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let raw = "From: Ana <ana@example.pt>\r\nSubject: Pedido\r\nMessage-ID: <h1@example.pt>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
        Where is my order?\r\n\r\nOn Mon, Maya wrote:\r\n> It ships today.\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
        <p>Where is my <b>order</b>?</p><script>alert(1)</script><img src=\"https://tracker.example/p.gif\">\r\n--b--\r\n";
    let (_, a) = post_raw(s, &t.token, "message/rfc822", raw).await;
    let conv = a["conversation_id"].as_str().unwrap();
    let message = a["message_id"].as_str().unwrap();
    let b = browser();
    let page = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    b.post(s.url("/login"))
        .form(&[
            ("email", t.owner.email.as_str()),
            ("password", TEST_PASSWORD),
            ("csrf", &csrf),
            ("next", "/inbox"),
        ])
        .send()
        .await
        .unwrap();
    let page = b
        .get(s.url(&format!("/inbox/{conv}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let shown = page.find("Where is my order?").expect("the reply is shown");
    let folded = page
        .find("<summary>Quoted history</summary>")
        .expect("the quote is folded");
    assert!(shown < folded && page[folded..].contains("It ships today."));
    let link = format!("/inbox/{conv}/html/{message}");
    assert!(page.contains(&link), "a link to the HTML");
    let r = b.get(s.url(&link)).send().await.unwrap();
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<b>order</b>") && !html.contains("<script") && !html.contains("alert(1)"),
        "{html}"
    );
}

http_test!(inbound, inbound_threads_and_is_idempotent);
http_test!(bad_input, bad_input_names_the_field);
http_test!(pages, pages_fold_quotes_and_sandbox_html);

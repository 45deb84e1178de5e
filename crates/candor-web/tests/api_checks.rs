//! The repeat-purchase check through a real socket, on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_web::http_test;
use candor_web::testing::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(s: &TestServer, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(s.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn repeat_purchases_are_found_before_the_order(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let jane = json!({"kind": "email", "value": "jane@example.com", "name": "Jane Doe"});
    for (ext, at, status) in [
        ("o-1", "2025-03-03T10:00:00Z", "paid"),
        ("o-2", "2026-01-10T10:00:00Z", "paid"),
        ("o-3", "2026-02-01T10:00:00Z", "refunded"),
    ] {
        let (code, body) = post(s, &t.token, "/api/v1/purchases", json!({"customer": jane, "product": "book-42", "amount": "19.99", "currency": "EUR", "at": at, "external_id": ext, "status": status})).await;
        assert_eq!(code, StatusCode::CREATED, "{body}");
    }
    let (code, r) = post(
        s,
        &t.token,
        "/api/v1/checks/repeat-purchase",
        json!({"customer": {"kind": "email", "value": " Jane@Example.com "}, "product": "book-42"}),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{r}");
    assert_eq!(
        r,
        json!({"bought_before": true, "last_purchased_at": "2026-01-10T10:00:00Z", "count": 2})
    );
    let (_, r) = post(
        s,
        &t.token,
        "/api/v1/checks/repeat-purchase",
        json!({"customer": {"kind": "email", "value": "jane@example.com"}, "product": "book-7"}),
    )
    .await;
    assert_eq!(
        r,
        json!({"bought_before": false, "last_purchased_at": null, "count": 0})
    );
    // An unknown identity bought nothing, and no customer is made for it.
    let (_, r) = post(
        s,
        &t.token,
        "/api/v1/checks/repeat-purchase",
        json!({"customer": {"kind": "email", "value": "new@example.com"}, "product": "book-42"}),
    )
    .await;
    assert_eq!(r["bought_before"], false);
    let found: Value = reqwest::Client::new()
        .get(s.url("/api/v1/customers?identity=email:new@example.com"))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"], json!([]));
    // By id, too; another workspace's id is not found.
    let jane_id = reqwest::Client::new()
        .get(s.url("/api/v1/customers?identity=email:jane@example.com"))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, r) = post(
        s,
        &t.token,
        "/api/v1/checks/repeat-purchase",
        json!({"customer_id": jane_id, "product": "book-42"}),
    )
    .await;
    assert_eq!(r["count"], 2);
    let other = s.tenant("Bolt Ltd").await;
    let (code, _) = post(
        s,
        &other.token,
        "/api/v1/checks/repeat-purchase",
        json!({"customer_id": jane_id, "product": "book-42"}),
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (_, r) = post(
        s,
        &other.token,
        "/api/v1/checks/repeat-purchase",
        json!({"customer": {"kind": "email", "value": "jane@example.com"}, "product": "book-42"}),
    )
    .await;
    assert_eq!(r["bought_before"], false, "another workspace's purchases never show");
    // Bad input names the field.
    for (body, field) in [
        (
            json!({"customer": {"kind": "email", "value": "nope"}, "product": "x"}),
            "customer.value",
        ),
        (
            json!({"customer": {"kind": "fax", "value": "1"}, "product": "x"}),
            "customer.kind",
        ),
        (json!({"product": "x"}), "customer"),
        (json!({"customer": jane, "product": "  "}), "product"),
        (json!({"customer": jane}), "product"),
    ] {
        let (code, e) = post(s, &t.token, "/api/v1/checks/repeat-purchase", body.clone()).await;
        assert!(code.is_client_error(), "{body}: {code}");
        let said = format!("{} {}", e["error"]["field"], e["error"]["message"]);
        assert!(said.contains(field), "{body}: {e}");
    }
}
http_test!(repeat_purchase, repeat_purchases_are_found_before_the_order);

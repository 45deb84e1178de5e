//! Campaigns over the API on both databases: write, list, read, preview,
//! dry run, start and pause; roles, other workspaces and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_core::staff::Role;
use candor_web::http_test;
use candor_web::testing::TestServer;
use common::{Api, field};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn campaign() -> Value {
    json!({"name": "Win back", "segment": "stage:former", "subject": "{{first_name}}, we miss you",
           "body": "Hello {{first_name}}, how is the {{last_product|bike}}?", "per_hour": 30})
}

async fn campaigns_over_the_api(s: &TestServer) {
    let t = s.tenant("Acme Bikes").await;
    let owner = Api::new(s, &t.token);
    let (_, agent_token) = s.staff(&t.workspace, "Andrea Agent", Role::Agent, &[]).await;
    let agent = Api::new(s, &agent_token);
    for (email, consent) in [("ada@example.com", true), ("ben@example.com", false)] {
        let mut c =
            json!({"name": format!("{} Rider", &email[..3]), "identities": [{"kind": "email", "value": email}]});
        if consent {
            c["consent"] = json!({"marketing": {"given": true, "how": "signup form"}});
        }
        assert_eq!(owner.post("/api/v1/customers", c).await.0, StatusCode::CREATED);
        let (st, p) = owner
            .post(
                "/api/v1/purchases",
                json!({"customer": {"kind": "email", "value": email}, "product": "bike-city", "product_name": "City bike",
                       "amount": "899.00", "currency": "EUR", "at": "2024-01-10T10:00:00Z", "external_id": format!("o-{email}")}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{p}");
    }
    // Owners and admins write; errors name the field.
    assert_eq!(
        agent.post("/api/v1/campaigns", campaign()).await.0,
        StatusCode::FORBIDDEN
    );
    let mut bad = campaign();
    bad["segment"] = json!("stage:gone");
    let (st, e) = owner.post("/api/v1/campaigns", bad).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(field(&e), "segment");
    let mut bad = campaign();
    bad["body"] = json!("Hi {{nick}}");
    let (st, e) = owner.post("/api/v1/campaigns", bad).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(field(&e), "body");
    let mut bad = campaign();
    bad["per_hour"] = json!(0);
    let (st, e) = owner.post("/api/v1/campaigns", bad).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field(&e), "per_hour");
    let mut bad = campaign();
    bad["colour"] = json!("red");
    assert_eq!(owner.post("/api/v1/campaigns", bad).await.0, StatusCode::BAD_REQUEST);

    let (st, c) = owner.post("/api/v1/campaigns", campaign()).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    assert_eq!(c["state"], "draft");
    assert_eq!(c["sender"]["name"], "Olivia Owner");
    assert_eq!(c["purpose"], "marketing");
    let id = c["id"].as_str().unwrap().to_string();
    let (st, list) = agent.get("/api/v1/campaigns").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], c["id"]);
    assert_eq!(list["next_cursor"], Value::Null);
    let (_, got) = agent.get(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(got["audience"], 2);
    assert_eq!(got["results"]["sent"], 0);

    // The dry run and the preview.
    let (st, run) = agent.get(&format!("/api/v1/campaigns/{id}/dry-run?limit=1")).await;
    assert_eq!(st, StatusCode::OK, "{run}");
    assert_eq!(run["total"], 2);
    assert_eq!(run["items"].as_array().unwrap().len(), 1);
    let next = run["next_cursor"].as_str().unwrap().to_string();
    let (_, rest) = agent
        .get(&format!("/api/v1/campaigns/{id}/dry-run?cursor={next}"))
        .await;
    let mut outcomes: Vec<(String, String)> = run["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|l| {
            (
                l["address"].as_str().unwrap().to_string(),
                l["reason_code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            ("ada@example.com".to_string(), "send".to_string()),
            ("ben@example.com".to_string(), "no-consent".to_string())
        ]
    );
    let (st, p) = agent.get(&format!("/api/v1/campaigns/{id}/preview")).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(p["body"].as_str().unwrap().contains("how is the City bike?"), "{p}");
    assert_eq!(p["in_segment"], true);
    assert_eq!(p["from"], "Olivia Owner at Acme Bikes");
    let (st, _) = agent
        .get(&format!("/api/v1/campaigns/{id}/preview?customer_id=nope"))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // Starting and pausing: owners and admins only.
    assert_eq!(
        agent.post(&format!("/api/v1/campaigns/{id}/start"), json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let (st, c) = owner.post(&format!("/api/v1/campaigns/{id}/start"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["state"], "running");
    assert!(c["next_send_at"].is_string());
    let mut changed = campaign();
    changed["name"] = json!("Renamed");
    let (st, e) = owner.patch(&format!("/api/v1/campaigns/{id}"), changed).await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    let (st, c) = owner.post(&format!("/api/v1/campaigns/{id}/pause"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["state"], "paused");

    // Another workspace sees nothing.
    let other = Api::new(s, &s.tenant("Bolt Ltd").await.token);
    assert_eq!(
        other.get(&format!("/api/v1/campaigns/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get(&format!("/api/v1/campaigns/{id}/dry-run")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(other.get("/api/v1/campaigns").await.1["items"], json!([]));
    // The calls are in the OpenAPI document.
    let (_, doc) = agent.get("/api/openapi.json").await;
    for p in [
        "/api/v1/campaigns",
        "/api/v1/campaigns/{id}/dry-run",
        "/api/v1/conversations/{id}/next-actions",
    ] {
        assert!(doc["paths"][p].is_object(), "{p}");
    }
}
http_test!(campaigns, campaigns_over_the_api);

//! The next best action over the API on both databases: the rules (read by
//! all, changed by owners and admins, errors naming the field) and a
//! conversation's actions — a promise due, a product bought before, a
//! former customer writing again, an offer by condition, who should call.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_core::staff::{Role, Scope};
use candor_web::http_test;
use candor_web::testing::TestServer;
use common::{Api, field};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn customer(
    api: &Api<'_>,
    email: &str,
    name: &str,
    attributes: Value,
    product: (&str, &str),
    at: &str,
) -> String {
    let (st, c) = api
        .post(
            "/api/v1/customers",
            json!({"name": name, "identities": [{"kind": "email", "value": email}], "attributes": attributes}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let (st, p) = api
        .post(
            "/api/v1/purchases",
            json!({"customer": {"kind": "email", "value": email}, "product": product.0, "product_name": product.1,
                   "amount": "79.90", "currency": "EUR", "at": at, "external_id": format!("o-{email}")}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    c["id"].as_str().unwrap().to_string()
}

async fn conversation(api: &Api<'_>, email: &str, subject: &str, body: &str) -> String {
    let (st, c) = api
        .post(
            "/api/v1/conversations",
            json!({"customer": {"kind": "email", "value": email}, "subject": subject, "body": body, "channel": "api"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

fn kinds(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {v}"))
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn actions_follow_the_rules(s: &TestServer) {
    let t = s.tenant("Acme Bikes").await;
    let owner = Api::new(s, &t.token);
    let (_, agent_token) = s.staff(&t.workspace, "Andrea Agent", Role::Agent, &[]).await;
    let agent = Api::new(s, &agent_token);
    let (_, viewer_token) = s.staff(&t.workspace, "Vic Viewer", Role::Viewer, &[Scope::Read]).await;
    let viewer = Api::new(s, &viewer_token);

    // The defaults, readable by everyone.
    let (st, rules) = viewer.get("/api/v1/next-actions/rules").await;
    assert_eq!(st, StatusCode::OK, "{rules}");
    assert_eq!(rules["promises"]["due_within_hours"], 24);
    assert_eq!(rules["offers"], json!([]));
    // Only owners and admins change them; errors name the field.
    let student = json!({"offers": [{"title": "Student discount", "when": "attr.student:true   tier:none OR tier:A", "reason": ""}]});
    let (st, _) = agent
        .call(Method::PUT, "/api/v1/next-actions/rules", Some(student.clone()))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, e) = owner
        .call(
            Method::PUT,
            "/api/v1/next-actions/rules",
            Some(json!({"offers": [{"title": "x", "when": "tier:Q"}]})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(field(&e), "offers[0].when");
    assert_eq!(e["error"]["position"], 5);
    let (st, e) = owner
        .call(
            Method::PUT,
            "/api/v1/next-actions/rules",
            Some(json!({"promises": {"due_within_hours": 0}})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field(&e), "promises.due_within_hours");
    let (st, e) = owner
        .call(
            Method::PUT,
            "/api/v1/next-actions/rules",
            Some(json!({"promises": {"soon": 1}})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    let (st, saved) = owner
        .call(Method::PUT, "/api/v1/next-actions/rules", Some(student))
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(saved["offers"][0]["when"], "attr.student:true tier:none OR tier:A");
    assert_eq!(viewer.get("/api/v1/next-actions/rules").await.1, saved);

    // A former customer, a student, asking for what they bought before.
    customer(
        &owner,
        "jane@example.com",
        "Jane Doe",
        json!({"student": "true"}),
        ("helmet", "Helmet"),
        "2024-06-01T10:00:00Z",
    )
    .await;
    let conv = conversation(
        &owner,
        "jane@example.com",
        "Order",
        "Hi, I'd like to order another helmet in blue.",
    )
    .await;
    let path = format!("/api/v1/conversations/{conv}/next-actions");
    let (st, a) = viewer.get(&path).await;
    assert_eq!(st, StatusCode::OK, "{a}");
    assert_eq!(kinds(&a), ["already-bought", "win-back", "offer"]);
    assert_eq!(a["items"][0]["title"], "Already bought: Helmet");
    assert_eq!(a["items"][0]["last_purchased_at"], "2024-06-01T10:00:00Z");
    assert_eq!(a["items"][0]["count"], 1);
    assert!(
        a["items"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("last bought Helmet on 1 June 2024"),
        "{a}"
    );
    assert_eq!(a["items"][2]["title"], "Student discount");
    // A promise due within the day comes first.
    let due = "2026-03-02T14:00:00Z";
    let (st, p) = agent
        .post(
            "/api/v1/promises",
            json!({"conversation_id": conv, "description": "send the blue helmet's size chart", "due_at": due}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    let (_, a) = viewer.get(&path).await;
    assert_eq!(kinds(&a)[0], "promise-due");
    assert_eq!(a["items"][0]["promise_id"], p["id"]);
    assert_eq!(
        a["items"][0]["title"],
        "Promise due in 5 hours: send the blue helmet's size chart"
    );

    // A customer at risk, whom Andrea has answered: Andrea should call.
    customer(
        &owner,
        "bob@example.com",
        "Bob Ray",
        json!({}),
        ("lights", "Light set"),
        "2025-08-01T10:00:00Z",
    )
    .await;
    let first = conversation(
        &owner,
        "bob@example.com",
        "Flicker",
        "The lamp on my handlebar flickers.",
    )
    .await;
    let (st, _) = agent
        .post(
            &format!("/api/v1/conversations/{first}/messages"),
            json!({"kind": "outbound", "body": "Try the new battery."}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, a) = viewer.get(&format!("/api/v1/conversations/{first}/next-actions")).await;
    assert_eq!(kinds(&a), ["call"], "{a}");
    assert_eq!(a["items"][0]["title"], "Andrea Agent should call them");
    assert_eq!(a["items"][0]["staff"]["name"], "Andrea Agent");

    // Nothing to say about a new lead; unknown and foreign ids are not found.
    let lead = conversation(&owner, "new@example.com", "Hello", "Do you sell bikes?").await;
    let (_, a) = viewer.get(&format!("/api/v1/conversations/{lead}/next-actions")).await;
    assert_eq!(a["items"], json!([]));
    let (st, _) = viewer.get("/api/v1/conversations/nope/next-actions").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let other = s.tenant("Bolt Ltd").await;
    let (st, _) = Api::new(s, &other.token).get(&path).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
http_test!(next_actions, actions_follow_the_rules);

//! Between the community and the inbox: a topic moves into a private
//! conversation; a solved conversation is published as a topic.

use super::{Api, api_topic};
use candor_core::staff::Role;
use candor_web::http_test;
use candor_web::testing::TestServer;
use reqwest::StatusCode;
use serde_json::json;

async fn topic_to_conversation_and_back(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let other = s.tenant("Other Co").await;
    let api = Api::new(s, &t.token);
    let topic = api_topic(
        &api,
        "jane@example.com",
        "problem",
        "My order 4411 never arrived",
        "Tracking says delivered.",
    )
    .await;
    let id = topic["id"].as_str().unwrap();
    let path = format!("/api/v1/community/topics/{id}/conversation");

    // Another workspace and a viewer cannot move it.
    let (status, _) = Api::new(s, &other.token).post(&path, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, viewer) = s.staff(&t.workspace, "Vera Viewer", Role::Viewer, &[]).await;
    let (status, _) = Api::new(s, &viewer).post(&path, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, e) = api.post(&path, json!({"public_note": "x".repeat(501)})).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("public_note"))
    );

    let (status, moved) = api
        .post(
            &path,
            json!({"public_note": "We took this to email to look at your account."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{moved}");
    assert_eq!(moved["topic"]["locked"], true);
    assert_eq!(
        moved["topic"]["private_note"],
        "We took this to email to look at your account."
    );
    let conversation = &moved["conversation"];
    assert_eq!(conversation["channel"], "community");
    assert_eq!(conversation["subject"], "My order 4411 never arrived");
    let first = conversation["messages"][0]["body"].as_str().unwrap();
    assert!(
        first.starts_with("Tracking says delivered.") && first.contains("/community/t/"),
        "{first}"
    );
    let (_, jane) = api.get("/api/v1/customers?identity=email:jane@example.com").await;
    assert_eq!(conversation["customer_id"], jane["items"][0]["id"]);
    let conversation_id = conversation["id"].as_str().unwrap().to_string();

    // Moving again finds the same conversation.
    let (status, again) = api.post(&path, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["conversation"]["id"], conversation_id.as_str());
    let (_, list) = api.get("/api/v1/conversations?channel=community").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // The public page says it moved.
    let page = reqwest::get(s.url(topic["url"].as_str().unwrap()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("We took this to email to look at your account."),
        "{page}"
    );

    // Publishing needs a solved conversation and the customer's consent.
    let publish = format!("/api/v1/conversations/{conversation_id}/publish");
    let body = json!({"title": "Parcels marked delivered but missing", "body": "Check with neighbours, then tell us: we resend at once.", "kind": "question", "consent": "Jane replied 'yes, publish it'"});
    let (status, e) = api.post(&publish, body.clone()).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("status"))
    );
    let (status, _) = api
        .patch(
            &format!("/api/v1/conversations/{conversation_id}"),
            json!({"status": "solved"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut no_consent = body.clone();
    no_consent["consent"] = json!("  ");
    let (status, e) = api.post(&publish, no_consent).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("consent"))
    );
    let mut bad_kind = body.clone();
    bad_kind["kind"] = json!("rant");
    let (status, e) = api.post(&publish, bad_kind).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("kind"))
    );
    let (status, _) = Api::new(s, &other.token).post(&publish, body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, before) = api
        .get(&format!("/api/v1/public/{}/community/topics", t.workspace.slug))
        .await;
    let before = before["items"].as_array().unwrap().len();

    let (status, published) = api.post(&publish, body).await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    assert_eq!(published["title"], "Parcels marked delivered but missing");
    assert_eq!(published["kind"], "question");
    assert_eq!(published["author"]["name"], "Jane Doe");
    let (_, after) = api
        .get(&format!("/api/v1/public/{}/community/topics", t.workspace.slug))
        .await;
    assert_eq!(after["items"].as_array().unwrap().len(), before + 1);
}
http_test!(bridge, topic_to_conversation_and_back);

//! The API's foundation through a real socket, on SQLite and PostgreSQL:
//! tokens, roles and scopes, errors, isolation between workspaces,
//! idempotency keys, health and metrics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::staff::{Role, Scope};
use candor_web::http_test;
use candor_web::testing::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn get(s: &TestServer, token: &str, path: &str) -> (StatusCode, Value) {
    let r = client().get(s.url(path)).bearer_auth(token).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(s: &TestServer, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = client()
        .post(s.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn me_answers_with_workspace_and_user(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let (status, body) = get(s, &t.token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["workspace"]["slug"], "acme-inc");
    assert_eq!(body["workspace"]["name"], "Acme Inc");
    assert_eq!(body["user"]["email"], "owner@acme.example");
    assert_eq!(body["user"]["name"], "Olivia Owner");
    assert_eq!(body["user"]["role"], "owner");
    assert_eq!(body["workspace"]["id"], t.workspace.id.to_string());
}
http_test!(me, me_answers_with_workspace_and_user);

async fn bad_credentials_are_401_json(s: &TestServer) {
    let r = client().get(s.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, body) = get(s, "cnd_not-a-token", "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["message"].as_str().unwrap().contains("unknown"));
    let r = client()
        .get(s.url("/api/v1/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Unknown API routes are 404 JSON, with or without a token.
    let r = client().get(s.url("/api/v1/no-such-thing")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}
http_test!(bad_credentials, bad_credentials_are_401_json);

async fn scopes_and_roles_limit_what_tokens_do(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let (_, viewer_token) = s.staff(&t.workspace, "Vera Viewer", Role::Viewer, &[]).await;
    let (_, read_only) = s.staff(&t.workspace, "Rita Reader", Role::Agent, &[Scope::Read]).await;
    // A viewer reads but may not create tokens.
    assert_eq!(get(s, &viewer_token, "/api/v1/staff").await.0, StatusCode::OK);
    let (status, body) = post(s, &viewer_token, "/api/v1/tokens", json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "forbidden");
    // An agent's read-only token may not write either, and says why.
    let (status, body) = post(s, &read_only, "/api/v1/tokens", json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["error"]["message"].as_str().unwrap().contains("scope"));
    // A token can never exceed its owner's role.
    let (status, body) = post(s, &t.token, "/api/v1/tokens", json!({"name": "ci", "scopes": ["read"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let secret = body["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("cnd_"));
    let (status, me) = get(s, &secret, "/api/v1/me").await;
    assert_eq!((status, me["scopes"].clone()), (StatusCode::OK, json!(["read"])));
    // Revoked tokens stop at once.
    let id = body["id"].as_str().unwrap();
    let (status, _) = post(s, &t.token, &format!("/api/v1/tokens/{id}/revoke"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(get(s, &secret, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}
http_test!(scopes_and_roles, scopes_and_roles_limit_what_tokens_do);

async fn another_workspace_answers_404(s: &TestServer) {
    let a = s.tenant("Acme Inc").await;
    let b = s.tenant("Bolt Ltd").await;
    let (status, body) = post(s, &b.token, "/api/v1/tokens", json!({"name": "b's"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let b_token_id = body["id"].as_str().unwrap().to_string();
    // A's owner cannot revoke, see or create tokens for B's things.
    let (status, body) = post(s, &a.token, &format!("/api/v1/tokens/{b_token_id}/revoke"), json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
    let (_, list) = get(s, &a.token, "/api/v1/tokens").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"] != b_token_id.as_str())
    );
    let (status, _) = post(
        s,
        &a.token,
        "/api/v1/tokens",
        json!({"name": "x", "user_id": b.owner.id.to_string()}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, staff) = get(s, &a.token, "/api/v1/staff").await;
    assert_eq!(staff["items"].as_array().unwrap().len(), 1);
    // B's token still works: nothing changed.
    let (_, blist) = get(s, &b.token, "/api/v1/tokens").await;
    assert!(
        blist["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == b_token_id.as_str() && t["revoked_at"].is_null())
    );
}
http_test!(workspace_isolation, another_workspace_answers_404);

async fn bad_input_is_a_clear_4xx_and_stores_nothing(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let before = get(s, &t.token, "/api/v1/tokens").await.1["items"]
        .as_array()
        .unwrap()
        .len();
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (json!({"name": ""}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (
            json!({"name": "x".repeat(101)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({"name": "ok", "scopes": ["root"]}),
            StatusCode::BAD_REQUEST,
            "scopes[0]",
        ),
        (json!({"name": 5}), StatusCode::BAD_REQUEST, "name"),
        (json!({"nme": "typo"}), StatusCode::BAD_REQUEST, "nme"),
    ];
    for (body, status, field) in cases {
        let (got, answer) = post(s, &t.token, "/api/v1/tokens", body.clone()).await;
        assert_eq!(got, status, "{body} → {answer}");
        let named = answer["error"]["field"].as_str().unwrap_or_default().to_string()
            + answer["error"]["message"].as_str().unwrap_or_default();
        assert!(named.contains(field), "{body} → {answer}");
    }
    // Not JSON at all.
    let r = client()
        .post(s.url("/api/v1/tokens"))
        .bearer_auth(&t.token)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "invalid_json");
    let r = client()
        .post(s.url("/api/v1/tokens"))
        .bearer_auth(&t.token)
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) = post(s, &t.token, "/api/v1/tokens/not-an-id/revoke", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let after = get(s, &t.token, "/api/v1/tokens").await.1["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}
http_test!(bad_input, bad_input_is_a_clear_4xx_and_stores_nothing);

async fn idempotency_keys_replay_and_refuse_mismatches(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let send = |body: Value, key: &'static str| {
        client()
            .post(s.url("/api/v1/tokens"))
            .bearer_auth(&t.token)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send(json!({"name": "deploy"}), "k-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send(json!({"name": "deploy"}), "k-1").await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    let mismatch = send(json!({"name": "other"}), "k-1").await.unwrap();
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let tokens = get(s, &t.token, "/api/v1/tokens").await.1;
    let deploys = tokens["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"] == "deploy")
        .count();
    assert_eq!(deploys, 1);
}
http_test!(idempotency, idempotency_keys_replay_and_refuse_mismatches);

async fn health_readiness_metrics_and_openapi(s: &TestServer) {
    let r = client().get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = client().get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ready");
    let metrics = client()
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("candor_http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/readyz\""), "{metrics}");
    assert!(
        metrics.contains("candor_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(metrics.contains("candor_job_queue_depth"), "{metrics}");
    let doc: Value = client()
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/me"]["get"].is_object(), "{doc}");
}
http_test!(health, health_readiness_metrics_and_openapi);

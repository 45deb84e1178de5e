//! Trust over a real socket, on both databases: the shapes of the customer,
//! agent and workspace figures, roles and scopes, another workspace's ids,
//! and the alerts' calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::staff::{Role, Scope};
use candor_web::http_test;
use candor_web::testing::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn call(s: &TestServer, method: &str, token: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let c = reqwest::Client::new();
    let r = match method {
        "GET" => c.get(s.url(path)),
        "POST" => c.post(s.url(path)),
        _ => c.patch(s.url(path)),
    };
    let r = match body {
        Some(b) => r.json(&b),
        None => r,
    };
    let r = r.bearer_auth(token).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn trust_figures_over_the_api(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let (code, conv) = call(
        s,
        "POST",
        &t.token,
        "/api/v1/conversations",
        Some(
            json!({"customer": {"kind": "email", "value": "jane@example.com", "name": "Jane Doe"},
            "subject": "Lights", "body": "Which lights fit the city bike?"}),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED, "{conv}");
    let id = conv["id"].as_str().unwrap();
    let customer = conv["customer_id"].as_str().unwrap().to_string();
    let (code, _) = call(
        s,
        "POST",
        &t.token,
        &format!("/api/v1/conversations/{id}/messages"),
        Some(json!({"kind": "outbound", "body": "A new light is on its way today."})),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED);
    let (code, _) = call(
        s,
        "PATCH",
        &t.token,
        &format!("/api/v1/conversations/{id}"),
        Some(json!({"status": "solved"})),
    )
    .await;
    assert_eq!(code, StatusCode::OK);

    // The contract's shape, and the explanation beside each number.
    let (code, v) = call(s, "GET", &t.token, &format!("/api/v1/customers/{customer}/trust"), None).await;
    assert_eq!(code, StatusCode::OK, "{v}");
    for key in ["score", "credibility", "reliability", "intimacy", "self_orientation"] {
        assert!(v[key].is_number(), "{key}: {v}");
    }
    assert!(v["formula"].as_str().unwrap().contains(" / "), "{v}");
    let signals = v["signals"].as_array().unwrap();
    let held = signals.iter().find(|s| s["name"] == "solved_held").unwrap();
    assert_eq!(
        (held["favourable"].as_f64(), held["observed"].as_f64()),
        (Some(1.0), Some(1.0))
    );
    assert_eq!(held["component"], "credibility");
    assert!(
        held["formula"].as_str().unwrap().starts_with("(1 + 0.5 × 4) / (1 + 4)"),
        "{held}"
    );
    assert!(
        signals
            .iter()
            .all(|s| s["effect"].is_string() && s["label"].is_string())
    );
    assert_eq!(v["trend"].as_array().unwrap().len(), 12);
    assert!(v["trend"][11]["week"].as_str().unwrap().contains("-W"));
    let steps = v["trajectory"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["direction"], "partnership");
    assert_eq!(steps[0]["source"], "conversation");
    assert_eq!(v["trajectory"]["falling"], false);
    assert_eq!(v["scale"]["score_max"], 30.0);

    // The workspace and the agent who solved it.
    let (code, w) = call(s, "GET", &t.token, "/api/v1/trust", None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(w["subject"]["type"], "workspace");
    assert!(w.get("trajectory").is_none());
    let owner = t.owner.id.to_string();
    let (code, a) = call(s, "GET", &t.token, &format!("/api/v1/agents/{owner}/trust"), None).await;
    assert_eq!(code, StatusCode::OK, "{a}");
    let held = a["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "solved_held")
        .unwrap()
        .clone();
    assert_eq!(held["observed"], 1.0);
    let (code, list) = call(s, "GET", &t.token, "/api/v1/trust/agents", None).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == owner.as_str())
    );

    // Roles and scopes: a viewer reads; an agent reads their own figures,
    // not a colleague's nor the list; a token without the read scope reads nothing.
    let (_, viewer) = s.staff(&t.workspace, "Vera Viewer", Role::Viewer, &[Scope::Read]).await;
    let (code, _) = call(s, "GET", &viewer, &format!("/api/v1/customers/{customer}/trust"), None).await;
    assert_eq!(code, StatusCode::OK);
    let (agent, agent_token) = s
        .staff(&t.workspace, "Andrea Agent", Role::Agent, &[Scope::Read, Scope::Write])
        .await;
    let (code, _) = call(
        s,
        "GET",
        &agent_token,
        &format!("/api/v1/agents/{}/trust", agent.id),
        None,
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) = call(s, "GET", &agent_token, &format!("/api/v1/agents/{owner}/trust"), None).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = call(s, "GET", &agent_token, "/api/v1/trust/agents", None).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (_, writer) = s.staff(&t.workspace, "Wes Writer", Role::Agent, &[Scope::Write]).await;
    let (code, _) = call(s, "GET", &writer, "/api/v1/trust", None).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = call(s, "GET", "nonsense", "/api/v1/trust", None).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);

    // Another workspace's ids are not found; nor is nonsense.
    let other = s.tenant("Bolt Ltd").await;
    for path in [
        format!("/api/v1/customers/{customer}/trust"),
        format!("/api/v1/agents/{owner}/trust"),
        "/api/v1/customers/not-an-id/trust".to_string(),
    ] {
        let (code, body) = call(s, "GET", &other.token, &path, None).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{path}: {body}");
    }

    // Alerts: none open here; handling names the field or finds nothing.
    let (code, alerts) = call(s, "GET", &t.token, "/api/v1/trust/alerts", None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(alerts["items"], json!([]));
    let missing = "/api/v1/trust/alerts/019cb881-2f80-7000-8000-00251adf82ee/handle";
    let (code, body) = call(s, "POST", &t.token, missing, Some(json!({"how": "shouted"}))).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "how");
    let (code, _) = call(s, "POST", &t.token, missing, Some(json!({"how": "dismissed"}))).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (code, body) = call(s, "POST", &t.token, missing, Some(json!({"why": 1}))).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    let (code, _) = call(s, "POST", &viewer, missing, Some(json!({"how": "dismissed"}))).await;
    assert_eq!(code, StatusCode::FORBIDDEN);

    // The calls are in the API's description.
    let doc: Value = reqwest::get(s.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/customers/{id}/trust",
        "/api/v1/agents/{id}/trust",
        "/api/v1/trust",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
}

http_test!(trust_api, trust_figures_over_the_api);

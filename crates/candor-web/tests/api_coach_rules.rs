//! A company's own coach rules through a real socket: stored per workspace,
//! checked before they are saved, used by the coach at once, kept to admins.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::staff::{Role, Scope};
use candor_web::http_test;
use candor_web::testing::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn call(
    s: &TestServer,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, s.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

const RULES: &str = r#"[[rule]]
id = "acme.ticket-speak"
category = "doublespeak"
message = "Customers do not have tickets."
suggestion = "Name the question."
patterns = ["your ticket (number |)(is|has been|was)"]
"#;

fn categories(c: &Value) -> Vec<String> {
    c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap().to_string())
        .collect()
}

async fn coach_text(s: &TestServer, token: &str, text: &str) -> Value {
    let (status, c) = call(
        s,
        reqwest::Method::POST,
        token,
        "/api/v1/coach",
        Some(json!({"text": text, "language": "en", "check_signature": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    c
}

async fn company_rules_change_the_coach(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let other = s.tenant("Globex").await;
    let text = "Your ticket has been updated with the new address.";
    assert!(categories(&coach_text(s, &t.token, text).await).is_empty());

    let (status, v) = call(
        s,
        reqwest::Method::PUT,
        &t.token,
        "/api/v1/coach/rules/en",
        Some(json!({"source": RULES})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["language"].clone(), v["rules"].clone()), (json!("en"), json!(1)));

    // The rule is in force at once, for this workspace only.
    let c = coach_text(s, &t.token, text).await;
    assert_eq!(categories(&c), vec!["doublespeak"], "{c}");
    assert_eq!(c["findings"][0]["start"], 0);
    assert_eq!(c["findings"][0]["message"], "Customers do not have tickets.");
    assert!(categories(&coach_text(s, &other.token, text).await).is_empty());
    // Built-in rules still apply beside the company's.
    let c = coach_text(s, &t.token, "We apologize for any inconvenience.").await;
    assert_eq!(categories(&c), vec!["script"]);

    let (status, list) = call(s, reqwest::Method::GET, &t.token, "/api/v1/coach/rules", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["source"], RULES);
    assert_eq!(list["items"][0]["error"], Value::Null);
    let (_, list) = call(s, reqwest::Method::GET, &other.token, "/api/v1/coach/rules", None).await;
    assert_eq!(list["items"], json!([]));

    // Removing them takes the rule out again.
    let (status, _) = call(s, reqwest::Method::DELETE, &t.token, "/api/v1/coach/rules/en", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(categories(&coach_text(s, &t.token, text).await).is_empty());
    let (_, list) = call(s, reqwest::Method::GET, &t.token, "/api/v1/coach/rules", None).await;
    assert_eq!(list["items"], json!([]));
}
http_test!(company_rules, company_rules_change_the_coach);

async fn bad_rules_are_refused_and_lose_nothing(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let put = |source: String, lang: &'static str| {
        let token = t.token.clone();
        async move {
            call(
                s,
                reqwest::Method::PUT,
                &token,
                &format!("/api/v1/coach/rules/{lang}"),
                Some(json!({"source": source})),
            )
            .await
        }
    };
    assert_eq!(put(RULES.into(), "en").await.0, StatusCode::OK);
    let refused = [
        ("[[rule]]\nid = 1\n".to_string(), "en", "source"),
        (RULES.replace("doublespeak", "rudeness"), "en", "source"),
        (RULES.replace("(number |)", "(number |"), "en", "source"),
        // A built-in rule's id.
        (
            RULES.replace("acme.ticket-speak", "script.inconvenience"),
            "en",
            "source",
        ),
        // Patterns expanding to too many phrases.
        (
            RULES.replace(
                "your ticket (number |)(is|has been|was)",
                &"(a|b|c|d|e|f|g|h|i|j) ".repeat(5),
            ),
            "en",
            "source",
        ),
        ("x".repeat(40_000), "en", "source"),
        (RULES.into(), "english", "language"),
    ];
    for (source, lang, field) in refused {
        let (status, e) = put(source, lang).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["field"], field, "{e}");
        assert!(!e["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, e) = call(
        s,
        reqwest::Method::PUT,
        &t.token,
        "/api/v1/coach/rules/en",
        Some(json!({"src": RULES})),
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("src"))
    );
    // What was stored before is still there and in force.
    let (_, list) = call(s, reqwest::Method::GET, &t.token, "/api/v1/coach/rules", None).await;
    assert_eq!(list["items"][0]["source"], RULES, "{list}");
    let c = coach_text(s, &t.token, "Your ticket was closed.").await;
    assert_eq!(categories(&c), vec!["doublespeak"]);
}
http_test!(bad_rules, bad_rules_are_refused_and_lose_nothing);

async fn only_admins_change_rules(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let (_, agent_token) = s
        .staff(&t.workspace, "Avery Agent", Role::Agent, &[Scope::Read, Scope::Write])
        .await;
    let (status, e) = call(
        s,
        reqwest::Method::PUT,
        &agent_token,
        "/api/v1/coach/rules/en",
        Some(json!({"source": RULES})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    let (status, _) = call(s, reqwest::Method::DELETE, &agent_token, "/api/v1/coach/rules/en", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Agents may read them: they are what the coach holds their replies to.
    let (status, _) = call(s, reqwest::Method::GET, &agent_token, "/api/v1/coach/rules", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(s, reqwest::Method::GET, "nope", "/api/v1/coach/rules", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
http_test!(admins_only, only_admins_change_rules);

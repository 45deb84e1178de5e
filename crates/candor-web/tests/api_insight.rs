//! The analysis and coach endpoints through a real socket, and the API used
//! from a signed-in page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_web::http_test;
use candor_web::testing::{TEST_PASSWORD, TestServer};
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

async fn analysis_reads_language_and_support_sentiment(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let (status, a) = post(
        s,
        &t.token,
        "/api/v1/insight/analyze",
        json!({"text": "Hello, I cannot log in since yesterday, please help"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["language"], "en");
    assert!(
        a["sentiment"].as_f64().unwrap() < 0.0,
        "a plea for help is not positive: {a}"
    );
    let (_, a) = post(
        s,
        &t.token,
        "/api/v1/insight/analyze",
        json!({"text": "Vielen Dank, das Fahrrad ist heute angekommen und funktioniert wunderbar."}),
    )
    .await;
    assert_eq!(a["language"], "de");
    assert!(a["sentiment"].as_f64().unwrap() > 0.0, "{a}");
    let (_, a) = post(s, &t.token, "/api/v1/insight/analyze", json!({"text": "thanks!"})).await;
    assert!(
        a["language_confidence"].as_f64().unwrap() < 0.5,
        "short texts are uncertain: {a}"
    );
    // Bad input.
    let (status, e) = post(s, &t.token, "/api/v1/insight/analyze", json!({"txt": "x"})).await;
    assert_eq!(
        (status, e["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("txt"))
    );
    let (status, e) = post(
        s,
        &t.token,
        "/api/v1/insight/analyze",
        json!({"text": "x".repeat(100_001)}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("text"))
    );
}
http_test!(analyze, analysis_reads_language_and_support_sentiment);

async fn coach_flags_scripts_and_resolves_promises(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    // Monday 2026-03-02 09:00 UTC (the test clock). "tomorrow" is the end of Tuesday's business day.
    let text = "We apologize for any inconvenience. I'll call you back tomorrow.\n\nBest,\nThe Support Team";
    let (status, c) = post(
        s,
        &t.token,
        "/api/v1/coach",
        json!({"text": text, "language": "en", "customer_language": "en", "signature_name": "Olivia Owner"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let findings = c["findings"].as_array().unwrap();
    let script = findings
        .iter()
        .find(|f| f["category"] == "script")
        .expect("a scripted phrase");
    let (start, end) = (
        script["start"].as_u64().unwrap() as usize,
        script["end"].as_u64().unwrap() as usize,
    );
    let span: String = text.chars().skip(start).take(end - start).collect();
    assert_eq!(span.to_lowercase(), "we apologize for any inconvenience");
    assert!(findings.iter().any(|f| f["category"] == "signature"), "{c}");
    let promise = &c["promises"][0];
    assert_eq!(promise["due_at"], "2026-03-03T17:00:00Z", "{c}");
    assert!(promise["action"].as_str().unwrap().contains("call you back"));
    // A reply in the wrong language for the customer.
    let (_, c) = post(s, &t.token, "/api/v1/coach", json!({"text": "Thank you for your patience, the replacement part ships today.\n\nOlivia", "customer_language": "de", "signature_name": "Olivia Owner"})).await;
    assert!(
        c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["category"] == "language"),
        "{c}"
    );
    // A language that is no language tag is refused, naming the field.
    for (body, field) in [
        (json!({"text": "Hi", "language": "klingon-nonsense-123"}), "language"),
        (json!({"text": "Hi", "customer_language": "e n"}), "customer_language"),
    ] {
        let (status, e) = post(s, &t.token, "/api/v1/coach", body).await;
        assert_eq!(
            (status, e["error"]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field)),
            "{e}"
        );
    }
    let (status, _) = post(
        s,
        &t.token,
        "/api/v1/coach",
        json!({"text": "Hi", "language": "auto", "customer_language": "en-GB"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}
http_test!(coach, coach_flags_scripts_and_resolves_promises);

async fn pages_call_the_api_with_their_session(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = login
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    b.post(s.url("/login"))
        .form(&[
            ("email", t.owner.email.as_str()),
            ("password", TEST_PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    let home = b.get(s.url("/")).send().await.unwrap().text().await.unwrap();
    let page_token = home
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // Reads need only the session.
    let me: Value = b.get(s.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["user"]["email"], t.owner.email);
    // Writes need the page's token, from the same origin.
    let r = b
        .post(s.url("/api/v1/coach"))
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post(s.url("/api/v1/coach"))
        .header("x-csrf-token", &page_token)
        .header("origin", "https://evil.example")
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post(s.url("/api/v1/coach"))
        .header("x-csrf-token", &page_token)
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
http_test!(session_api, pages_call_the_api_with_their_session);

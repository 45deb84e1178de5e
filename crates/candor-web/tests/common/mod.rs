//! What the conversation tests share: an API client, opening a
//! conversation, reading event streams, and a browser with cookies.
#![allow(dead_code)]

use candor_web::testing::TestServer;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

pub struct Api<'a> {
    pub s: &'a TestServer,
    pub token: String,
    pub http: Client,
}

impl<'a> Api<'a> {
    pub fn new(s: &'a TestServer, token: &str) -> Self {
        Self {
            s,
            token: token.to_string(),
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.s.url(path)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }
}

pub fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or("")
}

pub async fn open(api: &Api<'_>, email: &str, body: &str) -> Value {
    let (st, c) = api
        .post(
            "/api/v1/conversations",
            json!({"customer": {"kind": "email", "value": email, "name": "Jane Doe"}, "subject": "Order arrived broken",
                   "body": body, "channel": "api", "priority": "normal", "tags": []}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    c
}

/// Reads server-sent events until one of `kind` arrives, or fails after `secs`.
pub async fn next_event(resp: &mut reqwest::Response, buf: &mut String, kind: &str, secs: u64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let ev = block
                .lines()
                .find_map(|l| l.strip_prefix("event:"))
                .map(str::trim)
                .unwrap_or("");
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(str::trim)
                .unwrap_or("null");
            if ev == kind {
                return serde_json::from_str(data).unwrap();
            }
        }
        let chunk = tokio::time::timeout_at(deadline, resp.chunk()).await;
        match chunk {
            Ok(Ok(Some(bytes))) => buf.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("no {kind} event in time: {other:?} (have {buf:?})"),
        }
    }
}

pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap().to_string()
}

//! The customer API through a real socket, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::staff::{Role, Scope};
use candor_web::http_test;
use candor_web::testing::TestServer;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

struct Api<'a> {
    s: &'a TestServer,
    token: String,
    http: Client,
}

impl<'a> Api<'a> {
    fn new(s: &'a TestServer, token: &str) -> Self {
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            s,
            token: token.to_string(),
            http,
        }
    }
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut req = self.http.request(method, self.s.url(path)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::GET, path, None).await;
        (s, v)
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::POST, path, Some(body)).await;
        (s, v)
    }
    async fn raw_post(&self, path: &str, body: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.s.url(path))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

fn jane() -> Value {
    json!({"name": "Jane Doe", "identities": [{"kind": "email", "value": "Jane@Example.com"}, {"kind": "phone", "value": "+49 30 1234567"}], "tags": ["vip"], "attributes": {"plan": "pro"}})
}

async fn count(api: &Api<'_>) -> usize {
    api.get("/api/v1/customers?limit=200").await.1["items"]
        .as_array()
        .unwrap()
        .len()
}

mod isolation;
mod merge;
mod purchases;
mod records;
mod segments;

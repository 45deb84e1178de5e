//! The community through a real socket, on SQLite and PostgreSQL: the API,
//! the public pages, sign-in by link, notifications, spam defences,
//! moderation, search, feeds and isolation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod bridge;
mod pages;
mod public;

use candor_web::testing::{Tenant, TestServer};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

/// An API client with a bearer token.
pub struct Api<'a> {
    pub s: &'a TestServer,
    pub token: String,
    pub http: Client,
}

impl<'a> Api<'a> {
    pub fn new(s: &'a TestServer, token: &str) -> Self {
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
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.s.url(path));
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
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

/// A browser-like client: cookies kept, redirects not followed.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The form token on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| panic!("no form token in {html}"));
    html[start..].split('"').next().unwrap().to_string()
}

/// Posts a topic through the API for a customer named by email; returns it.
pub async fn api_topic(api: &Api<'_>, email: &str, kind: &str, title: &str, body: &str) -> Value {
    let (status, v) = api
        .post(
            "/api/v1/community/topics",
            json!({"customer": {"kind": "email", "value": email, "name": "Jane Doe"}, "kind": kind,
                   "title": title, "body": body, "mood": "frustrated", "tags": ["brakes"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

/// Signs a customer in through the link flow; returns their browser and the link used.
pub async fn sign_in(s: &TestServer, t: &Tenant, email: &str, name: &str) -> (Client, String) {
    let b = browser();
    let base = format!("/w/{}/community", t.workspace.slug);
    let page = b
        .get(s.url(&format!("{base}/signin")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let resp = b
        .post(s.url(&format!("{base}/signin")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("name", name),
            ("next", ""),
            ("website", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("link-sent"), "{html}");
    assert!(
        !html.contains("/signin/cl_"),
        "the link is never shown without --dev-show-links"
    );
    let link = latest_link(s, t, email).await;
    use_link(s, &b, &link).await;
    (b, link)
}

/// The newest sign-in link mailed to `email` (read from the queued job).
pub async fn latest_link(s: &TestServer, t: &Tenant, email: &str) -> String {
    let jobs = s.app.db.queued_emails(t.workspace.id).await.unwrap();
    let job = jobs
        .iter()
        .rev()
        .find(|j| j["to"] == email.to_lowercase().as_str() && j["purpose"] == "community.sign_in")
        .unwrap_or_else(|| panic!("no sign-in email to {email}"));
    let text = job["text"].as_str().unwrap();
    let start = text.find(&s.base).unwrap();
    text[start..].split_whitespace().next().unwrap().to_string()
}

/// Opens a link and presses its button; asserts it signed in.
pub async fn use_link(s: &TestServer, b: &Client, link: &str) {
    let resp = try_link(s, b, link).await;
    assert_eq!(resp, StatusCode::SEE_OTHER);
}

/// Opens a link and presses its button; returns the status of the press.
pub async fn try_link(_s: &TestServer, b: &Client, link: &str) -> StatusCode {
    let page = b.get(link).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    b.post(link)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .status()
}

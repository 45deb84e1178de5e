//! The conversations API, attachments, the live stream and the inbox pages
//! through a real socket, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::staff::{Role, Scope};
use candor_web::http_test;
use candor_web::testing::{TEST_PASSWORD, TestServer};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

struct Api<'a> {
    s: &'a TestServer,
    token: String,
    http: Client,
}

impl<'a> Api<'a> {
    fn new(s: &'a TestServer, token: &str) -> Self {
        Self {
            s,
            token: token.to_string(),
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.s.url(path)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }
}

fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or("")
}

async fn open(api: &Api<'_>, email: &str, body: &str) -> Value {
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

async fn api_contract(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let c = open(
        &api,
        "jane@example.com",
        "The box was crushed and the lamp inside is broken. Very disappointed.",
    )
    .await;
    for key in [
        "id",
        "customer_id",
        "subject",
        "status",
        "priority",
        "channel",
        "language",
        "assignee_id",
        "team_id",
        "tags",
        "created_at",
        "messages",
    ] {
        assert!(c.get(key).is_some(), "missing {key} in {c}");
    }
    assert_eq!(
        (c["status"].as_str(), c["channel"].as_str(), c["language"].as_str()),
        (Some("open"), Some("api"), Some("en"))
    );
    let m = &c["messages"][0];
    assert_eq!(m["kind"], "inbound");
    assert_eq!(m["author"]["type"], "customer");
    assert_eq!(m["author"]["name"], "Jane Doe");
    assert!(m["sentiment"].as_f64().unwrap() < 0.0, "{m}");
    assert_eq!(m["delivery"], Value::Null);
    for key in [
        "id",
        "kind",
        "body",
        "author",
        "at",
        "language",
        "sentiment",
        "delivery",
    ] {
        assert!(m.get(key).is_some(), "missing {key} in {m}");
    }
    let id = c["id"].as_str().unwrap().to_string();
    // The customer was created and the conversation is on their timeline.
    let (_, found) = api.get("/api/v1/customers?identity=email:jane@example.com").await;
    assert_eq!(found["items"][0]["id"], c["customer_id"]);
    let (_, tl) = api
        .get(&format!(
            "/api/v1/customers/{}/timeline",
            c["customer_id"].as_str().unwrap()
        ))
        .await;
    let kinds: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"conversation.created") && kinds.contains(&"message.received"),
        "{kinds:?}"
    );

    // Replies are signed with the agent's name; notes are notes; the API channel sends nothing.
    let (st, reply) = api
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "outbound", "body": "I'm sorry, a new lamp goes out today."}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{reply}");
    assert_eq!(
        (reply["author"]["type"].as_str(), reply["author"]["name"].as_str()),
        (Some("staff"), Some("Olivia Owner"))
    );
    assert_eq!(reply["delivery"], Value::Null);
    let (st, note) = api
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "note", "body": "Courier damage again."}),
        )
        .await;
    assert_eq!((st, note["kind"].as_str()), (StatusCode::CREATED, Some("note")));
    let (st, inbound) = api
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "inbound", "body": "Thanks!"}),
        )
        .await;
    assert_eq!(
        (st, inbound["author"]["type"].as_str()),
        (StatusCode::CREATED, Some("customer"))
    );
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    let kinds: Vec<&str> = full["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["inbound", "outbound", "note", "inbound"]);

    // Bad input: 4xx naming the field, nothing stored.
    let bad = [
        (json!({"kind": "shout", "body": "x"}), "kind"),
        (json!({"kind": "note", "body": "   "}), "body"),
    ];
    for (body, f) in bad {
        let (st, e) = api.post(&format!("/api/v1/conversations/{id}/messages"), body).await;
        assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, f), "{e}");
    }
    for (body, f) in [
        (json!({"status": "archived"}), "status"),
        (json!({"status": "solved", "priority": "asap"}), "priority"),
        (json!({"status": "solved", "assignee_id": "nobody"}), "assignee_id"),
        (
            json!({"status": "solved", "team_id": "00000000-0000-7000-8000-000000000000"}),
            "team_id",
        ),
        (json!({"status": "solved", "tags": ["a,b"]}), "tags[0]"),
    ] {
        let (st, e) = api.patch(&format!("/api/v1/conversations/{id}"), body).await;
        assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, f), "{e}");
    }
    let (_, still) = api.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        (still["status"].as_str(), still["messages"].as_array().unwrap().len()),
        (Some("open"), 4)
    );
    for (body, f) in [
        (
            json!({"customer": {"kind": "email", "value": "not an address"}, "body": "x"}),
            "customer.value",
        ),
        (
            json!({"customer": {"kind": "fax", "value": "1"}, "body": "x"}),
            "customer.kind",
        ),
        (json!({"customer_id": "nope", "body": "x"}), "customer_id"),
        (json!({"body": "x"}), "customer"),
        (
            json!({"customer": {"kind": "email", "value": "a@b.example"}, "body": "x", "channel": "fax"}),
            "channel",
        ),
        (
            json!({"customer": {"kind": "email", "value": "a@b.example"}, "body": "x", "priority": "asap"}),
            "priority",
        ),
        (
            json!({"customer": {"kind": "email", "value": "a@b.example"}, "body": ""}),
            "body",
        ),
    ] {
        let (st, e) = api.post("/api/v1/conversations", body).await;
        assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, f), "{e}");
    }
    let (_, none) = api.get("/api/v1/customers?identity=email:a@b.example").await;
    assert_eq!(none["items"], json!([]));

    // Changes.
    let (_, agents) = api.get("/api/v1/agents").await;
    let me = agents["items"][0]["id"].as_str().unwrap().to_string();
    let (st, changed) = api
        .patch(
            &format!("/api/v1/conversations/{id}"),
            json!({"status": "pending", "priority": "high", "assignee_id": me, "tags": ["Refund", "courier"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["status"].as_str(), changed["priority"].as_str()),
        (Some("pending"), Some("high"))
    );
    assert_eq!(
        (changed["assignee_id"].as_str(), changed["tags"].clone()),
        (Some(me.as_str()), json!(["refund", "courier"]))
    );
    let (_, unassigned) = api
        .patch(&format!("/api/v1/conversations/{id}"), json!({"assignee_id": null}))
        .await;
    assert_eq!(unassigned["assignee_id"], Value::Null);
    assert_eq!(unassigned["priority"], "high");

    // An email conversation queues its replies for the email adapter.
    let (_, mail) = api
        .post(
            "/api/v1/conversations",
            json!({"customer_id": c["customer_id"], "body": "Second question", "channel": "email"}),
        )
        .await;
    let mid = mail["id"].as_str().unwrap();
    let (_, r) = api
        .post(
            &format!("/api/v1/conversations/{mid}/messages"),
            json!({"kind": "outbound", "body": "Answer"}),
        )
        .await;
    assert_eq!(r["delivery"], "queued");

    // Lists: filters and cursor pages.
    for i in 0..3 {
        s.clock.advance(jiff::SignedDuration::from_secs(1));
        open(&api, &format!("p{i}@example.com"), "Where is my parcel?").await;
    }
    let (_, all) = api.get("/api/v1/conversations?limit=2").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert_eq!(all["items"][0]["customer_name"], "Jane Doe");
    let cursor = all["next_cursor"].as_str().unwrap().to_string();
    let (_, rest) = api.get(&format!("/api/v1/conversations?limit=2&cursor={cursor}")).await;
    let (_, rest2) = api
        .get(&format!(
            "/api/v1/conversations?limit=2&cursor={}",
            rest["next_cursor"].as_str().unwrap()
        ))
        .await;
    assert_eq!(rest2["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest2["next_cursor"], Value::Null);
    let (_, pending) = api.get("/api/v1/conversations?status=pending").await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    let (_, email) = api.get("/api/v1/conversations?channel=email").await;
    assert_eq!(email["items"][0]["id"], mid);
    let (_, tagged) = api.get("/api/v1/conversations?tag=refund").await;
    assert_eq!(tagged["items"][0]["id"], id.as_str());
    let (_, unassigned) = api.get("/api/v1/conversations?assignee=none&status=open").await;
    assert_eq!(unassigned["items"].as_array().unwrap().len(), 4);
    for (q, f) in [
        ("status=archived", "status"),
        ("channel=fax", "channel"),
        ("assignee=x", "assignee"),
        ("cursor=zzz", "cursor"),
        ("limit=500", "limit"),
    ] {
        let (st, e) = api.get(&format!("/api/v1/conversations?{q}")).await;
        assert_eq!((st, field(&e)), (StatusCode::BAD_REQUEST, f), "{q}: {e}");
    }
}
http_test!(api_contract_on, api_contract);

async fn isolation_and_roles(s: &TestServer) {
    let acme = s.tenant("Acme Inc").await;
    let other = s.tenant("Other Co").await;
    let api = Api::new(s, &acme.token);
    let c = open(&api, "jane@example.com", "Hello there").await;
    let id = c["id"].as_str().unwrap();
    let (up, _) = api
        .http
        .post(s.url(&format!("/api/v1/conversations/{id}/attachments?filename=a.txt")))
        .bearer_auth(&acme.token)
        .body("hello")
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(up, StatusCode::CREATED);
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    let att = full["attachments"][0]["id"].as_str().unwrap().to_string();
    // Another workspace's token: every route answers 404.
    let them = Api::new(s, &other.token);
    assert_eq!(
        them.get(&format!("/api/v1/conversations/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        them.patch(&format!("/api/v1/conversations/{id}"), json!({"status": "solved"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        them.post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "note", "body": "x"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        them.post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "inbound", "body": "x"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        them.post(&format!("/api/v1/conversations/{id}/typing"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        them.get(&format!("/api/v1/attachments/{att}")).await.0,
        StatusCode::NOT_FOUND
    );
    let r = them
        .http
        .post(s.url(&format!("/api/v1/conversations/{id}/attachments?filename=x.txt")))
        .bearer_auth(&other.token)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, list) = them.get("/api/v1/conversations").await;
    assert_eq!(list["items"], json!([]));
    let (st, e) = them
        .post(
            "/api/v1/conversations",
            json!({"customer_id": c["customer_id"], "body": "x"}),
        )
        .await;
    assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "customer_id"));
    let (_, mine) = api.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        (mine["status"].as_str(), mine["messages"].as_array().unwrap().len()),
        (Some("open"), 1)
    );

    // A viewer reads but cannot write.
    let (_, viewer) = s.staff(&acme.workspace, "Vera Viewer", Role::Viewer, &[]).await;
    let v = Api::new(s, &viewer);
    assert_eq!(v.get(&format!("/api/v1/conversations/{id}")).await.0, StatusCode::OK);
    assert_eq!(v.get("/api/v1/conversations").await.0, StatusCode::OK);
    assert_eq!(
        v.post(
            "/api/v1/conversations",
            json!({"customer_id": c["customer_id"], "body": "x"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        v.post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "note", "body": "x"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        v.patch(&format!("/api/v1/conversations/{id}"), json!({"status": "solved"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        v.post("/api/v1/teams", json!({"name": "X"})).await.0,
        StatusCode::FORBIDDEN
    );
    // An agent's read-only token cannot write either.
    let (_, ro) = s
        .staff(&acme.workspace, "Rita Reader", Role::Agent, &[Scope::Read])
        .await;
    assert_eq!(
        Api::new(s, &ro)
            .patch(&format!("/api/v1/conversations/{id}"), json!({"status": "solved"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, after) = api.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        (after["status"].as_str(), after["messages"].as_array().unwrap().len()),
        (Some("open"), 1)
    );
    assert_eq!(
        Api::new(s, "cnd_wrong").get("/api/v1/conversations").await.0,
        StatusCode::UNAUTHORIZED
    );
}
http_test!(isolation_and_roles_on, isolation_and_roles);

async fn attachments(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let c = open(&api, "jane@example.com", "See the photo").await;
    let id = c["id"].as_str().unwrap();
    let url = s.url(&format!("/api/v1/conversations/{id}/attachments"));
    // Raw body with a file name that tries to escape.
    let r = api
        .http
        .post(format!("{url}?filename=..%2F..%2Fevil%22.html"))
        .bearer_auth(&t.token)
        .body("<html><script>alert(1)</script></html>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: Value = r.json().await.unwrap();
    assert_eq!(
        (a["filename"].as_str(), a["content_type"].as_str()),
        (Some("evil_.html"), Some("text/plain"))
    );
    let got = api
        .http
        .get(s.url(a["url"].as_str().unwrap()))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let h = got.headers().clone();
    assert_eq!(h["content-type"], "text/plain");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"evil_.html\"")
    );
    assert_eq!(got.text().await.unwrap(), "<html><script>alert(1)</script></html>");
    // Multipart, sniffed from the bytes.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(png).file_name("photo.png"));
    let r = api
        .http
        .post(&url)
        .bearer_auth(&t.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["content_type"], "image/png");
    // Larger than the limit (1 MiB in tests): 413 JSON, nothing stored.
    let big = vec![b'x'; 1024 * 1024 + 1];
    let r = api
        .http
        .post(format!("{url}?filename=big.txt"))
        .bearer_auth(&t.token)
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "too_large");
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(big).file_name("big.txt"));
    let r = api
        .http
        .post(&url)
        .bearer_auth(&t.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = api
        .http
        .post(&url)
        .bearer_auth(&t.token)
        .body("no name")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(full["attachments"].as_array().unwrap().len(), 2);
}
http_test!(attachments_on, attachments);

/// Reads server-sent events until one of `kind` arrives, or fails after `secs`.
async fn next_event(resp: &mut reqwest::Response, buf: &mut String, kind: &str, secs: u64) -> Value {
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

async fn live_stream(s: &TestServer) {
    let acme = s.tenant("Acme Inc").await;
    let other = s.tenant("Other Co").await;
    let api = Api::new(s, &acme.token);
    let c = open(&api, "jane@example.com", "Hello").await;
    let id = c["id"].as_str().unwrap();
    let mut theirs = api
        .http
        .get(s.url("/api/v1/stream"))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    let mut resp = api
        .http
        .get(s.url("/api/v1/stream"))
        .bearer_auth(&acme.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let (mut buf, mut their_buf) = (String::new(), String::new());
    next_event(&mut resp, &mut buf, "ready", 5).await;
    next_event(&mut theirs, &mut their_buf, "ready", 5).await;
    api.post(
        &format!("/api/v1/conversations/{id}/messages"),
        json!({"kind": "inbound", "body": "Any news?"}),
    )
    .await;
    let e = next_event(&mut resp, &mut buf, "message.created", 5).await;
    assert_eq!(e["conversation_id"], id);
    api.post(&format!("/api/v1/conversations/{id}/typing"), json!({})).await;
    let e = next_event(&mut resp, &mut buf, "typing", 5).await;
    assert_eq!(e["name"], "Olivia Owner");
    // The other workspace heard nothing of it (only keep-alives, if anything).
    let quiet = tokio::time::timeout(Duration::from_millis(300), theirs.chunk()).await;
    assert!(
        !matches!(quiet, Ok(Ok(Some(ref b))) if String::from_utf8_lossy(b).contains("event:")),
        "{quiet:?}"
    );
    // Without credentials: 401.
    assert_eq!(
        api.http.get(s.url("/api/v1/stream")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    drop(resp);
    drop(theirs);
}
http_test!(live_stream_on, live_stream);

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn inbox_pages(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let c = open(&api, "jane@example.com", "Line one <b>not bold</b>\nLine two").await;
    let id = c["id"].as_str().unwrap();
    let b = browser();
    let page = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"/inbox\""), "after sign-in the inbox opens");
    let csrf = csrf_of(&page);
    let r = b
        .post(s.url("/login"))
        .form(&[
            ("email", t.owner.email.as_str()),
            ("password", TEST_PASSWORD),
            ("csrf", &csrf),
            ("next", "/inbox"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/inbox");
    let list = b
        .get(s.url("/inbox?view=unassigned"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("id=\"conv-{id}\"")), "{list}");
    assert!(list.contains("id=\"nav-inbox\""));
    let filtered = b
        .get(s.url("/inbox?view=open&channel=email"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!filtered.contains(&format!("id=\"conv-{id}\"")));
    let conv = b
        .get(s.url(&format!("/inbox/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        conv.contains("Line one &#60;b&#62;not bold&#60;/b&#62;")
            || conv.contains("Line one &lt;b&gt;not bold&lt;/b&gt;"),
        "escaped"
    );
    for el in [
        "id=\"composer\"",
        "id=\"composer-body\"",
        "id=\"kind-note\"",
        "id=\"control-status\"",
        "id=\"customer-panel\"",
        "id=\"typing-indicator\"",
        "id=\"shortcuts-help\"",
        "id=\"coach-findings\"",
    ] {
        assert!(conv.contains(el), "missing {el}");
    }
    let csrf = csrf_of(&conv);
    let r = b
        .post(s.url(&format!("/inbox/{id}/messages")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "outbound"),
            ("body", "We are on it."),
            ("then", "pending"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .post(s.url(&format!("/inbox/{id}/update")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("priority", "urgent"),
            ("tags", "vip, courier"),
            ("assignee_id", ""),
            ("team_id", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        (full["status"].as_str(), full["priority"].as_str()),
        (Some("pending"), Some("urgent"))
    );
    assert_eq!(full["tags"], json!(["vip", "courier"]));
    assert_eq!(full["messages"][1]["author"]["name"], "Olivia Owner");
    // A forged form is refused; a bad status comes back as a message on the page.
    let r = b
        .post(s.url(&format!("/inbox/{id}/messages")))
        .form(&[("csrf", "guess"), ("body", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post(s.url(&format!("/inbox/{id}/update")))
        .form(&[("csrf", csrf.as_str()), ("status", "archived")])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"].to_str().unwrap().contains("error="));
    // The session may call the API: typing needs the form token.
    let r = b
        .post(s.url(&format!("/api/v1/conversations/{id}/typing")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post(s.url(&format!("/api/v1/conversations/{id}/typing")))
        .header("x-csrf-token", &csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Routing settings.
    let routing = b
        .get(s.url("/settings/routing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = b
        .post(s.url("/settings/routing/teams"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Repairs"),
            ("assign_mode", "least-loaded"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{routing}");
    let (_, teams) = api.get("/api/v1/teams").await;
    assert_eq!(teams["items"][0]["name"], "Repairs");
    // Another workspace's conversation is simply not there.
    let other = s.tenant("Other Co").await;
    let theirs = open(&Api::new(s, &other.token), "x@example.com", "Hi").await;
    let r = b
        .get(s.url(&format!("/inbox/{}", theirs["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
http_test!(inbox_pages_on, inbox_pages);

async fn routing_api(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let (annika, _) = s.staff(&t.workspace, "Annika Vogel", Role::Agent, &[]).await;
    let (st, a) = api
        .patch(
            &format!("/api/v1/agents/{}", annika.id),
            json!({"languages": ["DE", "en"], "status": "available"}),
        )
        .await;
    assert_eq!(
        (st, a["languages"].clone()),
        (StatusCode::OK, json!(["de", "en"])),
        "{a}"
    );
    let (st, e) = api
        .patch(&format!("/api/v1/agents/{}", annika.id), json!({"status": "asleep"}))
        .await;
    assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "status"));
    let (st, e) = api
        .patch(
            &format!("/api/v1/agents/{}", annika.id),
            json!({"languages": ["german"]}),
        )
        .await;
    assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "languages[0]"));
    let (st, team) = api
        .post(
            "/api/v1/teams",
            json!({"name": "Repairs", "assign_mode": "least-loaded", "members": [annika.id]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{team}");
    let (st, e) = api.post("/api/v1/teams", json!({"name": "repairs"})).await;
    assert_eq!((st, field(&e)), (StatusCode::CONFLICT, "name"));
    let (st, e) = api
        .post("/api/v1/teams", json!({"name": "X", "assign_mode": "random"}))
        .await;
    assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "assign_mode"));
    let tid = team["id"].as_str().unwrap();
    let (st, rules) = api
        .call(
            Method::PUT,
            "/api/v1/routing-rules",
            Some(json!({"rules": [{"language": "de", "team_id": tid}]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{rules}");
    let (st, e) = api
        .post("/api/v1/routing-rules", json!({"channel": "fax", "team_id": tid}))
        .await;
    assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "channel"), "{e}");
    let (st, e) = api
        .call(
            Method::PUT,
            "/api/v1/routing-rules",
            Some(json!({"rules": [{"team_id": "00000000-0000-7000-8000-000000000000"}]})),
        )
        .await;
    assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "rules[0].team_id"));
    let (_, kept) = api.get("/api/v1/routing-rules").await;
    assert_eq!(kept["items"].as_array().unwrap().len(), 1);
    // A German message goes to Repairs and to Annika.
    let c = open(
        &api,
        "kunde@example.de",
        "Hallo, mein Fahrrad ist kaputt und die Bremse funktioniert nicht mehr. Bitte helfen Sie mir.",
    )
    .await;
    assert_eq!(
        (c["team_id"].as_str(), c["assignee_id"].as_str()),
        (Some(tid), Some(annika.id.to_string().as_str()))
    );
    let rule_id = rules["items"][0]["id"].as_str().unwrap();
    let (st, left) = api
        .call(Method::DELETE, &format!("/api/v1/routing-rules/{rule_id}"), None)
        .await;
    assert_eq!((st, left["items"].clone()), (StatusCode::OK, json!([])));
}
http_test!(routing_api_on, routing_api);

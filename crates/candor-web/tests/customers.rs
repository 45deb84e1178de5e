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

async fn create_get_lookup_and_bad_input(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let (st, c) = api.post("/api/v1/customers", jane()).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    for key in [
        "id",
        "name",
        "identities",
        "tags",
        "attributes",
        "organization_id",
        "created_at",
        "lifetime_value",
        "tier",
        "stage",
    ] {
        assert!(c.get(key).is_some(), "missing {key} in {c}");
    }
    assert_eq!(
        c["identities"][0],
        json!({"kind": "email", "value": "jane@example.com", "verified": false})
    );
    assert_eq!(c["identities"][1]["value"], "+49301234567");
    assert_eq!(c["lifetime_value"], json!({"amount": "0.00", "currency": "EUR"}));
    assert_eq!((c["stage"].as_str(), c["tier"].clone()), (Some("lead"), Value::Null));
    let id = c["id"].as_str().unwrap().to_string();
    let (st, got) = api.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!((st, got["name"].as_str()), (StatusCode::OK, Some("Jane Doe")));
    for q in ["email:JANE@example.com", "phone:%2B4930%201234567"] {
        let (st, list) = api.get(&format!("/api/v1/customers?identity={q}")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(list["items"][0]["id"], id.as_str(), "{q}");
    }
    let (_, none) = api.get("/api/v1/customers?identity=email:nobody@example.com").await;
    assert_eq!(none, json!({"items": [], "next_cursor": null}));
    let (st, e) = api.get("/api/v1/customers?identity=fax:123").await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("identity"))
    );

    // Bad input answers 4xx naming the field, and stores nothing.
    let bad: Vec<(Value, &str, StatusCode)> = vec![
        (
            json!({"identities": [{"kind": "email", "value": "not-an-email"}]}),
            "identities[0].value",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"identities": [{"kind": "fax", "value": "1"}]}),
            "identities[0].kind",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"identities": [{"kind": "phone", "value": "12"}]}),
            "identities[0].value",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"tags": ["ok", ""]}), "tags[1]", StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"attributes": {"9bad": "x"}}),
            "attributes.9bad",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"preferences": {"time_zone": "Mars/Base"}}),
            "preferences.time_zone",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"consent": {"marketing": {"given": "yes"}}}),
            "consent.marketing",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"name": 5}), "name", StatusCode::BAD_REQUEST),
        (
            json!({"identities": [{"kind": "email", "value": "jane@example.com"}]}),
            "identities[0].value",
            StatusCode::CONFLICT,
        ),
        (
            json!({"organization_id": "nope"}),
            "organization_id",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, field, status) in bad {
        let (st, e) = api.post("/api/v1/customers", body.clone()).await;
        assert_eq!(st, status, "{body} → {e}");
        assert_eq!(e["error"]["field"].as_str(), Some(field), "{body} → {e}");
    }
    let (st, e) = api.raw_post("/api/v1/customers", "{not json").await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_json")),
        "{e}"
    );
    assert_eq!(count(&api).await, 1, "nothing was stored by bad requests");

    // PATCH, identities and notes.
    let (st, org) = api
        .post(
            "/api/v1/organizations",
            json!({"name": "Acme GmbH", "domain": "acme.example"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{org}");
    let (st, e) = api.post("/api/v1/organizations", json!({"name": "acme gmbh"})).await;
    assert_eq!((st, e["error"]["field"].as_str()), (StatusCode::CONFLICT, Some("name")));
    let (st, a) = api
        .post("/api/v1/attributes", json!({"name": "seats", "type": "number"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    let (st, e) = api
        .post("/api/v1/attributes", json!({"name": "tier2", "type": "colour"}))
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("type"))
    );
    let patch = json!({"name": "Jane Q. Doe", "organization_id": org["id"], "attributes": {"seats": "12"},
        "preferences": {"language": "de", "channel": "email", "time_zone": "Europe/Berlin", "quiet_hours": {"start": "22:00", "end": "07:00"}, "do_not_contact": ["phone"]},
        "consent": {"marketing": {"given": true, "how": "signup form"}}});
    let (st, c2, _) = api
        .call(Method::PATCH, &format!("/api/v1/customers/{id}"), Some(patch))
        .await;
    assert_eq!(st, StatusCode::OK, "{c2}");
    assert_eq!(c2["attributes"], json!({"plan": "pro", "seats": 12.0}));
    assert_eq!(c2["organization_id"], org["id"]);
    assert_eq!(c2["consent"]["marketing"]["given"], true);
    let (st, e, _) = api
        .call(
            Method::PATCH,
            &format!("/api/v1/customers/{id}"),
            Some(json!({"attributes": {"seats": "many"}})),
        )
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("attributes.seats"))
    );
    let (st, c3) = api
        .post(
            &format!("/api/v1/customers/{id}/identities"),
            json!({"kind": "social", "value": "twitter:@JaneD"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c3}");
    assert!(
        c3["identities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["value"] == "twitter:janed")
    );
    let (st, _, _) = api
        .call(
            Method::DELETE,
            &format!("/api/v1/customers/{id}/identities/social:twitter:janed"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, note) = api
        .post(
            &format!("/api/v1/customers/{id}/notes"),
            json!({"body": "Prefers calls after 5"}),
        )
        .await;
    assert_eq!(
        (st, note["body"].as_str()),
        (StatusCode::CREATED, Some("Prefers calls after 5"))
    );
    let (st, e) = api
        .post(&format!("/api/v1/customers/{id}/notes"), json!({"body": "  "}))
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
    );
    let (_, found) = api
        .get("/api/v1/customers?q=org:acme%20lang:de%20consent:marketing%20dnc:true%20attr.seats>10")
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
}
http_test!(create_and_lookup, create_get_lookup_and_bad_input);

async fn purchases_value_and_timeline(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let p = json!({"customer": {"kind": "email", "value": "buyer@example.com", "name": "Bea Buyer"}, "product": "sku-123",
        "product_name": "Saddle", "amount": "19.99", "currency": "EUR", "at": "2026-03-01T10:00:00Z", "external_id": "order-991", "status": "paid"});
    let (st, first) = api.post("/api/v1/purchases", p.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{first}");
    let (st, again) = api.post("/api/v1/purchases", p.clone()).await;
    assert_eq!((st, again.clone()), (StatusCode::OK, first.clone()));
    let cid = first["customer_id"].as_str().unwrap().to_string();
    let (_, c) = api.get(&format!("/api/v1/customers/{cid}")).await;
    assert_eq!(c["name"], "Bea Buyer");
    assert_eq!(c["lifetime_value"], json!({"amount": "19.99", "currency": "EUR"}));
    assert_eq!(c["stage"], "customer");
    // Bad purchases name the field and store nothing.
    let bad = [
        (json!({"product": "x", "amount": "1", "currency": "EUR"}), "customer"),
        (
            json!({"customer_id": "nope", "product": "x", "amount": "1", "currency": "EUR"}),
            "customer_id",
        ),
        (
            json!({"customer_id": cid, "product": "x", "amount": "1.999", "currency": "EUR"}),
            "amount",
        ),
        (
            json!({"customer_id": cid, "product": "x", "amount": "1", "currency": "XXX"}),
            "currency",
        ),
        (
            json!({"customer_id": cid, "product": "", "amount": "1", "currency": "EUR"}),
            "product",
        ),
        (
            json!({"customer_id": cid, "product": "x", "amount": "1", "currency": "EUR", "status": "lost"}),
            "status",
        ),
        (
            json!({"customer_id": cid, "product": "x", "amount": "1", "currency": "EUR", "at": "yesterday"}),
            "at",
        ),
        (
            json!({"customer": {"kind": "email", "value": "x"}, "product": "x", "amount": "1", "currency": "EUR"}),
            "customer.value",
        ),
    ];
    for (body, field) in bad {
        let (st, e) = api.post("/api/v1/purchases", body.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {e}");
        assert_eq!(e["error"]["field"].as_str(), Some(field), "{body} → {e}");
    }
    // A batch is all or nothing.
    let item = |ext: &str, amount: &str| json!({"customer_id": cid, "product": "tube", "amount": amount, "currency": "EUR", "at": "2026-02-01", "external_id": ext});
    let (st, e) = api
        .post(
            "/api/v1/purchases/batch",
            json!({"items": [item("b-1", "5"), item("b-2", "oops")]}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("items[1].amount"))
    );
    let (_, list) = api.get(&format!("/api/v1/customers/{cid}/purchases")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (st, b) = api
        .post(
            "/api/v1/purchases/batch",
            json!({"items": [item("b-1", "5"), item("b-2", "6"), item("order-991", "19.99")]}),
        )
        .await;
    assert_eq!((st, b["created"].as_u64()), (StatusCode::CREATED, Some(2)), "{b}");
    let (_, c) = api.get(&format!("/api/v1/customers/{cid}")).await;
    assert_eq!(c["lifetime_value"]["amount"], "30.99");
    assert_eq!(c["tier"], Value::Null, "tiers wait for the job");
    let worker = {
        let mut w = candor_app::worker::Worker::new(s.app.clone());
        candor_app::value::register_jobs(&mut w);
        w
    };
    worker.drain().await.unwrap();
    let (_, c) = api.get(&format!("/api/v1/customers/{cid}")).await;
    assert_eq!(c["tier"], "A");
    let (_, a) = api.get("/api/v1/customers?q=tier:A%20ltv>30").await;
    assert_eq!(a["items"].as_array().unwrap().len(), 1);
    // Timeline: newest first, paginated, with purchases and the creation.
    let (st, tl) = api.get(&format!("/api/v1/customers/{cid}/timeline?limit=2")).await;
    assert_eq!(st, StatusCode::OK, "{tl}");
    let items = tl["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for key in ["id", "at", "kind", "summary", "subject", "data"] {
        assert!(items[0].get(key).is_some(), "{key}");
    }
    assert!(items[0]["id"].as_str() > items[1]["id"].as_str());
    let mut all: Vec<Value> = items.clone();
    let mut cursor = tl["next_cursor"].as_str().map(str::to_string);
    while let Some(c) = cursor {
        let (_, page) = api
            .get(&format!("/api/v1/customers/{cid}/timeline?limit=2&cursor={c}"))
            .await;
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        cursor = page["next_cursor"].as_str().map(str::to_string);
    }
    let kinds: Vec<&str> = all.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "purchase.recorded").count(),
        3,
        "{kinds:?}"
    );
    // The customer was created in the same instant as the first purchase.
    assert!(kinds[kinds.len() - 2..].contains(&"customer.created"), "{kinds:?}");
    assert!(
        all.iter()
            .any(|e| e["summary"].as_str().unwrap().contains("Saddle for 19.99 EUR"))
    );
    let (st, e) = api.get(&format!("/api/v1/customers/{cid}/timeline?limit=500")).await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
}
http_test!(purchases, purchases_value_and_timeline);

async fn merge_redirects_and_duplicates(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let (_, a) = api.post("/api/v1/customers", json!({"name": "Jonathan Miller", "identities": [{"kind": "email", "value": "jon@acme.example"}, {"kind": "external", "value": "CRM-00123"}]})).await;
    let (_, b) = api.post("/api/v1/customers", json!({"name": "Jonathon Miller", "identities": [{"kind": "email", "value": "jm@acme.example"}, {"kind": "external", "value": "crm123"}], "tags": ["beta"]})).await;
    let (a, b) = (
        a["id"].as_str().unwrap().to_string(),
        b["id"].as_str().unwrap().to_string(),
    );
    api.post(
        "/api/v1/purchases",
        json!({"customer_id": b, "product": "bell", "amount": "9", "currency": "EUR", "external_id": "o-1"}),
    )
    .await;
    api.post(
        &format!("/api/v1/customers/{b}/notes"),
        json!({"body": "asked about bells"}),
    )
    .await;
    let (st, d) = api.get(&format!("/api/v1/customers/{a}/duplicates")).await;
    assert_eq!(st, StatusCode::OK);
    let first = &d["items"][0];
    assert_eq!(first["customer"]["id"], b.as_str());
    let reasons = first["reasons"].to_string();
    assert!(
        reasons.contains("external id") && reasons.contains("nearly the same name"),
        "{reasons}"
    );
    let (_, before) = api.get(&format!("/api/v1/customers/{b}/timeline")).await;
    let moved_events = before["items"].as_array().unwrap().len();

    let (st, e) = api
        .post(&format!("/api/v1/customers/{a}/merge"), json!({"other": a}))
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("other"))
    );
    let (st, e) = api
        .post(
            &format!("/api/v1/customers/{a}/merge"),
            json!({"other": "01a23326-8f6b-765b-ae61-1f68f9b03ab9"}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("other"))
    );
    let (st, m) = api
        .post(&format!("/api/v1/customers/{a}/merge"), json!({"other": b}))
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(m["id"], a.as_str());
    assert_eq!(m["identities"].as_array().unwrap().len(), 4);
    assert_eq!(m["tags"], json!(["beta"]));
    assert_eq!(m["lifetime_value"]["amount"], "9.00");
    // The other id redirects to the survivor.
    let (st, body, headers) = api.call(Method::GET, &format!("/api/v1/customers/{b}"), None).await;
    assert_eq!(st, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(headers["location"].to_str().unwrap(), format!("/api/v1/customers/{a}"));
    assert_eq!(body["merged_into"], a.as_str());
    let (st, _, headers) = api
        .call(Method::GET, &format!("/api/v1/customers/{b}/timeline"), None)
        .await;
    assert_eq!(st, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        headers["location"].to_str().unwrap(),
        format!("/api/v1/customers/{a}/timeline")
    );
    // Nothing was lost: the survivor's timeline holds the other's events and the merge.
    let (_, after) = api.get(&format!("/api/v1/customers/{a}/timeline?limit=200")).await;
    let items = after["items"].as_array().unwrap();
    assert_eq!(items[0]["kind"], "customer.merged");
    assert!(items.len() > moved_events + 1);
    assert_eq!(items.iter().filter(|e| e["kind"] == "purchase.recorded").count(), 1);
    assert_eq!(count(&api).await, 1);
    let (st, _) = api
        .post(&format!("/api/v1/customers/{a}/merge"), json!({"other": b}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "merging twice is refused");
}
http_test!(merge, merge_redirects_and_duplicates);

async fn segments_and_exports(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    for (n, (name, tags)) in [
        ("Ada", vec!["vip"]),
        ("=cmd|' /C calc'!A0", vec!["vip"]),
        ("Cyd", vec![]),
    ]
    .into_iter()
    .enumerate()
    {
        let (st, _) = api
            .post(
                "/api/v1/customers",
                json!({"name": name, "identities": [{"kind": "chat", "value": format!("visitor-{n}")}], "tags": tags}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
    }
    let (st, seg) = api
        .post(
            "/api/v1/segments",
            json!({"name": "VIPs", "query": "tag:vip  -stage:former"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{seg}");
    assert_eq!(
        (seg["count"].as_i64(), seg["query"].as_str()),
        (Some(2), Some("tag:vip -stage:former"))
    );
    let (st, e) = api
        .post(
            "/api/v1/segments",
            json!({"name": "Broken", "query": "tag:vip (stage:lead"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(
        (e["error"]["code"].as_str(), e["error"]["field"].as_str()),
        (Some("invalid_query"), Some("query"))
    );
    assert!(e["error"]["position"].is_u64(), "{e}");
    let (st, e) = api
        .post("/api/v1/segments", json!({"name": "VIPs", "query": "tag:vip"}))
        .await;
    assert_eq!((st, e["error"]["field"].as_str()), (StatusCode::CONFLICT, Some("name")));
    let (st, e) = api
        .post("/api/v1/segments", json!({"name": "", "query": "tag:vip"}))
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name"))
    );
    let (_, list) = api.get("/api/v1/segments").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let sid = seg["id"].as_str().unwrap();
    let (_, members) = api.get(&format!("/api/v1/segments/{sid}/customers?limit=1")).await;
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
    let (_, rest) = api
        .get(&format!(
            "/api/v1/segments/{sid}/customers?cursor={}",
            members["next_cursor"].as_str().unwrap()
        ))
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_ne!(rest["items"][0]["id"], members["items"][0]["id"]);
    let resp = api
        .http
        .get(s.url(&format!("/api/v1/segments/{sid}/export.csv")))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("'=cmd"), "formulas are neutralised: {csv}");
    assert!(!csv.contains(",=cmd"), "{csv}");
    let (st, json_export) = api.get("/api/v1/customers/export.json?q=-tag:vip").await;
    assert_eq!((st, json_export.as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
    let (st, e) = api.get("/api/v1/customers?q=%22unclosed").await;
    assert_eq!(
        (st, e["error"]["code"].as_str(), e["error"]["position"].as_u64()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"), Some(0))
    );
}
http_test!(segments, segments_and_exports);

async fn other_workspaces_and_roles(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let other = s.tenant("Other Ltd").await;
    let api = Api::new(s, &t.token);
    let (_, c) = api.post("/api/v1/customers", jane()).await;
    let id = c["id"].as_str().unwrap();
    let (_, seg) = api.post("/api/v1/segments", json!({"name": "All", "query": ""})).await;
    let sid = seg["id"].as_str().unwrap();
    let (_, other_c) = Api::new(s, &other.token)
        .post("/api/v1/customers", json!({"name": "Olga"}))
        .await;
    let oid = other_c["id"].as_str().unwrap();
    let them = Api::new(s, &other.token);
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/customers/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/customers/{id}"),
            Some(json!({"name": "X"})),
        ),
        (
            Method::POST,
            format!("/api/v1/customers/{id}/merge"),
            Some(json!({"other": oid})),
        ),
        (Method::GET, format!("/api/v1/customers/{id}/timeline"), None),
        (Method::GET, format!("/api/v1/customers/{id}/duplicates"), None),
        (Method::GET, format!("/api/v1/customers/{id}/purchases"), None),
        (
            Method::POST,
            format!("/api/v1/customers/{id}/identities"),
            Some(json!({"kind": "chat", "value": "v1"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/customers/{id}/identities/email:jane@example.com"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/customers/{id}/notes"),
            Some(json!({"body": "hi"})),
        ),
        (Method::GET, format!("/api/v1/segments/{sid}"), None),
        (Method::GET, format!("/api/v1/segments/{sid}/customers"), None),
        (Method::GET, format!("/api/v1/segments/{sid}/export.csv"), None),
    ];
    for (m, path, body) in &calls {
        let (st, e, _) = them.call(m.clone(), path, body.clone()).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{m} {path} → {e}");
        assert_eq!(e["error"]["code"], "not_found");
    }
    // Another workspace's customer is unknown to lookups, lists and purchases, too.
    let (_, l) = them.get("/api/v1/customers?identity=email:jane@example.com").await;
    assert_eq!(l["items"], json!([]));
    let (st, e) = them
        .post(
            "/api/v1/purchases",
            json!({"customer_id": id, "product": "x", "amount": "1", "currency": "EUR"}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("customer_id"))
    );
    let (_, mine) = api.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(mine["name"], "Jane Doe");
    // A viewer's token reads but cannot write.
    let (_, viewer) = s.staff(&t.workspace, "Vera Viewer", Role::Viewer, &[]).await;
    let v = Api::new(s, &viewer);
    assert_eq!(v.get(&format!("/api/v1/customers/{id}")).await.0, StatusCode::OK);
    let writes: Vec<(Method, String, Value)> = vec![
        (Method::POST, "/api/v1/customers".into(), jane()),
        (Method::PATCH, format!("/api/v1/customers/{id}"), json!({"name": "X"})),
        (
            Method::POST,
            format!("/api/v1/customers/{id}/notes"),
            json!({"body": "x"}),
        ),
        (
            Method::POST,
            format!("/api/v1/customers/{id}/identities"),
            json!({"kind": "chat", "value": "v1"}),
        ),
        (
            Method::POST,
            format!("/api/v1/customers/{id}/merge"),
            json!({"other": id}),
        ),
        (
            Method::POST,
            "/api/v1/purchases".into(),
            json!({"customer_id": id, "product": "x", "amount": "1", "currency": "EUR"}),
        ),
        (Method::POST, "/api/v1/purchases/batch".into(), json!({"items": []})),
        (
            Method::POST,
            "/api/v1/segments".into(),
            json!({"name": "s", "query": ""}),
        ),
        (Method::POST, "/api/v1/organizations".into(), json!({"name": "Org"})),
        (
            Method::POST,
            "/api/v1/attributes".into(),
            json!({"name": "a", "type": "text"}),
        ),
    ];
    for (m, path, body) in &writes {
        let (st, e, _) = v.call(m.clone(), path, Some(body.clone())).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{m} {path} → {e}");
    }
    // A read-only token of an agent is refused writes too.
    let (_, ro) = s.staff(&t.workspace, "Rita Reader", Role::Agent, &[Scope::Read]).await;
    assert_eq!(
        Api::new(s, &ro).post("/api/v1/customers", jane()).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, after) = api.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(after["name"], "Jane Doe");
    assert_eq!(count(&api).await, 1);
    // Without a token: 401.
    let resp = api.http.get(s.url("/api/v1/customers")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // The OpenAPI document lists the new endpoints.
    let doc: Value = api
        .http
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in [
        "/api/v1/customers",
        "/api/v1/customers/{id}/merge",
        "/api/v1/purchases",
        "/api/v1/segments/{id}/export.csv",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from the OpenAPI document");
    }
}
http_test!(isolation, other_workspaces_and_roles);

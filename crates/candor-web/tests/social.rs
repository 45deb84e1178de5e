//! Social listening over HTTP on SQLite and PostgreSQL: the mentions
//! webhook (bad input stores nothing, a post twice is stored once), the
//! monitoring rules (owners and admins), a negative post by a tier-A
//! customer raising an alert that the inbox shows and the live stream
//! announces, reaching out, replying, and the stream's filters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_core::staff::Role;
use candor_web::http_test;
use candor_web::testing::{TEST_PASSWORD, TestServer};
use common::{Api, browser, csrf_of, field, next_event};
use reqwest::StatusCode;
use serde_json::{Value, json};

const MENTIONS: &str = "/api/v1/channels/social/mentions";

fn post(extra: Value) -> Value {
    let mut base = json!({"platform": "twitter", "post_url": "https://x.com/greta/status/1", "author_handle": "@Greta_Rides",
        "author_name": "Greta Weber", "text": "Lovely ride today.", "posted_at": "2026-03-02T08:00:00Z"});
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

/// A customer of tier A with the social identity twitter:greta_rides (and an email).
async fn vip(s: &TestServer, api: &Api<'_>, ws: candor_core::WorkspaceId) -> String {
    let (st, greta) = api
        .post(
            "/api/v1/customers",
            json!({"name": "Greta Weber", "identities": [{"kind": "email", "value": "greta@example.com"},
                {"kind": "social", "value": "twitter:greta_rides"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{greta}");
    let id = greta["id"].as_str().unwrap().to_string();
    let buys = [
        (id.clone(), "4900.00"),
        ("c1".into(), "10.00"),
        ("c2".into(), "12.00"),
        ("c3".into(), "9.00"),
    ];
    for (i, (who, amount)) in buys.iter().enumerate() {
        let customer = if i == 0 {
            json!({"customer_id": who})
        } else {
            json!({"customer": {"kind": "email", "value": format!("{who}@example.com")}})
        };
        let mut body = json!({"product": "bike", "amount": amount, "currency": "EUR", "at": "2026-02-20T10:00:00Z",
            "external_id": format!("order-{i}"), "status": "paid"});
        for (k, v) in customer.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (st, p) = api.post("/api/v1/purchases", body).await;
        assert_eq!(st, StatusCode::CREATED, "{p}");
    }
    candor_app::value::refresh_workspace(&s.app, ws).await.unwrap();
    let (_, c) = api.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(c["tier"], "A", "{c}");
    id
}

async fn counts(s: &TestServer, ws: candor_core::WorkspaceId) -> (i64, i64, usize) {
    let db = &s.app.db;
    (
        db.count_mentions(ws).await.unwrap(),
        db.count_social_alerts(ws).await.unwrap(),
        db.events(ws, None, 500).await.unwrap().items.len(),
    )
}

async fn listening(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let ws = t.workspace.id;
    let api = Api::new(s, &t.token);
    let (_, agent_token) = s.staff(&t.workspace, "Maya Agent", Role::Agent, &[]).await;
    let agent = Api::new(s, &agent_token);
    let greta = vip(s, &api, ws).await;

    // Rules: owners and admins only; bad rules name their field.
    let rule = json!({"kind": "author_tier", "name": "Best customers"});
    let (st, _) = agent.post("/api/v1/social/rules", rule.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = agent.get("/api/v1/social/rules").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    for (bad, name) in [
        (json!({"kind": "loud"}), "kind"),
        (json!({"kind": "keyword", "words": []}), "words"),
        (json!({"kind": "keyword", "words": ["ok", "!!"]}), "words[1]"),
        (json!({"kind": "sentiment_below", "threshold": 3}), "threshold"),
        (json!({"kind": "volume_spike", "count": 2}), "minutes"),
    ] {
        let (st, e) = api.post("/api/v1/social/rules", bad.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        assert_eq!(field(&e), name, "{bad}: {e}");
    }
    let (st, r) = api.post("/api/v1/social/rules", rule).await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let (st, kw) = api
        .post(
            "/api/v1/social/rules",
            json!({"kind": "keyword", "words": ["Refund", "money back"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{kw}");
    let (_, rules) = api.get("/api/v1/social/rules").await;
    assert_eq!(rules["items"].as_array().unwrap().len(), 2);

    // Bad mentions: 4xx naming the field, nothing stored.
    let before = counts(s, ws).await;
    for (extra, name) in [
        (json!({"platform": "myspace"}), "platform"),
        (json!({"platform": null}), "platform"),
        (json!({"post_url": "javascript:alert(1)"}), "post_url"),
        (json!({"post_url": "data:text/html,hi"}), "post_url"),
        (json!({"author_handle": "two words"}), "author_handle"),
        (json!({"author_handle": ""}), "author_handle"),
        (json!({"text": "   "}), "text"),
        (json!({"posted_at": "last week"}), "posted_at"),
        (json!({"in_reply_to": "file:///etc/passwd"}), "in_reply_to"),
        (json!({"text": 5}), "text"),
    ] {
        let (st, e) = api.post(MENTIONS, post(extra.clone())).await;
        assert!(st.is_client_error(), "{extra}: {st} {e}");
        assert_eq!(field(&e), name, "{extra}: {e}");
    }
    assert_eq!(counts(s, ws).await, before, "bad mentions store nothing");

    // The live stream hears the alert.
    let mut stream = reqwest::Client::new()
        .get(s.url("/api/v1/stream"))
        .bearer_auth(&agent_token)
        .send()
        .await
        .unwrap();
    let mut buf = String::new();
    next_event(&mut stream, &mut buf, "ready", 5).await;

    // A negative post by the tier-A customer fires the tier rule (not the keyword rule).
    let angry = post(
        json!({"text": "Third time the brakes failed. Terrible service, I am furious.",
        "external_id": "tw-1"}),
    );
    let (st, m) = agent.post(MENTIONS, angry.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    assert_eq!(m["mention"]["customer_id"], greta.as_str());
    assert_eq!(m["mention"]["sentiment_label"], "negative");
    assert_eq!(m["mention"]["author_handle"], "greta_rides");
    let alerts = m["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{m}");
    assert_eq!(alerts[0]["rule_id"], r["id"]);
    next_event(&mut stream, &mut buf, "social.alert", 5).await;
    let mention_id = m["mention"]["id"].as_str().unwrap().to_string();

    // The same post again: stored once, no second alert.
    let (st, again) = agent.post(MENTIONS, angry).await;
    assert_eq!(st, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["mention"]["id"], mention_id.as_str());
    let (mentions, alerts_n, _) = counts(s, ws).await;
    assert_eq!((mentions, alerts_n), (1, 1));
    // Without an external id, the link identifies the post.
    let by_url = post(
        json!({"post_url": "https://x.com/someone/status/9", "author_handle": "someone",
        "text": "Can I get my money back, please?"}),
    );
    let (st, k) = agent.post(MENTIONS, by_url.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{k}");
    assert_eq!(k["alerts"].as_array().unwrap().len(), 1, "the keyword rule fires: {k}");
    assert!(k["mention"]["customer_id"].is_null());
    let (st, _) = agent.post(MENTIONS, by_url).await;
    assert_eq!(st, StatusCode::OK);

    // The inbox view, through a signed-in browser.
    let b = browser();
    let login = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let r = b
        .post(s.url("/login"))
        .form(&[
            ("email", t.owner.email.as_str()),
            ("password", TEST_PASSWORD),
            ("csrf", &csrf_of(&login)),
            ("next", "/inbox"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = b
        .get(s.url("/inbox?view=reach-out"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Third time the brakes failed"), "{page}");
    assert!(page.contains(&format!("href=\"/customers/{greta}\"")), "{page}");
    assert!(page.contains("Start a conversation with Greta Weber"), "{page}");
    assert!(page.contains("Can I get my money back"), "{page}");

    // The alerts API; reaching out opens an email conversation, assigned to the caller.
    let (_, open) = agent.get("/api/v1/social/alerts").await;
    let items = open["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{open}");
    let alert = items
        .iter()
        .find(|a| a["mention"]["id"] == mention_id.as_str())
        .unwrap();
    let alert_id = alert["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/social/alerts/{alert_id}/reach-out");
    let (st, conv) = agent.call(reqwest::Method::POST, &path, None).await;
    assert_eq!(st, StatusCode::CREATED, "{conv}");
    assert_eq!(conv["channel"], "email");
    assert_eq!(conv["customer_id"], greta.as_str());
    assert_eq!(conv["tags"], json!(["reach-out"]));
    assert_eq!(conv["messages"][0]["kind"], "note");
    assert!(
        conv["messages"][0]["body"]
            .as_str()
            .unwrap()
            .contains("https://x.com/greta/status/1")
    );
    // Clicking again: the same conversation.
    let (_, conv2) = agent.call(reqwest::Method::POST, &path, None).await;
    assert_eq!(conv2["id"], conv["id"]);
    let (_, open) = agent.get("/api/v1/social/alerts").await;
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    let (_, mention) = agent.get(&format!("/api/v1/social/mentions/{mention_id}")).await;
    assert_eq!(mention["handled"], true);
    assert_eq!(mention["conversation_id"], conv["id"]);

    // Replying to a stranger's mention: a social conversation with the reply as outbound.
    let stranger = k["mention"]["id"].as_str().unwrap();
    let (st, rep) = agent
        .post(
            &format!("/api/v1/social/mentions/{stranger}/reply"),
            json!({"body": "Sorry to hear that! Send us a DM with your order number."}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{rep}");
    assert_eq!(rep["post_url"], "https://x.com/someone/status/9");
    assert_eq!(rep["message"]["kind"], "outbound");
    let (_, c) = agent
        .get(&format!(
            "/api/v1/conversations/{}",
            rep["conversation_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(c["channel"], "social");
    assert_eq!(c["messages"][0]["kind"], "inbound");
    assert_eq!(c["messages"][1]["author"]["name"], "Maya Agent");
    let (_, open) = agent.get("/api/v1/social/alerts").await;
    assert_eq!(open["items"].as_array().unwrap().len(), 0);

    // The stream's filters.
    let (_, neg) = agent.get("/api/v1/social/mentions?sentiment=negative").await;
    let neg = neg["items"].as_array().unwrap();
    assert!(neg.iter().any(|m| m["id"] == mention_id.as_str()));
    assert!(neg.iter().all(|m| m["sentiment_label"] == "negative"));
    let (_, pos) = agent.get("/api/v1/social/mentions?platform=x&sentiment=positive").await;
    assert_eq!(pos["items"].as_array().unwrap().len(), 0, "{pos}");
    let (_, handled) = agent.get("/api/v1/social/mentions?handled=true").await;
    assert_eq!(handled["items"].as_array().unwrap().len(), 2);
    let (_, page1) = agent.get("/api/v1/social/mentions?limit=1").await;
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = agent
        .get(&format!("/api/v1/social/mentions?limit=1&cursor={cursor}"))
        .await;
    assert_ne!(page1["items"][0]["id"], page2["items"][0]["id"]);
    for bad in ["platform=myspace", "sentiment=angry", "handled=maybe"] {
        let (st, e) = agent.get(&format!("/api/v1/social/mentions?{bad}")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}: {e}");
    }

    // Another workspace finds none of it.
    let other = s.tenant("Globex Corp").await;
    let o = Api::new(s, &other.token);
    let (st, _) = o.get(&format!("/api/v1/social/mentions/{mention_id}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = o.call(reqwest::Method::POST, &path, None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, none) = o.get("/api/v1/social/mentions").await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let (st, _) = o
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/social/rules/{}", kw["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Removing a rule.
    let (st, _) = api
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/social/rules/{}", kw["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
}

async fn spikes_and_pages(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let (st, _) = api
        .post(
            "/api/v1/social/rules",
            json!({"kind": "volume_spike", "count": 2, "minutes": 10}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let mut fired = Vec::new();
    for i in 0..4 {
        let (st, m) = api
            .post(
                MENTIONS,
                post(
                    json!({"post_url": format!("https://x.com/p/{i}"), "author_handle": format!("fan{i}"),
                    "text": "<script>alert(1)</script> Northwind!", "posted_at": format!("2026-03-02T08:0{i}:00Z")}),
                ),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{m}");
        fired.push(m["alerts"].as_array().unwrap().len());
    }
    assert_eq!(fired, vec![0, 0, 1, 0], "one alert per spike");
    // User text is escaped on the pages.
    let b = browser();
    let login = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    b.post(s.url("/login"))
        .form(&[
            ("email", t.owner.email.as_str()),
            ("password", TEST_PASSWORD),
            ("csrf", &csrf_of(&login)),
            ("next", "/social"),
        ])
        .send()
        .await
        .unwrap();
    for path in ["/social", "/inbox?view=reach-out", "/settings/social"] {
        let r = b.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let page = r.text().await.unwrap();
        assert!(!page.contains("<script>alert(1)"), "{path}");
    }
    let page = b
        .get(s.url("/social?sentiment=negative"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"social-filters\""));
}

http_test!(mentions_rules_and_alerts, listening);
http_test!(volume_spikes_and_pages, spikes_and_pages);

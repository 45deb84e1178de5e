//! The conversations API (contract, bad input, changes, lists), isolation
//! between workspaces, roles, and the routing API, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_core::staff::{Role, Scope};
use candor_web::http_test;
use candor_web::testing::TestServer;
use common::{Api, field, open};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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

async fn described_in_openapi(s: &TestServer) {
    let doc: Value = reqwest::get(s.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/conversations",
        "/api/v1/conversations/{id}",
        "/api/v1/conversations/{id}/messages",
        "/api/v1/conversations/{id}/attachments",
        "/api/v1/attachments/{id}",
        "/api/v1/stream",
        "/api/v1/teams",
        "/api/v1/routing-rules",
        "/api/v1/agents/{id}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} is not in the OpenAPI document"
        );
    }
}
http_test!(described_in_openapi_on, described_in_openapi);

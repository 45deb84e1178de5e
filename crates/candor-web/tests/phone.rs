//! The phone channel over HTTP on SQLite and PostgreSQL: the calls webhook
//! (bad input stores nothing, the same call twice is stored once, calls
//! find their customer by number), outbound calls signed by the agent, and
//! the call-back promise a missed call owes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_core::staff::{Role, Scope};
use candor_web::http_test;
use candor_web::testing::TestServer;
use common::{Api, field};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CALLS: &str = "/api/v1/channels/phone/calls";

/// Calls, conversations and events of the workspace (every change writes one).
async fn counts(s: &TestServer, ws: candor_core::WorkspaceId) -> (i64, usize, usize) {
    let calls = s.app.db.count_calls(ws).await.unwrap();
    let page = s
        .app
        .db
        .conversations(ws, &Default::default(), None, 200)
        .await
        .unwrap();
    let events = s.app.db.events(ws, None, 500).await.unwrap().items.len();
    (calls, page.items.len(), events)
}

fn call(extra: Value) -> Value {
    let mut base = json!({"from": "+49 30 1234567", "to": "+49 30 5550100", "direction": "inbound",
        "started_at": "2026-03-02T08:30:00Z", "duration": 95});
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

async fn webhook(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let ws = t.workspace.id;
    let api = Api::new(s, &t.token);
    let (agent, _) = s.staff(&t.workspace, "Maya Agent", Role::Agent, &[]).await;
    // Bad input: 4xx naming the field, nothing stored.
    let before = counts(s, ws).await;
    let bad = [
        (json!({"from": "not a number"}), "from"),
        (json!({"from": "030 1234567"}), "from"),
        (json!({"from": "030 1234567", "region": "ZZ"}), "region"),
        (json!({"to": "+49"}), "to"),
        (json!({"direction": null}), "direction"),
        (json!({"direction": "sideways"}), "direction"),
        (json!({"started_at": "yesterday"}), "started_at"),
        (json!({"started_at": "2027-01-01T00:00:00Z"}), "started_at"),
        (json!({"duration": -5}), "duration"),
        (json!({"duration": "ten"}), "duration"),
        (json!({"recording_url": "javascript:alert(1)"}), "recording_url"),
        (json!({"recording_url": "ftp://files.example/a.mp3"}), "recording_url"),
        (json!({"status": "busy"}), "status"),
        (json!({"direction": "outbound"}), "agent"),
        (json!({"agent": "nobody@acme.example"}), "agent"),
        (json!({"customer_id": "nope"}), "customer_id"),
    ];
    for (extra, name) in bad {
        let (st, e) = api.post(CALLS, call(extra.clone())).await;
        assert!(st.is_client_error(), "{extra}: {st} {e}");
        assert_eq!(field(&e), name, "{extra}: {e}");
    }
    assert_eq!(counts(s, ws).await, before, "bad calls store nothing");

    // Tokens: a viewer or a read-only token may not log calls.
    let (_, viewer) = s.staff(&t.workspace, "Vera Viewer", Role::Viewer, &[]).await;
    let (_, reader) = s.staff(&t.workspace, "Rita Reader", Role::Agent, &[Scope::Read]).await;
    for token in [&viewer, &reader] {
        let (st, _) = Api::new(s, token).post(CALLS, call(json!({}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
    let (st, _) = Api::new(s, "wrong").post(CALLS, call(json!({}))).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // A known customer is found by number, however it is written.
    let (st, jane) = api
        .post(
            "/api/v1/customers",
            json!({"name": "Jane Doe", "identities": [{"kind": "phone", "value": "+49 30 1234567"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{jane}");
    let first = call(
        json!({"from": "+49 (30) 123-4567", "agent": agent.email, "external_id": "pbx-1",
        "transcript": "Asked about the invoice <b>twice</b>", "recording_url": "https://pbx.example/r/1.mp3"}),
    );
    let (st, a) = api.post(CALLS, first.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    assert_eq!(a["customer"]["id"], jane["id"]);
    assert_eq!(a["conversation"]["channel"], "phone");
    assert_eq!(a["call"]["from"], "+49301234567");
    assert_eq!(a["call"]["agent_id"], agent.id.to_string());
    assert!(a["call"]["callback_due_at"].is_null());
    let conv = a["conversation"]["id"].as_str().unwrap().to_string();
    let (_, full) = api.get(&format!("/api/v1/conversations/{conv}")).await;
    let m = &full["messages"][0];
    assert_eq!(m["kind"], "inbound");
    assert!(m["body"].as_str().unwrap().starts_with("Inbound call, 1 min 35 s."));

    // The same call again: stored once.
    let (st, again) = api.post(CALLS, first).await;
    assert_eq!(st, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["call"]["id"], a["call"]["id"]);
    assert_eq!(s.app.db.count_calls(ws).await.unwrap(), 1);

    // A national number read in its region; it joins the ongoing phone conversation.
    let (st, b) = api
        .post(
            CALLS,
            call(json!({"from": "030 1234567", "region": "de", "external_id": "pbx-2"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["customer"]["id"], jane["id"]);
    assert_eq!(b["conversation"]["id"], conv.as_str());

    // An outbound call is the agent's message, signed with their name.
    let (st, out) = api
        .post(
            CALLS,
            call(
                json!({"from": "+49 30 5550100", "to": "+49 30 1234567", "direction": "outbound",
                "agent": agent.id.to_string(), "external_id": "pbx-3", "transcript": "Called back."}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{out}");
    let (_, full) = api.get(&format!("/api/v1/conversations/{conv}")).await;
    let last = full["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "outbound");
    assert_eq!(last["author"]["name"], "Maya Agent");
    assert_eq!(last["delivery"], Value::Null);

    // An unknown number becomes a new customer with that phone identity.
    let (st, n) = api
        .post(
            CALLS,
            call(json!({"from": "+44 20 7946 0958", "name": "Owen Price", "external_id": "pbx-4"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{n}");
    assert_ne!(n["customer"]["id"], jane["id"]);
    assert_eq!(n["customer"]["name"], "Owen Price");
    assert_eq!(n["customer"]["identities"][0]["value"], "+442079460958");

    // Another workspace sees none of it.
    let other = s.tenant("Globex Corp").await;
    let (st, _) = Api::new(s, &other.token)
        .get(&format!("/api/v1/conversations/{conv}"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // A token that may only write (a phone system's webhook) logs the call and
    // gets it back, without the customer's record.
    let (_, writer) = s.staff(&t.workspace, "Wes Writer", Role::Agent, &[Scope::Write]).await;
    let (st, w) = Api::new(s, &writer)
        .post(
            CALLS,
            call(json!({"external_id": "pbx-write-only", "from": "+44 20 7946 0018"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{w}");
    assert!(
        w["call"]["id"].is_string() && w["conversation"]["id"].is_string(),
        "{w}"
    );
    assert!(
        w["customer"]["id"].is_string() && w["customer"].get("identities").is_none(),
        "{w}"
    );
}

async fn missed_calls(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let (agent, _) = s.staff(&t.workspace, "Maya Agent", Role::Agent, &[]).await;
    // Nobody is assigned: the call-back is due, and owed once someone is.
    let (st, m) = api
        .post(
            CALLS,
            call(json!({"status": "missed", "duration": 0, "external_id": "pbx-9"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    let due = m["call"]["callback_due_at"]
        .as_str()
        .expect("a call-back due time")
        .to_string();
    // No commitments: the end of the next business day (Tuesday, 17:00 in the workspace's zone).
    assert!(due.starts_with("2026-03-03T"), "{due}");
    assert!(m["call"]["callback_promise_id"].is_null());
    let conv = m["conversation"]["id"].as_str().unwrap().to_string();
    let (_, open) = api.get("/api/v1/promises?state=open").await;
    assert_eq!(open["items"].as_array().unwrap().len(), 0);
    let (st, _) = api
        .patch(
            &format!("/api/v1/conversations/{conv}"),
            json!({"assignee_id": agent.id.to_string()}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, open) = api.get("/api/v1/promises?state=open").await;
    let items = open["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{open}");
    assert_eq!(items[0]["owner_id"], agent.id.to_string());
    assert_eq!(items[0]["conversation_id"], conv.as_str());
    assert_eq!(items[0]["due_at"], due.as_str());
    // A second missed call joins the conversation, now assigned: promised at once.
    let (st, m2) = api
        .post(
            CALLS,
            call(json!({"status": "voicemail", "duration": 20, "external_id": "pbx-10"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m2}");
    assert_eq!(m2["conversation"]["id"], conv.as_str());
    assert!(m2["call"]["callback_promise_id"].is_string(), "{m2}");
    let (_, open) = api.get("/api/v1/promises?state=open").await;
    assert_eq!(open["items"].as_array().unwrap().len(), 2);
    // Calling the customer back keeps the agent's call-back promises.
    s.clock.advance(jiff::SignedDuration::from_mins(10));
    let (st, _) = api
        .post(
            CALLS,
            call(
                json!({"from": "+49 30 5550100", "to": "+49 30 1234567", "direction": "outbound",
                "agent": agent.email, "external_id": "pbx-11", "started_at": "2026-03-02T09:05:00Z"}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, open) = api.get("/api/v1/promises?state=open").await;
    assert_eq!(open["items"].as_array().unwrap().len(), 0, "{open}");
    // The OpenAPI document describes the route.
    let doc: Value = reqwest::get(s.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"][CALLS]["post"].is_object());
}

http_test!(calls_webhook, webhook);
http_test!(missed_calls_owe_a_call_back, missed_calls);

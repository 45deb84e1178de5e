//! The Pact through a real socket on both databases: promises, redress,
//! clocks and notifications over the API (shapes, bad input naming the
//! field, roles, other workspaces), "breaching soon", the public figures,
//! and the staff pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_app::worker::Worker;
use candor_core::staff::Role;
use candor_web::http_test;
use candor_web::testing::{TEST_PASSWORD, TestServer};
use common::{Api, browser, csrf_of, field, open};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn commitments() -> Value {
    json!({
        "calendar": {"time_zone": "UTC", "weekly": {
            "mon": [{"start": "09:00", "end": "18:00"}], "tue": [{"start": "09:00", "end": "18:00"}],
            "wed": [{"start": "09:00", "end": "18:00"}], "thu": [{"start": "09:00", "end": "18:00"}],
            "fri": [{"start": "09:00", "end": "18:00"}]}, "holidays": []},
        "warn_at": 0.75,
        "commitments": [{"channel": "api", "priority": "normal", "first_reply": "PT1H", "resolution": "PT8H"}],
        "redress": "We say sorry and take 10% off.",
        "redress_actions": ["notify-lead", "redress-task", "draft-apology"]
    })
}

fn worker(s: &TestServer) -> Worker {
    let mut w = Worker::new(s.app.clone());
    candor_app::breaches::register_jobs(&mut w);
    candor_app::promises::register_jobs(&mut w);
    w
}

fn now(s: &TestServer) -> Timestamp {
    s.app.now()
}

async fn promises_over_the_api(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let (agent, agent_token) = s.staff(&t.workspace, "Andrea Agent", Role::Agent, &[]).await;
    let api = Api::new(s, &agent_token);
    let conv = open(&api, "jane@example.com", "Where is my refund?").await;
    let conv_id = conv["id"].as_str().unwrap().to_string();
    let due = (now(s) + SignedDuration::from_hours(24)).to_string();
    let (st, p) = api
        .post(
            "/api/v1/promises",
            json!({"conversation_id": conv_id, "description": "refund the lights", "due_at": due}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    assert_eq!(p["state"], "open");
    assert_eq!(p["owner_id"], agent.id.to_string());
    assert_eq!(p["conversation_id"], conv_id);
    assert_eq!(p["kind"], "action");
    assert_eq!(p["due_at"], json!(due));
    let id = p["id"].as_str().unwrap().to_string();

    // Bad input: 4xx naming the field, and nothing stored.
    let bad = [
        (
            json!({"conversation_id": "x", "description": "d", "due_at": due}),
            "conversation_id",
        ),
        (
            json!({"conversation_id": conv_id, "description": "", "due_at": due}),
            "description",
        ),
        (
            json!({"conversation_id": conv_id, "description": "d", "due_at": "tomorrow"}),
            "due_at",
        ),
        (
            json!({"conversation_id": conv_id, "description": "d", "due_at": "2020-01-01T00:00:00Z"}),
            "due_at",
        ),
        (
            json!({"conversation_id": conv_id, "description": "d", "due_at": due, "owner_id": "nobody"}),
            "owner_id",
        ),
        (
            json!({"conversation_id": conv_id, "description": "d", "due_at": due, "kind": "wish"}),
            "kind",
        ),
        (
            json!({"conversation_id": conv_id, "description": "d", "due_at": due, "colour": "red"}),
            "colour",
        ),
        (
            json!({"conversation_id": conv_id, "description": 5, "due_at": due}),
            "description",
        ),
    ];
    for (body, name) in bad {
        let (st, e) = api.post("/api/v1/promises", body.clone()).await;
        assert!(st.is_client_error(), "{body}: {st} {e}");
        assert_eq!(field(&e), name, "{body}: {e}");
    }
    let (_, list) = api.get("/api/v1/promises").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    let (st, e) = api.get("/api/v1/promises?state=done").await;
    assert_eq!((st, field(&e)), (StatusCode::BAD_REQUEST, "state"));
    let (st, e) = api.get("/api/v1/promises?owner=x").await;
    assert_eq!((st, field(&e)), (StatusCode::BAD_REQUEST, "owner"));

    // Listed by state and owner; kept; then listed as kept.
    let (_, open_list) = api.get("/api/v1/promises?state=open&owner=me").await;
    assert_eq!(open_list["items"][0]["id"], json!(id));
    assert_eq!(open_list["next_cursor"], Value::Null);
    let (st, kept) = api.post(&format!("/api/v1/promises/{id}/keep"), json!({})).await;
    assert_eq!((st, kept["state"].clone()), (StatusCode::OK, json!("kept")), "{kept}");
    let (_, kept_list) = api.get("/api/v1/promises?state=kept").await;
    assert_eq!(kept_list["items"].as_array().unwrap().len(), 1);
    let (_, none_open) = api.get("/api/v1/promises?state=open").await;
    assert!(none_open["items"].as_array().unwrap().is_empty());

    // Broken by the clock, made again with a reason.
    let soon = (now(s) + SignedDuration::from_hours(2)).to_string();
    let (_, p2) = api
        .post(
            "/api/v1/promises",
            json!({"conversation_id": conv_id, "description": "call you back", "due_at": soon}),
        )
        .await;
    let id2 = p2["id"].as_str().unwrap().to_string();
    s.clock.advance(SignedDuration::from_hours(3));
    worker(s).drain().await.unwrap();
    let (_, broken) = api.get(&format!("/api/v1/promises/{id2}")).await;
    assert_eq!(broken["state"], "broken");
    let (st, e) = api.post(&format!("/api/v1/promises/{id2}/keep"), json!({})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    let later = (now(s) + SignedDuration::from_hours(24)).to_string();
    let (st, e) = api
        .post(&format!("/api/v1/promises/{id2}/repromise"), json!({"due_at": later}))
        .await;
    assert_eq!((st.is_client_error(), field(&e)), (true, "reason"), "{e}");
    let (st, again) = api
        .post(
            &format!("/api/v1/promises/{id2}/repromise"),
            json!({"due_at": later, "reason": "I was off sick; a colleague will call."}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{again}");
    assert_eq!(
        (again["replaces_id"].clone(), again["state"].clone()),
        (json!(id2), json!("open"))
    );
    let (_, broken_list) = api.get("/api/v1/promises?state=broken").await;
    assert_eq!(broken_list["items"][0]["id"], json!(id2));

    // A viewer reads but may not promise.
    let (_, viewer_token) = s.staff(&t.workspace, "Victor Viewer", Role::Viewer, &[]).await;
    let viewer = Api::new(s, &viewer_token);
    assert_eq!(viewer.get("/api/v1/promises").await.0, StatusCode::OK);
    let (st, _) = viewer
        .post(
            "/api/v1/promises",
            json!({"conversation_id": conv_id, "description": "x", "due_at": later}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Another workspace sees none of it, and cannot touch it.
    let other = s.tenant("Bolt Ltd").await;
    let them = Api::new(s, &other.token);
    assert_eq!(
        them.get(&format!("/api/v1/promises/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        them.post(&format!("/api/v1/promises/{id2}/keep"), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(
        them.get("/api/v1/promises").await.1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (st, e) = them
        .post(
            "/api/v1/promises",
            json!({"conversation_id": conv_id, "description": "x", "due_at": later}),
        )
        .await;
    assert_eq!((st.is_client_error(), field(&e)), (true, "conversation_id"));
    assert_eq!(
        them.get(&format!("/api/v1/conversations/{conv_id}/clocks")).await.0,
        StatusCode::NOT_FOUND
    );
    // The customer's timeline tells the story.
    let customer = conv["customer_id"].as_str().unwrap();
    let (_, timeline) = api.get(&format!("/api/v1/customers/{customer}/timeline")).await;
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in ["promise.made", "promise.kept", "promise.broken"] {
        assert!(kinds.contains(&k), "{k}: {kinds:?}");
    }
}
http_test!(promises, promises_over_the_api);

async fn breaches_are_seen_redressed_and_measured(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let owner = Api::new(s, &t.token);
    assert_eq!(
        owner
            .call(reqwest::Method::PUT, "/api/v1/commitments", Some(commitments()))
            .await
            .0,
        StatusCode::OK
    );
    let (agent, agent_token) = s.staff(&t.workspace, "Andrea Agent", Role::Agent, &[]).await;
    let api = Api::new(s, &agent_token);
    let conv = open(&api, "jane@example.com", "My light does not work.").await;
    let id = conv["id"].as_str().unwrap().to_string();
    api.patch(
        &format!("/api/v1/conversations/{id}"),
        json!({"assignee_id": agent.id.to_string()}),
    )
    .await;
    let (_, clocks) = api.get(&format!("/api/v1/conversations/{id}/clocks")).await;
    assert_eq!(clocks["commitments_version"], 1, "{clocks}");
    assert_eq!(clocks["clocks"][0]["kind"], "first_reply");
    assert_eq!(clocks["clocks"][0]["state"], "running");
    assert_eq!(clocks["clocks"][0]["words"], "a first reply within 1 hour");
    assert_eq!(
        api.get("/api/v1/conversations?breaching=soon").await.1["items"],
        json!([])
    );
    let (st, e) = api.get("/api/v1/conversations?breaching=later").await;
    assert_eq!((st, field(&e)), (StatusCode::BAD_REQUEST, "breaching"));

    // 45 minutes: warned, and breaching soon.
    let w = worker(s);
    s.clock.advance(SignedDuration::from_mins(45));
    w.drain().await.unwrap();
    let (_, soon) = api.get("/api/v1/conversations?breaching=soon").await;
    assert_eq!(soon["items"][0]["id"], json!(id), "{soon}");
    let (_, notes) = api.get("/api/v1/notifications").await;
    assert_eq!(notes["items"][0]["kind"], "commitment.warning", "{notes}");
    let note = notes["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        api.post(&format!("/api/v1/notifications/{note}/read"), json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let other = s.tenant("Bolt Ltd").await;
    let them = Api::new(s, &other.token);
    assert_eq!(
        them.post(&format!("/api/v1/notifications/{note}/read"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // An hour and a second: breached. The redress is listed with its apology.
    s.clock.advance(SignedDuration::from_secs(15 * 60 + 1));
    w.drain().await.unwrap();
    let (_, clocks) = api.get(&format!("/api/v1/conversations/{id}/clocks")).await;
    assert_eq!(clocks["clocks"][0]["state"], "breached");
    let (_, redress) = api.get("/api/v1/redress?state=open").await;
    let r = &redress["items"][0];
    assert_eq!(r["conversation_id"], json!(id), "{redress}");
    assert!(r["draft"].as_str().unwrap().contains("We say sorry and take 10% off."));
    let rid = r["id"].as_str().unwrap().to_string();
    assert!(
        them.get("/api/v1/redress").await.1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        them.post(&format!("/api/v1/redress/{rid}/done"), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    let (st, e) = api.get("/api/v1/redress?state=closed").await;
    assert_eq!((st, field(&e)), (StatusCode::BAD_REQUEST, "state"));
    let (st, e) = api
        .post(&format!("/api/v1/redress/{rid}/send"), json!({"body": "  "}))
        .await;
    assert_eq!((st.is_client_error(), field(&e)), (true, "body"), "{e}");
    let (st, done) = api
        .post(
            &format!("/api/v1/redress/{rid}/send"),
            json!({"body": "Dear Jane, we are sorry. 10% off."}),
        )
        .await;
    assert_eq!(
        (st, done["state"].clone(), done["done_how"].clone()),
        (StatusCode::OK, json!("done"), json!("apology sent"))
    );

    // The public figures count it, with a minute of caching.
    s.clock.advance(SignedDuration::from_secs(61));
    let public: Value = reqwest::get(s.url("/api/v1/public/acme-inc/commitments"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let m = &public["measured"]["7d"];
    assert_eq!(m["conversations"], 1, "{public}");
    assert_eq!(m["first_replies_within"], 0.0);
    assert_eq!(m["breaches"], 1);
    assert_eq!(m["breaches_redressed"], 1);
    assert!(public["method"]["breaches_redressed"].is_string());
    let page = reqwest::get(s.url("/w/acme-inc/commitments"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("0% (0 of 1)"), "{page}");
    assert!(page.contains("How each figure is computed"));
    assert!(page.contains("1 of 1"), "{page}");
    // Beside the commitment, its own figures in the same shape.
    let beside = &public["commitments"][0]["measured"];
    for period in ["7d", "30d", "90d"] {
        assert_eq!(beside[period]["conversations"], 1, "{public}");
        assert_eq!(beside[period]["breaches"], 1);
        assert_eq!(beside[period]["breaches_redressed"], 1);
        assert_eq!(beside[period]["first_replies_within"], 0.0);
    }
    assert!(page.contains("id=\"commitment-api-normal-30d\""), "{page}");
    assert!(public["method"]["by_commitment"].is_string());
}
http_test!(breaches, breaches_are_seen_redressed_and_measured);

/// PATCH with a new priority moves the running clocks to its commitment;
/// the conversation's clocks say so, and an event records it.
async fn a_priority_change_retargets_the_clocks(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let owner = Api::new(s, &t.token);
    let mut body = commitments();
    body["commitments"]
        .as_array_mut()
        .unwrap()
        .push(json!({"channel": "api", "priority": "urgent", "first_reply": "PT15M", "resolution": "PT2H"}));
    let (st, v) = owner
        .call(reqwest::Method::PUT, "/api/v1/commitments", Some(body))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, agent_token) = s.staff(&t.workspace, "Andrea Agent", Role::Agent, &[]).await;
    let api = Api::new(s, &agent_token);
    let conv = open(&api, "jane@example.com", "My light does not work.").await;
    let id = conv["id"].as_str().unwrap().to_string();
    let (_, before) = api.get(&format!("/api/v1/conversations/{id}/clocks")).await;
    assert_eq!(before["clocks"][0]["words"], "a first reply within 1 hour", "{before}");
    let (st, e) = api
        .patch(&format!("/api/v1/conversations/{id}"), json!({"priority": "soon"}))
        .await;
    assert_eq!((st, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "priority"), "{e}");
    s.clock.advance(SignedDuration::from_mins(5));
    let (st, v) = api
        .patch(&format!("/api/v1/conversations/{id}"), json!({"priority": "urgent"}))
        .await;
    assert_eq!((st, v["priority"].clone()), (StatusCode::OK, json!("urgent")), "{v}");
    let (_, after) = api.get(&format!("/api/v1/conversations/{id}/clocks")).await;
    assert_eq!(
        after["clocks"][0]["words"], "a first reply within 15 minutes",
        "{after}"
    );
    let due = |v: &Value| -> Timestamp { v["clocks"][0]["due_at"].as_str().unwrap().parse().unwrap() };
    assert!(due(&after) < due(&before), "{before} {after}");
    assert_eq!(after["clocks"][0]["started_at"], before["clocks"][0]["started_at"]);
    let events = s.app.db.events(t.workspace.id, None, 100).await.unwrap().items;
    let moved = events.iter().find(|e| e.kind == "commitment.retargeted").unwrap();
    assert_eq!(moved.payload["to"], "urgent");
    assert_eq!(moved.payload["clocks"][0]["clock"], "first_reply");
    assert!(
        moved.payload["clocks"][0]["target_after"].is_string(),
        "{}",
        moved.payload
    );
}
http_test!(retarget, a_priority_change_retargets_the_clocks);

async fn signed_in(s: &TestServer, email: &str) -> reqwest::Client {
    let b = browser();
    let login = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let r = b
        .post(s.url("/login"))
        .form(&[
            ("email", email),
            ("password", TEST_PASSWORD),
            ("csrf", &csrf_of(&login)),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    b
}

async fn the_staff_pages_confirm_keep_and_redress(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    Api::new(s, &t.token)
        .call(reqwest::Method::PUT, "/api/v1/commitments", Some(commitments()))
        .await;
    let (_, agent_token) = s.staff(&t.workspace, "Andrea Agent", Role::Agent, &[]).await;
    let api = Api::new(s, &agent_token);
    let conv = open(&api, "jane@example.com", "My light does not work.").await;
    let id = conv["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/api/v1/conversations/{id}/messages"),
        json!({"kind": "outbound", "body": "I will send you a replacement light by Friday."}),
    )
    .await;
    let b = signed_in(s, "andrea@acme-inc.example").await;
    let page = b
        .get(s.url(&format!("/inbox/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("a first reply within 1 hour: <strong>met</strong>"),
        "{page}"
    );
    assert!(page.contains("Found in your replies"), "{page}");
    assert!(page.contains("Confirm the promise"));
    // Confirm the detected promise, with the due time the form offers.
    let csrf = csrf_of(&page);
    let due_start = page.find("name=\"due_at\" value=\"").unwrap() + "name=\"due_at\" value=\"".len();
    let due = page[due_start..].split('"').next().unwrap().to_string();
    assert!(due.starts_with("2026-03-06T"), "{due}");
    let r = b
        .post(s.url(&format!("/inbox/{id}/promises")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("source", "detected"),
            ("description", "I will send you a replacement light by Friday"),
            ("due_at", due.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    let (_, list) = api.get("/api/v1/promises?state=open").await;
    assert_eq!(list["items"][0]["source"], "detected", "{list}");
    let pid = list["items"][0]["id"].as_str().unwrap().to_string();
    // A bad due time is said on the page, and nothing is stored.
    let r = b
        .post(s.url(&format!("/inbox/{id}/promises")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("description", "call back"),
            ("due_at", "soon"),
        ])
        .send()
        .await
        .unwrap();
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains("error="), "{to}");
    assert_eq!(
        api.get("/api/v1/promises").await.1["items"].as_array().unwrap().len(),
        1
    );

    // "My promises" lists it; mark it kept there.
    let mine = b.get(s.url("/promises")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("I will send you a replacement light by Friday"), "{mine}");
    let r = b
        .post(s.url(&format!("/promises/{pid}/keep")))
        .form(&[("csrf", csrf.as_str()), ("back", "/promises")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/promises");
    assert_eq!(api.get(&format!("/api/v1/promises/{pid}")).await.1["state"], "kept");
    // Another site is never a place to go back to.
    let r = b
        .post(s.url(&format!("/promises/{pid}/keep")))
        .form(&[("csrf", csrf.as_str()), ("back", "//evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/promises");
    // The team view is for leads.
    assert_eq!(
        b.get(s.url("/promises?view=team")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let lead = signed_in(s, "owner@acme.example").await;
    let team = lead
        .get(s.url("/promises?view=team"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(team.contains("Andrea Agent"), "{team}");

    // A breach shows on the conversation page with its apology; marking done clears it.
    let second = open(&api, "ben@example.com", "Where is my order?").await;
    let sid = second["id"].as_str().unwrap().to_string();
    s.clock.advance(SignedDuration::from_secs(3601));
    worker(s).drain().await.unwrap();
    let page = b
        .get(s.url(&format!("/inbox/{sid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<strong>breached</strong>"), "{page}");
    assert!(page.contains("Send the apology for the first reply due"), "{page}");
    let redress_page = b.get(s.url("/redress")).send().await.unwrap().text().await.unwrap();
    let rid_start = redress_page.find("id=\"redress-done-").unwrap() + "id=\"redress-done-".len();
    let rid: String = redress_page[rid_start..].chars().take_while(|c| *c != '"').collect();
    let r = b
        .post(s.url(&format!("/redress/{rid}/done")))
        .form(&[("csrf", csrf.as_str()), ("back", "/redress")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    let redress_page = b.get(s.url("/redress")).send().await.unwrap().text().await.unwrap();
    assert!(redress_page.contains("marked done by Andrea Agent"), "{redress_page}");
    // The inbox has its "breaching soon" view.
    let inbox = b
        .get(s.url("/inbox?view=breaching"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(inbox.contains("Breaching soon"));
}
http_test!(pages, the_staff_pages_confirm_keep_and_redress);

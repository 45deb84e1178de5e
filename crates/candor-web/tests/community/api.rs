//! The community API: the contract's shapes, scopes, isolation and bad input.

use super::{Api, api_topic};
use candor_core::staff::{Role, Scope};
use candor_web::http_test;
use candor_web::testing::TestServer;
use reqwest::StatusCode;
use serde_json::json;

async fn contract_shapes(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let topic = api_topic(
        &api,
        "jane@example.com",
        "problem",
        "Brakes squeal after rain",
        "Front **disc**",
    )
    .await;
    for key in ["id", "slug", "url", "kind", "title", "status", "me_too", "created_at"] {
        assert!(topic.get(key).is_some(), "{key} missing in {topic}");
    }
    assert_eq!(topic["kind"], "problem");
    assert_eq!(topic["status"], "new");
    assert_eq!(topic["me_too"], 0);
    assert_eq!(
        topic["url"],
        format!("/w/{}/community/t/brakes-squeal-after-rain", t.workspace.slug)
    );
    let id = topic["id"].as_str().unwrap().to_string();

    // The customer was created from the identity, under their name.
    let (_, found) = api.get("/api/v1/customers?identity=email:jane@example.com").await;
    assert_eq!(found["items"][0]["name"], "Jane Doe");

    // An official reply carries the staff member's real name and role.
    let (status, reply) = api
        .post(
            &format!("/api/v1/community/topics/{id}/replies"),
            json!({"body": "Wipe the rotor.", "official": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert_eq!(reply["official"], true);
    assert_eq!(reply["author"]["name"], "Olivia Owner");
    assert_eq!(reply["author"]["role"], "Owner");
    assert!(reply["id"].is_string());

    // A status with a candid note.
    let (status, v) = api
        .patch(
            &format!("/api/v1/community/topics/{id}"),
            json!({"status": "in-progress", "status_note": "We found the batch of pads at fault."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "in-progress");
    assert_eq!(v["status_note"], "We found the batch of pads at fault.");
    let (_, detail) = api.get(&format!("/api/v1/community/topics/{id}")).await;
    assert_eq!(detail["status_history"][0]["status"], "in-progress");
    assert_eq!(detail["replies_list"][0]["author"]["role"], "Owner");
    assert!(detail["first_official_at"].is_string());

    // The public list needs no token and shows no customer ids.
    let public = Api::new(s, "");
    let (status, list) = public
        .get(&format!("/api/v1/public/{}/community/topics", t.workspace.slug))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert!(list["items"][0]["author"].get("customer_id").is_none());
    assert!(list.get("next_cursor").is_some());
    let (_, by_kind) = public
        .get(&format!(
            "/api/v1/public/{}/community/topics?kind=idea",
            t.workspace.slug
        ))
        .await;
    assert_eq!(by_kind["items"].as_array().unwrap().len(), 0);
    let (_, by_tag) = public
        .get(&format!(
            "/api/v1/public/{}/community/topics?tag=brakes&kind=problem",
            t.workspace.slug
        ))
        .await;
    assert_eq!(by_tag["items"].as_array().unwrap().len(), 1);
    let (_, searched) = public
        .get(&format!(
            "/api/v1/public/{}/community/topics?q=squeal",
            t.workspace.slug
        ))
        .await;
    assert_eq!(searched["items"][0]["id"], id.as_str());
    let (_, searched) = public
        .get(&format!("/api/v1/public/{}/community/topics?q=rotor", t.workspace.slug))
        .await;
    assert_eq!(searched["items"][0]["id"], id.as_str(), "replies are searched");
    let (status, _) = public.get("/api/v1/public/nope/community/topics").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The contract is in the OpenAPI document.
    let (_, doc) = public.get("/api/openapi.json").await;
    for path in [
        "/api/v1/community/topics",
        "/api/v1/community/topics/{id}/replies",
        "/api/v1/community/topics/{id}",
        "/api/v1/public/{workspace}/community/topics",
        "/api/v1/community/moderation/{id}/approve",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from OpenAPI");
    }
}
http_test!(contract, contract_shapes);

async fn questions_take_accepted_answers_and_statuses_fit_kinds(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let q = api_topic(
        &api,
        "jane@example.com",
        "question",
        "How high should the saddle be?",
        "",
    )
    .await;
    let id = q["id"].as_str().unwrap();
    let (_, reply) = api
        .post(
            &format!("/api/v1/community/topics/{id}/replies"),
            json!({"body": "Leg almost straight."}),
        )
        .await;
    assert_eq!(reply["official"], true, "staff replies are official by default");
    let (status, v) = api
        .post(
            &format!("/api/v1/community/topics/{id}/accept"),
            json!({"reply_id": reply["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "answered");
    assert_eq!(v["accepted_reply_id"], reply["id"]);
    // A question has no status to set.
    let (status, v) = api
        .patch(
            &format!("/api/v1/community/topics/{id}"),
            json!({"status": "planned", "status_note": "Some long note"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "status");
    // Moving it to an idea lets it take one; the answered status no longer fits.
    let (status, v) = api
        .post(
            &format!("/api/v1/community/topics/{id}/move"),
            json!({"kind": "idea", "tags": ["Fit", "saddles"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["kind"].as_str(), v["status"].as_str()), (Some("idea"), Some("new")));
    assert_eq!(v["tags"], json!(["fit", "saddles"]));
    let (status, v) = api
        .patch(
            &format!("/api/v1/community/topics/{id}"),
            json!({"status": "wont-do", "status_note": "Saddles vary too much to sell one for everyone."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let events = s.app.db.events(t.workspace.id, None, 50).await.unwrap().items;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for k in [
        "community.topic_posted",
        "community.reply_posted",
        "community.answer_accepted",
        "community.topic_moved",
        "community.status_changed",
    ] {
        assert!(kinds.contains(&k), "{k} not in {kinds:?}");
    }
}
http_test!(answers, questions_take_accepted_answers_and_statuses_fit_kinds);

async fn moderation_actions(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let a = api_topic(&api, "jane@example.com", "problem", "Chain skips on hills", "one").await;
    let b = api_topic(&api, "joe@example.com", "problem", "Chain jumps when climbing", "two").await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let slug = &t.workspace.slug;
    let public = Api::new(s, "");
    let count = || async {
        public.get(&format!("/api/v1/public/{slug}/community/topics")).await.1["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let (status, v) = api
        .post(&format!("/api/v1/community/topics/{a}/hide"), json!({"hidden": true}))
        .await;
    assert_eq!((status, v["visibility"].as_str()), (StatusCode::OK, Some("hidden")));
    assert_eq!(count().await, 1);
    api.post(&format!("/api/v1/community/topics/{a}/hide"), json!({"hidden": false}))
        .await;
    assert_eq!(count().await, 2);
    let (_, v) = api
        .post(&format!("/api/v1/community/topics/{a}/lock"), json!({"locked": true}))
        .await;
    assert_eq!(v["locked"], true);
    let (status, v) = api
        .post(&format!("/api/v1/community/topics/{a}/merge"), json!({"into": b}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["id"], b);
    assert_eq!(v["replies"], 1);
    assert_eq!(count().await, 1);
    // The merged topic's page redirects to the survivor.
    let http = super::browser();
    let resp = http
        .get(s.url(&format!("/w/{slug}/community/t/chain-skips-on-hills")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/t/chain-jumps-when-climbing")
    );
    // Acting on a merged topic finds nothing; merging into itself is refused.
    let (status, _) = api
        .post(&format!("/api/v1/community/topics/{a}/lock"), json!({"locked": false}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, v) = api
        .post(&format!("/api/v1/community/topics/{b}/merge"), json!({"into": b}))
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("into"))
    );
    // Hiding a reply.
    let (_, reply) = api
        .post(
            &format!("/api/v1/community/topics/{b}/replies"),
            json!({"body": "Noted."}),
        )
        .await;
    let (status, v) = api
        .post(
            &format!("/api/v1/community/replies/{}/hide", reply["id"].as_str().unwrap()),
            json!({"hidden": true}),
        )
        .await;
    assert_eq!((status, v["visibility"].as_str()), (StatusCode::OK, Some("hidden")));
    let (_, waiting) = api.get("/api/v1/community/waiting").await;
    assert_eq!(
        waiting["items"][0]["id"], b,
        "its only official reply is hidden, so it waits again"
    );
}
http_test!(moderation, moderation_actions);

async fn scopes_and_isolation(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let other = s.tenant("Other Co").await;
    let api = Api::new(s, &t.token);
    let topic = api_topic(&api, "jane@example.com", "idea", "A rear rack for the cargo bike", "").await;
    let id = topic["id"].as_str().unwrap();
    let (_, viewer) = s.staff(&t.workspace, "Vera Viewer", Role::Viewer, &[]).await;
    let viewer = Api::new(s, &viewer);
    let (status, _) = viewer
        .post(&format!("/api/v1/community/topics/{id}/replies"), json!({"body": "hi"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = viewer.get(&format!("/api/v1/community/topics/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, reader) = s.staff(&t.workspace, "Rita Reader", Role::Agent, &[Scope::Read]).await;
    let (status, _) = Api::new(s, &reader)
        .post(
            "/api/v1/community/topics",
            json!({"customer_id": "x", "kind": "idea", "title": "Something"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = Api::new(s, "").post("/api/v1/community/topics", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Another workspace's token finds nothing.
    let foreign = Api::new(s, &other.token);
    for (method, path, body) in [
        ("GET", format!("/api/v1/community/topics/{id}"), None),
        (
            "PATCH",
            format!("/api/v1/community/topics/{id}"),
            Some(json!({"status": "planned", "status_note": "Long enough note"})),
        ),
        (
            "POST",
            format!("/api/v1/community/topics/{id}/replies"),
            Some(json!({"body": "hi"})),
        ),
        (
            "POST",
            format!("/api/v1/community/topics/{id}/hide"),
            Some(json!({"hidden": true})),
        ),
        ("POST", format!("/api/v1/community/moderation/{id}/approve"), None),
    ] {
        let (status, v) = foreign.call(method.parse().unwrap(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {v}");
    }
    let (_, list) = Api::new(s, "")
        .get(&format!("/api/v1/public/{}/community/topics", other.workspace.slug))
        .await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (_, t2) = api.get(&format!("/api/v1/community/topics/{id}")).await;
    assert_eq!(t2["replies"], 0);
    assert_eq!(t2["visibility"], "published");
}
http_test!(isolation, scopes_and_isolation);

async fn bad_input_names_the_field_and_stores_nothing(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let good = json!({"customer": {"kind": "email", "value": "jane@example.com", "name": "Jane Doe"},
        "kind": "problem", "title": "A good title", "body": "x", "mood": null, "tags": []});
    let cases = [
        ("kind", json!("bug"), "kind"),
        ("title", json!("Hi"), "title"),
        ("title", json!("x".repeat(200)), "title"),
        ("body", json!("x".repeat(20_001)), "body"),
        ("mood", json!("angry"), "mood"),
        ("tags", json!(["a,b"]), "tags[0]"),
        ("tags", json!(["a", "b", "c", "d", "e", "f", "g", "h", "i"]), "tags"),
        (
            "customer",
            json!({"kind": "email", "value": "not an email"}),
            "customer.value",
        ),
        ("customer", json!({"kind": "fax", "value": "1"}), "customer.kind"),
        (
            "customer",
            json!({"kind": "email", "value": "nameless@example.com"}),
            "customer.name",
        ),
    ];
    for (key, value, field) in cases {
        let mut body = good.clone();
        body[key] = value;
        let (status, v) = api.post("/api/v1/community/topics", body).await;
        assert!(status.is_client_error(), "{key}: {status} {v}");
        assert_eq!(v["error"]["field"], field, "{key}: {v}");
    }
    let (status, v) = api
        .post(
            "/api/v1/community/topics",
            json!({"customer_id": "nope", "kind": "idea", "title": "Something"}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("customer_id"))
    );
    let (status, v) = api
        .post(
            "/api/v1/community/topics",
            json!({"kind": "idea", "title": "Something"}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("customer"))
    );
    let (status, v) = api
        .post(
            "/api/v1/community/topics",
            json!({"kind": "idea", "title": "Something", "extra": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let (_, list) = Api::new(s, "")
        .get(&format!("/api/v1/public/{}/community/topics", t.workspace.slug))
        .await;
    assert!(list["items"].as_array().unwrap().is_empty(), "nothing stored: {list}");
    let (_, nobody) = api.get("/api/v1/customers?identity=email:nameless@example.com").await;
    assert!(
        nobody["items"].as_array().unwrap().is_empty(),
        "no customer left behind"
    );

    let topic = api_topic(&api, "jane@example.com", "problem", "Brakes squeal", "").await;
    let id = topic["id"].as_str().unwrap();
    for (path, body, field) in [
        (
            format!("/api/v1/community/topics/{id}/replies"),
            json!({"body": "  "}),
            "body",
        ),
        (
            format!("/api/v1/community/topics/{id}/replies"),
            json!({"body": 5}),
            "body",
        ),
        (
            format!("/api/v1/community/topics/{id}/accept"),
            json!({"reply_id": "x"}),
            "reply_id",
        ),
        (
            format!("/api/v1/community/topics/{id}/merge"),
            json!({"into": "x"}),
            "into",
        ),
        (
            format!("/api/v1/community/topics/{id}/move"),
            json!({"kind": "bug"}),
            "kind",
        ),
        (format!("/api/v1/community/topics/{id}/move"), json!({}), "kind"),
        (
            format!("/api/v1/community/topics/{id}/hide"),
            json!({"hidden": "yes"}),
            "hidden",
        ),
    ] {
        let (status, v) = api.post(&path, body).await;
        assert!(status.is_client_error(), "{path}: {status} {v}");
        assert_eq!(v["error"]["field"], field, "{path}: {v}");
    }
    for (body, field) in [
        (
            json!({"status": "finished", "status_note": "A long enough note"}),
            "status",
        ),
        (json!({"status": "planned", "status_note": "short"}), "status_note"),
        (json!({"status": "planned"}), "status_note"),
        (json!({"status_note": "A long enough note"}), "status"),
    ] {
        let (status, v) = api.patch(&format!("/api/v1/community/topics/{id}"), body).await;
        assert!(status.is_client_error(), "{status} {v}");
        assert_eq!(v["error"]["field"], field, "{v}");
    }
    let (status, _) = api.get("/api/v1/community/topics/not-an-id").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, v) = Api::new(s, "")
        .get(&format!(
            "/api/v1/public/{}/community/topics?kind=bug",
            t.workspace.slug
        ))
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("kind"))
    );
    let (status, v) = Api::new(s, "")
        .get(&format!(
            "/api/v1/public/{}/community/topics?cursor=zz",
            t.workspace.slug
        ))
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("cursor"))
    );
    let (_, detail) = api.get(&format!("/api/v1/community/topics/{id}")).await;
    assert_eq!(detail["replies"], 0);
    assert_eq!(detail["status"], "new");
    assert!(detail["status_history"].as_array().unwrap().is_empty());
}
http_test!(bad_input, bad_input_names_the_field_and_stores_nothing);

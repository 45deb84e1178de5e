use super::*;

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

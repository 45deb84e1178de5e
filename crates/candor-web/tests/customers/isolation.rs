use super::*;

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

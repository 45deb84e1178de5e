use super::*;

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

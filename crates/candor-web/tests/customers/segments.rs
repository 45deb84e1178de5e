use super::*;

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

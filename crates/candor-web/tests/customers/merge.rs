use super::*;

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

//! Commitments through a real socket on both databases: publishing versions,
//! the public page and JSON, the settings form, roles and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::staff::Role;
use candor_web::http_test;
use candor_web::testing::{TEST_PASSWORD, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn body(first: &str) -> Value {
    json!({
        "calendar": {"time_zone": "Europe/Berlin", "weekly": {"mon": [{"start": "09:00", "end": "18:00"}], "tue": [{"start": "09:00", "end": "18:00"}]}, "holidays": ["2026-12-25"]},
        "warn_at": 0.8,
        "commitments": [{"channel": "email", "priority": "normal", "first_reply": first, "resolution": "P2D"}],
        "redress": "We say sorry and take 10% off.",
        "redress_actions": ["notify-lead"]
    })
}

async fn put(s: &TestServer, token: &str, b: Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .put(s.url("/api/v1/commitments"))
        .bearer_auth(token)
        .json(&b)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn published_commitments_are_public(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    // Nothing yet: the public page says so.
    let page = reqwest::get(s.url("/w/acme-inc/commitments"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("has not published its commitments yet"), "{page}");
    let (status, v) = put(s, &t.token, body("PT4H")).await;
    assert_eq!((status, v["version"].clone()), (StatusCode::OK, json!(1)), "{v}");
    let (_, v) = put(s, &t.token, body("PT2H")).await;
    assert_eq!(v["version"], 2);
    let public: Value = reqwest::get(s.url("/api/v1/public/acme-inc/commitments"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["workspace"]["slug"], "acme-inc");
    assert_eq!(public["commitments"][0]["first_reply"], "PT2H");
    assert_eq!(public["commitments"][0]["resolution"], "P2D");
    assert!(
        public["commitments"][0]["hours"]
            .as_str()
            .unwrap()
            .contains("Monday to Tuesday 09:00–18:00 (Europe/Berlin)"),
        "{public}"
    );
    assert_eq!(public["commitments"][0]["redress"], "We say sorry and take 10% off.");
    for period in ["7d", "30d", "90d"] {
        assert!(public["measured"][period].is_object(), "{public}");
    }
    let page = reqwest::get(s.url("/w/acme-inc/commitments"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Email at normal priority: a first reply within 2 hours, a resolution within 2 business days"),
        "{page}"
    );
    assert!(page.contains("rel=\"canonical\""));
    // Unknown workspaces are not found.
    assert_eq!(
        reqwest::get(s.url("/api/v1/public/nope/commitments"))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reqwest::get(s.url("/w/nope/commitments")).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Each version is an event.
    let events = s.app.db.events(t.workspace.id, None, 50).await.unwrap().items;
    assert_eq!(events.iter().filter(|e| e.kind == "commitments.published").count(), 2);
}
http_test!(public, published_commitments_are_public);

async fn only_admins_publish_and_bad_input_is_named(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let (_, agent) = s.staff(&t.workspace, "Andrea Agent", Role::Agent, &[]).await;
    let (status, _) = put(s, &agent, body("PT4H")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let cases = [
        (json!({"first_reply": "four hours"}), "commitments[0].first_reply"),
        (json!({"channel": "fax"}), "commitments[0].channel"),
        (json!({"priority": "asap"}), "commitments[0].priority"),
    ];
    for (patch, field) in cases {
        let mut b = body("PT4H");
        for (k, v) in patch.as_object().unwrap() {
            b["commitments"][0][k] = v.clone();
        }
        let (status, e) = put(s, &t.token, b).await;
        assert!(status.is_client_error(), "{e}");
        let said = format!("{} {}", e["error"]["field"], e["error"]["message"]);
        assert!(
            said.contains(field) || said.contains(field.rsplit('.').next().unwrap()),
            "{field}: {e}"
        );
    }
    let mut b = body("PT4H");
    b["warn_at"] = json!(2.0);
    assert_eq!(put(s, &t.token, b).await.1["error"]["field"], "warn_at");
    let mut b = body("PT4H");
    b["calendar"]["time_zone"] = json!("Mars/Olympus");
    assert!(put(s, &t.token, b).await.0.is_client_error());
    // Nothing was stored by the refusals.
    assert!(s.app.db.current_commitments(t.workspace.id).await.unwrap().is_none());
    // Another workspace's token publishes its own, not ours.
    let other = s.tenant("Bolt Ltd").await;
    put(s, &other.token, body("PT1H")).await;
    assert!(s.app.db.current_commitments(t.workspace.id).await.unwrap().is_none());
}
http_test!(roles_and_input, only_admins_publish_and_bad_input_is_named);

async fn the_settings_form_publishes_in_plain_words(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = login
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    b.post(s.url("/login"))
        .form(&[
            ("email", t.owner.email.as_str()),
            ("password", TEST_PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    let page = b
        .get(s.url("/settings/commitments"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let mut form = vec![
        ("csrf", csrf.clone()),
        ("time_zone", "Europe/Berlin".into()),
        ("hours_mon", "09:00-12:00, 13:00-18:00".into()),
        ("hours_tue", "09:00-18:00".into()),
        ("holidays", "2026-12-25\n2026-12-26".into()),
        ("warn_at", "80".into()),
        ("email.normal.first_reply", "4 hours".into()),
        ("chat.urgent.first_reply", "PT5M".into()),
        ("redress", "We call you and make it right.".into()),
        ("action", "draft-apology".into()),
    ];
    let r = b.post(s.url("/settings/commitments")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = s.app.db.current_commitments(t.workspace.id).await.unwrap().unwrap();
    assert_eq!(v.commitments.commitments.len(), 2);
    assert_eq!(v.commitments.calendar.holidays().len(), 2);
    assert!((v.commitments.warn_at - 0.8).abs() < 1e-9);
    let page = b
        .get(s.url("/settings/commitments"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Email at normal priority: a first reply within 4 hours"),
        "preview: {page}"
    );
    assert!(page.contains("09:00-12:00, 13:00-18:00"));
    // A bad duration is named, and the typed values come back.
    form[6] = ("email.normal.first_reply", "soonish".into());
    let r = b.post(s.url("/settings/commitments")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("soonish") && page.contains("is not a duration"), "{page}");
    assert_eq!(
        s.app
            .db
            .current_commitments(t.workspace.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );
}
http_test!(settings_form, the_settings_form_publishes_in_plain_words);

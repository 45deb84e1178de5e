//! The public pages: sign-in by link, posting, following and notifications,
//! spam defences, moderation, XSS, feeds and caching.

use super::{Api, browser, csrf_of, latest_link, sign_in, try_link};
use candor_core::identity::{Identity, IdentityKind};
use candor_web::http_test;
use candor_web::testing::{Tenant, TestServer};
use jiff::SignedDuration;
use reqwest::{Client, StatusCode};
use serde_json::json;

async fn page(s: &TestServer, b: &Client, path: &str) -> (StatusCode, String) {
    let resp = b.get(s.url(path)).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// Posts the new-topic form (twice when similar topics are suggested).
async fn post_topic(s: &TestServer, t: &Tenant, b: &Client, fields: &[(&str, &str)]) -> reqwest::Response {
    let base = format!("/w/{}/community", t.workspace.slug);
    let (_, html) = page(s, b, &format!("{base}/new")).await;
    let csrf = csrf_of(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str()), ("checked", "1")];
    form.extend_from_slice(fields);
    b.post(s.url(&format!("{base}/new"))).form(&form).send().await.unwrap()
}

async fn magic_links_sign_customers_in(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let base = format!("/w/{}/community", t.workspace.slug);
    let (b, link) = sign_in(s, &t, "New.Person@Example.com", "Nora Person").await;
    // The link linked the address to a (new) customer, verified, under the name given.
    let identity = Identity::parse(IdentityKind::Email, "new.person@example.com", None).unwrap();
    let c = s
        .app
        .db
        .customer_by_identity(t.workspace.id, &identity)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.name, "Nora Person");
    assert!(c.identities[0].verified);
    let (_, html) = page(s, &b, &base).await;
    assert!(html.contains("Signed in as Nora Person"), "{html}");
    // It works once.
    let again = browser();
    assert_eq!(try_link(s, &again, &link).await, StatusCode::GONE);
    // The outbox keeps the message without the link.
    let outbox = s.app.db.outbox(t.workspace.id, 10).await.unwrap();
    assert_eq!(outbox[0].to, "new.person@example.com");
    assert!(!outbox[0].text.contains("/signin/cl_"), "{}", outbox[0].text);
    // An existing customer keeps their name and gets their address verified; links expire.
    let api = Api::new(s, &t.token);
    api.post(
        "/api/v1/customers",
        json!({"name": "Jane Doe", "identities": [{"kind": "email", "value": "jane@example.com"}]}),
    )
    .await;
    let b2 = browser();
    let (_, html) = page(s, &b2, &format!("{base}/signin")).await;
    let csrf = csrf_of(&html);
    let resp = b2
        .post(s.url(&format!("{base}/signin")))
        .form(&[("csrf", csrf.as_str()), ("email", "jane@example.com"), ("name", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let link = latest_link(s, &t, "jane@example.com").await;
    s.clock.advance(SignedDuration::from_mins(31));
    assert_eq!(try_link(s, &b2, &link).await, StatusCode::GONE);
    // A link of one workspace does nothing in another.
    let other = s.tenant("Other Co").await;
    let foreign = link.replace(&t.workspace.slug, &other.workspace.slug);
    assert_eq!(try_link(s, &browser(), &foreign).await, StatusCode::GONE);
    // Bad input names the field.
    let (_, html) = page(s, &b2, &format!("{base}/signin")).await;
    let csrf = csrf_of(&html);
    for (email, name) in [("not-an-email", "X"), ("fresh@example.com", "")] {
        let resp = b2
            .post(s.url(&format!("{base}/signin")))
            .form(&[("csrf", csrf.as_str()), ("email", email), ("name", name)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
http_test!(magic_links, magic_links_sign_customers_in);

async fn posting_following_and_notifications(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let base = format!("/w/{}/community", t.workspace.slug);
    let (b, _) = sign_in(s, &t, "jane@example.com", "Jane Doe").await;
    let resp = post_topic(
        s,
        &t,
        &b,
        &[
            ("kind", "problem"),
            ("title", "Brakes squeal after rain"),
            ("body", "Front disc, *loud*."),
            ("mood", "frustrated"),
            ("tags", "brakes, City Bike"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let href = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(href, format!("{base}/t/brakes-squeal-after-rain"));
    let (status, html) = page(s, &b, &href).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<em>loud</em>") && html.contains("frustrated") && html.contains("city-bike"),
        "{html}"
    );
    assert!(html.contains(r#"id="unfollow""#), "the poster follows their topic");
    // Similar topics are suggested before a second, alike topic is posted.
    let (_, form) = page(s, &b, &format!("{base}/new")).await;
    let csrf = csrf_of(&form);
    let resp = b
        .post(s.url(&format!("{base}/new")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "problem"),
            ("title", "Brakes squeal in the rain"),
            ("body", ""),
        ])
        .send()
        .await
        .unwrap();
    let html = resp.text().await.unwrap();
    assert!(
        html.contains(r#"id="similar""#) && html.contains("Brakes squeal after rain"),
        "{html}"
    );
    // Staff answer officially and set a status: the follower is told each time.
    let api = Api::new(s, &t.token);
    let (_, list) = api.get("/api/v1/community/waiting").await;
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/api/v1/community/topics/{id}/replies"),
        json!({"body": "Wipe the **rotor**."}),
    )
    .await;
    api.patch(
        &format!("/api/v1/community/topics/{id}"),
        json!({"status": "in-progress", "status_note": "We are replacing the pads on all bikes."}),
    )
    .await;
    let jobs = s.app.db.queued_emails(t.workspace.id).await.unwrap();
    let news: Vec<_> = jobs
        .iter()
        .filter(|j| j["to"] == "jane@example.com" && j["purpose"] != "community.sign_in")
        .collect();
    assert_eq!(news.len(), 2, "{jobs:?}");
    assert_eq!(news[0]["purpose"], "community.reply");
    assert!(
        news[0]["subject"]
            .as_str()
            .unwrap()
            .contains("Brakes squeal after rain")
    );
    assert!(
        news[0]["text"]
            .as_str()
            .unwrap()
            .contains("Olivia Owner (Owner, official reply)")
    );
    assert!(news[0]["text"].as_str().unwrap().contains("Wipe the **rotor**."));
    assert!(news[0]["html"].as_str().unwrap().contains("<strong>rotor</strong>"));
    assert!(news[1]["text"].as_str().unwrap().contains("We are replacing the pads"));
    let outbox = s.app.db.outbox(t.workspace.id, 10).await.unwrap();
    assert_eq!(outbox[0].to, "jane@example.com");
    assert_eq!(outbox[0].purpose, "community.status");
    assert!(outbox[0].text.contains("In progress") && outbox[0].text.contains(&s.base));
    // The customer sees both on the page.
    let (_, html) = page(s, &b, &href).await;
    assert!(
        html.contains("Official reply") && html.contains("Olivia Owner") && html.contains("In progress"),
        "{html}"
    );
    assert!(html.contains("We are replacing the pads"));
    // A second customer says me too, follows and replies; the first is told, the replier is not.
    let (b2, _) = sign_in(s, &t, "joe@example.com", "Joe Bloggs").await;
    let (_, html) = page(s, &b2, &href).await;
    let csrf = csrf_of(&html);
    for action in ["me-too", "follow"] {
        let resp = b2
            .post(s.url(&format!("{href}/{action}")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{action}");
    }
    let resp = b2
        .post(s.url(&format!("{href}/reply")))
        .form(&[("csrf", csrf.as_str()), ("body", "Same on mine."), ("website", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, detail) = api.get(&format!("/api/v1/community/topics/{id}")).await;
    assert_eq!(
        (
            detail["me_too"].as_i64(),
            detail["followers"].as_i64(),
            detail["replies"].as_i64()
        ),
        (Some(1), Some(2), Some(2))
    );
    let jobs = s.app.db.queued_emails(t.workspace.id).await.unwrap();
    let about_joe: Vec<_> = jobs
        .iter()
        .filter(|j| j["text"].as_str().unwrap_or("").contains("Same on mine."))
        .collect();
    assert_eq!(about_joe.len(), 1);
    assert_eq!(about_joe[0]["to"], "jane@example.com");
    // Unfollowing stops it; a form without the session's token is refused.
    let resp = b2
        .post(s.url(&format!("{href}/unfollow")))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Locked topics take no customer replies.
    api.post(&format!("/api/v1/community/topics/{id}/lock"), json!({"locked": true}))
        .await;
    let resp = b2
        .post(s.url(&format!("{href}/reply")))
        .form(&[("csrf", csrf.as_str()), ("body", "Still there?")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
}
http_test!(posting, posting_following_and_notifications);

async fn askers_accept_answers(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let (b, _) = sign_in(s, &t, "jane@example.com", "Jane Doe").await;
    let resp = post_topic(
        s,
        &t,
        &b,
        &[
            ("kind", "question"),
            ("title", "How high should the saddle be?"),
            ("body", ""),
        ],
    )
    .await;
    let href = resp.headers()["location"].to_str().unwrap().to_string();
    let api = Api::new(s, &t.token);
    let (_, list) = api.get("/api/v1/community/waiting").await;
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    let (_, reply) = api
        .post(
            &format!("/api/v1/community/topics/{id}/replies"),
            json!({"body": "Leg almost straight."}),
        )
        .await;
    let rid = reply["id"].as_str().unwrap();
    let (_, html) = page(s, &b, &href).await;
    assert!(html.contains(&format!("id=\"accept-{rid}\"")), "{html}");
    let csrf = csrf_of(&html);
    let resp = b
        .post(s.url(&format!("{href}/accept")))
        .form(&[("csrf", csrf.as_str()), ("reply_id", rid)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(s, &b, &href).await;
    assert!(html.contains("Accepted answer") && html.contains("Answered"), "{html}");
    // Someone else may not accept.
    let (b2, _) = sign_in(s, &t, "joe@example.com", "Joe Bloggs").await;
    let (_, html) = page(s, &b2, &href).await;
    assert!(!html.contains("accept-answer"));
    let csrf = csrf_of(&html);
    let resp = b2
        .post(s.url(&format!("{href}/accept")))
        .form(&[("csrf", csrf.as_str()), ("reply_id", rid)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
http_test!(accepting, askers_accept_answers);

async fn spam_defences(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let (b, _) = sign_in(s, &t, "jane@example.com", "Jane Doe").await;
    let count = || async {
        Api::new(s, "")
            .get(&format!(
                "/api/v1/public/{}/community/topics?limit=200",
                t.workspace.slug
            ))
            .await
            .1["items"]
            .as_array()
            .unwrap()
            .len()
    };
    // The honeypot: accepted politely, stored nowhere.
    let resp = post_topic(
        s,
        &t,
        &b,
        &[
            ("kind", "idea"),
            ("title", "Cheap watches here"),
            ("website", "http://spam.example"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(count().await, 0);
    // New posters may not post many links.
    let links = "https://a.example https://b.example https://c.example";
    let resp = post_topic(
        s,
        &t,
        &b,
        &[("kind", "idea"), ("title", "Look at these"), ("body", links)],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("at most 2 links"));
    assert_eq!(count().await, 0);
    // Five topics an hour per person, then 429 until the window ends.
    for i in 0..5 {
        let title = format!(
            "Distinct topic number {i} about {}",
            ["gears", "lights", "tyres", "locks", "bells"][i]
        );
        let resp = post_topic(s, &t, &b, &[("kind", "idea"), ("title", title.as_str())]).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{i}");
    }
    let resp = post_topic(s, &t, &b, &[("kind", "idea"), ("title", "One topic too many today")]).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(count().await, 5);
    s.clock.advance(SignedDuration::from_mins(61));
    let resp = post_topic(
        s,
        &t,
        &b,
        &[("kind", "idea"), ("title", "After an hour it works again")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    // Sign-in links: five an hour per address.
    let signin = format!("/w/{}/community/signin", t.workspace.slug);
    let b3 = browser();
    let (_, html) = page(s, &b3, &signin).await;
    let csrf = csrf_of(&html);
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = b3
            .post(s.url(&signin))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "flood@example.com"),
                ("name", "Flo Od"),
            ])
            .send()
            .await
            .unwrap()
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let events = s.app.db.events(t.workspace.id, None, 200).await.unwrap().items;
    assert!(events.iter().any(|e| e.kind == "community.spam_refused"));
    let _ = api;
}
http_test!(spam, spam_defences);

async fn first_posts_wait_for_moderators(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let (status, v) = api
        .patch("/api/v1/community/settings", json!({"moderate_first_posts": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (b, _) = sign_in(s, &t, "jane@example.com", "Jane Doe").await;
    let resp = post_topic(s, &t, &b, &[("kind", "praise"), ("title", "Lovely service in Berlin")]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("waits for a moderator"));
    let public = Api::new(s, "");
    let list = format!("/api/v1/public/{}/community/topics", t.workspace.slug);
    assert!(public.get(&list).await.1["items"].as_array().unwrap().is_empty());
    let (_, page_html) = page(
        s,
        &browser(),
        &format!("/w/{}/community/t/lovely-service-in-berlin", t.workspace.slug),
    )
    .await;
    assert!(!page_html.contains("Lovely service in Berlin</h1>"));
    let (_, queue) = api.get("/api/v1/community/moderation").await;
    let id = queue["topics"][0]["id"].as_str().unwrap().to_string();
    let (status, v) = api
        .post(&format!("/api/v1/community/moderation/{id}/approve"), json!({}))
        .await;
    assert_eq!(
        (status, v["decision"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{v}"
    );
    assert_eq!(public.get(&list).await.1["items"].as_array().unwrap().len(), 1);
    let (status, _) = api
        .post(&format!("/api/v1/community/moderation/{id}/reject"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "only waiting posts are decided");
    // Approved once, the poster's next post is published at once.
    let resp = post_topic(s, &t, &b, &[("kind", "idea"), ("title", "Group rides for owners")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    // A new poster's reply waits, and a rejected one never shows.
    let (b2, _) = sign_in(s, &t, "joe@example.com", "Joe Bloggs").await;
    let href = format!("/w/{}/community/t/group-rides-for-owners", t.workspace.slug);
    let (_, html) = page(s, &b2, &href).await;
    let csrf = csrf_of(&html);
    let resp = b2
        .post(s.url(&format!("{href}/reply")))
        .form(&[("csrf", csrf.as_str()), ("body", "Buy pills")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, queue) = api.get("/api/v1/community/moderation").await;
    let rid = queue["replies"][0]["id"].as_str().unwrap().to_string();
    api.post(&format!("/api/v1/community/moderation/{rid}/reject"), json!({}))
        .await;
    let (_, html) = page(s, &b2, &href).await;
    assert!(!html.contains("Buy pills"));
    // Staff see and decide the queue on their page too.
    let events = s.app.db.events(t.workspace.id, None, 200).await.unwrap().items;
    assert!(events.iter().any(|e| e.kind == "community.post_approved"));
    assert!(events.iter().any(|e| e.kind == "community.post_rejected"));
}
http_test!(moderation_queue, first_posts_wait_for_moderators);

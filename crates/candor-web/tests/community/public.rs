//! What anyone can read: no script survives, feeds are well-formed Atom,
//! pages are cacheable and indexable.

use super::{Api, api_topic, browser, sign_in};
use candor_app::Caller;
use candor_app::community::mail::Site;
use candor_app::community::staff::{StaffReplyInput, reply_as_staff};
use candor_core::community::TopicId;
use candor_web::http_test;
use candor_web::testing::TestServer;
use reqwest::{Client, StatusCode};
use serde_json::json;

async fn page(s: &TestServer, b: &Client, path: &str) -> (StatusCode, String) {
    let resp = b.get(s.url(path)).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

const EVIL: &str = "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)> [x](javascript:alert(3))\n\n\
    <a href=\"javascript:alert(4)\" onclick=\"alert(5)\">y</a> <svg onload=alert(8)></svg>\n\n[z](JavaScript:alert(9))";

fn assert_clean(what: &str, text: &str) {
    let lower = text.to_lowercase();
    for bad in [
        "<script",
        "onerror=",
        "onclick=",
        "onload=",
        "href=\"javascript:",
        "src=\"javascript:",
        "<svg",
    ] {
        assert!(!lower.contains(bad), "{bad} survived in the {what}:\n{text}");
    }
}

async fn no_script_survives(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let (status, v) = api
        .post(
            "/api/v1/community/topics",
            json!({"customer": {"kind": "email", "value": "evil@example.com", "name": "Eve <script>alert(6)</script>"},
                   "kind": "problem", "title": "<script>alert(7)</script> onerror=x javascript:y", "body": EVIL, "tags": ["<b>x</b>"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_clean("API body_html", v["body_html"].as_str().unwrap());
    let id = v["id"].as_str().unwrap();
    let (_, r) = api
        .post(&format!("/api/v1/community/topics/{id}/replies"), json!({"body": EVIL}))
        .await;
    assert_clean("reply body_html", r["body_html"].as_str().unwrap());
    assert!(
        r["body_html"].as_str().unwrap().contains("nofollow ugc") || !r["body_html"].as_str().unwrap().contains("<a ")
    );
    api.patch(
        &format!("/api/v1/community/topics/{id}"),
        json!({"status": "acknowledged", "status_note": EVIL}),
    )
    .await;
    let url = v["url"].as_str().unwrap();
    let b = browser();
    for path in [
        url.to_string(),
        format!("/w/{}/community", t.workspace.slug),
        format!("/w/{}/community?q=alert", t.workspace.slug),
        format!("/w/{}/community/about", t.workspace.slug),
        format!("{url}/feed.atom"),
        format!("/w/{}/community/feed.atom", t.workspace.slug),
    ] {
        let (status, text) = page(s, &b, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        // Escaped text may mention the words, but no live markup or handler does.
        let without_escaped = text.replace("&lt;script&gt;", "").replace("&amp;lt;script&amp;gt;", "");
        assert!(!without_escaped.to_lowercase().contains("<script"), "{path}:\n{text}");
        for bad in ["onerror=alert", "onclick=\"alert", "href=\"javascript:"] {
            assert!(!text.to_lowercase().contains(bad), "{bad} in {path}:\n{text}");
        }
    }
}
http_test!(xss, no_script_survives);

async fn feeds_are_well_formed_atom(s: &TestServer) {
    let t = s.tenant("Acme & Sons <Bikes>").await;
    let api = Api::new(s, &t.token);
    let v = api_topic(
        &api,
        "jane@example.com",
        "idea",
        "Racks & \"bags\" <please>",
        "Body with & and <b>bold</b>",
    )
    .await;
    let id = v["id"].as_str().unwrap();
    api.post(
        &format!("/api/v1/community/topics/{id}/replies"),
        json!({"body": "Yes & no <i>maybe</i>"}),
    )
    .await;
    api.patch(
        &format!("/api/v1/community/topics/{id}"),
        json!({"status": "planned", "status_note": "Coming in May & June."}),
    )
    .await;
    let url = v["url"].as_str().unwrap();
    for (path, entries) in [
        (format!("/w/{}/community/feed.atom", t.workspace.slug), 1),
        (format!("/w/{}/community/tags/brakes/feed.atom", t.workspace.slug), 1),
        (format!("/w/{}/community/tags/none/feed.atom", t.workspace.slug), 0),
        (format!("{url}/feed.atom"), 3),
    ] {
        let resp = browser().get(s.url(&path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/atom+xml")
        );
        let xml = resp.text().await.unwrap();
        let mut reader = quick_xml::Reader::from_str(&xml);
        let (mut n, mut root) = (0, String::new());
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(e)) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    if root.is_empty() {
                        root = name.clone();
                    }
                    if name == "entry" {
                        n += 1;
                    }
                }
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{path} is not well-formed XML: {e}\n{xml}"),
            }
        }
        assert_eq!(root, "feed", "{path}");
        assert_eq!(n, entries, "{path}:\n{xml}");
        assert!(xml.contains("xmlns=\"http://www.w3.org/2005/Atom\""));
    }
}
http_test!(feeds, feeds_are_well_formed_atom);

async fn pages_are_cacheable_and_indexable(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let v = api_topic(
        &api,
        "jane@example.com",
        "problem",
        "Gear shifts skip under load",
        "When I climb.",
    )
    .await;
    let url = v["url"].as_str().unwrap().to_string();
    let b = browser();
    let resp = b.get(s.url(&url)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    assert!(resp.headers()["cache-control"].to_str().unwrap().starts_with("public"));
    assert!(resp.headers().contains_key("last-modified"));
    let html = resp.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"<link rel="canonical" href="{}{url}">"#, s.base)),
        "{html}"
    );
    assert!(html.contains(r#"<meta name="description" content="When I climb.">"#));
    assert!(html.contains("<title>Gear shifts skip under load · Acme Inc community</title>"));
    let again = b.get(s.url(&url)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // The page kept for anonymous readers is the page rendered, with its validators.
    let kept = b.get(s.url(&url)).send().await.unwrap();
    assert_eq!(kept.headers()["etag"].to_str().unwrap(), etag);
    assert!(kept.headers()["cache-control"].to_str().unwrap().starts_with("public"));
    assert!(
        kept.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(kept.text().await.unwrap(), html);
    // A reply changes the page, and so its tag.
    let id = v["id"].as_str().unwrap();
    api.post(
        &format!("/api/v1/community/topics/{id}/replies"),
        json!({"body": "On it."}),
    )
    .await;
    let changed = b.get(s.url(&url)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    assert!(
        changed.text().await.unwrap().contains("On it."),
        "the kept page is not served after a change"
    );
    // Signed-in pages are private.
    let (m, _) = sign_in(s, &t, "jane@example.com", "Jane Doe").await;
    let resp = m.get(s.url(&url)).send().await.unwrap();
    assert!(resp.headers()["cache-control"].to_str().unwrap().starts_with("private"));
    // The profile page shows measured figures and the people who answered.
    let (status, html) = page(s, &b, &format!("/w/{}/community/about", t.workspace.slug)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Last 30 days") && html.contains("Olivia Owner") && html.contains("100%"),
        "{html}"
    );
    // A community that does not exist is a 404; so is a topic.
    assert_eq!(page(s, &b, "/w/nope/community").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        page(s, &b, &format!("/w/{}/community/t/nope", t.workspace.slug))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}
http_test!(caching, pages_are_cacheable_and_indexable);

async fn a_change_on_another_node_shows_at_once(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let v = api_topic(&api, "jane@example.com", "question", "Which chain fits?", "A 1x12.").await;
    let url = v["url"].as_str().unwrap().to_string();
    let id: TopicId = v["id"].as_str().unwrap().parse().unwrap();
    let b = browser();
    let first = b.get(s.url(&url)).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    // The page is kept for anonymous readers now.
    let kept = b.get(s.url(&url)).send().await.unwrap();
    assert_eq!(kept.headers()["etag"].to_str().unwrap(), etag);
    // Another node answers: this server's caches hear nothing of it.
    let other = s.another_node().await;
    let site = Site {
        base_url: &s.base,
        workspace: &t.workspace,
    };
    let input = StaffReplyInput {
        body: "The 12-speed one.".into(),
        official: true,
    };
    reply_as_staff(&other, &Caller::session(t.owner.clone()), &site, id, &input)
        .await
        .unwrap();
    let resp = b.get(s.url(&url)).send().await.unwrap();
    assert_ne!(resp.headers()["etag"].to_str().unwrap(), etag);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("The 12-speed one."),
        "the kept page is served after another node's change"
    );
}
http_test!(other_nodes, a_change_on_another_node_shows_at_once);

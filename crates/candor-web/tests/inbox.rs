//! Attachments, the live event stream and the inbox pages, on SQLite and
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_web::http_test;
use candor_web::testing::{TEST_PASSWORD, TestServer};
use common::{Api, browser, csrf_of, next_event, open};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn attachments(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let c = open(&api, "jane@example.com", "See the photo").await;
    let id = c["id"].as_str().unwrap();
    let url = s.url(&format!("/api/v1/conversations/{id}/attachments"));
    // Raw body with a file name that tries to escape.
    let r = api
        .http
        .post(format!("{url}?filename=..%2F..%2Fevil%22.html"))
        .bearer_auth(&t.token)
        .body("<html><script>alert(1)</script></html>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: Value = r.json().await.unwrap();
    assert_eq!(
        (a["filename"].as_str(), a["content_type"].as_str()),
        (Some("evil_.html"), Some("text/plain"))
    );
    let got = api
        .http
        .get(s.url(a["url"].as_str().unwrap()))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let h = got.headers().clone();
    assert_eq!(h["content-type"], "text/plain");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"evil_.html\"")
    );
    assert_eq!(got.text().await.unwrap(), "<html><script>alert(1)</script></html>");
    // Multipart, sniffed from the bytes.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(png).file_name("photo.png"));
    let r = api
        .http
        .post(&url)
        .bearer_auth(&t.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["content_type"], "image/png");
    // Larger than the limit (1 MiB in tests): 413 JSON, nothing stored.
    let big = vec![b'x'; 1024 * 1024 + 1];
    let r = api
        .http
        .post(format!("{url}?filename=big.txt"))
        .bearer_auth(&t.token)
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "too_large");
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(big).file_name("big.txt"));
    let r = api
        .http
        .post(&url)
        .bearer_auth(&t.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = api
        .http
        .post(&url)
        .bearer_auth(&t.token)
        .body("no name")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(full["attachments"].as_array().unwrap().len(), 2);
}
http_test!(attachments_on, attachments);

async fn live_stream(s: &TestServer) {
    let acme = s.tenant("Acme Inc").await;
    let other = s.tenant("Other Co").await;
    let api = Api::new(s, &acme.token);
    let c = open(&api, "jane@example.com", "Hello").await;
    let id = c["id"].as_str().unwrap();
    let mut theirs = api
        .http
        .get(s.url("/api/v1/stream"))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    let mut resp = api
        .http
        .get(s.url("/api/v1/stream"))
        .bearer_auth(&acme.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let (mut buf, mut their_buf) = (String::new(), String::new());
    next_event(&mut resp, &mut buf, "ready", 5).await;
    next_event(&mut theirs, &mut their_buf, "ready", 5).await;
    api.post(
        &format!("/api/v1/conversations/{id}/messages"),
        json!({"kind": "inbound", "body": "Any news?"}),
    )
    .await;
    let e = next_event(&mut resp, &mut buf, "message.created", 5).await;
    assert_eq!(e["conversation_id"], id);
    api.post(&format!("/api/v1/conversations/{id}/typing"), json!({})).await;
    let e = next_event(&mut resp, &mut buf, "typing", 5).await;
    assert_eq!(e["name"], "Olivia Owner");
    // The other workspace heard nothing of it (only keep-alives, if anything).
    let quiet = tokio::time::timeout(Duration::from_millis(300), theirs.chunk()).await;
    assert!(
        !matches!(quiet, Ok(Ok(Some(ref b))) if String::from_utf8_lossy(b).contains("event:")),
        "{quiet:?}"
    );
    // Without credentials: 401.
    assert_eq!(
        api.http.get(s.url("/api/v1/stream")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    drop(resp);
    drop(theirs);
}
http_test!(live_stream_on, live_stream);

async fn inbox_pages(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let c = open(&api, "jane@example.com", "Line one <b>not bold</b>\nLine two").await;
    let id = c["id"].as_str().unwrap();
    let b = browser();
    let page = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"/inbox\""), "after sign-in the inbox opens");
    let csrf = csrf_of(&page);
    let r = b
        .post(s.url("/login"))
        .form(&[
            ("email", t.owner.email.as_str()),
            ("password", TEST_PASSWORD),
            ("csrf", &csrf),
            ("next", "/inbox"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/inbox");
    let list = b
        .get(s.url("/inbox?view=unassigned"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("id=\"conv-{id}\"")), "{list}");
    assert!(list.contains("id=\"nav-inbox\""));
    let filtered = b
        .get(s.url("/inbox?view=open&channel=email"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!filtered.contains(&format!("id=\"conv-{id}\"")));
    let conv = b
        .get(s.url(&format!("/inbox/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        conv.contains("Line one &#60;b&#62;not bold&#60;/b&#62;")
            || conv.contains("Line one &lt;b&gt;not bold&lt;/b&gt;"),
        "escaped"
    );
    for el in [
        "id=\"composer\"",
        "id=\"composer-body\"",
        "id=\"kind-note\"",
        "id=\"control-status\"",
        "id=\"customer-panel\"",
        "id=\"typing-indicator\"",
        "id=\"shortcuts-help\"",
        "id=\"coach-findings\"",
    ] {
        assert!(conv.contains(el), "missing {el}");
    }
    let csrf = csrf_of(&conv);
    let r = b
        .post(s.url(&format!("/inbox/{id}/messages")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "outbound"),
            ("body", "We are on it."),
            ("then", "pending"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .post(s.url(&format!("/inbox/{id}/update")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("priority", "urgent"),
            ("tags", "vip, courier"),
            ("assignee_id", ""),
            ("team_id", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        (full["status"].as_str(), full["priority"].as_str()),
        (Some("pending"), Some("urgent"))
    );
    assert_eq!(full["tags"], json!(["vip", "courier"]));
    assert_eq!(full["messages"][1]["author"]["name"], "Olivia Owner");
    // A forged form is refused; a bad status comes back as a message on the page.
    let r = b
        .post(s.url(&format!("/inbox/{id}/messages")))
        .form(&[("csrf", "guess"), ("body", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post(s.url(&format!("/inbox/{id}/update")))
        .form(&[("csrf", csrf.as_str()), ("status", "archived")])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"].to_str().unwrap().contains("error="));
    // The session may call the API: typing needs the form token.
    let r = b
        .post(s.url(&format!("/api/v1/conversations/{id}/typing")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post(s.url(&format!("/api/v1/conversations/{id}/typing")))
        .header("x-csrf-token", &csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // The browser's session opens the live stream too, and hears a new message.
    let mut stream = b.get(s.url("/api/v1/stream")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut buf = String::new();
    next_event(&mut stream, &mut buf, "ready", 5).await;
    api.post(
        &format!("/api/v1/conversations/{id}/messages"),
        json!({"kind": "inbound", "body": "Is anyone there?"}),
    )
    .await;
    let e = next_event(&mut stream, &mut buf, "message.created", 5).await;
    assert_eq!(e["conversation_id"], id);
    drop(stream);
    // Routing settings.
    let routing = b
        .get(s.url("/settings/routing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = b
        .post(s.url("/settings/routing/teams"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Repairs"),
            ("assign_mode", "least-loaded"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{routing}");
    let (_, teams) = api.get("/api/v1/teams").await;
    assert_eq!(teams["items"][0]["name"], "Repairs");
    // Another workspace's conversation is simply not there.
    let other = s.tenant("Other Co").await;
    let theirs = open(&Api::new(s, &other.token), "x@example.com", "Hi").await;
    let r = b
        .get(s.url(&format!("/inbox/{}", theirs["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
http_test!(inbox_pages_on, inbox_pages);

/// Signs `b` in as `email` through the form and gives the form token of `page`.
async fn signed_in(s: &TestServer, b: &reqwest::Client, email: &str, page: &str) -> String {
    let login = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let r = b
        .post(s.url("/login"))
        .form(&[
            ("email", email),
            ("password", TEST_PASSWORD),
            ("csrf", &csrf_of(&login)),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    csrf_of(&b.get(s.url(page)).send().await.unwrap().text().await.unwrap())
}

fn composer(csrf: &str, body: &str, files: &[(&str, Vec<u8>)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("kind", "outbound")
        .text("body", body.to_string())
        .text("then", "");
    for (name, bytes) in files {
        form = form.part(
            "files",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    form
}

async fn composer_files(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let c = open(&api, "jane@example.com", "Can I have the invoice?").await;
    let id = c["id"].as_str().unwrap();
    let page = format!("/inbox/{id}");
    let b = browser();
    let csrf = signed_in(s, &b, &t.owner.email, &page).await;
    let post = |form| b.post(s.url(&format!("/inbox/{id}/messages"))).multipart(form).send();
    let stored = || async {
        let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
        (
            full["messages"].as_array().unwrap().len(),
            full["attachments"].as_array().unwrap().len(),
        )
    };
    // A forged form is refused before anything is stored.
    let r = post(composer("guess", "Here it is", &[("invoice.txt", b"paid".to_vec())]))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored().await, (1, 0));
    // Too large: a clear page, nothing stored, the draft kept.
    let big = vec![b'x'; 1024 * 1024 + 1];
    let r = post(composer(
        &csrf,
        "Here it is",
        &[("invoice.txt", b"paid".to_vec()), ("big.bin", big)],
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let text = r.text().await.unwrap();
    assert!(text.contains("is larger than the limit of 1 MB per file"), "{text}");
    assert!(text.contains(">Here it is</textarea>"), "{text}");
    assert_eq!(stored().await, (1, 0));
    // Too many files, or an empty one: refused the same way.
    let many: Vec<(&str, Vec<u8>)> = (0..11).map(|_| ("a.txt", b"a".to_vec())).collect();
    let r = post(composer(&csrf, "Many", &many)).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("At most 10 files"));
    let r = post(composer(&csrf, "Empty", &[("empty.txt", Vec::new())]))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("“empty.txt”: the file is empty"));
    assert_eq!(stored().await, (1, 0));
    // A file field left empty by the browser is no file.
    let r = post(composer(&csrf, "No file after all", &[("", Vec::new())]))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored().await, (2, 0));
    // Two files with a note.
    let form = composer(
        &csrf,
        "Invoice and photo",
        &[
            ("invoice.txt", b"paid".to_vec()),
            ("../photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        ],
    )
    .text("kind", "note");
    let r = post(form).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, full) = api.get(&format!("/api/v1/conversations/{id}")).await;
    let note = &full["messages"][2];
    assert_eq!(note["kind"], "note");
    let names: Vec<(&str, &str)> = note["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["filename"].as_str().unwrap(), a["content_type"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("invoice.txt", "text/plain"), ("photo.png", "image/png")]);
    // The page lists them with download links.
    let html = b.get(s.url(&page)).send().await.unwrap().text().await.unwrap();
    let url = note["attachments"][0]["url"].as_str().unwrap();
    assert!(
        html.contains(&format!("href=\"{url}\" download=\"invoice.txt\"")),
        "{html}"
    );
    assert!(!html.contains("id=\"conversation-files\""));
    // A file attached through the API, to no message, is listed apart.
    let r = api
        .http
        .post(s.url(&format!("/api/v1/conversations/{id}/attachments?filename=label.pdf")))
        .bearer_auth(&t.token)
        .body("%PDF-1.7\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = b.get(s.url(&page)).send().await.unwrap().text().await.unwrap();
    let files = &html[html.find("id=\"conversation-files\"").expect("the files list")..];
    assert!(files.contains("download=\"label.pdf\""), "{files}");
}
http_test!(composer_files_on, composer_files);

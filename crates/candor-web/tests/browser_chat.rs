//! The chat widget in a real headless Chromium, on SQLite and PostgreSQL:
//! a shop's page, served by this test on its own origin, embeds the
//! widget with one script tag; a visitor opens it by keyboard and chats;
//! an agent answers from the conversation page in a second browser; both
//! see each other's messages and typing live, and the agent sees the reply
//! delivered. Also: the widget speaks German when the tag asks, and
//! Candor's own "what a customer sees" page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use candor_core::staff::Role;
use candor_web::testing::{Browser, PageResult, TEST_PASSWORD, TestBackend, TestServer};
use common::Api;
use serde_json::{Value, json};

macro_rules! on_both {
    ($flow:ident) => {
        mod $flow {
            use super::*;
            #[tokio::test]
            async fn sqlite() -> PageResult<()> {
                let s = TestServer::start(TestBackend::Sqlite).await;
                let result = super::$flow(&s).await;
                s.finish().await;
                result
            }
            #[tokio::test]
            async fn postgres() -> PageResult<()> {
                let s = TestServer::start(TestBackend::Postgres).await;
                let result = super::$flow(&s).await;
                s.finish().await;
                result
            }
        }
    };
}

/// A shop's site on a port of its own: `/` embeds the widget, `/de` in German.
async fn shop(candor: &str, slug: &str) -> String {
    let tag = |extra: &str| {
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bike shop</title></head>\
             <body><main><h1>Bike shop</h1><p>Helmets, lights, locks.</p></main>\
             <script src=\"{candor}/w/{slug}/widget.js\" async {extra}></script></body></html>"
        )
    };
    let (en, de) = (tag(""), tag("data-lang=\"de\""));
    let app = Router::new()
        .route("/", get(move || async move { Html(en) }))
        .route("/de", get(move || async move { Html(de) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn the_id_of_the_chat(api: &Api<'_>) -> String {
    for _ in 0..100 {
        let (_, list) = api.get("/api/v1/conversations?channel=chat").await;
        if let Some(id) = list["items"][0]["id"].as_str() {
            return id.to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no chat conversation was opened");
}

async fn a_visitor_and_an_agent_chat(s: &TestServer) -> PageResult<()> {
    let t = s.tenant("Acme Inc").await;
    let slug = t.workspace.slug.clone();
    let api = Api::new(s, &t.token);
    let site = shop(&s.base, &slug).await;
    // Only the shop's pages may open the chat.
    let (st, _) = api
        .call(
            reqwest::Method::PUT,
            "/api/v1/channels/chat/settings",
            Some(json!({"allowed_origins": [site.clone()]})),
        )
        .await;
    assert_eq!(st, 200);
    let (maya, _) = s.staff(&t.workspace, "Maya Lindqvist", Role::Agent, &[]).await;

    // The visitor opens the chat from the keyboard.
    let visitor = Browser::start().await?;
    visitor.goto(&site).await?;
    visitor.wait_for_text("#candor-chat-launcher", "Chat with us").await?;
    assert_eq!(
        visitor.attr("#candor-chat-launcher", "aria-expanded").await?.as_deref(),
        Some("false")
    );
    visitor
        .eval("document.getElementById('candor-chat-launcher').focus(); return true;")
        .await?;
    visitor.press("\u{e007}").await?; // Enter
    visitor
        .wait_until(
            "the panel is open",
            "document.getElementById('candor-chat-panel').hidden === false",
        )
        .await?;
    assert_eq!(
        visitor.attr("#candor-chat-launcher", "aria-expanded").await?.as_deref(),
        Some("true")
    );
    assert_eq!(
        visitor.attr("#candor-chat-panel", "role").await?.as_deref(),
        Some("dialog")
    );
    assert_eq!(
        visitor.attr("#candor-chat-log", "aria-live").await?.as_deref(),
        Some("polite")
    );
    visitor
        .wait_until(
            "the message field has the focus",
            "document.activeElement.id === 'candor-chat-input'",
        )
        .await?;
    visitor.wait_for("#candor-chat-panel[data-state=ready]").await?;
    visitor.wait_for_text("#candor-chat-title", "Acme Inc").await?;
    visitor
        .wait_for_text("#candor-chat-availability", "We are here")
        .await?;
    visitor.assert_accessible().await?;
    visitor
        .fill("#candor-chat-input", "Do you have the Aero helmet in XL?")
        .await?;
    visitor.click("#candor-chat-send").await?;
    visitor
        .wait_for_text("#candor-chat-log li.cc-visitor", "Do you have the Aero helmet in XL?")
        .await?;
    visitor
        .wait_for_text("#candor-chat-log li.cc-visitor .cc-meta", "Delivered")
        .await?;
    let id = the_id_of_the_chat(&api).await;

    // The agent, in a second browser, has it in the inbox.
    let agent = visitor.second().await?;
    agent.sign_in(s, &maya.email, TEST_PASSWORD).await?;
    agent.goto(&s.url(&format!("/inbox/{id}"))).await?;
    agent.wait_for("#conversation[data-live=ready]").await?;
    agent
        .wait_for_text("#thread li.msg.inbound", "Do you have the Aero helmet in XL?")
        .await?;

    // Typing shows both ways.
    visitor.fill("#candor-chat-input", "Or in L").await?;
    agent.wait_for_text("#typing-indicator", "is typing").await?;
    agent.fill("#composer-body", "Yes, we have it in XL. Shall I").await?;
    visitor
        .wait_for_text("#candor-chat-typing", "Maya Lindqvist is typing")
        .await?;

    // The agent answers; the visitor sees it at once, and the agent sees it delivered.
    agent
        .fill(
            "#composer-body",
            "Yes, we have it in XL. Shall I put one aside for you?",
        )
        .await?;
    agent.submit("#composer-send").await?;
    visitor
        .wait_for_text("#candor-chat-log li.cc-agent", "Shall I put one aside for you?")
        .await?;
    visitor
        .wait_for_text("#candor-chat-log li.cc-agent .cc-meta", "Maya Lindqvist")
        .await?;
    agent.wait_for("#conversation[data-live=ready]").await?;
    agent.wait_for_text("#thread li.msg.outbound", "sent").await?;

    // The visitor's next message appears on the agent's page without a reload.
    visitor
        .fill("#candor-chat-input", "Yes please, I come by at five.")
        .await?;
    visitor.press("\u{e007}").await?;
    agent
        .wait_for_text(
            "#thread li.msg.inbound:last-child .body",
            "Yes please, I come by at five.",
        )
        .await?;
    let (_, c) = api.get(&format!("/api/v1/conversations/{id}")).await;
    let bodies: Vec<&str> = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m: &Value| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "Do you have the Aero helmet in XL?",
            "Yes, we have it in XL. Shall I put one aside for you?",
            "Yes please, I come by at five."
        ]
    );

    // Escape closes the panel and gives the focus back to the button.
    visitor.press("\u{e00c}").await?;
    visitor
        .wait_until(
            "the panel is closed",
            "document.getElementById('candor-chat-panel').hidden === true",
        )
        .await?;
    visitor
        .wait_until(
            "the button has the focus",
            "document.activeElement.id === 'candor-chat-launcher'",
        )
        .await?;

    // In German when the tag asks; the history is there after a reload.
    visitor.goto(&format!("{site}/de")).await?;
    visitor
        .wait_for_text("#candor-chat-launcher", "Chatten Sie mit uns")
        .await?;
    visitor.click("#candor-chat-launcher").await?;
    visitor
        .wait_for_text("#candor-chat-availability", "Wir sind da")
        .await?;
    visitor
        .wait_for_text("#candor-chat-log", "Yes please, I come by at five.")
        .await?;
    let items = visitor.texts("#candor-chat-log li").await;
    assert_eq!(items.len(), 3, "{items:?}");
    Ok(())
}
on_both!(a_visitor_and_an_agent_chat);

async fn candor_shows_what_a_customer_sees(s: &TestServer) -> PageResult<()> {
    let t = s.tenant("Acme Inc").await;
    let b = Browser::start().await?;
    b.sign_in(s, &t.owner.email, TEST_PASSWORD).await?;
    b.goto(&s.url("/settings/chat")).await?;
    b.wait_for_text("#chat-snippet", &format!("/w/{}/widget.js", t.workspace.slug))
        .await?;
    b.assert_accessible().await?;
    b.fill("#origins", "https://shop.example.com\nnot an origin").await?;
    b.submit("#save-origins").await?;
    b.wait_for_text("#chat-error", "Line 2").await?;
    b.fill("#origins", "https://shop.example.com").await?;
    b.submit("#save-origins").await?;
    assert_eq!(b.value("#origins").await?, "https://shop.example.com");
    b.click("#chat-secret summary").await?;
    let secret = b.text("#chat-secret-value").await?;
    assert!(secret.starts_with("chs_"), "{secret}");
    b.submit("#rotate-secret").await?;
    b.click("#chat-secret summary").await?;
    assert_ne!(b.text("#chat-secret-value").await?, secret);
    // The demo page works from Candor's own origin even with an allow-list.
    b.submit("#chat-try").await?;
    b.click("#candor-chat-launcher").await?;
    b.wait_for("#candor-chat-panel[data-state=ready]").await?;
    b.fill("#candor-chat-input", "Trying it out").await?;
    b.click("#candor-chat-send").await?;
    b.wait_for_text("#candor-chat-log li.cc-visitor .cc-meta", "Delivered")
        .await?;
    Ok(())
}
on_both!(candor_shows_what_a_customer_sees);

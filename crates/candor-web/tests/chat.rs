//! The chat widget's WebSocket over real sockets, on SQLite and PostgreSQL:
//! an anonymous visitor chats with an agent (typing both ways, delivery
//! state); a resend after a reconnect is stored once and nothing is lost;
//! a signed identity lands on its customer and a forged one is refused;
//! limits and bad frames answer error frames and store nothing; the email a
//! visitor gives; the offline reply by email; and honest availability.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor_app::worker::{Step, Worker};
use candor_web::http_test;
use candor_web::testing::TestServer;
use common::Api;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A widget's socket.
struct Widget {
    ws: Socket,
}

impl Widget {
    /// Connects to the workspace's chat as a page at `origin` would.
    async fn connect(
        s: &TestServer,
        slug: &str,
        origin: &str,
    ) -> Result<Widget, tokio_tungstenite::tungstenite::Error> {
        let url = format!("{}/w/{slug}/chat/ws", s.base.replacen("http", "ws", 1));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(req).await?;
        Ok(Widget { ws })
    }

    async fn open(s: &TestServer, slug: &str) -> Widget {
        Self::connect(s, slug, "https://shop.example.com").await.unwrap()
    }

    async fn send(&mut self, v: Value) {
        self.ws.send(Message::Text(v.to_string().into())).await.unwrap();
    }

    async fn send_raw(&mut self, m: Message) {
        self.ws.send(m).await.unwrap();
    }

    /// The next frame of type `kind` (others are skipped), within 5 s.
    async fn next(&mut self, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let got = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("no {kind} frame within 5 s"));
            match got {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    if v["type"] == kind {
                        return v;
                    }
                }
                Some(Ok(Message::Close(_))) | None => panic!("the socket closed before a {kind} frame"),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("socket error before a {kind} frame: {e}"),
            }
        }
    }

    /// Every text frame that arrives within `ms`.
    async fn drain(&mut self, ms: u64) -> Vec<Value> {
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        while let Ok(Some(Ok(m))) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            if let Message::Text(t) = m {
                out.push(serde_json::from_str(t.as_str()).unwrap());
            }
        }
        out
    }

    /// Whether the server closed the socket within 5 s.
    async fn closed(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    async fn hello(&mut self, visitor: &str) -> Value {
        self.send(json!({"type": "hello", "visitor": visitor})).await;
        self.next("welcome").await
    }
}

/// The visitor's conversation, through the API.
async fn chat_conversation(api: &Api<'_>) -> Value {
    let (st, list) = api.get("/api/v1/conversations?channel=chat").await;
    assert_eq!(st, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    let id = items[0]["id"].as_str().unwrap();
    api.get(&format!("/api/v1/conversations/{id}")).await.1
}

async fn chatting_with_an_agent(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let slug = t.workspace.slug.as_str();
    let mut w = Widget::open(s, slug).await;
    let welcome = w.hello("v_visitor0001").await;
    assert_eq!(welcome["signed"], false);
    assert_eq!(welcome["availability"]["state"], "open", "{welcome}");

    // The visitor writes: stored, then sent back with its client id.
    w.send(json!({"type": "message", "client_id": "c_first0001", "text": "Is the Aero helmet in stock?"}))
        .await;
    let stored = w.next("stored").await;
    assert_eq!(stored["client_id"], "c_first0001");
    assert_eq!(stored["duplicate"], false);
    let echo = w.next("message").await;
    assert_eq!(echo["client_id"], "c_first0001");
    assert_eq!(echo["from"], "visitor");
    assert_eq!(echo["id"], stored["id"]);

    // Agents see it in the inbox, on the chat channel, as the visitor's.
    let c = chat_conversation(&api).await;
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["channel"], "chat");
    assert_eq!(c["messages"][0]["body"], "Is the Aero helmet in stock?");
    assert_eq!(c["messages"][0]["author"]["type"], "customer");
    let (_, found) = api.get("/api/v1/customers?identity=chat:v_visitor0001").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");

    // The visitor typing reaches agents' pages as a typing update.
    let mut live = s.app.live.subscribe();
    w.send(json!({"type": "typing"})).await;
    let typing = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let e = live.recv().await.unwrap();
            if e.kind == "typing" {
                return e;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(typing.conversation_id.unwrap().to_string(), id);
    assert!(typing.user_id.is_none());
    assert_eq!(typing.name.as_deref(), Some("Chat visitor or0001"));

    // An agent typing, then answering: both reach the widget at once.
    let (st, _) = api.post(&format!("/api/v1/conversations/{id}/typing"), json!({})).await;
    assert_eq!(st, 204);
    assert_eq!(w.next("typing").await["name"], "Olivia Owner");
    let (st, reply) = api
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "outbound", "body": "Yes, in every size."}),
        )
        .await;
    assert_eq!(st, 201, "{reply}");
    assert_eq!(reply["delivery"], "queued");
    let got = w.next("message").await;
    assert_eq!(got["from"], "agent");
    assert_eq!(got["author"], "Olivia Owner");
    assert_eq!(got["text"], "Yes, in every size.");
    assert_eq!(got["id"], reply["id"]);
    // The agent's page shows it delivered.
    let mut delivered = false;
    for _ in 0..50 {
        let c = api.get(&format!("/api/v1/conversations/{id}")).await.1;
        if c["messages"][1]["delivery"] == "sent" {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(delivered, "the reply was not marked delivered");
    // The queued deliver.chat job finds it delivered and does nothing more.
    let mut worker = Worker::new(s.app.clone());
    candor_app::chat::delivery::register_jobs(&mut worker);
    assert_eq!(
        worker.drain().await.unwrap(),
        vec![Step::Completed("deliver.chat".into())]
    );

    // The script is served, cached, for an existing workspace only.
    let http = reqwest::Client::new();
    let js = http.get(s.url(&format!("/w/{slug}/widget.js"))).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    let etag = js.headers()["etag"].to_str().unwrap().to_string();
    assert!(js.text().await.unwrap().contains("chat/ws"));
    let again = http
        .get(s.url(&format!("/w/{slug}/widget.js")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let none = http.get(s.url("/w/no-such-company/widget.js")).send().await.unwrap();
    assert_eq!(none.status(), 404);
}
http_test!(chatting, chatting_with_an_agent);

async fn reconnecting_loses_and_repeats_nothing(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let slug = t.workspace.slug.as_str();
    let mut w = Widget::open(s, slug).await;
    w.hello("v_visitor0002").await;
    w.send(json!({"type": "message", "client_id": "c_once00001", "text": "First try"}))
        .await;
    let first = w.next("stored").await;
    drop(w);

    // The agent answers while the visitor is away: it waits, queued.
    let c = chat_conversation(&api).await;
    let id = c["id"].as_str().unwrap().to_string();
    let (_, reply) = api
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "outbound", "body": "We are here."}),
        )
        .await;
    let mut worker = Worker::new(s.app.clone());
    candor_app::chat::delivery::register_jobs(&mut worker);
    assert_eq!(
        worker.drain().await.unwrap(),
        vec![Step::Completed("deliver.chat".into())]
    );
    let c = api.get(&format!("/api/v1/conversations/{id}")).await.1;
    assert_eq!(c["messages"][1]["delivery"], "queued", "{c}");

    // Back, with the last message it had: the reply comes, nothing else;
    // the message it was unsure of, sent again, is the same one.
    let mut w = Widget::open(s, slug).await;
    w.send(json!({"type": "hello", "visitor": "v_visitor0002", "after": first["id"]}))
        .await;
    w.next("welcome").await;
    let got = w.next("message").await;
    assert_eq!(got["id"], reply["id"]);
    w.send(json!({"type": "message", "client_id": "c_once00001", "text": "First try"}))
        .await;
    let again = w.next("stored").await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["id"], first["id"]);
    let rest = w.drain(300).await;
    assert!(rest.iter().all(|f| f["type"] != "message"), "{rest:?}");
    let c = api.get(&format!("/api/v1/conversations/{id}")).await.1;
    assert_eq!(c["messages"].as_array().unwrap().len(), 2, "{c}");
    assert_eq!(c["messages"][1]["delivery"], "sent");

    // A fresh page asks for everything: both messages, once each, in order.
    let mut w = Widget::open(s, slug).await;
    w.hello("v_visitor0002").await;
    let all: Vec<Value> = w
        .drain(500)
        .await
        .into_iter()
        .filter(|f| f["type"] == "message")
        .collect();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0]["id"], first["id"]);
    assert_eq!(all[1]["id"], reply["id"]);
}
http_test!(reconnecting, reconnecting_loses_and_repeats_nothing);

async fn signed_identities(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let slug = t.workspace.slug.as_str();
    let (st, settings) = api.get("/api/v1/channels/chat/settings").await;
    assert_eq!(st, 200, "{settings}");
    let secret = settings["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("chs_"));
    // The secret is sealed at rest, never stored as written.
    let stored = s.app.db.chat_settings(t.workspace.id).await.unwrap().unwrap();
    assert!(!stored.sealed_secret.contains(&secret[4..]));

    // Accepted: the chat lands on the customer with that external id (made now).
    let hash = candor_core::chat::sign_user(&secret, "shop-user-77");
    let mut w = Widget::open(s, slug).await;
    w.send(
        json!({"type": "hello", "visitor": "v_visitor0003", "user_id": "shop-user-77",
        "user_hash": hash, "user_name": "Ines Duarte"}),
    )
    .await;
    let welcome = w.next("welcome").await;
    assert_eq!(welcome["signed"], true);
    w.send(json!({"type": "message", "client_id": "c_signed0001", "text": "Hello from my account"}))
        .await;
    w.next("stored").await;
    let (_, found) = api.get("/api/v1/customers?identity=external:shop-user-77").await;
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(items[0]["name"], "Ines Duarte");
    let c = chat_conversation(&api).await;
    assert_eq!(c["customer_id"], items[0]["id"]);

    // Forged: refused with an error frame, the socket closed, nothing stored.
    let mut w = Widget::open(s, slug).await;
    w.send(
        json!({"type": "hello", "visitor": "v_visitor0004", "user_id": "shop-user-78",
        "user_hash": candor_core::chat::sign_user("not the secret", "shop-user-78")}),
    )
    .await;
    let e = w.next("error").await;
    assert_eq!(e["code"], "identity_refused");
    assert_eq!(e["field"], "user_hash");
    assert!(w.closed().await);
    // A user id with another user's signature is refused too.
    let mut w = Widget::open(s, slug).await;
    w.send(json!({"type": "hello", "visitor": "v_visitor0004", "user_id": "shop-user-78", "user_hash": hash}))
        .await;
    assert_eq!(w.next("error").await["code"], "identity_refused");
    let (_, found) = api.get("/api/v1/customers?identity=external:shop-user-78").await;
    assert!(found["items"].as_array().unwrap().is_empty(), "{found}");

    // A new secret: the old signature stops working.
    let (st, rotated) = api.post("/api/v1/channels/chat/secret", json!({})).await;
    assert_eq!(st, 200);
    assert_ne!(rotated["secret"], settings["secret"]);
    let mut w = Widget::open(s, slug).await;
    w.send(json!({"type": "hello", "visitor": "v_visitor0003", "user_id": "shop-user-77", "user_hash": hash}))
        .await;
    assert_eq!(w.next("error").await["code"], "identity_refused");

    // Only owners and admins see the secret.
    let (_, agent_token) = s
        .staff(&t.workspace, "Maya Lindqvist", candor_core::staff::Role::Agent, &[])
        .await;
    let (st, _) = Api::new(s, &agent_token).get("/api/v1/channels/chat/settings").await;
    assert_eq!(st, 403);
}
http_test!(signed, signed_identities);

async fn limits_and_bad_frames(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let slug = t.workspace.slug.as_str();
    let mut w = Widget::open(s, slug).await;
    // Before hello, and bad hellos.
    w.send(json!({"type": "typing"})).await;
    assert_eq!(w.next("error").await["message"], "say hello first");
    w.send_raw(Message::Text("not json".into())).await;
    assert_eq!(w.next("error").await["code"], "bad_frame");
    w.send(json!({"type": "hello", "visitor": "x"})).await;
    let e = w.next("error").await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("invalid_field"), Some("visitor"))
    );
    assert!(w.closed().await);

    let mut w = Widget::open(s, slug).await;
    w.hello("v_visitor0005").await;
    let cases = [
        (
            json!({"type": "message", "client_id": "c_toolong01", "text": "a".repeat(4001)}),
            "text",
        ),
        (
            json!({"type": "message", "client_id": "c_blank0001", "text": "   "}),
            "text",
        ),
        (
            json!({"type": "message", "client_id": "bad id!", "text": "hi"}),
            "client_id",
        ),
        (json!({"type": "message", "client_id": "c_nofield01"}), "text"),
        (json!({"type": "message", "client_id": 12, "text": "hi"}), "client_id"),
        (json!({"type": "shout"}), "type"),
        (json!({"type": "email", "email": "not an address"}), "email"),
        (json!({"type": "hello", "visitor": "v_visitor0005"}), "type"),
    ];
    for (frame, field) in cases {
        w.send(frame.clone()).await;
        let e = w.next("error").await;
        assert_eq!(e["field"], field, "{frame} → {e}");
    }
    w.send_raw(Message::Binary(vec![1, 2, 3].into())).await;
    assert_eq!(w.next("error").await["code"], "bad_frame");
    w.send_raw(Message::Text("[]".into())).await;
    assert_eq!(w.next("error").await["code"], "bad_frame");
    let (_, list) = api.get("/api/v1/conversations?channel=chat").await;
    assert!(list["items"].as_array().unwrap().is_empty(), "stored something: {list}");

    // The rate (invalid messages count too, so a new visitor): a burst of 8, then "wait".
    let mut w = Widget::open(s, slug).await;
    w.hello("v_visitor0008").await;
    for i in 0..8 {
        w.send(json!({"type": "message", "client_id": format!("c_burst{i:04}"), "text": format!("message {i}")}))
            .await;
        w.next("stored").await;
    }
    w.send(json!({"type": "message", "client_id": "c_burst0008", "text": "one too many"}))
        .await;
    let e = w.next("error").await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("rate_limited"), Some("text"))
    );
    assert_eq!(e["client_id"], "c_burst0008");
    let c = chat_conversation(&api).await;
    assert_eq!(c["messages"].as_array().unwrap().len(), 8);
    // Still open for what comes next.
    w.send(json!({"type": "typing"})).await;
    assert!(w.drain(200).await.iter().all(|f| f["type"] != "error"));

    // Origins: the list is checked at the upgrade; the server's own pages always pass.
    let (st, saved) = api
        .call(
            reqwest::Method::PUT,
            "/api/v1/channels/chat/settings",
            Some(json!({"allowed_origins": ["https://Shop.Example.com/"]})),
        )
        .await;
    assert_eq!(st, 200, "{saved}");
    assert_eq!(saved["allowed_origins"], json!(["https://shop.example.com"]));
    assert!(Widget::connect(s, slug, "https://shop.example.com").await.is_ok());
    match Widget::connect(s, slug, "https://evil.example").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("a page of another origin opened the chat: {:?}", other.map(|_| ())),
    }
    assert!(Widget::connect(s, slug, &s.base).await.is_ok());
    let (st, bad) = api
        .call(
            reqwest::Method::PUT,
            "/api/v1/channels/chat/settings",
            Some(json!({"allowed_origins": ["https://ok.example", "shop.example.com/path"]})),
        )
        .await;
    assert_eq!(st, 422, "{bad}");
    assert_eq!(common::field(&bad), "allowed_origins[1]");
    // An unknown workspace has no chat.
    match Widget::connect(s, "no-such-company", "https://shop.example.com").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 404),
        other => panic!("expected 404, got {:?}", other.map(|_| ())),
    }
}
http_test!(limits, limits_and_bad_frames);

async fn emails_and_offline_replies(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let slug = t.workspace.slug.as_str();
    // Jane is a customer already.
    let (st, _) = api
        .post(
            "/api/v1/customers",
            json!({"name": "Jane Doe", "identities": [{"kind": "email", "value": "jane@example.com"}]}),
        )
        .await;
    assert_eq!(st, 201);
    let mut w = Widget::open(s, slug).await;
    w.hello("v_visitor0006").await;
    w.send(json!({"type": "message", "client_id": "c_mail00001", "text": "Please write to me later"}))
        .await;
    w.next("stored").await;
    // Claiming Jane's address links nothing: a note tells the agents.
    w.send(json!({"type": "email", "email": "Jane@Example.com"})).await;
    assert_eq!(w.next("email").await["status"], "needs_confirmation");
    let c = chat_conversation(&api).await;
    let id = c["id"].as_str().unwrap().to_string();
    let note = &c["messages"][1];
    assert_eq!(note["kind"], "note");
    assert!(note["body"].as_str().unwrap().contains("jane@example.com"), "{note}");
    let (_, jane) = api.get("/api/v1/customers?identity=email:jane@example.com").await;
    assert_ne!(jane["items"][0]["id"], c["customer_id"]);
    // The widget never shows the note.
    assert!(
        w.drain(300)
            .await
            .iter()
            .all(|f| f["kind"] != "note" && f["text"] != note["body"])
    );
    // A new address is added to the visitor's record, unverified.
    w.send(json!({"type": "email", "email": "ole@example.com"})).await;
    assert_eq!(w.next("email").await["status"], "saved");
    let customer = api
        .get(&format!("/api/v1/customers/{}", c["customer_id"].as_str().unwrap()))
        .await
        .1;
    let ids = customer["identities"].as_array().unwrap();
    assert!(
        ids.iter()
            .any(|i| i["kind"] == "email" && i["value"] == "ole@example.com" && i["verified"] == false),
        "{customer}"
    );
    drop(w);

    // The visitor has left: the reply goes by email a little later, unless
    // the widget takes it first.
    let (_, reply) = api
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"kind": "outbound", "body": "Here is the answer."}),
        )
        .await;
    let sent: Arc<Mutex<Vec<Value>>> = Arc::default();
    let mut worker = Worker::new(s.app.clone());
    candor_app::chat::delivery::register_jobs(&mut worker);
    let log = sent.clone();
    worker.register("deliver.email", move |_app, job| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(job.payload.clone());
            Ok(())
        }
    });
    assert_eq!(
        worker.drain().await.unwrap(),
        vec![Step::Completed("deliver.chat".into())]
    );
    assert!(sent.lock().unwrap().is_empty(), "emailed at once");
    s.clock.advance(jiff::SignedDuration::from_mins(3));
    assert_eq!(
        worker.drain().await.unwrap(),
        vec![Step::Completed("deliver.email".into())]
    );
    assert_eq!(sent.lock().unwrap()[0]["message_id"], reply["id"]);
}
http_test!(emails, emails_and_offline_replies);

async fn honest_availability(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let api = Api::new(s, &t.token);
    let slug = t.workspace.slug.as_str();
    // The only person who answers is away.
    let (st, a) = api
        .patch(&format!("/api/v1/agents/{}", t.owner.id), json!({"status": "away"}))
        .await;
    assert_eq!(st, 200, "{a}");
    let mut w = Widget::open(s, slug).await;
    assert_eq!(w.hello("v_visitor0007").await["availability"]["state"], "all_away");

    // Published hours on Saturdays only: on this Monday nobody is there,
    // and the widget is given the commitment in plain words.
    let commitments = json!({
        "calendar": {"time_zone": "Europe/Berlin", "weekly": {"sat": [{"start": "09:00", "end": "18:00"}]}, "holidays": []},
        "warn_at": 0.8,
        "commitments": [{"channel": "chat", "priority": "normal", "first_reply": "PT30M"}],
        "redress": "We say sorry.",
        "redress_actions": ["notify-lead"]
    });
    let (st, body) = api
        .call(reqwest::Method::PUT, "/api/v1/commitments", Some(commitments))
        .await;
    assert!(st.is_success(), "{body}");
    // Availability is kept 10 s per node; a new server reads it afresh.
    let fresh = candor_app::chat::availability(&s.app, t.workspace.id).await.unwrap();
    assert_eq!(fresh.state.as_str(), "outside_hours");
    assert!(fresh.hours.as_deref().unwrap().contains("Saturday"), "{fresh:?}");
    assert!(
        fresh
            .commitment
            .as_deref()
            .unwrap()
            .contains("first reply within 30 minutes"),
        "{fresh:?}"
    );
}
http_test!(availability, honest_availability);

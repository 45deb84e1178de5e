//! The ingest path on both databases: idempotent delivery, threading, the
//! reopen rules, routing by language and load, events on the customer's
//! timeline, live updates, and attachments kept once by content.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::conversations::{self, UpdateConversation};
use candor_app::files::FileStore;
use candor_app::ingest::{InboundAttachment, InboundMessage, ingest};
use candor_app::reference::CustomerRef;
use candor_app::routing::{AgentInput, RuleInput, TeamInput, create_team, set_rules, update_agent};
use candor_app::{App, Caller, accounts};
use candor_core::conversation::{Channel, Status};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::staff::Role;
use candor_core::{ManualClock, WorkspaceId};
use candor_store::Db;
use candor_store::conversations::Filter;
use candor_store::staff::{NewUser, User};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

struct Setup {
    app: App,
    clock: Arc<ManualClock>,
    ws: WorkspaceId,
    owner: Caller,
    _dir: tempfile::TempDir,
}

async fn setup(db: Db) -> Setup {
    let clock = Arc::new(ManualClock::new(t0()));
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(db, clock.clone()).with_files(FileStore::new(dir.path(), 1024));
    let (ws, owner) = accounts::create_owner(
        &app,
        "Northwind",
        "maya@northwind.example",
        "Maya Lindqvist",
        "correct horse battery",
    )
    .await
    .unwrap();
    Setup {
        app,
        clock,
        ws: ws.id,
        owner: Caller::session(owner),
        _dir: dir,
    }
}

async fn agent(s: &Setup, name: &str, langs: &[&str], away: bool) -> User {
    let mut tx = s.app.db.begin().await.unwrap();
    let email = format!("{}@northwind.example", name.split(' ').next().unwrap().to_lowercase());
    let u = tx
        .create_user(
            s.app.now(),
            NewUser {
                workspace_id: s.ws,
                email: &email,
                name,
                role: Role::Agent,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let input = AgentInput {
        languages: Some(langs.iter().map(|l| l.to_string()).collect()),
        status: Some(if away { "away" } else { "available" }.into()),
    };
    update_agent(&s.app, &s.owner, u.id, &input).await.unwrap();
    u
}

fn from(email: &str) -> CustomerRef {
    CustomerRef::Identity {
        identity: Identity::parse(IdentityKind::Email, email, None).unwrap(),
        name: Some("Jane Doe".into()),
    }
}

fn mail(s: &Setup, text: &str, thread: &str, external: &str) -> InboundMessage {
    let mut m = InboundMessage::new(s.ws, from("jane@example.com"), Channel::Email, text);
    m.thread = Some(thread.into());
    m.external_id = Some(external.into());
    m
}

async fn idempotent_and_threaded(db: Db) {
    let s = setup(db).await;
    let mut live = s.app.live.subscribe();
    let first = ingest(
        &s.app,
        mail(&s, "My order arrived broken. I am very angry.", "t-1", "m-1"),
    )
    .await
    .unwrap();
    assert!(first.opened && !first.duplicate);
    assert_eq!(first.conversation.status, Status::Open);
    assert_eq!(first.conversation.language.as_deref(), Some("en"));
    assert!(first.message.sentiment.unwrap() < 0.0, "{:?}", first.message.sentiment);
    assert_eq!(first.message.author.name, "Jane Doe");
    let e = live.try_recv().unwrap();
    assert_eq!(
        (e.kind.as_str(), e.conversation_id),
        ("conversation.created", Some(first.conversation.id))
    );
    // The same delivery again: stored once, nothing new, no customer created twice.
    let again = ingest(
        &s.app,
        mail(&s, "My order arrived broken. I am very angry.", "t-1", "m-1"),
    )
    .await
    .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.message.id, first.message.id);
    assert!(live.try_recv().is_err());
    // A reply on the same thread joins the conversation.
    s.clock.advance(SignedDuration::from_mins(5));
    let reply = ingest(&s.app, mail(&s, "Any news?", "t-1", "m-2")).await.unwrap();
    assert_eq!(reply.conversation.id, first.conversation.id);
    assert!(!reply.opened);
    assert_eq!(reply.conversation.message_count, 2);
    assert_eq!(live.try_recv().unwrap().kind, "message.created");
    // Another thread is another conversation with the same customer.
    let other = ingest(&s.app, mail(&s, "Different question about helmets", "t-2", "m-3"))
        .await
        .unwrap();
    assert_ne!(other.conversation.id, first.conversation.id);
    assert_eq!(other.conversation.customer_id, first.conversation.customer_id);
    let msgs = s.app.db.messages(s.ws, first.conversation.id, 50).await.unwrap();
    assert_eq!(msgs.len(), 2);
    // The customer's timeline shows the conversation and the messages.
    let page = s
        .app
        .db
        .events_for_customer(s.ws, first.conversation.customer_id, None, 50)
        .await
        .unwrap();
    let kinds: Vec<&str> = page.items.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "message.received").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "conversation.created").count(),
        2,
        "{kinds:?}"
    );
    // Merging another customer into Jane brings their conversations along.
    let mut m = InboundMessage::new(s.ws, from("j.doe@work.example"), Channel::Email, "From my work address");
    m.external_id = Some("m-5".into());
    let work = ingest(&s.app, m).await.unwrap();
    let (jane, other) = (first.conversation.customer_id, work.conversation.customer_id);
    assert_ne!(jane, other);
    candor_app::merge::merge(&s.app, &s.owner, jane, other).await.unwrap();
    assert_eq!(
        s.app
            .db
            .conversation(s.ws, work.conversation.id)
            .await
            .unwrap()
            .customer_id,
        jane
    );
    let all = s
        .app
        .db
        .conversations(s.ws, &Filter::default(), None, 50)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 3);
    // Bad input stores nothing.
    let empty = ingest(&s.app, mail(&s, "   ", "t-3", "m-4")).await;
    assert!(
        matches!(empty, Err(candor_app::AppError::Invalid { ref field, .. }) if field == "body"),
        "{empty:?}"
    );
    let all = s
        .app
        .db
        .conversations(s.ws, &Filter::default(), None, 50)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 3);
}
candor_store::both_backends!(idempotent_and_threaded_on, idempotent_and_threaded);

async fn reopen_rules(db: Db) {
    let s = setup(db).await;
    let first = ingest(&s.app, mail(&s, "The bell is loose", "t-1", "m-1"))
        .await
        .unwrap();
    let id = first.conversation.id;
    let solve = UpdateConversation {
        status: Some("solved".into()),
        ..Default::default()
    };
    conversations::update(&s.app, &s.owner, id, &solve).await.unwrap();
    let back = ingest(&s.app, mail(&s, "It came loose again", "t-1", "m-2"))
        .await
        .unwrap();
    assert!(back.reopened && !back.opened);
    assert_eq!((back.conversation.id, back.conversation.status), (id, Status::Open));
    let close = UpdateConversation {
        status: Some("closed".into()),
        ..Default::default()
    };
    conversations::update(&s.app, &s.owner, id, &close).await.unwrap();
    let new = ingest(&s.app, mail(&s, "Still loose, sorry", "t-1", "m-3"))
        .await
        .unwrap();
    assert!(new.opened);
    assert_ne!(new.conversation.id, id);
    assert_eq!(new.conversation.previous_conversation_id, Some(id));
    assert_eq!(new.conversation.subject, first.conversation.subject);
    assert_eq!(s.app.db.conversation(s.ws, id).await.unwrap().status, Status::Closed);
    // The next reply on the thread joins the new conversation.
    let next = ingest(&s.app, mail(&s, "Hello?", "t-1", "m-4")).await.unwrap();
    assert_eq!(next.conversation.id, new.conversation.id);
    // Unknown status: refused, nothing stored.
    let bad = UpdateConversation {
        status: Some("archived".into()),
        priority: Some("urgent".into()),
        ..Default::default()
    };
    let e = conversations::update(&s.app, &s.owner, new.conversation.id, &bad).await;
    assert!(
        matches!(e, Err(candor_app::AppError::Invalid { ref field, .. }) if field == "status"),
        "{e:?}"
    );
    assert_eq!(
        s.app
            .db
            .conversation(s.ws, new.conversation.id)
            .await
            .unwrap()
            .priority
            .as_str(),
        "normal"
    );
}
candor_store::both_backends!(reopen_rules_on, reopen_rules);

async fn routes_by_language_and_load(db: Db) {
    let s = setup(db).await;
    let annika = agent(&s, "Annika Vogel", &["de", "en"], false).await;
    let jonas = agent(&s, "Jonas Weber", &["de"], false).await;
    let away = agent(&s, "Greta Away", &["de"], true).await;
    let luc = agent(&s, "Luc Moreau", &["fr", "en"], false).await;
    let team = |name: &str, mode: &str, members: Vec<&User>| TeamInput {
        name: Some(name.into()),
        assign_mode: Some(mode.into()),
        members: Some(members.iter().map(|u| u.id.to_string()).collect()),
    };
    let repairs = create_team(
        &s.app,
        &s.owner,
        &team("Repairs", "least-loaded", vec![&annika, &jonas, &away]),
    )
    .await
    .unwrap();
    let orders = create_team(&s.app, &s.owner, &team("Orders", "round-robin", vec![&luc]))
        .await
        .unwrap();
    let rule = |team: String, language: &str| RuleInput {
        language: Some(language.into()),
        team_id: team,
        ..Default::default()
    };
    set_rules(
        &s.app,
        &s.owner,
        &[rule(repairs.id.to_string(), "de"), rule(orders.id.to_string(), "fr")],
    )
    .await
    .unwrap();
    let de = "Hallo, mein Fahrrad ist kaputt und die Bremse funktioniert nicht mehr. Können Sie mir helfen?";
    let mut assigned = Vec::new();
    for i in 0..4 {
        let m = mail(&s, de, &format!("de-{i}"), &format!("de-{i}"));
        let done = ingest(&s.app, m).await.unwrap();
        assert_eq!(done.conversation.language.as_deref(), Some("de"));
        assert_eq!(done.conversation.team_id, Some(repairs.id));
        assigned.push(done.conversation.assignee_id.unwrap());
    }
    // Least loaded: the two available German speakers take turns; the away one none.
    assert_eq!(assigned.iter().filter(|a| **a == annika.id).count(), 2, "{assigned:?}");
    assert_eq!(assigned.iter().filter(|a| **a == jonas.id).count(), 2, "{assigned:?}");
    assert!(!assigned.contains(&away.id));
    let fr = "Bonjour, je voudrais changer l'adresse de livraison de ma commande, s'il vous plaît.";
    let done = ingest(&s.app, mail(&s, fr, "fr-1", "fr-1")).await.unwrap();
    assert_eq!(
        (done.conversation.team_id, done.conversation.assignee_id),
        (Some(orders.id), Some(luc.id))
    );
    // No rule matches English: it waits unassigned, in the unassigned view.
    let en = "Hello, could you tell me when my order of the cargo bike will arrive please?";
    let done = ingest(&s.app, mail(&s, en, "en-1", "en-1")).await.unwrap();
    assert_eq!((done.conversation.team_id, done.conversation.assignee_id), (None, None));
    let unassigned = Filter {
        unassigned: true,
        ..Default::default()
    };
    let page = s.app.db.conversations(s.ws, &unassigned, None, 50).await.unwrap();
    assert_eq!(page.items.len(), 1);
}
candor_store::both_backends!(routes_by_language_and_load_on, routes_by_language_and_load);

async fn attachments_kept_once(db: Db) {
    let s = setup(db).await;
    let mut m = mail(&s, "Photo of the damage attached", "t-1", "m-1");
    m.attachments = vec![
        InboundAttachment {
            filename: "../../etc/photo.png".into(),
            bytes: b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
        },
        InboundAttachment {
            filename: "copy.png".into(),
            bytes: b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
        },
    ];
    let done = ingest(&s.app, m).await.unwrap();
    let files = s.app.db.attachments_of(s.ws, done.conversation.id).await.unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].filename, "photo.png");
    assert_eq!(files[0].content_type, "image/png");
    assert_eq!(files[0].sha256, files[1].sha256);
    // Larger than the limit (1 KiB here): refused, nothing stored.
    let mut big = mail(&s, "A big file", "t-2", "m-2");
    big.attachments = vec![InboundAttachment {
        filename: "big.bin".into(),
        bytes: vec![7u8; 2048],
    }];
    assert!(matches!(
        ingest(&s.app, big).await,
        Err(candor_app::AppError::TooLarge(1024))
    ));
    assert_eq!(
        s.app
            .db
            .conversations(s.ws, &Filter::default(), None, 50)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}
candor_store::both_backends!(attachments_kept_once_on, attachments_kept_once);

//! Conversations, messages, attachments and routing settings in storage,
//! each test on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::conversation::{AgentStatus, AssignMode, Channel, Delivery, MessageKind, Priority, Status};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::{AttachmentId, CustomerId, RuleId, UserId, WorkspaceId};
use candor_store::conversations::{Filter, NewConversation};
use candor_store::customers::NewCustomer;
use candor_store::messages::{Attachment, Author, NewMessage};
use candor_store::routing::{AgentRecord, RuleRecord};
use candor_store::staff::NewUser;
use candor_store::{Db, StoreError, both_backends};
use jiff::{SignedDuration, Timestamp};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

async fn workspace(db: &Db, slug: &str) -> (WorkspaceId, CustomerId, UserId) {
    let mut tx = db.begin().await.unwrap();
    let ws = tx.create_workspace(t0(), slug, "Acme", "UTC").await.unwrap();
    let new = NewCustomer {
        name: "Jane Doe".into(),
        identities: vec![(
            Identity::parse(IdentityKind::Email, &format!("jane@{slug}.example"), None).unwrap(),
            false,
        )],
        ..Default::default()
    };
    let c = tx.create_customer(t0(), ws.id, &new).await.unwrap();
    let u = tx
        .create_user(
            t0(),
            NewUser {
                workspace_id: ws.id,
                email: &format!("maya@{slug}.example"),
                name: "Maya Lindqvist",
                role: candor_core::staff::Role::Agent,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (ws.id, c, u.id)
}

fn message<'a>(conv: candor_core::ConversationId, body: &'a str, external: Option<&'a str>) -> NewMessage<'a> {
    NewMessage {
        conversation_id: conv,
        kind: MessageKind::Inbound,
        body,
        html: None,
        author: Author {
            kind: "customer".into(),
            id: None,
            name: "Jane Doe".into(),
        },
        language: Some("en"),
        sentiment: Some(-0.4),
        delivery: None,
        channel: Channel::Email,
        external_id: external,
    }
}

async fn conversations_messages_and_paging(db: Db) {
    let (ws, jane, maya) = workspace(&db, "acme").await;
    let (other_ws, _, _) = workspace(&db, "other").await;
    let mut ids = Vec::new();
    for i in 0..5i64 {
        let at = t0() + SignedDuration::from_mins(i);
        let mut tx = db.begin().await.unwrap();
        let tags = vec!["refund".to_string()];
        let mut c = tx
            .create_conversation(
                at,
                ws,
                &NewConversation {
                    customer_id: jane,
                    channel: if i % 2 == 0 { Channel::Email } else { Channel::Chat },
                    thread_ref: Some(&format!("thread-{i}")),
                    subject: "Broken order",
                    priority: Priority::Normal,
                    tags: if i == 3 { &tags } else { &[] },
                    language: Some("en"),
                    previous: None,
                },
            )
            .await
            .unwrap();
        let m = tx
            .insert_message(at, ws, &message(c.id, "It arrived broken", Some(&format!("ext-{i}"))))
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(m.sentiment, Some(-0.4));
        c.message_count = 1;
        c.last_activity_at = at;
        c.preview = "It arrived broken".into();
        if i == 1 {
            c.assignee_id = Some(maya);
            c.status = Status::Pending;
        }
        tx.save_conversation(at, &c).await.unwrap();
        tx.commit().await.unwrap();
        ids.push(c.id);
    }
    // The same external id on the same channel is stored once; on another channel it is new.
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.insert_message(t0(), ws, &message(ids[0], "again", Some("ext-0")))
            .await
            .unwrap()
            .is_none()
    );
    let found = tx
        .message_by_external_id(ws, Channel::Email, "ext-0")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.body, "It arrived broken");
    let mut chat = message(ids[0], "chat one", Some("ext-0"));
    chat.channel = Channel::Chat;
    assert!(tx.insert_message(t0(), ws, &chat).await.unwrap().is_some());
    // Threads are found per channel; the newest conversation on a thread wins.
    let by_thread = tx
        .conversation_by_thread(ws, Channel::Email, "thread-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_thread.id, ids[2]);
    assert!(
        tx.conversation_by_thread(ws, Channel::Chat, "thread-2")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        tx.conversation_by_thread(other_ws, Channel::Email, "thread-2")
            .await
            .unwrap()
            .is_none()
    );
    tx.commit().await.unwrap();

    // Newest activity first, keyset pages of 2 that meet exactly.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = db.conversations(ws, &Filter::default(), after, 2).await.unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|(c, name)| {
            assert_eq!(name, "Jane Doe");
            c.id
        }));
        match page.next {
            Some(n) => after = Some(candor_store::conversations::Cursor::decode(&n.encode()).unwrap()),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    // Filters.
    let f = |f: Filter| {
        let db = db.clone();
        async move {
            db.conversations(ws, &f, None, 50)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|(c, _)| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        f(Filter {
            assignee: Some(maya),
            ..Default::default()
        })
        .await,
        vec![ids[1]]
    );
    assert_eq!(
        f(Filter {
            statuses: vec![Status::Pending],
            ..Default::default()
        })
        .await,
        vec![ids[1]]
    );
    assert_eq!(
        f(Filter {
            unassigned: true,
            ..Default::default()
        })
        .await
        .len(),
        4
    );
    assert_eq!(
        f(Filter {
            channel: Some(Channel::Chat),
            ..Default::default()
        })
        .await,
        vec![ids[3], ids[1]]
    );
    assert_eq!(
        f(Filter {
            tag: Some("refund".into()),
            ..Default::default()
        })
        .await,
        vec![ids[3]]
    );
    assert_eq!(
        f(Filter {
            teams: Some(vec![]),
            ..Default::default()
        })
        .await,
        vec![]
    );
    assert_eq!(db.open_loads(ws, &[maya]).await.unwrap(), vec![(maya, 1)]);
    // Another workspace sees none of it.
    assert!(
        db.conversations(other_ws, &Filter::default(), None, 50)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        db.conversation(other_ws, ids[0]).await,
        Err(StoreError::NotFound)
    ));
    assert!(db.messages(other_ws, ids[0], 50).await.unwrap().is_empty());

    // Messages read oldest first; delivery can be set on replies.
    let msgs = db.messages(ws, ids[0], 50).await.unwrap();
    assert_eq!(
        msgs.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["It arrived broken", "chat one"]
    );
    let mut tx = db.begin().await.unwrap();
    tx.set_delivery(ws, msgs[0].id, Delivery::Sent).await.unwrap();
    assert!(matches!(
        tx.set_delivery(other_ws, msgs[0].id, Delivery::Sent).await,
        Err(StoreError::NotFound)
    ));
    let a = Attachment {
        id: AttachmentId::new_at(t0()),
        conversation_id: ids[0],
        message_id: Some(msgs[0].id),
        filename: "photo.png".into(),
        content_type: "image/png".into(),
        size: 42,
        sha256: "ab".repeat(32),
        uploaded_by: None,
        created_at: t0(),
    };
    tx.insert_attachment(ws, &a).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.message(ws, msgs[0].id).await.unwrap().delivery, Some(Delivery::Sent));
    assert_eq!(db.attachment(ws, a.id).await.unwrap(), a);
    assert!(matches!(db.attachment(other_ws, a.id).await, Err(StoreError::NotFound)));
    assert_eq!(db.attachments_of(ws, ids[0]).await.unwrap().len(), 1);
}
both_backends!(conversations_messages_and_paging_on, conversations_messages_and_paging);

async fn teams_agents_and_rules(db: Db) {
    let (ws, _, maya) = workspace(&db, "acme").await;
    let (other_ws, _, _) = workspace(&db, "other").await;
    let mut tx = db.begin().await.unwrap();
    let repairs = tx
        .create_team(t0(), ws, "Repairs", AssignMode::LeastLoaded)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A failed statement spoils a PostgreSQL transaction: the clash gets its own.
    let mut tx = db.begin().await.unwrap();
    let dup = tx.create_team(t0(), ws, " repairs", AssignMode::RoundRobin).await;
    assert!(
        matches!(dup, Err(StoreError::Conflict { field: "name", .. })),
        "{dup:?}"
    );
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    tx.create_team(t0(), other_ws, "Repairs", AssignMode::LeastLoaded)
        .await
        .unwrap();
    tx.set_team_members(ws, repairs, &[maya, maya]).await.unwrap();
    tx.set_team_cursor(ws, repairs, maya).await.unwrap();
    let agent = AgentRecord {
        user_id: maya,
        languages: vec!["de".into(), "en".into()],
        status: AgentStatus::Available,
    };
    tx.save_agent(t0(), ws, &agent).await.unwrap();
    tx.save_agent(
        t0(),
        ws,
        &AgentRecord {
            status: AgentStatus::Away,
            ..agent.clone()
        },
    )
    .await
    .unwrap();
    let rule = RuleRecord {
        id: RuleId::new_at(t0()),
        position: 1,
        channel: Some(Channel::Email),
        language: Some("de".into()),
        tag: None,
        tier: Some(candor_core::value::Tier::A),
        organization_id: None,
        team_id: repairs,
    };
    tx.replace_rules(t0(), ws, std::slice::from_ref(&rule)).await.unwrap();
    assert!(tx.team_exists(ws, repairs).await.unwrap());
    assert!(!tx.team_exists(other_ws, repairs).await.unwrap());
    tx.commit().await.unwrap();
    let teams = db.teams(ws).await.unwrap();
    assert_eq!(teams.len(), 1);
    assert_eq!((teams[0].members.clone(), teams[0].cursor), (vec![maya], Some(maya)));
    assert_eq!(db.teams_of(ws, maya).await.unwrap(), vec![repairs]);
    assert_eq!(db.agents(ws).await.unwrap()[0].status, AgentStatus::Away);
    assert_eq!(db.rules(ws).await.unwrap(), vec![rule]);
    assert!(db.rules(other_ws).await.unwrap().is_empty());
    assert!(db.agents(other_ws).await.unwrap().is_empty());
}
both_backends!(teams_agents_and_rules_on, teams_agents_and_rules);

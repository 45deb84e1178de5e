//! Community storage on SQLite and PostgreSQL: topics and counters, search,
//! sign-in links, posting limits, merges and the outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::community::{Mood, TopicKind, TopicStatus, Visibility, search_terms};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::{CustomerId, WorkspaceId};
use candor_store::both_backends;
use candor_store::community::reads::TopicFilter;
use candor_store::community::search::Match;
use candor_store::community::topics::{NewReply, NewTopic};
use candor_store::customers::NewCustomer;
use candor_store::outbox::NewEmail;
use candor_store::{Db, StoreError};
use jiff::{SignedDuration, Timestamp};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

async fn seed(db: &Db, slug: &str) -> (WorkspaceId, CustomerId) {
    let mut tx = db.begin().await.unwrap();
    let ws = tx.create_workspace(t0(), slug, "Acme", "UTC").await.unwrap();
    let c = tx
        .create_customer(
            t0(),
            ws.id,
            &NewCustomer {
                name: "Jane Doe".into(),
                identities: vec![(
                    Identity::parse(IdentityKind::Email, &format!("jane@{slug}.example"), None).unwrap(),
                    false,
                )],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (ws.id, c)
}

fn new_topic<'a>(c: CustomerId, title: &'a str, body: &'a str, tags: &'a [String]) -> NewTopic<'a> {
    NewTopic {
        kind: TopicKind::Problem,
        title,
        body,
        body_html: body,
        mood: Some(Mood::Frustrated),
        customer_id: c,
        author_name: "Jane Doe",
        tags,
        visibility: Visibility::Published,
    }
}

async fn topics_replies_and_counters(db: Db) {
    let (ws, c) = seed(&db, "acme").await;
    let tags = vec!["brakes".to_string()];
    let mut tx = db.begin().await.unwrap();
    let t = tx
        .create_topic(t0(), ws, &new_topic(c, "Brakes squeal", "in the rain", &tags))
        .await
        .unwrap();
    // The same title gets a slug of its own.
    let t2 = tx
        .create_topic(t0(), ws, &new_topic(c, "Brakes squeal", "again", &tags))
        .await
        .unwrap();
    assert_eq!(t.slug, "brakes-squeal");
    assert!(
        t2.slug.starts_with("brakes-squeal-") && t2.slug != t.slug,
        "{}",
        t2.slug
    );
    let later = t0() + SignedDuration::from_hours(2);
    let reply = NewReply {
        topic_id: t.id,
        customer_id: None,
        user_id: None,
        author_name: "Priya Raman",
        author_role: Some("Head of support"),
        official: true,
        body: "Clean the rotor",
        body_html: "<p>Clean the rotor</p>",
        visibility: Visibility::Published,
    };
    tx.add_reply(later, ws, &reply).await.unwrap();
    let hidden = NewReply {
        visibility: Visibility::Pending,
        official: false,
        ..reply.clone()
    };
    tx.add_reply(later, ws, &hidden).await.unwrap();
    assert!(tx.add_me_too(later, ws, t.id, c).await.unwrap());
    assert!(!tx.add_me_too(later, ws, t.id, c).await.unwrap());
    assert!(tx.follow(later, ws, t.id, c, "jane@acme.example").await.unwrap());
    tx.set_topic_status(
        later,
        ws,
        t.id,
        TopicStatus::Planned,
        ("we will fix it", "<p>we will fix it</p>"),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let t = db.topic(ws, t.id).await.unwrap();
    assert_eq!((t.replies, t.me_too, t.followers), (1, 1, 1));
    assert_eq!(t.first_official_at, Some(later));
    assert_eq!(t.status, TopicStatus::Planned);
    assert_eq!(db.replies(ws, t.id, false).await.unwrap().len(), 1);
    assert_eq!(db.replies(ws, t.id, true).await.unwrap().len(), 2);
    assert_eq!(db.status_changes(ws, t.id).await.unwrap().len(), 1);
    assert_eq!(db.topic_by_slug(ws, "brakes-squeal").await.unwrap().id, t.id);
    // Lists by keyset: most recent activity first, then the next page.
    let page = db.list_topics(ws, &TopicFilter::default(), 1).await.unwrap();
    assert_eq!(page.items[0].id, t.id);
    let next = TopicFilter {
        before: page.next,
        ..Default::default()
    };
    let page2 = db.list_topics(ws, &next, 1).await.unwrap();
    assert_eq!(page2.items[0].id, t2.id);
    assert!(page2.next.is_none());
    let tagged = TopicFilter {
        tag: Some("brakes".into()),
        kind: Some(TopicKind::Problem),
        ..Default::default()
    };
    assert_eq!(db.list_topics(ws, &tagged, 10).await.unwrap().items.len(), 2);
    assert_eq!(db.topics_waiting(ws, 10).await.unwrap().len(), 1);
    // Another workspace sees none of it.
    let (other, _) = seed(&db, "other").await;
    assert!(matches!(db.topic(other, t.id).await, Err(StoreError::NotFound)));
    assert!(
        db.list_topics(other, &TopicFilter::default(), 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}
both_backends!(topics, topics_replies_and_counters);

async fn search_finds_topics_and_replies(db: Db) {
    let (ws, c) = seed(&db, "acme").await;
    let (other, oc) = seed(&db, "other").await;
    let none: Vec<String> = Vec::new();
    let mut tx = db.begin().await.unwrap();
    let a = tx
        .create_topic(t0(), ws, &new_topic(c, "Brakes squeal after rain", "Front disc", &none))
        .await
        .unwrap();
    let b = tx
        .create_topic(t0(), ws, &new_topic(c, "Saddle height", "How high?", &none))
        .await
        .unwrap();
    tx.create_topic(
        t0(),
        other,
        &new_topic(oc, "Brakes everywhere", "other workspace", &none),
    )
    .await
    .unwrap();
    let reply = NewReply {
        topic_id: b.id,
        customer_id: Some(c),
        user_id: None,
        author_name: "Jane",
        author_role: None,
        official: false,
        body: "Use a torque wrench on the seatpost clamp",
        body_html: "",
        visibility: Visibility::Published,
    };
    tx.add_reply(t0(), ws, &reply).await.unwrap();
    let hidden = NewReply {
        body: "secret hiddenword",
        visibility: Visibility::Hidden,
        ..reply.clone()
    };
    tx.add_reply(t0(), ws, &hidden).await.unwrap();
    tx.commit().await.unwrap();
    let find = |q: &str, mode| {
        let db = db.clone();
        let terms = search_terms(q);
        async move { db.search_topics(ws, &terms, mode, 10).await.unwrap() }
    };
    assert_eq!(find("brakes", Match::All).await, vec![a.id]);
    assert_eq!(find("brak squ", Match::All).await, vec![a.id], "prefixes match");
    assert_eq!(
        find("TORQUE wrench", Match::All).await,
        vec![b.id],
        "replies are searched"
    );
    assert!(
        find("hiddenword", Match::All).await.is_empty(),
        "hidden replies are not"
    );
    assert!(find("brakes torque", Match::All).await.is_empty());
    let mut any = find("brakes torque", Match::Any).await;
    any.sort();
    let mut both = vec![a.id, b.id];
    both.sort();
    assert_eq!(any, both);
    assert!(find("\"); DROP TABLE x; --", Match::All).await.is_empty());
    assert!(find("", Match::All).await.is_empty());
    // Hiding a topic takes it out of search.
    let mut tx = db.begin().await.unwrap();
    tx.set_topic_visibility(t0(), ws, a.id, Visibility::Hidden)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(find("brakes", Match::All).await.is_empty());
}
both_backends!(search, search_finds_topics_and_replies);

async fn links_work_once_and_expire(db: Db) {
    let (ws, _) = seed(&db, "acme").await;
    let (other, _) = seed(&db, "other").await;
    let mut tx = db.begin().await.unwrap();
    let secret = tx
        .create_sign_in_link(t0(), ws, "new@acme.example", "New Person", "/w/acme/community")
        .await
        .unwrap();
    let stale = tx
        .create_sign_in_link(t0(), ws, "old@acme.example", "Old", "/")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.use_sign_in_link(t0(), other, &secret).await,
        Err(StoreError::NotFound)
    ));
    let used = tx.use_sign_in_link(t0(), ws, &secret).await.unwrap();
    assert_eq!(
        (used.email.as_str(), used.name.as_str()),
        ("new@acme.example", "New Person")
    );
    assert!(matches!(
        tx.use_sign_in_link(t0(), ws, &secret).await,
        Err(StoreError::NotFound)
    ));
    let late = t0() + SignedDuration::from_mins(31);
    assert!(matches!(
        tx.use_sign_in_link(late, ws, &stale).await,
        Err(StoreError::NotFound)
    ));
    tx.commit().await.unwrap();
    assert_eq!(db.purge_community(late).await.unwrap(), 2);
}
both_backends!(links, links_work_once_and_expire);

async fn limits_count_in_windows(db: Db) {
    let (ws, _) = seed(&db, "acme").await;
    let hour = SignedDuration::from_hours(1);
    let mut tx = db.begin().await.unwrap();
    for n in 1..=3 {
        let (hits, _) = tx.hit_limit(t0(), ws, "topic:c:x", hour).await.unwrap();
        assert_eq!(hits, n);
    }
    let (hits, until) = tx
        .hit_limit(t0() + SignedDuration::from_mins(61), ws, "topic:c:x", hour)
        .await
        .unwrap();
    assert_eq!(hits, 1, "a new window starts");
    assert_eq!(until, t0() + SignedDuration::from_mins(121));
    tx.commit().await.unwrap();
}
both_backends!(limits, limits_count_in_windows);

async fn merges_move_people_and_replies(db: Db) {
    let (ws, c) = seed(&db, "acme").await;
    let none: Vec<String> = Vec::new();
    let mut tx = db.begin().await.unwrap();
    let a = tx
        .create_topic(t0(), ws, &new_topic(c, "Chain skips", "one", &none))
        .await
        .unwrap();
    let b = tx
        .create_topic(t0(), ws, &new_topic(c, "Chain jumps", "two", &none))
        .await
        .unwrap();
    tx.add_me_too(t0(), ws, a.id, c).await.unwrap();
    tx.add_me_too(t0(), ws, b.id, c).await.unwrap();
    tx.follow(t0(), ws, a.id, c, "jane@acme.example").await.unwrap();
    let a = tx.topic_in_tx(ws, a.id).await.unwrap();
    tx.merge_topics(t0(), ws, &a, b.id, "<p>one</p>").await.unwrap();
    tx.commit().await.unwrap();
    let a = db.topic(ws, a.id).await.unwrap();
    let b = db.topic(ws, b.id).await.unwrap();
    assert_eq!(a.visibility, Visibility::Merged);
    assert_eq!(a.merged_into, Some(b.id));
    assert_eq!(
        (b.me_too, b.followers, b.replies),
        (1, 1, 1),
        "each person once; the opening post became a reply"
    );
}
both_backends!(merges, merges_move_people_and_replies);

async fn emails_are_jobs_and_outbox_rows(db: Db) {
    let (ws, _) = seed(&db, "acme").await;
    let mut tx = db.begin().await.unwrap();
    tx.queue_email(
        t0(),
        ws,
        &NewEmail {
            purpose: "community.sign_in",
            to: "jane@acme.example",
            subject: "Sign in",
            text: "link: https://x/secret",
            html: "<a href=\"https://x/secret\">x</a>",
            recorded_text: "link: [left out]",
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let jobs = db.queued_emails(ws).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["text"], "link: https://x/secret");
    let rows = db.outbox(ws, 10).await.unwrap();
    assert_eq!(rows[0].to, "jane@acme.example");
    assert!(!rows[0].text.contains("secret") && rows[0].html.is_empty());
}
both_backends!(outbox, emails_are_jobs_and_outbox_rows);

//! Clocks, redress, promises and notifications in storage, each test on
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::commitments::RedressAction;
use candor_core::conversation::{Channel, Priority, Status};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::pact::{ConversationClocks, Targets};
use candor_core::promises::{PromiseKind, PromiseState};
use candor_core::{ConversationId, CustomerId, PromiseId, RedressId, UserId, WorkspaceId};
use candor_store::clocks::{ClockFigures, StoredClocks};
use candor_store::conversations::{Filter, NewConversation};
use candor_store::customers::NewCustomer;
use candor_store::promises::{Promise, PromiseFilter};
use candor_store::redress::Redress;
use candor_store::staff::NewUser;
use candor_store::{Db, StoreError, both_backends};
use jiff::{SignedDuration, Timestamp};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

struct Fixture {
    ws: WorkspaceId,
    customer: CustomerId,
    agent: UserId,
    conversations: Vec<ConversationId>,
}

async fn fixture(db: &Db, slug: &str, conversations: usize) -> Fixture {
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
    let customer = tx.create_customer(t0(), ws.id, &new).await.unwrap();
    let agent = tx
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
        .unwrap()
        .id;
    let mut ids = Vec::new();
    for i in 0..conversations {
        let c = tx
            .create_conversation(
                t0() + SignedDuration::from_mins(i as i64),
                ws.id,
                &NewConversation {
                    customer_id: customer,
                    channel: Channel::Email,
                    thread_ref: None,
                    subject: "Broken light",
                    priority: Priority::Normal,
                    tags: &[],
                    language: Some("en"),
                    previous: None,
                },
            )
            .await
            .unwrap();
        ids.push(c.id);
    }
    tx.commit().await.unwrap();
    Fixture {
        ws: ws.id,
        customer,
        agent,
        conversations: ids,
    }
}

fn stored(ws: WorkspaceId, conv: ConversationId, started: Timestamp) -> StoredClocks {
    let targets = Targets {
        first_reply: Some(hours(4)),
        next_reply: None,
        resolution: Some(hours(16)),
    };
    StoredClocks {
        workspace_id: ws,
        conversation_id: conv,
        commitments_version: 1,
        channel: "email".into(),
        priority: "normal".into(),
        clocks: ConversationClocks::start(started, targets).unwrap(),
        started_at: started,
        next_check_at: Some(started + hours(3)),
        warn_at: Some(started + hours(3)),
        due_at: Some(started + hours(4)),
        first_reply_within: None,
        first_reply_secs: None,
        resolution_within: None,
        resolution_secs: None,
    }
}

async fn clocks_are_kept_and_counted(db: Db) {
    let f = fixture(&db, "acme", 4).await;
    let c = &f.conversations;
    let mut rows: Vec<StoredClocks> = c.iter().map(|id| stored(f.ws, *id, t0())).collect();
    // Conversation 0: replied in 2 hours, solved in 5, both in time.
    rows[0].first_reply_within = Some(true);
    rows[0].first_reply_secs = Some(7200);
    rows[0].resolution_within = Some(true);
    rows[0].resolution_secs = Some(18000);
    // Conversation 1: replied late after 6 hours.
    rows[1].first_reply_within = Some(false);
    rows[1].first_reply_secs = Some(21600);
    rows[1].priority = "urgent".into();
    // Conversation 2: overdue, no reply yet; its warning time has passed.
    rows[2].first_reply_within = Some(false);
    rows[2].warn_at = Some(t0() + hours(1));
    // Conversation 3: started ten days ago, out of a 7-day window.
    rows[3].started_at = t0() - hours(240);
    rows[3].first_reply_within = Some(true);
    rows[3].first_reply_secs = Some(60);
    let mut tx = db.begin().await.unwrap();
    for r in &rows {
        tx.save_clocks(t0(), r).await.unwrap();
    }
    tx.commit().await.unwrap();
    // Saving again replaces the state, not the row.
    let mut tx = db.begin().await.unwrap();
    let mut again = tx.clocks_for_update(f.ws, c[0]).await.unwrap().unwrap();
    assert_eq!(again, rows[0]);
    again.clocks.agent_replied(t0() + hours(2)).unwrap();
    tx.save_clocks(t0() + hours(2), &again).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.clocks(f.ws, c[0]).await.unwrap().unwrap().clocks, again.clocks);

    let now = t0() + hours(8);
    let figures = db.clock_figures(f.ws, now - hours(24 * 7), now).await.unwrap();
    assert_eq!(figures.conversations, 3);
    assert_eq!((figures.first_replies, figures.first_replies_within), (3, 1));
    assert_eq!((figures.resolutions, figures.resolutions_within), (1, 1));
    assert_eq!(
        (figures.first_reply.median, figures.first_reply.p90),
        (Some(14400), Some(21600))
    );
    let wider = db.clock_figures(f.ws, now - hours(24 * 30), now).await.unwrap();
    assert_eq!(wider.conversations, 4);
    assert_eq!(
        (wider.first_reply.median, wider.first_reply.p90),
        (Some(7200), Some(21600))
    );
    // Grouped by channel and priority: one aggregate, times per group.
    let by = db
        .clock_figures_by_commitment(f.ws, now - hours(24 * 7), now)
        .await
        .unwrap();
    let key = |p: &str| ("email".to_string(), p.to_string());
    assert_eq!(by.len(), 2, "{by:?}");
    let normal = &by[&key("normal")];
    assert_eq!(
        (normal.conversations, normal.first_replies, normal.first_replies_within),
        (2, 2, 1)
    );
    assert_eq!((normal.resolutions, normal.resolutions_within), (1, 1));
    assert_eq!(
        (normal.first_reply.median, normal.first_reply.p90),
        (Some(7200), Some(7200))
    );
    let urgent = &by[&key("urgent")];
    assert_eq!(
        (urgent.conversations, urgent.first_replies, urgent.first_replies_within),
        (1, 1, 0)
    );
    assert_eq!(
        (urgent.first_reply.median, urgent.first_reply.p90),
        (Some(21600), Some(21600))
    );
    // The groups' counts add up to the workspace's; its times are ranked whole.
    let whole_times = db.first_reply_times(f.ws, now - hours(24 * 7), now).await.unwrap();
    assert_eq!(ClockFigures::total(by.values(), whole_times), figures);
    let wider = db
        .clock_figures_by_commitment(f.ws, now - hours(24 * 30), now)
        .await
        .unwrap();
    let times = wider[&key("normal")].first_reply;
    assert_eq!((times.median, times.p90), (Some(3630), Some(7200)));

    // Breaching soon: warning times at or before the moment asked about.
    let soon = |at: Timestamp| {
        let db = db.clone();
        async move {
            let filter = Filter {
                statuses: vec![Status::Open, Status::Pending],
                breaching_by: Some(at),
                ..Default::default()
            };
            let page = db.conversations(f.ws, &filter, None, 50).await.unwrap();
            let mut ids: Vec<ConversationId> = page.items.into_iter().map(|(c, _)| c.id).collect();
            ids.sort();
            ids
        }
    };
    assert_eq!(soon(t0() + hours(1)).await, vec![c[2]]);
    assert_eq!(soon(t0() + hours(3)).await.len(), 4);
    // Another workspace sees none of it.
    let other = fixture(&db, "bolt", 0).await;
    assert!(db.clocks(other.ws, c[0]).await.unwrap().is_none());
    assert_eq!(
        db.clock_figures(other.ws, now - hours(2400), now)
            .await
            .unwrap()
            .conversations,
        0
    );
    assert!(
        db.clock_figures_by_commitment(other.ws, now - hours(2400), now)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.promise_figures_by_commitment(other.ws, now - hours(2400), now)
            .await
            .unwrap()
            .is_empty()
    );
}
both_backends!(clocks, clocks_are_kept_and_counted);

fn redress(conv: ConversationId, customer: CustomerId, due: Timestamp, at: Timestamp) -> Redress {
    Redress {
        id: RedressId::new_at(at),
        conversation_id: conv,
        customer_id: customer,
        clock: "first_reply".into(),
        due_at: due,
        breached_at: at,
        actions: vec![RedressAction::NotifyLead, RedressAction::DraftApology],
        draft: Some("Dear Jane, we are sorry.".into()),
        state: "open".into(),
        done_at: None,
        done_by: None,
        done_how: None,
    }
}

async fn redress_is_recorded_once_and_done_once(db: Db) {
    let f = fixture(&db, "acme", 2).await;
    let c = &f.conversations;
    let due = t0() + hours(4);
    let first = redress(c[0], f.customer, due, due + hours(1));
    let mut tx = db.begin().await.unwrap();
    assert!(tx.insert_redress(f.ws, &first).await.unwrap());
    // The same clock's breach at the same due time again: nothing new.
    assert!(
        !tx.insert_redress(f.ws, &redress(c[0], f.customer, due, due + hours(2)))
            .await
            .unwrap()
    );
    assert!(
        tx.insert_redress(f.ws, &redress(c[1], f.customer, due, due + hours(1)))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let stored = db.redress(f.ws, first.id).await.unwrap();
    assert_eq!(stored, first);
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.finish_redress(f.ws, first.id, due + hours(3), Some(f.agent), "apology sent")
            .await
            .unwrap()
    );
    assert!(
        !tx.finish_redress(f.ws, first.id, due + hours(4), None, "marked done")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let done = db.redress(f.ws, first.id).await.unwrap();
    assert_eq!(
        (done.state.as_str(), done.done_how.as_deref(), done.done_by),
        ("done", Some("apology sent"), Some(f.agent))
    );
    assert_eq!(db.redress_list(f.ws, Some("open"), None, 50).await.unwrap().len(), 1);
    assert_eq!(db.redress_list(f.ws, None, None, 50).await.unwrap().len(), 2);
    assert_eq!(db.redress_of(f.ws, c[0]).await.unwrap().len(), 1);
    assert_eq!(db.redress_figures(f.ws, t0(), t0() + hours(48)).await.unwrap(), (2, 1));
    assert_eq!(db.redress_figures(f.ws, t0(), t0() + hours(4)).await.unwrap(), (0, 0));
    let other = fixture(&db, "bolt", 0).await;
    assert!(matches!(
        db.redress(other.ws, first.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(db.redress_list(other.ws, None, None, 50).await.unwrap().is_empty());

    // Notifications: each reads only their own.
    let mut tx = db.begin().await.unwrap();
    let n = tx
        .notify(t0(), f.ws, f.agent, "commitment.warning", Some(c[0]), "due soon")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mine = db.notifications(f.ws, f.agent, 10).await.unwrap();
    assert_eq!(
        (mine.len(), mine[0].body.as_str(), mine[0].read_at),
        (1, "due soon", None)
    );
    db.mark_notification_read(f.ws, f.agent, n, t0() + hours(1))
        .await
        .unwrap();
    assert_eq!(
        db.notifications(f.ws, f.agent, 10).await.unwrap()[0].read_at,
        Some(t0() + hours(1))
    );
    assert!(matches!(
        db.mark_notification_read(other.ws, f.agent, n, t0()).await,
        Err(StoreError::NotFound)
    ));
}
both_backends!(redress, redress_is_recorded_once_and_done_once);

fn promise(f: &Fixture, conv: ConversationId, description: &str, made: Timestamp, due: Timestamp) -> Promise {
    Promise {
        id: PromiseId::new_at(made),
        conversation_id: conv,
        customer_id: f.customer,
        owner_id: f.agent,
        description: description.into(),
        kind: PromiseKind::of_description(description),
        due_at: due,
        state: PromiseState::Open,
        source: "api".into(),
        replaces_id: None,
        reason: None,
        reminded_at: None,
        settled_at: None,
        kept_how: None,
        created_at: made,
        created_by: Some(f.agent),
    }
}

async fn promises_are_listed_settled_and_counted(db: Db) {
    let f = fixture(&db, "acme", 2).await;
    let c = &f.conversations;
    let reply = promise(
        &f,
        c[0],
        "get back to you with the tracking number",
        t0(),
        t0() + hours(24),
    );
    let call = promise(&f, c[0], "call you back", t0(), t0() + hours(2));
    let refund = promise(&f, c[1], "refund the lights", t0(), t0() + hours(48));
    let mut tx = db.begin().await.unwrap();
    for p in [&reply, &call, &refund] {
        tx.insert_promise(f.ws, p).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(db.promise(f.ws, reply.id).await.unwrap(), reply);
    // Soonest due first, paged by cursor.
    let (page, next) = db.promises(f.ws, &PromiseFilter::default(), None, 2).await.unwrap();
    assert_eq!(page.iter().map(|p| p.id).collect::<Vec<_>>(), vec![call.id, reply.id]);
    let (rest, none) = db.promises(f.ws, &PromiseFilter::default(), next, 2).await.unwrap();
    assert_eq!((rest.len(), rest[0].id, none), (1, refund.id, None));
    let in_c1 = PromiseFilter {
        conversation: Some(c[1]),
        ..Default::default()
    };
    assert_eq!(db.promises(f.ws, &in_c1, None, 50).await.unwrap().0.len(), 1);

    let mut tx = db.begin().await.unwrap();
    // Only the reply promise is kept by a reply.
    let by_reply = tx
        .open_reply_promises(f.ws, c[0], f.agent, t0() + hours(1))
        .await
        .unwrap();
    assert_eq!(by_reply.iter().map(|p| p.id).collect::<Vec<_>>(), vec![reply.id]);
    assert!(
        tx.settle_promise(f.ws, reply.id, PromiseState::Kept, t0() + hours(1), Some("reply sent"))
            .await
            .unwrap()
    );
    assert!(
        !tx.settle_promise(f.ws, reply.id, PromiseState::Broken, t0() + hours(30), None)
            .await
            .unwrap()
    );
    assert!(tx.mark_promise_reminded(f.ws, call.id, t0() + hours(1)).await.unwrap());
    assert!(!tx.mark_promise_reminded(f.ws, call.id, t0() + hours(1)).await.unwrap());
    assert!(
        tx.settle_promise(f.ws, call.id, PromiseState::Broken, t0() + hours(3), None)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let kept = db.promise(f.ws, reply.id).await.unwrap();
    assert_eq!(
        (kept.state, kept.kept_how.as_deref()),
        (PromiseState::Kept, Some("reply sent"))
    );
    let broken_only = PromiseFilter {
        state: Some(PromiseState::Broken),
        owner: Some(f.agent),
        ..Default::default()
    };
    let broken = db.promises(f.ws, &broken_only, None, 50).await.unwrap().0;
    assert_eq!(
        (broken.len(), broken[0].id, broken[0].reminded_at.is_some()),
        (1, call.id, true)
    );
    let figures = db
        .promise_figures(f.ws, t0() - hours(1), t0() + hours(1))
        .await
        .unwrap();
    assert_eq!((figures.made, figures.kept, figures.broken), (3, 1, 1));

    let other = fixture(&db, "bolt", 0).await;
    assert!(matches!(
        db.promise(other.ws, reply.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        db.promises(other.ws, &PromiseFilter::default(), None, 50)
            .await
            .unwrap()
            .0
            .is_empty()
    );
}
both_backends!(promises, promises_are_listed_settled_and_counted);

async fn a_merge_carries_promises_and_redress(db: Db) {
    let f = fixture(&db, "acme", 1).await;
    let mut tx = db.begin().await.unwrap();
    let new = NewCustomer {
        name: "Jane D.".into(),
        identities: vec![(
            Identity::parse(IdentityKind::Email, "jd@acme.example", None).unwrap(),
            false,
        )],
        ..Default::default()
    };
    let other = tx.create_customer(t0(), f.ws, &new).await.unwrap();
    let mut p = promise(&f, f.conversations[0], "call you back", t0(), t0() + hours(2));
    p.customer_id = other;
    tx.insert_promise(f.ws, &p).await.unwrap();
    let r = redress(f.conversations[0], other, t0() + hours(1), t0() + hours(2));
    tx.insert_redress(f.ws, &r).await.unwrap();
    tx.merge_customers(t0() + hours(3), f.ws, f.customer, other)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.promise(f.ws, p.id).await.unwrap().customer_id, f.customer);
    assert_eq!(db.redress(f.ws, r.id).await.unwrap().customer_id, f.customer);
}
both_backends!(merge, a_merge_carries_promises_and_redress);

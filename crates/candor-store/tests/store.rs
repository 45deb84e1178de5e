//! Storage behaviour, each test on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::events::{Actor, Subject, kind};
use candor_core::staff::{Role, Scope};
use candor_store::both_backends;
use candor_store::events::NewEvent;
use candor_store::idempotency::KeyState;
use candor_store::jobs::{FailOutcome, NewJob};
use candor_store::staff::NewUser;
use candor_store::{Db, StoreError};
use jiff::{SignedDuration, Timestamp};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

async fn seed(db: &Db) -> (candor_store::staff::Workspace, candor_store::staff::User) {
    let mut tx = db.begin().await.unwrap();
    let ws = tx
        .create_workspace(t0(), "acme", "Acme Inc", "Europe/Berlin")
        .await
        .unwrap();
    let user = tx
        .create_user(
            t0(),
            NewUser {
                workspace_id: ws.id,
                email: "maya@acme.example",
                name: "Maya Lindqvist",
                role: Role::Owner,
                password_hash: Some("x"),
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (ws, user)
}

async fn migrations_are_idempotent(db: Db) {
    assert!(db.is_migrated().await.unwrap());
    db.migrate().await.unwrap();
    assert_eq!(
        db.applied_version().await.unwrap(),
        candor_store::migrate::latest_version()
    );
}
both_backends!(migrations_idempotent, migrations_are_idempotent);

async fn unique_slug_and_email_are_conflicts(db: Db) {
    let (ws, _) = seed(&db).await;
    let mut tx = db.begin().await.unwrap();
    let err = tx.create_workspace(t0(), "acme", "Other", "UTC").await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { field: "workspace", .. }),
        "{err:?}"
    );
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    let err = tx
        .create_user(
            t0(),
            NewUser {
                workspace_id: ws.id,
                email: "maya@acme.example",
                name: "Maya Two",
                role: Role::Agent,
                password_hash: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { field: "email", .. }), "{err:?}");
    drop(tx);
    // The failed transactions changed nothing.
    assert_eq!(db.users(ws.id).await.unwrap().len(), 1);
    assert_eq!(db.workspace_by_slug("acme").await.unwrap().name, "Acme Inc");
}
both_backends!(unique_conflicts, unique_slug_and_email_are_conflicts);

async fn events_roll_back_with_their_change_and_page_newest_first(db: Db) {
    let (ws, user) = seed(&db).await;
    let subject = Subject::new("user", user.id.as_uuid());
    let mut tx = db.begin().await.unwrap();
    for i in 0..5 {
        let at = t0() + SignedDuration::from_secs(i);
        tx.append_event(
            at,
            NewEvent {
                workspace_id: ws.id,
                actor: Actor::Staff(user.id),
                kind: kind::STAFF_SIGNED_IN,
                subject: subject.clone(),
                payload: serde_json::json!({"n": i}),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.append_event(
        t0(),
        NewEvent {
            workspace_id: ws.id,
            actor: Actor::System,
            kind: "lost",
            subject: subject.clone(),
            payload: serde_json::json!({}),
        },
    )
    .await
    .unwrap();
    drop(tx); // rolled back
    let page = db.events_for_subject(ws.id, &subject, None, 3).await.unwrap();
    let ns: Vec<i64> = page.items.iter().map(|e| e.payload["n"].as_i64().unwrap()).collect();
    assert_eq!(ns, vec![4, 3, 2]);
    assert_eq!(page.items[0].actor, Actor::Staff(user.id));
    let next = db.events_for_subject(ws.id, &subject, page.next, 3).await.unwrap();
    let ns: Vec<i64> = next.items.iter().map(|e| e.payload["n"].as_i64().unwrap()).collect();
    assert_eq!(ns, vec![1, 0]);
    assert!(next.next.is_none());
    let after = db.events_after(ws.id, Some(page.items[1].id), 10).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(db.events(ws.id, None, 50).await.unwrap().items.len(), 5);
}
both_backends!(event_log, events_roll_back_with_their_change_and_page_newest_first);

async fn sessions_tokens_and_invites(db: Db) {
    let (ws, user) = seed(&db).await;
    let mut tx = db.begin().await.unwrap();
    let cookie = tx.create_session(t0(), &user).await.unwrap();
    let (token, secret) = tx.create_token(t0(), &user, "ci", &[Scope::Read]).await.unwrap();
    let (_, invite) = tx
        .create_invite(t0(), ws.id, "new@acme.example", Role::Agent, user.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let s = db.session(t0(), &cookie).await.unwrap().unwrap();
    assert_eq!(s.user.id, user.id);
    assert!(db.session(t0(), "forged").await.unwrap().is_none());
    assert!(
        db.session(t0() + SignedDuration::from_hours(24 * 15), &cookie)
            .await
            .unwrap()
            .is_none()
    );

    let caller = db.token_caller(t0(), &secret).await.unwrap().unwrap();
    assert_eq!(caller.token.scopes, vec![Scope::Read]);
    assert_eq!(db.tokens(ws.id).await.unwrap()[0].last_used_at, Some(t0()));

    let mut tx = db.begin().await.unwrap();
    tx.revoke_token(t0(), ws.id, token.id).await.unwrap();
    tx.commit().await.unwrap();
    assert!(db.token_caller(t0(), &secret).await.unwrap().is_none());

    // Deactivation ends sessions.
    let mut tx = db.begin().await.unwrap();
    tx.set_user_active(ws.id, user.id, false).await.unwrap();
    tx.commit().await.unwrap();
    assert!(db.session(t0(), &cookie).await.unwrap().is_none());

    // An invitation works once.
    assert!(db.open_invite(t0(), &invite).await.unwrap().is_some());
    let mut tx = db.begin().await.unwrap();
    let (w, inv) = tx.accept_invite(t0(), &invite).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((w, inv.role), (ws.id, Role::Agent));
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.accept_invite(t0(), &invite).await,
        Err(StoreError::NotFound)
    ));
}
both_backends!(access, sessions_tokens_and_invites);

async fn another_workspace_sees_nothing(db: Db) {
    let (ws, user) = seed(&db).await;
    let mut tx = db.begin().await.unwrap();
    let other = tx.create_workspace(t0(), "other", "Other Ltd", "UTC").await.unwrap();
    let (token, _) = tx.create_token(t0(), &user, "mine", &[Scope::Read]).await.unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(db.user(other.id, user.id).await, Err(StoreError::NotFound)));
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.revoke_token(t0(), other.id, token.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        tx.set_user_role(other.id, user.id, Role::Viewer).await,
        Err(StoreError::NotFound)
    ));
    drop(tx);
    assert!(db.tokens(other.id).await.unwrap().is_empty());
    assert_eq!(db.user(ws.id, user.id).await.unwrap().role, Role::Owner);
}
both_backends!(workspace_isolation, another_workspace_sees_nothing);

async fn jobs_retry_die_and_are_reclaimed(db: Db) {
    let id = db
        .enqueue(
            t0(),
            NewJob {
                max_attempts: 2,
                ..NewJob::now("test.job", serde_json::json!({"a": 1}), t0())
            },
        )
        .await
        .unwrap()
        .unwrap();
    // Not due yet: nothing to claim before run_at.
    assert!(
        db.claim_jobs(t0() - SignedDuration::from_secs(1), SignedDuration::from_secs(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let claimed = db.claim_jobs(t0(), SignedDuration::from_secs(60), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].id, claimed[0].attempt, claimed[0].payload["a"].as_i64()),
        (id, 1, Some(1))
    );
    // Claimed jobs are not claimed twice while their lease runs.
    assert!(
        db.claim_jobs(t0(), SignedDuration::from_secs(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let outcome = db.fail_job(t0(), &claimed[0], "boom").await.unwrap();
    assert_eq!(outcome, FailOutcome::Retry(t0() + SignedDuration::from_secs(2)));
    assert!(
        db.claim_jobs(t0() + SignedDuration::from_secs(1), SignedDuration::from_secs(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = db
        .claim_jobs(t0() + SignedDuration::from_secs(2), SignedDuration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(again[0].attempt, 2);
    assert_eq!(
        db.fail_job(t0(), &again[0], "boom again").await.unwrap(),
        FailOutcome::Dead
    );
    let (state, attempts, err, _) = db.job_state(id).await.unwrap().unwrap();
    assert_eq!(
        (state.as_str(), attempts, err.as_deref()),
        ("dead", 2, Some("boom again"))
    );
    assert_eq!(db.queue_depth().await.unwrap().dead, 1);

    // A worker that dies leaves a lease that runs out; the job is claimed again.
    let id2 = db
        .enqueue(t0(), NewJob::now("test.job", serde_json::json!({}), t0()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        db.claim_jobs(t0(), SignedDuration::from_secs(30), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let reclaimed = db
        .claim_jobs(t0() + SignedDuration::from_secs(31), SignedDuration::from_secs(30), 10)
        .await
        .unwrap();
    assert_eq!(reclaimed.len(), 1);
    db.complete_job(id2).await.unwrap();
    assert!(db.job_state(id2).await.unwrap().is_none());

    // A dedupe key admits one pending job.
    let keyed = || NewJob {
        dedupe_key: Some("housekeeping".into()),
        ..NewJob::now("h", serde_json::json!({}), t0())
    };
    assert!(db.enqueue(t0(), keyed()).await.unwrap().is_some());
    assert!(db.enqueue(t0(), keyed()).await.unwrap().is_none());
}
both_backends!(job_queue, jobs_retry_die_and_are_reclaimed);

async fn many_claimers_never_share_a_job(db: Db) {
    for i in 0..40 {
        db.enqueue(t0(), NewJob::now("n", serde_json::json!({"i": i}), t0()))
            .await
            .unwrap();
    }
    let mut handles = Vec::new();
    for _ in 0..4 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = db.claim_jobs(t0(), SignedDuration::from_secs(60), 3).await.unwrap();
                if got.is_empty() {
                    break;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40));
}
both_backends!(concurrent_claims, many_claimers_never_share_a_job);

async fn failed_sign_ins_lock_then_expire(db: Db) {
    let keys = ["email:maya@acme.example", "ip:127.0.0.1"];
    for _ in 0..4 {
        db.record_failure(t0(), &keys).await.unwrap();
    }
    assert_eq!(db.throttled_until(t0(), &keys).await.unwrap(), None);
    db.record_failure(t0(), &keys).await.unwrap();
    assert_eq!(
        db.throttled_until(t0(), &keys).await.unwrap(),
        Some(t0() + SignedDuration::from_secs(30))
    );
    assert_eq!(
        db.throttled_until(t0() + SignedDuration::from_secs(31), &keys)
            .await
            .unwrap(),
        None
    );
    db.clear_failures(&keys[..1]).await.unwrap();
    assert!(db.throttled_until(t0(), &keys[..1]).await.unwrap().is_none());
    assert!(db.throttled_until(t0(), &keys[1..]).await.unwrap().is_some());
}
both_backends!(sign_in_throttle, failed_sign_ins_lock_then_expire);

async fn idempotency_keys_replay_the_first_answer(db: Db) {
    let (ws, _) = seed(&db).await;
    assert_eq!(
        db.claim_idempotency_key(t0(), ws.id, "k1", "h1").await.unwrap(),
        KeyState::Claimed
    );
    assert_eq!(
        db.claim_idempotency_key(t0(), ws.id, "k1", "h1").await.unwrap(),
        KeyState::InFlight
    );
    db.finish_idempotency_key(ws.id, "k1", 201, "{\"id\":1}").await.unwrap();
    assert_eq!(
        db.claim_idempotency_key(t0(), ws.id, "k1", "h1").await.unwrap(),
        KeyState::Done {
            status: 201,
            body: "{\"id\":1}".into()
        }
    );
    assert_eq!(
        db.claim_idempotency_key(t0(), ws.id, "k1", "h2").await.unwrap(),
        KeyState::Mismatch
    );
    // After 24 hours the key is free again.
    let later = t0() + SignedDuration::from_hours(25);
    assert_eq!(
        db.claim_idempotency_key(later, ws.id, "k1", "h2").await.unwrap(),
        KeyState::Claimed
    );
    db.release_idempotency_key(ws.id, "k1").await.unwrap();
    assert_eq!(
        db.claim_idempotency_key(later, ws.id, "k1", "h3").await.unwrap(),
        KeyState::Claimed
    );
}
both_backends!(idempotency, idempotency_keys_replay_the_first_answer);

async fn a_lease_has_one_holder_until_it_expires_or_is_given_back(db: Db) {
    let (ws, _) = seed(&db).await;
    let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let ttl = SignedDuration::from_secs(90);
    let name = "mailbox:1";
    assert!(db.take_lease(t0(), ws.id, name, a, ttl).await.unwrap());
    assert!(!db.take_lease(t0(), ws.id, name, b, ttl).await.unwrap(), "held by a");
    assert_eq!(db.lease_holder(t0(), ws.id, name).await.unwrap(), Some(a));
    // Another name is another lease.
    assert!(db.take_lease(t0(), ws.id, "mailbox:2", b, ttl).await.unwrap());
    // The holder renews; the other still waits.
    let later = t0() + SignedDuration::from_secs(60);
    assert!(db.take_lease(later, ws.id, name, a, ttl).await.unwrap());
    assert!(
        !db.take_lease(t0() + SignedDuration::from_secs(120), ws.id, name, b, ttl)
            .await
            .unwrap()
    );
    // Once it expires, it goes to whoever asks, and the old holder is refused.
    let expired = later + ttl;
    assert_eq!(db.lease_holder(expired, ws.id, name).await.unwrap(), None);
    assert!(db.take_lease(expired, ws.id, name, b, ttl).await.unwrap());
    assert!(!db.take_lease(expired, ws.id, name, a, ttl).await.unwrap());
    // Only the holder gives it back.
    db.release_lease(ws.id, name, a).await.unwrap();
    assert_eq!(db.lease_holder(expired, ws.id, name).await.unwrap(), Some(b));
    db.release_lease(ws.id, name, b).await.unwrap();
    assert!(db.take_lease(expired, ws.id, name, a, ttl).await.unwrap());
}
both_backends!(leases, a_lease_has_one_holder_until_it_expires_or_is_given_back);

/// Both backends' migrations must yield the same tables and columns.
#[tokio::test]
async fn schemas_match_across_backends() {
    let s = candor_store::testing::TestDb::sqlite().await.unwrap();
    let p = candor_store::testing::TestDb::postgres().await.unwrap();
    let sqlite_cols: Vec<(String, String)> = {
        let pool = sqlx::SqlitePool::connect(&s.url).await.unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' AND m.sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY 1, 2",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        rows.into_iter().filter(|(t, _)| !t.contains("_fts")).collect()
    };
    // PostgreSQL's full-text columns (`search_vector`, generated tsvectors)
    // have no SQLite twin: SQLite searches through its FTS5 table instead,
    // which the SQLite side skips above.
    let pg_cols: Vec<(String, String)> = {
        let pool = sqlx::PgPool::connect(&p.url).await.unwrap();
        sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' \
             AND column_name <> 'search_vector' ORDER BY 1, 2",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    assert!(sqlite_cols.len() > 40);
    assert_eq!(sqlite_cols, pg_cols);
    s.finish().await;
    p.finish().await;
}

//! Writes through `Db::write` (grouped into shared transactions on SQLite)
//! and deferred writes, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::events::{Actor, Subject};
use candor_core::{EventId, WorkspaceId};
use candor_store::batch::Finish;
use candor_store::events::NewEvent;
use candor_store::jobs::NewJob;
use candor_store::{Db, StoreError, both_backends};
use jiff::Timestamp;
use serde_json::json;
use std::collections::HashSet;

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

fn event(ws: WorkspaceId, kind: &'static str, n: usize) -> NewEvent<'static> {
    NewEvent {
        workspace_id: ws,
        actor: Actor::System,
        kind,
        subject: Subject::new("test", uuid::Uuid::nil()),
        payload: json!({ "n": n }),
    }
}

/// Every event of the workspace: (kind, n).
async fn stored(db: &Db, ws: WorkspaceId) -> HashSet<(String, u64)> {
    let mut out = HashSet::new();
    let mut before: Option<EventId> = None;
    loop {
        let page = db.events(ws, before, 500).await.unwrap();
        for e in &page.items {
            out.insert((e.kind.clone(), e.payload["n"].as_u64().unwrap_or(u64::MAX)));
        }
        match page.next {
            Some(next) => before = Some(next),
            None => return out,
        }
    }
}

async fn workspace(db: &Db) -> WorkspaceId {
    let mut tx = db.begin().await.unwrap();
    let ws = tx.create_workspace(t0(), "acme", "Acme Inc", "UTC").await.unwrap();
    tx.commit().await.unwrap();
    ws.id
}

/// Many writers at once: each one's fate is its own. Those that succeed are
/// kept, those that fail or discard leave nothing, even when they wrote
/// (deferred or not) before failing.
async fn concurrent_writes_keep_exactly_the_successful_ones(db: Db) {
    let ws = workspace(&db).await;
    let mut tasks = Vec::new();
    for n in 0..120usize {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.write::<_, StoreError, _>(move |tx| {
                Box::pin(async move {
                    tx.append_event(t0(), event(ws, "test.kept", n)).await?;
                    match n % 4 {
                        // Fails after a deferred write.
                        1 => Err(StoreError::Config(format!("refused {n}"))),
                        // Fails after a write that ran at once (the enqueue answers whether it queued).
                        2 => {
                            tx.enqueue(t0(), NewJob::now("test.job", json!({"n": n}), t0())).await?;
                            Err(StoreError::NotFound)
                        }
                        // Finds midway that it must not happen.
                        3 => Ok(Finish::Discard(n)),
                        _ => Ok(Finish::Commit(n)),
                    }
                })
            })
            .await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    for (n, a) in answers.iter().enumerate() {
        match n % 4 {
            1 => assert!(
                matches!(a, Err(StoreError::Config(m)) if m == &format!("refused {n}")),
                "{n}: {a:?}"
            ),
            2 => assert!(matches!(a, Err(StoreError::NotFound)), "{n}: {a:?}"),
            _ => assert_eq!(a.as_ref().ok(), Some(&n), "{n}"),
        }
    }
    let kept = stored(&db, ws).await;
    let expected: HashSet<(String, u64)> = (0..120u64)
        .filter(|n| n % 4 == 0)
        .map(|n| ("test.kept".to_string(), n))
        .collect();
    assert_eq!(kept, expected);
    // No job of a failed write stayed queued.
    let mut tx = db.begin().await.unwrap();
    let again = tx
        .enqueue(t0(), {
            let mut j = NewJob::now("test.job", json!({}), t0());
            j.dedupe_key = Some("probe".into());
            j
        })
        .await
        .unwrap();
    assert!(again.is_some());
    drop(tx);
    let claimed = db
        .claim_jobs(t0(), jiff::SignedDuration::from_secs(60), 500)
        .await
        .unwrap();
    assert!(claimed.iter().all(|j| j.kind != "test.job"), "{claimed:?}");
}
both_backends!(concurrent_writes, concurrent_writes_keep_exactly_the_successful_ones);

/// A statement sees the writes deferred before it in its transaction, and
/// a transaction dropped uncommitted keeps none of them.
async fn deferred_writes_are_seen_and_rolled_back(db: Db) {
    let ws = workspace(&db).await;
    let job = || {
        let mut j = NewJob::now("test.dedupe", json!({}), t0());
        j.dedupe_key = Some("once".into());
        j
    };
    let mut tx = db.begin().await.unwrap();
    tx.enqueue_deferred(t0(), job()).await.unwrap();
    // The deferred insert ran before this one, which therefore finds its key taken.
    assert_eq!(tx.enqueue(t0(), job()).await.unwrap(), None);
    tx.append_event(t0(), event(ws, "test.dropped", 1)).await.unwrap();
    drop(tx);
    assert!(stored(&db, ws).await.is_empty());
    let mut tx = db.begin().await.unwrap();
    assert!(tx.enqueue(t0(), job()).await.unwrap().is_some());
    // Many deferred writes at once go out in several trips, in order.
    for n in 0..400 {
        tx.append_event(t0(), event(ws, "test.many", n)).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(stored(&db, ws).await.len(), 400);
}
both_backends!(deferred_writes, deferred_writes_are_seen_and_rolled_back);

/// A write that panics is undone and answered with an error; the writes
/// grouped with it are kept (SQLite, where writes share a transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_write_spoils_no_other() {
    let t = candor_store::testing::TestDb::sqlite().await.unwrap();
    let db = t.db.clone();
    let ws = workspace(&db).await;
    let mut tasks = Vec::new();
    for n in 0..40usize {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.write::<_, StoreError, _>(move |tx| {
                Box::pin(async move {
                    tx.append_event(t0(), event(ws, "test.kept", n)).await?;
                    tx.enqueue(t0(), NewJob::now("test.flush", json!({}), t0())).await?;
                    assert!(n != 7, "write {n} goes wrong");
                    Ok(Finish::Commit(n))
                })
            })
            .await
        }));
    }
    for (n, task) in tasks.into_iter().enumerate() {
        let answer = task.await.unwrap();
        if n == 7 {
            assert!(matches!(answer, Err(StoreError::Commit(_))), "{answer:?}");
        } else {
            assert_eq!(answer.ok(), Some(n));
        }
    }
    let kept = stored(&db, ws).await;
    assert_eq!(kept.len(), 39);
    assert!(!kept.contains(&("test.kept".to_string(), 7)));
    t.finish().await;
}

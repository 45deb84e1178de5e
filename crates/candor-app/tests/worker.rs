//! The worker on both databases: retries with backoff, death after the last
//! attempt, and a shutdown that finishes the jobs in flight.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::App;
use candor_app::worker::{Step, Worker};
use candor_core::{Clock, ManualClock};
use candor_store::jobs::NewJob;
use candor_store::testing::TestDb;
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

async fn retries_then_dies(db: candor_store::Db) {
    let clock = Arc::new(ManualClock::new(t0()));
    let app = App::new(db.clone(), clock.clone());
    let mut worker = Worker::new(app.clone());
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    worker.register("flaky", move |_app, job| {
        let c = c.clone();
        async move {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            if job.payload["succeed_on"].as_u64() == Some(n as u64) {
                Ok(())
            } else {
                Err(format!("attempt {n} failed"))
            }
        }
    });
    db.enqueue(
        t0(),
        NewJob {
            max_attempts: 5,
            ..NewJob::now("flaky", serde_json::json!({"succeed_on": 3}), t0())
        },
    )
    .await
    .unwrap();
    assert_eq!(worker.step().await.unwrap(), Step::Retrying("flaky".into()));
    // Not due again until the backoff passes.
    assert_eq!(worker.step().await.unwrap(), Step::Empty);
    clock.advance(SignedDuration::from_secs(2));
    assert_eq!(worker.step().await.unwrap(), Step::Retrying("flaky".into()));
    clock.advance(SignedDuration::from_secs(4));
    assert_eq!(worker.step().await.unwrap(), Step::Completed("flaky".into()));
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    // Out of attempts: dead, and kept for inspection.
    let id = db
        .enqueue(
            clock.now(),
            NewJob {
                max_attempts: 2,
                ..NewJob::now("flaky", serde_json::json!({"succeed_on": 99}), clock.now())
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(worker.step().await.unwrap(), Step::Retrying("flaky".into()));
    clock.advance(SignedDuration::from_secs(2));
    assert_eq!(worker.step().await.unwrap(), Step::Dead("flaky".into()));
    let (state, _, error, _) = db.job_state(id).await.unwrap().unwrap();
    assert_eq!(state, "dead");
    assert!(error.unwrap().contains("failed"));

    // A job nobody handles is not lost silently: it fails with a reason.
    let id = db
        .enqueue(
            clock.now(),
            NewJob {
                max_attempts: 1,
                ..NewJob::now("unknown.kind", serde_json::json!({}), clock.now())
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(worker.step().await.unwrap(), Step::Dead("unknown.kind".into()));
    assert!(
        db.job_state(id)
            .await
            .unwrap()
            .unwrap()
            .2
            .unwrap()
            .contains("no handler")
    );

    // Housekeeping is scheduled once however often it is asked.
    worker.schedule_recurring().await.unwrap();
    worker.schedule_recurring().await.unwrap();
    assert_eq!(db.queue_depth().await.unwrap().pending, 1);
    assert_eq!(
        worker.drain().await.unwrap(),
        vec![Step::Completed("housekeeping.purge".into())]
    );
}

async fn shutdown_finishes_jobs_in_flight(db: candor_store::Db) {
    let app = App::new(db.clone(), Arc::new(candor_core::SystemClock));
    let mut worker = Worker::new(app.clone());
    let started = Arc::new(tokio::sync::Semaphore::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (s, f) = (started.clone(), finished.clone());
    worker.register("slow", move |_app, _job| {
        let (s, f) = (s.clone(), f.clone());
        async move {
            s.add_permits(1);
            tokio::time::sleep(Duration::from_millis(300)).await;
            f.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    for _ in 0..3 {
        db.enqueue(app.now(), NewJob::now("slow", serde_json::json!({}), app.now()))
            .await
            .unwrap();
    }
    let stop = CancellationToken::new();
    let task = tokio::spawn(worker.run(3, Duration::from_millis(20), stop.clone()));
    // Stop as soon as all three are running.
    let _ = started.acquire_many(3).await.unwrap();
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(finished.load(Ordering::SeqCst), 3);
    let depth = db.queue_depth().await.unwrap();
    assert_eq!((depth.running, depth.dead), (0, 0));
}

macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = super::TestDb::sqlite().await.unwrap();
                super::$body(t.db.clone()).await;
                t.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = super::TestDb::postgres().await.unwrap();
                super::$body(t.db.clone()).await;
                t.finish().await;
            }
        }
    };
}
both!(retries, retries_then_dies);
both!(graceful, shutdown_finishes_jobs_in_flight);

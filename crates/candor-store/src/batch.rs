//! Group commit: on SQLite, writes that arrive while another is running are
//! run one after another in one transaction and committed together.
//!
//! SQLite has one writer, so writes wait for each other anyway; what a
//! commit costs is the pages it appends to the write-ahead log, and a write
//! that opens a conversation touches some seventy (the rows and every index
//! they are in). Writes committed together share the pages they both touch
//! (the newest leaf of each time-ordered index), so a busy server appends
//! a fraction of that per write. Each write runs inside a savepoint: one that
//! fails is rolled back alone and the others still commit. Nobody hears of
//! success before the commit.
//!
//! PostgreSQL takes many writers at once and makes its own group commits,
//! so there a write simply runs in a transaction of its own.

use crate::db::{Db, Tx, TxInner};
use crate::error::{Result, StoreError};
use crate::sql::Sql;
use futures_util::FutureExt;
use sqlx::SqlitePool;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

/// Writes committed together at most: enough to share the log's pages
/// among a crowd, few enough that the first of them is not kept waiting long.
const MOST_PER_COMMIT: usize = 32;

/// Each write's savepoint.
const SAVEPOINT: &str = "SAVEPOINT write";

/// Writes waiting for the writer at most; one more waits for room.
const QUEUE: usize = 1024;

/// A future borrowing the transaction it runs in.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// How a write ends when its work went well.
#[derive(Debug)]
pub enum Finish<T> {
    /// Keep what it did.
    Commit(T),
    /// Undo what it did, and answer with this all the same (a write that
    /// found, midway, that it must not happen).
    Discard(T),
}

/// What a write hands back to its caller once its fate is known.
type Deliver = Box<dyn FnOnce(Result<()>) + Send>;

/// A write, its type erased: it runs in the transaction, then says whether
/// to keep it and how to answer once the commit is done.
type Job = Box<dyn for<'t> FnOnce(&'t mut Tx) -> TxFuture<'t, Ran> + Send>;

enum Ran {
    /// Keep it; answer after the commit.
    Keep(Deliver),
    /// Roll it back; its answer has gone already.
    Undo,
}

/// The queue in front of SQLite's writer.
#[derive(Clone, Debug)]
pub(crate) struct Batcher {
    jobs: mpsc::Sender<Job>,
}

impl Batcher {
    /// Starts the task that runs the writes on `write`, the writer pool.
    pub(crate) fn start(write: SqlitePool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(write, queue));
        Self { jobs }
    }
}

impl Db {
    /// Runs `work` in a write transaction and commits it: on SQLite grouped
    /// with the writes that arrived meanwhile (see the module docs), on
    /// PostgreSQL alone. `work` must not open a transaction of its own (on
    /// SQLite the writer is busy with its batch: it would wait forever).
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx) -> TxFuture<'t, Result<Finish<T>, E>> + Send + 'static,
    {
        let Some(batcher) = &self.batcher else {
            let mut tx = self.begin().await?;
            return match work(&mut tx).await? {
                Finish::Commit(v) => {
                    tx.commit().await?;
                    Ok(v)
                }
                Finish::Discard(v) => Ok(v),
            };
        };
        let (answer, answered) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |tx| {
            Box::pin(async move {
                match work(tx).await {
                    Ok(Finish::Commit(v)) => Ran::Keep(Box::new(move |committed: Result<()>| {
                        let _ = answer.send(committed.map(|()| v).map_err(E::from));
                    })),
                    Ok(Finish::Discard(v)) => {
                        let _ = answer.send(Ok(v));
                        Ran::Undo
                    }
                    Err(e) => {
                        let _ = answer.send(Err(e));
                        Ran::Undo
                    }
                }
            })
        });
        batcher
            .jobs
            .send(job)
            .await
            .map_err(|_| StoreError::Commit(NOT_RUN.into()))?;
        // A write dropped unanswered met a failure the writer logged.
        answered.await.map_err(|_| StoreError::Commit(NOT_RUN.into()))?
    }
}

/// The answer to a write the writer could not run.
const NOT_RUN: &str = "the database could not carry out the write";

async fn run(write: SqlitePool, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MOST_PER_COMMIT {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&write, batch).await;
    }
}

/// Runs a batch of writes in one transaction, each in a savepoint, and
/// commits what went well.
async fn commit_batch(write: &SqlitePool, batch: Vec<Job>) {
    let mut tx = match write.begin().await {
        Ok(t) => Tx::new(TxInner::Sqlite(t)),
        Err(e) => {
            tracing::error!(error = %e, writes = batch.len(), "cannot begin a write transaction");
            return;
        }
    };
    let mut kept: Vec<Deliver> = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    while let Some(job) = jobs.next() {
        match run_one(&mut tx, job).await {
            Ok(Some(deliver)) => kept.push(deliver),
            Ok(None) => {}
            Err(broken) => {
                // The transaction cannot go on: nothing of it is kept, and
                // the writes not run yet are dropped unanswered.
                drop(tx);
                tracing::error!(error = %broken, dropped = jobs.len(), "a write transaction broke");
                for deliver in kept {
                    deliver(Err(StoreError::Commit(broken.to_string())));
                }
                return;
            }
        }
    }
    let committed = tx.commit().await.map_err(|e| e.to_string());
    for deliver in kept {
        deliver(committed.clone().map_err(StoreError::Commit));
    }
}

/// Runs one write inside a savepoint. `Err` when the transaction itself
/// is broken (the savepoint cannot be undone).
async fn run_one(tx: &mut Tx, job: Job) -> Result<Option<Deliver>> {
    tx.defer(Sql::new(SAVEPOINT)).await?;
    // A write that panics is undone like one that failed; its caller's
    // answer is dropped, which it hears as a failure.
    let ran = AssertUnwindSafe(job(tx)).catch_unwind().await.unwrap_or(Ran::Undo);
    match ran {
        Ran::Keep(deliver) => {
            tx.defer(Sql::new("RELEASE write")).await?;
            // Its deferred writes run now, while it can still be undone alone.
            match tx.flush().await {
                Ok(()) => Ok(Some(deliver)),
                Err(e) => {
                    undo(tx).await?;
                    deliver(Err(StoreError::Database(e)));
                    Ok(None)
                }
            }
        }
        Ran::Undo => {
            undo(tx).await?;
            Ok(None)
        }
    }
}

/// Rolls back to the write's savepoint and leaves it. While the savepoint
/// itself is still deferred, nothing of the write reached the database.
async fn undo(tx: &mut Tx) -> Result<()> {
    if tx.discard_deferred().as_deref() == Some(SAVEPOINT) {
        return Ok(());
    }
    tx.execute_now("ROLLBACK TO write; RELEASE write").await
}

//! The durable job queue: run-at times, retries with exponential backoff, a
//! dead state, and claims that are safe across many nodes on PostgreSQL
//! (`FOR UPDATE SKIP LOCKED`) and within one process on SQLite.

use crate::db::{Backend, Db, Tx, on_tx, read};
use crate::error::Result;
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::{from_micros, to_micros};
use candor_core::{JobId, WorkspaceId};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use uuid::Uuid;

/// A job to enqueue.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// The workspace it works for, if any.
    pub workspace_id: Option<WorkspaceId>,
    /// Which handler runs it.
    pub kind: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Not before this time.
    pub run_at: Timestamp,
    /// Attempts before it is declared dead.
    pub max_attempts: i32,
    /// At most one pending or running job per key (for recurring work).
    pub dedupe_key: Option<String>,
}

impl NewJob {
    /// A job to run as soon as possible, with the default of 8 attempts.
    pub fn now(kind: &str, payload: serde_json::Value, at: Timestamp) -> Self {
        Self {
            workspace_id: None,
            kind: kind.to_string(),
            payload,
            run_at: at,
            max_attempts: 8,
            dedupe_key: None,
        }
    }
}

/// A claimed job, to be finished with [`Db::complete_job`] or [`Db::fail_job`].
#[derive(Clone, Debug)]
pub struct ClaimedJob {
    /// Its id.
    pub id: JobId,
    /// The workspace it works for.
    pub workspace_id: Option<WorkspaceId>,
    /// Which handler runs it.
    pub kind: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
}

/// What became of a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOutcome {
    /// It will run again at this time.
    Retry(Timestamp),
    /// It has no attempts left.
    Dead,
}

/// Counts of jobs by state.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct QueueDepth {
    /// Waiting to run (including those not yet due).
    pub pending: i64,
    /// Claimed by a worker.
    pub running: i64,
    /// Out of attempts.
    pub dead: i64,
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: Uuid,
    workspace_id: Option<Uuid>,
    kind: String,
    payload: String,
    attempts: i32,
    max_attempts: i32,
}

/// The wait before attempt `n + 1` after `n` failures: 2^n seconds, at most an hour.
pub fn backoff(failures: i32) -> SignedDuration {
    let exp = failures.clamp(0, 12) as u32;
    SignedDuration::from_secs((1i64 << exp).min(3600))
}

impl Tx {
    /// Enqueues a job in the same transaction as the change that caused it.
    /// With a dedupe key already pending or running, nothing is added.
    pub async fn enqueue(&mut self, now: Timestamp, job: NewJob) -> Result<Option<JobId>> {
        let (id, sql) = enqueue_sql(now, job);
        let done = on_tx!(self, c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.args)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        Ok((done == 1).then_some(id))
    }

    /// Enqueues a job like [`Tx::enqueue`] without waiting to learn whether
    /// one with the same dedupe key was queued already (then this one is not).
    pub async fn enqueue_deferred(&mut self, now: Timestamp, job: NewJob) -> Result<()> {
        self.defer(enqueue_sql(now, job).1).await
    }
}

/// The insert of a new job, skipped when its dedupe key is queued already.
fn enqueue_sql(now: Timestamp, job: NewJob) -> (JobId, Sql) {
    let id = JobId::new_at(now);
    let mut sql = Sql::new(
        "INSERT INTO jobs (id, workspace_id, kind, payload, state, run_at, attempts, max_attempts, dedupe_key, \
         created_at, updated_at)",
    );
    let at = to_micros(now);
    sql.values([vec![
        Arg::Uuid(id.as_uuid()),
        Arg::uuid_or_null(job.workspace_id.map(|w| w.as_uuid())),
        Arg::Text(job.kind),
        Arg::Text(job.payload.to_string()),
        Arg::Text(String::from("pending")),
        Arg::I64(to_micros(job.run_at)),
        Arg::I64(0),
        Arg::I64(i64::from(job.max_attempts.max(1))),
        Arg::text_or_null(job.dedupe_key.as_deref()),
        Arg::I64(at),
        Arg::I64(at),
    ]]);
    sql.push(" ON CONFLICT (dedupe_key) DO NOTHING");
    (id, sql)
}

impl Db {
    /// Enqueues a job on its own.
    pub async fn enqueue(&self, now: Timestamp, job: NewJob) -> Result<Option<JobId>> {
        let mut tx = self.begin().await?;
        let id = tx.enqueue(now, job).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims up to `limit` due jobs for `lease`. A job whose lease ran out
    /// (its worker died) is claimed again.
    pub async fn claim_jobs(&self, now: Timestamp, lease: SignedDuration, limit: u32) -> Result<Vec<ClaimedJob>> {
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $1, updated_at = $2 \
             WHERE id IN (SELECT id FROM jobs WHERE (state = 'pending' AND run_at <= $2) \
             OR (state = 'running' AND locked_until < $2) ORDER BY run_at LIMIT $3 {lock}) \
             RETURNING id, workspace_id, kind, payload, attempts, max_attempts"
        );
        let until = now.saturating_add(lease).unwrap_or(now);
        let mut tx = self.begin().await?;
        let rows: Vec<ClaimRow> = on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(to_micros(until)).bind(to_micros(now)).bind(limit.max(1) as i64)
            .fetch_all(&mut **c).await)?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| ClaimedJob {
                id: JobId::from_uuid(r.id),
                workspace_id: r.workspace_id.map(WorkspaceId::from_uuid),
                kind: r.kind,
                payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
                attempt: r.attempts,
                max_attempts: r.max_attempts,
            })
            .collect())
    }

    /// Frees a running job's dedupe key, so that the same work can be queued
    /// again while this run goes on (for jobs that recompute from scratch).
    pub async fn release_dedupe_key(&self, id: JobId) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, c => sqlx::query("UPDATE jobs SET dedupe_key = NULL WHERE id = $1").bind(id.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Marks a job done and removes it from the queue.
    pub async fn complete_job(&self, id: JobId) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, c => sqlx::query("DELETE FROM jobs WHERE id = $1").bind(id.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Records a failed attempt: retried after a backoff, or dead when out of attempts.
    pub async fn fail_job(&self, now: Timestamp, job: &ClaimedJob, error: &str) -> Result<FailOutcome> {
        let error: String = error.chars().take(2000).collect();
        let outcome = if job.attempt >= job.max_attempts {
            FailOutcome::Dead
        } else {
            FailOutcome::Retry(now.saturating_add(backoff(job.attempt)).unwrap_or(now))
        };
        let (state, run_at) = match outcome {
            FailOutcome::Dead => ("dead", now),
            FailOutcome::Retry(at) => ("pending", at),
        };
        let mut tx = self.begin().await?;
        on_tx!(tx, c => sqlx::query(
            "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, locked_until = NULL, updated_at = $4, \
             dedupe_key = CASE WHEN $1 = 'dead' THEN NULL ELSE dedupe_key END WHERE id = $5")
            .bind(state).bind(to_micros(run_at)).bind(&error).bind(to_micros(now)).bind(job.id.as_uuid())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// How many jobs wait, run and lie dead.
    pub async fn queue_depth(&self) -> Result<QueueDepth> {
        let rows: Vec<(String, i64)> = read!(self, p => sqlx::query_as(
            "SELECT state, COUNT(*) FROM jobs GROUP BY state").fetch_all(p).await)?;
        let mut depth = QueueDepth::default();
        for (state, n) in rows {
            match state.as_str() {
                "pending" => depth.pending = n,
                "running" => depth.running = n,
                "dead" => depth.dead = n,
                _ => {}
            }
        }
        Ok(depth)
    }

    /// The last error and state of a job, for inspection.
    pub async fn job_state(&self, id: JobId) -> Result<Option<(String, i32, Option<String>, Timestamp)>> {
        let row: Option<(String, i32, Option<String>, i64)> = read!(self, p => sqlx::query_as(
            "SELECT state, attempts, last_error, run_at FROM jobs WHERE id = $1")
            .bind(id.as_uuid()).fetch_optional(p).await)?;
        Ok(row.map(|(s, a, e, r)| (s, a, e, from_micros(r))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), SignedDuration::from_secs(1));
        assert_eq!(backoff(3), SignedDuration::from_secs(8));
        assert_eq!(backoff(40), SignedDuration::from_secs(3600));
    }
}

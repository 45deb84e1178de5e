//! The worker pool inside `candor serve`: claims due jobs, runs their
//! handlers, retries failures with backoff, and finishes in-flight work on
//! shutdown before it stops.

use crate::context::App;
use candor_store::jobs::{ClaimedJob, FailOutcome, NewJob};
use jiff::SignedDuration;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// A job handler's verdict on one attempt: `Err` retries with backoff.
pub type JobResult = Result<(), String>;

type Handler = Arc<dyn Fn(App, ClaimedJob) -> Pin<Box<dyn Future<Output = JobResult> + Send>> + Send + Sync>;

/// Runs a job kind every `every`, from whichever node gets to it first.
#[derive(Clone, Debug)]
pub struct Recurring {
    /// The job kind.
    pub kind: &'static str,
    /// How often.
    pub every: SignedDuration,
}

/// The kind of the job that purges expired sessions, keys and throttles.
pub const HOUSEKEEPING: &str = "housekeeping.purge";

/// What one step of the worker did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// No job was due.
    Empty,
    /// A job ran and succeeded.
    Completed(String),
    /// A job ran and failed; it will run again.
    Retrying(String),
    /// A job ran out of attempts.
    Dead(String),
}

/// Job handlers by kind, and the loop that runs them.
#[derive(Clone)]
pub struct Worker {
    app: App,
    handlers: HashMap<String, Handler>,
    recurring: Vec<Recurring>,
    lease: SignedDuration,
}

impl Worker {
    /// A worker with the built-in handlers (housekeeping).
    pub fn new(app: App) -> Self {
        let mut worker = Self {
            app,
            handlers: HashMap::new(),
            recurring: Vec::new(),
            lease: SignedDuration::from_mins(5),
        };
        worker.register(HOUSEKEEPING, |app, _job| async move {
            app.db
                .purge_expired(app.now())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        worker.recurring.push(Recurring {
            kind: HOUSEKEEPING,
            every: SignedDuration::from_hours(1),
        });
        worker
    }

    /// Adds the handler for a job kind.
    pub fn register<F, Fut>(&mut self, kind: &str, handler: F)
    where
        F: Fn(App, ClaimedJob) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |app, job| Box::pin(handler(app, job)));
        self.handlers.insert(kind.to_string(), handler);
    }

    /// Runs the job kind `kind` every `every` (its handler must be registered).
    pub fn every(&mut self, kind: &'static str, every: SignedDuration) {
        self.recurring.push(Recurring { kind, every });
    }

    /// Makes sure every recurring job has a run scheduled.
    pub async fn schedule_recurring(&self) -> candor_store::Result<()> {
        let now = self.app.now();
        for r in &self.recurring {
            let job = NewJob {
                dedupe_key: Some(format!("recurring:{}", r.kind)),
                max_attempts: 3,
                ..NewJob::now(r.kind, serde_json::json!({}), now)
            };
            self.app.db.enqueue(now, job).await?;
        }
        Ok(())
    }

    /// Claims and runs at most one due job: the step tests drive by hand.
    pub async fn step(&self) -> candor_store::Result<Step> {
        let mut claimed = self.app.db.claim_jobs(self.app.now(), self.lease, 1).await?;
        match claimed.pop() {
            None => Ok(Step::Empty),
            Some(job) => self.execute(job).await,
        }
    }

    /// Runs every job due now, one after another, until none is left.
    pub async fn drain(&self) -> candor_store::Result<Vec<Step>> {
        let mut steps = Vec::new();
        loop {
            match self.step().await? {
                Step::Empty => return Ok(steps),
                s => steps.push(s),
            }
        }
    }

    async fn execute(&self, job: ClaimedJob) -> candor_store::Result<Step> {
        let kind = job.kind.clone();
        let started = std::time::Instant::now();
        let result = match self.handlers.get(&kind) {
            Some(h) => h(self.app.clone(), job.clone()).await,
            None => Err(format!("no handler for job kind \"{kind}\"")),
        };
        let outcome = match result {
            Ok(()) => {
                self.app.db.complete_job(job.id).await?;
                tracing::info!(job = %job.id, kind = %kind, attempt = job.attempt, ms = started.elapsed().as_millis() as u64, "job done");
                Step::Completed(kind.clone())
            }
            Err(error) => match self.app.db.fail_job(self.app.now(), &job, &error).await? {
                FailOutcome::Retry(at) => {
                    tracing::warn!(job = %job.id, kind = %kind, attempt = job.attempt, retry_at = %at, %error, "job failed; will retry");
                    Step::Retrying(kind.clone())
                }
                FailOutcome::Dead => {
                    tracing::error!(job = %job.id, kind = %kind, attempt = job.attempt, %error, "job failed for the last time");
                    Step::Dead(kind.clone())
                }
            },
        };
        let label = match &outcome {
            Step::Completed(_) => "completed",
            Step::Retrying(_) => "retrying",
            Step::Dead(_) => "dead",
            Step::Empty => "empty",
        };
        metrics::counter!("candor_jobs_total", "kind" => kind, "outcome" => label).increment(1);
        Ok(outcome)
    }

    /// Runs up to `concurrency` jobs at a time until `shutdown` fires, then
    /// stops claiming and waits for the jobs in flight.
    pub async fn run(self, concurrency: usize, poll: Duration, shutdown: CancellationToken) {
        let concurrency = concurrency.max(1);
        let mut in_flight: JoinSet<()> = JoinSet::new();
        let mut last_schedule: Option<std::time::Instant> = None;
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            if last_schedule.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                if let Err(e) = self.schedule_recurring().await {
                    tracing::warn!(error = %e, "cannot schedule recurring jobs");
                }
                last_schedule = Some(std::time::Instant::now());
            }
            while in_flight.try_join_next().is_some() {}
            let free = concurrency.saturating_sub(in_flight.len());
            let claimed = if free > 0 {
                match self.app.db.claim_jobs(self.app.now(), self.lease, free as u32).await {
                    Ok(jobs) => jobs,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot claim jobs");
                        Vec::new()
                    }
                }
            } else {
                Vec::new()
            };
            let idle = claimed.is_empty();
            for job in claimed {
                let worker = self.clone();
                in_flight.spawn(async move {
                    if let Err(e) = worker.execute(job).await {
                        tracing::warn!(error = %e, "cannot record a job's outcome");
                    }
                });
            }
            if idle {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(poll) => {}
                    Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                }
            }
        }
        while in_flight.join_next().await.is_some() {}
        tracing::info!("worker stopped");
    }
}

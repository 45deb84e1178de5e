//! Customer value, kept current: a customer's own lifetime value, orders and
//! stage are written with each purchase; the workspace's tiers and RFM scores
//! (which compare customers with each other) are recomputed by a queued job,
//! so requests never wait for them. A daily job refreshes every workspace, as
//! stages move with time alone.

use crate::context::App;
use crate::worker::Worker;
use candor_core::value::{CustomerHistory, PurchaseStatus, analyse, lifetime_value};
use candor_core::{CustomerId, WorkspaceId};
use candor_store::Tx;
use candor_store::jobs::NewJob;
use candor_store::purchases::ValueSettings;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

/// The job that recomputes one workspace's value figures.
pub const REFRESH_JOB: &str = "customers.value_refresh";
/// The daily job that queues a refresh for every workspace.
pub const DAILY_JOB: &str = "customers.value_daily";

/// Customers written per transaction by a workspace refresh.
const REFRESH_CHUNK: usize = 500;

/// Writes a customer's own value figures from their purchases.
pub async fn refresh_customer_in(
    tx: &mut Tx,
    now: Timestamp,
    ws: WorkspaceId,
    customer: CustomerId,
    settings: &ValueSettings,
) -> candor_store::Result<()> {
    let purchases = tx.value_purchases(ws, customer).await?;
    let ltv = lifetime_value(&purchases, settings.currency, now)
        .map_err(|e| candor_store::StoreError::Corrupt(e.to_string()))?;
    let paid = purchases
        .iter()
        .filter(|p| p.status == PurchaseStatus::Paid && p.amount.currency == settings.currency && p.at <= now);
    let (mut orders, mut last) = (0i64, None);
    for p in paid {
        orders += 1;
        last = last.max(Some(p.at));
    }
    // A falling trust trajectory flags the customer at risk (docs/trust.md).
    let flagged = tx.is_falling(ws, customer).await?;
    let stage = settings.rules.stages.stage(&purchases, flagged, now);
    tx.set_customer_value(ws, customer, ltv.net, orders, last, stage).await
}

/// Queues a recomputation of the workspace's tiers (at most one waits at a time).
pub async fn enqueue_refresh(tx: &mut Tx, now: Timestamp, ws: WorkspaceId) -> candor_store::Result<()> {
    tx.enqueue(
        now,
        NewJob {
            workspace_id: Some(ws),
            dedupe_key: Some(format!("{REFRESH_JOB}:{ws}")),
            ..NewJob::now(REFRESH_JOB, json!({"workspace": ws}), now)
        },
    )
    .await?;
    Ok(())
}

/// Recomputes every value figure of a workspace's customers.
pub async fn refresh_workspace(app: &App, ws: WorkspaceId) -> candor_store::Result<usize> {
    let Some(settings) = app.db.value_settings(ws).await? else {
        return Ok(0);
    };
    let now = app.now();
    let falling = app.db.falling_customers(ws).await?;
    let histories: Vec<CustomerHistory<CustomerId>> = app
        .db
        .value_histories(ws)
        .await?
        .into_iter()
        .map(|(customer, purchases)| CustomerHistory {
            flagged_at_risk: falling.contains(&customer),
            customer,
            purchases,
        })
        .collect();
    let values = analyse(&histories, settings.currency, now, &settings.rules)
        .map_err(|e| candor_store::StoreError::Corrupt(e.to_string()))?;
    // Short transactions: on SQLite a writer blocks every other writer, and a
    // workspace of 100,000 customers must not hold requests up while it is written.
    let values: Vec<_> = values.into_iter().collect();
    for chunk in values.chunks(REFRESH_CHUNK) {
        let mut tx = app.db.begin().await?;
        for (customer, value) in chunk {
            tx.set_full_value(ws, *customer, value).await?;
        }
        tx.commit().await?;
    }
    let mut tx = app.db.begin().await?;
    tx.mark_value_computed(ws, now).await?;
    tx.commit().await?;
    Ok(values.len())
}

/// Registers the value jobs with the worker.
pub fn register_jobs(worker: &mut Worker) {
    worker.register(REFRESH_JOB, |app, job| async move {
        let ws: WorkspaceId = job
            .workspace_id
            .ok_or_else(|| "the value refresh job has no workspace".to_string())?;
        // Purchases arriving while this runs queue a fresh run.
        app.db.release_dedupe_key(job.id).await.map_err(|e| e.to_string())?;
        refresh_workspace(&app, ws).await.map(|_| ()).map_err(|e| e.to_string())
    });
    worker.register(DAILY_JOB, |app, _job| async move {
        let now = app.now();
        let day_ago = now - SignedDuration::from_hours(24);
        for ws in app.db.value_workspaces().await.map_err(|e| e.to_string())? {
            // The worker may run this more often than daily; refresh only what is a day old.
            let fresh = app
                .db
                .value_settings(ws)
                .await
                .map_err(|e| e.to_string())?
                .and_then(|s| s.computed_at)
                .is_some_and(|at| at > day_ago);
            if fresh {
                continue;
            }
            let mut tx = app.db.begin().await.map_err(|e| e.to_string())?;
            enqueue_refresh(&mut tx, now, ws).await.map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())?;
        }
        Ok(())
    });
    worker.every(DAILY_JOB, SignedDuration::from_hours(24));
}

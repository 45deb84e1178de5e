//! Steps of customers' trajectories (each the mirror of its `trust.step`
//! event) and where each trajectory stands.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::{from_micros, to_micros};
use candor_core::trust::trajectory::{Direction, Reason, falling_since};
use candor_core::{CustomerId, TrustStepId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashSet;
use uuid::Uuid;

/// A stored step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredStep {
    /// Its id.
    pub id: TrustStepId,
    /// Whose trajectory.
    pub customer_id: CustomerId,
    /// When the contact reached its outcome.
    pub at: Timestamp,
    /// conversation, promise or topic.
    pub source: String,
    /// The conversation's, promise's or topic's id.
    pub source_id: Uuid,
    /// The agent it is credited to, if any.
    pub agent_id: Option<UserId>,
    /// Which way it went.
    pub direction: Direction,
    /// Its points, in halves.
    pub points: i32,
    /// Why.
    pub reasons: Vec<Reason>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    customer_id: Uuid,
    at: i64,
    source: String,
    source_id: Uuid,
    agent_id: Option<Uuid>,
    direction: String,
    points: i32,
    reasons: String,
}

const COLUMNS: &str = "id, customer_id, at, source, source_id, agent_id, direction, points, reasons";

impl Row {
    fn into_step(self) -> Result<StoredStep> {
        Ok(StoredStep {
            id: TrustStepId::from_uuid(self.id),
            customer_id: CustomerId::from_uuid(self.customer_id),
            at: from_micros(self.at),
            source: self.source,
            source_id: self.source_id,
            agent_id: self.agent_id.map(UserId::from_uuid),
            direction: Direction::parse(&self.direction)
                .ok_or_else(|| StoreError::Corrupt(format!("step direction {}", self.direction)))?,
            points: self.points,
            reasons: serde_json::from_str(&self.reasons)
                .map_err(|e| StoreError::Corrupt(format!("step reasons: {e}")))?,
        })
    }
}

pub(crate) fn step_args(ws: WorkspaceId, s: &StoredStep) -> Vec<Arg> {
    vec![
        Arg::Uuid(s.id.as_uuid()),
        Arg::Uuid(ws.as_uuid()),
        Arg::Uuid(s.customer_id.as_uuid()),
        Arg::I64(to_micros(s.at)),
        Arg::Text(s.source.clone()),
        Arg::Uuid(s.source_id),
        Arg::uuid_or_null(s.agent_id.map(|a| a.as_uuid())),
        Arg::Text(s.direction.as_str().to_string()),
        Arg::I64(i64::from(s.points)),
        Arg::Text(serde_json::to_string(&s.reasons).unwrap_or_else(|_| "[]".into())),
    ]
}

/// The INSERT of steps, before its VALUES.
pub(crate) const INSERT_STEPS: &str = "INSERT INTO trust_steps (id, workspace_id, customer_id, at, source, source_id, \
     agent_id, direction, points, reasons)";

/// Where a customer's trajectory stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Trajectory {
    /// Since when it has been falling, if it is.
    pub falling_since: Option<Timestamp>,
    /// The latest step's time.
    pub last_step_at: Timestamp,
}

impl Tx {
    /// Stores a step.
    pub async fn insert_trust_step(&mut self, ws: WorkspaceId, step: &StoredStep) -> Result<()> {
        let mut sql = Sql::new(INSERT_STEPS);
        sql.values([step_args(ws, step)]);
        on_tx!(self, x => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The sentiments of a conversation's customer messages, oldest first:
    /// what scoring it when it is solved reads.
    pub async fn inbound_sentiments(&mut self, ws: WorkspaceId, conversation: Uuid) -> Result<Vec<Option<f64>>> {
        let rows: Vec<(Option<f64>,)> = on_tx!(self, x => sqlx::query_as(
            "SELECT sentiment FROM messages WHERE workspace_id = $1 AND conversation_id = $2 AND kind = 'inbound' \
             ORDER BY id")
            .bind(ws.as_uuid()).bind(conversation).fetch_all(&mut **x).await)?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// Whether a conversation, promise or topic was scored before.
    pub async fn was_scored(&mut self, ws: WorkspaceId, source_id: Uuid) -> Result<bool> {
        let row: Option<(Uuid,)> = on_tx!(self, x => sqlx::query_as(
            "SELECT id FROM trust_steps WHERE workspace_id = $1 AND source_id = $2 LIMIT 1")
            .bind(ws.as_uuid()).bind(source_id).fetch_optional(&mut **x).await)?;
        Ok(row.is_some())
    }

    /// Where a customer's trajectory stood.
    pub async fn trajectory_in_tx(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<Option<Trajectory>> {
        let row: Option<(Option<i64>, i64)> = on_tx!(self, x => sqlx::query_as(
            "SELECT falling_since, last_step_at FROM trust_trajectories WHERE workspace_id = $1 AND customer_id = $2")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_optional(&mut **x).await)?;
        Ok(row.map(trajectory))
    }

    /// Stores where a customer's trajectory stands.
    pub async fn set_trajectory(&mut self, ws: WorkspaceId, customer: CustomerId, t: &Trajectory) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "INSERT INTO trust_trajectories (workspace_id, customer_id, falling_since, last_step_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id, customer_id) DO UPDATE SET falling_since = excluded.falling_since, \
             last_step_at = excluded.last_step_at")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).bind(t.falling_since.map(to_micros))
            .bind(to_micros(t.last_step_at)).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Whether a customer's trajectory is falling (their at-risk flag).
    pub async fn is_falling(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<bool> {
        Ok(self
            .trajectory_in_tx(ws, customer)
            .await?
            .is_some_and(|t| t.falling_since.is_some()))
    }

    /// Moves a merged customer's steps and alerts to the survivor and reads
    /// the survivor's trajectory again from the steps they now hold together
    /// (as a rebuild would). Of two open alerts, the survivor's stays open.
    pub async fn merge_trust_steps(&mut self, ws: WorkspaceId, survivor: CustomerId, other: CustomerId) -> Result<()> {
        let (w, s, o) = (ws.as_uuid(), survivor.as_uuid(), other.as_uuid());
        on_tx!(self, x => sqlx::query(
            "UPDATE trust_alerts SET state = 'handled', handled_how = 'merged' WHERE workspace_id = $1 \
             AND customer_id = $2 AND state = 'open' AND EXISTS (SELECT 1 FROM trust_alerts a \
             WHERE a.workspace_id = $1 AND a.customer_id = $3 AND a.state = 'open')")
            .bind(w).bind(o).bind(s).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        for table in ["trust_steps", "trust_alerts"] {
            let sql = format!("UPDATE {table} SET customer_id = $1 WHERE workspace_id = $2 AND customer_id = $3");
            on_tx!(self, x => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(s).bind(w).bind(o)
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        on_tx!(self, x => sqlx::query("DELETE FROM trust_trajectories WHERE workspace_id = $1 AND customer_id = $2")
            .bind(w).bind(o).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if let Some(t) = self.replay_trajectory(ws, survivor).await? {
            self.set_trajectory(ws, survivor, &t).await?;
        }
        Ok(())
    }

    /// Where a customer's trajectory stands after all their steps, in the
    /// order they were made: the same replay a rebuild does, so the row kept
    /// as steps arrive equals the row rebuilt (even when steps were recorded
    /// out of time order, as a demo or an import in the past may do).
    pub async fn replay_trajectory(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<Option<Trajectory>> {
        let steps: Vec<(String, i64)> = on_tx!(self, x => sqlx::query_as(
            "SELECT direction, at FROM trust_steps WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_all(&mut **x).await)?;
        let Some(last) = steps.last().map(|(_, at)| *at) else {
            return Ok(None);
        };
        let since = falling_since(steps.iter().filter_map(|(d, at)| Direction::parse(d).map(|d| (d, *at))));
        Ok(Some(Trajectory {
            falling_since: since.map(from_micros),
            last_step_at: from_micros(last),
        }))
    }
}

fn trajectory((falling, last): (Option<i64>, i64)) -> Trajectory {
    Trajectory {
        falling_since: falling.map(from_micros),
        last_step_at: from_micros(last),
    }
}

impl Db {
    /// A customer's latest steps, newest first.
    pub async fn trust_steps(&self, ws: WorkspaceId, customer: CustomerId, limit: u32) -> Result<Vec<StoredStep>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM trust_steps WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(customer.as_uuid()).bind(i64::from(limit.clamp(1, 500))).fetch_all(p).await)?;
        rows.into_iter().map(Row::into_step).collect()
    }

    /// An agent's latest steps, newest first.
    pub async fn agent_trust_steps(&self, ws: WorkspaceId, agent: UserId, limit: u32) -> Result<Vec<StoredStep>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM trust_steps WHERE workspace_id = $1 AND agent_id = $2 ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(agent.as_uuid()).bind(i64::from(limit.clamp(1, 500))).fetch_all(p).await)?;
        rows.into_iter().map(Row::into_step).collect()
    }

    /// The steps of one conversation, promise or topic, newest first.
    pub async fn trust_steps_of_source(&self, ws: WorkspaceId, source_id: Uuid) -> Result<Vec<StoredStep>> {
        let sql =
            format!("SELECT {COLUMNS} FROM trust_steps WHERE workspace_id = $1 AND source_id = $2 ORDER BY id DESC");
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(source_id).fetch_all(p).await)?;
        rows.into_iter().map(Row::into_step).collect()
    }

    /// Every step of a workspace, oldest first (for comparing with a rebuild).
    pub async fn all_trust_steps(&self, ws: WorkspaceId) -> Result<Vec<StoredStep>> {
        let sql = format!("SELECT {COLUMNS} FROM trust_steps WHERE workspace_id = $1 ORDER BY id");
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(Row::into_step).collect()
    }

    /// Where a customer's trajectory stands.
    pub async fn trajectory(&self, ws: WorkspaceId, customer: CustomerId) -> Result<Option<Trajectory>> {
        let row: Option<(Option<i64>, i64)> = read!(self, p => sqlx::query_as(
            "SELECT falling_since, last_step_at FROM trust_trajectories WHERE workspace_id = $1 AND customer_id = $2")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_optional(p).await)?;
        Ok(row.map(trajectory))
    }

    /// Every trajectory of a workspace, by customer (for comparing with a rebuild).
    pub async fn all_trajectories(&self, ws: WorkspaceId) -> Result<Vec<(CustomerId, Trajectory)>> {
        let rows: Vec<(Uuid, Option<i64>, i64)> = read!(self, p => sqlx::query_as(
            "SELECT customer_id, falling_since, last_step_at FROM trust_trajectories WHERE workspace_id = $1 \
             ORDER BY customer_id")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(c, f, l)| (CustomerId::from_uuid(c), trajectory((f, l))))
            .collect())
    }

    /// The customers whose trajectory is falling: the lifecycle's at-risk flag.
    pub async fn falling_customers(&self, ws: WorkspaceId) -> Result<HashSet<CustomerId>> {
        let rows: Vec<(Uuid,)> = read!(self, p => sqlx::query_as(
            "SELECT customer_id FROM trust_trajectories WHERE workspace_id = $1 AND falling_since IS NOT NULL")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(c,)| CustomerId::from_uuid(c)).collect())
    }
}

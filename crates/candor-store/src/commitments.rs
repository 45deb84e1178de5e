//! Versions of a workspace's public commitments.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::commitments::Commitments;
use candor_core::{UserId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// One stored version.
#[derive(Clone, Debug)]
pub struct CommitmentVersion {
    /// 1, 2, 3… per workspace.
    pub version: i64,
    /// The commitments.
    pub commitments: Commitments,
    /// When it came into force.
    pub created_at: Timestamp,
    /// Who made it, if a person did.
    pub created_by: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct Row {
    version: i64,
    body: String,
    created_at: i64,
    created_by: Option<Uuid>,
}

impl Row {
    fn into_version(self) -> Result<CommitmentVersion> {
        Ok(CommitmentVersion {
            version: self.version,
            commitments: serde_json::from_str(&self.body)
                .map_err(|e| StoreError::Corrupt(format!("commitments version {}: {e}", self.version)))?,
            created_at: from_micros(self.created_at),
            created_by: self.created_by.map(UserId::from_uuid),
        })
    }
}

impl Tx {
    /// Stores a new version; returns its number.
    pub async fn insert_commitments(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        by: Option<UserId>,
        c: &Commitments,
    ) -> Result<i64> {
        let body = serde_json::to_string(c).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let next: i64 = on_tx!(self, t => sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM commitment_versions WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_one(&mut **t).await)?;
        on_tx!(self, t => sqlx::query(
            "INSERT INTO commitment_versions (id, workspace_id, version, body, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(candor_core::ids::uuid_v7_at(now)).bind(ws.as_uuid()).bind(next).bind(&body).bind(to_micros(now))
            .bind(by.map(|u| u.as_uuid()))
            .execute(&mut **t).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::on_unique(e, "commitments", "the commitments were changed at the same moment; try again"))?;
        Ok(next)
    }
}

impl Tx {
    /// [`Db::commitments_at`] through this transaction: a request holding a
    /// transaction never waits for a second pooled connection.
    pub async fn commitments_at(&mut self, ws: WorkspaceId, at: Timestamp) -> Result<Option<CommitmentVersion>> {
        let row: Option<Row> = on_tx!(self, t => sqlx::query_as(
            "SELECT version, body, created_at, created_by FROM commitment_versions WHERE workspace_id = $1 AND created_at <= $2 \
             ORDER BY version DESC LIMIT 1")
            .bind(ws.as_uuid()).bind(to_micros(at)).fetch_optional(&mut **t).await)?;
        row.map(Row::into_version).transpose()
    }
}

impl Db {
    /// The version in force now, if any.
    pub async fn current_commitments(&self, ws: WorkspaceId) -> Result<Option<CommitmentVersion>> {
        let row: Option<Row> = read!(self, p => sqlx::query_as(
            "SELECT version, body, created_at, created_by FROM commitment_versions WHERE workspace_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(ws.as_uuid()).fetch_optional(p).await)?;
        row.map(Row::into_version).transpose()
    }

    /// The version that was in force at `at`: what a conversation started then is measured by.
    pub async fn commitments_at(&self, ws: WorkspaceId, at: Timestamp) -> Result<Option<CommitmentVersion>> {
        let row: Option<Row> = read!(self, p => sqlx::query_as(
            "SELECT version, body, created_at, created_by FROM commitment_versions WHERE workspace_id = $1 AND created_at <= $2 \
             ORDER BY version DESC LIMIT 1")
            .bind(ws.as_uuid()).bind(to_micros(at)).fetch_optional(p).await)?;
        row.map(Row::into_version).transpose()
    }

    /// One version by its number.
    pub async fn commitments_version(&self, ws: WorkspaceId, version: i64) -> Result<CommitmentVersion> {
        let row: Option<Row> = read!(self, p => sqlx::query_as(
            "SELECT version, body, created_at, created_by FROM commitment_versions WHERE workspace_id = $1 AND version = $2")
            .bind(ws.as_uuid()).bind(version).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_version()
    }

    /// Every version, newest first.
    pub async fn commitment_history(&self, ws: WorkspaceId) -> Result<Vec<CommitmentVersion>> {
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT version, body, created_at, created_by FROM commitment_versions WHERE workspace_id = $1 ORDER BY version DESC")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(Row::into_version).collect()
    }
}

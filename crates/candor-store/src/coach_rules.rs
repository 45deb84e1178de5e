//! A workspace's own reply-coach rules: one TOML source per language,
//! added to the built-in rules.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::Result;
use candor_core::clock::{from_micros, to_micros};
use candor_core::{UserId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// One language's rules as the company wrote them.
#[derive(Clone, Debug)]
pub struct CoachRules {
    /// ISO 639-1 code.
    pub language: String,
    /// The TOML source (never empty: removed rules are not listed).
    pub source: String,
    /// When they were last changed.
    pub updated_at: Timestamp,
    /// Who changed them.
    pub updated_by: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct Row {
    language: String,
    source: String,
    updated_at: i64,
    updated_by: Option<Uuid>,
}

impl Tx {
    /// Stores `source` as the workspace's rules for `language`; an empty
    /// source removes them.
    pub async fn put_coach_rules(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        language: &str,
        source: &str,
        by: Option<UserId>,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO coach_rules (workspace_id, language, source, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (workspace_id, language) DO UPDATE SET source = excluded.source, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by")
            .bind(ws.as_uuid()).bind(language).bind(source).bind(to_micros(now)).bind(by.map(|u| u.as_uuid()))
            .execute(&mut **t).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Db {
    /// The workspace's rules, by language (only languages with rules).
    pub async fn coach_rules(&self, ws: WorkspaceId) -> Result<Vec<CoachRules>> {
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT language, source, updated_at, updated_by FROM coach_rules \
             WHERE workspace_id = $1 AND source <> '' ORDER BY language")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|r| CoachRules {
                language: r.language,
                source: r.source,
                updated_at: from_micros(r.updated_at),
                updated_by: r.updated_by.map(UserId::from_uuid),
            })
            .collect())
    }

    /// A stamp that changes whenever the workspace's rules change (the
    /// newest change and the number of languages touched), or `None` when
    /// the workspace never had rules of its own: lets a cache of compiled
    /// rules stay valid across nodes for the price of one indexed read.
    pub async fn coach_rules_stamp(&self, ws: WorkspaceId) -> Result<Option<(i64, i64)>> {
        let row: (Option<i64>, i64) = read!(self, p => sqlx::query_as(
            "SELECT MAX(updated_at), COUNT(*) FROM coach_rules WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_one(p).await)?;
        Ok(row.0.map(|at| (at, row.1)))
    }
}

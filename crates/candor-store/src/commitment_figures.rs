//! The public figures per commitment: each query groups a period's rows by
//! the channel and priority of the conversation's clocks (the commitment
//! they are measured by), so a period costs a few grouped aggregates
//! whatever the number of commitments. Promises and redress reach the
//! channel and priority through their conversation's clock row; a promise
//! in a conversation without clocks belongs to no commitment.

use crate::clocks::{ClockFigures, first_reply_figures, ranked_first_replies_sql};
use crate::db::{Db, read};
use crate::error::Result;
use crate::promises::PromiseFigures;
use candor_core::WorkspaceId;
use candor_core::clock::to_micros;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// A commitment's key: (channel, priority).
pub type CommitmentKey = (String, String);

/// Breaches recorded in a period, and how many of them were redressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RedressFigures {
    /// Breaches.
    pub breaches: i64,
    /// Of those, redressed.
    pub redressed: i64,
}

impl Db {
    /// Clock figures of conversations started in `[from, to)`, per channel
    /// and priority: one grouped aggregate and one ranking of the first-reply
    /// times per group, both by the (workspace, started, channel,
    /// priority, …) index, which holds every column they read.
    pub async fn clock_figures_by_commitment(
        &self,
        ws: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<BTreeMap<CommitmentKey, ClockFigures>> {
        let (w, a, b) = (ws.as_uuid(), to_micros(from), to_micros(to));
        // SUM of BIGINT is NUMERIC on PostgreSQL: cast back so both read i64.
        let groups: Vec<(String, String, i64, i64, i64, i64, i64)> = read!(self, p => sqlx::query_as(
            "SELECT channel, priority, COUNT(*), COUNT(first_reply_within), \
             COALESCE(CAST(SUM(first_reply_within) AS BIGINT), 0), COUNT(resolution_within), \
             COALESCE(CAST(SUM(resolution_within) AS BIGINT), 0) \
             FROM conversation_clocks WHERE workspace_id = $1 AND started_at >= $2 AND started_at < $3 \
             GROUP BY channel, priority")
            .bind(w).bind(a).bind(b).fetch_all(p).await)?;
        let mut out: BTreeMap<CommitmentKey, ClockFigures> = groups
            .into_iter()
            .map(|(channel, priority, n, fr, fr_in, res, res_in)| {
                let figures = ClockFigures {
                    conversations: n,
                    first_replies: fr,
                    first_replies_within: fr_in,
                    resolutions: res,
                    resolutions_within: res_in,
                    first_reply: Default::default(),
                };
                ((channel, priority), figures)
            })
            .collect();
        let ranked: Vec<(String, String, i64, i64, i64)> = read!(self, p =>
            sqlx::query_as(sqlx::AssertSqlSafe(ranked_first_replies_sql(true)))
            .bind(w).bind(a).bind(b).fetch_all(p).await)?;
        for (key, times) in first_reply_figures(ranked) {
            out.entry(key).or_default().first_reply = times;
        }
        Ok(out)
    }

    /// Promises made in `[from, to)` per channel and priority of their
    /// conversation's clocks: one grouped aggregate.
    pub async fn promise_figures_by_commitment(
        &self,
        ws: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<BTreeMap<CommitmentKey, PromiseFigures>> {
        let rows: Vec<(String, String, i64, i64, i64)> = read!(self, p => sqlx::query_as(
            "SELECT k.channel, k.priority, COUNT(*), \
             COALESCE(CAST(SUM(CASE WHEN pr.state = 'kept' THEN 1 ELSE 0 END) AS BIGINT), 0), \
             COALESCE(CAST(SUM(CASE WHEN pr.state = 'broken' THEN 1 ELSE 0 END) AS BIGINT), 0) \
             FROM promises pr JOIN conversation_clocks k \
             ON k.workspace_id = pr.workspace_id AND k.conversation_id = pr.conversation_id \
             WHERE pr.workspace_id = $1 AND pr.created_at >= $2 AND pr.created_at < $3 \
             GROUP BY k.channel, k.priority")
            .bind(ws.as_uuid()).bind(to_micros(from)).bind(to_micros(to)).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(channel, priority, made, kept, broken)| ((channel, priority), PromiseFigures { made, kept, broken }))
            .collect())
    }

    /// Breaches recorded in `[from, to)` and how many were redressed, per
    /// channel and priority of the conversation's clocks: one grouped aggregate.
    pub async fn redress_figures_by_commitment(
        &self,
        ws: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<BTreeMap<CommitmentKey, RedressFigures>> {
        let rows: Vec<(String, String, i64, i64)> = read!(self, p => sqlx::query_as(
            "SELECT k.channel, k.priority, COUNT(*), COUNT(r.done_at) FROM redress r JOIN conversation_clocks k \
             ON k.workspace_id = r.workspace_id AND k.conversation_id = r.conversation_id \
             WHERE r.workspace_id = $1 AND r.breached_at >= $2 AND r.breached_at < $3 \
             GROUP BY k.channel, k.priority")
            .bind(ws.as_uuid()).bind(to_micros(from)).bind(to_micros(to)).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(channel, priority, breaches, redressed)| {
                ((channel, priority), RedressFigures { breaches, redressed })
            })
            .collect())
    }
}

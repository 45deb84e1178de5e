//! Trust counts (docs/trust.md): every event appended is tallied in the
//! transaction that appends it (`candor_core::trust::tally`, one multi-row
//! upsert when it moves anything), per customer and per agent, as an
//! all-time row and a row for the event's week. The workspace's figures are
//! the sum of its customers' rows, read when asked, so no single row is
//! written by every ingest. Steps, trajectories and alerts are in
//! [`steps`] and [`alerts`]; the rebuild's reads and writes in [`rebuild`].

use crate::db::{Db, Tx, on_tx, read};
use crate::error::Result;
use crate::sql::{Arg, Sql};
use candor_core::clock::to_micros;
use candor_core::events::Actor;
use candor_core::trust::signals::{Counts, SIGNAL_COUNT, SIGNALS, ScopeKind};
use candor_core::trust::tally::{EventFacts, Tally, counts_kind, tally};
use candor_core::trust::trend::{ALL_TIME, week_of};
use candor_core::{CustomerId, WorkspaceId};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::LazyLock;
use uuid::Uuid;

pub mod alerts;
pub mod rebuild;
pub mod steps;

/// Rows per multi-row statement: 24 values each, well inside SQLite's limit.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// The counter columns in catalogue order: `<signal>_f, <signal>_n, …`.
pub(crate) static COUNT_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    SIGNALS
        .iter()
        .map(|d| format!("{0}_f, {0}_n", d.name))
        .collect::<Vec<_>>()
        .join(", ")
});

/// `SUM(<signal>_f), SUM(<signal>_n), …` for the workspace's figures, as
/// BIGINT (PostgreSQL sums BIGINT to NUMERIC).
static SUM_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    SIGNALS
        .iter()
        .map(|d| format!("CAST(SUM({0}_f) AS BIGINT), CAST(SUM({0}_n) AS BIGINT)", d.name))
        .collect::<Vec<_>>()
        .join(", ")
});

/// `<signal>_f = trust_counts.<signal>_f + excluded.<signal>_f, …`.
static ADD_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    SIGNALS
        .iter()
        .flat_map(|d| ["f", "n"].map(|s| format!("{0}_{s} = trust_counts.{0}_{s} + excluded.{0}_{s}", d.name)))
        .collect::<Vec<_>>()
        .join(", ")
});

/// One stored row of counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountKey {
    /// Customer or agent.
    pub scope: ScopeKind,
    /// Their id.
    pub subject: Uuid,
    /// The week, or [`ALL_TIME`].
    pub week: i64,
}

/// Adds tallies made at `week` to `rows`: each to its all-time row and its week's row.
pub fn add_tallies(rows: &mut BTreeMap<CountKey, Counts>, week: i64, tallies: &[Tally]) {
    for t in tallies {
        for w in [ALL_TIME, week] {
            let key = CountKey {
                scope: t.scope,
                subject: t.subject,
                week: w,
            };
            rows.entry(key).or_default().add(t.key, t.favourable, t.observed);
        }
    }
}

fn scope_of(s: &str) -> ScopeKind {
    match s {
        "agent" => ScopeKind::Agent,
        "workspace" => ScopeKind::Workspace,
        _ => ScopeKind::Customer,
    }
}

/// Reads `SIGNAL_COUNT * 2` counters from `row` starting at column `first`.
pub(crate) fn counts_at<R>(row: &R, first: usize) -> std::result::Result<Counts, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database>,
{
    let mut c = Counts::default();
    for i in 0..SIGNAL_COUNT {
        // Sums over no rows are NULL.
        c.favourable[i] = row.try_get::<Option<i64>, _>(first + 2 * i)?.unwrap_or(0);
        c.observed[i] = row.try_get::<Option<i64>, _>(first + 2 * i + 1)?.unwrap_or(0);
    }
    Ok(c)
}

/// The values of one row, in column order.
pub(crate) fn row_args(ws: WorkspaceId, key: &CountKey, c: &Counts) -> Vec<Arg> {
    let mut row = vec![
        Arg::Uuid(ws.as_uuid()),
        Arg::Text(key.scope.as_str().to_string()),
        Arg::Uuid(key.subject),
        Arg::I64(key.week),
    ];
    for i in 0..SIGNAL_COUNT {
        row.push(Arg::I64(c.favourable[i]));
        row.push(Arg::I64(c.observed[i]));
    }
    row
}

impl Tx {
    /// Tallies one event being appended (see the module docs). Events that
    /// move nothing cost nothing more.
    pub async fn tally_event(
        &mut self,
        ws: WorkspaceId,
        at: Timestamp,
        kind: &str,
        actor: Actor,
        customer: Option<CustomerId>,
        payload: &serde_json::Value,
    ) -> Result<()> {
        if !counts_kind(kind) {
            return Ok(());
        }
        let tallies = tally(&EventFacts {
            kind,
            actor: match actor {
                Actor::Staff(u) => Some(u.as_uuid()),
                Actor::System => None,
            },
            customer: customer.map(|c| c.as_uuid()),
            payload,
        });
        if tallies.is_empty() {
            return Ok(());
        }
        let mut rows = BTreeMap::new();
        add_tallies(&mut rows, week_of(to_micros(at)), &tallies);
        self.add_trust_counts(ws, &rows).await
    }

    /// Adds counts to stored rows, creating those that do not exist, in
    /// multi-row upserts (each key once per statement, as PostgreSQL asks).
    pub async fn add_trust_counts(&mut self, ws: WorkspaceId, rows: &BTreeMap<CountKey, Counts>) -> Result<()> {
        let rows: Vec<_> = rows.iter().collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new(&format!(
                "INSERT INTO trust_counts (workspace_id, scope, subject_id, week, {})",
                *COUNT_COLUMNS
            ));
            sql.values(chunk.iter().map(|(k, c)| row_args(ws, k, c)));
            sql.push(&format!(
                " ON CONFLICT (workspace_id, scope, subject_id, week) DO UPDATE SET {}",
                *ADD_COLUMNS
            ));
            // An upsert: the row is there afterwards whatever was before.
            self.defer(sql).await?;
        }
        Ok(())
    }

    /// Moves a merged customer's counts to the survivor (their events were
    /// moved to the survivor too, so a rebuild counts them there).
    pub async fn merge_trust_counts(&mut self, ws: WorkspaceId, survivor: CustomerId, other: CustomerId) -> Result<()> {
        let sql = format!(
            "SELECT week, {} FROM trust_counts WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = $2",
            *COUNT_COLUMNS
        );
        let theirs: Vec<(i64, Counts)> = on_tx!(self, x => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(other.as_uuid()).fetch_all(&mut **x).await
            .and_then(|rows| rows.iter().map(|r| Ok((sqlx::Row::try_get::<i64, _>(r, 0)?, counts_at(r, 1)?))).collect()))?;
        if theirs.is_empty() {
            return Ok(());
        }
        on_tx!(self, x => sqlx::query(
            "DELETE FROM trust_counts WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = $2")
            .bind(ws.as_uuid()).bind(other.as_uuid()).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        let rows: BTreeMap<CountKey, Counts> = theirs
            .into_iter()
            .map(|(week, c)| {
                (
                    CountKey {
                        scope: ScopeKind::Customer,
                        subject: survivor.as_uuid(),
                        week,
                    },
                    c,
                )
            })
            .collect();
        self.add_trust_counts(ws, &rows).await
    }
}

/// A subject's counts: the all-time total and the weeks asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredCounts {
    /// All time.
    pub total: Counts,
    /// What each week added (weeks with nothing are absent).
    pub weeks: Vec<(i64, Counts)>,
}

fn split(rows: Vec<(i64, Counts)>) -> StoredCounts {
    let mut out = StoredCounts::default();
    for (week, c) in rows {
        if week == ALL_TIME {
            out.total = c;
        } else {
            out.weeks.push((week, c));
        }
    }
    out.weeks.sort_by_key(|(w, _)| *w);
    out
}

impl Db {
    /// A customer's or agent's counts, with the weeks from `first_week` on.
    pub async fn trust_counts(
        &self,
        ws: WorkspaceId,
        scope: ScopeKind,
        subject: Uuid,
        first_week: i64,
    ) -> Result<StoredCounts> {
        let sql = format!(
            "SELECT week, {} FROM trust_counts WHERE workspace_id = $1 AND scope = $2 AND subject_id = $3 \
             AND (week = $4 OR week >= $5)",
            *COUNT_COLUMNS
        );
        let rows: Vec<(i64, Counts)> = read!(self, p => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(scope.as_str()).bind(subject).bind(ALL_TIME).bind(first_week)
            .fetch_all(p).await
            .and_then(|rows| rows.iter().map(|r| Ok((sqlx::Row::try_get::<i64, _>(r, 0)?, counts_at(r, 1)?))).collect()))?;
        Ok(split(rows))
    }

    /// The workspace's counts: the sum of its customers' rows, with the
    /// weeks from `first_week` on.
    pub async fn workspace_trust_counts(&self, ws: WorkspaceId, first_week: i64) -> Result<StoredCounts> {
        let sql = format!(
            "SELECT week, {} FROM trust_counts WHERE workspace_id = $1 AND scope = 'customer' \
             AND (week = $2 OR week >= $3) GROUP BY week",
            *SUM_COLUMNS
        );
        let rows: Vec<(i64, Counts)> = read!(self, p => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(ALL_TIME).bind(first_week)
            .fetch_all(p).await
            .and_then(|rows| rows.iter().map(|r| Ok((sqlx::Row::try_get::<i64, _>(r, 0)?, counts_at(r, 1)?))).collect()))?;
        Ok(split(rows))
    }

    /// The all-time counts of every agent that has any.
    pub async fn agent_trust_totals(&self, ws: WorkspaceId) -> Result<Vec<(Uuid, Counts)>> {
        let sql = format!(
            "SELECT subject_id, {} FROM trust_counts WHERE workspace_id = $1 AND scope = 'agent' AND week = $2",
            *COUNT_COLUMNS
        );
        Ok(read!(self, p => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(ALL_TIME)
            .fetch_all(p).await
            .and_then(|rows| rows.iter().map(|r| Ok((sqlx::Row::try_get::<Uuid, _>(r, 0)?, counts_at(r, 1)?))).collect()))?)
    }

    /// Every stored row of counts of a workspace from `first_week` on (and
    /// the all-time rows), in key order: what a rebuild is compared with.
    pub async fn all_trust_counts(&self, ws: WorkspaceId, first_week: i64) -> Result<Vec<(CountKey, Counts)>> {
        let sql = format!(
            "SELECT scope, subject_id, week, {} FROM trust_counts WHERE workspace_id = $1 \
             AND (week = $2 OR week >= $3)",
            *COUNT_COLUMNS
        );
        let rows: Vec<(String, Uuid, i64, Counts)> = read!(self, p => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(ALL_TIME).bind(first_week)
            .fetch_all(p).await
            .and_then(|rows| rows.iter().map(|r| Ok((
                sqlx::Row::try_get::<String, _>(r, 0)?,
                sqlx::Row::try_get::<Uuid, _>(r, 1)?,
                sqlx::Row::try_get::<i64, _>(r, 2)?,
                counts_at(r, 3)?,
            ))).collect()))?;
        let mut out: Vec<(CountKey, Counts)> = rows
            .into_iter()
            .filter(|(_, _, _, c)| !c.is_zero())
            .map(|(scope, subject, week, c)| {
                (
                    CountKey {
                        scope: scope_of(&scope),
                        subject,
                        week,
                    },
                    c,
                )
            })
            .collect();
        out.sort_by_key(|(k, _)| *k);
        Ok(out)
    }
}

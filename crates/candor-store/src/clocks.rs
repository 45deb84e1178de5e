//! The clocks of each conversation: one row holding the clock state as JSON,
//! with the columns derived from it that the job queue, the "breaching soon"
//! view and the public figures read through indexes.

use crate::db::{Backend, Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql};
use candor_core::clock::{from_micros, to_micros};
use candor_core::pact::ConversationClocks;
use candor_core::{ConversationId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// A conversation's clocks as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredClocks {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The commitments version the clocks run under.
    pub commitments_version: i64,
    /// The conversation's channel.
    pub channel: String,
    /// The priority whose commitment the clocks are measured by: the one
    /// when the conversation started, or the one a priority change
    /// re-targeted them to (a priority without a commitment leaves it).
    pub priority: String,
    /// The clocks.
    pub clocks: ConversationClocks,
    /// When the customer's first message came.
    pub started_at: Timestamp,
    /// When the next warning or breach falls due.
    pub next_check_at: Option<Timestamp>,
    /// When the earliest counting clock reaches its warning share.
    pub warn_at: Option<Timestamp>,
    /// The earliest due time of a counting clock.
    pub due_at: Option<Timestamp>,
    /// First reply: met in time, or missed; `None` until concluded.
    pub first_reply_within: Option<bool>,
    /// Business seconds to the first reply.
    pub first_reply_secs: Option<i64>,
    /// Resolution: met in time, or missed; `None` until concluded.
    pub resolution_within: Option<bool>,
    /// Business seconds to the resolution.
    pub resolution_secs: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    workspace_id: Uuid,
    conversation_id: Uuid,
    commitments_version: i64,
    channel: String,
    priority: String,
    state: String,
    started_at: i64,
    next_check_at: Option<i64>,
    warn_at: Option<i64>,
    due_at: Option<i64>,
    first_reply_within: Option<i64>,
    first_reply_secs: Option<i64>,
    resolution_within: Option<i64>,
    resolution_secs: Option<i64>,
}

pub(crate) const COLUMNS: &str = "workspace_id, conversation_id, commitments_version, channel, priority, state, started_at, \
    next_check_at, warn_at, due_at, first_reply_within, first_reply_secs, resolution_within, resolution_secs";

impl Row {
    pub(crate) fn into_clocks(self) -> Result<StoredClocks> {
        Ok(StoredClocks {
            workspace_id: WorkspaceId::from_uuid(self.workspace_id),
            conversation_id: ConversationId::from_uuid(self.conversation_id),
            commitments_version: self.commitments_version,
            channel: self.channel,
            priority: self.priority,
            clocks: serde_json::from_str(&self.state)
                .map_err(|e| StoreError::Corrupt(format!("clocks of conversation {}: {e}", self.conversation_id)))?,
            started_at: from_micros(self.started_at),
            next_check_at: self.next_check_at.map(from_micros),
            warn_at: self.warn_at.map(from_micros),
            due_at: self.due_at.map(from_micros),
            first_reply_within: self.first_reply_within.map(|v| v != 0),
            first_reply_secs: self.first_reply_secs,
            resolution_within: self.resolution_within.map(|v| v != 0),
            resolution_secs: self.resolution_secs,
        })
    }
}

/// What a write of a row that exists replaces: every column but the key.
pub(crate) const UPSERT: &str = "commitments_version = excluded.commitments_version, \
    channel = excluded.channel, priority = excluded.priority, state = excluded.state, \
    started_at = excluded.started_at, next_check_at = excluded.next_check_at, warn_at = excluded.warn_at, \
    due_at = excluded.due_at, first_reply_within = excluded.first_reply_within, \
    first_reply_secs = excluded.first_reply_secs, resolution_within = excluded.resolution_within, \
    resolution_secs = excluded.resolution_secs, updated_at = excluded.updated_at";

pub(crate) fn micros(t: Option<Timestamp>) -> Option<i64> {
    t.map(to_micros)
}

pub(crate) fn flag(b: Option<bool>) -> Option<i64> {
    b.map(i64::from)
}

/// A clock row's values in the column order of `conversation_clocks`, then `updated_at`.
pub(crate) fn clock_args(now: Timestamp, c: &StoredClocks) -> Result<Vec<Arg>> {
    let state = serde_json::to_string(&c.clocks).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(vec![
        Arg::Uuid(c.workspace_id.as_uuid()),
        Arg::Uuid(c.conversation_id.as_uuid()),
        Arg::I64(c.commitments_version),
        Arg::Text(c.channel.clone()),
        Arg::Text(c.priority.clone()),
        Arg::Text(state),
        Arg::I64(to_micros(c.started_at)),
        Arg::i64_or_null(micros(c.next_check_at)),
        Arg::i64_or_null(micros(c.warn_at)),
        Arg::i64_or_null(micros(c.due_at)),
        Arg::i64_or_null(flag(c.first_reply_within)),
        Arg::i64_or_null(c.first_reply_secs),
        Arg::i64_or_null(flag(c.resolution_within)),
        Arg::i64_or_null(c.resolution_secs),
        Arg::I64(to_micros(now)),
    ])
}

impl Tx {
    /// A conversation's clocks, locked for this transaction on PostgreSQL (on
    /// SQLite the one writer already serialises transactions).
    pub async fn clocks_for_update(&mut self, ws: WorkspaceId, id: ConversationId) -> Result<Option<StoredClocks>> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql =
            format!("SELECT {COLUMNS} FROM conversation_clocks WHERE workspace_id = $1 AND conversation_id = $2{lock}");
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        row.map(Row::into_clocks).transpose()
    }

    /// Writes a conversation's clocks: one statement, inserting or replacing the row.
    pub async fn save_clocks(&mut self, now: Timestamp, c: &StoredClocks) -> Result<()> {
        let sql = format!(
            "INSERT INTO conversation_clocks (workspace_id, conversation_id, commitments_version, channel, priority, state, \
             started_at, next_check_at, warn_at, due_at, first_reply_within, first_reply_secs, resolution_within, \
             resolution_secs, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (workspace_id, conversation_id) DO UPDATE SET {UPSERT}"
        );
        let mut q = Sql::new(&sql);
        q.args = clock_args(now, c)?;
        // An upsert of the conversation's one row: nothing to wait for.
        self.defer(q).await
    }
}

/// Counts and times of the clocks of conversations started in a period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClockFigures {
    /// Conversations with clocks that started in the period.
    pub conversations: i64,
    /// First-reply clocks concluded (met or missed).
    pub first_replies: i64,
    /// Of those, met in time.
    pub first_replies_within: i64,
    /// Resolution clocks concluded.
    pub resolutions: i64,
    /// Of those, met in time.
    pub resolutions_within: i64,
    /// Business seconds to the first replies sent: their median and 90th percentile.
    pub first_reply: FirstReplyTimes,
}

/// The median (the middle value, or the mean of the two middle ones) and the
/// nearest-rank 90th percentile of first-reply times, in business seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FirstReplyTimes {
    /// The median; `None` when no first reply was sent.
    pub median: Option<i64>,
    /// The 90th percentile; `None` when no first reply was sent.
    pub p90: Option<i64>,
}

impl FirstReplyTimes {
    /// Ranks (1-based, ascending) the figures are read from among `n` times.
    fn ranks(n: i64) -> [i64; 3] {
        [(n + 1) / 2, n / 2 + 1, (90 * n + 99) / 100]
    }

    /// The figures from the times at [`Self::ranks`]: `(rank, value)` pairs of `n` times.
    pub(crate) fn from_ranked(n: i64, at: &[(i64, i64)]) -> Self {
        let value = |rank: i64| at.iter().find(|(r, _)| *r == rank).map(|(_, v)| *v);
        let [low, high, p90] = Self::ranks(n);
        let median = if n % 2 == 1 {
            value(low)
        } else {
            value(low).zip(value(high)).map(|(a, b)| (a + b) / 2)
        };
        Self {
            median,
            p90: value(p90),
        }
    }
}

/// The first-reply times of clocks started in `[$2, $3)`, ranked in SQL
/// (per channel and priority when `grouped`), keeping only the rows at the
/// ranks the figures need: a period of 100,000 clocks returns a few rows,
/// not every time. Columns: channel, priority, n, rank, seconds.
pub(crate) fn ranked_first_replies_sql(grouped: bool) -> String {
    let (keys, partition) = if grouped {
        ("channel, priority", "PARTITION BY channel, priority ")
    } else {
        ("'' AS channel, '' AS priority", "")
    };
    format!(
        "SELECT channel, priority, n, rn, first_reply_secs FROM (SELECT {keys}, first_reply_secs, \
         ROW_NUMBER() OVER ({partition}ORDER BY first_reply_secs) AS rn, COUNT(*) OVER ({partition}) AS n \
         FROM conversation_clocks WHERE workspace_id = $1 AND started_at >= $2 AND started_at < $3 \
         AND first_reply_secs IS NOT NULL) ranked \
         WHERE rn = (n + 1) / 2 OR rn = n / 2 + 1 OR rn = (90 * n + 99) / 100"
    )
}

/// A group's count of times and its `(rank, seconds)` rows.
type RankedGroup = (i64, Vec<(i64, i64)>);

/// Groups ranked rows (see [`ranked_first_replies_sql`]) into figures per (channel, priority).
pub(crate) fn first_reply_figures(
    rows: Vec<(String, String, i64, i64, i64)>,
) -> std::collections::BTreeMap<(String, String), FirstReplyTimes> {
    let mut by: std::collections::BTreeMap<(String, String), RankedGroup> = Default::default();
    for (channel, priority, n, rank, secs) in rows {
        let e = by.entry((channel, priority)).or_insert((n, Vec::new()));
        e.1.push((rank, secs));
    }
    by.into_iter()
        .map(|(k, (n, at))| (k, FirstReplyTimes::from_ranked(n, &at)))
        .collect()
}

impl Db {
    /// A conversation's clocks.
    pub async fn clocks(&self, ws: WorkspaceId, id: ConversationId) -> Result<Option<StoredClocks>> {
        let sql = format!("SELECT {COLUMNS} FROM conversation_clocks WHERE workspace_id = $1 AND conversation_id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(Row::into_clocks).transpose()
    }

    /// The clock figures of conversations that started in `[from, to)`:
    /// one aggregate and one ranking of the first-reply times, both by the
    /// (workspace, started) index.
    pub async fn clock_figures(&self, ws: WorkspaceId, from: Timestamp, to: Timestamp) -> Result<ClockFigures> {
        let (w, a, b) = (ws.as_uuid(), to_micros(from), to_micros(to));
        // SUM of BIGINT is NUMERIC on PostgreSQL: cast back so both read i64.
        let counts: (i64, i64, i64, i64, i64) = read!(self, p => sqlx::query_as(
            "SELECT COUNT(*), COUNT(first_reply_within), COALESCE(CAST(SUM(first_reply_within) AS BIGINT), 0), \
             COUNT(resolution_within), COALESCE(CAST(SUM(resolution_within) AS BIGINT), 0) \
             FROM conversation_clocks WHERE workspace_id = $1 AND started_at >= $2 AND started_at < $3")
            .bind(w).bind(a).bind(b).fetch_one(p).await)?;
        let first_reply = self.first_reply_times(ws, from, to).await?;
        Ok(ClockFigures {
            conversations: counts.0,
            first_replies: counts.1,
            first_replies_within: counts.2,
            resolutions: counts.3,
            resolutions_within: counts.4,
            first_reply,
        })
    }
}

impl Db {
    /// The median and 90th percentile of the first-reply times of clocks
    /// started in `[from, to)`, ranked in SQL over the whole workspace.
    pub async fn first_reply_times(&self, ws: WorkspaceId, from: Timestamp, to: Timestamp) -> Result<FirstReplyTimes> {
        let ranked: Vec<(String, String, i64, i64, i64)> = read!(self, p =>
            sqlx::query_as(sqlx::AssertSqlSafe(ranked_first_replies_sql(false)))
            .bind(ws.as_uuid()).bind(to_micros(from)).bind(to_micros(to)).fetch_all(p).await)?;
        Ok(first_reply_figures(ranked).into_values().next().unwrap_or_default())
    }
}

impl ClockFigures {
    /// The counts of several groups added up, with the first-reply times
    /// given (a median is not a sum of medians).
    pub fn total<'a>(groups: impl IntoIterator<Item = &'a ClockFigures>, first_reply: FirstReplyTimes) -> Self {
        groups.into_iter().fold(
            ClockFigures {
                first_reply,
                ..Default::default()
            },
            |mut t, g| {
                t.conversations += g.conversations;
                t.first_replies += g.first_replies;
                t.first_replies_within += g.first_replies_within;
                t.resolutions += g.resolutions;
                t.resolutions_within += g.resolutions_within;
                t
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::FirstReplyTimes;

    /// The figures read at ranks equal the median and nearest-rank 90th
    /// percentile of the whole sorted list.
    #[test]
    fn figures_from_ranks_match_the_whole_list() {
        let median = |v: &[i64]| match v.len() {
            0 => None,
            n if n % 2 == 1 => Some(v[n / 2]),
            n => Some((v[n / 2 - 1] + v[n / 2]) / 2),
        };
        let p90 = |v: &[i64]| (!v.is_empty()).then(|| v[(90 * v.len()).div_ceil(100).max(1) - 1]);
        for n in 0..60i64 {
            let sorted: Vec<i64> = (0..n).map(|i| i * i * 7 + i % 3).collect();
            let ranks = FirstReplyTimes::ranks(n);
            let at: Vec<(i64, i64)> = (1..=n)
                .filter(|r| ranks.contains(r))
                .map(|r| (r, sorted[(r - 1) as usize]))
                .collect();
            let got = FirstReplyTimes::from_ranked(n, &at);
            assert_eq!(got.median, median(&sorted), "n = {n}");
            assert_eq!(got.p90, p90(&sorted), "n = {n}");
        }
        let ten: Vec<(i64, i64)> = vec![(5, 5), (6, 6), (9, 9)];
        assert_eq!(
            FirstReplyTimes::from_ranked(10, &ten),
            FirstReplyTimes {
                median: Some(5),
                p90: Some(9)
            }
        );
    }
}

//! Measured compliance with the commitments, per period, computed from the
//! conversations' clocks, the redress rows and the promise ledger (all kept
//! in the transactions of the changes that the event log records), and kept
//! for a minute (`crate::pact_cache`). docs/commitments.md explains each
//! figure; [`METHOD`] says the same in one sentence each for the public page.

use crate::context::App;
use crate::error::AppResult;
use candor_store::clocks::ClockFigures;
use candor_store::commitment_figures::{CommitmentKey, RedressFigures};
use candor_store::promises::PromiseFigures;
use candor_store::staff::Workspace;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The periods the public page shows.
pub const PERIODS: [(&str, i64); 3] = [("7d", 7), ("30d", 30), ("90d", 90)];

/// How each figure is computed, in plain words: (figure, explanation).
pub const METHOD: &[(&str, &str)] = &[
    (
        "conversations",
        "Conversations that started in the period on a channel and priority we publish a commitment for.",
    ),
    (
        "first_replies_within",
        "Of those whose first reply was sent or is overdue, the share answered within the first-reply commitment. Only open hours count, and time spent waiting on the customer does not.",
    ),
    (
        "resolutions_within",
        "Of those solved or overdue, the share solved within the resolution commitment. Time while solved does not count if the customer reopens.",
    ),
    (
        "first_reply_median",
        "The middle first-reply time, in open business hours (the mean of the two middle ones for an even count).",
    ),
    (
        "first_reply_p90",
        "90% of first replies were at least this fast (the nearest-rank 90th percentile).",
    ),
    (
        "promises_kept",
        "Of the promises agents made to customers in the period and settled so far, the share kept by their due time. Open promises are not counted yet.",
    ),
    (
        "breaches",
        "Commitments we missed in the period: every overdue first reply, reply and resolution counts once.",
    ),
    (
        "breaches_redressed",
        "Of those misses, how many got the redress we promise (an apology sent, or the remedy recorded as given).",
    ),
    (
        "by_commitment",
        "Beside each commitment, the same figures for the conversations measured by it: its channel and priority (when we change a conversation's priority, its running clocks move to that priority's commitment, and so does the conversation). Promises and misses count with the conversation they belong to.",
    ),
];

/// Seconds as an ISO 8601 duration ("PT1H23M"), rounded to the minute.
pub fn iso_duration(secs: i64) -> String {
    let mins = (secs + 30) / 60;
    let (h, m) = (mins / 60, mins % 60);
    match (h, m) {
        (0, m) => format!("PT{m}M"),
        (h, 0) => format!("PT{h}H"),
        (h, m) => format!("PT{h}H{m}M"),
    }
}

fn share(part: i64, whole: i64) -> Value {
    if whole == 0 {
        Value::Null
    } else {
        json!(part as f64 / whole as f64)
    }
}

/// What one period's figures are made of.
#[derive(Clone, Debug, Default)]
struct Counts {
    clocks: ClockFigures,
    promises: PromiseFigures,
    redress: RedressFigures,
}

/// The figures of one period as JSON (the shape of each `measured` period).
fn figures(days: i64, from: Timestamp, to: Timestamp, c: &Counts) -> Value {
    let (clocks, promises) = (&c.clocks, &c.promises);
    let (med, p90) = (clocks.first_reply.median, clocks.first_reply.p90);
    json!({
        "days": days,
        "from": from,
        "to": to,
        "conversations": clocks.conversations,
        "first_replies_measured": clocks.first_replies,
        "first_replies_in_time": clocks.first_replies_within,
        "first_replies_within": share(clocks.first_replies_within, clocks.first_replies),
        "resolutions_measured": clocks.resolutions,
        "resolutions_in_time": clocks.resolutions_within,
        "resolutions_within": share(clocks.resolutions_within, clocks.resolutions),
        "first_reply_median": med.map(iso_duration),
        "first_reply_median_seconds": med,
        "first_reply_p90": p90.map(iso_duration),
        "first_reply_p90_seconds": p90,
        "promises_made": promises.made,
        "promises_kept_count": promises.kept,
        "promises_broken": promises.broken,
        "promises_kept": share(promises.kept, promises.kept + promises.broken),
        "breaches": c.redress.breaches,
        "breaches_redressed": c.redress.redressed,
    })
}

/// One period ending at `now`: the workspace's figures and each channel and
/// priority's, from one grouped aggregate per kind of row (clocks,
/// promises, redress) plus the workspace's promise and redress counts
/// (which also count promises in conversations without clocks).
async fn period(app: &App, workspace: &Workspace, days: i64, now: Timestamp) -> AppResult<(Value, Groups)> {
    let ws = workspace.id;
    let from = now - SignedDuration::from_hours(24 * days);
    // Independent reads, side by side (on SQLite each takes a reader of its own).
    let (clocks, first_reply, promises, redress, all_promises, (breaches, redressed)) = tokio::try_join!(
        app.db.clock_figures_by_commitment(ws, from, now),
        // The workspace's first-reply times are ranked over all its clocks: a
        // median is not a sum of the groups' medians. Its counts are the sums.
        app.db.first_reply_times(ws, from, now),
        app.db.promise_figures_by_commitment(ws, from, now),
        app.db.redress_figures_by_commitment(ws, from, now),
        app.db.promise_figures(ws, from, now),
        app.db.redress_figures(ws, from, now),
    )?;
    let all = Counts {
        clocks: ClockFigures::total(clocks.values(), first_reply),
        promises: all_promises,
        redress: RedressFigures { breaches, redressed },
    };
    let mut groups: BTreeMap<CommitmentKey, Counts> = BTreeMap::new();
    for (k, v) in clocks {
        groups.entry(k).or_default().clocks = v;
    }
    for (k, v) in promises {
        groups.entry(k).or_default().promises = v;
    }
    for (k, v) in redress {
        groups.entry(k).or_default().redress = v;
    }
    let groups = groups
        .into_iter()
        .map(|(k, c)| (k, figures(days, from, now, &c)))
        .collect();
    Ok((figures(days, from, now, &all), groups))
}

/// Figures per (channel, priority), for one period.
type Groups = BTreeMap<CommitmentKey, Value>;

/// The measured figures of a workspace at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// The whole workspace: `{"7d": {…}, "30d": {…}, "90d": {…}}`.
    pub workspace: Value,
    /// Each channel and priority that has clocks in any period, in the same
    /// shape (a period without any is all zeros and nulls).
    pub by_commitment: BTreeMap<CommitmentKey, Value>,
    /// When they were computed.
    pub at: Timestamp,
}

impl Measured {
    /// The figures of one commitment, each period in the workspace's shape
    /// (zeros and nulls where nothing was measured).
    pub fn of(&self, channel: &str, priority: &str) -> Value {
        let key = (channel.to_string(), priority.to_string());
        if let Some(v) = self.by_commitment.get(&key) {
            return v.clone();
        }
        let mut out = serde_json::Map::new();
        for (name, days) in PERIODS {
            let from = self.at - SignedDuration::from_hours(24 * days);
            out.insert(name.to_string(), figures(days, from, self.at, &Counts::default()));
        }
        Value::Object(out)
    }
}

/// Figures for each period, for the workspace and for each channel and
/// priority: first replies and resolutions within commitment, median and
/// 90th percentile first reply, promises made and kept, breaches and
/// redress done. Served from the cache when computed within the last minute.
pub async fn measured_all(app: &App, workspace: &Workspace) -> AppResult<Arc<Measured>> {
    let now = app.now();
    if let Some(m) = app.pact.figures(workspace.id, now) {
        return Ok(m);
    }
    let mut all = serde_json::Map::new();
    let mut by: BTreeMap<CommitmentKey, serde_json::Map<String, Value>> = BTreeMap::new();
    // The periods are independent reads: on the read pool they run side by side.
    let [(n7, d7), (n30, d30), (n90, d90)] = PERIODS;
    let (p7, p30, p90) = tokio::try_join!(
        period(app, workspace, d7, now),
        period(app, workspace, d30, now),
        period(app, workspace, d90, now),
    )?;
    for (name, (whole, groups)) in [(n7, p7), (n30, p30), (n90, p90)] {
        all.insert(name.to_string(), whole);
        for (k, v) in groups {
            by.entry(k).or_default().insert(name.to_string(), v);
        }
    }
    // A commitment measured in one period and not another gets zeros there.
    let by_commitment = by
        .into_iter()
        .map(|(k, mut periods)| {
            for (name, days) in PERIODS {
                periods.entry(name.to_string()).or_insert_with(|| {
                    let from = now - SignedDuration::from_hours(24 * days);
                    figures(days, from, now, &Counts::default())
                });
            }
            (k, Value::Object(periods))
        })
        .collect();
    let m = Arc::new(Measured {
        workspace: Value::Object(all),
        by_commitment,
        at: now,
    });
    app.pact.keep_figures(workspace.id, now, m.clone());
    Ok(m)
}

/// The workspace's figures for each period (see [`measured_all`]).
pub async fn measured(app: &App, workspace: &Workspace) -> AppResult<Value> {
    Ok(measured_all(app, workspace).await?.workspace.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_to_the_minute() {
        assert_eq!(iso_duration(5400), "PT1H30M");
        assert_eq!(iso_duration(7200), "PT2H");
        assert_eq!(iso_duration(29), "PT0M");
    }
}

//! Measured compliance with the commitments, per period, computed from the
//! conversations' clocks, the redress rows and the promise ledger (all kept
//! in the transactions of the changes that the event log records), and kept
//! for a minute (`crate::pact_cache`). docs/commitments.md explains each
//! figure; [`METHOD`] says the same in one sentence each for the public page.

use crate::context::App;
use crate::error::AppResult;
use candor_store::staff::Workspace;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

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
];

/// The value at the nearest rank of the `p`th percentile (1–100) of sorted values.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// The median of sorted values: the middle one, or the mean of the two middle ones.
pub fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => sorted.get(n / 2).copied(),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

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

/// Figures for one period ending at `now`.
pub async fn period(app: &App, workspace: &Workspace, days: i64, now: Timestamp) -> AppResult<Value> {
    let ws = workspace.id;
    let from = now - SignedDuration::from_hours(24 * days);
    let clocks = app.db.clock_figures(ws, from, now).await?;
    let promises = app.db.promise_figures(ws, from, now).await?;
    let (breaches, redressed) = app.db.redress_figures(ws, from, now).await?;
    let secs = &clocks.first_reply_secs;
    let med = median(secs);
    let p90 = percentile(secs, 90);
    Ok(json!({
        "days": days,
        "from": from,
        "to": now,
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
        "breaches": breaches,
        "breaches_redressed": redressed,
    }))
}

/// Figures for each period: first replies and resolutions within commitment,
/// median and 90th percentile first reply, promises made and kept, breaches
/// and redress done. Served from the cache when computed within the last minute.
pub async fn measured(app: &App, workspace: &Workspace) -> AppResult<Value> {
    let now = app.now();
    if let Some(v) = app.pact.figures(workspace.id, now) {
        return Ok(v);
    }
    let mut out = serde_json::Map::new();
    for (name, days) in PERIODS {
        out.insert(name.to_string(), period(app, workspace, days, now).await?);
    }
    let value = Value::Object(out);
    app.pact.keep_figures(workspace.id, now, value.clone());
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
        assert_eq!(percentile(&[5], 90), Some(5));
        assert_eq!(percentile(&[], 90), None);
        assert_eq!(median(&[1, 3, 10]), Some(3));
        assert_eq!(median(&[1, 3, 10, 20]), Some(6));
        assert_eq!(iso_duration(5400), "PT1H30M");
        assert_eq!(iso_duration(7200), "PT2H");
        assert_eq!(iso_duration(29), "PT0M");
    }
}

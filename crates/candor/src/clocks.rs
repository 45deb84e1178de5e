//! `candor clocks rebuild`: every conversation's clocks computed again from
//! the event log (`candor_app::clocks::rebuild`).

use anyhow::{Result, anyhow};
use candor_app::App;
use candor_app::clocks::rebuild::rebuild;

/// Rebuilds a workspace's clocks and says how many conversations have them.
pub async fn rebuild_clocks(app: &App, slug: &str) -> Result<()> {
    let ws = app
        .db
        .workspace_by_slug(slug)
        .await
        .map(|w| w.id)
        .map_err(|_| anyhow!("--workspace: no workspace has the slug \"{slug}\""))?;
    let done = rebuild(app, ws)
        .await
        .map_err(|e| anyhow!("clocks of {slug} not rebuilt: {e}"))?;
    println!("clocks rebuilt for {} conversations", done.with_clocks);
    eprintln!(
        "{} conversations read; {} rows written, {} removed, {} left as they were (not replayable)",
        done.conversations, done.written, done.removed, done.skipped
    );
    Ok(())
}

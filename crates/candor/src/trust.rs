//! `candor trust rebuild`: every trust count, step and trajectory computed
//! again from the event log (`candor_app::trust::rebuild`).

use anyhow::{Result, anyhow};
use candor_app::App;
use candor_app::trust::rebuild::rebuild;
use std::time::Instant;

/// Rebuilds a workspace's trust and says what it found.
pub async fn rebuild_trust(app: &App, slug: &str) -> Result<()> {
    let ws = app
        .db
        .workspace_by_slug(slug)
        .await
        .map(|w| w.id)
        .map_err(|_| anyhow!("--workspace: no workspace has the slug \"{slug}\""))?;
    let started = Instant::now();
    let done = rebuild(app, ws)
        .await
        .map_err(|e| anyhow!("trust of {slug} not rebuilt: {e}"))?;
    println!(
        "trust rebuilt from {} events: {} customers, {} agents, {} steps, {} falling",
        done.events, done.customers, done.agents, done.steps, done.falling
    );
    eprintln!(
        "{} rows of counts written in {:.2} s{}",
        done.count_rows,
        started.elapsed().as_secs_f64(),
        if done.unreadable_steps > 0 {
            format!(
                "; {} step events could not be read and were left out",
                done.unreadable_steps
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

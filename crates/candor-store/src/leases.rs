//! Leases: work only one node may do at a time (fetching one mailbox). A
//! node takes a lease for a while and renews it while it works; another node
//! gets it only once it has expired or been given back, so a node that dies
//! holds nothing for longer than one lease.

use crate::db::{Db, on_tx};
use crate::error::Result;
use candor_core::WorkspaceId;
use candor_core::clock::to_micros;
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

impl Db {
    /// Takes or renews the lease `name` for `holder` until `now + ttl`.
    /// False when another holder has it and it has not expired.
    pub async fn take_lease(
        &self,
        now: Timestamp,
        workspace: WorkspaceId,
        name: &str,
        holder: Uuid,
        ttl: SignedDuration,
    ) -> Result<bool> {
        let until = to_micros(now.saturating_add(ttl).unwrap_or(now));
        let mut tx = self.begin().await?;
        let taken = on_tx!(tx, c => sqlx::query(
            "INSERT INTO leases (workspace_id, name, holder, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id, name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at <= $5")
            .bind(workspace.as_uuid()).bind(name).bind(holder).bind(until).bind(to_micros(now))
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(taken == 1)
    }

    /// Gives the lease back (only its holder can).
    pub async fn release_lease(&self, workspace: WorkspaceId, name: &str, holder: Uuid) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, c => sqlx::query("DELETE FROM leases WHERE workspace_id = $1 AND name = $2 AND holder = $3")
            .bind(workspace.as_uuid()).bind(name).bind(holder).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Who holds the lease now, if anyone.
    pub async fn lease_holder(&self, now: Timestamp, workspace: WorkspaceId, name: &str) -> Result<Option<Uuid>> {
        let row: Option<(Uuid,)> = crate::db::read!(self, p => sqlx::query_as(
            "SELECT holder FROM leases WHERE workspace_id = $1 AND name = $2 AND expires_at > $3")
            .bind(workspace.as_uuid()).bind(name).bind(to_micros(now)).fetch_optional(p).await)?;
        Ok(row.map(|r| r.0))
    }
}

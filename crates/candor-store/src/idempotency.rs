//! Idempotency keys: the same key and body within 24 hours returns the first
//! answer and changes nothing.

use crate::db::{Db, on_tx, read};
use crate::error::Result;
use candor_core::WorkspaceId;
use candor_core::clock::to_micros;
use jiff::{SignedDuration, Timestamp};

/// How long a key is remembered.
pub const KEY_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// What is known of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyState {
    /// Never seen (or expired): the caller now holds it.
    Claimed,
    /// Seen with another request body.
    Mismatch,
    /// The first request with it is still running.
    InFlight,
    /// The first answer, to return again.
    Done {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
}

impl Db {
    /// Claims `key` for a request whose body hashes to `request_hash`, or
    /// reports what happened to it before.
    pub async fn claim_idempotency_key(
        &self,
        now: Timestamp,
        workspace: WorkspaceId,
        key: &str,
        request_hash: &str,
    ) -> Result<KeyState> {
        let cutoff = to_micros(now.saturating_sub(KEY_LIFETIME).unwrap_or(now));
        let mut tx = self.begin().await?;
        on_tx!(tx, c => sqlx::query("DELETE FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND created_at < $3")
            .bind(workspace.as_uuid()).bind(key).bind(cutoff).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let inserted = on_tx!(tx, c => sqlx::query(
            "INSERT INTO idempotency_keys (workspace_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id, key) DO NOTHING")
            .bind(workspace.as_uuid()).bind(key).bind(request_hash).bind(to_micros(now)).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        if inserted == 1 {
            return Ok(KeyState::Claimed);
        }
        let row: Option<(String, Option<i32>, Option<String>)> = read!(self, p => sqlx::query_as(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE workspace_id = $1 AND key = $2")
            .bind(workspace.as_uuid()).bind(key).fetch_optional(p).await)?;
        Ok(match row {
            None => KeyState::InFlight,
            Some((hash, _, _)) if hash != request_hash => KeyState::Mismatch,
            Some((_, Some(status), Some(body))) => KeyState::Done {
                status: status.clamp(100, 599) as u16,
                body,
            },
            Some(_) => KeyState::InFlight,
        })
    }

    /// Stores the answer for a claimed key.
    pub async fn finish_idempotency_key(
        &self,
        workspace: WorkspaceId,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, c => sqlx::query("UPDATE idempotency_keys SET status = $1, body = $2 WHERE workspace_id = $3 AND key = $4")
            .bind(status as i32).bind(body).bind(workspace.as_uuid()).bind(key).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Lets go of a key whose request failed before answering, so it can be retried.
    pub async fn release_idempotency_key(&self, workspace: WorkspaceId, key: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, c => sqlx::query("DELETE FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND status IS NULL")
            .bind(workspace.as_uuid()).bind(key).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Removes expired sessions, idempotency keys, invitations and throttles.
    pub async fn purge_expired(&self, now: Timestamp) -> Result<u64> {
        let t = to_micros(now);
        let key_cutoff = to_micros(now.saturating_sub(KEY_LIFETIME).unwrap_or(now));
        let mut tx = self.begin().await?;
        let mut n = 0;
        n += on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(t).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        n += on_tx!(tx, c => sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1").bind(key_cutoff).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        n += on_tx!(tx, c => sqlx::query("DELETE FROM login_throttle WHERE locked_until < $1 AND window_start < $2")
            .bind(t).bind(to_micros(now.saturating_sub(crate::throttle::WINDOW).unwrap_or(now))).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(n)
    }
}

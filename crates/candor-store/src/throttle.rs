//! Slowing down repeated failed sign-ins, per account and per address, shared
//! by every node through the database.

use crate::db::{Db, on_tx, read};
use crate::error::Result;
use candor_core::clock::{from_micros, to_micros};
use jiff::{SignedDuration, Timestamp};

/// Failures allowed in a window before a lock starts.
pub const FREE_FAILURES: i64 = 5;
/// The window over which failures are counted.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// The lock after `failures` failures: none for the first few, then doubling
/// from 30 seconds up to 15 minutes.
pub fn lock_for(failures: i64) -> SignedDuration {
    if failures < FREE_FAILURES {
        return SignedDuration::ZERO;
    }
    let exp = (failures - FREE_FAILURES).clamp(0, 5) as u32;
    SignedDuration::from_secs((30i64 << exp).min(900))
}

impl Db {
    /// Until when sign-ins for any of `keys` must wait, if they must.
    pub async fn throttled_until(&self, now: Timestamp, keys: &[&str]) -> Result<Option<Timestamp>> {
        let mut latest: Option<Timestamp> = None;
        for key in keys {
            let until: Option<i64> = read!(self, p => sqlx::query_scalar(
                "SELECT locked_until FROM login_throttle WHERE key = $1").bind(*key).fetch_optional(p).await)?;
            if let Some(until) = until.map(from_micros)
                && until > now
            {
                latest = Some(latest.map_or(until, |l| l.max(until)));
            }
        }
        Ok(latest)
    }

    /// Counts a failed sign-in against each key.
    pub async fn record_failure(&self, now: Timestamp, keys: &[&str]) -> Result<()> {
        let mut tx = self.begin().await?;
        for key in keys {
            let row: Option<(i64, i64)> = on_tx!(tx, c => sqlx::query_as(
                "SELECT failures, window_start FROM login_throttle WHERE key = $1").bind(*key).fetch_optional(&mut **c).await)?;
            let (failures, start) = match row {
                Some((f, s)) if now.duration_since(from_micros(s)) < WINDOW => (f + 1, s),
                _ => (1, to_micros(now)),
            };
            let until = now.saturating_add(lock_for(failures)).unwrap_or(now);
            on_tx!(tx, c => sqlx::query(
                "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key) DO UPDATE SET failures = $2, window_start = $3, locked_until = $4")
                .bind(*key).bind(failures).bind(start).bind(to_micros(until)).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        tx.commit().await
    }

    /// Forgets the failures of an account after it signs in.
    pub async fn clear_failures(&self, keys: &[&str]) -> Result<()> {
        let mut tx = self.begin().await?;
        for key in keys {
            on_tx!(tx, c => sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(*key).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_grow_after_free_failures() {
        assert_eq!(lock_for(4), SignedDuration::ZERO);
        assert_eq!(lock_for(5), SignedDuration::from_secs(30));
        assert_eq!(lock_for(6), SignedDuration::from_secs(60));
        assert_eq!(lock_for(100), SignedDuration::from_secs(900));
    }
}

//! What customers do beside posting: "me too", following, signing in with a
//! one-time link (stored hashed) and the session it opens; and the posting
//! limits, counted per workspace in fixed windows shared by every node.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::secrets::{hash_secret, new_secret};
use candor_core::clock::{from_micros, to_micros};
use candor_core::community::TopicId;
use candor_core::{CustomerId, WorkspaceId};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

/// How long a sign-in link works.
pub const LINK_LIFETIME: SignedDuration = SignedDuration::from_mins(30);
/// How long a customer stays signed in to the community.
pub const COMMUNITY_SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 30);

/// A follower to tell about news.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Follower {
    /// The customer.
    pub customer_id: CustomerId,
    /// The verified address they follow with.
    pub email: String,
}

/// A used sign-in link: who asked, under what name, and where to go next.
#[derive(Clone, Debug)]
pub struct UsedLink {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The address the link was sent to (normalised).
    pub email: String,
    /// The name given when asking.
    pub name: String,
    /// The local path to go to after signing in.
    pub next_path: String,
}

/// A signed-in customer.
#[derive(Clone, Debug)]
pub struct CustomerSession {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The customer.
    pub customer_id: CustomerId,
    /// The verified address they signed in with.
    pub email: String,
    /// The form token of this session.
    pub csrf_token: String,
}

impl Tx {
    /// Records a "me too"; false when the customer had said it already.
    pub async fn add_me_too(&mut self, now: Timestamp, ws: WorkspaceId, t: TopicId, c: CustomerId) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "INSERT INTO community_me_too (workspace_id, topic_id, customer_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING")
            .bind(ws.as_uuid()).bind(t.as_uuid()).bind(c.as_uuid()).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n > 0 {
            self.recount_topic(now, ws, t, false).await?;
        }
        Ok(n > 0)
    }

    /// Follows a topic with an address; false when already following.
    pub async fn follow(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        t: TopicId,
        c: CustomerId,
        email: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "INSERT INTO community_followers (workspace_id, topic_id, customer_id, email, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING")
            .bind(ws.as_uuid()).bind(t.as_uuid()).bind(c.as_uuid()).bind(email).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n > 0 {
            self.recount_topic(now, ws, t, false).await?;
        }
        Ok(n > 0)
    }

    /// Stops following; false when not following.
    pub async fn unfollow(&mut self, now: Timestamp, ws: WorkspaceId, t: TopicId, c: CustomerId) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "DELETE FROM community_followers WHERE workspace_id = $1 AND topic_id = $2 AND customer_id = $3")
            .bind(ws.as_uuid()).bind(t.as_uuid()).bind(c.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n > 0 {
            self.recount_topic(now, ws, t, false).await?;
        }
        Ok(n > 0)
    }

    /// Everyone following a topic, as this transaction sees it.
    pub async fn followers_of(&mut self, ws: WorkspaceId, t: TopicId) -> Result<Vec<Follower>> {
        let rows: Vec<(Uuid, String)> = on_tx!(self, x => sqlx::query_as(
            "SELECT customer_id, email FROM community_followers WHERE workspace_id = $1 AND topic_id = $2 ORDER BY created_at")
            .bind(ws.as_uuid()).bind(t.as_uuid()).fetch_all(&mut **x).await)?;
        Ok(rows
            .into_iter()
            .map(|(c, email)| Follower {
                customer_id: CustomerId::from_uuid(c),
                email,
            })
            .collect())
    }

    /// Makes a one-time sign-in link for `email`; returns its secret.
    pub async fn create_sign_in_link(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        email: &str,
        name: &str,
        next_path: &str,
    ) -> Result<String> {
        let secret = new_secret("cl_");
        let expires = now.saturating_add(LINK_LIFETIME).unwrap_or(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO community_links (id, workspace_id, email, name, token_hash, next_path, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(Uuid::now_v7()).bind(ws.as_uuid()).bind(email).bind(name).bind(&secret.hash).bind(next_path)
            .bind(to_micros(now)).bind(to_micros(expires))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(secret.plain)
    }

    /// Uses up a sign-in link of `ws`: it must exist, be unused and unexpired.
    pub async fn use_sign_in_link(&mut self, now: Timestamp, ws: WorkspaceId, secret: &str) -> Result<UsedLink> {
        let row: Option<(Uuid, String, String, String)> = on_tx!(self, x => sqlx::query_as(
            "UPDATE community_links SET used_at = $1 WHERE workspace_id = $2 AND token_hash = $3 AND used_at IS NULL \
             AND expires_at > $1 RETURNING workspace_id, email, name, next_path")
            .bind(to_micros(now)).bind(ws.as_uuid()).bind(hash_secret(secret)).fetch_optional(&mut **x).await)?;
        let (w, email, name, next_path) = row.ok_or(StoreError::NotFound)?;
        Ok(UsedLink {
            workspace_id: WorkspaceId::from_uuid(w),
            email,
            name,
            next_path,
        })
    }

    /// Opens a community session for a customer; returns the cookie's secret.
    pub async fn create_customer_session(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        customer: CustomerId,
        email: &str,
    ) -> Result<String> {
        let secret = new_secret("cs_");
        let csrf = new_secret("").plain;
        let expires = now.saturating_add(COMMUNITY_SESSION_LIFETIME).unwrap_or(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO community_sessions (id_hash, workspace_id, customer_id, email, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&secret.hash).bind(ws.as_uuid()).bind(customer.as_uuid()).bind(email).bind(&csrf)
            .bind(to_micros(now)).bind(to_micros(expires))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(secret.plain)
    }

    /// Ends a community session.
    pub async fn end_customer_session(&mut self, cookie: &str) -> Result<()> {
        on_tx!(self, x => sqlx::query("DELETE FROM community_sessions WHERE id_hash = $1")
            .bind(hash_secret(cookie)).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Marks a customer's identity verified (they proved it by a link sent to it).
    pub async fn mark_identity_verified(
        &mut self,
        ws: WorkspaceId,
        customer: CustomerId,
        identity: &candor_core::identity::Identity,
    ) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE customer_identities SET verified = TRUE WHERE workspace_id = $1 AND customer_id = $2 AND kind = $3 \
             AND value = $4 AND NOT verified")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).bind(identity.kind().as_str()).bind(identity.value())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// A live customer's name, as this transaction sees it.
    pub async fn customer_name(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<String> {
        let row: Option<(String,)> = on_tx!(self, x => sqlx::query_as(
            "SELECT name FROM customers WHERE workspace_id = $1 AND id = $2 AND merged_into IS NULL")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_optional(&mut **x).await)?;
        row.map(|(n,)| n).ok_or(StoreError::NotFound)
    }

    /// Gives a nameless customer the name they signed in with.
    pub async fn name_customer_if_nameless(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        customer: CustomerId,
        name: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE customers SET name = $1, name_key = $2, updated_at = $3 WHERE workspace_id = $4 AND id = $5 AND name = ''")
            .bind(name).bind(candor_core::customer::name_key(name)).bind(to_micros(now)).bind(ws.as_uuid())
            .bind(customer.as_uuid()).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n > 0 {
            self.refresh_search_text(ws, customer).await?;
        }
        Ok(n > 0)
    }

    /// Counts one hit on `key` in a fixed window of `window`; returns the
    /// hits in the current window (this one included) and when it ends.
    pub async fn hit_limit(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        key: &str,
        window: SignedDuration,
    ) -> Result<(i64, Timestamp)> {
        let now_us = to_micros(now);
        let cut = to_micros(now.saturating_sub(window).unwrap_or(now));
        let (hits, start): (i64, i64) = on_tx!(self, x => sqlx::query_as(
            "INSERT INTO community_limits (workspace_id, key, window_start, hits) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (workspace_id, key) DO UPDATE SET \
             hits = CASE WHEN community_limits.window_start <= $4 THEN 1 ELSE community_limits.hits + 1 END, \
             window_start = CASE WHEN community_limits.window_start <= $4 THEN $3 ELSE community_limits.window_start END \
             RETURNING hits, window_start")
            .bind(ws.as_uuid()).bind(key).bind(now_us).bind(cut).fetch_one(&mut **x).await)?;
        let ends = from_micros(start).saturating_add(window).unwrap_or(now);
        Ok((hits, ends))
    }
}

impl Db {
    /// The signed-in customer behind a community cookie, if the session is live.
    pub async fn customer_session(&self, now: Timestamp, cookie: &str) -> Result<Option<CustomerSession>> {
        let row: Option<(Uuid, Uuid, String, String)> = read!(self, p => sqlx::query_as(
            "SELECT s.workspace_id, c.id, s.email, s.csrf_token FROM community_sessions s \
             JOIN customers c ON c.id = s.customer_id AND c.workspace_id = s.workspace_id AND c.merged_into IS NULL \
             WHERE s.id_hash = $1 AND s.expires_at > $2")
            .bind(hash_secret(cookie)).bind(to_micros(now)).fetch_optional(p).await)?;
        Ok(row.map(|(w, c, email, csrf_token)| CustomerSession {
            workspace_id: WorkspaceId::from_uuid(w),
            customer_id: CustomerId::from_uuid(c),
            email,
            csrf_token,
        }))
    }

    /// Whether a customer follows a topic and has said "me too" on it.
    pub async fn member_marks(&self, ws: WorkspaceId, t: TopicId, c: CustomerId) -> Result<(bool, bool)> {
        let (follows, me_too): (i64, i64) = read!(self, p => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM community_followers WHERE workspace_id = $1 AND topic_id = $2 AND customer_id = $3), \
             (SELECT COUNT(*) FROM community_me_too WHERE workspace_id = $1 AND topic_id = $2 AND customer_id = $3)")
            .bind(ws.as_uuid()).bind(t.as_uuid()).bind(c.as_uuid()).fetch_one(p).await)?;
        Ok((follows > 0, me_too > 0))
    }

    /// Everyone following a topic.
    pub async fn followers(&self, ws: WorkspaceId, t: TopicId) -> Result<Vec<Follower>> {
        let rows: Vec<(Uuid, String)> = read!(self, p => sqlx::query_as(
            "SELECT customer_id, email FROM community_followers WHERE workspace_id = $1 AND topic_id = $2 ORDER BY created_at")
            .bind(ws.as_uuid()).bind(t.as_uuid()).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(c, email)| Follower {
                customer_id: CustomerId::from_uuid(c),
                email,
            })
            .collect())
    }

    /// Removes used or expired sign-in links and expired community sessions.
    pub async fn purge_community(&self, now: Timestamp) -> Result<u64> {
        let mut tx = self.begin().await?;
        let at = to_micros(now);
        let a = on_tx!(tx, x => sqlx::query("DELETE FROM community_links WHERE expires_at <= $1 OR used_at IS NOT NULL")
            .bind(at).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        let b = on_tx!(tx, x => sqlx::query("DELETE FROM community_sessions WHERE expires_at <= $1")
            .bind(at).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(a + b)
    }
}

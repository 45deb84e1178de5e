//! Sessions, API tokens and staff invitations: how people and programs get in.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::secrets::{hash_secret, new_secret};
use crate::staff::{User, UserRow};
use candor_core::clock::{from_micros, to_micros};
use candor_core::staff::{Role, Scope};
use candor_core::{InviteId, TokenId, UserId, WorkspaceId};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use uuid::Uuid;

/// A signed-in browser session.
#[derive(Clone, Debug)]
pub struct Session {
    /// The person.
    pub user: User,
    /// The per-session token every form must carry.
    pub csrf_token: String,
    /// When the session ends.
    pub expires_at: Timestamp,
}

/// An API token as listed (never with its secret).
#[derive(Clone, Debug, Serialize)]
pub struct ApiToken {
    /// Its id.
    pub id: TokenId,
    /// Whose it is.
    pub user_id: UserId,
    /// The label given at creation.
    pub name: String,
    /// The first characters, to recognise it.
    pub prefix: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// The caller behind a valid bearer token.
#[derive(Clone, Debug)]
pub struct TokenCaller {
    /// The token's owner.
    pub user: User,
    /// The token.
    pub token: ApiToken,
}

/// A pending or used invitation.
#[derive(Clone, Debug, Serialize)]
pub struct Invite {
    /// Its id.
    pub id: InviteId,
    /// The invited address.
    pub email: String,
    /// The role they will get.
    pub role: Role,
    /// Who invited them.
    pub invited_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// After this, the link no longer works.
    pub expires_at: Timestamp,
    /// When it was used.
    pub accepted_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    user_id: Uuid,
    name: String,
    prefix: String,
    scopes: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        ApiToken {
            id: TokenId::from_uuid(r.id),
            user_id: UserId::from_uuid(r.user_id),
            name: r.name,
            prefix: r.prefix,
            scopes: Scope::split(&r.scopes),
            created_at: from_micros(r.created_at),
            last_used_at: r.last_used_at.map(from_micros),
            revoked_at: r.revoked_at.map(from_micros),
        }
    }
}

#[derive(sqlx::FromRow)]
struct InviteRow {
    id: Uuid,
    workspace_id: Uuid,
    email: String,
    role: String,
    invited_by: Uuid,
    created_at: i64,
    expires_at: i64,
    accepted_at: Option<i64>,
}

impl InviteRow {
    fn into_invite(self) -> Result<(WorkspaceId, Invite)> {
        Ok((
            WorkspaceId::from_uuid(self.workspace_id),
            Invite {
                id: InviteId::from_uuid(self.id),
                email: self.email,
                role: self.role.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                invited_by: UserId::from_uuid(self.invited_by),
                created_at: from_micros(self.created_at),
                expires_at: from_micros(self.expires_at),
                accepted_at: self.accepted_at.map(from_micros),
            },
        ))
    }
}

const TOKEN_COLUMNS: &str = "id, user_id, name, prefix, scopes, created_at, last_used_at, revoked_at";
const INVITE_COLUMNS: &str = "id, workspace_id, email, role, invited_by, created_at, expires_at, accepted_at";

/// How long a browser session lasts.
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 14);
/// How long an invitation link works.
pub const INVITE_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 7);

impl Tx {
    /// Opens a session for `user`; returns the cookie value (shown once).
    pub async fn create_session(&mut self, now: Timestamp, user: &User) -> Result<String> {
        let id = new_secret("");
        let csrf = new_secret("");
        let expires = now.saturating_add(SESSION_LIFETIME).unwrap_or(now);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO sessions (id_hash, workspace_id, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id.hash).bind(user.workspace_id.as_uuid()).bind(user.id.as_uuid()).bind(&csrf.plain)
            .bind(to_micros(now)).bind(to_micros(expires))
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        Ok(id.plain)
    }

    /// Ends the session with this cookie value, if any.
    pub async fn delete_session(&mut self, cookie: &str) -> Result<()> {
        on_tx!(self, c => sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(hash_secret(cookie)).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Creates an API token for `user`; returns it with its secret (shown once).
    pub async fn create_token(
        &mut self,
        now: Timestamp,
        user: &User,
        name: &str,
        scopes: &[Scope],
    ) -> Result<(ApiToken, String)> {
        let id = TokenId::new_at(now);
        let secret = new_secret("cnd_");
        let prefix: String = secret.plain.chars().take(10).collect();
        on_tx!(self, c => sqlx::query(
            "INSERT INTO api_tokens (id, workspace_id, user_id, name, token_hash, prefix, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id.as_uuid()).bind(user.workspace_id.as_uuid()).bind(user.id.as_uuid()).bind(name)
            .bind(&secret.hash).bind(&prefix).bind(Scope::join(scopes)).bind(to_micros(now))
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let token = ApiToken {
            id,
            user_id: user.id,
            name: name.to_string(),
            prefix,
            scopes: scopes.to_vec(),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        Ok((token, secret.plain))
    }

    /// Revokes a token of the workspace; it stops working at once.
    pub async fn revoke_token(&mut self, now: Timestamp, workspace: WorkspaceId, id: TokenId) -> Result<ApiToken> {
        let sql = format!(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE workspace_id = $2 AND id = $3 RETURNING {TOKEN_COLUMNS}"
        );
        let row: Option<TokenRow> = on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(to_micros(now)).bind(workspace.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **c).await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// Records an invitation; returns it with the one-time secret for the link.
    pub async fn create_invite(
        &mut self,
        now: Timestamp,
        workspace: WorkspaceId,
        email: &str,
        role: Role,
        by: UserId,
    ) -> Result<(Invite, String)> {
        let id = InviteId::new_at(now);
        let secret = new_secret("inv_");
        let expires = now.saturating_add(INVITE_LIFETIME).unwrap_or(now);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO invites (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id.as_uuid()).bind(workspace.as_uuid()).bind(email).bind(role.as_str()).bind(&secret.hash)
            .bind(by.as_uuid()).bind(to_micros(now)).bind(to_micros(expires))
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let invite = Invite {
            id,
            email: email.to_string(),
            role,
            invited_by: by,
            created_at: now,
            expires_at: expires,
            accepted_at: None,
        };
        Ok((invite, secret.plain))
    }

    /// Uses up an invitation: it must exist, be unused and unexpired.
    pub async fn accept_invite(&mut self, now: Timestamp, secret: &str) -> Result<(WorkspaceId, Invite)> {
        let sql = format!(
            "UPDATE invites SET accepted_at = $1 WHERE token_hash = $2 AND accepted_at IS NULL AND expires_at > $1 RETURNING {INVITE_COLUMNS}"
        );
        let row: Option<InviteRow> = on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(to_micros(now)).bind(hash_secret(secret)).fetch_optional(&mut **c).await)?;
        row.ok_or(StoreError::NotFound)?.into_invite()
    }
}

impl Db {
    /// The session behind a cookie value, if it is live and its user active.
    pub async fn session(&self, now: Timestamp, cookie: &str) -> Result<Option<Session>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: Uuid,
            workspace_id: Uuid,
            csrf_token: String,
            expires_at: i64,
        }
        let row: Option<Row> = read!(self, p => sqlx::query_as(
            "SELECT user_id, workspace_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
            .bind(hash_secret(cookie)).bind(to_micros(now)).fetch_optional(p).await)?;
        let Some(row) = row else { return Ok(None) };
        let user = match self
            .user(WorkspaceId::from_uuid(row.workspace_id), UserId::from_uuid(row.user_id))
            .await
        {
            Ok(u) if u.active => u,
            Ok(_) | Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(Session {
            user,
            csrf_token: row.csrf_token,
            expires_at: from_micros(row.expires_at),
        }))
    }

    /// The caller behind a bearer token, if the token is live and its user active.
    pub async fn token_caller(&self, now: Timestamp, secret: &str) -> Result<Option<TokenCaller>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            workspace_id: Uuid,
            #[sqlx(flatten)]
            token: TokenRow,
            user_email: String,
            user_name: String,
            user_role: String,
            user_password_hash: Option<String>,
            user_active: bool,
            user_created_at: i64,
        }
        // The token and its user in one read: every API request starts here.
        const SQL: &str = "SELECT t.workspace_id, t.id, t.user_id, t.name, t.prefix, t.scopes, t.created_at, \
             t.last_used_at, t.revoked_at, u.email AS user_email, u.name AS user_name, u.role AS user_role, \
             u.password_hash AS user_password_hash, u.active AS user_active, u.created_at AS user_created_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id AND u.workspace_id = t.workspace_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL";
        let row: Option<Row> = read!(self, p => sqlx::query_as(SQL)
            .bind(hash_secret(secret)).fetch_optional(p).await)?;
        let Some(row) = row else { return Ok(None) };
        if !row.user_active {
            return Ok(None);
        }
        let user: User = UserRow {
            id: row.token.user_id,
            workspace_id: row.workspace_id,
            email: row.user_email,
            name: row.user_name,
            role: row.user_role,
            password_hash: row.user_password_hash,
            active: row.user_active,
            created_at: row.user_created_at,
        }
        .try_into()?;
        let token: ApiToken = row.token.into();
        // Last use is informative; record it at most once a minute per token.
        let stale = token
            .last_used_at
            .is_none_or(|t| now.duration_since(t) > SignedDuration::from_secs(60));
        if stale {
            let mut tx = self.begin().await?;
            on_tx!(tx, c => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(to_micros(now)).bind(token.id.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
            tx.commit().await?;
        }
        Ok(Some(TokenCaller { user, token }))
    }

    /// Every token of the workspace, newest first.
    pub async fn tokens(&self, workspace: WorkspaceId) -> Result<Vec<ApiToken>> {
        let sql =
            format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC");
        let rows: Vec<TokenRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace.as_uuid()).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every invitation of the workspace, newest first.
    pub async fn invites(&self, workspace: WorkspaceId) -> Result<Vec<Invite>> {
        let sql =
            format!("SELECT {INVITE_COLUMNS} FROM invites WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC");
        let rows: Vec<InviteRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(|r| r.into_invite().map(|(_, i)| i)).collect()
    }

    /// An invitation by its secret, if it can still be used.
    pub async fn open_invite(&self, now: Timestamp, secret: &str) -> Result<Option<(WorkspaceId, Invite)>> {
        let sql = format!(
            "SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2"
        );
        let row: Option<InviteRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(hash_secret(secret)).bind(to_micros(now)).fetch_optional(p).await)?;
        row.map(InviteRow::into_invite).transpose()
    }
}

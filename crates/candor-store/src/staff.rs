//! Workspaces and their staff accounts.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::staff::Role;
use candor_core::{UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A company using Candor.
#[derive(Clone, Debug, Serialize)]
pub struct Workspace {
    /// Its id.
    pub id: WorkspaceId,
    /// Its URL slug.
    pub slug: String,
    /// Its display name.
    pub name: String,
    /// IANA time zone for business hours and reports.
    pub time_zone: String,
    /// When it was created.
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct WorkspaceRow {
    id: Uuid,
    slug: String,
    name: String,
    time_zone: String,
    created_at: i64,
}

impl From<WorkspaceRow> for Workspace {
    fn from(r: WorkspaceRow) -> Self {
        Workspace {
            id: WorkspaceId::from_uuid(r.id),
            slug: r.slug,
            name: r.name,
            time_zone: r.time_zone,
            created_at: from_micros(r.created_at),
        }
    }
}

/// A staff account.
#[derive(Clone, Debug, Serialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// Sign-in address, lowercased.
    pub email: String,
    /// The person's full name, which signs every reply.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Deactivated accounts cannot sign in or use tokens.
    pub active: bool,
    /// When the account was created.
    pub created_at: Timestamp,
    #[serde(skip)]
    pub(crate) password_hash: Option<String>,
}

impl User {
    /// The stored argon2 hash, if the account has a password.
    pub fn password_hash(&self) -> Option<&str> {
        self.password_hash.as_deref()
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: Uuid,
    pub(crate) workspace_id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) password_hash: Option<String>,
    pub(crate) active: bool,
    pub(crate) created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self> {
        Ok(User {
            id: UserId::from_uuid(r.id),
            workspace_id: WorkspaceId::from_uuid(r.workspace_id),
            email: r.email,
            name: r.name,
            role: r.role.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
            active: r.active,
            created_at: from_micros(r.created_at),
            password_hash: r.password_hash,
        })
    }
}

const USER_COLUMNS: &str = "id, workspace_id, email, name, role, password_hash, active, created_at";

/// A staff account about to be created.
pub struct NewUser<'a> {
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// Normalised email.
    pub email: &'a str,
    /// Checked full name.
    pub name: &'a str,
    /// Its role.
    pub role: Role,
    /// An argon2 hash, or none for accounts that cannot sign in with a password yet.
    pub password_hash: Option<&'a str>,
}

impl Tx {
    /// Creates a workspace; a taken slug is a conflict on `slug`.
    pub async fn create_workspace(
        &mut self,
        now: Timestamp,
        slug: &str,
        name: &str,
        time_zone: &str,
    ) -> Result<Workspace> {
        let id = WorkspaceId::new_at(now);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO workspaces (id, slug, name, time_zone, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.as_uuid()).bind(slug).bind(name).bind(time_zone).bind(to_micros(now))
            .execute(&mut **c).await.map(|r| r.rows_affected()))
        .map_err(|e| {
            StoreError::on_unique(
                e,
                "workspace",
                &format!("a workspace with the slug \"{slug}\" exists already"),
            )
        })?;
        Ok(Workspace {
            id,
            slug: slug.to_string(),
            name: name.to_string(),
            time_zone: time_zone.to_string(),
            created_at: now,
        })
    }

    /// Creates a staff account; a taken email is a conflict on `email`.
    pub async fn create_user(&mut self, now: Timestamp, user: NewUser<'_>) -> Result<User> {
        let id = UserId::new_at(now);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO users (id, workspace_id, email, name, role, password_hash, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7)")
            .bind(id.as_uuid()).bind(user.workspace_id.as_uuid()).bind(user.email).bind(user.name)
            .bind(user.role.as_str()).bind(user.password_hash).bind(to_micros(now))
            .execute(&mut **c).await.map(|r| r.rows_affected()))
        .map_err(|e| {
            StoreError::on_unique(
                e,
                "email",
                &format!("a staff account for {} exists already", user.email),
            )
        })?;
        Ok(User {
            id,
            workspace_id: user.workspace_id,
            email: user.email.to_string(),
            name: user.name.to_string(),
            role: user.role,
            active: true,
            created_at: now,
            password_hash: user.password_hash.map(str::to_string),
        })
    }

    /// A staff account of the workspace, read inside the transaction.
    pub async fn user(&mut self, workspace: WorkspaceId, id: UserId) -> Result<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = $1 AND id = $2");
        let row: Option<UserRow> = on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **c).await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Changes a staff member's role.
    pub async fn set_user_role(&mut self, workspace: WorkspaceId, id: UserId, role: Role) -> Result<()> {
        let done = on_tx!(self, c => sqlx::query("UPDATE users SET role = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(role.as_str()).bind(workspace.as_uuid()).bind(id.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Activates or deactivates an account; deactivation ends its sessions.
    pub async fn set_user_active(&mut self, workspace: WorkspaceId, id: UserId, active: bool) -> Result<()> {
        let done = on_tx!(self, c => sqlx::query("UPDATE users SET active = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(active).bind(workspace.as_uuid()).bind(id.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        if !active {
            on_tx!(self, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Sets a new password hash.
    pub async fn set_user_password(&mut self, workspace: WorkspaceId, id: UserId, hash: &str) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE users SET password_hash = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(hash).bind(workspace.as_uuid()).bind(id.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// How many active owners the workspace has, so the last one is never removed.
    pub async fn active_owner_count(&mut self, workspace: WorkspaceId) -> Result<i64> {
        let n: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE workspace_id = $1 AND role = 'owner' AND active = TRUE")
            .bind(workspace.as_uuid()).fetch_one(&mut **c).await)?;
        Ok(n)
    }
}

impl Db {
    /// A workspace by slug.
    pub async fn workspace_by_slug(&self, slug: &str) -> Result<Workspace> {
        let row: Option<WorkspaceRow> = read!(self, p => sqlx::query_as(
            "SELECT id, slug, name, time_zone, created_at FROM workspaces WHERE slug = $1")
            .bind(slug).fetch_optional(p).await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// A workspace by id.
    pub async fn workspace(&self, id: WorkspaceId) -> Result<Workspace> {
        let row: Option<WorkspaceRow> = read!(self, p => sqlx::query_as(
            "SELECT id, slug, name, time_zone, created_at FROM workspaces WHERE id = $1")
            .bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// A staff account by sign-in address, in any workspace.
    pub async fn user_by_email(&self, email: &str) -> Result<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let row: Option<UserRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(email).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// A staff account of the workspace.
    pub async fn user(&self, workspace: WorkspaceId, id: UserId) -> Result<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = $1 AND id = $2");
        let row: Option<UserRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Every staff account of the workspace, oldest first.
    pub async fn users(&self, workspace: WorkspaceId) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = $1 ORDER BY created_at, id");
        let rows: Vec<UserRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}

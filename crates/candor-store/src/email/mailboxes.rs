//! Mailboxes: where a workspace's email comes from (IMAP) and goes out
//! (SMTP). Passwords arrive here already sealed (`secrets::SecretKey`); the
//! store never sees them in the clear. Each mailbox keeps its fetch position
//! (UIDVALIDITY and the last imported UID) and the outcome of its last check.

use crate::conversations::corrupt;
use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::{ConversationId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// What a person sets on a mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxFields {
    /// A label, e.g. "Support".
    pub name: String,
    /// The address customers write to; replies come from it.
    pub address: String,
    /// IMAP server.
    pub imap_host: String,
    /// IMAP port.
    pub imap_port: u16,
    /// "implicit", "starttls" or "none".
    pub imap_tls: String,
    /// IMAP user.
    pub imap_user: String,
    /// IMAP password, sealed.
    pub imap_password: String,
    /// The folder to import from.
    pub folder: String,
    /// "seen" (mark imported mail seen) or "move" (move it to `move_to`).
    pub after_import: String,
    /// The folder imported mail moves to.
    pub move_to: String,
    /// SMTP relay.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// "implicit", "starttls" or "none".
    pub smtp_tls: String,
    /// SMTP user (empty: no authentication).
    pub smtp_user: String,
    /// SMTP password, sealed (empty with no user).
    pub smtp_password: String,
    /// Fetch and send through it.
    pub enabled: bool,
}

/// A stored mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    /// Its id.
    pub id: Uuid,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The settings.
    pub fields: MailboxFields,
    /// The folder's UIDVALIDITY when `last_uid` was read.
    pub uid_validity: Option<i64>,
    /// The highest UID imported.
    pub last_uid: i64,
    /// "new" (never checked), "ok" or "failing".
    pub state: String,
    /// What failed last, in words (empty when all is well).
    pub last_error: String,
    /// When the server was last reached or tried.
    pub last_checked_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed by a person (a fetcher restarts when this moves).
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    address: String,
    imap_host: String,
    imap_port: i64,
    imap_tls: String,
    imap_user: String,
    imap_password: String,
    folder: String,
    after_import: String,
    move_to: String,
    smtp_host: String,
    smtp_port: i64,
    smtp_tls: String,
    smtp_user: String,
    smtp_password: String,
    enabled: bool,
    uid_validity: Option<i64>,
    last_uid: i64,
    state: String,
    last_error: String,
    last_checked_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, workspace_id, name, address, imap_host, imap_port, imap_tls, imap_user, imap_password, \
    folder, after_import, move_to, smtp_host, smtp_port, smtp_tls, smtp_user, smtp_password, enabled, uid_validity, \
    last_uid, state, last_error, last_checked_at, created_at, updated_at";

impl Row {
    fn into_mailbox(self) -> Result<Mailbox> {
        let port = |p: i64| u16::try_from(p).map_err(|e| corrupt("mailbox port", e));
        Ok(Mailbox {
            id: self.id,
            workspace_id: WorkspaceId::from_uuid(self.workspace_id),
            fields: MailboxFields {
                name: self.name,
                address: self.address,
                imap_host: self.imap_host,
                imap_port: port(self.imap_port)?,
                imap_tls: self.imap_tls,
                imap_user: self.imap_user,
                imap_password: self.imap_password,
                folder: self.folder,
                after_import: self.after_import,
                move_to: self.move_to,
                smtp_host: self.smtp_host,
                smtp_port: port(self.smtp_port)?,
                smtp_tls: self.smtp_tls,
                smtp_user: self.smtp_user,
                smtp_password: self.smtp_password,
                enabled: self.enabled,
            },
            uid_validity: self.uid_validity,
            last_uid: self.last_uid,
            state: self.state,
            last_error: self.last_error,
            last_checked_at: self.last_checked_at.map(from_micros),
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
        })
    }
}

impl Tx {
    /// Stores a new mailbox.
    pub async fn insert_mailbox(&mut self, now: Timestamp, ws: WorkspaceId, f: &MailboxFields) -> Result<Uuid> {
        let id = candor_core::ids::uuid_v7_at(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO mailboxes (id, workspace_id, name, address, imap_host, imap_port, imap_tls, imap_user, \
             imap_password, folder, after_import, move_to, smtp_host, smtp_port, smtp_tls, smtp_user, smtp_password, \
             enabled, uid_validity, last_uid, state, last_error, last_checked_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, NULL, 0, 'new', '', \
             NULL, $19, $19)")
            .bind(id).bind(ws.as_uuid()).bind(&f.name).bind(&f.address).bind(&f.imap_host).bind(i64::from(f.imap_port))
            .bind(&f.imap_tls).bind(&f.imap_user).bind(&f.imap_password).bind(&f.folder).bind(&f.after_import)
            .bind(&f.move_to).bind(&f.smtp_host).bind(i64::from(f.smtp_port)).bind(&f.smtp_tls).bind(&f.smtp_user)
            .bind(&f.smtp_password).bind(f.enabled).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// Replaces a mailbox's settings. A new server, user or folder starts
    /// the fetch position afresh (the dedupe by Message-ID keeps it from
    /// importing twice what it already has).
    pub async fn update_mailbox(&mut self, now: Timestamp, ws: WorkspaceId, id: Uuid, f: &MailboxFields) -> Result<()> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE mailboxes SET \
             uid_validity = CASE WHEN imap_host = $3 AND imap_user = $6 AND folder = $8 THEN uid_validity ELSE NULL END, \
             last_uid = CASE WHEN imap_host = $3 AND imap_user = $6 AND folder = $8 THEN last_uid ELSE 0 END, \
             name = $1, address = $2, imap_host = $3, imap_port = $4, imap_tls = $5, imap_user = $6, imap_password = $7, \
             folder = $8, after_import = $9, move_to = $10, smtp_host = $11, smtp_port = $12, smtp_tls = $13, \
             smtp_user = $14, smtp_password = $15, enabled = $16, state = 'new', last_error = '', updated_at = $17 \
             WHERE workspace_id = $18 AND id = $19")
            .bind(&f.name).bind(&f.address).bind(&f.imap_host).bind(i64::from(f.imap_port)).bind(&f.imap_tls)
            .bind(&f.imap_user).bind(&f.imap_password).bind(&f.folder).bind(&f.after_import).bind(&f.move_to)
            .bind(&f.smtp_host).bind(i64::from(f.smtp_port)).bind(&f.smtp_tls).bind(&f.smtp_user)
            .bind(&f.smtp_password).bind(f.enabled).bind(to_micros(now)).bind(ws.as_uuid()).bind(id)
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Removes a mailbox (mail already imported stays).
    pub async fn delete_mailbox(&mut self, ws: WorkspaceId, id: Uuid) -> Result<()> {
        let n = on_tx!(self, x => sqlx::query("DELETE FROM mailboxes WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(id).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// A mailbox, seen in the transaction.
    pub async fn mailbox(&mut self, ws: WorkspaceId, id: Uuid) -> Result<Mailbox> {
        let sql = format!("SELECT {COLUMNS} FROM mailboxes WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id).fetch_optional(&mut **x).await)?;
        row.ok_or(StoreError::NotFound)?.into_mailbox()
    }
}

impl Db {
    /// The workspace's mailboxes, oldest first.
    pub async fn mailboxes(&self, ws: WorkspaceId) -> Result<Vec<Mailbox>> {
        let sql = format!("SELECT {COLUMNS} FROM mailboxes WHERE workspace_id = $1 ORDER BY id");
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(Row::into_mailbox).collect()
    }

    /// One mailbox.
    pub async fn mailbox(&self, ws: WorkspaceId, id: Uuid) -> Result<Mailbox> {
        let sql = format!("SELECT {COLUMNS} FROM mailboxes WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_mailbox()
    }

    /// Every enabled mailbox of every workspace: what the fetcher watches.
    pub async fn enabled_mailboxes(&self) -> Result<Vec<Mailbox>> {
        let sql = format!("SELECT {COLUMNS} FROM mailboxes WHERE enabled = $1 ORDER BY id");
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(true).fetch_all(p).await)?;
        rows.into_iter().map(Row::into_mailbox).collect()
    }

    /// The mailbox a reply in `conversation` goes out through: the one its
    /// latest email came in by, else the workspace's first enabled mailbox
    /// with an SMTP relay.
    pub async fn mailbox_for_reply(&self, ws: WorkspaceId, conversation: ConversationId) -> Result<Option<Mailbox>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM mailboxes WHERE workspace_id = $1 AND id = (SELECT mailbox_id FROM email_headers \
             WHERE workspace_id = $1 AND conversation_id = $2 AND mailbox_id IS NOT NULL ORDER BY message_id DESC LIMIT 1)"
        );
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(conversation.as_uuid()).fetch_optional(p).await)?;
        if let Some(row) = row {
            return row.into_mailbox().map(Some);
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM mailboxes WHERE workspace_id = $1 AND enabled = $2 AND smtp_host <> '' ORDER BY id LIMIT 1"
        );
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(true).fetch_optional(p).await)?;
        row.map(Row::into_mailbox).transpose()
    }

    /// Records how far the import got: after this UID everything is new.
    pub async fn record_fetch_position(
        &self,
        ws: WorkspaceId,
        id: Uuid,
        uid_validity: i64,
        last_uid: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, x => sqlx::query(
            "UPDATE mailboxes SET uid_validity = $1, last_uid = $2 WHERE workspace_id = $3 AND id = $4")
            .bind(uid_validity).bind(last_uid).bind(ws.as_uuid()).bind(id)
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Records the outcome of reaching the server: "ok" with no error, or
    /// "failing" with what failed.
    pub async fn record_mailbox_check(
        &self,
        now: Timestamp,
        ws: WorkspaceId,
        id: Uuid,
        error: Option<&str>,
    ) -> Result<()> {
        let (state, error) = match error {
            Some(e) => ("failing", e),
            None => ("ok", ""),
        };
        let error: String = error.chars().take(1000).collect();
        let mut tx = self.begin().await?;
        on_tx!(tx, x => sqlx::query(
            "UPDATE mailboxes SET state = $1, last_error = $2, last_checked_at = $3 WHERE workspace_id = $4 AND id = $5")
            .bind(state).bind(&error).bind(to_micros(now)).bind(ws.as_uuid()).bind(id)
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }
}

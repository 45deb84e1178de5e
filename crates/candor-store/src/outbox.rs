//! The outbox: every email Candor sends is queued as an `email.send` job and
//! recorded here, where staff (and tests) can read what went out. A message
//! holding a secret (a sign-in link) is recorded with the secret left out;
//! only the job, which the mail transport consumes, carries it.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::jobs::NewJob;
use candor_core::WorkspaceId;
use candor_core::clock::{from_micros, to_micros};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// The job kind that sends an email; the mail transport registers its handler.
pub const EMAIL_JOB: &str = "email.send";

/// An email to queue.
#[derive(Clone, Debug)]
pub struct NewEmail<'a> {
    /// Why it is sent, e.g. "community.sign_in" or "community.reply".
    pub purpose: &'a str,
    /// The recipient.
    pub to: &'a str,
    /// The subject line.
    pub subject: &'a str,
    /// The plain-text body as sent.
    pub text: &'a str,
    /// The HTML body as sent.
    pub html: &'a str,
    /// What the outbox keeps of the plain text (the text without secrets).
    pub recorded_text: &'a str,
}

/// An email as the outbox records it.
#[derive(Clone, Debug, Serialize)]
pub struct OutboxEmail {
    /// Its id.
    pub id: Uuid,
    /// The job that sends it.
    pub job_id: Option<Uuid>,
    /// Why it was sent.
    pub purpose: String,
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain text as recorded (secrets left out).
    pub text: String,
    /// The HTML as recorded (empty when it held a secret).
    pub html: String,
    /// queued, held (no mail transport) or sent.
    pub state: String,
    /// When it was queued.
    pub created_at: Timestamp,
}

type OutboxRow = (Uuid, Option<Uuid>, String, String, String, String, String, String, i64);

fn from_row(r: OutboxRow) -> OutboxEmail {
    OutboxEmail {
        id: r.0,
        job_id: r.1,
        purpose: r.2,
        to: r.3,
        subject: r.4,
        text: r.5,
        html: r.6,
        state: r.7,
        created_at: from_micros(r.8),
    }
}

impl Tx {
    /// Queues an email in this transaction: the job that sends it and its outbox record.
    pub async fn queue_email(&mut self, now: Timestamp, ws: WorkspaceId, e: &NewEmail<'_>) -> Result<Uuid> {
        let id = candor_core::ids::uuid_v7_at(now);
        let job = NewJob {
            workspace_id: Some(ws),
            ..NewJob::now(
                EMAIL_JOB,
                json!({"outbox_id": id, "to": e.to, "subject": e.subject, "text": e.text, "html": e.html, "purpose": e.purpose}),
                now,
            )
        };
        let job_id = self
            .enqueue(now, job)
            .await?
            .ok_or_else(|| StoreError::Corrupt("an email job was not queued".into()))?;
        let html = if e.recorded_text == e.text { e.html } else { "" };
        on_tx!(self, c => sqlx::query(
            "INSERT INTO outbox (id, workspace_id, job_id, purpose, to_address, subject, text_body, html_body, state, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $9)")
            .bind(id).bind(ws.as_uuid()).bind(job_id.as_uuid()).bind(e.purpose).bind(e.to).bind(e.subject)
            .bind(e.recorded_text).bind(html).bind(to_micros(now))
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }
}

impl Db {
    /// The workspace's outbox, newest first.
    pub async fn outbox(&self, ws: WorkspaceId, limit: u32) -> Result<Vec<OutboxEmail>> {
        let rows: Vec<OutboxRow> = read!(self, p => sqlx::query_as(
            "SELECT id, job_id, purpose, to_address, subject, text_body, html_body, state, created_at FROM outbox \
             WHERE workspace_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(ws.as_uuid()).bind(limit.clamp(1, 500) as i64).fetch_all(p).await)?;
        Ok(rows.into_iter().map(from_row).collect())
    }

    /// Marks an outbox email's state (e.g. "held" or "sent").
    pub async fn mark_outbox(&self, now: Timestamp, id: Uuid, state: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, c => sqlx::query("UPDATE outbox SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(state).bind(to_micros(now)).bind(id).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// The payloads of the workspace's email jobs still waiting to be sent,
    /// oldest first (what the mail transport will send).
    pub async fn queued_emails(&self, ws: WorkspaceId) -> Result<Vec<serde_json::Value>> {
        let rows: Vec<(String,)> = read!(self, p => sqlx::query_as(
            "SELECT payload FROM jobs WHERE workspace_id = $1 AND kind = $2 AND state IN ('pending', 'running') ORDER BY id")
            .bind(ws.as_uuid()).bind(EMAIL_JOB).fetch_all(p).await)?;
        rows.into_iter()
            .map(|(p,)| serde_json::from_str(&p).map_err(|e| StoreError::Corrupt(format!("job payload: {e}"))))
            .collect()
    }
}

//! The email headers of every message Candor received or sent by email,
//! which threading looks Message-IDs up in; the short token each email
//! conversation carries in its subjects (`[#K7Q2M9]`); the server's answer
//! to a sent message; and bounce marks on customers' addresses.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql};
use candor_core::clock::{from_micros, to_micros};
use candor_core::{ConversationId, MessageId, WorkspaceId};
use jiff::Timestamp;
use rand::Rng;
use uuid::Uuid;

/// An email's headers as stored with its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailHeaders {
    /// The message.
    pub message_id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// The mailbox it came in by or went out through.
    pub mailbox_id: Option<Uuid>,
    /// "in" or "out".
    pub direction: String,
    /// Its Message-ID, without angle brackets.
    pub rfc_message_id: String,
    /// The customer's address: the sender of an inbound email, the
    /// recipient of an outbound one.
    pub customer_address: String,
    /// The In-Reply-To it carried.
    pub in_reply_to: String,
    /// The References it carried, separated by spaces.
    pub references: Vec<String>,
    /// Why it counts as automated ("auto-reply", "bounce"), or empty.
    pub automated: String,
    /// The server's last answer when it was sent.
    pub delivery_detail: String,
    /// When.
    pub created_at: Timestamp,
}

/// Headers to store.
#[derive(Clone, Debug)]
pub struct NewEmailHeaders<'a> {
    /// The message.
    pub message_id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// The mailbox.
    pub mailbox_id: Option<Uuid>,
    /// "in" or "out".
    pub direction: &'a str,
    /// Its Message-ID.
    pub rfc_message_id: &'a str,
    /// The customer's address (sender or recipient).
    pub customer_address: &'a str,
    /// In-Reply-To.
    pub in_reply_to: &'a str,
    /// References.
    pub references: &'a [String],
    /// Why it counts as automated, or empty.
    pub automated: &'a str,
}

type HeaderRow = (
    Uuid,
    Uuid,
    Option<Uuid>,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
);

const COLUMNS: &str = "message_id, conversation_id, mailbox_id, direction, rfc_message_id, customer_address, \
    in_reply_to, references_list, automated, delivery_detail, created_at";

fn from_row(r: HeaderRow) -> EmailHeaders {
    EmailHeaders {
        message_id: MessageId::from_uuid(r.0),
        conversation_id: ConversationId::from_uuid(r.1),
        mailbox_id: r.2,
        direction: r.3,
        rfc_message_id: r.4,
        customer_address: r.5,
        in_reply_to: r.6,
        references: r.7.split_whitespace().map(str::to_string).collect(),
        automated: r.8,
        delivery_detail: r.9,
        created_at: from_micros(r.10),
    }
}

/// The letters of conversation tokens: no 0/O or 1/I/L to misread.
const TOKEN_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

impl Tx {
    /// Stores an email's headers beside its message (once per message).
    pub async fn insert_email_headers(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        h: &NewEmailHeaders<'_>,
    ) -> Result<()> {
        let refs: Vec<&str> = h.references.iter().map(String::as_str).take(100).collect();
        let mut sql = Sql::new(
            "INSERT INTO email_headers (message_id, workspace_id, conversation_id, mailbox_id, direction, \
             rfc_message_id, customer_address, in_reply_to, references_list, automated, delivery_detail, created_at)",
        );
        sql.values([vec![
            Arg::Uuid(h.message_id.as_uuid()),
            Arg::Uuid(ws.as_uuid()),
            Arg::Uuid(h.conversation_id.as_uuid()),
            Arg::uuid_or_null(h.mailbox_id),
            Arg::Text(h.direction.to_string()),
            Arg::Text(h.rfc_message_id.to_string()),
            Arg::Text(h.customer_address.to_string()),
            Arg::Text(h.in_reply_to.to_string()),
            Arg::Text(refs.join(" ")),
            Arg::Text(h.automated.to_string()),
            Arg::Text(String::new()),
            Arg::I64(to_micros(now)),
        ]]);
        sql.push(" ON CONFLICT (message_id) DO NOTHING");
        // Kept whether or not a row was there already: nothing to wait for.
        self.defer(sql).await
    }

    /// The conversation's token, made the first time it is asked for.
    pub async fn email_token(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        conversation: ConversationId,
    ) -> Result<String> {
        loop {
            let found: Option<(String,)> = on_tx!(self, x => sqlx::query_as(
                "SELECT token FROM email_tokens WHERE workspace_id = $1 AND conversation_id = $2")
                .bind(ws.as_uuid()).bind(conversation.as_uuid()).fetch_optional(&mut **x).await)?;
            if let Some((token,)) = found {
                return Ok(token);
            }
            let token: String = {
                let mut rng = rand::rng();
                (0..6)
                    .map(|_| char::from(TOKEN_ALPHABET[rng.random_range(0..TOKEN_ALPHABET.len())]))
                    .collect()
            };
            // A clash with another conversation's token (one in 887 million) draws again.
            let n = on_tx!(self, x => sqlx::query(
                "INSERT INTO email_tokens (workspace_id, token, conversation_id, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING")
                .bind(ws.as_uuid()).bind(&token).bind(conversation.as_uuid()).bind(to_micros(now))
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
            if n == 1 {
                return Ok(token);
            }
        }
    }

    /// Records the server's answer to a sent message.
    pub async fn set_delivery_detail(&mut self, ws: WorkspaceId, message: MessageId, detail: &str) -> Result<()> {
        let detail: String = detail.chars().take(1000).collect();
        on_tx!(self, x => sqlx::query(
            "UPDATE email_headers SET delivery_detail = $1 WHERE workspace_id = $2 AND message_id = $3")
            .bind(&detail).bind(ws.as_uuid()).bind(message.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Marks a customer's email address as failing (a bounce), with the
    /// server's reason. Returns whether the address was known.
    pub async fn mark_address_bounced(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        address: &str,
        reason: &str,
    ) -> Result<bool> {
        let reason: String = reason.chars().take(500).collect();
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE customer_identities SET bounced_at = $1, bounce_reason = $2 \
             WHERE workspace_id = $3 AND kind = 'email' AND value = $4")
            .bind(to_micros(now)).bind(&reason).bind(ws.as_uuid()).bind(address.trim().to_lowercase())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}

impl Db {
    /// The newest conversation holding an email with one of these Message-IDs.
    pub async fn conversation_by_email_ids(&self, ws: WorkspaceId, ids: &[String]) -> Result<Option<ConversationId>> {
        // Newest reference first: a long thread's last message is the likeliest match.
        for id in ids.iter().rev().take(50) {
            let row: Option<(Uuid,)> = read!(self, p => sqlx::query_as(
                "SELECT conversation_id FROM email_headers WHERE workspace_id = $1 AND rfc_message_id = $2 \
                 ORDER BY message_id DESC LIMIT 1")
                .bind(ws.as_uuid()).bind(id).fetch_optional(p).await)?;
            if let Some((c,)) = row {
                return Ok(Some(ConversationId::from_uuid(c)));
            }
        }
        Ok(None)
    }

    /// The conversation a token names.
    pub async fn conversation_by_email_token(&self, ws: WorkspaceId, token: &str) -> Result<Option<ConversationId>> {
        let row: Option<(Uuid,)> = read!(self, p => sqlx::query_as(
            "SELECT conversation_id FROM email_tokens WHERE workspace_id = $1 AND token = $2")
            .bind(ws.as_uuid()).bind(token.to_uppercase()).fetch_optional(p).await)?;
        Ok(row.map(|(c,)| ConversationId::from_uuid(c)))
    }

    /// A message's email headers.
    pub async fn email_headers(&self, ws: WorkspaceId, message: MessageId) -> Result<EmailHeaders> {
        let sql = format!("SELECT {COLUMNS} FROM email_headers WHERE workspace_id = $1 AND message_id = $2");
        let row: Option<HeaderRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(message.as_uuid()).fetch_optional(p).await)?;
        row.map(from_row).ok_or(StoreError::NotFound)
    }

    /// A conversation's email headers, oldest first (at most the latest 200).
    pub async fn email_headers_of(&self, ws: WorkspaceId, conversation: ConversationId) -> Result<Vec<EmailHeaders>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM email_headers WHERE workspace_id = $1 AND conversation_id = $2 \
             ORDER BY message_id DESC LIMIT 200"
        );
        let rows: Vec<HeaderRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(conversation.as_uuid()).fetch_all(p).await)?;
        let mut out: Vec<EmailHeaders> = rows.into_iter().map(from_row).collect();
        out.reverse();
        Ok(out)
    }

    /// Whether the address bounced, and why.
    pub async fn address_bounce(&self, ws: WorkspaceId, address: &str) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = read!(self, p => sqlx::query_as(
            "SELECT bounce_reason FROM customer_identities WHERE workspace_id = $1 AND kind = 'email' AND value = $2 \
             AND bounced_at IS NOT NULL")
            .bind(ws.as_uuid()).bind(address.trim().to_lowercase()).fetch_optional(p).await)?;
        Ok(row.map(|(r,)| r.unwrap_or_default()))
    }
}

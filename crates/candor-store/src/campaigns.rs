//! Win-back campaigns and what each did about every customer of its
//! segment; the figures on the campaign page.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::campaign::CampaignState;
use candor_core::clock::{from_micros, to_micros};
use candor_core::{CampaignId, ConversationId, CustomerId, MessageId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// A stored campaign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Campaign {
    /// Its id.
    pub id: CampaignId,
    /// Its name.
    pub name: String,
    /// Who it writes to, as a segment query (canonical form).
    pub segment: String,
    /// The subject template.
    pub subject: String,
    /// The body template.
    pub body: String,
    /// Whose name the messages go out under.
    pub sender_id: UserId,
    /// At most this many messages an hour.
    pub per_hour: u32,
    /// The consent purpose a customer must have given (e.g. "marketing").
    pub purpose: String,
    /// Draft, running, paused or done.
    pub state: CampaignState,
    /// The last customer taken from the segment (newest first).
    pub segment_cursor: Option<CustomerId>,
    /// Whether every customer of the segment was taken.
    pub segment_done: bool,
    /// When the pending tick runs, while running.
    pub next_tick_at: Option<Timestamp>,
    /// Who wrote it.
    pub created_by: Option<UserId>,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it first started.
    pub started_at: Option<Timestamp>,
    /// When it finished.
    pub finished_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    segment: String,
    subject: String,
    body: String,
    sender_id: Uuid,
    per_hour: i64,
    purpose: String,
    state: String,
    segment_cursor: Option<Uuid>,
    segment_done: bool,
    next_tick_at: Option<i64>,
    created_by: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

const COLUMNS: &str = "id, name, segment, subject, body, sender_id, per_hour, purpose, state, segment_cursor, \
    segment_done, next_tick_at, created_by, created_at, updated_at, started_at, finished_at";

impl Row {
    fn into_campaign(self) -> Result<Campaign> {
        Ok(Campaign {
            id: CampaignId::from_uuid(self.id),
            name: self.name,
            segment: self.segment,
            subject: self.subject,
            body: self.body,
            sender_id: UserId::from_uuid(self.sender_id),
            per_hour: u32::try_from(self.per_hour)
                .map_err(|e| StoreError::Corrupt(format!("campaign per_hour: {e}")))?,
            purpose: self.purpose,
            state: self.state.parse().map_err(StoreError::Corrupt)?,
            segment_cursor: self.segment_cursor.map(CustomerId::from_uuid),
            segment_done: self.segment_done,
            next_tick_at: self.next_tick_at.map(from_micros),
            created_by: self.created_by.map(UserId::from_uuid),
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            started_at: self.started_at.map(from_micros),
            finished_at: self.finished_at.map(from_micros),
        })
    }
}

/// A campaign's checked fields.
#[derive(Clone, Debug)]
pub struct CampaignFields<'a> {
    /// Its name.
    pub name: &'a str,
    /// The segment query, canonical.
    pub segment: &'a str,
    /// The subject template.
    pub subject: &'a str,
    /// The body template.
    pub body: &'a str,
    /// The sender.
    pub sender_id: UserId,
    /// The throttle.
    pub per_hour: u32,
    /// The consent purpose.
    pub purpose: &'a str,
}

/// What a campaign did about one customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// The customer.
    pub customer_id: CustomerId,
    /// "sent", "skipped" or "held".
    pub state: String,
    /// A stable code: "sent", "quiet-hours" or a skip's code.
    pub reason_code: String,
    /// The reason in words.
    pub reason: String,
    /// The address written to.
    pub address: Option<String>,
    /// The conversation the message opened.
    pub conversation_id: Option<ConversationId>,
    /// The message.
    pub message_id: Option<MessageId>,
    /// For held customers, when to decide again.
    pub retry_at: Option<Timestamp>,
    /// When it was decided.
    pub decided_at: Timestamp,
}

type RecipientRow = (
    Uuid,
    String,
    String,
    String,
    Option<String>,
    Option<Uuid>,
    Option<Uuid>,
    Option<i64>,
    i64,
);

const RECIPIENT_COLUMNS: &str =
    "customer_id, state, reason_code, reason, address, conversation_id, message_id, retry_at, decided_at";

fn recipient(r: RecipientRow) -> Recipient {
    Recipient {
        customer_id: CustomerId::from_uuid(r.0),
        state: r.1,
        reason_code: r.2,
        reason: r.3,
        address: r.4,
        conversation_id: r.5.map(ConversationId::from_uuid),
        message_id: r.6.map(MessageId::from_uuid),
        retry_at: r.7.map(from_micros),
        decided_at: from_micros(r.8),
    }
}

/// The figures on a campaign's page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CampaignResults {
    /// Messages queued for sending.
    pub sent: i64,
    /// Customers skipped for good.
    pub skipped: i64,
    /// Customers waiting for their quiet hours to end.
    pub held: i64,
    /// Skips by reason code, most first.
    pub skipped_by_reason: Vec<(String, i64)>,
    /// Campaign messages the mail server accepted.
    pub delivered: i64,
    /// Campaign messages that could not be sent.
    pub failed: i64,
    /// Conversations the customer answered.
    pub replies: i64,
    /// Customers who bought (paid) after their message.
    pub buyers: i64,
    /// Their paid purchases after the message.
    pub purchases: i64,
    /// What those purchases came to in the workspace's currency, minor units.
    pub revenue_minor: i64,
}

impl Tx {
    /// Writes a new campaign, a draft.
    pub async fn insert_campaign(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        f: &CampaignFields<'_>,
        by: Option<UserId>,
    ) -> Result<Campaign> {
        let id = CampaignId::new_at(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO campaigns (id, workspace_id, name, segment, subject, body, sender_id, per_hour, purpose, state, \
             segment_cursor, segment_done, next_tick_at, created_by, created_at, updated_at, started_at, finished_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', NULL, $10, NULL, $11, $12, $12, NULL, NULL)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(f.name).bind(f.segment).bind(f.subject).bind(f.body)
            .bind(f.sender_id.as_uuid()).bind(i64::from(f.per_hour)).bind(f.purpose).bind(false)
            .bind(by.map(|u| u.as_uuid())).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(Campaign {
            id,
            name: f.name.to_string(),
            segment: f.segment.to_string(),
            subject: f.subject.to_string(),
            body: f.body.to_string(),
            sender_id: f.sender_id,
            per_hour: f.per_hour,
            purpose: f.purpose.to_string(),
            state: CampaignState::Draft,
            segment_cursor: None,
            segment_done: false,
            next_tick_at: None,
            created_by: by,
            created_at: now,
            updated_at: now,
            started_at: None,
            finished_at: None,
        })
    }

    /// Replaces a campaign's fields.
    pub async fn update_campaign(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        id: CampaignId,
        f: &CampaignFields<'_>,
    ) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "UPDATE campaigns SET name = $1, segment = $2, subject = $3, body = $4, sender_id = $5, per_hour = $6, \
             purpose = $7, updated_at = $8 WHERE workspace_id = $9 AND id = $10")
            .bind(f.name).bind(f.segment).bind(f.subject).bind(f.body).bind(f.sender_id.as_uuid())
            .bind(i64::from(f.per_hour)).bind(f.purpose).bind(to_micros(now)).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The campaign, read in the transaction.
    pub async fn campaign(&mut self, ws: WorkspaceId, id: CampaignId) -> Result<Campaign> {
        let sql = format!("SELECT {COLUMNS} FROM campaigns WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        row.ok_or(StoreError::NotFound)?.into_campaign()
    }

    /// Sets the state and the pending tick (none when not running); the
    /// first start is remembered, and so is the end.
    pub async fn set_campaign_state(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        id: CampaignId,
        state: CampaignState,
        next_tick_at: Option<Timestamp>,
    ) -> Result<()> {
        let started = (state == CampaignState::Running).then(|| to_micros(now));
        let finished = (state == CampaignState::Done).then(|| to_micros(now));
        on_tx!(self, x => sqlx::query(
            "UPDATE campaigns SET state = $1, next_tick_at = $2, updated_at = $3, \
             started_at = COALESCE(started_at, $4), finished_at = COALESCE($5, finished_at) \
             WHERE workspace_id = $6 AND id = $7")
            .bind(state.as_str()).bind(next_tick_at.map(to_micros)).bind(to_micros(now)).bind(started).bind(finished)
            .bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Claims the tick due at `at`: true only for the one tick the running
    /// campaign waits for (a stale, repeated or paused one finds nothing).
    pub async fn claim_campaign_tick(&mut self, ws: WorkspaceId, id: CampaignId, at: Timestamp) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE campaigns SET next_tick_at = NULL WHERE workspace_id = $1 AND id = $2 AND state = 'running' \
             AND next_tick_at = $3")
            .bind(ws.as_uuid()).bind(id.as_uuid()).bind(to_micros(at))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records how far the campaign went through its segment and when it
    /// looks again (none: it is done).
    pub async fn advance_campaign(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        id: CampaignId,
        cursor: Option<CustomerId>,
        segment_done: bool,
        next_tick_at: Option<Timestamp>,
    ) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "UPDATE campaigns SET segment_cursor = $1, segment_done = $2, next_tick_at = $3, updated_at = $4 \
             WHERE workspace_id = $5 AND id = $6")
            .bind(cursor.map(|c| c.as_uuid())).bind(segment_done).bind(next_tick_at.map(to_micros))
            .bind(to_micros(now)).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records a decision about a customer not decided before; false when
    /// one is on record already.
    pub async fn insert_recipient(&mut self, ws: WorkspaceId, campaign: CampaignId, r: &Recipient) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "INSERT INTO campaign_recipients (workspace_id, campaign_id, customer_id, state, reason_code, reason, \
             address, conversation_id, message_id, retry_at, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING")
            .bind(ws.as_uuid()).bind(campaign.as_uuid()).bind(r.customer_id.as_uuid()).bind(&r.state)
            .bind(&r.reason_code).bind(&r.reason).bind(&r.address).bind(r.conversation_id.map(|c| c.as_uuid()))
            .bind(r.message_id.map(|m| m.as_uuid())).bind(r.retry_at.map(to_micros)).bind(to_micros(r.decided_at))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Replaces the decision about a held customer; false when they are no
    /// longer held.
    pub async fn redecide_held(&mut self, ws: WorkspaceId, campaign: CampaignId, r: &Recipient) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE campaign_recipients SET state = $1, reason_code = $2, reason = $3, address = $4, \
             conversation_id = $5, message_id = $6, retry_at = $7, decided_at = $8 \
             WHERE workspace_id = $9 AND campaign_id = $10 AND customer_id = $11 AND state = 'held'")
            .bind(&r.state).bind(&r.reason_code).bind(&r.reason).bind(&r.address)
            .bind(r.conversation_id.map(|c| c.as_uuid())).bind(r.message_id.map(|m| m.as_uuid()))
            .bind(r.retry_at.map(to_micros)).bind(to_micros(r.decided_at))
            .bind(ws.as_uuid()).bind(campaign.as_uuid()).bind(r.customer_id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// When the next held customer's quiet hours end, read in the transaction.
    pub async fn next_held(&mut self, ws: WorkspaceId, campaign: CampaignId) -> Result<Option<Timestamp>> {
        let row: Option<i64> = on_tx!(self, x => sqlx::query_scalar(
            "SELECT MIN(retry_at) FROM campaign_recipients WHERE workspace_id = $1 AND campaign_id = $2 AND state = 'held'")
            .bind(ws.as_uuid()).bind(campaign.as_uuid()).fetch_one(&mut **x).await)?;
        Ok(row.map(from_micros))
    }

    /// Attaches the conversation and message a sent decision made.
    pub async fn set_recipient_message(
        &mut self,
        ws: WorkspaceId,
        campaign: CampaignId,
        customer: CustomerId,
        conversation: ConversationId,
        message: MessageId,
    ) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "UPDATE campaign_recipients SET conversation_id = $1, message_id = $2 \
             WHERE workspace_id = $3 AND campaign_id = $4 AND customer_id = $5")
            .bind(conversation.as_uuid()).bind(message.as_uuid()).bind(ws.as_uuid()).bind(campaign.as_uuid())
            .bind(customer.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Db {
    /// One campaign.
    pub async fn campaign(&self, ws: WorkspaceId, id: CampaignId) -> Result<Campaign> {
        let sql = format!("SELECT {COLUMNS} FROM campaigns WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_campaign()
    }

    /// Campaigns, newest first, older than `before`.
    pub async fn campaigns(&self, ws: WorkspaceId, before: Option<CampaignId>, limit: u32) -> Result<Vec<Campaign>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM campaigns WHERE workspace_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(before.map(|b| b.as_uuid())).bind(i64::from(limit))
            .fetch_all(p).await)?;
        rows.into_iter().map(Row::into_campaign).collect()
    }

    /// The decisions on record about these customers.
    pub async fn recipients_of(
        &self,
        ws: WorkspaceId,
        campaign: CampaignId,
        customers: &[CustomerId],
    ) -> Result<Vec<Recipient>> {
        if customers.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!(
            "SELECT {RECIPIENT_COLUMNS} FROM campaign_recipients WHERE workspace_id = "
        ));
        sql.bind(Arg::Uuid(ws.as_uuid()))
            .push(" AND campaign_id = ")
            .bind(Arg::Uuid(campaign.as_uuid()))
            .push(" AND customer_id IN ")
            .bind_list(customers.iter().map(|c| c.as_uuid()));
        let rows: Vec<RecipientRow> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        Ok(rows.into_iter().map(recipient).collect())
    }

    /// A page of the decisions in one state ("sent", "skipped", "held"), by
    /// customer id after `after`.
    pub async fn recipients(
        &self,
        ws: WorkspaceId,
        campaign: CampaignId,
        state: &str,
        after: Option<CustomerId>,
        limit: u32,
    ) -> Result<Vec<Recipient>> {
        let sql = format!(
            "SELECT {RECIPIENT_COLUMNS} FROM campaign_recipients WHERE workspace_id = $1 AND campaign_id = $2 \
             AND state = $3 AND ($4 IS NULL OR customer_id > $4) ORDER BY customer_id LIMIT $5"
        );
        let rows: Vec<RecipientRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(campaign.as_uuid()).bind(state).bind(after.map(|a| a.as_uuid()))
            .bind(i64::from(limit)).fetch_all(p).await)?;
        Ok(rows.into_iter().map(recipient).collect())
    }

    /// Held customers whose quiet hours are over by `now`, soonest first.
    pub async fn held_due(
        &self,
        ws: WorkspaceId,
        campaign: CampaignId,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<CustomerId>> {
        let rows: Vec<(Uuid,)> = read!(self, p => sqlx::query_as(
            "SELECT customer_id FROM campaign_recipients WHERE workspace_id = $1 AND campaign_id = $2 \
             AND state = 'held' AND retry_at <= $3 ORDER BY retry_at LIMIT $4")
            .bind(ws.as_uuid()).bind(campaign.as_uuid()).bind(to_micros(now)).bind(i64::from(limit))
            .fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(c,)| CustomerId::from_uuid(c)).collect())
    }

    /// When the next held customer's quiet hours end.
    pub async fn next_held(&self, ws: WorkspaceId, campaign: CampaignId) -> Result<Option<Timestamp>> {
        let row: Option<Option<i64>> = read!(self, p => sqlx::query_scalar(
            "SELECT MIN(retry_at) FROM campaign_recipients WHERE workspace_id = $1 AND campaign_id = $2 AND state = 'held'")
            .bind(ws.as_uuid()).bind(campaign.as_uuid()).fetch_optional(p).await)?;
        Ok(row.flatten().map(from_micros))
    }

    /// When the campaign's messages since `since` were sent.
    pub async fn campaign_sent_since(
        &self,
        ws: WorkspaceId,
        campaign: CampaignId,
        since: Timestamp,
    ) -> Result<Vec<Timestamp>> {
        let rows: Vec<(i64,)> = read!(self, p => sqlx::query_as(
            "SELECT decided_at FROM campaign_recipients WHERE workspace_id = $1 AND campaign_id = $2 \
             AND state = 'sent' AND decided_at > $3 ORDER BY decided_at")
            .bind(ws.as_uuid()).bind(campaign.as_uuid()).bind(to_micros(since)).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(t,)| from_micros(t)).collect())
    }

    /// The email addresses of these customers that bounced.
    pub async fn bounced_addresses(&self, ws: WorkspaceId, customers: &[CustomerId]) -> Result<HashSet<String>> {
        if customers.is_empty() {
            return Ok(HashSet::new());
        }
        let mut sql = Sql::new("SELECT value FROM customer_identities WHERE workspace_id = ");
        sql.bind(Arg::Uuid(ws.as_uuid()))
            .push(" AND kind = 'email' AND bounced_at IS NOT NULL AND customer_id IN ")
            .bind_list(customers.iter().map(|c| c.as_uuid()));
        let rows: Vec<(String,)> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    /// Each customer's latest paid purchase: product id, name and time.
    pub async fn last_products(
        &self,
        ws: WorkspaceId,
        customers: &[CustomerId],
    ) -> Result<HashMap<CustomerId, (String, Option<String>, Timestamp)>> {
        if customers.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql =
            Sql::new("SELECT p.customer_id, p.product, p.product_name, p.at FROM purchases p WHERE p.workspace_id = ");
        sql.bind(Arg::Uuid(ws.as_uuid()))
            .push(" AND p.status = 'paid' AND p.customer_id IN ")
            .bind_list(customers.iter().map(|c| c.as_uuid()))
            .push(
                " AND p.at = (SELECT MAX(q.at) FROM purchases q WHERE q.workspace_id = p.workspace_id \
                 AND q.customer_id = p.customer_id AND q.status = 'paid') ORDER BY p.id",
            );
        let rows: Vec<(Uuid, String, Option<String>, i64)> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        let mut out = HashMap::new();
        for (c, product, name, at) in rows {
            out.insert(CustomerId::from_uuid(c), (product, name, from_micros(at)));
        }
        Ok(out)
    }

    /// The campaign's figures; revenue counts purchases in `currency`.
    pub async fn campaign_results(
        &self,
        ws: WorkspaceId,
        campaign: CampaignId,
        currency: &str,
    ) -> Result<CampaignResults> {
        let (w, c) = (ws.as_uuid(), campaign.as_uuid());
        let mut out = CampaignResults::default();
        let states: Vec<(String, String, i64)> = read!(self, p => sqlx::query_as(
            "SELECT state, reason_code, COUNT(*) FROM campaign_recipients WHERE workspace_id = $1 AND campaign_id = $2 \
             GROUP BY state, reason_code")
            .bind(w).bind(c).fetch_all(p).await)?;
        for (state, code, n) in states {
            match state.as_str() {
                "sent" => out.sent += n,
                "held" => out.held += n,
                _ => {
                    out.skipped += n;
                    out.skipped_by_reason.push((code, n));
                }
            }
        }
        out.skipped_by_reason.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let delivery: Vec<(Option<String>, i64)> = read!(self, p => sqlx::query_as(
            "SELECT m.delivery, COUNT(*) FROM campaign_recipients r \
             JOIN messages m ON m.workspace_id = r.workspace_id AND m.id = r.message_id \
             WHERE r.workspace_id = $1 AND r.campaign_id = $2 AND r.state = 'sent' GROUP BY m.delivery")
            .bind(w).bind(c).fetch_all(p).await)?;
        for (d, n) in delivery {
            match d.as_deref() {
                Some("sent") => out.delivered += n,
                Some("failed") => out.failed += n,
                _ => {}
            }
        }
        out.replies = read!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM campaign_recipients r WHERE r.workspace_id = $1 AND r.campaign_id = $2 \
             AND r.state = 'sent' AND EXISTS (SELECT 1 FROM messages m WHERE m.workspace_id = r.workspace_id \
             AND m.conversation_id = r.conversation_id AND m.kind = 'inbound')")
            .bind(w).bind(c).fetch_one(p).await)?;
        let (buyers, purchases, revenue): (i64, i64, i64) = read!(self, p => sqlx::query_as(
            "SELECT COUNT(DISTINCT r.customer_id), COUNT(pu.id), \
             CAST(COALESCE(SUM(CASE WHEN pu.currency = $3 THEN pu.amount_minor ELSE 0 END), 0) AS BIGINT) \
             FROM campaign_recipients r JOIN purchases pu ON pu.workspace_id = r.workspace_id \
             AND pu.customer_id = r.customer_id AND pu.status = 'paid' AND pu.at > r.decided_at \
             WHERE r.workspace_id = $1 AND r.campaign_id = $2 AND r.state = 'sent'")
            .bind(w).bind(c).bind(currency).fetch_one(p).await)?;
        out.buyers = buyers;
        out.purchases = purchases;
        out.revenue_minor = revenue;
        Ok(out)
    }
}

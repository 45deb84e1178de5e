//! Social listening's storage: mentions (posts about the company), the
//! workspace's monitoring rules, and the alerts rules raise ([`rules`]).

pub mod rules;

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::{from_micros, to_micros};
use candor_core::social::Sentiment;
use candor_core::{ConversationId, CustomerId, MentionId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A stored mention.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mention {
    /// Its id (time-ordered: the stream's order).
    pub id: MentionId,
    /// The platform, e.g. "twitter".
    pub platform: String,
    /// The post's link (http or https).
    pub post_url: String,
    /// The author as a social identity's value: `platform:handle`.
    pub author: String,
    /// The author's display name.
    pub author_name: String,
    /// The text.
    pub body: String,
    /// When it was posted.
    pub posted_at: Timestamp,
    /// The post it answers, if any.
    pub in_reply_to: Option<String>,
    /// The platform's id of the post.
    pub external_id: Option<String>,
    /// The customer with the author's social identity, if known.
    pub customer_id: Option<CustomerId>,
    /// Sentiment, -1 to 1.
    pub sentiment: f64,
    /// Detected language.
    pub language: Option<String>,
    /// The conversation a reply in Candor opened for it.
    pub conversation_id: Option<ConversationId>,
    /// When someone answered or dealt with it.
    pub handled_at: Option<Timestamp>,
    /// Who.
    pub handled_by: Option<UserId>,
    /// When it was stored.
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    platform: String,
    post_url: String,
    author: String,
    author_name: String,
    body: String,
    posted_at: i64,
    in_reply_to: Option<String>,
    external_id: Option<String>,
    customer_id: Option<Uuid>,
    sentiment: f64,
    language: Option<String>,
    conversation_id: Option<Uuid>,
    handled_at: Option<i64>,
    handled_by: Option<Uuid>,
    created_at: i64,
}

const COLUMNS: &str = "id, platform, post_url, author, author_name, body, posted_at, in_reply_to, external_id, \
    customer_id, sentiment, language, conversation_id, handled_at, handled_by, created_at";

impl Row {
    fn into_mention(self) -> Mention {
        Mention {
            id: MentionId::from_uuid(self.id),
            platform: self.platform,
            post_url: self.post_url,
            author: self.author,
            author_name: self.author_name,
            body: self.body,
            posted_at: from_micros(self.posted_at),
            in_reply_to: self.in_reply_to,
            external_id: self.external_id,
            customer_id: self.customer_id.map(CustomerId::from_uuid),
            sentiment: self.sentiment,
            language: self.language,
            conversation_id: self.conversation_id.map(ConversationId::from_uuid),
            handled_at: self.handled_at.map(from_micros),
            handled_by: self.handled_by.map(UserId::from_uuid),
            created_at: from_micros(self.created_at),
        }
    }
}

/// Which mentions the stream shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MentionFilter {
    /// On this platform.
    pub platform: Option<String>,
    /// Reading this way.
    pub sentiment: Option<Sentiment>,
    /// Handled (true) or not (false).
    pub handled: Option<bool>,
    /// By this customer.
    pub customer: Option<CustomerId>,
}

impl Tx {
    /// Stores a mention unless the same post (platform and `dedupe_key`) is
    /// stored already; `false` when it was.
    pub async fn insert_mention(&mut self, ws: WorkspaceId, m: &Mention, dedupe_key: &str) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "INSERT INTO social_mentions (id, workspace_id, platform, post_url, author, author_name, body, posted_at, \
             in_reply_to, external_id, dedupe_key, customer_id, sentiment, language, conversation_id, handled_at, \
             handled_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL, NULL, $15) \
             ON CONFLICT (workspace_id, platform, dedupe_key) DO NOTHING")
            .bind(m.id.as_uuid()).bind(ws.as_uuid()).bind(&m.platform).bind(&m.post_url).bind(&m.author)
            .bind(&m.author_name).bind(&m.body).bind(to_micros(m.posted_at)).bind(&m.in_reply_to)
            .bind(&m.external_id).bind(dedupe_key).bind(m.customer_id.map(|c| c.as_uuid())).bind(m.sentiment)
            .bind(&m.language).bind(to_micros(m.created_at))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The stored mention of a post.
    pub async fn mention_by_key(
        &mut self,
        ws: WorkspaceId,
        platform: &str,
        dedupe_key: &str,
    ) -> Result<Option<Mention>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM social_mentions WHERE workspace_id = $1 AND platform = $2 AND dedupe_key = $3"
        );
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(platform).bind(dedupe_key).fetch_optional(&mut **x).await)?;
        Ok(row.map(Row::into_mention))
    }

    /// One mention, inside the transaction.
    pub async fn mention(&mut self, ws: WorkspaceId, id: MentionId) -> Result<Mention> {
        let sql = format!("SELECT {COLUMNS} FROM social_mentions WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        row.map(Row::into_mention).ok_or(StoreError::NotFound)
    }

    /// Mentions posted in `(from, to]` (what a volume rule counts).
    pub async fn mentions_posted_between(&mut self, ws: WorkspaceId, from: Timestamp, to: Timestamp) -> Result<i64> {
        let (n,): (i64,) = on_tx!(self, x => sqlx::query_as(
            "SELECT COUNT(*) FROM social_mentions WHERE workspace_id = $1 AND posted_at > $2 AND posted_at <= $3")
            .bind(ws.as_uuid()).bind(to_micros(from)).bind(to_micros(to)).fetch_one(&mut **x).await)?;
        Ok(n)
    }

    /// Marks a mention handled (the first time only) and links the
    /// conversation it was answered in and its customer, when given.
    pub async fn mark_mention_handled(
        &mut self,
        ws: WorkspaceId,
        id: MentionId,
        by: UserId,
        conversation: Option<ConversationId>,
        customer: Option<CustomerId>,
        now: Timestamp,
    ) -> Result<()> {
        on_tx!(self, x => sqlx::query(
            "UPDATE social_mentions SET handled_at = COALESCE(handled_at, $1), handled_by = COALESCE(handled_by, $2), \
             conversation_id = COALESCE($3, conversation_id), customer_id = COALESCE(customer_id, $4) \
             WHERE workspace_id = $5 AND id = $6")
            .bind(to_micros(now)).bind(by.as_uuid()).bind(conversation.map(|c| c.as_uuid()))
            .bind(customer.map(|c| c.as_uuid())).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Tx {
    /// Whether a customer has an email address (a proactive conversation goes there).
    pub async fn customer_has_email(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<bool> {
        let (n,): (i64,) = on_tx!(self, x => sqlx::query_as(
            "SELECT COUNT(*) FROM customer_identities WHERE workspace_id = $1 AND customer_id = $2 AND kind = 'email'")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_one(&mut **x).await)?;
        Ok(n > 0)
    }
}

impl Db {
    /// One mention.
    pub async fn mention(&self, ws: WorkspaceId, id: MentionId) -> Result<Mention> {
        let sql = format!("SELECT {COLUMNS} FROM social_mentions WHERE workspace_id = $1 AND id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(Row::into_mention).ok_or(StoreError::NotFound)
    }

    /// A page of mentions, newest first, before the cursor `before` (an id).
    pub async fn mentions(
        &self,
        ws: WorkspaceId,
        filter: &MentionFilter,
        before: Option<MentionId>,
        limit: u32,
    ) -> Result<(Vec<Mention>, Option<MentionId>)> {
        let limit = limit.clamp(1, 500);
        let mut sql = Sql::new("");
        sql.push(&format!("SELECT {COLUMNS} FROM social_mentions WHERE workspace_id = "))
            .bind(Arg::Uuid(ws.as_uuid()));
        if let Some(p) = &filter.platform {
            sql.push(" AND platform = ").bind(Arg::Text(p.clone()));
        }
        if let Some(s) = filter.sentiment {
            let (lo, hi) = s.bounds();
            if let Some(lo) = lo {
                sql.push(" AND sentiment >= ").bind(Arg::F64(lo));
            }
            if let Some(hi) = hi {
                sql.push(" AND sentiment < ").bind(Arg::F64(hi));
            }
        }
        match filter.handled {
            Some(true) => {
                sql.push(" AND handled_at IS NOT NULL");
            }
            Some(false) => {
                sql.push(" AND handled_at IS NULL");
            }
            None => {}
        }
        if let Some(c) = filter.customer {
            sql.push(" AND customer_id = ").bind(Arg::Uuid(c.as_uuid()));
        }
        if let Some(b) = before {
            sql.push(" AND id < ").bind(Arg::Uuid(b.as_uuid()));
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .bind(Arg::I64(i64::from(limit) + 1));
        let rows: Vec<Row> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        let more = rows.len() > limit as usize;
        let items: Vec<Mention> = rows.into_iter().take(limit as usize).map(Row::into_mention).collect();
        let next = if more { items.last().map(|m| m.id) } else { None };
        Ok((items, next))
    }

    /// How many mentions the workspace has stored.
    pub async fn count_mentions(&self, ws: WorkspaceId) -> Result<i64> {
        let (n,): (i64,) = read!(self, p => sqlx::query_as("SELECT COUNT(*) FROM social_mentions WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_one(p).await)?;
        Ok(n)
    }
}

//! Conversations: the row with its status, priority, assignment, tags and
//! the figures the inbox shows (preview, last activity), and the inbox list
//! with filters and keyset paging (newest activity first, never OFFSET).

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::{from_micros, to_micros};
use candor_core::conversation::{Channel, Priority, Status};
use candor_core::{ConversationId, CustomerId, TeamId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A conversation as stored.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The customer it is with.
    pub customer_id: CustomerId,
    /// Where it happens.
    pub channel: Channel,
    /// The channel's own thread reference (e.g. a chat session or an email thread).
    pub thread_ref: Option<String>,
    /// What it is about.
    pub subject: String,
    /// Where it stands.
    pub status: Status,
    /// How urgent.
    pub priority: Priority,
    /// The agent working it.
    pub assignee_id: Option<UserId>,
    /// The team it belongs to.
    pub team_id: Option<TeamId>,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// The language of the customer's first message.
    pub language: Option<String>,
    /// The closed conversation this one continues.
    pub previous_conversation_id: Option<ConversationId>,
    /// The start of the latest message, for lists.
    pub preview: String,
    /// Sentiment of the latest customer message.
    pub last_sentiment: Option<f64>,
    /// Messages and notes in it.
    pub message_count: i64,
    /// Opened.
    pub created_at: Timestamp,
    /// Last changed in any way.
    pub updated_at: Timestamp,
    /// Last message or note; the inbox sorts by it.
    pub last_activity_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    workspace_id: Uuid,
    customer_id: Uuid,
    channel: String,
    thread_ref: Option<String>,
    subject: String,
    status: String,
    priority: String,
    assignee_id: Option<Uuid>,
    team_id: Option<Uuid>,
    tags: String,
    language: Option<String>,
    previous_conversation_id: Option<Uuid>,
    preview: String,
    last_sentiment: Option<f64>,
    message_count: i64,
    created_at: i64,
    updated_at: i64,
    last_activity_at: i64,
}

const COLUMNS: &str = "c.id, c.workspace_id, c.customer_id, c.channel, c.thread_ref, c.subject, c.status, c.priority, \
    c.assignee_id, c.team_id, c.tags, c.language, c.previous_conversation_id, c.preview, c.last_sentiment, \
    c.message_count, c.created_at, c.updated_at, c.last_activity_at";

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("conversation {what}: {e}"))
}

impl Row {
    fn into_conversation(self) -> Result<Conversation> {
        Ok(Conversation {
            id: ConversationId::from_uuid(self.id),
            workspace_id: WorkspaceId::from_uuid(self.workspace_id),
            customer_id: CustomerId::from_uuid(self.customer_id),
            channel: self.channel.parse().map_err(|e| corrupt("channel", e))?,
            thread_ref: self.thread_ref,
            subject: self.subject,
            status: self.status.parse().map_err(|e| corrupt("status", e))?,
            priority: self.priority.parse().map_err(|e| corrupt("priority", e))?,
            assignee_id: self.assignee_id.map(UserId::from_uuid),
            team_id: self.team_id.map(TeamId::from_uuid),
            tags: serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?,
            language: self.language,
            previous_conversation_id: self.previous_conversation_id.map(ConversationId::from_uuid),
            preview: self.preview,
            last_sentiment: self.last_sentiment,
            message_count: self.message_count,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            last_activity_at: from_micros(self.last_activity_at),
        })
    }
}

/// A conversation about to be opened.
#[derive(Clone, Debug)]
pub struct NewConversation<'a> {
    /// The customer.
    pub customer_id: CustomerId,
    /// The channel.
    pub channel: Channel,
    /// The channel's thread reference.
    pub thread_ref: Option<&'a str>,
    /// The subject.
    pub subject: &'a str,
    /// The priority.
    pub priority: Priority,
    /// Normalised tags.
    pub tags: &'a [String],
    /// The language of the first message.
    pub language: Option<&'a str>,
    /// The closed conversation it continues.
    pub previous: Option<ConversationId>,
}

/// Which conversations an inbox view shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Any of these statuses (none: any status).
    pub statuses: Vec<Status>,
    /// Assigned to this agent.
    pub assignee: Option<UserId>,
    /// Assigned to nobody.
    pub unassigned: bool,
    /// In any of these teams (`Some(vec![])` matches nothing).
    pub teams: Option<Vec<TeamId>>,
    /// On this channel.
    pub channel: Option<Channel>,
    /// Of this priority.
    pub priority: Option<Priority>,
    /// In this language.
    pub language: Option<String>,
    /// With this tag.
    pub tag: Option<String>,
    /// With this customer.
    pub customer: Option<CustomerId>,
    /// Breaching soon: a counting clock reaches its warning share by this time
    /// (its warning has fired, or fires before then).
    pub breaching_by: Option<Timestamp>,
}

/// Where a page of the inbox ends: the last row's activity time and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Last activity, in microseconds.
    pub at: i64,
    /// The id.
    pub id: Uuid,
}

impl Cursor {
    /// The opaque text given to clients.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.at, self.id.simple())
    }

    /// Reads a cursor given out by [`Cursor::encode`].
    pub fn decode(s: &str) -> Option<Cursor> {
        let (at, id) = s.trim().split_once('_')?;
        Some(Cursor {
            at: at.parse().ok()?,
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

/// A page of conversations with their customers' display names.
#[derive(Clone, Debug)]
pub struct Page {
    /// Conversations with the customer's name (or first identity).
    pub items: Vec<(Conversation, String)>,
    /// Where the next page starts.
    pub next: Option<Cursor>,
}

fn json_text<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("cannot write JSON: {e}")))
}

impl Tx {
    /// Opens a conversation (status open, no messages yet).
    pub async fn create_conversation(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        c: &NewConversation<'_>,
    ) -> Result<Conversation> {
        let id = ConversationId::new_at(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO conversations (id, workspace_id, customer_id, channel, thread_ref, subject, status, priority, \
             assignee_id, team_id, tags, language, previous_conversation_id, preview, last_sentiment, message_count, \
             created_at, updated_at, last_activity_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, NULL, NULL, $8, $9, $10, '', NULL, 0, $11, $11, $11)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(c.customer_id.as_uuid()).bind(c.channel.as_str())
            .bind(c.thread_ref).bind(c.subject).bind(c.priority.as_str()).bind(json_text(&c.tags)?)
            .bind(c.language).bind(c.previous.map(|p| p.as_uuid())).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        self.insert_conversation_tags(ws, id, c.tags).await?;
        // What was just written, without reading it back.
        Ok(Conversation {
            id,
            workspace_id: ws,
            customer_id: c.customer_id,
            channel: c.channel,
            thread_ref: c.thread_ref.map(str::to_string),
            subject: c.subject.to_string(),
            status: Status::Open,
            priority: c.priority,
            assignee_id: None,
            team_id: None,
            tags: c.tags.to_vec(),
            language: c.language.map(str::to_string),
            previous_conversation_id: c.previous,
            preview: String::new(),
            last_sentiment: None,
            message_count: 0,
            created_at: now,
            updated_at: now,
            last_activity_at: now,
        })
    }

    /// A conversation, read inside the transaction.
    pub async fn conversation(&mut self, ws: WorkspaceId, id: ConversationId) -> Result<Conversation> {
        let sql = format!("SELECT {COLUMNS} FROM conversations c WHERE c.workspace_id = $1 AND c.id = $2");
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        row.ok_or(StoreError::NotFound)?.into_conversation()
    }

    /// The newest conversation on `channel` with the channel's thread reference.
    pub async fn conversation_by_thread(
        &mut self,
        ws: WorkspaceId,
        channel: Channel,
        thread_ref: &str,
    ) -> Result<Option<Conversation>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM conversations c WHERE c.workspace_id = $1 AND c.channel = $2 AND c.thread_ref = $3 \
             ORDER BY c.id DESC LIMIT 1"
        );
        let row: Option<Row> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(channel.as_str()).bind(thread_ref).fetch_optional(&mut **x).await)?;
        row.map(Row::into_conversation).transpose()
    }

    /// Writes back what may change on a conversation: subject, status,
    /// priority, assignment, tags, language and the activity figures.
    pub async fn save_conversation(&mut self, now: Timestamp, c: &Conversation) -> Result<()> {
        let sql = save_sql(now, c)?;
        let n = on_tx!(self, x => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.args)
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Saves a conversation this transaction created or read, so it is
    /// there: like [`Tx::save_conversation`] without waiting for the answer.
    pub async fn save_known_conversation(&mut self, now: Timestamp, c: &Conversation) -> Result<()> {
        let sql = save_sql(now, c)?;
        self.defer(sql).await
    }

    /// Replaces the tag index of a conversation (the row's tags are saved with it).
    pub async fn sync_conversation_tags(&mut self, ws: WorkspaceId, id: ConversationId, tags: &[String]) -> Result<()> {
        let (w, c) = (ws.as_uuid(), id.as_uuid());
        on_tx!(self, x => sqlx::query("DELETE FROM conversation_tags WHERE workspace_id = $1 AND conversation_id = $2")
            .bind(w).bind(c).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        self.insert_conversation_tags(ws, id, tags).await
    }

    async fn insert_conversation_tags(&mut self, ws: WorkspaceId, id: ConversationId, tags: &[String]) -> Result<()> {
        let (w, c) = (ws.as_uuid(), id.as_uuid());
        for tag in tags {
            on_tx!(self, x => sqlx::query(
                "INSERT INTO conversation_tags (workspace_id, conversation_id, tag) VALUES ($1, $2, $3)")
                .bind(w).bind(c).bind(tag).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }
}

/// The update that saves every changeable column of `c`.
fn save_sql(now: Timestamp, c: &Conversation) -> Result<Sql> {
    let mut sql = Sql::new("UPDATE conversations SET subject = ");
    sql.bind(Arg::Text(c.subject.clone()))
        .push(", status = ")
        .bind(Arg::Text(c.status.as_str().to_string()))
        .push(", priority = ")
        .bind(Arg::Text(c.priority.as_str().to_string()))
        .push(", assignee_id = ")
        .bind(Arg::uuid_or_null(c.assignee_id.map(|u| u.as_uuid())))
        .push(", team_id = ")
        .bind(Arg::uuid_or_null(c.team_id.map(|t| t.as_uuid())))
        .push(", tags = ")
        .bind(Arg::Text(json_text(&c.tags)?))
        .push(", language = ")
        .bind(Arg::text_or_null(c.language.as_deref()))
        .push(", preview = ")
        .bind(Arg::Text(c.preview.clone()))
        .push(", last_sentiment = ")
        .bind(c.last_sentiment.map_or(Arg::NullF64, Arg::F64))
        .push(", message_count = ")
        .bind(Arg::I64(c.message_count))
        .push(", updated_at = ")
        .bind(Arg::I64(to_micros(now)))
        .push(", last_activity_at = ")
        .bind(Arg::I64(to_micros(c.last_activity_at)))
        .push(" WHERE workspace_id = ")
        .bind(Arg::Uuid(c.workspace_id.as_uuid()))
        .push(" AND id = ")
        .bind(Arg::Uuid(c.id.as_uuid()));
    Ok(sql)
}

impl Db {
    /// One conversation.
    pub async fn conversation(&self, ws: WorkspaceId, id: ConversationId) -> Result<Conversation> {
        let sql = format!("SELECT {COLUMNS} FROM conversations c WHERE c.workspace_id = $1 AND c.id = $2");
        let row: Option<Row> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_conversation()
    }

    /// One conversation and what its customer is called where only the name
    /// is shown (as [`Db::customer_display_name`] has it), in one read.
    pub async fn conversation_with_customer_name(
        &self,
        ws: WorkspaceId,
        id: ConversationId,
    ) -> Result<(Conversation, String)> {
        let sql = format!(
            "SELECT {COLUMNS}, {} AS customer_display \
             FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id AND cu.workspace_id = c.workspace_id \
             WHERE c.workspace_id = $1 AND c.id = $2",
            crate::customers::display_name_sql("cu")
        );
        let row: Option<NamedRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        Ok((row.row.into_conversation()?, row.customer_display))
    }

    /// A page of conversations matching `filter`, latest activity first,
    /// after `after`. Each query is served by one of the inbox indexes.
    pub async fn conversations(
        &self,
        ws: WorkspaceId,
        filter: &Filter,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Page> {
        let limit = limit.clamp(1, 500);
        let mut sql = Sql::new("");
        sql.push(&format!(
            "SELECT {COLUMNS}, cu.name AS customer_name, \
             (SELECT i.value FROM customer_identities i WHERE i.workspace_id = c.workspace_id \
              AND i.customer_id = c.customer_id ORDER BY i.created_at LIMIT 1) AS customer_contact \
             FROM conversations c JOIN customers cu ON cu.id = c.customer_id AND cu.workspace_id = c.workspace_id \
             WHERE c.workspace_id = "
        ))
        .bind(Arg::Uuid(ws.as_uuid()));
        if !filter.statuses.is_empty() {
            sql.push(" AND c.status IN (");
            for (i, s) in filter.statuses.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Arg::Text(s.as_str().into()));
            }
            sql.push(")");
        }
        if let Some(a) = filter.assignee {
            sql.push(" AND c.assignee_id = ").bind(Arg::Uuid(a.as_uuid()));
        }
        if filter.unassigned {
            sql.push(" AND c.assignee_id IS NULL");
        }
        if let Some(teams) = &filter.teams {
            sql.push(" AND c.team_id IN ")
                .bind_list(teams.iter().map(|t| t.as_uuid()));
        }
        if let Some(ch) = filter.channel {
            sql.push(" AND c.channel = ").bind(Arg::Text(ch.as_str().into()));
        }
        if let Some(p) = filter.priority {
            sql.push(" AND c.priority = ").bind(Arg::Text(p.as_str().into()));
        }
        if let Some(l) = &filter.language {
            sql.push(" AND c.language = ").bind(Arg::Text(l.clone()));
        }
        if let Some(c) = filter.customer {
            sql.push(" AND c.customer_id = ").bind(Arg::Uuid(c.as_uuid()));
        }
        if let Some(t) = &filter.tag {
            sql.push(
                " AND EXISTS (SELECT 1 FROM conversation_tags t WHERE t.workspace_id = c.workspace_id \
                 AND t.conversation_id = c.id AND t.tag = ",
            )
            .bind(Arg::Text(t.clone()))
            .push(")");
        }
        if let Some(by) = filter.breaching_by {
            sql.push(
                " AND EXISTS (SELECT 1 FROM conversation_clocks k WHERE k.workspace_id = c.workspace_id \
                 AND k.conversation_id = c.id AND k.warn_at <= ",
            )
            .bind(Arg::I64(to_micros(by)))
            .push(")");
        }
        if let Some(cur) = after {
            sql.push(" AND (c.last_activity_at < ")
                .bind(Arg::I64(cur.at))
                .push(" OR (c.last_activity_at = ")
                .bind(Arg::I64(cur.at))
                .push(" AND c.id < ")
                .bind(Arg::Uuid(cur.id))
                .push("))");
        }
        sql.push(" ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ")
            .bind(Arg::I64(limit as i64 + 1));
        let rows: Vec<ListRow> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        let more = rows.len() > limit as usize;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows.into_iter().take(limit as usize) {
            let name = if r.customer_name.trim().is_empty() {
                r.customer_contact.clone().unwrap_or_else(|| "(no name)".into())
            } else {
                r.customer_name.clone()
            };
            items.push((r.row.into_conversation()?, name));
        }
        let next = if more {
            items.last().map(|(c, _)| Cursor {
                at: to_micros(c.last_activity_at),
                id: c.id.as_uuid(),
            })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Open and pending conversations assigned to each of `users`.
    pub async fn open_loads(&self, ws: WorkspaceId, users: &[UserId]) -> Result<Vec<(UserId, i64)>> {
        let sql = open_loads_sql(ws, users);
        let rows: Vec<(Uuid, i64)> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(u, n)| (UserId::from_uuid(u), n)).collect())
    }
}

fn open_loads_sql(ws: WorkspaceId, users: &[UserId]) -> Sql {
    let mut sql = Sql::new("SELECT assignee_id, COUNT(*) FROM conversations WHERE workspace_id = ");
    sql.bind(Arg::Uuid(ws.as_uuid()))
        .push(" AND status IN ('open', 'pending') AND assignee_id IN ")
        .bind_list(users.iter().map(|u| u.as_uuid()))
        .push(" GROUP BY assignee_id");
    sql
}

impl Tx {
    /// [`Db::open_loads`], as this transaction sees it.
    pub async fn open_loads(&mut self, ws: WorkspaceId, users: &[UserId]) -> Result<Vec<(UserId, i64)>> {
        let sql = open_loads_sql(ws, users);
        let rows: Vec<(Uuid, i64)> = on_tx!(self, x => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(&mut **x).await)?;
        Ok(rows.into_iter().map(|(u, n)| (UserId::from_uuid(u), n)).collect())
    }
}

#[derive(sqlx::FromRow)]
struct NamedRow {
    #[sqlx(flatten)]
    row: Row,
    customer_display: String,
}

#[derive(sqlx::FromRow)]
struct ListRow {
    #[sqlx(flatten)]
    row: Row,
    customer_name: String,
    customer_contact: Option<String>,
}

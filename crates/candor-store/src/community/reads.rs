//! Reading topics and replies: one topic by id or slug, its replies in one
//! query, lists by keyset, the staff's queues, and the rows behind the
//! profile page's figures.

use super::{Person, REPLY_COLUMNS, Reply, ReplyRow, Settings, StatusChange, TOPIC_COLUMNS, Topic, TopicRow, corrupt};
use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::{from_micros, to_micros};
use candor_core::community::{TopicId, TopicKind, TopicStatus};
use candor_core::{UserId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// Which published topics to list.
#[derive(Clone, Debug, Default)]
pub struct TopicFilter {
    /// Only this kind.
    pub kind: Option<TopicKind>,
    /// Only topics with this tag.
    pub tag: Option<String>,
    /// Only topics in this status.
    pub status: Option<TopicStatus>,
    /// Keyset: topics with less recent activity than (time, id).
    pub before: Option<(Timestamp, TopicId)>,
}

/// A page of topics and the keyset of the next page.
#[derive(Clone, Debug)]
pub struct TopicPage {
    /// The topics, most recently active first.
    pub items: Vec<Topic>,
    /// Pass as `before` for the next page.
    pub next: Option<(Timestamp, TopicId)>,
}

/// One topic's row behind the response figures.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FigureRow {
    /// Its kind.
    pub kind: String,
    /// Its status.
    pub status: String,
    /// Posted, in microseconds.
    pub created_at: i64,
    /// First official reply, in microseconds.
    pub first_official_at: Option<i64>,
}

/// A staff member who answered in public, and how often.
#[derive(Clone, Debug)]
pub struct Answerer {
    /// The staff member.
    pub user_id: UserId,
    /// Their real name.
    pub name: String,
    /// Their role.
    pub role: String,
    /// Their public title, if set.
    pub title: Option<String>,
    /// A line about them, if set.
    pub bio: Option<String>,
    /// Official replies in the window.
    pub replies: i64,
}

impl Db {
    /// One topic by id, whatever its visibility.
    pub async fn topic(&self, ws: WorkspaceId, id: TopicId) -> Result<Topic> {
        let sql = format!("SELECT {TOPIC_COLUMNS} FROM community_topics t WHERE t.workspace_id = $1 AND t.id = $2");
        let row: Option<TopicRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_topic()
    }

    /// One topic by its slug, whatever its visibility.
    pub async fn topic_by_slug(&self, ws: WorkspaceId, slug: &str) -> Result<Topic> {
        let sql = format!("SELECT {TOPIC_COLUMNS} FROM community_topics t WHERE t.workspace_id = $1 AND t.slug = $2");
        let row: Option<TopicRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(slug).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_topic()
    }

    /// Topics by id, in the order of `ids`, whatever their visibility.
    pub async fn topics_by_ids(&self, ws: WorkspaceId, ids: &[TopicId]) -> Result<Vec<Topic>> {
        let mut sql = Sql::new(&format!(
            "SELECT {TOPIC_COLUMNS} FROM community_topics t WHERE t.workspace_id = "
        ));
        sql.bind(Arg::Uuid(ws.as_uuid()))
            .push(" AND t.id IN ")
            .bind_list(ids.iter().map(|i| i.as_uuid()));
        let rows: Vec<TopicRow> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        let mut topics: Vec<Topic> = rows.into_iter().map(TopicRow::into_topic).collect::<Result<_>>()?;
        topics.sort_by_key(|t| ids.iter().position(|i| *i == t.id).unwrap_or(usize::MAX));
        Ok(topics)
    }

    /// A topic's replies, oldest first, in one query; hidden and pending ones
    /// only when `all`.
    pub async fn replies(&self, ws: WorkspaceId, topic: TopicId, all: bool) -> Result<Vec<Reply>> {
        let sql = format!(
            "SELECT {REPLY_COLUMNS} FROM community_replies r WHERE r.workspace_id = $1 AND r.topic_id = $2 \
             AND ($3 OR r.visibility = 'published') ORDER BY r.id"
        );
        let rows: Vec<ReplyRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(topic.as_uuid()).bind(all).fetch_all(p).await)?;
        rows.into_iter().map(ReplyRow::into_reply).collect()
    }

    /// A topic's status changes, oldest first.
    pub async fn status_changes(&self, ws: WorkspaceId, topic: TopicId) -> Result<Vec<StatusChange>> {
        type Row = (Uuid, String, String, String, Option<Uuid>, String, Option<String>, i64);
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT id, status, note, note_html, user_id, author_name, author_role, created_at FROM community_status_changes \
             WHERE workspace_id = $1 AND topic_id = $2 ORDER BY id")
            .bind(ws.as_uuid()).bind(topic.as_uuid()).fetch_all(p).await)?;
        rows.into_iter()
            .map(|(id, status, note, note_html, user, name, role, at)| {
                Ok(StatusChange {
                    id,
                    status: status.parse().map_err(|e| corrupt("status", e))?,
                    note,
                    note_html,
                    user_id: user.map(UserId::from_uuid),
                    author_name: name,
                    author_role: role,
                    created_at: from_micros(at),
                })
            })
            .collect()
    }

    /// Published topics, most recently active first, by keyset.
    pub async fn list_topics(&self, ws: WorkspaceId, f: &TopicFilter, limit: u32) -> Result<TopicPage> {
        let limit = limit.clamp(1, 200) as i64;
        let mut sql = Sql::new(&format!(
            "SELECT {TOPIC_COLUMNS} FROM community_topics t WHERE t.workspace_id = "
        ));
        sql.bind(Arg::Uuid(ws.as_uuid()))
            .push(" AND t.visibility = 'published'");
        if let Some(k) = f.kind {
            sql.push(" AND t.kind = ").bind(Arg::Text(k.as_str().into()));
        }
        if let Some(s) = f.status {
            sql.push(" AND t.status = ").bind(Arg::Text(s.as_str().into()));
        }
        if let Some(tag) = &f.tag {
            sql.push(" AND EXISTS (SELECT 1 FROM community_topic_tags g WHERE g.workspace_id = t.workspace_id AND g.topic_id = t.id AND g.tag = ")
                .bind(Arg::Text(tag.clone()))
                .push(")");
        }
        if let Some((at, id)) = f.before {
            let at = to_micros(at);
            sql.push(" AND (t.last_activity_at < ")
                .bind(Arg::I64(at))
                .push(" OR (t.last_activity_at = ")
                .bind(Arg::I64(at))
                .push(" AND t.id < ")
                .bind(Arg::Uuid(id.as_uuid()))
                .push("))");
        }
        sql.push(" ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ")
            .bind(Arg::I64(limit + 1));
        let rows: Vec<TopicRow> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        let mut items: Vec<Topic> = rows.into_iter().map(TopicRow::into_topic).collect::<Result<_>>()?;
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next = if more {
            items.last().map(|t| (t.last_activity_at, t.id))
        } else {
            None
        };
        Ok(TopicPage { items, next })
    }

    /// Newest published topics (for feeds), optionally with a tag.
    pub async fn newest_topics(&self, ws: WorkspaceId, tag: Option<&str>, limit: u32) -> Result<Vec<Topic>> {
        let sql = format!(
            "SELECT {TOPIC_COLUMNS} FROM community_topics t WHERE t.workspace_id = $1 AND t.visibility = 'published' \
             AND ($2 IS NULL OR EXISTS (SELECT 1 FROM community_topic_tags g WHERE g.workspace_id = t.workspace_id \
             AND g.topic_id = t.id AND g.tag = $2)) ORDER BY t.created_at DESC, t.id DESC LIMIT $3"
        );
        let rows: Vec<TopicRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(tag).bind(limit.clamp(1, 200) as i64).fetch_all(p).await)?;
        rows.into_iter().map(TopicRow::into_topic).collect()
    }

    /// Published topics without an official reply that are open to one,
    /// oldest first: what the staff should answer next.
    pub async fn topics_waiting(&self, ws: WorkspaceId, limit: u32) -> Result<Vec<Topic>> {
        let sql = format!(
            "SELECT {TOPIC_COLUMNS} FROM community_topics t WHERE t.workspace_id = $1 AND t.visibility = 'published' \
             AND t.first_official_at IS NULL AND t.private_note IS NULL ORDER BY t.created_at, t.id LIMIT $2"
        );
        let rows: Vec<TopicRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(limit.clamp(1, 500) as i64).fetch_all(p).await)?;
        rows.into_iter().map(TopicRow::into_topic).collect()
    }

    /// Topics and replies waiting in the moderation queue, oldest first; each
    /// reply comes with its topic.
    pub async fn moderation_queue(&self, ws: WorkspaceId) -> Result<(Vec<Topic>, Vec<(Reply, Topic)>)> {
        let sql = format!(
            "SELECT {TOPIC_COLUMNS} FROM community_topics t WHERE t.workspace_id = $1 AND t.visibility = 'pending' \
             ORDER BY t.id LIMIT 200"
        );
        let rows: Vec<TopicRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        let topics = rows.into_iter().map(TopicRow::into_topic).collect::<Result<Vec<_>>>()?;
        let sql = format!(
            "SELECT {REPLY_COLUMNS} FROM community_replies r WHERE r.workspace_id = $1 AND r.visibility = 'pending' \
             ORDER BY r.id LIMIT 200"
        );
        let rows: Vec<ReplyRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        let replies = rows.into_iter().map(ReplyRow::into_reply).collect::<Result<Vec<_>>>()?;
        let ids: Vec<TopicId> = replies.iter().map(|r| r.topic_id).collect();
        let parents = self.topics_by_ids(ws, &ids).await?;
        let mut out = Vec::new();
        for r in replies {
            if let Some(t) = parents.iter().find(|t| t.id == r.topic_id) {
                out.push((r, t.clone()));
            }
        }
        Ok((topics, out))
    }

    /// One reply, whatever its visibility.
    pub async fn reply(&self, ws: WorkspaceId, id: candor_core::community::ReplyId) -> Result<Reply> {
        let sql = format!("SELECT {REPLY_COLUMNS} FROM community_replies r WHERE r.workspace_id = $1 AND r.id = $2");
        let row: Option<ReplyRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_reply()
    }

    /// The rows behind the figures: topics posted since `since` that the
    /// public saw (published, merged or moved private).
    pub async fn figure_rows(&self, ws: WorkspaceId, since: Timestamp) -> Result<Vec<FigureRow>> {
        let rows: Vec<FigureRow> = read!(self, p => sqlx::query_as(
            "SELECT kind, status, created_at, first_official_at FROM community_topics WHERE workspace_id = $1 \
             AND created_at >= $2 AND visibility IN ('published', 'merged')")
            .bind(ws.as_uuid()).bind(to_micros(since)).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Staff who answered officially since `since`, most replies first.
    pub async fn answerers(&self, ws: WorkspaceId, since: Timestamp) -> Result<Vec<Answerer>> {
        type Row = (Uuid, String, String, Option<String>, Option<String>, i64);
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT u.id, u.name, u.role, cp.title, cp.bio, COUNT(*) FROM community_replies r \
             JOIN users u ON u.id = r.user_id AND u.workspace_id = r.workspace_id \
             LEFT JOIN community_people cp ON cp.workspace_id = u.workspace_id AND cp.user_id = u.id \
             WHERE r.workspace_id = $1 AND r.official AND r.visibility = 'published' AND r.created_at >= $2 AND u.active \
             GROUP BY u.id, u.name, u.role, cp.title, cp.bio ORDER BY COUNT(*) DESC, u.name LIMIT 50")
            .bind(ws.as_uuid()).bind(to_micros(since)).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, role, title, bio, replies)| Answerer {
                user_id: UserId::from_uuid(id),
                name,
                role,
                title,
                bio,
                replies,
            })
            .collect())
    }

    /// The community's settings (defaults when never set).
    pub async fn community_settings(&self, ws: WorkspaceId) -> Result<Settings> {
        let row: Option<(bool, String)> = read!(self, p => sqlx::query_as(
            "SELECT moderate_first_posts, about FROM community_settings WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_optional(p).await)?;
        Ok(row
            .map(|(moderate_first_posts, about)| Settings {
                moderate_first_posts,
                about,
            })
            .unwrap_or_default())
    }

    /// A staff member's public title, if set.
    pub async fn community_person(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Person>> {
        let row: Option<(String, String)> = read!(self, p => sqlx::query_as(
            "SELECT title, bio FROM community_people WHERE workspace_id = $1 AND user_id = $2")
            .bind(ws.as_uuid()).bind(user.as_uuid()).fetch_optional(p).await)?;
        Ok(row.map(|(title, bio)| Person {
            user_id: user,
            title,
            bio,
        }))
    }

    /// Live, named customers with an email address, oldest first: who may
    /// post (the demo picks its posters here).
    pub async fn named_customers_with_email(
        &self,
        ws: WorkspaceId,
        limit: u32,
    ) -> Result<Vec<(candor_core::CustomerId, String, String)>> {
        let rows: Vec<(Uuid, String, String)> = read!(self, p => sqlx::query_as(
            "SELECT c.id, c.name, MIN(i.value) FROM customers c JOIN customer_identities i ON i.customer_id = c.id \
             AND i.workspace_id = c.workspace_id AND i.kind = 'email' WHERE c.workspace_id = $1 AND c.merged_into IS NULL \
             AND c.name <> '' GROUP BY c.id, c.name ORDER BY c.id LIMIT $2")
            .bind(ws.as_uuid()).bind(limit.clamp(1, 1000) as i64).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, email)| (candor_core::CustomerId::from_uuid(id), name, email))
            .collect())
    }

    /// Tags in use on published topics, most used first.
    pub async fn community_tags(&self, ws: WorkspaceId, limit: u32) -> Result<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = read!(self, p => sqlx::query_as(
            "SELECT g.tag, COUNT(*) FROM community_topic_tags g JOIN community_topics t ON t.id = g.topic_id \
             AND t.workspace_id = g.workspace_id WHERE g.workspace_id = $1 AND t.visibility = 'published' \
             GROUP BY g.tag ORDER BY COUNT(*) DESC, g.tag LIMIT $2")
            .bind(ws.as_uuid()).bind(limit.clamp(1, 200) as i64).fetch_all(p).await)?;
        Ok(rows)
    }
}

impl Tx {
    /// Sets the community's settings.
    pub async fn set_community_settings(&mut self, now: Timestamp, ws: WorkspaceId, s: &Settings) -> Result<()> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO community_settings (workspace_id, moderate_first_posts, about, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id) DO UPDATE SET moderate_first_posts = $2, about = $3, updated_at = $4")
            .bind(ws.as_uuid()).bind(s.moderate_first_posts).bind(&s.about).bind(to_micros(now))
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Sets a staff member's public title and line.
    pub async fn set_community_person(&mut self, ws: WorkspaceId, p: &Person) -> Result<()> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO community_people (workspace_id, user_id, title, bio) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id, user_id) DO UPDATE SET title = $3, bio = $4")
            .bind(ws.as_uuid()).bind(p.user_id.as_uuid()).bind(&p.title).bind(&p.bio)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The community's settings as this transaction sees them.
    pub async fn community_settings_in_tx(&mut self, ws: WorkspaceId) -> Result<Settings> {
        let row: Option<(bool, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT moderate_first_posts, about FROM community_settings WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_optional(&mut **c).await)?;
        Ok(row
            .map(|(moderate_first_posts, about)| Settings {
                moderate_first_posts,
                about,
            })
            .unwrap_or_default())
    }
}

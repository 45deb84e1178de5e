//! Writing topics, replies and status changes, inside the caller's
//! transaction, keeping the counters on the topic row true.

use super::{REPLY_COLUMNS, Reply, ReplyRow, TOPIC_COLUMNS, Topic, TopicRow};
use crate::db::{Backend, Tx, on_tx};
use crate::error::{Result, StoreError};
use candor_core::clock::to_micros;
use candor_core::community::{Mood, ReplyId, TopicId, TopicKind, TopicStatus, Visibility, topic_slug, unique_slug};
use candor_core::{CustomerId, UserId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// A topic about to be posted.
#[derive(Clone, Debug)]
pub struct NewTopic<'a> {
    /// Question, problem, idea or praise.
    pub kind: TopicKind,
    /// Checked title.
    pub title: &'a str,
    /// Checked Markdown.
    pub body: &'a str,
    /// Sanitised HTML of the body.
    pub body_html: &'a str,
    /// The poster's mood.
    pub mood: Option<Mood>,
    /// The poster.
    pub customer_id: CustomerId,
    /// The poster's real name.
    pub author_name: &'a str,
    /// Normalised tags.
    pub tags: &'a [String],
    /// Published, or pending moderation.
    pub visibility: Visibility,
}

/// A reply about to be written.
#[derive(Clone, Debug)]
pub struct NewReply<'a> {
    /// The topic.
    pub topic_id: TopicId,
    /// The customer writing, if a customer is.
    pub customer_id: Option<CustomerId>,
    /// The staff member writing, if one is.
    pub user_id: Option<UserId>,
    /// The author's real name.
    pub author_name: &'a str,
    /// A staff author's role or title.
    pub author_role: Option<&'a str>,
    /// Whether it speaks for the company.
    pub official: bool,
    /// Checked Markdown.
    pub body: &'a str,
    /// Sanitised HTML.
    pub body_html: &'a str,
    /// Published, or pending moderation.
    pub visibility: Visibility,
}

/// Who changed a status, as shown beside it.
#[derive(Clone, Copy, Debug)]
pub struct StatusAuthor<'a> {
    /// The staff member.
    pub user_id: UserId,
    /// Their real name.
    pub name: &'a str,
    /// Their role or title.
    pub role: &'a str,
}

fn json_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("cannot write JSON: {e}")))
}

impl Tx {
    /// Posts a topic with a slug unique in the workspace, its tags, and its
    /// search entry.
    pub async fn create_topic(&mut self, now: Timestamp, ws: WorkspaceId, t: &NewTopic<'_>) -> Result<Topic> {
        let id = TopicId::new_at(now);
        let base = topic_slug(t.title);
        let taken: Option<(Uuid,)> = on_tx!(self, c => sqlx::query_as(
            "SELECT id FROM community_topics WHERE workspace_id = $1 AND slug = $2")
            .bind(ws.as_uuid()).bind(&base).fetch_optional(&mut **c).await)?;
        let slug = if taken.is_some() {
            unique_slug(&base, id.as_uuid())
        } else {
            base
        };
        let at = to_micros(now);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO community_topics (id, workspace_id, slug, kind, title, body, body_html, mood, customer_id, \
             author_name, status, visibility, locked, tags, me_too, followers, replies, last_activity_at, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'new', $11, FALSE, $12, 0, 0, 0, $13, $13, $13)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(&slug).bind(t.kind.as_str()).bind(t.title).bind(t.body)
            .bind(t.body_html).bind(t.mood.map(|m| m.as_str())).bind(t.customer_id.as_uuid()).bind(t.author_name)
            .bind(t.visibility.as_str()).bind(json_text(&t.tags)?).bind(at)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.write_topic_tags(ws, id, t.tags).await?;
        self.index_post(ws, id, None, t.title, t.body).await?;
        self.topic_in_tx(ws, id).await
    }

    async fn write_topic_tags(&mut self, ws: WorkspaceId, topic: TopicId, tags: &[String]) -> Result<()> {
        on_tx!(self, c => sqlx::query("DELETE FROM community_topic_tags WHERE workspace_id = $1 AND topic_id = $2")
            .bind(ws.as_uuid()).bind(topic.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        for tag in tags {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO community_topic_tags (workspace_id, topic_id, tag) VALUES ($1, $2, $3)")
                .bind(ws.as_uuid()).bind(topic.as_uuid()).bind(tag).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Adds a post to the search index. PostgreSQL indexes its generated
    /// tsvector columns by itself; SQLite keeps an FTS5 table.
    async fn index_post(
        &mut self,
        ws: WorkspaceId,
        topic: TopicId,
        reply: Option<ReplyId>,
        title: &str,
        body: &str,
    ) -> Result<()> {
        if self.backend() == Backend::Sqlite {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO community_fts (title, body, workspace_id, topic_id, reply_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(title).bind(body).bind(ws.as_uuid()).bind(topic.as_uuid()).bind(reply.map(|r| r.as_uuid()))
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// A topic as this transaction sees it.
    pub async fn topic_in_tx(&mut self, ws: WorkspaceId, id: TopicId) -> Result<Topic> {
        let sql = format!("SELECT {TOPIC_COLUMNS} FROM community_topics t WHERE t.workspace_id = $1 AND t.id = $2");
        let row: Option<TopicRow> = on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **c).await)?;
        row.ok_or(StoreError::NotFound)?.into_topic()
    }

    /// A reply as this transaction sees it.
    pub async fn reply_in_tx(&mut self, ws: WorkspaceId, id: ReplyId) -> Result<Reply> {
        let sql = format!("SELECT {REPLY_COLUMNS} FROM community_replies r WHERE r.workspace_id = $1 AND r.id = $2");
        let row: Option<ReplyRow> = on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **c).await)?;
        row.ok_or(StoreError::NotFound)?.into_reply()
    }

    /// Writes a reply and, when it is published, counts it on its topic.
    pub async fn add_reply(&mut self, now: Timestamp, ws: WorkspaceId, r: &NewReply<'_>) -> Result<Reply> {
        let id = ReplyId::new_at(now);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO community_replies (id, workspace_id, topic_id, customer_id, user_id, author_name, author_role, \
             official, body, body_html, visibility, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(r.topic_id.as_uuid()).bind(r.customer_id.map(|c| c.as_uuid()))
            .bind(r.user_id.map(|u| u.as_uuid())).bind(r.author_name).bind(r.author_role).bind(r.official)
            .bind(r.body).bind(r.body_html).bind(r.visibility.as_str()).bind(to_micros(now))
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.index_post(ws, r.topic_id, Some(id), "", r.body).await?;
        self.recount_topic(now, ws, r.topic_id, r.visibility == Visibility::Published)
            .await?;
        self.reply_in_tx(ws, id).await
    }

    /// Recomputes a topic's counters from its rows; `activity` also moves its
    /// last activity to `now`. Every change marks it updated (for caches).
    pub async fn recount_topic(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        topic: TopicId,
        activity: bool,
    ) -> Result<()> {
        let at = to_micros(now);
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE community_topics SET \
             replies = (SELECT COUNT(*) FROM community_replies r WHERE r.workspace_id = $1 AND r.topic_id = $2 AND r.visibility = 'published'), \
             me_too = (SELECT COUNT(*) FROM community_me_too m WHERE m.workspace_id = $1 AND m.topic_id = $2), \
             followers = (SELECT COUNT(*) FROM community_followers f WHERE f.workspace_id = $1 AND f.topic_id = $2), \
             first_official_at = (SELECT MIN(r.created_at) FROM community_replies r WHERE r.workspace_id = $1 AND r.topic_id = $2 \
                AND r.visibility = 'published' AND r.official), \
             last_activity_at = CASE WHEN $3 THEN $4 ELSE last_activity_at END, \
             updated_at = CASE WHEN updated_at >= $4 THEN updated_at + 1 ELSE $4 END \
             WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(topic.as_uuid()).bind(activity).bind(at)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Sets a topic's status with its note, and records the change.
    pub async fn set_topic_status(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        topic: TopicId,
        status: TopicStatus,
        note: (&str, &str),
        by: Option<StatusAuthor<'_>>,
    ) -> Result<()> {
        let (note, note_html) = note;
        let at = to_micros(now);
        on_tx!(self, c => sqlx::query(
            "UPDATE community_topics SET status = $1, status_note = $2, status_at = $3 WHERE workspace_id = $4 AND id = $5")
            .bind(status.as_str()).bind(note).bind(at).bind(ws.as_uuid()).bind(topic.as_uuid())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if !note.is_empty() {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO community_status_changes (id, workspace_id, topic_id, status, note, note_html, user_id, \
                 author_name, author_role, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(Uuid::now_v7()).bind(ws.as_uuid()).bind(topic.as_uuid()).bind(status.as_str()).bind(note)
                .bind(note_html).bind(by.map(|b| b.user_id.as_uuid())).bind(by.map_or("", |b| b.name))
                .bind(by.map(|b| b.role)).bind(at)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        self.recount_topic(now, ws, topic, true).await
    }

    /// Marks a reply as a question's accepted answer (or none).
    pub async fn set_accepted(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        topic: TopicId,
        reply: Option<ReplyId>,
    ) -> Result<()> {
        let status = if reply.is_some() {
            TopicStatus::Answered
        } else {
            TopicStatus::New
        };
        on_tx!(self, c => sqlx::query(
            "UPDATE community_topics SET accepted_reply_id = $1, status = $2, status_at = $3 WHERE workspace_id = $4 AND id = $5")
            .bind(reply.map(|r| r.as_uuid())).bind(status.as_str()).bind(to_micros(now)).bind(ws.as_uuid())
            .bind(topic.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.recount_topic(now, ws, topic, true).await
    }

    /// Sets who may see a topic.
    pub async fn set_topic_visibility(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        topic: TopicId,
        v: Visibility,
    ) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE community_topics SET visibility = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(v.as_str()).bind(ws.as_uuid()).bind(topic.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.recount_topic(now, ws, topic, false).await
    }

    /// Sets who may see a reply, and recounts its topic.
    pub async fn set_reply_visibility(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        reply: &Reply,
        v: Visibility,
    ) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE community_replies SET visibility = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(v.as_str()).bind(ws.as_uuid()).bind(reply.id.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.recount_topic(now, ws, reply.topic_id, v == Visibility::Published)
            .await
    }

    /// Locks or unlocks a topic.
    pub async fn set_locked(&mut self, now: Timestamp, ws: WorkspaceId, topic: TopicId, locked: bool) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE community_topics SET locked = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(locked).bind(ws.as_uuid()).bind(topic.as_uuid()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.recount_topic(now, ws, topic, false).await
    }

    /// Changes a topic's kind, tags and (when the old one no longer fits) status.
    pub async fn move_topic(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        topic: TopicId,
        kind: TopicKind,
        tags: &[String],
        status: TopicStatus,
    ) -> Result<()> {
        on_tx!(self, c => sqlx::query(
            "UPDATE community_topics SET kind = $1, tags = $2, status = $3 WHERE workspace_id = $4 AND id = $5")
            .bind(kind.as_str()).bind(json_text(&tags)?).bind(status.as_str()).bind(ws.as_uuid()).bind(topic.as_uuid())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.write_topic_tags(ws, topic, tags).await?;
        self.recount_topic(now, ws, topic, false).await
    }

    /// Merges the duplicate `from` into `into`: its replies, "me too"s and
    /// followers move over (each person counted once), its opening post
    /// becomes a reply, and its page will redirect.
    pub async fn merge_topics(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        from: &Topic,
        into: TopicId,
        opening_html: &str,
    ) -> Result<()> {
        let (w, f, i) = (ws.as_uuid(), from.id.as_uuid(), into.as_uuid());
        let opening = NewReply {
            topic_id: into,
            customer_id: Some(from.customer_id),
            user_id: None,
            author_name: &from.author_name,
            author_role: None,
            official: false,
            body: &from.body,
            body_html: opening_html,
            visibility: Visibility::Published,
        };
        let id = ReplyId::new_at(from.created_at);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO community_replies (id, workspace_id, topic_id, customer_id, user_id, author_name, author_role, \
             official, body, body_html, visibility, created_at) VALUES ($1, $2, $3, $4, NULL, $5, NULL, FALSE, $6, $7, 'published', $8)")
            .bind(id.as_uuid()).bind(w).bind(i).bind(from.customer_id.as_uuid()).bind(opening.author_name)
            .bind(opening.body).bind(opening.body_html).bind(to_micros(from.created_at))
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.index_post(ws, into, Some(id), "", &from.body).await?;
        on_tx!(self, c => sqlx::query("UPDATE community_replies SET topic_id = $1 WHERE workspace_id = $2 AND topic_id = $3")
            .bind(i).bind(w).bind(f).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        for table in ["community_me_too", "community_followers"] {
            // Move each person's row unless they already have one on the survivor.
            let sql = format!(
                "UPDATE {table} SET topic_id = $1 WHERE workspace_id = $2 AND topic_id = $3 AND customer_id NOT IN \
                 (SELECT customer_id FROM {table} WHERE workspace_id = $2 AND topic_id = $1)"
            );
            on_tx!(self, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i).bind(w).bind(f)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            let sql = format!("DELETE FROM {table} WHERE workspace_id = $1 AND topic_id = $2");
            on_tx!(self, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(w).bind(f)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        if self.backend() == Backend::Sqlite {
            on_tx!(self, c => sqlx::query("UPDATE community_fts SET topic_id = $1 WHERE topic_id = $2 AND reply_id IS NOT NULL")
                .bind(i).bind(f).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        on_tx!(self, c => sqlx::query(
            "UPDATE community_topics SET visibility = 'merged', merged_into = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(i).bind(w).bind(f).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        // Topics merged into `from` before now point at the survivor.
        on_tx!(self, c => sqlx::query(
            "UPDATE community_topics SET merged_into = $1 WHERE workspace_id = $2 AND merged_into = $3")
            .bind(i).bind(w).bind(f).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.recount_topic(now, ws, from.id, false).await?;
        self.recount_topic(now, ws, into, true).await
    }

    /// Notes that a topic moved to a private conversation, and locks it.
    pub async fn set_private(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        topic: TopicId,
        conversation: Option<Uuid>,
        note: &str,
    ) -> Result<()> {
        on_tx!(self, c => sqlx::query(
            "UPDATE community_topics SET private_note = $1, conversation_id = $2, locked = TRUE WHERE workspace_id = $3 AND id = $4")
            .bind(note).bind(conversation).bind(ws.as_uuid()).bind(topic.as_uuid())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        self.recount_topic(now, ws, topic, true).await
    }

    /// How many published posts a customer has in the workspace (to tell new posters).
    pub async fn published_posts_by(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<i64> {
        let n: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM community_topics WHERE workspace_id = $1 AND customer_id = $2 AND visibility IN ('published', 'merged')) \
             + (SELECT COUNT(*) FROM community_replies WHERE workspace_id = $1 AND customer_id = $2 AND visibility = 'published')")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_one(&mut **c).await)?;
        Ok(n)
    }
}

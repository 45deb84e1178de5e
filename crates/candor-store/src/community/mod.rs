//! The public community's storage: topics, replies, status changes, "me
//! too"s, followers, customers' sign-in links and sessions, posting limits,
//! search over both databases, and the figures of the company profile.

pub mod members;
pub mod reads;
pub mod search;
pub mod topics;

use crate::error::{Result, StoreError};
use candor_core::clock::from_micros;
use candor_core::community::{Mood, ReplyId, TopicId, TopicKind, TopicStatus, Visibility};
use candor_core::{CustomerId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A topic with everything on its row.
#[derive(Clone, Debug, Serialize)]
pub struct Topic {
    /// Its id.
    pub id: TopicId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// Its URL slug, unique in the workspace.
    pub slug: String,
    /// Question, problem, idea or praise.
    pub kind: TopicKind,
    /// The title.
    pub title: String,
    /// The opening post as written (Markdown).
    pub body: String,
    /// The opening post rendered and sanitised.
    pub body_html: String,
    /// How the poster felt.
    pub mood: Option<Mood>,
    /// Who posted it.
    pub customer_id: CustomerId,
    /// The poster's name when they posted.
    pub author_name: String,
    /// Where it stands.
    pub status: TopicStatus,
    /// The candid note that came with the status.
    pub status_note: Option<String>,
    /// When the status last changed.
    pub status_at: Option<Timestamp>,
    /// Who may see it.
    pub visibility: Visibility,
    /// No new replies from customers.
    pub locked: bool,
    /// The topic it was merged into.
    pub merged_into: Option<TopicId>,
    /// The public note left when it moved to a private conversation.
    pub private_note: Option<String>,
    /// The private conversation it moved to.
    pub conversation_id: Option<Uuid>,
    /// A question's accepted answer.
    pub accepted_reply_id: Option<ReplyId>,
    /// Tags or product areas.
    pub tags: Vec<String>,
    /// How many others have the same question, problem or wish.
    pub me_too: i64,
    /// How many follow it.
    pub followers: i64,
    /// Published replies.
    pub replies: i64,
    /// When the company first answered officially.
    pub first_official_at: Option<Timestamp>,
    /// The last reply or change.
    pub last_activity_at: Timestamp,
    /// When it was posted.
    pub created_at: Timestamp,
    /// When anything on it last changed (for caches).
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TopicRow {
    id: Uuid,
    workspace_id: Uuid,
    slug: String,
    kind: String,
    title: String,
    body: String,
    body_html: String,
    mood: Option<String>,
    customer_id: Uuid,
    author_name: String,
    status: String,
    status_note: Option<String>,
    status_at: Option<i64>,
    visibility: String,
    locked: bool,
    merged_into: Option<Uuid>,
    private_note: Option<String>,
    conversation_id: Option<Uuid>,
    accepted_reply_id: Option<Uuid>,
    tags: String,
    me_too: i64,
    followers: i64,
    replies: i64,
    first_official_at: Option<i64>,
    last_activity_at: i64,
    created_at: i64,
    updated_at: i64,
}

pub(crate) const TOPIC_COLUMNS: &str = "t.id, t.workspace_id, t.slug, t.kind, t.title, t.body, t.body_html, t.mood, \
    t.customer_id, t.author_name, t.status, t.status_note, t.status_at, t.visibility, t.locked, t.merged_into, \
    t.private_note, t.conversation_id, t.accepted_reply_id, t.tags, t.me_too, t.followers, t.replies, \
    t.first_official_at, t.last_activity_at, t.created_at, t.updated_at";

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("community {what}: {e}"))
}

impl TopicRow {
    pub(crate) fn into_topic(self) -> Result<Topic> {
        Ok(Topic {
            id: TopicId::from_uuid(self.id),
            workspace_id: WorkspaceId::from_uuid(self.workspace_id),
            slug: self.slug,
            kind: self.kind.parse().map_err(|e| corrupt("kind", e))?,
            title: self.title,
            body: self.body,
            body_html: self.body_html,
            mood: self
                .mood
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e| corrupt("mood", e))?,
            customer_id: CustomerId::from_uuid(self.customer_id),
            author_name: self.author_name,
            status: self.status.parse().map_err(|e| corrupt("status", e))?,
            status_note: self.status_note,
            status_at: self.status_at.map(from_micros),
            visibility: self.visibility.parse().map_err(|e| corrupt("visibility", e))?,
            locked: self.locked,
            merged_into: self.merged_into.map(TopicId::from_uuid),
            private_note: self.private_note,
            conversation_id: self.conversation_id,
            accepted_reply_id: self.accepted_reply_id.map(ReplyId::from_uuid),
            tags: serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?,
            me_too: self.me_too,
            followers: self.followers,
            replies: self.replies,
            first_official_at: self.first_official_at.map(from_micros),
            last_activity_at: from_micros(self.last_activity_at),
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
        })
    }
}

/// A reply to a topic.
#[derive(Clone, Debug, Serialize)]
pub struct Reply {
    /// Its id.
    pub id: ReplyId,
    /// The topic it answers.
    pub topic_id: TopicId,
    /// The customer who wrote it, if a customer did.
    pub customer_id: Option<CustomerId>,
    /// The staff member who wrote it, if one did.
    pub user_id: Option<UserId>,
    /// The author's real name when they wrote it.
    pub author_name: String,
    /// A staff author's role or title.
    pub author_role: Option<String>,
    /// Whether the company speaks in it.
    pub official: bool,
    /// As written (Markdown).
    pub body: String,
    /// Rendered and sanitised.
    pub body_html: String,
    /// Who may see it.
    pub visibility: Visibility,
    /// When.
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ReplyRow {
    id: Uuid,
    topic_id: Uuid,
    customer_id: Option<Uuid>,
    user_id: Option<Uuid>,
    author_name: String,
    author_role: Option<String>,
    official: bool,
    body: String,
    body_html: String,
    visibility: String,
    created_at: i64,
}

pub(crate) const REPLY_COLUMNS: &str = "r.id, r.topic_id, r.customer_id, r.user_id, r.author_name, r.author_role, \
    r.official, r.body, r.body_html, r.visibility, r.created_at";

impl ReplyRow {
    pub(crate) fn into_reply(self) -> Result<Reply> {
        Ok(Reply {
            id: ReplyId::from_uuid(self.id),
            topic_id: TopicId::from_uuid(self.topic_id),
            customer_id: self.customer_id.map(CustomerId::from_uuid),
            user_id: self.user_id.map(UserId::from_uuid),
            author_name: self.author_name,
            author_role: self.author_role,
            official: self.official,
            body: self.body,
            body_html: self.body_html,
            visibility: self.visibility.parse().map_err(|e| corrupt("visibility", e))?,
            created_at: from_micros(self.created_at),
        })
    }
}

/// A status change with its candid note.
#[derive(Clone, Debug, Serialize)]
pub struct StatusChange {
    /// Its id.
    pub id: Uuid,
    /// The new status.
    pub status: TopicStatus,
    /// The explanation as written.
    pub note: String,
    /// The explanation rendered and sanitised.
    pub note_html: String,
    /// Who changed it.
    pub user_id: Option<UserId>,
    /// Their real name.
    pub author_name: String,
    /// Their role or title.
    pub author_role: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

/// The community's settings and profile.
#[derive(Clone, Debug, Serialize, Default)]
pub struct Settings {
    /// Whether a poster's first post waits for a moderator.
    pub moderate_first_posts: bool,
    /// What the company is, in Markdown, for the profile page.
    pub about: String,
}

/// A staff member's public title (e.g. "Head of support").
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    /// The staff member.
    pub user_id: UserId,
    /// Their title.
    pub title: String,
    /// A line about them.
    pub bio: String,
}

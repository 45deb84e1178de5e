//! Topics and replies as the API shows them.

use super::topic_path;
use candor_store::community::{Reply, StatusChange, Topic};
use jiff::Timestamp;
use serde::Serialize;

/// A topic's author as shown.
#[derive(Clone, Debug, Serialize)]
pub struct TopicAuthor {
    /// The poster's real name.
    pub name: String,
    /// The customer's id.
    pub customer_id: String,
}

/// A topic as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct TopicView {
    /// Id.
    pub id: String,
    /// URL slug.
    pub slug: String,
    /// The public page's path.
    pub url: String,
    /// question, problem, idea or praise.
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// new, answered, acknowledged, planned, in-progress, done or wont-do.
    pub status: &'static str,
    /// The candid note with the status.
    pub status_note: Option<String>,
    /// "Me too" count.
    pub me_too: i64,
    /// Followers.
    pub followers: i64,
    /// Published replies.
    pub replies: i64,
    /// The poster's mood.
    pub mood: Option<&'static str>,
    /// Tags or product areas.
    pub tags: Vec<String>,
    /// published, pending, hidden, rejected or merged.
    pub visibility: &'static str,
    /// No new replies from customers.
    pub locked: bool,
    /// The topic it was merged into.
    pub merged_into: Option<String>,
    /// A question's accepted answer.
    pub accepted_reply_id: Option<String>,
    /// The note left when it moved to a private conversation.
    pub private_note: Option<String>,
    /// The poster.
    pub author: TopicAuthor,
    /// The opening post (Markdown).
    pub body: String,
    /// The opening post as sanitised HTML.
    pub body_html: String,
    /// When the company first answered officially.
    pub first_official_at: Option<Timestamp>,
    /// Posted.
    pub created_at: Timestamp,
    /// Last reply or change.
    pub last_activity_at: Timestamp,
}

impl TopicView {
    /// The view of a topic in the workspace with slug `ws_slug`.
    pub fn of(t: &Topic, ws_slug: &str) -> Self {
        TopicView {
            id: t.id.to_string(),
            slug: t.slug.clone(),
            url: topic_path(ws_slug, &t.slug),
            kind: t.kind.as_str(),
            title: t.title.clone(),
            status: t.status.as_str(),
            status_note: t.status_note.clone(),
            me_too: t.me_too,
            followers: t.followers,
            replies: t.replies,
            mood: t.mood.map(|m| m.as_str()),
            tags: t.tags.clone(),
            visibility: t.visibility.as_str(),
            locked: t.locked,
            merged_into: t.merged_into.map(|m| m.to_string()),
            accepted_reply_id: t.accepted_reply_id.map(|r| r.to_string()),
            private_note: t.private_note.clone(),
            author: TopicAuthor {
                name: t.author_name.clone(),
                customer_id: t.customer_id.to_string(),
            },
            body: t.body.clone(),
            body_html: t.body_html.clone(),
            first_official_at: t.first_official_at,
            created_at: t.created_at,
            last_activity_at: t.last_activity_at,
        }
    }
}

/// A reply's author as shown.
#[derive(Clone, Debug, Serialize)]
pub struct ReplyAuthor {
    /// customer or staff.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The real name.
    pub name: String,
    /// A staff member's role or title; none for customers.
    pub role: Option<String>,
}

/// A reply as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ReplyView {
    /// Id.
    pub id: String,
    /// The topic.
    pub topic_id: String,
    /// Whether the company speaks in it.
    pub official: bool,
    /// Who wrote it.
    pub author: ReplyAuthor,
    /// Markdown.
    pub body: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// published, pending, hidden or rejected.
    pub visibility: &'static str,
    /// When.
    pub created_at: Timestamp,
}

impl ReplyView {
    /// The view of a reply.
    pub fn of(r: &Reply) -> Self {
        ReplyView {
            id: r.id.to_string(),
            topic_id: r.topic_id.to_string(),
            official: r.official,
            author: ReplyAuthor {
                kind: if r.user_id.is_some() { "staff" } else { "customer" },
                name: r.author_name.clone(),
                role: r.author_role.clone(),
            },
            body: r.body.clone(),
            body_html: r.body_html.clone(),
            visibility: r.visibility.as_str(),
            created_at: r.created_at,
        }
    }
}

/// A status change as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct StatusView {
    /// The status set.
    pub status: &'static str,
    /// The candid explanation.
    pub note: String,
    /// Who set it.
    pub author: ReplyAuthor,
    /// When.
    pub at: Timestamp,
}

impl StatusView {
    /// The view of a status change.
    pub fn of(s: &StatusChange) -> Self {
        StatusView {
            status: s.status.as_str(),
            note: s.note.clone(),
            author: ReplyAuthor {
                kind: "staff",
                name: s.author_name.clone(),
                role: s.author_role.clone(),
            },
            at: s.created_at,
        }
    }
}

/// A topic with its replies and status history.
#[derive(Clone, Debug, Serialize)]
pub struct TopicDetail {
    /// The topic.
    #[serde(flatten)]
    pub topic: TopicView,
    /// Its replies, oldest first.
    pub replies_list: Vec<ReplyView>,
    /// Its status changes, oldest first.
    pub status_history: Vec<StatusView>,
}

//! Shapes for the OpenAPI document of the community endpoints (documentation only).
#![allow(dead_code)]

use utoipa::ToSchema;

/// A topic's poster.
#[derive(ToSchema)]
pub struct TopicAuthorDoc {
    /// The poster's real name.
    name: String,
    /// Present to staff only.
    customer_id: Option<String>,
}

/// A community topic.
#[derive(ToSchema)]
pub struct TopicDoc {
    id: String,
    slug: String,
    /// The public page's path, e.g. /w/acme/community/t/brakes-squeal
    url: String,
    /// question, problem, idea or praise
    kind: String,
    title: String,
    /// new, answered, acknowledged, planned, in-progress, done or wont-do
    status: String,
    /// the candid explanation of the status
    status_note: Option<String>,
    me_too: i64,
    followers: i64,
    replies: i64,
    /// happy, indifferent, confused or frustrated
    mood: Option<String>,
    tags: Vec<String>,
    /// published, pending, hidden, rejected or merged (staff views)
    visibility: Option<String>,
    locked: bool,
    accepted_reply_id: Option<String>,
    author: TopicAuthorDoc,
    /// RFC 3339
    created_at: String,
    last_activity_at: String,
}

/// A reply's author.
#[derive(ToSchema)]
pub struct ReplyAuthorDoc {
    /// customer or staff
    #[schema(rename = "type")]
    kind: String,
    /// The real name.
    name: String,
    /// A staff member's title or role.
    role: Option<String>,
}

/// A reply.
#[derive(ToSchema)]
pub struct ReplyDoc {
    id: String,
    topic_id: String,
    official: bool,
    author: ReplyAuthorDoc,
    /// Markdown
    body: String,
    /// sanitised HTML
    body_html: String,
    visibility: String,
    created_at: String,
}

/// A topic with its replies and status history.
#[derive(ToSchema)]
pub struct TopicDetailDoc {
    #[schema(inline)]
    topic: TopicDoc,
    replies_list: Vec<ReplyDoc>,
    /// [{"status", "note", "author", "at"}]
    status_history: Vec<crate::api::docs::Object>,
}

/// A list of topics.
#[derive(ToSchema)]
pub struct TopicListDoc {
    items: Vec<TopicDoc>,
    next_cursor: Option<String>,
}

/// A new topic on a customer's behalf.
#[derive(ToSchema)]
pub struct NewTopicDoc {
    /// either this or `customer`
    customer_id: Option<String>,
    /// {"kind", "value", "name"}: an unknown identity creates the customer
    customer: Option<crate::api::docs::Object>,
    /// question, problem, idea or praise
    kind: String,
    title: String,
    /// Markdown
    body: String,
    /// happy, indifferent, confused, frustrated or null
    mood: Option<String>,
    tags: Vec<String>,
}

/// A staff reply.
#[derive(ToSchema)]
pub struct NewReplyDoc {
    /// Markdown
    body: String,
    /// default true
    official: Option<bool>,
}

/// A status change.
#[derive(ToSchema)]
pub struct StatusDoc {
    /// acknowledged, planned, in-progress, done or wont-do
    status: String,
    /// a candid explanation, shown on the topic and sent to followers
    status_note: String,
}

/// The moderation queue.
#[derive(ToSchema)]
pub struct QueueDoc {
    topics: Vec<TopicDoc>,
    replies: Vec<ReplyDoc>,
}

/// An outgoing email as recorded (sign-in links left out).
#[derive(ToSchema)]
pub struct OutboxDoc {
    id: String,
    purpose: String,
    to: String,
    subject: String,
    text: String,
    /// queued, held (no mail transport) or sent
    state: String,
    created_at: String,
}

//! How conversations, messages and attachments look to the API and pages.

use candor_core::conversation::{Channel, Delivery, MessageKind, Priority, Status};
use candor_store::conversations::Conversation;
use candor_store::messages::{Attachment, Author, Message};
use jiff::Timestamp;
use serde::Serialize;

/// A message as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct MessageView {
    /// Id.
    pub id: String,
    /// "inbound", "outbound" or "note".
    pub kind: MessageKind,
    /// The text.
    pub body: String,
    /// Who wrote it.
    pub author: Author,
    /// When.
    pub at: Timestamp,
    /// Detected language.
    pub language: Option<String>,
    /// Sentiment, -1 to 1.
    pub sentiment: Option<f64>,
    /// Delivery state of outbound messages.
    pub delivery: Option<Delivery>,
    /// What the channel last said about its delivery (e.g. the mail
    /// server's answer), when it said anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_detail: Option<String>,
    /// The channel delivered an HTML version too (shown sanitised on request).
    pub has_html: bool,
    /// Files that came with it.
    pub attachments: Vec<AttachmentView>,
}

/// An attachment as shown.
#[derive(Clone, Debug, Serialize)]
pub struct AttachmentView {
    /// Id.
    pub id: String,
    /// File name.
    pub filename: String,
    /// Sniffed type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Where to download it.
    pub url: String,
}

impl AttachmentView {
    /// The view of a stored attachment.
    pub fn of(a: &Attachment) -> Self {
        Self {
            id: a.id.to_string(),
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            url: format!("/api/v1/attachments/{}", a.id),
        }
    }
}

impl MessageView {
    /// The view of a message with its attachments among `files`.
    pub fn of(m: &Message, files: &[Attachment]) -> Self {
        Self {
            id: m.id.to_string(),
            kind: m.kind,
            body: m.body.clone(),
            author: m.author.clone(),
            at: m.created_at,
            language: m.language.clone(),
            sentiment: m.sentiment.map(|s| (s * 1000.0).round() / 1000.0),
            delivery: m.delivery,
            delivery_detail: None,
            has_html: m.html.as_deref().is_some_and(|h| !h.trim().is_empty()),
            attachments: files
                .iter()
                .filter(|a| a.message_id == Some(m.id))
                .map(AttachmentView::of)
                .collect(),
        }
    }
}

/// A conversation as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ConversationView {
    /// Id.
    pub id: String,
    /// The customer's id.
    pub customer_id: String,
    /// The customer's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Channel.
    pub channel: Channel,
    /// Language of the customer's first message.
    pub language: Option<String>,
    /// Assigned agent.
    pub assignee_id: Option<String>,
    /// Team.
    pub team_id: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The closed conversation this one continues.
    pub previous_conversation_id: Option<String>,
    /// The latest message's start.
    pub preview: String,
    /// Sentiment of the latest customer message.
    pub last_sentiment: Option<f64>,
    /// Messages and notes.
    pub message_count: i64,
    /// Opened.
    pub created_at: Timestamp,
    /// Last message or note.
    pub last_activity_at: Timestamp,
    /// Messages, oldest first (absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<MessageView>>,
    /// Files attached to the conversation (absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentView>>,
}

impl ConversationView {
    /// The view of a conversation, without messages.
    pub fn of(c: &Conversation, customer_name: Option<String>) -> Self {
        Self {
            id: c.id.to_string(),
            customer_id: c.customer_id.to_string(),
            customer_name,
            subject: c.subject.clone(),
            status: c.status,
            priority: c.priority,
            channel: c.channel,
            language: c.language.clone(),
            assignee_id: c.assignee_id.map(|u| u.to_string()),
            team_id: c.team_id.map(|t| t.to_string()),
            tags: c.tags.clone(),
            previous_conversation_id: c.previous_conversation_id.map(|p| p.to_string()),
            preview: c.preview.clone(),
            last_sentiment: c.last_sentiment.map(|s| (s * 1000.0).round() / 1000.0),
            message_count: c.message_count,
            created_at: c.created_at,
            last_activity_at: c.last_activity_at,
            messages: None,
            attachments: None,
        }
    }
}

//! Between the public community and private conversations. A topic can move
//! to a private conversation when account details are needed (the topic keeps
//! a public note that it moved), and a solved conversation can be published as
//! a topic with the customer's consent: [`move_to_conversation`] and
//! [`publish_conversation`], built on [`conversation_draft`],
//! [`mark_moved_private`] and [`publish_as_topic`].

use super::{TopicEvent, absolute, check_tags, live_topic, markdown, topic_event, topic_path};
use crate::caller::Caller;
use crate::context::App;
use crate::conversations::{self, ConversationView, CreateConversation};
use crate::error::{AppError, AppResult};
use candor_core::community::{Mood, TopicId, TopicKind, Visibility, check_body, check_title, kind};
use candor_core::conversation::Status;
use candor_core::staff::Scope;
use candor_core::{ConversationId, CustomerId};
use candor_store::community::Topic;
use candor_store::community::topics::NewTopic;
use jiff::Timestamp;
use serde_json::json;
use uuid::Uuid;

/// What a private conversation started from a topic needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationDraft {
    /// The topic it comes from.
    pub topic_id: TopicId,
    /// The customer who posted the topic.
    pub customer_id: CustomerId,
    /// The subject: the topic's title.
    pub subject: String,
    /// The first message: the opening post, as the customer wrote it.
    pub body: String,
    /// The topic's tags.
    pub tags: Vec<String>,
    /// The channel to record: "community".
    pub channel: &'static str,
    /// The public page it came from.
    pub source_url: String,
}

/// What a new conversation needs from a topic (staff with write access).
pub async fn conversation_draft(
    app: &App,
    caller: &Caller,
    base_url: &str,
    topic: TopicId,
) -> AppResult<ConversationDraft> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let t = app.db.topic(ws, topic).await?;
    if t.merged_into.is_some() {
        return Err(AppError::NotFound);
    }
    let workspace = app.db.workspace(ws).await?;
    Ok(ConversationDraft {
        topic_id: t.id,
        customer_id: t.customer_id,
        subject: t.title.clone(),
        body: t.body.clone(),
        tags: t.tags.clone(),
        channel: "community",
        source_url: absolute(base_url, &topic_path(&workspace.slug, &t.slug)),
    })
}

/// Records that a topic moved to a private conversation: a public note says
/// so on the topic, which is locked.
pub async fn mark_moved_private(
    app: &App,
    caller: &Caller,
    topic: TopicId,
    conversation: Option<Uuid>,
    public_note: &str,
) -> AppResult<Topic> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let note = public_note.split_whitespace().collect::<Vec<_>>().join(" ");
    let note = if note.is_empty() {
        "We moved this to a private conversation because it needs account details. We will post what we learn here \
         when it helps others."
            .to_string()
    } else if note.chars().count() > 500 {
        return Err(AppError::invalid("public_note", "at most 500 characters"));
    } else {
        note
    };
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    tx.set_private(app.now(), ws, t.id, conversation, &note).await?;
    let ev = TopicEvent {
        kind: kind::MOVED_PRIVATE,
        topic: t.id,
        customer: Some(t.customer_id),
        payload: json!({"conversation_id": conversation, "note": note}),
    };
    topic_event(&mut tx, app, ws, caller.actor(), ev).await?;
    let t = tx.topic_in_tx(ws, t.id).await?;
    tx.commit().await?;
    Ok(t)
}

/// The customer's consent to publish their conversation.
#[derive(Clone, Debug)]
pub struct Consent {
    /// Whether they agreed.
    pub given: bool,
    /// When.
    pub at: Timestamp,
    /// How, e.g. "replied 'yes, publish it' on 3 March".
    pub how: String,
}

/// A solved conversation to publish as a topic.
#[derive(Clone, Debug)]
pub struct PublishInput {
    /// The topic's title (the conversation's subject).
    pub subject: String,
    /// The opening post (Markdown), as the customer agreed to publish it.
    pub body: String,
    /// The customer it is published under.
    pub customer_id: CustomerId,
    /// Their consent; without it nothing is published.
    pub consent: Consent,
    /// The kind of topic (usually a question or a problem).
    pub kind: TopicKind,
    /// The customer's mood, if known.
    pub mood: Option<Mood>,
    /// Tags.
    pub tags: Vec<String>,
    /// The conversation it comes from.
    pub conversation_id: Option<Uuid>,
}

/// Publishes a solved conversation as a topic, only with the customer's consent.
pub async fn publish_as_topic(app: &App, caller: &Caller, input: &PublishInput) -> AppResult<Topic> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    if !input.consent.given || input.consent.how.trim().is_empty() {
        return Err(AppError::invalid(
            "consent",
            "publish a conversation only with the customer's consent, and say how it was given",
        ));
    }
    let title = check_title(&input.subject).map_err(|m| AppError::invalid("subject", m))?;
    let body = check_body(&input.body, true).map_err(|m| AppError::invalid("body", m))?;
    let tags = check_tags(&input.tags)?;
    let html = markdown::render(&body);
    let mut tx = app.db.begin().await?;
    let name = tx.customer_name(ws, input.customer_id).await.map_err(|e| match e {
        candor_store::StoreError::NotFound => AppError::invalid("customer_id", "no such customer"),
        other => other.into(),
    })?;
    if name.trim().is_empty() {
        return Err(AppError::invalid(
            "customer_id",
            "the customer has no name: community posts carry the poster's real name",
        ));
    }
    let topic = tx
        .create_topic(
            app.now(),
            ws,
            &NewTopic {
                kind: input.kind,
                title: &title,
                body: &body,
                body_html: &html,
                mood: input.mood,
                customer_id: input.customer_id,
                author_name: &name,
                tags: &tags,
                visibility: Visibility::Published,
            },
        )
        .await?;
    let ev = TopicEvent {
        kind: kind::PUBLISHED_FROM_CONVERSATION,
        topic: topic.id,
        customer: Some(input.customer_id),
        payload: json!({"conversation_id": input.conversation_id, "consent": {"given": true, "at": input.consent.at,
            "how": input.consent.how}, "title": title}),
    };
    topic_event(&mut tx, app, ws, caller.actor(), ev).await?;
    tx.commit().await?;
    Ok(topic)
}

/// What a staff member sends to move a topic into a private conversation.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveToConversation {
    /// The note left on the public topic; a plain default when empty.
    #[serde(default)]
    pub public_note: String,
}

/// Moves a topic into a private conversation with its poster: the opening post
/// becomes the conversation's first message (channel "community"), and the
/// topic gets a public note and is locked. Moving the same topic again answers
/// with the same conversation.
pub async fn move_to_conversation(
    app: &App,
    caller: &Caller,
    base_url: &str,
    topic: TopicId,
    input: &MoveToConversation,
) -> AppResult<(Topic, ConversationView)> {
    let draft = conversation_draft(app, caller, base_url, topic).await?;
    let existing = app.db.topic(caller.workspace(), topic).await?;
    if let Some(moved) = existing.conversation_id {
        // Already moved: the note the public saw stays as it was.
        let conversation = conversations::full(app, caller, ConversationId::from_uuid(moved)).await?;
        return Ok((existing, conversation));
    }
    let body = format!("{}\n\n(From the community: {})", draft.body, draft.source_url);
    let conversation = conversations::create(
        app,
        caller,
        &CreateConversation {
            customer_id: Some(draft.customer_id.to_string()),
            subject: Some(draft.subject),
            body,
            channel: Some(draft.channel.to_string()),
            tags: draft.tags,
            external_id: Some(format!("community-topic:{topic}")),
            thread: Some(format!("community-topic:{topic}")),
            ..Default::default()
        },
    )
    .await?;
    let id = conversation
        .id
        .parse::<Uuid>()
        .map_err(|_| AppError::Internal("a conversation id that is not a UUID".into()))?;
    let topic = mark_moved_private(app, caller, topic, Some(id), &input.public_note).await?;
    Ok((topic, conversation))
}

/// What a staff member sends to publish a solved conversation as a topic.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishConversation {
    /// The topic's title; the conversation's subject when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// The opening post (Markdown), as the customer agreed to publish it.
    pub body: String,
    /// "question" (default), "problem", "idea" or "praise".
    #[serde(default)]
    pub kind: Option<String>,
    /// Tags; the conversation's when absent.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// How the customer agreed, e.g. "replied 'yes, publish it' on 3 March".
    #[serde(default)]
    pub consent: String,
}

/// Publishes a solved conversation as a community topic under the customer's
/// name, with their consent on record.
pub async fn publish_conversation(
    app: &App,
    caller: &Caller,
    conversation: ConversationId,
    input: &PublishConversation,
) -> AppResult<Topic> {
    caller.require(Scope::Write)?;
    let c = app.db.conversation(caller.workspace(), conversation).await?;
    if !matches!(c.status, Status::Solved | Status::Closed) {
        return Err(AppError::invalid(
            "status",
            "only a solved conversation can be published: solve it first",
        ));
    }
    let kind: TopicKind = match input.kind.as_deref() {
        None | Some("") => TopicKind::Question,
        Some(k) => k
            .parse()
            .map_err(|_| AppError::invalid("kind", "one of question, problem, idea, praise"))?,
    };
    publish_as_topic(
        app,
        caller,
        &PublishInput {
            subject: input.title.clone().unwrap_or_else(|| c.subject.clone()),
            body: input.body.clone(),
            customer_id: c.customer_id,
            consent: Consent {
                given: !input.consent.trim().is_empty(),
                at: app.now(),
                how: input.consent.trim().to_string(),
            },
            kind,
            mood: None,
            tags: input.tags.clone().unwrap_or_else(|| c.tags.clone()),
            conversation_id: Some(conversation.as_uuid()),
        },
    )
    .await
}

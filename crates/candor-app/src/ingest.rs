//! The one ingest path every channel calls. An inbound message in one shape
//! → the customer matched (or created) by identity → threaded into its
//! conversation (by the channel's thread reference, else a new one; a solved
//! conversation reopens, a closed one is continued by a new, linked one) →
//! stored with its language and sentiment → events → the conversation's
//! commitment clocks started or resumed → routing → live subscribers told. The same (workspace, channel, external id) delivered
//! twice is stored once.

use crate::clocks::Happening;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::insight::analyze_text;
use crate::live::{LiveEvent, publish};
use crate::reference::{CustomerRef, resolve_in};
use candor_core::conversation::{
    Channel, MessageKind, Priority, ReplyEffect, Status, clean_body, clean_subject, customer_reply, subject_from_body,
};
use candor_core::events::{Actor, Subject, kind};
use candor_core::routing::Facts;
use candor_core::{AttachmentId, ConversationId, WorkspaceId};
use candor_store::Tx;
use candor_store::conversations::{Conversation, NewConversation};
use candor_store::events::NewEvent;
use candor_store::messages::{Attachment, Author, Message, NewMessage};
use serde_json::json;

/// A file that came with a message.
pub type InboundAttachment = crate::files::Upload;

/// A customer's message as every channel hands it in.
#[derive(Clone, Debug)]
pub struct InboundMessage {
    /// The workspace it was sent to.
    pub workspace_id: WorkspaceId,
    /// Who sent it: an identity (and a name for a new customer), or a known customer.
    pub sender: CustomerRef,
    /// The channel.
    pub channel: Channel,
    /// The channel's thread reference (an email thread's first Message-ID, a
    /// chat session, a social thread id); messages with the same one thread together.
    pub thread: Option<String>,
    /// A conversation the message is known to answer (e.g. posted to it through the API).
    pub conversation_id: Option<ConversationId>,
    /// The subject, for a new conversation (else made from the first line).
    pub subject: Option<String>,
    /// The text.
    pub text: String,
    /// The HTML, when the channel has it (kept, never shown as HTML).
    pub html: Option<String>,
    /// Files.
    pub attachments: Vec<InboundAttachment>,
    /// The channel's id for the message: the key that makes delivery idempotent.
    pub external_id: Option<String>,
    /// Priority for a new conversation.
    pub priority: Option<Priority>,
    /// Tags for a new conversation (normalised).
    pub tags: Vec<String>,
    /// Who hands it in: the system for channels, a staff member through the API.
    pub actor: Actor,
    /// An automatic message (an auto-reply, a bounce): it joins its
    /// conversation without changing its status, so it never reopens one.
    pub automated: bool,
}

impl InboundMessage {
    /// A message with just the essentials; set the other fields as needed.
    pub fn new(workspace_id: WorkspaceId, sender: CustomerRef, channel: Channel, text: &str) -> Self {
        Self {
            workspace_id,
            sender,
            channel,
            thread: None,
            conversation_id: None,
            subject: None,
            text: text.to_string(),
            html: None,
            attachments: Vec::new(),
            external_id: None,
            priority: None,
            tags: Vec::new(),
            actor: Actor::System,
            automated: false,
        }
    }
}

/// What ingesting did.
#[derive(Clone, Debug)]
pub struct Ingested {
    /// The conversation the message is in (as it is now).
    pub conversation: Conversation,
    /// The stored message (the earlier one, for a duplicate).
    pub message: Message,
    /// The message had been delivered before; nothing changed.
    pub duplicate: bool,
    /// A new conversation was opened for it.
    pub opened: bool,
    /// A solved conversation was opened again.
    pub reopened: bool,
}

/// Ingests one inbound message (see the module docs).
pub async fn ingest(app: &App, m: InboundMessage) -> AppResult<Ingested> {
    let ws = m.workspace_id;
    let body = clean_body(&m.text).map_err(|e| AppError::invalid("body", e))?;
    let subject = match &m.subject {
        Some(s) => clean_subject(s).map_err(|e| AppError::invalid("subject", e))?,
        None => String::new(),
    };
    let subject = if subject.is_empty() {
        subject_from_body(&body)
    } else {
        subject
    };
    let external = m.external_id.as_deref().map(str::trim).filter(|e| !e.is_empty());
    if let Some(e) = external
        && e.len() > 500
    {
        return Err(AppError::invalid("external_id", "at most 500 bytes"));
    }
    let analysis = analyze_text(&body);
    // Files first: stored by content, so a failed transaction leaves at most an unreferenced file.
    let files = app.files.put_all("attachments", &m.attachments).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if let Some(e) = external
        && let Some(found) = tx.message_by_external_id(ws, m.channel, e).await?
    {
        drop(tx);
        return duplicate(app, ws, found).await;
    }
    let (customer, created) = resolve_in(&mut tx, app, ws, m.actor, "", &m.sender, m.channel.as_str()).await?;
    let existing = match (m.conversation_id, m.thread.as_deref()) {
        (Some(id), _) => Some(tx.conversation(ws, id).await?),
        (None, Some(t)) => tx.conversation_by_thread(ws, m.channel, t).await?,
        (None, None) => None,
    };
    let before = existing.as_ref().map(|c| c.status);
    let (mut conv, opened, reopened) = match existing {
        Some(c) if m.automated => (c, false, false),
        Some(c) => match customer_reply(c.status) {
            ReplyEffect::Continue { status } => {
                let mut c = c;
                if c.status != status {
                    status_event(&mut tx, app, &c, status, "customer replied").await?;
                    c.status = status;
                }
                (c, false, false)
            }
            ReplyEffect::Reopen => {
                let mut c = c;
                status_event(&mut tx, app, &c, Status::Open, "customer replied").await?;
                c.status = Status::Open;
                (c, false, true)
            }
            ReplyEffect::StartNew => {
                let subject = if m.subject.is_some() {
                    subject.clone()
                } else {
                    c.subject.clone()
                };
                let new = open(&mut tx, app, &m, customer, &subject, analysis.language, Some(c.id)).await?;
                (new, true, false)
            }
        },
        None => (
            open(&mut tx, app, &m, customer, &subject, analysis.language, None).await?,
            true,
            false,
        ),
    };
    let name = match (&m.sender, created) {
        // Not visible outside this transaction yet.
        (CustomerRef::Identity { identity, name }, true) => name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| identity.value().to_string()),
        _ => tx.customer_display_name(ws, customer).await?,
    };
    let new = NewMessage {
        conversation_id: conv.id,
        kind: MessageKind::Inbound,
        body: &body,
        html: m.html.as_deref(),
        author: Author {
            kind: "customer".into(),
            id: Some(customer.as_uuid()),
            name,
        },
        language: analysis.language,
        sentiment: Some(analysis.sentiment),
        delivery: None,
        channel: m.channel,
        external_id: external,
    };
    let Some(message) = tx.insert_message(now, ws, &new).await? else {
        // Another delivery of the same message won the race; it is stored once.
        drop(tx);
        let mut t = app.db.begin().await?;
        let found = t.message_by_external_id(ws, m.channel, external.unwrap_or("")).await?;
        drop(t);
        return duplicate(app, ws, found.ok_or(AppError::NotFound)?).await;
    };
    conv.message_count += 1;
    conv.preview = preview(&body);
    conv.last_activity_at = now;
    conv.last_sentiment = Some(analysis.sentiment);
    if conv.language.is_none() {
        conv.language = analysis.language.map(str::to_string);
    }
    for (filename, stored) in &files {
        let a = Attachment {
            id: AttachmentId::new_at(now),
            conversation_id: conv.id,
            message_id: Some(message.id),
            filename: filename.clone(),
            content_type: stored.content_type.clone(),
            size: stored.size as i64,
            sha256: stored.sha256.clone(),
            uploaded_by: None,
            created_at: now,
        };
        tx.insert_attachment(ws, &a).await?;
    }
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: m.actor,
            kind: kind::MESSAGE_RECEIVED,
            subject: Subject::new("conversation", conv.id.as_uuid()),
            payload: json!({"message_id": message.id, "channel": m.channel, "excerpt": preview(&body),
                "language": analysis.language, "sentiment": analysis.sentiment,
                "attachments": files.len(), "subject": conv.subject}),
        },
        Some(customer),
    )
    .await?;
    if opened {
        // Through the transaction, which also sees a customer it just created.
        let (tier, organization) = if created {
            // A customer created just now has no tier and no organization yet.
            (None, None)
        } else {
            tx.customer_facts(ws, customer).await?.unwrap_or((None, None))
        };
        let facts = Facts {
            channel: Some(conv.channel),
            language: conv.language.clone(),
            tags: conv.tags.clone(),
            tier,
            organization,
        };
        crate::routing::route_in(&mut tx, app, &mut conv, &facts).await?;
    }
    let happening = match before {
        Some(status) if !opened => Happening::CustomerWrote(status),
        _ => Happening::Opened,
    };
    crate::clocks::on_happening(&mut tx, app, &conv, happening, now).await?;
    conv.updated_at = now;
    tx.save_conversation(now, &conv).await?;
    tx.commit().await?;
    let kind = if opened {
        "conversation.created"
    } else {
        "message.created"
    };
    publish(app, LiveEvent::conversation(ws, kind, conv.id)).await;
    // The row as saved above: nothing else writes it in between.
    Ok(Ingested {
        conversation: conv,
        message,
        duplicate: false,
        opened,
        reopened,
    })
}

async fn duplicate(app: &App, ws: WorkspaceId, message: Message) -> AppResult<Ingested> {
    Ok(Ingested {
        conversation: app.db.conversation(ws, message.conversation_id).await?,
        message,
        duplicate: true,
        opened: false,
        reopened: false,
    })
}

/// The start of a text for lists: one line, at most 140 characters.
pub fn preview(body: &str) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(140).collect();
    if flat.chars().count() > 140 {
        out.push('…');
    }
    out
}

/// A customer's display name: their name, else their first identity.
pub async fn customer_name(app: &App, ws: WorkspaceId, id: candor_core::CustomerId) -> String {
    match app.db.customer(ws, id).await {
        Ok(c) if !c.name.trim().is_empty() => c.name,
        Ok(c) => c.identities.first().map(|i| i.value.clone()).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn open(
    tx: &mut Tx,
    app: &App,
    m: &InboundMessage,
    customer: candor_core::CustomerId,
    subject: &str,
    language: Option<&str>,
    previous: Option<ConversationId>,
) -> AppResult<Conversation> {
    let c = tx
        .create_conversation(
            app.now(),
            m.workspace_id,
            &NewConversation {
                customer_id: customer,
                channel: m.channel,
                thread_ref: m.thread.as_deref(),
                subject,
                priority: m.priority.unwrap_or(Priority::Normal),
                tags: &m.tags,
                language,
                previous,
            },
        )
        .await?;
    tx.append_customer_event(
        app.now(),
        NewEvent {
            workspace_id: m.workspace_id,
            actor: m.actor,
            kind: kind::CONVERSATION_CREATED,
            subject: Subject::new("conversation", c.id.as_uuid()),
            payload: json!({"subject": c.subject, "channel": c.channel, "priority": c.priority,
                "tags": c.tags, "previous_conversation_id": previous}),
        },
        Some(customer),
    )
    .await?;
    Ok(c)
}

/// Writes `conversation.status_changed` for `c` moving to `to`.
pub async fn status_event(tx: &mut Tx, app: &App, c: &Conversation, to: Status, reason: &str) -> AppResult<()> {
    tx.append_customer_event(
        app.now(),
        NewEvent {
            workspace_id: c.workspace_id,
            actor: Actor::System,
            kind: kind::CONVERSATION_STATUS_CHANGED,
            subject: Subject::new("conversation", c.id.as_uuid()),
            payload: json!({"from": c.status, "to": to, "reason": reason, "subject": c.subject}),
        },
        Some(c.customer_id),
    )
    .await?;
    Ok(())
}

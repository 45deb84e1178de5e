//! The one ingest path every channel calls. An inbound message in one shape
//! → the customer matched (or created) by identity → threaded into its
//! conversation (by the channel's thread reference, else a new one; a solved
//! conversation reopens, a closed one is continued by a new, linked one) →
//! stored with its language and sentiment → events → the conversation's
//! commitment clocks started or resumed → routing → live subscribers told. The same (workspace, channel, external id) delivered
//! twice is stored once.

use crate::caller::Caller;
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
use candor_core::{AttachmentId, ConversationId, MessageId, WorkspaceId};
use candor_store::Tx;
use candor_store::batch::{Finish, TxFuture};
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
    /// The company's side of the channel, logged after the fact (a call an
    /// agent made): stored as an outbound message signed by this staff
    /// member, counted as their reply; nothing is sent. A conversation it
    /// opens is assigned to them and starts no clock.
    pub logged_by: Option<Caller>,
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
            logged_by: None,
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

/// What [`prepare`] checked and stored before the transaction.
#[derive(Debug)]
pub struct Prepared {
    body: String,
    subject: String,
    external: Option<String>,
    analysis: crate::insight::Analysis,
    files: Vec<(String, crate::files::Stored)>,
}

/// What [`ingest_in`] did inside the caller's transaction.
#[derive(Debug)]
pub enum Outcome {
    /// Stored; commit, then [`announce`] it.
    Stored(Box<Ingested>),
    /// Delivered before: nothing changed (drop the transaction).
    Duplicate(Box<Message>),
    /// Another delivery of the same message was stored meanwhile: drop the
    /// transaction (it holds changes that must not stay) and read it with [`stored_twice`].
    Raced,
}

/// Ingests one inbound message (see the module docs).
pub async fn ingest(app: &App, m: InboundMessage) -> AppResult<Ingested> {
    ingest_then(app, m, |_, _| Box::pin(async { Ok(()) })).await
}

/// The stored message and its conversation, for what a channel keeps beside it.
#[derive(Clone, Copy, Debug)]
pub struct StoredAt {
    /// The message.
    pub message: MessageId,
    /// Its conversation.
    pub conversation: ConversationId,
}

/// Like [`ingest`], and `more` in the same transaction once a new message
/// is stored (a channel's own record of it, e.g. an email's headers), so
/// both are kept or neither. On SQLite the transaction is shared with the
/// writes that arrived meanwhile ([`candor_store::Db::write`]).
pub async fn ingest_then<F>(app: &App, m: InboundMessage, more: F) -> AppResult<Ingested>
where
    F: for<'t> FnOnce(&'t mut Tx, StoredAt) -> TxFuture<'t, AppResult<()>> + Send + 'static,
{
    let p = prepare(app, &m).await?;
    let (ws, channel, external) = (m.workspace_id, m.channel, p.external.clone());
    let job_app = app.clone();
    let outcome = app
        .db
        .write::<_, AppError, _>(move |tx| {
            Box::pin(async move {
                match ingest_in(tx, &job_app, &m, p).await? {
                    Outcome::Stored(done) => {
                        let at = StoredAt {
                            message: done.message.id,
                            conversation: done.conversation.id,
                        };
                        more(tx, at).await?;
                        Ok(Finish::Commit(Outcome::Stored(done)))
                    }
                    // Nothing was written.
                    found @ Outcome::Duplicate(_) => Ok(Finish::Discard(found)),
                    // What was written must not stay.
                    Outcome::Raced => Ok(Finish::Discard(Outcome::Raced)),
                }
            })
        })
        .await?;
    match outcome {
        Outcome::Stored(done) => {
            announce(app, &done).await;
            Ok(*done)
        }
        Outcome::Duplicate(found) => duplicate(app, ws, *found).await,
        Outcome::Raced => stored_first(app, ws, channel, external.as_deref().unwrap_or("")).await,
    }
}

/// Checks the message and stores its files (by content, so a failed
/// transaction leaves at most an unreferenced file).
pub async fn prepare(app: &App, m: &InboundMessage) -> AppResult<Prepared> {
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
    let external = m
        .external_id
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string);
    if let Some(e) = &external
        && e.len() > 500
    {
        return Err(AppError::invalid("external_id", "at most 500 bytes"));
    }
    let analysis = analyze_text(&body);
    let files = app.files.put_all("attachments", &m.attachments).await?;
    Ok(Prepared {
        body,
        subject,
        external,
        analysis,
        files,
    })
}

/// Tells live subscribers about a stored message, after the commit.
pub async fn announce(app: &App, done: &Ingested) {
    let kind = if done.opened {
        "conversation.created"
    } else {
        "message.created"
    };
    publish(
        app,
        LiveEvent::conversation(done.conversation.workspace_id, kind, done.conversation.id),
    )
    .await;
}

/// The stored copy of a message another delivery stored first.
pub async fn stored_twice(app: &App, m: &InboundMessage) -> AppResult<Ingested> {
    let external = m.external_id.as_deref().map(str::trim).unwrap_or("");
    stored_first(app, m.workspace_id, m.channel, external).await
}

async fn stored_first(app: &App, ws: WorkspaceId, channel: Channel, external: &str) -> AppResult<Ingested> {
    let mut t = app.db.begin().await?;
    let found = t.message_by_external_id(ws, channel, external).await?;
    drop(t);
    duplicate(app, ws, found.ok_or(AppError::NotFound)?).await
}

/// The ingest path inside the caller's transaction, for channels that store
/// their own record with the message (a call): everything [`ingest`] does
/// but the commit and the live update.
pub async fn ingest_in(tx: &mut Tx, app: &App, m: &InboundMessage, p: Prepared) -> AppResult<Outcome> {
    let ws = m.workspace_id;
    let Prepared {
        body,
        subject,
        external,
        analysis,
        files,
    } = p;
    let external = external.as_deref();
    let now = app.now();
    if let Some(e) = external
        && let Some(found) = tx.message_by_external_id(ws, m.channel, e).await?
    {
        return Ok(Outcome::Duplicate(Box::new(found)));
    }
    let (customer, created) = resolve_in(tx, app, ws, m.actor, "", &m.sender, m.channel.as_str()).await?;
    let existing = match (m.conversation_id, m.thread.as_deref()) {
        (Some(id), _) => Some(tx.conversation(ws, id).await?),
        (None, Some(t)) => tx.conversation_by_thread(ws, m.channel, t).await?,
        (None, None) => None,
    };
    let staff = m.logged_by.as_ref();
    let before = existing.as_ref().map(|c| c.status);
    let (mut conv, opened, reopened) = match existing {
        // The company's side leaves the status as it is, except that a closed conversation stays closed.
        Some(c) if staff.is_some() && c.status != Status::Closed => (c, false, false),
        Some(c) if m.automated => (c, false, false),
        Some(c) => match customer_reply(c.status) {
            ReplyEffect::Continue { status } => {
                let mut c = c;
                if c.status != status {
                    status_event(tx, app, &c, status, "customer replied").await?;
                    c.status = status;
                }
                (c, false, false)
            }
            ReplyEffect::Reopen => {
                let mut c = c;
                status_event(tx, app, &c, Status::Open, "customer replied").await?;
                c.status = Status::Open;
                (c, false, true)
            }
            ReplyEffect::StartNew => {
                let subject = if m.subject.is_some() {
                    subject.clone()
                } else {
                    c.subject.clone()
                };
                let new = open(tx, app, m, customer, &subject, analysis.language, Some(c.id)).await?;
                (new, true, false)
            }
        },
        None => (
            open(tx, app, m, customer, &subject, analysis.language, None).await?,
            true,
            false,
        ),
    };
    let (kind, author) = match staff {
        Some(caller) => (
            MessageKind::Outbound,
            Author {
                kind: "staff".into(),
                id: Some(caller.user.id.as_uuid()),
                name: caller.user.name.clone(),
            },
        ),
        None => {
            let name = match (&m.sender, created) {
                // Not visible outside this transaction yet.
                (CustomerRef::Identity { identity, name }, true) => name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| identity.value().to_string()),
                _ => tx.customer_display_name(ws, customer).await?,
            };
            (
                MessageKind::Inbound,
                Author {
                    kind: "customer".into(),
                    id: Some(customer.as_uuid()),
                    name,
                },
            )
        }
    };
    let new = NewMessage {
        conversation_id: conv.id,
        kind,
        body: &body,
        html: m.html.as_deref(),
        author,
        language: analysis.language,
        sentiment: Some(analysis.sentiment),
        delivery: None,
        channel: m.channel,
        external_id: external,
    };
    let Some(message) = tx.insert_message(now, ws, &new).await? else {
        return Ok(Outcome::Raced);
    };
    conv.message_count += 1;
    conv.preview = preview(&body);
    conv.last_activity_at = now;
    if staff.is_none() {
        conv.last_sentiment = Some(analysis.sentiment);
    }
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
            uploaded_by: staff.map(|c| c.user.id),
            created_at: now,
        };
        tx.insert_attachment(ws, &a).await?;
    }
    let (event_kind, payload) = match staff {
        Some(caller) => (
            kind::MESSAGE_SENT,
            json!({"message_id": message.id, "channel": m.channel, "excerpt": preview(&body),
                "author": caller.user.name, "delivery": null, "subject": conv.subject,
                "attachments": files.len()}),
        ),
        None => (
            kind::MESSAGE_RECEIVED,
            json!({"message_id": message.id, "channel": m.channel, "excerpt": preview(&body),
                "language": analysis.language, "sentiment": analysis.sentiment,
                "attachments": files.len(), "subject": conv.subject,
                "words": body.split_whitespace().count(), "automated": m.automated}),
        ),
    };
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: m.actor,
            kind: event_kind,
            subject: Subject::new("conversation", conv.id.as_uuid()),
            payload,
        },
        Some(customer),
    )
    .await?;
    match staff {
        // Opened by the company (an agent's call): the agent keeps it; no customer waits on a clock.
        Some(caller) if opened => assign_to(tx, app, &mut conv, caller).await?,
        Some(caller) => {
            crate::clocks::on_happening(tx, app, &conv, Happening::AgentReplied, now).await?;
            crate::promises::kept_by_reply(tx, caller, &conv, now).await?;
        }
        None => {
            let happening = match before {
                Some(status) if !opened => Happening::CustomerWrote(status),
                _ => Happening::Opened,
            };
            crate::clocks::on_happening(tx, app, &conv, happening, now).await?;
            // Routing last: it writes the team's round-robin cursor, a row
            // every conversation routed to the team writes, which on
            // PostgreSQL stays locked until the commit.
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
                crate::routing::route_in(tx, app, &mut conv, &facts).await?;
            }
        }
    }
    conv.updated_at = now;
    tx.save_known_conversation(now, &conv).await?;
    // The row as saved above: nothing else writes it in between.
    Ok(Outcome::Stored(Box::new(Ingested {
        conversation: conv,
        message,
        duplicate: false,
        opened,
        reopened,
    })))
}

/// Gives a conversation the company opened to the staff member who opened it.
async fn assign_to(tx: &mut Tx, app: &App, conv: &mut Conversation, caller: &Caller) -> AppResult<()> {
    conv.assignee_id = Some(caller.user.id);
    tx.append_customer_event(
        app.now(),
        NewEvent {
            workspace_id: conv.workspace_id,
            actor: caller.actor(),
            kind: kind::CONVERSATION_ASSIGNED,
            subject: Subject::new("conversation", conv.id.as_uuid()),
            payload: json!({"team_id": conv.team_id, "assignee_id": caller.user.id, "by": caller.user.name}),
        },
        Some(conv.customer_id),
    )
    .await?;
    Ok(())
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
    app.db.customer_display_name(ws, id).await.unwrap_or_default()
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
            payload: json!({"from": c.status, "to": to, "reason": reason, "subject": c.subject,
                "assignee_id": c.assignee_id}),
        },
        Some(c.customer_id),
    )
    .await?;
    Ok(())
}

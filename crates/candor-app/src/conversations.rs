//! Conversations for staff and integrators: open one through the API (by the
//! ingest path), read, list the inbox, reply, write notes, change status,
//! priority, assignment and tags, say "I am typing", and attach files.

use crate::caller::Caller;
use crate::clocks::Happening;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::files::{Stored, Upload};
use crate::ingest::{InboundMessage, ingest, preview};
use crate::live::{LiveEvent, publish};
use crate::reference::{CustomerByIdentity, CustomerRef};
use candor_core::conversation::{
    Channel, Delivery, MessageKind, Priority, Status, UnknownWord, clean_body, safe_filename,
};
use candor_core::customer::normalize_tags;
use candor_core::events::{Subject, kind};
use candor_core::staff::Scope;
use candor_core::{AttachmentId, ConversationId, MessageId, TeamId, UserId};
use candor_store::conversations::{Cursor, Filter, Page};
use candor_store::events::NewEvent;
use candor_store::jobs::NewJob;
use candor_store::messages::{Attachment, Author, NewMessage};
use serde::Deserialize;
use serde_json::{Value, json};

pub use crate::conversation_views::{AttachmentView, ConversationView, MessageView};

/// A new conversation as the API takes it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateConversation {
    /// An existing customer's id.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Or an identity (an unknown one creates the customer).
    #[serde(default)]
    pub customer: Option<CustomerByIdentity>,
    /// What it is about (else the body's first line).
    #[serde(default)]
    pub subject: Option<String>,
    /// The customer's first message.
    #[serde(default)]
    pub body: String,
    /// The channel; "api" by default.
    #[serde(default)]
    pub channel: Option<String>,
    /// "low", "normal" (default), "high" or "urgent".
    #[serde(default)]
    pub priority: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The sender's id for the message: sending the same again stores nothing new.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The channel's thread reference: later messages with it join this conversation.
    #[serde(default)]
    pub thread: Option<String>,
}

fn word<T: std::str::FromStr<Err = UnknownWord>>(field: &str, raw: &str) -> AppResult<T> {
    raw.parse()
        .map_err(|e: UnknownWord| AppError::invalid(field, e.to_string()))
}

fn tags(field: &str, raw: &[String]) -> AppResult<Vec<String>> {
    normalize_tags(raw).map_err(|e| AppError::invalid(&e.field.replacen("tags", field, 1), e.message))
}

/// Opens a conversation with the customer's first message, through the ingest path.
pub async fn create(app: &App, caller: &Caller, input: &CreateConversation) -> AppResult<ConversationView> {
    caller.require(Scope::Write)?;
    let sender = CustomerRef::parse("", input.customer_id.as_deref(), input.customer.as_ref())?;
    let channel: Channel = word("channel", input.channel.as_deref().unwrap_or("api"))?;
    let priority: Priority = word("priority", input.priority.as_deref().unwrap_or("normal"))?;
    let tags = tags("tags", &input.tags)?;
    clean_body(&input.body).map_err(|e| AppError::invalid("body", e))?;
    let mut m = InboundMessage::new(caller.workspace(), sender, channel, &input.body);
    m.subject = input.subject.clone();
    m.priority = Some(priority);
    m.tags = tags;
    m.external_id = input.external_id.clone();
    m.thread = input.thread.clone();
    m.actor = caller.actor();
    let done = ingest(app, m).await?;
    if done.duplicate || !done.opened {
        return full(app, caller, done.conversation.id).await;
    }
    // A conversation opened just now holds exactly its first message, with
    // no files (this call takes none), and the author is the customer as
    // named on it: no need to read any of it back.
    let name = done.message.author.name.clone();
    let mut v = ConversationView::of(&done.conversation, Some(name));
    v.messages = Some(vec![MessageView::of(&done.message, &[])]);
    v.attachments = Some(Vec::new());
    Ok(v)
}

/// A conversation with its messages and attachments.
pub async fn full(app: &App, caller: &Caller, id: ConversationId) -> AppResult<ConversationView> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    // Three independent reads, side by side on the read pool.
    let ((c, name), messages, files) = tokio::try_join!(
        app.db.conversation_with_customer_name(ws, id),
        app.db.messages(ws, id, 500),
        app.db.attachments_of(ws, id)
    )?;
    let mut v = ConversationView::of(&c, Some(name));
    let mut views: Vec<MessageView> = messages.iter().map(|m| MessageView::of(m, &files)).collect();
    if c.channel == Channel::Email {
        // The mail server's answer to each sent reply, shown beside its delivery state.
        let headers = app.db.email_headers_of(ws, id).await?;
        for v in views.iter_mut() {
            v.delivery_detail = headers
                .iter()
                .find(|h| h.message_id.to_string() == v.id && !h.delivery_detail.is_empty())
                .map(|h| h.delivery_detail.clone());
        }
    }
    v.messages = Some(views);
    v.attachments = Some(files.iter().map(AttachmentView::of).collect());
    Ok(v)
}

/// The inbox list: conversations matching `filter`, latest activity first.
pub async fn list(app: &App, caller: &Caller, filter: &Filter, after: Option<Cursor>, limit: u32) -> AppResult<Page> {
    caller.require(Scope::Read)?;
    Ok(app.db.conversations(caller.workspace(), filter, after, limit).await?)
}

/// Adds a message to a conversation: a reply from the caller (signed with
/// their name, queued for the channel when it sends replies), an internal
/// note, or a customer's message recorded by hand (through ingest).
pub async fn add_message(
    app: &App,
    caller: &Caller,
    id: ConversationId,
    kind_raw: &str,
    body: &str,
) -> AppResult<MessageView> {
    add_message_as(app, caller, id, kind_raw, body, true).await
}

/// Like [`add_message`]; with `deliver` false a reply is recorded as already
/// sent and nothing is queued (imports and the demo: it went out elsewhere).
pub async fn add_message_as(
    app: &App,
    caller: &Caller,
    id: ConversationId,
    kind_raw: &str,
    body: &str,
    deliver: bool,
) -> AppResult<MessageView> {
    post_message(app, caller, id, kind_raw, body, deliver, &[]).await
}

/// Like [`add_message`], with files that go with the message (the page's
/// composer). Either the message and every file are stored, or nothing:
/// one file over the size limit, or empty, refuses them all.
pub async fn add_message_with_files(
    app: &App,
    caller: &Caller,
    id: ConversationId,
    kind_raw: &str,
    body: &str,
    files: &[Upload],
) -> AppResult<MessageView> {
    post_message(app, caller, id, kind_raw, body, true, files).await
}

async fn post_message(
    app: &App,
    caller: &Caller,
    id: ConversationId,
    kind_raw: &str,
    body: &str,
    deliver: bool,
    files: &[Upload],
) -> AppResult<MessageView> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let kind: MessageKind = word("kind", kind_raw)?;
    let body = clean_body(body).map_err(|e| AppError::invalid("body", e))?;
    if let Some(i) = files.iter().position(|f| f.bytes.is_empty()) {
        return Err(AppError::invalid(&format!("files[{i}]"), "the file is empty"));
    }
    let current = app.db.conversation(ws, id).await?;
    if kind == MessageKind::Inbound {
        let mut m = InboundMessage::new(ws, CustomerRef::Id(current.customer_id), current.channel, &body);
        m.conversation_id = Some(id);
        m.actor = caller.actor();
        m.attachments = files.to_vec();
        let done = ingest(app, m).await?;
        let stored = if files.is_empty() {
            Vec::new()
        } else {
            app.db.attachments_of(ws, id).await?
        };
        return Ok(MessageView::of(&done.message, &stored));
    }
    // Files first: stored by content, so a failed transaction leaves at most an unreferenced file.
    let stored = app.files.put_all("files", files).await?;
    let now = app.now();
    let analysis = crate::insight::analyze_text(&body);
    let job = (kind == MessageKind::Outbound)
        .then(|| current.channel.delivery_job())
        .flatten();
    let delivery = job.map(|_| if deliver { Delivery::Queued } else { Delivery::Sent });
    let job = job.filter(|_| deliver);
    // Policy, script or a sale pushed: counted against trust (docs/trust.md).
    let self_serving = if kind == MessageKind::Outbound {
        crate::trust::replies::self_serving(app, ws, &body, analysis.language).await
    } else {
        Vec::new()
    };
    let mut tx = app.db.begin().await?;
    let mut c = tx.conversation(ws, id).await?;
    let message = tx
        .insert_message(
            now,
            ws,
            &NewMessage {
                conversation_id: id,
                kind,
                body: &body,
                html: None,
                author: Author {
                    kind: "staff".into(),
                    id: Some(caller.user.id.as_uuid()),
                    name: caller.user.name.clone(),
                },
                language: analysis.language,
                sentiment: Some(analysis.sentiment),
                delivery,
                channel: c.channel,
                external_id: None,
            },
        )
        .await?
        .ok_or_else(|| AppError::Internal("a message without an external id collided".into()))?;
    let mut attached = Vec::with_capacity(stored.len());
    for (filename, file) in &stored {
        let a = staff_attachment(now, caller, id, Some(message.id), filename, file);
        tx.insert_attachment(ws, &a).await?;
        attached.push(a);
    }
    if let Some(job) = job {
        // The channel's adapter registers this job kind and sends the reply.
        let mut j = NewJob::now(job, json!({"message_id": message.id, "conversation_id": id}), now);
        j.workspace_id = Some(ws);
        j.max_attempts = 20;
        tx.enqueue(now, j).await?;
    }
    c.message_count += 1;
    c.last_activity_at = now;
    if kind == MessageKind::Outbound {
        c.preview = preview(&body);
        crate::clocks::on_happening(&mut tx, app, &c, Happening::AgentReplied, now).await?;
        crate::promises::kept_by_reply(&mut tx, caller, &c, now).await?;
    }
    tx.save_conversation(now, &c).await?;
    let event_kind = if kind == MessageKind::Note {
        kind::NOTE_ADDED
    } else {
        kind::MESSAGE_SENT
    };
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: event_kind,
            subject: Subject::new("conversation", id.as_uuid()),
            payload: json!({"message_id": message.id, "channel": c.channel, "excerpt": preview(&body),
                "author": caller.user.name, "delivery": delivery, "subject": c.subject,
                "attachments": attached.len(), "self_serving": self_serving}),
        },
        Some(c.customer_id),
    )
    .await?;
    tx.commit().await?;
    publish(app, LiveEvent::conversation(ws, "message.created", id)).await;
    Ok(MessageView::of(&message, &attached))
}

/// The row of a file a staff member uploaded, stored as `file`.
fn staff_attachment(
    now: jiff::Timestamp,
    caller: &Caller,
    conversation_id: ConversationId,
    message_id: Option<MessageId>,
    filename: &str,
    file: &Stored,
) -> Attachment {
    Attachment {
        id: AttachmentId::new_at(now),
        conversation_id,
        message_id,
        filename: filename.to_string(),
        content_type: file.content_type.clone(),
        size: file.size as i64,
        sha256: file.sha256.clone(),
        uploaded_by: Some(caller.user.id),
        created_at: now,
    }
}

/// A change to a conversation; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateConversation {
    /// open, pending, solved or closed.
    #[serde(default)]
    pub status: Option<String>,
    /// low, normal, high or urgent.
    #[serde(default)]
    pub priority: Option<String>,
    /// A staff id, or null to unassign.
    #[serde(default, deserialize_with = "present")]
    pub assignee_id: Option<Value>,
    /// A team id, or null for none.
    #[serde(default, deserialize_with = "present")]
    pub team_id: Option<Value>,
    /// Replaces the tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// Keeps an explicit `null` apart from an absent field (`Some(Value::Null)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn id_or_null<T: std::str::FromStr>(field: &str, v: &Value) -> AppResult<Option<T>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "not a valid id")),
        _ => Err(AppError::invalid(field, "an id as a string, or null")),
    }
}

/// Changes status, priority, assignee, team or tags; every value is checked
/// before anything is stored, and each change writes its event.
pub async fn update(
    app: &App,
    caller: &Caller,
    id: ConversationId,
    input: &UpdateConversation,
) -> AppResult<ConversationView> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let status: Option<Status> = input.status.as_deref().map(|s| word("status", s)).transpose()?;
    let priority: Option<Priority> = input.priority.as_deref().map(|s| word("priority", s)).transpose()?;
    let new_tags = input.tags.as_deref().map(|t| tags("tags", t)).transpose()?;
    let assignee: Option<Option<UserId>> = input
        .assignee_id
        .as_ref()
        .map(|v| id_or_null("assignee_id", v))
        .transpose()?;
    if let Some(Some(u)) = assignee {
        let ok = app.db.user(ws, u).await.map(|u| u.active).unwrap_or(false);
        if !ok {
            return Err(AppError::invalid("assignee_id", "no such active staff member"));
        }
    }
    let team: Option<Option<TeamId>> = input.team_id.as_ref().map(|v| id_or_null("team_id", v)).transpose()?;
    if let Some(Some(t)) = team
        && app.db.team(ws, t).await.is_err()
    {
        return Err(AppError::invalid("team_id", "no such team"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let mut c = tx.conversation(ws, id).await?;
    let event = |kind: &'static str, payload: Value| NewEvent {
        workspace_id: ws,
        actor: caller.actor(),
        kind,
        subject: Subject::new("conversation", id.as_uuid()),
        payload,
    };
    let mut changed = false;
    if let Some(s) = status
        && s != c.status
    {
        let mut e = event(
            kind::CONVERSATION_STATUS_CHANGED,
            json!({"from": c.status, "to": s, "subject": c.subject, "assignee_id": c.assignee_id}),
        );
        e.actor = caller.actor();
        tx.append_customer_event(now, e, Some(c.customer_id)).await?;
        crate::clocks::on_happening(&mut tx, app, &c, Happening::StatusChanged(c.status, s), now).await?;
        if s == Status::Solved {
            // A step of the customer's trust trajectory (docs/trust.md).
            crate::trust::steps::on_solved(&mut tx, now, &c).await?;
        }
        c.status = s;
        changed = true;
    }
    if let Some(p) = priority
        && p != c.priority
    {
        let e = event(
            kind::CONVERSATION_PRIORITY_CHANGED,
            json!({"from": c.priority, "to": p}),
        );
        tx.append_customer_event(now, e, Some(c.customer_id)).await?;
        crate::clocks::on_priority_changed(&mut tx, app, &c, p, caller.actor(), now).await?;
        c.priority = p;
        changed = true;
    }
    let before_assignee = c.assignee_id;
    let new_assignee = assignee.unwrap_or(c.assignee_id);
    let new_team = team.unwrap_or(c.team_id);
    if new_assignee != c.assignee_id || new_team != c.team_id {
        let e = event(
            kind::CONVERSATION_ASSIGNED,
            json!({"team_id": new_team, "assignee_id": new_assignee, "by": caller.user.name}),
        );
        tx.append_customer_event(now, e, Some(c.customer_id)).await?;
        c.assignee_id = new_assignee;
        c.team_id = new_team;
        changed = true;
    }
    if let Some(t) = new_tags
        && t != c.tags
    {
        let e = event(kind::CONVERSATION_TAGS_CHANGED, json!({"from": c.tags, "to": t}));
        tx.append_customer_event(now, e, Some(c.customer_id)).await?;
        tx.sync_conversation_tags(ws, id, &t).await?;
        c.tags = t;
        changed = true;
    }
    if changed {
        if c.assignee_id.is_some() && new_assignee != before_assignee {
            // Call-backs nobody owed yet are now the assignee's.
            crate::phone::on_assigned(&mut tx, app, caller, &c).await?;
        }
        tx.save_conversation(now, &c).await?;
        tx.commit().await?;
        publish(app, LiveEvent::conversation(ws, "conversation.updated", id)).await;
    }
    full(app, caller, id).await
}

/// Tells the others looking at a conversation that the caller is writing a reply.
pub async fn typing(app: &App, caller: &Caller, id: ConversationId) -> AppResult<()> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    app.db.conversation(ws, id).await?;
    let mut e = LiveEvent::conversation(ws, "typing", id);
    e.user_id = Some(caller.user.id);
    e.name = Some(caller.user.name.clone());
    publish(app, e).await;
    Ok(())
}

/// Attaches a file to a conversation (staff upload).
pub async fn attach(
    app: &App,
    caller: &Caller,
    id: ConversationId,
    filename: &str,
    bytes: &[u8],
) -> AppResult<AttachmentView> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let c = app.db.conversation(ws, id).await?;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "the file is empty"));
    }
    let stored = app.files.put(bytes).await?;
    let now = app.now();
    let a = staff_attachment(now, caller, id, None, &safe_filename(filename), &stored);
    let mut tx = app.db.begin().await?;
    tx.insert_attachment(ws, &a).await?;
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::ATTACHMENT_ADDED,
            subject: Subject::new("conversation", id.as_uuid()),
            payload: json!({"attachment_id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type}),
        },
        Some(c.customer_id),
    )
    .await?;
    tx.commit().await?;
    publish(app, LiveEvent::conversation(ws, "conversation.updated", id)).await;
    Ok(AttachmentView::of(&a))
}

/// An attachment's description and bytes.
pub async fn download(app: &App, caller: &Caller, id: AttachmentId) -> AppResult<(Attachment, Vec<u8>)> {
    caller.require(Scope::Read)?;
    let a = app.db.attachment(caller.workspace(), id).await?;
    let bytes = app.files.get(&a.sha256).await?;
    Ok((a, bytes))
}

//! Outbound email through the job queue. `deliver.email` sends an agent's
//! reply: From "Agent Name at Company <mailbox address>", Reply-To the
//! mailbox, a Message-ID made from the message's id (so a retry sends the
//! same one), In-Reply-To and References from the thread, the subject with
//! the conversation's token, text and HTML parts and the message's files.
//! `email.send` sends Candor's own emails (the community's) through the
//! workspace's first mailbox. Temporary failures retry with the queue's
//! backoff; a permanent one (or the last attempt) marks the message failed
//! with the server's answer.

use crate::mailboxes::{MailboxError, connections};
use crate::smtp::{SendError, send};
use crate::thread::{reply_references, reply_subject};
use candor_app::App;
use candor_app::live::{LiveEvent, publish};
use candor_app::worker::{JobResult, Worker};
use candor_core::conversation::{Delivery, MessageKind};
use candor_core::identity::IdentityKind;
use candor_core::{ConversationId, MessageId, WorkspaceId};
use candor_store::email::NewEmailHeaders;
use candor_store::jobs::ClaimedJob;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox as Address, MultiPart, SinglePart};
use std::time::Duration;

/// The job kind of agent replies on the email channel.
pub const DELIVER_JOB: &str = "deliver.email";

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Registers the email jobs: agent replies and Candor's own emails.
pub fn register_jobs(worker: &mut Worker) {
    worker.register(DELIVER_JOB, deliver_reply);
    worker.register(candor_store::outbox::EMAIL_JOB, send_outbox_email);
}

/// Why a reply cannot go out, as shown on the message.
enum Problem {
    /// Nothing will change by trying again.
    Permanent(String),
    /// Try again later.
    Temporary(String),
}

impl From<candor_store::StoreError> for Problem {
    fn from(e: candor_store::StoreError) -> Self {
        Problem::Temporary(format!("database: {e}"))
    }
}

/// The `deliver.email` handler.
pub async fn deliver_reply(app: App, job: ClaimedJob) -> JobResult {
    let ws = job.workspace_id.ok_or("the job names no workspace")?;
    let message: MessageId = job
        .payload
        .get("message_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or("the job names no message")?;
    let conversation: ConversationId = job
        .payload
        .get("conversation_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or("the job names no conversation")?;
    let last_attempt = job.attempt >= job.max_attempts;
    match send_reply(&app, ws, conversation, message).await {
        Ok(None) => Ok(()),
        Ok(Some(answer)) => {
            finish(&app, ws, conversation, message, Delivery::Sent, &answer).await?;
            tracing::info!(job = %job.id, message = %message, "reply sent by email");
            Ok(())
        }
        Err(Problem::Permanent(why)) => {
            finish(&app, ws, conversation, message, Delivery::Failed, &why).await?;
            tracing::warn!(job = %job.id, message = %message, error = %why, "a reply could not be sent by email");
            Ok(())
        }
        Err(Problem::Temporary(why)) => {
            if last_attempt {
                let why = format!("gave up after {} attempts: {why}", job.attempt);
                finish(&app, ws, conversation, message, Delivery::Failed, &why).await?;
            } else {
                record_detail(
                    &app,
                    ws,
                    message,
                    &format!("attempt {} failed, will retry: {why}", job.attempt),
                )
                .await?;
            }
            Err(why)
        }
    }
}

async fn finish(
    app: &App,
    ws: WorkspaceId,
    conversation: ConversationId,
    message: MessageId,
    state: Delivery,
    detail: &str,
) -> Result<(), String> {
    let mut tx = app.db.begin().await.map_err(|e| e.to_string())?;
    // A reply that failed before it was addressed has no headers row yet;
    // one without ids keeps the reason (and never matches in threading).
    tx.insert_email_headers(
        app.now(),
        ws,
        &NewEmailHeaders {
            message_id: message,
            conversation_id: conversation,
            mailbox_id: None,
            direction: "out",
            rfc_message_id: "",
            customer_address: "",
            in_reply_to: "",
            references: &[],
            automated: "",
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.set_delivery(ws, message, state).await.map_err(|e| e.to_string())?;
    tx.set_delivery_detail(ws, message, detail)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    publish(app, LiveEvent::conversation(ws, "conversation.updated", conversation)).await;
    Ok(())
}

async fn record_detail(app: &App, ws: WorkspaceId, message: MessageId, detail: &str) -> Result<(), String> {
    let mut tx = app.db.begin().await.map_err(|e| e.to_string())?;
    tx.set_delivery_detail(ws, message, detail)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())
}

/// Sends one reply; `Ok(None)` when it was sent before (a repeated job).
async fn send_reply(
    app: &App,
    ws: WorkspaceId,
    conversation: ConversationId,
    id: MessageId,
) -> Result<Option<String>, Problem> {
    let message = app.db.message(ws, id).await?;
    if message.kind != MessageKind::Outbound || message.delivery != Some(Delivery::Queued) {
        return Ok(None);
    }
    let conv = app.db.conversation(ws, conversation).await?;
    let workspace = app.db.workspace(ws).await?;
    let thread = app.db.email_headers_of(ws, conversation).await?;
    let Some(mailbox) = app.db.mailbox_for_reply(ws, conversation).await? else {
        return Err(Problem::Permanent(
            "no mailbox sends email for this workspace: add one under Settings → Email".into(),
        ));
    };
    if mailbox.fields.smtp_host.is_empty() {
        return Err(Problem::Permanent(format!(
            "the mailbox {} has no SMTP relay set",
            mailbox.fields.address
        )));
    }
    // The address the customer last wrote from, else their first email address.
    let customer = app.db.customer(ws, conv.customer_id).await?;
    let to = thread
        .iter()
        .rev()
        .find(|h| h.direction == "in" && !h.customer_address.is_empty())
        .map(|h| h.customer_address.clone())
        .or_else(|| {
            customer
                .identities
                .iter()
                .find(|i| i.kind == IdentityKind::Email)
                .map(|i| i.value.clone())
        })
        .ok_or_else(|| Problem::Permanent("the customer has no email address".into()))?;
    let (_, smtp) = connections(app, &mailbox).map_err(|e| match e {
        MailboxError::Setting(m) => Problem::Permanent(m),
        other => Problem::Permanent(other.to_string()),
    })?;
    let domain = mailbox
        .fields
        .address
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "candor.invalid".into());
    let own_id = format!("{}@{domain}", message.id);
    let in_reply_to = thread
        .iter()
        .rev()
        .find(|h| h.direction == "in")
        .map(|h| h.rfc_message_id.clone());
    let mut ids: Vec<String> = Vec::new();
    for h in &thread {
        ids.extend(h.references.iter().cloned());
        ids.push(h.rfc_message_id.clone());
    }
    ids.retain(|i| *i != own_id && !i.starts_with("imap:") && !i.starts_with("sha256:"));
    let references = reply_references(&ids);
    let mut tx = app.db.begin().await?;
    let token = tx.email_token(app.now(), ws, conversation).await?;
    tx.insert_email_headers(
        app.now(),
        ws,
        &NewEmailHeaders {
            message_id: message.id,
            conversation_id: conversation,
            mailbox_id: Some(mailbox.id),
            direction: "out",
            rfc_message_id: &own_id,
            customer_address: &to,
            in_reply_to: in_reply_to.as_deref().unwrap_or(""),
            references: &references,
            automated: "",
        },
    )
    .await?;
    tx.commit().await?;
    let files = app.db.attachments_of(ws, conversation).await?;
    let mut attachments = Vec::new();
    for a in files.iter().filter(|a| a.message_id == Some(message.id)) {
        let bytes = app
            .files
            .get(&a.sha256)
            .await
            .map_err(|e| Problem::Temporary(format!("attachment {}: {e}", a.filename)))?;
        attachments.push((a.filename.clone(), a.content_type.clone(), bytes));
    }
    let from_name = format!("{} at {}", message.author.name, workspace.name);
    let built = build(&BuildInput {
        from: (&from_name, &mailbox.fields.address),
        to: (&customer.name, &to),
        subject: &reply_subject(&conv.subject, &token),
        message_id: &own_id,
        in_reply_to: in_reply_to.as_deref(),
        references: &references,
        text: &format!("{}\n\n— {}", message.body, message.author.name),
        html: None,
        attachments: &attachments,
    })
    .map_err(Problem::Permanent)?;
    match send(&smtp, built, SMTP_TIMEOUT).await {
        Ok(answer) => Ok(Some(answer)),
        Err(SendError::Permanent(m)) => Err(Problem::Permanent(m)),
        Err(SendError::Temporary(m)) => Err(Problem::Temporary(m)),
    }
}

/// What an outgoing email is made of.
pub struct BuildInput<'a> {
    /// Display name and address.
    pub from: (&'a str, &'a str),
    /// Display name (may be empty) and address.
    pub to: (&'a str, &'a str),
    /// Subject.
    pub subject: &'a str,
    /// Its Message-ID, without brackets.
    pub message_id: &'a str,
    /// The message it answers.
    pub in_reply_to: Option<&'a str>,
    /// The thread, oldest first.
    pub references: &'a [String],
    /// The plain text.
    pub text: &'a str,
    /// The HTML part (else made from the text).
    pub html: Option<&'a str>,
    /// Files: name, content type, bytes.
    pub attachments: &'a [(String, String, Vec<u8>)],
}

/// Builds the email (text and HTML alternatives, then files).
pub fn build(b: &BuildInput<'_>) -> Result<lettre::Message, String> {
    let address = |name: &str, addr: &str, what: &str| -> Result<Address, String> {
        let email = addr
            .parse()
            .map_err(|e| format!("the {what} address {addr} cannot be used: {e}"))?;
        Ok(Address::new(
            (!name.trim().is_empty()).then(|| name.trim().to_string()),
            email,
        ))
    };
    let from = address(b.from.0, b.from.1, "mailbox")?;
    let reply_to = address("", b.from.1, "mailbox")?;
    let to = address(b.to.0, b.to.1, "customer's")?;
    let mut builder = lettre::Message::builder()
        .from(from)
        .reply_to(reply_to)
        .to(to)
        .subject(b.subject)
        .message_id(Some(format!("<{}>", b.message_id)));
    if let Some(parent) = b.in_reply_to {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !b.references.is_empty() {
        builder = builder.references(
            b.references
                .iter()
                .map(|r| format!("<{r}>"))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let html = match b.html.filter(|h| !h.trim().is_empty()) {
        Some(h) => h.to_string(),
        None => format!(
            "<!doctype html><html><body><div style=\"white-space: pre-wrap\">{}</div></body></html>",
            escape_html(b.text)
        ),
    };
    let body = MultiPart::alternative_plain_html(b.text.to_string(), html);
    let message = if b.attachments.is_empty() {
        builder.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for (name, content_type, bytes) in b.attachments {
            let ct = ContentType::parse(content_type)
                .unwrap_or(ContentType::parse("application/octet-stream").map_err(|e| e.to_string())?);
            let part: SinglePart = Attachment::new(name.clone()).body(bytes.clone(), ct);
            mixed = mixed.singlepart(part);
        }
        builder.multipart(mixed)
    };
    message.map_err(|e| format!("the email cannot be built: {e}"))
}

/// Text made safe inside HTML (only the five characters that matter, so
/// the text stays readable in the source).
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The `email.send` handler: Candor's own emails (community sign-in links
/// and news) through the workspace's first mailbox that sends. Without one,
/// the email is held in the outbox, as before any mailbox existed.
pub async fn send_outbox_email(app: App, job: ClaimedJob) -> JobResult {
    let outbox_id = job
        .payload
        .get("outbox_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<uuid::Uuid>().ok());
    let Some(ws) = job.workspace_id else {
        return candor_app::community::mail::hold_without_transport(app, job).await;
    };
    let mailbox = app
        .db
        .mailboxes(ws)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|m| m.fields.enabled && !m.fields.smtp_host.is_empty());
    let Some(mailbox) = mailbox else {
        return candor_app::community::mail::hold_without_transport(app, job).await;
    };
    let text = |k: &str| job.payload.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let (to, subject, body, html) = (text("to"), text("subject"), text("text"), text("html"));
    let workspace = app.db.workspace(ws).await.map_err(|e| e.to_string())?;
    let (_, smtp) = connections(&app, &mailbox).map_err(|e| e.to_string())?;
    let domain = mailbox
        .fields
        .address
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    let id = format!(
        "{}@{domain}",
        outbox_id.map(|u| u.to_string()).unwrap_or_else(|| job.id.to_string())
    );
    let built = build(&BuildInput {
        from: (&workspace.name, &mailbox.fields.address),
        to: ("", &to),
        subject: &subject,
        message_id: &id,
        in_reply_to: None,
        references: &[],
        text: &body,
        html: Some(&html),
        attachments: &[],
    })?;
    match send(&smtp, built, SMTP_TIMEOUT).await {
        Ok(_) => {
            if let Some(id) = outbox_id {
                app.db
                    .mark_outbox(app.now(), id, "sent")
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Err(SendError::Permanent(m)) => {
            if let Some(id) = outbox_id {
                app.db
                    .mark_outbox(app.now(), id, "failed")
                    .await
                    .map_err(|e| e.to_string())?;
            }
            tracing::warn!(job = %job.id, error = %m, "an email was refused by the SMTP relay");
            Ok(())
        }
        Err(SendError::Temporary(m)) => Err(m),
    }
}

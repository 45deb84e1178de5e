//! Inbound email: raw bytes (from IMAP or a provider's webhook) → parsed →
//! threaded (In-Reply-To and References against Message-IDs Candor has seen
//! or sent, then the `[#TOKEN]` in the subject, else a new conversation) →
//! the one ingest path. Idempotent: the Message-ID (or, without one, the
//! IMAP position or the bytes' hash) is the message's external id.

use crate::automated::Automated;
use crate::parse::{ParsedEmail, parse};
use crate::thread::subject_token;
use candor_app::App;
use candor_app::error::{AppError, AppResult};
use candor_app::ingest::{InboundAttachment, InboundMessage, StoredAt, ingest_then};
use candor_app::reference::CustomerRef;
use candor_core::conversation::Channel;
use candor_core::identity::{Identity, IdentityKind};
use candor_core::{ConversationId, MessageId, WorkspaceId};
use candor_store::email::NewEmailHeaders;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The tag a conversation gets when its email could not be read.
pub const UNREADABLE_TAG: &str = "could-not-read";

/// The external identity of the customer that mail without a sender is kept under.
pub const UNKNOWN_SENDER: &str = "email-unknown-sender";

/// Where an email came from.
#[derive(Clone, Copy, Debug, Default)]
pub struct Source {
    /// The mailbox it was fetched from (none for a webhook).
    pub mailbox_id: Option<Uuid>,
    /// Its folder's UIDVALIDITY and its UID, when fetched by IMAP.
    pub imap: Option<(u32, u32)>,
}

/// What receiving an email did.
#[derive(Clone, Debug)]
pub struct Received {
    /// The conversation it is in.
    pub conversation_id: ConversationId,
    /// The stored message.
    pub message_id: MessageId,
    /// It had been received before; nothing changed.
    pub duplicate: bool,
    /// A new conversation was opened for it.
    pub opened: bool,
    /// False when it could not be read (kept raw, conversation tagged).
    pub readable: bool,
    /// "auto-reply" or "bounce", when it was one.
    pub automated: Option<&'static str>,
}

/// Receives one raw email for workspace `ws` (see the module docs).
pub async fn receive(app: &App, ws: WorkspaceId, raw: &[u8], source: Source) -> AppResult<Received> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::invalid(
            "body",
            "the message is empty: send the raw email (message/rfc822)",
        ));
    }
    let email = parse(raw);
    let external = external_id(&email, raw, source);
    let mut m = InboundMessage::new(ws, sender(&email)?, Channel::Email, &email.text);
    m.subject = email.subject.clone();
    m.html = email.html.clone();
    m.external_id = Some(external.clone());
    m.automated = email.automated.is_some();
    m.conversation_id = thread(app, ws, &email).await?;
    m.thread = Some(email.references.first().cloned().unwrap_or_else(|| external.clone()));
    if !email.readable {
        m.tags = vec![UNREADABLE_TAG.to_string()];
    }
    let limit = app.files.max_bytes();
    let mut dropped = Vec::new();
    for a in &email.attachments {
        if a.bytes.len() as u64 > limit {
            dropped.push(format!(
                "[An attachment, \"{}\" ({} bytes), was larger than this server's limit of {limit} bytes and is not kept.]",
                a.filename,
                a.bytes.len()
            ));
        } else {
            m.attachments.push(InboundAttachment {
                filename: a.filename.clone(),
                bytes: a.bytes.clone(),
            });
        }
    }
    if !dropped.is_empty() {
        m.text = format!("{}\n\n{}", m.text, dropped.join("\n"));
    }
    // The headers and what a bounce says are kept in the message's own transaction.
    let kept = Kept {
        now: app.now(),
        ws,
        mailbox_id: source.mailbox_id,
        rfc_message_id: email.message_id.clone().unwrap_or_else(|| external.clone()),
        customer_address: email.sender.as_ref().map(|s| s.address.clone()).unwrap_or_default(),
        in_reply_to: email.in_reply_to.join(" "),
        references: email.references.clone(),
        automated: email.automated.clone(),
    };
    let again = kept.clone();
    let done = ingest_then(app, m, move |tx, at| Box::pin(async move { kept.write(tx, at).await })).await?;
    if done.duplicate {
        // An earlier delivery may have stopped between the message and its
        // headers (before both were kept in one transaction).
        let at = StoredAt {
            message: done.message.id,
            conversation: done.message.conversation_id,
        };
        let mut tx = app.db.begin().await?;
        tx.insert_email_headers(app.now(), ws, &again.headers(at)).await?;
        tx.commit().await?;
    }
    Ok(Received {
        conversation_id: done.message.conversation_id,
        message_id: done.message.id,
        duplicate: done.duplicate,
        opened: done.opened,
        readable: email.readable,
        automated: email.automated.as_ref().map(Automated::as_str),
    })
}

/// What an email keeps beside its message, owned so that it can go with the
/// write to the database's writer.
#[derive(Clone)]
struct Kept {
    now: jiff::Timestamp,
    ws: WorkspaceId,
    mailbox_id: Option<Uuid>,
    rfc_message_id: String,
    customer_address: String,
    in_reply_to: String,
    references: Vec<String>,
    automated: Option<Automated>,
}

impl Kept {
    fn headers(&self, at: StoredAt) -> NewEmailHeaders<'_> {
        NewEmailHeaders {
            message_id: at.message,
            conversation_id: at.conversation,
            mailbox_id: self.mailbox_id,
            direction: "in",
            rfc_message_id: &self.rfc_message_id,
            customer_address: &self.customer_address,
            in_reply_to: &self.in_reply_to,
            references: &self.references,
            automated: self.automated.as_ref().map(Automated::as_str).unwrap_or(""),
        }
    }

    /// The headers, and a bounce's failing addresses marked.
    async fn write(self, tx: &mut candor_store::Tx, at: StoredAt) -> AppResult<()> {
        tx.insert_email_headers(self.now, self.ws, &self.headers(at)).await?;
        if let Some(Automated::Bounce(failed)) = &self.automated {
            for f in failed {
                let known = tx
                    .mark_address_bounced(self.now, self.ws, &f.address, &f.reason)
                    .await?;
                tracing::info!(known, "a bounce marked an address as failing");
            }
        }
        Ok(())
    }
}

/// The message's key for idempotent delivery.
fn external_id(email: &ParsedEmail, raw: &[u8], source: Source) -> String {
    match (&email.message_id, source.imap, source.mailbox_id) {
        (Some(id), _, _) => id.clone(),
        (None, Some((validity, uid)), Some(mailbox)) => format!("imap:{mailbox}:{validity}:{uid}"),
        _ => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
    }
}

fn sender(email: &ParsedEmail) -> AppResult<CustomerRef> {
    if let Some(s) = &email.sender
        && let Ok(identity) = Identity::parse(IdentityKind::Email, &s.address, None)
    {
        return Ok(CustomerRef::Identity {
            identity,
            name: s.name.clone(),
        });
    }
    // Mail without a usable sender still arrives; it is kept under one
    // placeholder customer so an agent can see it and move it.
    let identity = Identity::parse(IdentityKind::External, UNKNOWN_SENDER, None)
        .map_err(|e| AppError::Internal(format!("the unknown-sender identity: {e}")))?;
    Ok(CustomerRef::Identity {
        identity,
        name: Some("Unknown sender".into()),
    })
}

/// The conversation an email answers: by its headers, then by the token in
/// its subject.
async fn thread(app: &App, ws: WorkspaceId, email: &ParsedEmail) -> AppResult<Option<ConversationId>> {
    let mut ids = email.references.clone();
    ids.extend(email.in_reply_to.iter().cloned());
    if !ids.is_empty()
        && let Some(c) = app.db.conversation_by_email_ids(ws, &ids).await?
    {
        return Ok(Some(c));
    }
    if let Some(token) = email.subject.as_deref().and_then(subject_token)
        && let Some(c) = app.db.conversation_by_email_token(ws, &token).await?
    {
        return Ok(Some(c));
    }
    Ok(None)
}

/// Receives a raw email handed in through the API (a provider's webhook):
/// the caller needs the write scope; the email goes the same way as one
/// fetched by IMAP.
pub async fn receive_as(app: &App, caller: &candor_app::Caller, raw: &[u8]) -> AppResult<Received> {
    caller.require(candor_core::staff::Scope::Write)?;
    receive(app, caller.workspace(), raw, Source::default()).await
}

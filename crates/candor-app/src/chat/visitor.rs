//! The visitor's side of a chat: who they are (an anonymous browser, or a
//! site's user whose id the site signed), what they write (through the one
//! ingest path), the email they give, and whether their widget is connected.

use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::ingest::{self, InboundMessage, Outcome};
use crate::live::{LiveEvent, publish};
use crate::reference::{CustomerRef, resolve_in};
use candor_core::chat::{check_message, check_token, message_external_id, user_thread, verify_user, visitor_thread};
use candor_core::conversation::{Channel, MessageKind};
use candor_core::events::{Actor, Subject, kind};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::{ConversationId, CustomerId, MessageId, WorkspaceId};
use candor_store::chat::ChatSession;
use candor_store::events::NewEvent;
use candor_store::messages::{Author, Message, NewMessage};
use jiff::SignedDuration;
use serde_json::json;

/// How long a connected widget counts as present without a heartbeat.
pub const PRESENCE: SignedDuration = SignedDuration::from_secs(60);

/// A visitor, once their hello is checked.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// The workspace whose chat it is.
    pub workspace_id: WorkspaceId,
    /// The chat's thread reference: "v:VISITOR" or "u:USER".
    pub thread: String,
    /// Who writes: the chat visitor identity, or the site's user as an external id.
    pub sender: CustomerRef,
    /// Whether the site vouched for them with a valid signature.
    pub signed: bool,
    /// The name agents see (also while they type).
    pub name: String,
}

/// What a widget says first.
#[derive(Clone, Debug, Default)]
pub struct Hello {
    /// The browser's random id (kept in the page's localStorage).
    pub visitor: String,
    /// The site's id for its signed-in user.
    pub user_id: Option<String>,
    /// Hex HMAC-SHA256 of `user_id` with the workspace's chat secret.
    pub user_hash: Option<String>,
    /// The user's name, used if their customer record is made now.
    pub user_name: Option<String>,
}

/// Checks a hello. A signature that does not match (or a site that signs
/// before a secret exists) is refused with `Unauthorized`: the socket says
/// so and closes, and no chat is opened under a name nobody vouched for.
pub async fn identify(app: &App, ws: WorkspaceId, hello: &Hello) -> AppResult<Visitor> {
    let visitor = check_token(hello.visitor.trim()).map_err(|e| AppError::invalid("visitor", e.to_string()))?;
    let nonblank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (user_id, user_hash) = (nonblank(&hello.user_id), nonblank(&hello.user_hash));
    let user_name = nonblank(&hello.user_name).map(|n| n.chars().take(200).collect::<String>());
    match (user_id, user_hash) {
        (None, None) => {
            let identity = Identity::parse(IdentityKind::Chat, visitor, None)
                .map_err(|e| AppError::invalid("visitor", e.to_string()))?;
            let short: String = visitor
                .chars()
                .rev()
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let name = format!("Chat visitor {short}");
            Ok(Visitor {
                workspace_id: ws,
                thread: visitor_thread(visitor),
                sender: CustomerRef::Identity {
                    identity,
                    name: Some(name.clone()),
                },
                signed: false,
                name,
            })
        }
        (Some(_), None) => Err(AppError::invalid(
            "user_hash",
            "a signed identity needs both data-user-id and data-user-hash",
        )),
        (None, Some(_)) => Err(AppError::invalid(
            "user_id",
            "a signed identity needs both data-user-id and data-user-hash",
        )),
        (Some(id), Some(hash)) => {
            let identity = Identity::parse(IdentityKind::External, &id, None)
                .map_err(|e| AppError::invalid("user_id", e.to_string()))?;
            let settings = super::settings::widget_settings(app, ws).await?;
            let valid = settings
                .secret
                .as_deref()
                .is_some_and(|secret| verify_user(secret, identity.value(), &hash));
            if !valid {
                return Err(AppError::Unauthorized(
                    "the signed identity does not match: data-user-hash must be the hex HMAC-SHA256 of \
                     data-user-id with this workspace's chat secret"
                        .into(),
                ));
            }
            let name = user_name.clone().unwrap_or_else(|| identity.value().to_string());
            Ok(Visitor {
                workspace_id: ws,
                thread: user_thread(identity.value()),
                sender: CustomerRef::Identity {
                    identity,
                    name: user_name,
                },
                signed: true,
                name,
            })
        }
    }
}

/// Says the visitor's widget is connected (for [`PRESENCE`]); returns the thread.
pub async fn connected(app: &App, v: &Visitor) -> AppResult<ChatSession> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let s = tx.chat_presence(now, v.workspace_id, &v.thread, now + PRESENCE).await?;
    tx.commit().await?;
    Ok(s)
}

/// Says the visitor's widget went away.
pub async fn disconnected(app: &App, v: &Visitor) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    tx.chat_presence(now, v.workspace_id, &v.thread, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A visitor's message, stored.
#[derive(Clone, Debug)]
pub struct Posted {
    /// The stored message (the earlier one for a resend).
    pub message: Message,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// It had been stored before (a resend after a reconnect).
    pub duplicate: bool,
}

/// Stores a visitor's message through the ingest path. `client_id` is the
/// widget's id for it: sending it again stores nothing new.
pub async fn post(app: &App, v: &Visitor, client_id: &str, text: &str) -> AppResult<Posted> {
    check_token(client_id).map_err(|e| AppError::invalid("client_id", e.to_string()))?;
    check_message(text).map_err(|e| AppError::invalid("text", e.to_string()))?;
    let mut m = InboundMessage::new(v.workspace_id, v.sender.clone(), Channel::Chat, text);
    m.thread = Some(v.thread.clone());
    m.external_id = Some(message_external_id(&v.thread, client_id));
    let prepared = ingest::prepare(app, &m).await?;
    let mut tx = app.db.begin().await?;
    match ingest::ingest_in(&mut tx, app, &m, prepared).await? {
        Outcome::Stored(done) => {
            let conv = &done.conversation;
            tx.set_chat_thread(app.now(), v.workspace_id, &v.thread, conv.customer_id, Some(conv.id))
                .await?;
            tx.commit().await?;
            ingest::announce(app, &done).await;
            Ok(Posted {
                conversation_id: done.conversation.id,
                message: done.message,
                duplicate: false,
            })
        }
        Outcome::Duplicate(found) => Ok(Posted {
            conversation_id: found.conversation_id,
            message: *found,
            duplicate: true,
        }),
        Outcome::Raced => {
            drop(tx);
            let done = ingest::stored_twice(app, &m).await?;
            Ok(Posted {
                conversation_id: done.conversation.id,
                message: done.message,
                duplicate: true,
            })
        }
    }
}

/// Tells agents looking at the conversation that the visitor is typing.
pub async fn typing(app: &App, v: &Visitor, conversation: ConversationId) {
    let mut e = LiveEvent::conversation(v.workspace_id, "typing", conversation);
    e.name = Some(v.name.clone());
    publish(app, e).await;
}

/// What became of an email a visitor gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailOutcome {
    /// Added to the visitor's customer record, unverified.
    Saved,
    /// The record had it already.
    Known,
    /// It belongs to another customer: not linked (nobody verified that the
    /// visitor owns it); the agents are told, and may merge the two.
    NeedsConfirmation,
}

impl EmailOutcome {
    /// The word the widget receives.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailOutcome::Saved => "saved",
            EmailOutcome::Known => "known",
            EmailOutcome::NeedsConfirmation => "needs_confirmation",
        }
    }
}

/// Records the email a visitor gave, so a reply can reach them by email
/// when they have left. An address nobody has is added to their record,
/// unverified. An address of another customer is never linked on the
/// visitor's word: the conversation gets a note for the agents instead.
pub async fn give_email(app: &App, v: &Visitor, raw: &str) -> AppResult<EmailOutcome> {
    let identity =
        Identity::parse(IdentityKind::Email, raw, None).map_err(|e| AppError::invalid("email", e.to_string()))?;
    let ws = v.workspace_id;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (customer, _) = resolve_in(&mut tx, app, ws, Actor::System, "", &v.sender, "chat").await?;
    tx.set_chat_thread(now, ws, &v.thread, customer, None).await?;
    let conversation = tx
        .conversation_by_thread(ws, Channel::Chat, &v.thread)
        .await?
        .map(|c| c.id);
    let outcome = match tx.customer_by_identity(ws, &identity).await? {
        Some(owner) if owner == customer => EmailOutcome::Known,
        Some(owner) => {
            claimed(&mut tx, app, ws, customer, owner, &identity, conversation).await?;
            EmailOutcome::NeedsConfirmation
        }
        None => {
            tx.add_identity(now, ws, customer, &identity, false).await?;
            tx.refresh_search_text(ws, customer).await?;
            tx.touch_customer(now, ws, customer).await?;
            tx.append_customer_event(
                now,
                NewEvent {
                    workspace_id: ws,
                    actor: Actor::System,
                    kind: kind::CUSTOMER_IDENTITY_ADDED,
                    subject: Subject::new("customer", customer.as_uuid()),
                    payload: json!({"identity": identity.to_string(), "verified": false, "source": "chat"}),
                },
                Some(customer),
            )
            .await?;
            EmailOutcome::Saved
        }
    };
    tx.commit().await?;
    if let Some(c) = conversation {
        publish(app, LiveEvent::conversation(ws, "conversation.updated", c)).await;
    }
    Ok(outcome)
}

/// The visitor named another customer's address: an event on the
/// visitor's record and, in their chat, a note for the agents.
async fn claimed(
    tx: &mut candor_store::Tx,
    app: &App,
    ws: WorkspaceId,
    customer: CustomerId,
    owner: CustomerId,
    identity: &Identity,
    conversation: Option<ConversationId>,
) -> AppResult<()> {
    let now = app.now();
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::CHAT_EMAIL_CLAIMED,
            subject: Subject::new("customer", customer.as_uuid()),
            payload: json!({"email": identity.value(), "owner_id": owner}),
        },
        Some(customer),
    )
    .await?;
    let Some(id) = conversation else {
        return Ok(());
    };
    let owner_name = tx.customer_display_name(ws, owner).await?;
    let body = format!(
        "The visitor gave the address {} in the chat. It belongs to the customer {owner_name} \
         (/customers/{owner}), so it was not added: nobody has verified that the visitor owns it. \
         If they are the same person, merge the two customers; replies by email go only to addresses \
         on this customer's record.",
        identity.value()
    );
    let mut c = tx.conversation(ws, id).await?;
    tx.insert_message(
        now,
        ws,
        &NewMessage {
            conversation_id: id,
            kind: MessageKind::Note,
            body: &body,
            html: None,
            author: Author {
                kind: "system".into(),
                id: None,
                name: "Candor".into(),
            },
            language: Some("en"),
            sentiment: None,
            delivery: None,
            channel: Channel::Chat,
            external_id: None,
        },
    )
    .await?;
    c.message_count += 1;
    tx.save_conversation(now, &c).await?;
    Ok(())
}

/// What the widget shows after `after`: the visitor's and the agents'
/// messages (no notes), oldest first, at most 200.
pub async fn messages_after(
    app: &App,
    ws: WorkspaceId,
    conversation: ConversationId,
    after: Option<MessageId>,
) -> AppResult<Vec<Message>> {
    Ok(app.db.chat_messages_after(ws, conversation, after, 200).await?)
}

/// Marks replies the widget was sent as delivered, and tells the agents'
/// pages (their delivery state changed).
pub async fn delivered(app: &App, ws: WorkspaceId, conversation: ConversationId, ids: &[MessageId]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = app.db.begin().await?;
    let n = tx.mark_chat_delivered(ws, ids).await?;
    tx.commit().await?;
    if n > 0 {
        publish(app, LiveEvent::conversation(ws, "conversation.updated", conversation)).await;
    }
    Ok(())
}

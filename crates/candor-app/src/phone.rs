//! The phone channel: a call logged by the telephony system (webhook) or by
//! an agent by hand becomes a message in the customer's phone conversation,
//! through the one ingest path. The customer is found by phone number (an
//! unknown number creates one). Inbound calls are the customer's messages;
//! outbound calls are the agent's, signed by them. An inbound call nobody
//! answered is owed a call-back: a promise owed by the conversation's
//! assignee, or, when it has none, by whoever it is assigned to later
//! (see `candor_core::phone` for when it is due).

use crate::caller::Caller;
use crate::context::App;
use crate::conversation_views::ConversationView;
use crate::error::{AppError, AppResult};
use crate::ingest::{InboundMessage, Outcome, announce, ingest_in, prepare, stored_twice};
use crate::reference::CustomerRef;
use candor_core::conversation::{Channel, Status, UnknownWord};
use candor_core::events::{Subject, kind};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::links::web_url;
use candor_core::phone::{
    CallDirection, CallStatus, MAX_TRANSCRIPT_BYTES, call_subject, call_text, callback_due, check_duration,
    needs_callback,
};
use candor_core::promises::{PromiseKind, PromiseState};
use candor_core::staff::{Role, Scope};
use candor_core::{CallId, ConversationId, PromiseId, UserId, WorkspaceId};
use candor_store::Tx;
use candor_store::conversations::{Conversation, Filter};
use candor_store::events::NewEvent;
use candor_store::phone::Call;
use candor_store::promises::Promise;
use candor_store::staff::User;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A call as the API and the customer page hand it in.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogCall {
    /// The calling number: E.164 (`+4930…`), or national with `region`.
    #[serde(default)]
    pub from: String,
    /// The called number.
    #[serde(default)]
    pub to: String,
    /// "inbound" (the customer called) or "outbound" (an agent called).
    #[serde(default)]
    pub direction: String,
    /// When the call started (RFC 3339).
    #[serde(default)]
    pub started_at: String,
    /// How long it lasted, in seconds (0 by default).
    #[serde(default)]
    pub duration: Option<i64>,
    /// A link to the recording (http or https).
    #[serde(default)]
    pub recording_url: Option<String>,
    /// The transcript, or the agent's notes.
    #[serde(default)]
    pub transcript: Option<String>,
    /// The staff member on the call: id or email (required for outbound calls).
    #[serde(default)]
    pub agent: Option<String>,
    /// "answered" (default), "missed" or "voicemail".
    #[serde(default)]
    pub status: Option<String>,
    /// The telephony system's id for the call: the same again is stored once.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The country national numbers are read in (two letters, e.g. "DE").
    #[serde(default)]
    pub region: Option<String>,
    /// The name to give a customer created for an unknown number.
    #[serde(default)]
    pub name: Option<String>,
    /// A known customer (the customer page logs calls this way); then
    /// `from` and `to` may be left out.
    #[serde(default)]
    pub customer_id: Option<String>,
}

/// A stored call, as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CallView {
    /// Its id.
    pub id: String,
    /// inbound or outbound.
    pub direction: CallDirection,
    /// answered, missed or voicemail.
    pub status: CallStatus,
    /// The calling number (E.164).
    pub from: String,
    /// The called number (E.164).
    pub to: String,
    /// When it started.
    pub started_at: String,
    /// Seconds.
    pub duration: i64,
    /// The recording.
    pub recording_url: Option<String>,
    /// The staff member on the call.
    pub agent_id: Option<String>,
    /// The telephony system's id.
    pub external_id: Option<String>,
    /// The message that tells the call in the conversation.
    pub message_id: String,
    /// When the call-back is due (unanswered inbound calls).
    pub callback_due_at: Option<String>,
    /// The call-back promise, once someone owes it.
    pub callback_promise_id: Option<String>,
}

impl CallView {
    /// The view of a stored call.
    pub fn of(c: &Call) -> Self {
        Self {
            id: c.id.to_string(),
            direction: c.direction,
            status: c.status,
            from: c.from_number.clone(),
            to: c.to_number.clone(),
            started_at: c.started_at.to_string(),
            duration: c.duration_secs,
            recording_url: c.recording_url.clone(),
            agent_id: c.agent_id.map(|a| a.to_string()),
            external_id: c.external_id.clone(),
            message_id: c.message_id.to_string(),
            callback_due_at: c.callback_due_at.map(|t| t.to_string()),
            callback_promise_id: c.callback_promise_id.map(|p| p.to_string()),
        }
    }
}

/// What logging a call did.
#[derive(Clone, Debug)]
pub struct Logged {
    /// The call (the stored one, for a repeat).
    pub call: Call,
    /// Its conversation, as it is now.
    pub conversation: Conversation,
    /// The call had been logged before; nothing changed.
    pub duplicate: bool,
}

struct Checked {
    customer: CustomerRef,
    direction: CallDirection,
    status: CallStatus,
    from: Option<Identity>,
    to: Option<Identity>,
    started_at: Timestamp,
    duration: i64,
    recording_url: Option<String>,
    transcript: Option<String>,
    agent: Option<User>,
}

fn word<T: std::str::FromStr<Err = UnknownWord>>(field: &str, raw: &str) -> AppResult<T> {
    raw.parse()
        .map_err(|e: UnknownWord| AppError::invalid(field, e.to_string()))
}

fn number(field: &str, raw: &str, region: Option<&str>) -> AppResult<Identity> {
    Identity::parse(IdentityKind::Phone, raw, region).map_err(|e| {
        let field = match e {
            candor_core::identity::IdentityError::UnknownRegion(_) => "region",
            _ => field,
        };
        AppError::invalid(field, e.to_string())
    })
}

async fn staff_member(app: &App, caller: &Caller, raw: &str) -> AppResult<User> {
    let raw = raw.trim();
    let found = if raw.contains('@') {
        let email = raw.to_lowercase();
        app.db
            .users(caller.workspace())
            .await?
            .into_iter()
            .find(|u| u.email.to_lowercase() == email)
    } else {
        match raw.parse::<UserId>() {
            Ok(id) => app.db.user(caller.workspace(), id).await.ok(),
            Err(_) => return Err(AppError::invalid("agent", "give a staff member's id or email")),
        }
    };
    match found {
        Some(u) if u.active && u.role >= Role::Agent => Ok(u),
        _ => Err(AppError::invalid("agent", "no such active agent in this workspace")),
    }
}

async fn check(app: &App, caller: &Caller, input: &LogCall) -> AppResult<Checked> {
    let region = input.region.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let known = match input.customer_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(id) => Some(CustomerRef::parse("", Some(id), None)?),
        None => None,
    };
    let given = |raw: &str| !raw.trim().is_empty() || known.is_none();
    let from = if given(&input.from) {
        Some(number("from", &input.from, region)?)
    } else {
        None
    };
    let to = if given(&input.to) {
        Some(number("to", &input.to, region)?)
    } else {
        None
    };
    let direction: CallDirection = if input.direction.trim().is_empty() {
        return Err(AppError::invalid(
            "direction",
            "say whether the call was inbound or outbound",
        ));
    } else {
        word("direction", &input.direction)?
    };
    let customer = match (known, direction, &from, &to) {
        (Some(k), ..) => k,
        (None, CallDirection::Inbound, Some(n), _) | (None, CallDirection::Outbound, _, Some(n)) => {
            CustomerRef::Identity {
                identity: n.clone(),
                name: input.name.clone().filter(|n| !n.trim().is_empty()),
            }
        }
        (None, CallDirection::Inbound, None, _) => {
            return Err(AppError::invalid("from", "the caller's number is missing"));
        }
        (None, CallDirection::Outbound, _, None) => {
            return Err(AppError::invalid("to", "the called number is missing"));
        }
    };
    let status: CallStatus = word("status", input.status.as_deref().unwrap_or("answered"))?;
    let started_at: Timestamp = input
        .started_at
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("started_at", "a time like 2026-03-03T10:00:00Z"))?;
    if started_at > app.now() + SignedDuration::from_mins(5) {
        return Err(AppError::invalid("started_at", "the call cannot start in the future"));
    }
    let duration = check_duration(input.duration.unwrap_or(0)).map_err(|m| AppError::invalid("duration", m))?;
    let recording_url = match input.recording_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => Some(web_url(u).map_err(|m| AppError::invalid("recording_url", m))?),
        None => None,
    };
    let transcript = input
        .transcript
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if transcript.as_ref().is_some_and(|t| t.len() > MAX_TRANSCRIPT_BYTES) {
        return Err(AppError::invalid(
            "transcript",
            format!("at most {MAX_TRANSCRIPT_BYTES} bytes"),
        ));
    }
    let agent = match input.agent.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(staff_member(app, caller, a).await?),
        None if direction == CallDirection::Outbound => {
            return Err(AppError::invalid(
                "agent",
                "an outbound call needs the agent who made it",
            ));
        }
        None => None,
    };
    Ok(Checked {
        customer,
        direction,
        status,
        from,
        to,
        started_at,
        duration,
        recording_url,
        transcript,
        agent,
    })
}

/// Logs a call (see the module docs). Every field is checked before
/// anything is stored; the same `external_id` again returns the stored call.
pub async fn log_call(app: &App, caller: &Caller, input: &LogCall) -> AppResult<Logged> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let c = check(app, caller, input).await?;
    let sender = c.customer.clone();
    let text = call_text(c.direction, c.status, c.duration, c.transcript.as_deref());
    let mut m = InboundMessage::new(ws, sender, Channel::Phone, &text);
    m.subject = Some(call_subject(c.direction, c.status).to_string());
    m.external_id = input.external_id.clone();
    m.actor = caller.actor();
    if c.direction == CallDirection::Outbound {
        m.logged_by = c.agent.clone().map(Caller::session);
    }
    // A call joins the customer's phone conversation that is still going, else opens one.
    m.conversation_id = ongoing(app, ws, &c.customer).await?;
    let prepared = prepare(app, &m).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let done = match ingest_in(&mut tx, app, &m, prepared).await? {
        Outcome::Stored(done) => *done,
        Outcome::Duplicate(_) | Outcome::Raced => {
            drop(tx);
            let found = stored_twice(app, &m).await?;
            let call = app
                .db
                .call_by_message(ws, found.message.id)
                .await?
                .ok_or_else(|| AppError::invalid("external_id", "this id belongs to a message that is no call"))?;
            return Ok(Logged {
                call,
                conversation: found.conversation,
                duplicate: true,
            });
        }
    };
    let mut call = Call {
        id: CallId::new_at(now),
        customer_id: done.conversation.customer_id,
        conversation_id: done.conversation.id,
        message_id: done.message.id,
        direction: c.direction,
        status: c.status,
        from_number: c.from.as_ref().map(|n| n.value().to_string()).unwrap_or_default(),
        to_number: c.to.as_ref().map(|n| n.value().to_string()).unwrap_or_default(),
        started_at: c.started_at,
        duration_secs: c.duration,
        recording_url: c.recording_url,
        transcript: c.transcript,
        agent_id: c.agent.as_ref().map(|a| a.id),
        external_id: done.message.external_id.clone(),
        callback_due_at: None,
        callback_promise_id: None,
        created_at: now,
        created_by: Some(caller.user.id),
    };
    if needs_callback(c.direction, c.status) {
        call.callback_due_at = Some(callback_due_at(&mut tx, app, &done.conversation, c.started_at).await?);
    }
    tx.insert_call(ws, &call).await?;
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::CALL_LOGGED,
            subject: Subject::new("conversation", done.conversation.id.as_uuid()),
            payload: json!({"call_id": call.id, "direction": call.direction, "status": call.status,
                "duration": call.duration_secs, "started_at": call.started_at, "agent_id": call.agent_id,
                "callback_due_at": call.callback_due_at}),
        },
        Some(call.customer_id),
    )
    .await?;
    if let Some(owner) = done.conversation.assignee_id
        && call.callback_due_at.is_some()
    {
        call.callback_promise_id = Some(owe_callback(&mut tx, app, caller, &done.conversation, &call, owner).await?);
    }
    tx.commit().await?;
    announce(app, &done).await;
    Ok(Logged {
        call,
        conversation: done.conversation,
        duplicate: false,
    })
}

/// The customer's latest open or pending phone conversation, if they have one.
async fn ongoing(app: &App, ws: WorkspaceId, customer: &CustomerRef) -> AppResult<Option<ConversationId>> {
    let id = match customer {
        CustomerRef::Id(id) => *id,
        CustomerRef::Identity { identity, .. } => match app.db.customer_by_identity(ws, identity).await? {
            Some(c) => c.id,
            None => return Ok(None),
        },
    };
    let filter = Filter {
        statuses: vec![Status::Open, Status::Pending],
        channel: Some(Channel::Phone),
        customer: Some(id),
        ..Default::default()
    };
    let page = app.db.conversations(ws, &filter, None, 1).await?;
    Ok(page.items.first().map(|(c, _)| c.id))
}

/// When a call-back is due: from the call's start (or from now, when the
/// call is logged so late that the due time has passed).
async fn callback_due_at(tx: &mut Tx, app: &App, conv: &Conversation, started: Timestamp) -> AppResult<Timestamp> {
    let ws = conv.workspace_id;
    let now = app.now();
    let commitments = tx.commitments_at(ws, now).await?;
    let (target, calendar) = match &commitments {
        Some(v) => (
            v.commitments
                .for_conversation(Channel::Phone.as_str(), conv.priority.as_str())
                .and_then(|c| c.first_reply),
            v.commitments.calendar.clone(),
        ),
        None => (None, crate::insight::workspace_calendar(app, ws).await?),
    };
    let due = callback_due(target.as_ref(), &calendar, started);
    Ok(if due > now {
        due
    } else {
        callback_due(target.as_ref(), &calendar, now)
    })
}

/// Makes the call-back promise for `call`, owed by `owner`; returns its id.
async fn owe_callback(
    tx: &mut Tx,
    app: &App,
    caller: &Caller,
    conv: &Conversation,
    call: &Call,
    owner: UserId,
) -> AppResult<PromiseId> {
    let now = app.now();
    let due = call
        .callback_due_at
        .unwrap_or(now)
        .max(now + SignedDuration::from_mins(1));
    let p = Promise {
        id: PromiseId::new_at(now),
        conversation_id: conv.id,
        customer_id: conv.customer_id,
        owner_id: owner,
        description: match call.status {
            CallStatus::Voicemail => format!("Call back {} about their voicemail", caller_number(call)),
            _ => format!("Call back {} about their missed call", caller_number(call)),
        },
        kind: PromiseKind::Reply,
        due_at: due,
        state: PromiseState::Open,
        source: "call".into(),
        replaces_id: None,
        reason: None,
        reminded_at: None,
        settled_at: None,
        kept_how: None,
        created_at: now,
        created_by: Some(caller.user.id),
    };
    crate::promises::record(tx, app, caller, &p).await?;
    tx.set_callback_promise(conv.workspace_id, call.id, p.id).await?;
    Ok(p.id)
}

fn caller_number(call: &Call) -> &str {
    if call.from_number.is_empty() {
        "the customer"
    } else {
        &call.from_number
    }
}

/// After a conversation is assigned (in the same transaction): the call-backs
/// its unanswered calls owe, that nobody owed yet, become the assignee's promises.
pub async fn on_assigned(tx: &mut Tx, app: &App, caller: &Caller, conv: &Conversation) -> AppResult<()> {
    let Some(owner) = conv.assignee_id else {
        return Ok(());
    };
    if conv.channel != Channel::Phone || matches!(conv.status, Status::Closed) {
        return Ok(());
    }
    for call in tx.calls_awaiting_callback(conv.workspace_id, conv.id).await? {
        owe_callback(tx, app, caller, conv, &call, owner).await?;
    }
    Ok(())
}

/// The API's answer for a logged call.
pub async fn answer(app: &App, caller: &Caller, logged: &Logged) -> AppResult<serde_json::Value> {
    // The call is stored by now: a token that may only write (a phone
    // system's webhook) gets what it wrote back, and the customer's record
    // only with the read scope.
    let ws = caller.workspace();
    let customer = if caller.holds(Scope::Read) {
        let customer = app.db.customer(ws, logged.conversation.customer_id).await?;
        let currency = crate::customers::currency_of(app, ws).await?;
        Some(crate::customer_view::CustomerView::of(&customer, currency))
    } else {
        None
    };
    Ok(json!({
        "call": CallView::of(&logged.call),
        "conversation": ConversationView::of(&logged.conversation, customer.as_ref().map(|c| c.name.clone())),
        "customer": match &customer {
            Some(c) => json!(c),
            None => json!({"id": logged.conversation.customer_id}),
        },
        "duplicate": logged.duplicate,
    }))
}

//! Acting on mentions: the open alerts ("Reach out first"), starting a
//! proactive conversation from one, and recording a reply made in Candor to
//! a mention (posting it on the platform is the agent's step: the page
//! opens the post).
//!
//! A proactive conversation goes where the customer reads: email when they
//! have an email address, else the mention's platform (the social channel).
//! It is opened by the agent who clicked, assigned to them, tagged
//! `reach-out`, starts no commitment clock (no customer is waiting), and
//! holds a note quoting the mention; the agent's first reply goes out
//! through the channel like any reply.

use crate::caller::Caller;
use crate::context::App;
use crate::conversation_views::MessageView;
use crate::error::{AppError, AppResult};
use crate::ingest::{InboundMessage, ingest, preview};
use crate::live::{LiveEvent, publish};
use crate::reference::{CustomerRef, resolve_in};
use candor_core::conversation::{Channel, MessageKind, Priority, clean_body};
use candor_core::events::{Subject, kind};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::staff::Scope;
use candor_core::{ConversationId, CustomerId, MentionId, SocialAlertId};
use candor_store::Tx;
use candor_store::conversations::{Conversation, NewConversation};
use candor_store::events::NewEvent;
use candor_store::messages::{Author, NewMessage};
use candor_store::social::Mention;
use candor_store::social::rules::SocialAlert;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// An open alert with what the inbox shows beside it.
#[derive(Clone, Debug, Serialize)]
pub struct AlertView {
    /// The alert's id.
    pub id: String,
    /// Why it fired.
    pub reason: String,
    /// The rule's name.
    pub rule: String,
    /// When it fired.
    pub created_at: String,
    /// The mention.
    pub mention: super::MentionView,
    /// The customer's name, when the author is a known customer.
    pub customer_name: Option<String>,
}

/// Open alerts, newest first, with their mentions (at most `limit`).
pub async fn open(
    app: &App,
    caller: &Caller,
    before: Option<SocialAlertId>,
    limit: u32,
) -> AppResult<(Vec<AlertView>, Option<SocialAlertId>)> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let (alerts, next) = app.db.open_social_alerts(ws, before, limit).await?;
    let rules: HashMap<_, _> = app
        .db
        .social_rules_all(ws)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut out = Vec::with_capacity(alerts.len());
    for a in alerts {
        let mention = app.db.mention(ws, a.mention_id).await?;
        let customer_name = match mention.customer_id.or(a.customer_id) {
            Some(c) => Some(crate::ingest::customer_name(app, ws, c).await),
            None => None,
        };
        out.push(AlertView {
            id: a.id.to_string(),
            reason: a.reason.clone(),
            rule: rules.get(&a.rule_id).cloned().unwrap_or_default(),
            created_at: a.created_at.to_string(),
            mention: super::MentionView::of(&mention),
            customer_name,
        });
    }
    Ok((out, next))
}

/// The channel a proactive conversation with a customer uses.
pub fn reach_channel(has_email: bool) -> Channel {
    if has_email { Channel::Email } else { Channel::Social }
}

fn author_ref(m: &Mention) -> AppResult<CustomerRef> {
    let identity = Identity::parse(IdentityKind::Social, &m.author, None)
        .map_err(|e| AppError::Internal(format!("stored mention author: {e}")))?;
    Ok(CustomerRef::Identity {
        identity,
        name: Some(m.author_name.clone()),
    })
}

/// Starts a proactive conversation from an alert (see the module docs) and
/// marks the mention's open alerts handled. Clicking again returns the
/// conversation started the first time. With `body`, the agent's first
/// message is sent at once.
pub async fn reach_out(app: &App, caller: &Caller, id: SocialAlertId, body: Option<&str>) -> AppResult<ConversationId> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let body = match body.map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => Some(clean_body(b).map_err(|e| AppError::invalid("body", e))?),
        None => None,
    };
    let alert = app.db.social_alert(ws, id).await?;
    if let Some(c) = alert.conversation_id {
        return Ok(c);
    }
    let mention = app.db.mention(ws, alert.mention_id).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let alert = tx.social_alert(ws, id).await?;
    if let Some(c) = alert.conversation_id {
        return Ok(c);
    }
    let customer = match mention.customer_id.or(alert.customer_id) {
        Some(c) => tx.live_customer_id(ws, c).await?.ok_or(AppError::NotFound)?,
        None => {
            resolve_in(&mut tx, app, ws, caller.actor(), "", &author_ref(&mention)?, "social")
                .await?
                .0
        }
    };
    let channel = reach_channel(tx.customer_has_email(ws, customer).await?);
    let conv = open_proactive(&mut tx, app, caller, customer, channel, &mention, &alert).await?;
    tx.handle_mention_alerts(ws, mention.id, caller.user.id, "reached-out", Some(conv.id), now)
        .await?;
    tx.mark_mention_handled(ws, mention.id, caller.user.id, Some(conv.id), Some(customer), now)
        .await?;
    record_handled(
        &mut tx,
        now,
        caller,
        mention.id,
        Some(customer),
        json!({"alert_id": alert.id, "mention_id": mention.id, "how": "reached-out",
            "conversation_id": conv.id, "channel": channel}),
    )
    .await?;
    tx.commit().await?;
    publish(app, LiveEvent::conversation(ws, "conversation.created", conv.id)).await;
    publish(app, LiveEvent::workspace(ws, "social.alert")).await;
    if let Some(b) = body {
        // Social replies are posted by the agent on the platform: recorded as sent.
        let deliver = channel != Channel::Social;
        crate::conversations::add_message_as(app, caller, conv.id, "outbound", &b, deliver).await?;
    }
    Ok(conv.id)
}

async fn open_proactive(
    tx: &mut Tx,
    app: &App,
    caller: &Caller,
    customer: CustomerId,
    channel: Channel,
    mention: &Mention,
    alert: &SocialAlert,
) -> AppResult<Conversation> {
    let ws = caller.workspace();
    let now = app.now();
    let subject = format!("Reaching out about your post on {}", mention.platform);
    let tags = vec!["reach-out".to_string()];
    let thread = (channel == Channel::Social).then_some(mention.post_url.as_str());
    let mut c = tx
        .create_conversation(
            now,
            ws,
            &NewConversation {
                customer_id: customer,
                channel,
                thread_ref: thread,
                subject: &subject,
                priority: Priority::Normal,
                tags: &tags,
                language: mention.language.as_deref(),
                previous: None,
            },
        )
        .await?;
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::CONVERSATION_CREATED,
            subject: Subject::new("conversation", c.id.as_uuid()),
            payload: json!({"subject": c.subject, "channel": c.channel, "priority": c.priority, "tags": c.tags,
                "proactive": true, "mention_id": mention.id, "alert_id": alert.id}),
        },
        Some(customer),
    )
    .await?;
    c.assignee_id = Some(caller.user.id);
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::CONVERSATION_ASSIGNED,
            subject: Subject::new("conversation", c.id.as_uuid()),
            payload: json!({"team_id": c.team_id, "assignee_id": caller.user.id, "by": caller.user.name}),
        },
        Some(customer),
    )
    .await?;
    let note = format!(
        "Reaching out after {} ({}) posted on {} at {}:\n\n\u{201c}{}\u{201d}\n\n{}\n\nAlert: {}",
        mention.author_name,
        mention.author,
        mention.platform,
        mention.posted_at.strftime("%Y-%m-%d %H:%M UTC"),
        mention.body,
        mention.post_url,
        alert.reason
    );
    let analysis = crate::insight::analyze_text(&mention.body);
    tx.insert_message(
        now,
        ws,
        &NewMessage {
            conversation_id: c.id,
            kind: MessageKind::Note,
            body: &note,
            html: None,
            author: Author {
                kind: "staff".into(),
                id: Some(caller.user.id.as_uuid()),
                name: caller.user.name.clone(),
            },
            language: analysis.language,
            sentiment: None,
            delivery: None,
            channel,
            external_id: None,
        },
    )
    .await?
    .ok_or_else(|| AppError::Internal("a note without an external id collided".into()))?;
    c.message_count += 1;
    c.preview = preview(&mention.body);
    c.last_activity_at = now;
    tx.save_conversation(now, &c).await?;
    Ok(c)
}

/// What replying to a mention did.
#[derive(Clone, Debug)]
pub struct Replied {
    /// The social conversation the mention and the reply are in.
    pub conversation_id: ConversationId,
    /// The reply, recorded as sent (the agent posts it on the platform).
    pub message: MessageView,
    /// The post to answer on the platform.
    pub post_url: String,
}

/// Records a reply to a mention: the mention joins a social conversation
/// (through the ingest path; its author becomes a customer if unknown), the
/// reply is recorded there as the agent's outbound message, and the mention
/// and its alerts count as handled.
pub async fn reply(app: &App, caller: &Caller, id: MentionId, body: &str) -> AppResult<Replied> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let body = clean_body(body).map_err(|e| AppError::invalid("body", e))?;
    let mention = app.db.mention(ws, id).await?;
    let conversation = match mention.conversation_id {
        Some(c) => c,
        None => {
            let mut m = InboundMessage::new(ws, author_ref(&mention)?, Channel::Social, &mention.body);
            m.thread = Some(mention.in_reply_to.clone().unwrap_or_else(|| mention.post_url.clone()));
            m.external_id = Some(mention.external_id.clone().unwrap_or_else(|| mention.post_url.clone()));
            m.subject = Some(format!("Post on {}", mention.platform));
            m.actor = caller.actor();
            ingest(app, m).await?.conversation.id
        }
    };
    let message = crate::conversations::add_message_as(app, caller, conversation, "outbound", &body, false).await?;
    let customer = app.db.conversation(ws, conversation).await?.customer_id;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    tx.mark_mention_handled(ws, id, caller.user.id, Some(conversation), Some(customer), now)
        .await?;
    let n = tx
        .handle_mention_alerts(ws, id, caller.user.id, "replied", Some(conversation), now)
        .await?;
    if n > 0 {
        let payload = json!({"mention_id": id, "how": "replied", "conversation_id": conversation});
        record_handled(&mut tx, now, caller, id, Some(customer), payload).await?;
    }
    tx.commit().await?;
    if n > 0 {
        publish(app, LiveEvent::workspace(ws, "social.alert")).await;
    }
    Ok(Replied {
        conversation_id: conversation,
        message,
        post_url: mention.post_url,
    })
}

/// Records that a mention's alerts were handled (on the customer's timeline
/// when the mention has a customer).
async fn record_handled(
    tx: &mut Tx,
    now: jiff::Timestamp,
    caller: &Caller,
    mention: MentionId,
    customer: Option<CustomerId>,
    payload: serde_json::Value,
) -> AppResult<()> {
    let event = NewEvent {
        workspace_id: caller.workspace(),
        actor: caller.actor(),
        kind: kind::SOCIAL_ALERT_HANDLED,
        subject: Subject::new("mention", mention.as_uuid()),
        payload,
    };
    tx.append_customer_event(now, event, customer).await?;
    Ok(())
}

/// Dismisses a mention's open alerts without reaching out.
pub async fn dismiss(app: &App, caller: &Caller, id: SocialAlertId) -> AppResult<()> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let now = app.now();
    let alert = app.db.social_alert(ws, id).await?;
    let mut tx = app.db.begin().await?;
    let n = tx
        .handle_mention_alerts(ws, alert.mention_id, caller.user.id, "dismissed", None, now)
        .await?;
    if n > 0 {
        let payload = json!({"alert_id": id, "mention_id": alert.mention_id, "how": "dismissed"});
        record_handled(&mut tx, now, caller, alert.mention_id, alert.customer_id, payload).await?;
    }
    tx.commit().await?;
    publish(app, LiveEvent::workspace(ws, "social.alert")).await;
    Ok(())
}

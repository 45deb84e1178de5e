//! One campaign message: a new email conversation with the customer,
//! assigned to the sender and waiting on the customer, holding the sender's
//! message queued for the email channel's `deliver.email` job. A reply
//! threads into that conversation like any other (by its Message-ID or the
//! subject's token), so it lands in the sender's inbox.

use crate::campaigns::audience::Planned;
use crate::error::{AppError, AppResult};
use crate::ingest::preview;
use candor_core::conversation::{Channel, Delivery, MessageKind, Priority, Status};
use candor_core::events::{Actor, Subject, kind};
use candor_core::{CampaignId, ConversationId, MessageId, WorkspaceId};
use candor_store::Tx;
use candor_store::campaigns::Campaign;
use candor_store::conversations::NewConversation;
use candor_store::events::NewEvent;
use candor_store::jobs::NewJob;
use candor_store::messages::{Author, NewMessage};
use candor_store::staff::User;
use jiff::Timestamp;
use serde_json::json;

/// The tag on every conversation a campaign opens.
pub const CAMPAIGN_TAG: &str = "campaign";

/// Writes the conversation, the message and its delivery job in `tx`.
pub async fn send_in(
    tx: &mut Tx,
    ws: WorkspaceId,
    campaign: &Campaign,
    sender: &User,
    p: &Planned,
    now: Timestamp,
) -> AppResult<(ConversationId, MessageId)> {
    let actor = Actor::Staff(sender.id);
    let tags = vec![CAMPAIGN_TAG.to_string()];
    let analysis = crate::insight::analyze_text(&p.body);
    let mut c = tx
        .create_conversation(
            now,
            ws,
            &NewConversation {
                customer_id: p.customer_id,
                channel: Channel::Email,
                thread_ref: None,
                subject: &p.subject,
                priority: Priority::Normal,
                tags: &tags,
                language: analysis.language,
                previous: None,
            },
        )
        .await?;
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor,
            kind: kind::CONVERSATION_CREATED,
            subject: Subject::new("conversation", c.id.as_uuid()),
            payload: json!({"subject": c.subject, "channel": c.channel, "priority": c.priority, "tags": c.tags,
                "status": "pending", "proactive": true, "campaign_id": campaign.id, "campaign": campaign.name}),
        },
        Some(p.customer_id),
    )
    .await?;
    let message = tx
        .insert_message(
            now,
            ws,
            &NewMessage {
                conversation_id: c.id,
                kind: MessageKind::Outbound,
                body: &p.body,
                html: None,
                author: Author {
                    kind: "staff".into(),
                    id: Some(sender.id.as_uuid()),
                    name: sender.name.clone(),
                },
                language: analysis.language,
                sentiment: Some(analysis.sentiment),
                delivery: Some(Delivery::Queued),
                channel: Channel::Email,
                external_id: None,
            },
        )
        .await?
        .ok_or_else(|| AppError::Internal("a message without an external id collided".into()))?;
    let job_kind = Channel::Email
        .delivery_job()
        .ok_or_else(|| AppError::Internal("the email channel names no delivery job".into()))?;
    let mut job = NewJob::now(
        job_kind,
        json!({"message_id": message.id, "conversation_id": c.id}),
        now,
    );
    job.workspace_id = Some(ws);
    job.max_attempts = 20;
    tx.enqueue(now, job).await?;
    // Waiting on the customer, with the sender: their reply reopens it in the sender's inbox.
    c.assignee_id = Some(sender.id);
    c.status = Status::Pending;
    c.message_count = 1;
    c.last_activity_at = now;
    c.preview = preview(&p.body);
    tx.save_conversation(now, &c).await?;
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor,
            kind: kind::CONVERSATION_ASSIGNED,
            subject: Subject::new("conversation", c.id.as_uuid()),
            payload: json!({"team_id": null, "assignee_id": sender.id, "by": sender.name}),
        },
        Some(p.customer_id),
    )
    .await?;
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor,
            kind: kind::MESSAGE_SENT,
            subject: Subject::new("conversation", c.id.as_uuid()),
            payload: json!({"message_id": message.id, "channel": c.channel, "excerpt": preview(&p.body),
                "author": sender.name, "delivery": Delivery::Queued, "subject": c.subject, "attachments": 0,
                "campaign_id": campaign.id}),
        },
        Some(p.customer_id),
    )
    .await?;
    Ok((c.id, message.id))
}

/// The id of a campaign in a job's payload.
pub fn campaign_of(payload: &serde_json::Value) -> Option<CampaignId> {
    payload.get("campaign_id")?.as_str()?.parse().ok()
}

//! Steps of a customer's trajectory, recorded in the transaction of the
//! contact's outcome: a conversation solved, a promise kept or broken, a
//! community question answered or a reported problem done. Each is scored by
//! `candor_core::trust::trajectory`, stored as a row and a `trust.step`
//! event, and moves the trajectory: a fall marks the customer at risk for the
//! lifecycle rules and, for a tier A customer, raises an inbox alert.

use crate::error::AppResult;
use candor_core::community::TopicKind;
use candor_core::events::{Actor, Subject};
use candor_core::trust::kind;
use candor_core::trust::trajectory::{ConversationFacts, Step, conversation_step, promise_step, topic_step};
use candor_core::value::Tier;
use candor_core::{CustomerId, TrustAlertId, TrustStepId, UserId, WorkspaceId};
use candor_store::Tx;
use candor_store::community::Topic;
use candor_store::conversations::Conversation;
use candor_store::events::NewEvent;
use candor_store::promises::Promise;
use candor_store::trust::steps::StoredStep;
use jiff::Timestamp;
use serde_json::{Value, json};
use uuid::Uuid;

/// A scored contact about to be recorded.
pub struct NewStep<'a> {
    /// Whose trajectory.
    pub customer: CustomerId,
    /// conversation, promise or topic.
    pub source: &'static str,
    /// Its id.
    pub source_id: Uuid,
    /// The agent it is credited to.
    pub agent: Option<UserId>,
    /// The score.
    pub step: Step,
    /// What the contact was about, for the timeline.
    pub title: &'a str,
    /// Facts the score was read from, kept in the event.
    pub facts: Value,
}

/// Records a step, moves the trajectory, and raises what a fall raises.
pub async fn record(tx: &mut Tx, ws: WorkspaceId, now: Timestamp, new: NewStep<'_>) -> AppResult<StoredStep> {
    let stored = StoredStep {
        id: TrustStepId::new_at(now),
        customer_id: new.customer,
        at: now,
        source: new.source.to_string(),
        source_id: new.source_id,
        agent_id: new.agent,
        direction: new.step.direction,
        points: new.step.points,
        reasons: new.step.reasons.clone(),
    };
    tx.insert_trust_step(ws, &stored).await?;
    let mut payload = json!({
        "step_id": stored.id, "source": new.source, "source_id": new.source_id, "agent_id": new.agent,
        "direction": stored.direction, "points": stored.points, "reasons": stored.reasons, "title": new.title,
    });
    if let (Some(p), Value::Object(facts)) = (payload.as_object_mut(), new.facts) {
        p.extend(facts);
    }
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::STEP,
            subject: Subject::new(new.source, new.source_id),
            payload,
        },
        Some(new.customer),
    )
    .await?;
    move_trajectory(tx, ws, now, &stored).await?;
    Ok(stored)
}

async fn move_trajectory(tx: &mut Tx, ws: WorkspaceId, now: Timestamp, step: &StoredStep) -> AppResult<()> {
    let customer = step.customer_id;
    let was = tx.trajectory_in_tx(ws, customer).await?.and_then(|t| t.falling_since);
    let Some(after) = tx.replay_trajectory(ws, customer).await? else {
        return Ok(());
    };
    tx.set_trajectory(ws, customer, &after).await?;
    let since = after.falling_since;
    if was.is_some() == since.is_some() {
        return Ok(());
    }
    // The lifecycle's at-risk flag moved: the customer's stage follows at once.
    if let Some(settings) = tx.value_settings_in_tx(ws).await? {
        crate::value::refresh_customer_in(tx, now, ws, customer, &settings).await?;
    }
    if since.is_none() {
        return Ok(());
    }
    let tier = tx.customer_facts(ws, customer).await?.and_then(|(tier, _)| tier);
    if tier != Some(Tier::A) {
        return Ok(());
    }
    let why: Vec<&str> = step
        .reasons
        .iter()
        .filter(|r| r.points < 0)
        .map(|r| r.words.as_str())
        .collect();
    let reason = format!(
        "Two steps toward disconnection in a row for a tier A customer; the latest: {}.",
        why.join("; ")
    );
    let id = TrustAlertId::new_at(now);
    if tx.raise_trust_alert(ws, id, customer, step.id, &reason, now).await? {
        tx.append_customer_event(
            now,
            NewEvent {
                workspace_id: ws,
                actor: Actor::System,
                kind: kind::ALERT_RAISED,
                subject: Subject::new("customer", customer.as_uuid()),
                payload: json!({"alert_id": id, "step_id": step.id, "reason": reason}),
            },
            Some(customer),
        )
        .await?;
    }
    Ok(())
}

/// Scores a conversation that has just been set solved, in that change's
/// transaction (after its clocks moved, so the resolution clock is decided).
pub async fn on_solved(tx: &mut Tx, now: Timestamp, conv: &Conversation) -> AppResult<StoredStep> {
    let ws = conv.workspace_id;
    let sentiments: Vec<f64> = tx
        .inbound_sentiments(ws, conv.id.as_uuid())
        .await?
        .into_iter()
        .flatten()
        .collect();
    let clocks = tx.clocks_for_update(ws, conv.id).await?;
    let outcomes = clocks
        .as_ref()
        .map(|c| [c.first_reply_within, c.resolution_within])
        .unwrap_or_default();
    let count = |want: bool| outcomes.iter().filter(|o| **o == Some(want)).count() as u32;
    let facts = ConversationFacts {
        first_sentiment: sentiments.first().copied(),
        last_sentiment: sentiments.last().copied(),
        inbound_messages: sentiments.len() as u32,
        commitments_met: count(true),
        commitments_missed: count(false),
        reopened: tx.was_scored(ws, conv.id.as_uuid()).await?,
    };
    record(
        tx,
        ws,
        now,
        NewStep {
            customer: conv.customer_id,
            source: "conversation",
            source_id: conv.id.as_uuid(),
            agent: conv.assignee_id,
            step: conversation_step(&facts),
            title: &conv.subject,
            facts: json!({
                "first_sentiment": facts.first_sentiment, "last_sentiment": facts.last_sentiment,
                "inbound_messages": facts.inbound_messages, "commitments_met": facts.commitments_met,
                "commitments_missed": facts.commitments_missed, "reopened": facts.reopened,
            }),
        },
    )
    .await
}

/// Scores a promise that was kept or broken, in that change's transaction.
pub async fn on_promise(
    tx: &mut Tx,
    ws: WorkspaceId,
    now: Timestamp,
    p: &Promise,
    kept: bool,
) -> AppResult<StoredStep> {
    record(
        tx,
        ws,
        now,
        NewStep {
            customer: p.customer_id,
            source: "promise",
            source_id: p.id.as_uuid(),
            agent: Some(p.owner_id),
            step: promise_step(kept, &p.description),
            title: &p.description,
            facts: json!({"conversation_id": p.conversation_id, "kept": kept}),
        },
    )
    .await
}

/// Scores a community topic that reached its answer (a question's accepted
/// answer, a problem done), in that change's transaction.
pub async fn on_topic_answered(
    tx: &mut Tx,
    ws: WorkspaceId,
    now: Timestamp,
    topic: &Topic,
    by: Option<UserId>,
) -> AppResult<StoredStep> {
    let question = topic.kind == TopicKind::Question;
    record(
        tx,
        ws,
        now,
        NewStep {
            customer: topic.customer_id,
            source: "topic",
            source_id: topic.id.as_uuid(),
            agent: by,
            step: topic_step(question, &topic.title),
            title: &topic.title,
            facts: json!({}),
        },
    )
    .await
}

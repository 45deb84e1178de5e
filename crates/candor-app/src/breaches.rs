//! Warnings, breaches and redress. The clock check job rereads a
//! conversation's clocks and gives what fell due: a warning notifies the
//! assignee; a breach is an event on the conversation and the customer's
//! timeline and opens the redress the commitments name (the team leads told,
//! a task listed, an apology drafted). Redress is done when someone marks it
//! done or sends the drafted apology.

use crate::caller::Caller;
use crate::clocks::{self, CLOCK_CHECK_JOB};
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::live::{LiveEvent, publish};
use crate::worker::Worker;
use candor_core::commitments::{Commitments, RedressAction};
use candor_core::events::{Actor, Subject, kind};
use candor_core::pact::{Alarm, ClockKind};
use candor_core::staff::{Role, Scope};
use candor_core::{ConversationId, NotificationId, RedressId, WorkspaceId};
use candor_store::Tx;
use candor_store::conversations::Conversation;
use candor_store::events::NewEvent;
use candor_store::redress::{Notification, Redress};
use jiff::Timestamp;
use serde_json::json;

/// Registers the clock check with the worker.
pub fn register_jobs(worker: &mut Worker) {
    worker.register(CLOCK_CHECK_JOB, |app, job| async move {
        let ws: WorkspaceId = job.workspace_id.ok_or("the clock check has no workspace")?;
        let id: ConversationId = job.payload["conversation_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or("the clock check names no conversation")?;
        check(&app, ws, id).await.map(|_| ()).map_err(|e| e.to_string())
    });
}

/// Gives the warnings and breaches of a conversation that are due now;
/// returns how many. Running it again gives nothing twice.
pub async fn check(app: &App, ws: WorkspaceId, id: ConversationId) -> AppResult<usize> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let Some(mut stored) = tx.clocks_for_update(ws, id).await? else {
        return Ok(0);
    };
    let c = clocks::version(app, ws, stored.commitments_version).await?;
    let before = stored.next_check_at;
    let alarms = stored
        .clocks
        .fire(&c.calendar, c.warn_at, now)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !alarms.is_empty() {
        let conv = tx.conversation(ws, id).await?;
        for alarm in &alarms {
            if alarm.breach {
                breach(&mut tx, app, &conv, &c, &stored.priority, alarm, now).await?;
            } else {
                warn(&mut tx, &conv, &c, alarm, now).await?;
            }
        }
    }
    clocks::derive(&mut stored, &c).map_err(|e| AppError::Internal(e.to_string()))?;
    tx.save_clocks(now, &stored).await?;
    // This run may be the only check queued (it ran early when the next
    // check moved later); scheduling is once per moment, so a check already
    // queued for the same time is not doubled.
    if let Some(at) = stored.next_check_at.filter(|at| *at > now || Some(*at) != before) {
        clocks::schedule(&mut tx, now, ws, id, at).await?;
    }
    tx.commit().await?;
    if !alarms.is_empty() {
        publish(app, LiveEvent::conversation(ws, "conversation.updated", id)).await;
    }
    Ok(alarms.len())
}

fn local(c: &Commitments, t: Timestamp) -> String {
    t.to_zoned(c.calendar.time_zone().clone())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

async fn warn(tx: &mut Tx, conv: &Conversation, c: &Commitments, alarm: &Alarm, now: Timestamp) -> AppResult<()> {
    tx.append_event(
        now,
        NewEvent {
            workspace_id: conv.workspace_id,
            actor: Actor::System,
            kind: kind::COMMITMENT_WARNING,
            subject: Subject::new("conversation", conv.id.as_uuid()),
            payload: json!({"clock": alarm.kind.as_str(), "due_at": alarm.due_at, "assignee_id": conv.assignee_id,
                "subject": conv.subject}),
        },
    )
    .await?;
    if let Some(user) = conv.assignee_id {
        let body = format!(
            "\"{}\": {} is due {}.",
            conv.subject,
            alarm.kind.words(),
            local(c, alarm.due_at)
        );
        tx.notify(
            now,
            conv.workspace_id,
            user,
            kind::COMMITMENT_WARNING,
            Some(conv.id),
            &body,
        )
        .await?;
    }
    Ok(())
}

/// The words of the missed target: "a first reply within 4 hours".
fn missed_words(c: &Commitments, conv: &Conversation, priority: &str, kind: ClockKind) -> String {
    let target = c
        .for_conversation(conv.channel.as_str(), priority)
        .and_then(|one| match kind {
            ClockKind::FirstReply => one.first_reply,
            ClockKind::NextReply => one.next_reply,
            ClockKind::Resolution => one.resolution,
        });
    match target {
        Some(t) => format!("{} within {}", kind.words(), t.words(c.around_the_clock())),
        None => kind.words().to_string(),
    }
}

/// An apology with the remedy, in plain words, for an agent to adapt and send.
pub fn apology_draft(customer_name: &str, missed: &str, redress: &str) -> String {
    let first = customer_name
        .split_whitespace()
        .next()
        .filter(|n| !n.contains('@'))
        .unwrap_or("");
    let greeting = if first.is_empty() {
        "Hello,".to_string()
    } else {
        format!("Dear {first},")
    };
    format!(
        "{greeting}\n\nWe promised you {missed}, and we did not keep that promise. I am sorry for the wait.\n\n{}\n",
        redress.trim()
    )
}

async fn breach(
    tx: &mut Tx,
    app: &App,
    conv: &Conversation,
    c: &Commitments,
    priority: &str,
    alarm: &Alarm,
    now: Timestamp,
) -> AppResult<()> {
    let ws = conv.workspace_id;
    let missed = missed_words(c, conv, priority, alarm.kind);
    let draft = if c.redress_actions.contains(&RedressAction::DraftApology) {
        let name = crate::ingest::customer_name(app, ws, conv.customer_id).await;
        Some(apology_draft(&name, &missed, &c.redress))
    } else {
        None
    };
    let redress = Redress {
        id: RedressId::new_at(now),
        conversation_id: conv.id,
        customer_id: conv.customer_id,
        clock: alarm.kind.as_str().to_string(),
        due_at: alarm.due_at,
        breached_at: now,
        actions: c.redress_actions.clone(),
        draft,
        state: "open".into(),
        done_at: None,
        done_by: None,
        done_how: None,
    };
    if !tx.insert_redress(ws, &redress).await? {
        // Recorded by an earlier run of this check.
        return Ok(());
    }
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::COMMITMENT_BREACHED,
            subject: Subject::new("conversation", conv.id.as_uuid()),
            payload: json!({"clock": alarm.kind.as_str(), "due_at": alarm.due_at, "missed": missed,
                "redress_id": redress.id, "actions": c.redress_actions, "subject": conv.subject,
                "assignee_id": conv.assignee_id}),
        },
        Some(conv.customer_id),
    )
    .await?;
    let body = format!(
        "\"{}\": we missed {missed} (due {}). Redress is open.",
        conv.subject,
        local(c, alarm.due_at)
    );
    if let Some(user) = conv.assignee_id {
        tx.notify(now, ws, user, kind::COMMITMENT_BREACHED, Some(conv.id), &body)
            .await?;
    }
    if c.redress_actions.contains(&RedressAction::NotifyLead) {
        // Team leads are the workspace's admins and owners.
        for lead in app.db.users(ws).await? {
            if lead.active && lead.role >= Role::Admin && Some(lead.id) != conv.assignee_id {
                tx.notify(now, ws, lead.id, kind::COMMITMENT_BREACHED, Some(conv.id), &body)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Redress in `state` ("open", "done", or all), newest first.
pub async fn list(
    app: &App,
    caller: &Caller,
    state: Option<&str>,
    before: Option<RedressId>,
    limit: u32,
) -> AppResult<Vec<Redress>> {
    caller.require(Scope::Read)?;
    if let Some(s) = state
        && !matches!(s, "open" | "done")
    {
        return Err(AppError::invalid("state", "use open or done"));
    }
    Ok(app.db.redress_list(caller.workspace(), state, before, limit).await?)
}

/// Marks a redress done (the remedy was given some other way than the draft).
pub async fn mark_done(app: &App, caller: &Caller, id: RedressId) -> AppResult<Redress> {
    caller.require(Scope::Write)?;
    finish(app, caller, id, "marked done").await
}

async fn finish(app: &App, caller: &Caller, id: RedressId, how: &str) -> AppResult<Redress> {
    let ws = caller.workspace();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = tx.redress(ws, id).await?;
    if tx.finish_redress(ws, id, now, Some(caller.user.id), how).await? {
        tx.append_customer_event(
            now,
            NewEvent {
                workspace_id: ws,
                actor: caller.actor(),
                kind: kind::REDRESS_DONE,
                subject: Subject::new("conversation", r.conversation_id.as_uuid()),
                payload: json!({"redress_id": id, "clock": r.clock, "how": how, "by": caller.user.name}),
            },
            Some(r.customer_id),
        )
        .await?;
    }
    tx.commit().await?;
    app.pact.forget_figures(ws);
    publish(
        app,
        LiveEvent::conversation(ws, "conversation.updated", r.conversation_id),
    )
    .await;
    Ok(app.db.redress(ws, id).await?)
}

/// Sends the (possibly edited) apology as a reply on the conversation and
/// marks the redress done.
pub async fn send_apology(app: &App, caller: &Caller, id: RedressId, body: &str) -> AppResult<Redress> {
    caller.require(Scope::Write)?;
    let r = app.db.redress(caller.workspace(), id).await?;
    if r.state != "open" {
        return Err(AppError::Conflict {
            field: "id".into(),
            message: "this redress is done already".into(),
        });
    }
    crate::conversations::add_message(app, caller, r.conversation_id, "outbound", body).await?;
    finish(app, caller, id, "apology sent").await
}

/// The caller's notifications, newest first.
pub async fn notifications(app: &App, caller: &Caller, limit: u32) -> AppResult<Vec<Notification>> {
    caller.require(Scope::Read)?;
    Ok(app.db.notifications(caller.workspace(), caller.user.id, limit).await?)
}

/// Marks one of the caller's notifications read.
pub async fn mark_read(app: &App, caller: &Caller, id: NotificationId) -> AppResult<()> {
    caller.require(Scope::Read)?;
    Ok(app
        .db
        .mark_notification_read(caller.workspace(), caller.user.id, id, app.now())
        .await?)
}

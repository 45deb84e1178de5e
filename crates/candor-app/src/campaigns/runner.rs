//! Sending a running campaign: the `campaign.tick` job. A campaign has at
//! most one pending tick, named by its due time in `campaigns.next_tick_at`;
//! a tick claims it by clearing that column in its own transaction, so a
//! repeated, stale or paused tick does nothing. Each tick decides a page of
//! customers (held ones whose quiet hours ended first, then the segment's
//! next, newest first), sends as many as the pace allows, records every
//! decision, and schedules the next tick — all in one transaction.

use crate::campaigns::audience::{self, Planned};
use crate::campaigns::send::{campaign_of, send_in};
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::live::{LiveEvent, publish};
use crate::worker::Worker;
use candor_core::campaign::{self, CampaignState, Decision};
use candor_core::clock::{from_micros, to_micros};
use candor_core::events::{Actor, Subject, kind};
use candor_core::{CampaignId, ConversationId, WorkspaceId};
use candor_store::Tx;
use candor_store::campaigns::{Campaign, Recipient};
use candor_store::customers::Customer;
use candor_store::events::NewEvent;
use candor_store::jobs::NewJob;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

/// The job that sends a running campaign's next messages.
pub const TICK_JOB: &str = "campaign.tick";

/// Customers decided in one tick at most.
const PAGE: u32 = 50;

/// Registers the campaign job with the worker.
pub fn register_jobs(worker: &mut Worker) {
    worker.register(TICK_JOB, |app, job| async move {
        let ws: WorkspaceId = job.workspace_id.ok_or("the campaign tick names no workspace")?;
        let id = campaign_of(&job.payload).ok_or("the campaign tick names no campaign")?;
        let at = job
            .payload
            .get("at")
            .and_then(|v| v.as_i64())
            .ok_or("the campaign tick has no time")?;
        tick(&app, ws, id, from_micros(at))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

/// Queues the tick due at `at` (the campaign row must name the same time).
pub(crate) async fn schedule(
    tx: &mut Tx,
    now: Timestamp,
    ws: WorkspaceId,
    id: CampaignId,
    at: Timestamp,
) -> AppResult<()> {
    let mut job = NewJob::now(TICK_JOB, json!({"campaign_id": id, "at": to_micros(at)}), at);
    job.workspace_id = Some(ws);
    job.max_attempts = 10;
    tx.enqueue(now, job).await?;
    Ok(())
}

/// What one tick did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TickOutcome {
    /// Messages queued.
    pub sent: usize,
    /// Customers skipped for good.
    pub skipped: usize,
    /// Customers held for their quiet hours.
    pub held: usize,
    /// When the next tick runs; none when the campaign finished or the tick was stale.
    pub next: Option<Timestamp>,
    /// Whether the campaign finished.
    pub finished: bool,
    /// Whether this tick was not the one the campaign waits for.
    pub stale: bool,
}

fn row(p: &Planned, now: Timestamp, purpose: &str) -> Recipient {
    let (state, code, reason, retry_at) = match &p.decision {
        Decision::Send => ("sent", "sent".to_string(), "sent".to_string(), None),
        Decision::Skip(s) => ("skipped", s.code().to_string(), s.sentence(purpose), None),
        Decision::Hold(until) => (
            "held",
            "quiet-hours".to_string(),
            format!("in their quiet hours until {until}"),
            Some(*until),
        ),
    };
    Recipient {
        customer_id: p.customer_id,
        state: state.into(),
        reason_code: code,
        reason,
        address: p.address.clone(),
        conversation_id: None,
        message_id: None,
        retry_at,
        decided_at: now,
    }
}

/// Held customers whose quiet hours are over: merged ones are skipped.
async fn held_customers(app: &App, ws: WorkspaceId, c: &Campaign, now: Timestamp) -> AppResult<Vec<Customer>> {
    let mut out = Vec::new();
    for id in app.db.held_due(ws, c.id, now, PAGE).await? {
        out.push(app.db.customer(ws, id).await?);
    }
    Ok(out)
}

/// Runs the tick due at `at` (see the module docs).
pub async fn tick(app: &App, ws: WorkspaceId, id: CampaignId, at: Timestamp) -> AppResult<TickOutcome> {
    let stale = TickOutcome {
        stale: true,
        ..Default::default()
    };
    let c = match app.db.campaign(ws, id).await {
        Ok(c) => c,
        Err(candor_store::StoreError::NotFound) => return Ok(stale),
        Err(e) => return Err(e.into()),
    };
    if c.state != CampaignState::Running || c.next_tick_at != Some(at) {
        return Ok(stale);
    }
    let now = app.now();
    let recent = app
        .db
        .campaign_sent_since(ws, id, now - SignedDuration::from_hours(1))
        .await?;
    let pace = campaign::pace(c.per_hour, &recent, now);
    let ctx = audience::context(app, ws, c.clone()).await?;
    let (held, fresh, more_pages) = if pace.may_send > 0 {
        let held = held_customers(app, ws, &c, now).await?;
        let (fresh, more) = if c.segment_done {
            (Vec::new(), false)
        } else {
            let expr = crate::segments::parse("segment", &c.segment)?;
            let page = crate::segments::find_expr(app, ws, "segment", &expr, c.segment_cursor, PAGE).await?;
            let more = page.next.is_some();
            (page.items, more)
        };
        (held, fresh, more)
    } else {
        (Vec::new(), Vec::new(), true)
    };
    let (live_held, merged): (Vec<Customer>, Vec<Customer>) = held.into_iter().partition(|h| h.merged_into.is_none());
    let held_plans = audience::plan(app, ws, &ctx, &live_held).await?;
    let fresh_plans = audience::plan(app, ws, &ctx, &fresh).await?;

    let mut tx = app.db.begin().await?;
    if !tx.claim_campaign_tick(ws, id, at).await? {
        return Ok(stale);
    }
    let mut out = TickOutcome::default();
    let mut opened: Vec<ConversationId> = Vec::new();
    for m in &merged {
        let r = Recipient {
            state: "skipped".into(),
            reason_code: "merged".into(),
            reason: "merged into another customer".into(),
            retry_at: None,
            ..row(
                &Planned {
                    customer_id: m.id,
                    name: m.name.clone(),
                    address: None,
                    decision: Decision::Send,
                    subject: String::new(),
                    body: String::new(),
                },
                now,
                &c.purpose,
            )
        };
        tx.redecide_held(ws, id, &r).await?;
        out.skipped += 1;
    }
    let mut budget = pace.may_send as usize;
    for p in &held_plans {
        if budget == 0 {
            break;
        }
        if tx.redecide_held(ws, id, &row(p, now, &c.purpose)).await? {
            apply(&mut tx, ws, &ctx, p, now, &mut out, &mut opened, &mut budget).await?;
        }
    }
    let mut cursor = c.segment_cursor;
    let mut page_done = true;
    for p in &fresh_plans {
        if budget == 0 {
            page_done = false;
            break;
        }
        if tx.insert_recipient(ws, id, &row(p, now, &c.purpose)).await? {
            apply(&mut tx, ws, &ctx, p, now, &mut out, &mut opened, &mut budget).await?;
        }
        cursor = Some(p.customer_id);
    }
    let segment_done = c.segment_done || (page_done && !more_pages && pace.may_send > 0);
    // Messages sent now are followed by a pause that spreads them over the
    // hour; without any, the next page follows at once.
    let held_left = tx.next_held(ws, id).await?;
    let next = if pace.may_send == 0 {
        Some(pace.wait_until.unwrap_or(now + SignedDuration::from_mins(1)))
    } else if segment_done && held_left.is_none() {
        None
    } else if out.sent > 0 {
        Some(campaign::next_look(c.per_hour, out.sent as u32, now))
    } else if !segment_done {
        Some(now)
    } else {
        held_left.map(|t| t.max(now))
    };
    match next {
        Some(at) => {
            tx.advance_campaign(now, ws, id, cursor, segment_done, Some(at)).await?;
            schedule(&mut tx, now, ws, id, at).await?;
        }
        None => {
            tx.advance_campaign(now, ws, id, cursor, segment_done, None).await?;
            tx.set_campaign_state(now, ws, id, CampaignState::Done, None).await?;
            tx.append_event(
                now,
                NewEvent {
                    workspace_id: ws,
                    actor: Actor::System,
                    kind: kind::CAMPAIGN_FINISHED,
                    subject: Subject::new("campaign", id.as_uuid()),
                    payload: json!({"name": c.name}),
                },
            )
            .await?;
            out.finished = true;
        }
    }
    out.next = next;
    tx.commit().await?;
    for conversation in opened {
        publish(app, LiveEvent::conversation(ws, "conversation.created", conversation)).await;
    }
    Ok(out)
}

/// Sends (when the decision says so) and counts.
#[allow(clippy::too_many_arguments)]
async fn apply(
    tx: &mut Tx,
    ws: WorkspaceId,
    ctx: &audience::Context,
    p: &Planned,
    now: Timestamp,
    out: &mut TickOutcome,
    opened: &mut Vec<ConversationId>,
    budget: &mut usize,
) -> AppResult<()> {
    match p.decision {
        Decision::Send => {
            let (conversation, message) = send_in(tx, ws, &ctx.campaign, &ctx.sender, p, now).await?;
            tx.set_recipient_message(ws, ctx.campaign.id, p.customer_id, conversation, message)
                .await?;
            opened.push(conversation);
            out.sent += 1;
            *budget = budget.saturating_sub(1);
        }
        Decision::Skip(_) => out.skipped += 1,
        Decision::Hold(_) => out.held += 1,
    }
    Ok(())
}

/// Starts (or resumes) a campaign in `tx`: it runs, and its first tick is due now.
pub(crate) async fn start_in(tx: &mut Tx, now: Timestamp, ws: WorkspaceId, id: CampaignId) -> AppResult<()> {
    tx.set_campaign_state(now, ws, id, CampaignState::Running, Some(now))
        .await?;
    schedule(tx, now, ws, id, now).await
}

/// Refuses a campaign that may not be changed.
pub(crate) fn not_now(what: &str) -> AppError {
    AppError::Conflict {
        field: "state".into(),
        message: what.to_string(),
    }
}

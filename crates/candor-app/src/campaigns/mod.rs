//! Win-back campaigns (candor_core::campaign has the rules): write one
//! (a segment, a template, a sender, a throttle), preview it for one
//! customer, dry-run it over its segment, start and pause it, and read what
//! it did. Sending is the `campaign.tick` job ([`runner`]).

pub mod audience;
pub mod runner;
pub mod send;

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use audience::{Planned, signed};
use candor_core::campaign::{self, CampaignState, Decision, Template};
use candor_core::customer::check_purpose;
use candor_core::events::{Subject, kind};
use candor_core::staff::{Role, Scope};
use candor_core::{CampaignId, CustomerId, UserId};
use candor_store::campaigns::{Campaign, CampaignFields, CampaignResults};
use candor_store::events::NewEvent;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use runner::register_jobs;

/// A campaign as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Who it writes to: a segment query, e.g. `stage:former`.
    #[serde(default)]
    pub segment: String,
    /// The subject, with `{{field}}` placeholders.
    #[serde(default)]
    pub subject: String,
    /// The message, with `{{field}}` placeholders; the sender's name signs it.
    #[serde(default)]
    pub body: String,
    /// The staff member it is sent as; the caller by default.
    #[serde(default)]
    pub sender_id: Option<String>,
    /// At most this many messages an hour (default 60).
    #[serde(default)]
    pub per_hour: Option<i64>,
    /// The consent a customer must have given (default "marketing").
    #[serde(default)]
    pub purpose: Option<String>,
}

/// A staff member, by id and name.
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    /// Their id.
    pub id: UserId,
    /// Their full name.
    pub name: String,
}

/// A campaign as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CampaignView {
    /// Its id.
    pub id: CampaignId,
    /// Its name.
    pub name: String,
    /// Who it writes to.
    pub segment: String,
    /// The subject template.
    pub subject: String,
    /// The body template.
    pub body: String,
    /// Whose name it goes out under.
    pub sender: Person,
    /// Messages an hour at most.
    pub per_hour: u32,
    /// The consent purpose.
    pub purpose: String,
    /// draft, running, paused or done.
    pub state: CampaignState,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it first started.
    pub started_at: Option<Timestamp>,
    /// When it finished.
    pub finished_at: Option<Timestamp>,
    /// While running, when it sends next.
    pub next_send_at: Option<Timestamp>,
    /// What it did so far (on a single campaign).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<CampaignResults>,
    /// How many customers the segment holds now (on a single campaign).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<i64>,
}

async fn view(app: &App, ws: candor_core::WorkspaceId, c: Campaign) -> AppResult<CampaignView> {
    let sender_name = app
        .db
        .user(ws, c.sender_id)
        .await
        .map(|u| u.name)
        .unwrap_or_else(|_| "A former colleague".into());
    Ok(CampaignView {
        id: c.id,
        name: c.name,
        segment: c.segment,
        subject: c.subject,
        body: c.body,
        sender: Person {
            id: c.sender_id,
            name: sender_name,
        },
        per_hour: c.per_hour,
        purpose: c.purpose,
        state: c.state,
        created_at: c.created_at,
        started_at: c.started_at,
        finished_at: c.finished_at,
        next_send_at: c.next_tick_at,
        results: None,
        audience: None,
    })
}

/// Checks a campaign's fields; errors name the field.
async fn check(app: &App, caller: &Caller, input: &CampaignInput) -> AppResult<(String, String, UserId, u32, String)> {
    let ws = caller.workspace();
    let name = campaign::check_name(&input.name).map_err(|m| AppError::invalid("name", m))?;
    if input.segment.trim().is_empty() {
        return Err(AppError::invalid("segment", "say who it writes to, e.g. stage:former"));
    }
    let expr = crate::segments::parse("segment", &input.segment)?;
    // It must also apply in this workspace (amounts in its currency).
    crate::segments::count(app, ws, "segment", &expr).await?;
    for (field, text, max) in [
        ("subject", &input.subject, campaign::MAX_SUBJECT_CHARS),
        ("body", &input.body, campaign::MAX_BODY_CHARS),
    ] {
        if text.trim().is_empty() {
            return Err(AppError::invalid(field, "this may not be empty"));
        }
        if text.chars().count() > max {
            return Err(AppError::invalid(field, format!("at most {max} characters")));
        }
        Template::parse(text).map_err(|e| AppError::InvalidQuery {
            field: field.into(),
            message: e.to_string(),
            position: Some(e.position),
        })?;
    }
    if input.subject.contains(['\n', '\r']) {
        return Err(AppError::invalid("subject", "a subject is one line"));
    }
    let sender = match input.sender_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => caller.user.id,
        Some(raw) => {
            let id: UserId = raw
                .parse()
                .map_err(|_| AppError::invalid("sender_id", "give the id of a staff member"))?;
            match app.db.user(ws, id).await {
                Ok(u) if u.active && u.role >= Role::Agent => u.id,
                _ => return Err(AppError::invalid("sender_id", "no such active agent")),
            }
        }
    };
    let per_hour =
        campaign::check_per_hour(input.per_hour.unwrap_or(60)).map_err(|m| AppError::invalid("per_hour", m))?;
    let purpose =
        check_purpose(input.purpose.as_deref().unwrap_or("marketing")).map_err(|m| AppError::invalid("purpose", m))?;
    Ok((expr.to_string(), name, sender, per_hour, purpose))
}

/// Writes a campaign, a draft (owners and admins).
pub async fn create(app: &App, caller: &Caller, input: &CampaignInput) -> AppResult<CampaignView> {
    caller.require(Scope::Admin)?;
    let (segment, name, sender_id, per_hour, purpose) = check(app, caller, input).await?;
    let ws = caller.workspace();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let c = tx
        .insert_campaign(
            now,
            ws,
            &CampaignFields {
                name: &name,
                segment: &segment,
                subject: input.subject.trim(),
                body: input.body.trim_end(),
                sender_id,
                per_hour,
                purpose: &purpose,
            },
            Some(caller.user.id),
        )
        .await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::CAMPAIGN_SAVED,
            subject: Subject::new("campaign", c.id.as_uuid()),
            payload: json!({"name": c.name, "segment": c.segment, "sender_id": c.sender_id, "per_hour": c.per_hour,
                "purpose": c.purpose}),
        },
    )
    .await?;
    tx.commit().await?;
    view(app, ws, c).await
}

/// Changes a draft (owners and admins); a campaign that started keeps what
/// it was started with.
pub async fn update(app: &App, caller: &Caller, id: CampaignId, input: &CampaignInput) -> AppResult<CampaignView> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let (segment, name, sender_id, per_hour, purpose) = check(app, caller, input).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let c = tx.campaign(ws, id).await?;
    if c.state != CampaignState::Draft {
        return Err(runner::not_now("only a draft can be changed; write a new campaign"));
    }
    let fields = CampaignFields {
        name: &name,
        segment: &segment,
        subject: input.subject.trim(),
        body: input.body.trim_end(),
        sender_id,
        per_hour,
        purpose: &purpose,
    };
    tx.update_campaign(now, ws, id, &fields).await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::CAMPAIGN_SAVED,
            subject: Subject::new("campaign", id.as_uuid()),
            payload: json!({"name": name, "segment": segment, "sender_id": sender_id, "per_hour": per_hour,
                "purpose": purpose}),
        },
    )
    .await?;
    let c = tx.campaign(ws, id).await?;
    tx.commit().await?;
    view(app, ws, c).await
}

/// Campaigns, newest first.
pub async fn list(app: &App, caller: &Caller, before: Option<CampaignId>, limit: u32) -> AppResult<Vec<CampaignView>> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let mut out = Vec::new();
    for c in app.db.campaigns(ws, before, limit.clamp(1, 200)).await? {
        out.push(view(app, ws, c).await?);
    }
    Ok(out)
}

/// One campaign with its results and the segment's size now.
pub async fn get(app: &App, caller: &Caller, id: CampaignId) -> AppResult<CampaignView> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let c = app.db.campaign(ws, id).await?;
    let currency = crate::customers::currency_of(app, ws).await?;
    let results = app.db.campaign_results(ws, id, currency.code()).await?;
    let audience = match crate::segments::parse("segment", &c.segment) {
        Ok(expr) => crate::segments::count(app, ws, "segment", &expr).await.ok(),
        Err(_) => None,
    };
    let mut v = view(app, ws, c).await?;
    v.results = Some(results);
    v.audience = audience;
    Ok(v)
}

async fn change_state(app: &App, caller: &Caller, id: CampaignId, to: CampaignState) -> AppResult<CampaignView> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let c = tx.campaign(ws, id).await?;
    let event = match (c.state, to) {
        (from, to) if from == to => None,
        (CampaignState::Done, _) => return Err(runner::not_now("this campaign is done")),
        (CampaignState::Draft | CampaignState::Paused, CampaignState::Running) => {
            match app.db.user(ws, c.sender_id).await {
                Ok(u) if u.active => {}
                _ => {
                    return Err(AppError::invalid(
                        "sender_id",
                        "the sender is no longer active; write the campaign again with another sender",
                    ));
                }
            }
            runner::start_in(&mut tx, now, ws, id).await?;
            Some(kind::CAMPAIGN_STARTED)
        }
        (CampaignState::Running, CampaignState::Paused) => {
            tx.set_campaign_state(now, ws, id, CampaignState::Paused, None).await?;
            Some(kind::CAMPAIGN_PAUSED)
        }
        (CampaignState::Draft, _) => return Err(runner::not_now("this campaign has not started")),
        _ => return Err(runner::not_now("this campaign cannot do that now")),
    };
    if let Some(event) = event {
        tx.append_event(
            now,
            NewEvent {
                workspace_id: ws,
                actor: caller.actor(),
                kind: event,
                subject: Subject::new("campaign", id.as_uuid()),
                payload: json!({"name": c.name}),
            },
        )
        .await?;
    }
    let c = tx.campaign(ws, id).await?;
    tx.commit().await?;
    view(app, ws, c).await
}

/// Starts sending, or goes on where it was paused (owners and admins).
pub async fn start(app: &App, caller: &Caller, id: CampaignId) -> AppResult<CampaignView> {
    change_state(app, caller, id, CampaignState::Running).await
}

/// Stops sending until started again (owners and admins).
pub async fn pause(app: &App, caller: &Caller, id: CampaignId) -> AppResult<CampaignView> {
    change_state(app, caller, id, CampaignState::Paused).await
}

/// What happens to one customer: "send", "skip" or "hold" now, or what
/// the campaign recorded ("sent", "skipped", "held").
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    /// The customer.
    pub customer_id: CustomerId,
    /// Their name.
    pub name: String,
    /// Where the message goes.
    pub address: Option<String>,
    /// send, skip or hold (deciding now); sent, skipped or held (on record).
    pub outcome: String,
    /// A stable code: "send", "quiet-hours", or a skip's code.
    pub reason_code: String,
    /// The reason in words.
    pub reason: String,
    /// Until when they are held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// The subject they get.
    pub subject: String,
    /// The message they get, signed.
    pub body: String,
    /// For a message on record, its conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<candor_core::ConversationId>,
}

fn line(p: &Planned, purpose: &str, sender: &str) -> Line {
    let (outcome, code, reason, until) = match &p.decision {
        Decision::Send => ("send", "send".to_string(), "gets the message".to_string(), None),
        Decision::Skip(s) => ("skip", s.code().to_string(), s.sentence(purpose), None),
        Decision::Hold(t) => (
            "hold",
            "quiet-hours".to_string(),
            "in their quiet hours now; sent when they end".to_string(),
            Some(*t),
        ),
    };
    Line {
        customer_id: p.customer_id,
        name: p.name.clone(),
        address: p.address.clone(),
        outcome: outcome.into(),
        reason_code: code,
        reason,
        until,
        subject: p.subject.clone(),
        body: signed(&p.body, sender),
        conversation_id: None,
    }
}

/// A page of the dry run.
#[derive(Clone, Debug, Serialize)]
pub struct DryRun {
    /// One line per customer of the segment, newest customers first.
    pub items: Vec<Line>,
    /// The customer to continue after.
    pub next: Option<CustomerId>,
    /// Customers in the segment now.
    pub total: i64,
    /// On this page: who would get the message now.
    pub send: usize,
    /// On this page: who would be skipped.
    pub skip: usize,
    /// On this page: who would wait for their quiet hours.
    pub hold: usize,
}

/// Who would get what now, and who would be skipped and why: a page of the
/// segment, changing nothing. Customers the campaign already decided show
/// what it recorded.
pub async fn dry_run(
    app: &App,
    caller: &Caller,
    id: CampaignId,
    after: Option<CustomerId>,
    limit: u32,
) -> AppResult<DryRun> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let c = app.db.campaign(ws, id).await?;
    let expr = crate::segments::parse("segment", &c.segment)?;
    let total = crate::segments::count(app, ws, "segment", &expr).await?;
    let page = crate::segments::find_expr(app, ws, "segment", &expr, after, limit.clamp(1, 200)).await?;
    let ids: Vec<CustomerId> = page.items.iter().map(|c| c.id).collect();
    let recorded = app.db.recipients_of(ws, id, &ids).await?;
    let ctx = audience::context(app, ws, c).await?;
    let planned = audience::plan(app, ws, &ctx, &page.items).await?;
    let purpose = ctx.campaign.purpose.clone();
    let mut out = DryRun {
        items: Vec::with_capacity(planned.len()),
        next: page.next,
        total,
        send: 0,
        skip: 0,
        hold: 0,
    };
    for p in &planned {
        let mut l = line(p, &purpose, &ctx.sender.name);
        if let Some(r) = recorded.iter().find(|r| r.customer_id == p.customer_id) {
            l.outcome = r.state.clone();
            l.reason_code = r.reason_code.clone();
            l.reason = match r.state.as_str() {
                "sent" => format!("sent on {}", r.decided_at.strftime("%Y-%m-%d %H:%M UTC")),
                _ => r.reason.clone(),
            };
            l.until = r.retry_at;
            l.conversation_id = r.conversation_id;
        }
        match l.outcome.as_str() {
            "send" => out.send += 1,
            "skip" | "skipped" => out.skip += 1,
            "hold" | "held" => out.hold += 1,
            _ => {}
        }
        out.items.push(l);
    }
    Ok(out)
}

/// The message as one customer would get it now, with the decision; without
/// a customer, the segment's newest. `in_segment` says whether they belong to it.
#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    /// The line: decision, subject and body.
    #[serde(flatten)]
    pub line: Line,
    /// Who it comes from, as the email shows it.
    pub from: String,
    /// Whether the customer is in the campaign's segment.
    pub in_segment: bool,
}

/// Renders the campaign for one customer.
pub async fn preview(app: &App, caller: &Caller, id: CampaignId, customer: Option<CustomerId>) -> AppResult<Preview> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let c = app.db.campaign(ws, id).await?;
    let expr = crate::segments::parse("segment", &c.segment)?;
    let target = match customer {
        Some(cid) => match app.db.customer(ws, cid).await {
            Ok(found) => found,
            Err(candor_store::StoreError::NotFound) => {
                return Err(AppError::invalid("customer_id", "no such customer"));
            }
            Err(e) => return Err(e.into()),
        },
        None => crate::segments::find_expr(app, ws, "segment", &expr, None, 1)
            .await?
            .items
            .into_iter()
            .next()
            .ok_or_else(|| AppError::invalid("customer_id", "the segment holds nobody to preview the message for"))?,
    };
    let qctx = crate::segments::context(app, ws).await?;
    let in_segment = app
        .db
        .customer_meets(ws, target.id, std::slice::from_ref(&expr), &qctx)
        .await?
        .first()
        .copied()
        .unwrap_or(false);
    let ctx = audience::context(app, ws, c).await?;
    let planned = audience::plan(app, ws, &ctx, std::slice::from_ref(&target)).await?;
    let p = planned
        .first()
        .ok_or_else(|| AppError::Internal("a planned customer went missing".into()))?;
    Ok(Preview {
        line: line(p, &ctx.campaign.purpose, &ctx.sender.name),
        from: format!("{} at {}", ctx.sender.name, ctx.company),
        in_segment,
    })
}

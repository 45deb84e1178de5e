//! The demo company's public commitments and the record they are measured
//! by: three months of answered email (mostly in time; three misses, all
//! redressed; two raised to a higher priority, so their clocks moved to its
//! commitment), promises kept and one broken, with warnings and breaches
//! given at the moments the worker would have given them.

use crate::caller::Caller;
use crate::commitments;
use crate::context::App;
use crate::conversations::{UpdateConversation, add_message_as, update};
use crate::error::{AppError, AppResult};
use crate::ingest::{InboundMessage, ingest};
use crate::promises::{self, MakePromise};
use crate::reference::CustomerRef;
use candor_core::commitments::{Commitment, Commitments, RedressAction};
use candor_core::conversation::{Channel, Priority};
use candor_core::hours::{BusinessCalendar, OpenInterval, WeeklyHours};
use candor_core::{ConversationId, ManualClock, WorkspaceId};
use candor_store::staff::User;
use jiff::civil::{Date, Time, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan};
use std::sync::Arc;

fn target(
    channel: &str,
    priority: &str,
    first: &str,
    next: Option<&str>,
    resolution: Option<&str>,
) -> AppResult<Commitment> {
    let parse = |s: &str| s.parse().map_err(|e: String| AppError::Internal(e));
    Ok(Commitment {
        channel: channel.into(),
        priority: priority.into(),
        first_reply: Some(parse(first)?),
        next_reply: next.map(parse).transpose()?,
        resolution: resolution.map(parse).transpose()?,
    })
}

/// An app whose clock the demo moves through the past.
pub fn in_the_past(app: &App, at: Timestamp) -> (App, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(at));
    (
        App {
            clock: clock.clone(),
            ..app.clone()
        },
        clock,
    )
}

/// Publishes Northwind's commitments as its owner, in force since `since`.
pub async fn load(app: &App, owner: &User, since: Timestamp) -> AppResult<()> {
    let hours = WeeklyHours::weekdays(&[OpenInterval::new(
        Time::constant(9, 0, 0, 0),
        Time::constant(18, 0, 0, 0),
    )]);
    let holidays = [
        Date::constant(2026, 12, 24),
        Date::constant(2026, 12, 25),
        Date::constant(2026, 12, 26),
        Date::constant(2027, 1, 1),
    ];
    let calendar = BusinessCalendar::new("Europe/Berlin", hours, holidays.into_iter().collect())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let c = Commitments {
        calendar,
        warn_at: 0.75,
        commitments: vec![
            target("email", "urgent", "PT1H", Some("PT2H"), Some("P1D"))?,
            target("email", "high", "PT2H", Some("PT4H"), Some("P2D"))?,
            target("email", "normal", "PT4H", Some("PT8H"), Some("P3D"))?,
            target("email", "low", "P1D", None, Some("P5D"))?,
            target("chat", "normal", "PT5M", Some("PT5M"), None)?,
            target("phone", "normal", "PT2H", None, Some("P2D"))?,
            target("social", "normal", "PT2H", None, None)?,
            target("community", "normal", "P1D", None, None)?,
        ],
        redress: "When we miss a commitment we tell you so, say sorry in our own words, and take 10% off your next service or part. If a repair is late, we lend you a bike until yours is back.".into(),
        redress_actions: vec![RedressAction::NotifyLead, RedressAction::DraftApology],
    };
    let (past, _) = in_the_past(app, since);
    commitments::publish(&past, &Caller::session(owner.clone()), &c).await?;
    Ok(())
}

/// Gives a conversation's warnings and breaches at the moments they fell due
/// up to `until` (as the worker would have), then leaves the clock at `until`.
pub async fn catch_up(
    app: &App,
    clock: &ManualClock,
    ws: WorkspaceId,
    id: ConversationId,
    until: Timestamp,
) -> AppResult<()> {
    catch_up_and_apologise(app, clock, ws, id, until, None).await
}

/// Like [`catch_up`]; with `apologise`, the agent sends the drafted apology
/// an hour after each breach that happened before the given time.
pub async fn catch_up_and_apologise(
    app: &App,
    clock: &ManualClock,
    ws: WorkspaceId,
    id: ConversationId,
    until: Timestamp,
    apologise: Option<(&Caller, Timestamp)>,
) -> AppResult<()> {
    // Each check moves the next one later; a handful covers every clock.
    for _ in 0..12 {
        let next = app.db.clocks(ws, id).await?.and_then(|c| c.next_check_at);
        let Some(at) = next.filter(|at| *at <= until) else {
            break;
        };
        clock.set(at);
        crate::breaches::check(app, ws, id).await?;
        let Some((agent, before)) = apologise else {
            continue;
        };
        let later = at + SignedDuration::from_hours(1);
        if later > before {
            continue;
        }
        for r in app.db.redress_of(ws, id).await? {
            if let (true, Some(draft)) = (r.state == "open", r.draft) {
                clock.set(later);
                let body = format!("{draft}\nWe are on it and will write again as soon as we know more.");
                crate::breaches::send_apology(app, agent, r.id, &body).await?;
            }
        }
    }
    clock.set(until);
    Ok(())
}

/// Replies as `agent`; when a commitment was missed and its apology is
/// drafted, the reply is that apology followed by the answer, and the
/// redress is done.
pub async fn reply_with_redress(
    app: &App,
    agent: &Caller,
    ws: WorkspaceId,
    id: ConversationId,
    text: &str,
) -> AppResult<()> {
    let open = app
        .db
        .redress_of(ws, id)
        .await?
        .into_iter()
        .find(|r| r.state == "open" && r.draft.is_some());
    match open {
        Some(r) => {
            let body = format!("{}\n{text}", r.draft.unwrap_or_default());
            crate::breaches::send_apology(app, agent, r.id, &body).await?;
        }
        None => {
            add_message_as(app, agent, id, "outbound", text, false).await?;
        }
    }
    Ok(())
}

/// (days ago, minutes to the first reply, subject, message, reply)
const HISTORY: &[(i64, i64, &str, &str, &str)] = &[
    (
        3,
        40,
        "Bell rattles",
        "The bell on my city bike rattles on every bump.",
        "A new bell clip is in the post today, no charge.",
    ),
    (
        5,
        75,
        "Saddle height",
        "How high should the saddle be for a 1.70 m rider?",
        "Roughly 72 cm from the pedal axle; we are happy to set it in the shop.",
    ),
    (
        8,
        330,
        "Order never arrived",
        "My order nw-00381 was due last week and never came.",
        "The parcel was lost; a new one left this morning with express shipping.",
    ),
    (
        11,
        55,
        "Invoice copy",
        "Could I have a copy of my March invoice?",
        "Attached to your account now.",
    ),
    (
        15,
        120,
        "Brake pads",
        "Which brake pads fit the cargo bike?",
        "The organic pads, part 4471; we have them in stock.",
    ),
    (
        19,
        90,
        "Gift card",
        "Can I use two gift cards on one order?",
        "Yes, enter them one after the other at checkout.",
    ),
    (
        24,
        35,
        "Tyre pressure",
        "What pressure for the 2.4 inch tyres?",
        "Between 1.8 and 2.2 bar for city riding.",
    ),
    (
        29,
        150,
        "Repair status",
        "Is my bike ready? It has been in the shop for a week.",
        "It is ready: the new chain ring came in yesterday.",
    ),
    (
        36,
        65,
        "Lock key lost",
        "I lost the key to the frame lock.",
        "Send us the lock number and we order a key for you.",
    ),
    (
        44,
        290,
        "Wrong colour",
        "I ordered the blue helmet and got a red one.",
        "A blue one is on its way; keep the red one for a friend.",
    ),
    (
        52,
        45,
        "Opening hours at Easter",
        "Are you open on Easter Saturday?",
        "Yes, from 10:00 to 14:00.",
    ),
    (
        61,
        100,
        "Child seat",
        "Does the rear child seat fit the city bike?",
        "It does, with the rack adapter (part 2210).",
    ),
    (
        73,
        80,
        "Warranty on the battery",
        "How long is the battery warranty?",
        "Two years, or 800 charge cycles.",
    ),
    (
        86,
        60,
        "Pedal squeak",
        "The left pedal squeaks since the service.",
        "Bring it by; we fix it while you wait.",
    ),
];

/// The old conversations an agent raised: one to high priority (answered
/// within its two hours), one to urgent (answered after 80 minutes against
/// one hour: a miss, redressed with the apology).
fn raised(n: usize) -> Option<&'static str> {
    match n {
        10 => Some("high"),
        12 => Some("urgent"),
        _ => None,
    }
}

/// The weekday at or before `date`.
fn weekday_on_or_before(mut date: Date) -> Date {
    while matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
        date = date.yesterday().unwrap_or(date);
    }
    date
}

/// Three months of answered email and the promises made in it.
pub async fn history(app: &App, ws: WorkspaceId, agents: &[User], now: Timestamp) -> AppResult<()> {
    let calendar = crate::insight::workspace_calendar(app, ws).await?;
    let tz = calendar.time_zone().clone();
    let customers = app.db.customer_names(ws).await?;
    let (past, clock) = in_the_past(app, now);
    let today = now.to_zoned(tz.clone()).date();
    for (n, (days, reply_after, subject, text, reply)) in HISTORY.iter().enumerate() {
        let day = weekday_on_or_before(today.checked_sub((*days).days()).unwrap_or(today));
        let opened = day
            .at(10, 0, 0, 0)
            .to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        clock.set(opened);
        let Some((customer, _)) = customers.get((n * 11 + 3) % customers.len().max(1)) else {
            return Ok(());
        };
        let mut m = InboundMessage::new(ws, CustomerRef::Id(*customer), Channel::Email, text);
        m.subject = Some(subject.to_string());
        m.priority = Some(Priority::Normal);
        m.external_id = Some(format!("demo-history-{n}"));
        let id = ingest(&past, m).await?.conversation.id;
        let agent = Caller::session(agents[n % agents.len()].clone());
        if let Some(priority) = raised(n) {
            // Ten minutes in, the agent sees it is pressing: its clocks move
            // to the commitment for the higher priority.
            clock.set(opened + SignedDuration::from_mins(10));
            let change = UpdateConversation {
                priority: Some(priority.into()),
                ..Default::default()
            };
            update(&past, &agent, id, &change).await?;
        }
        let answered = opened + SignedDuration::from_mins(*reply_after);
        catch_up(&past, &clock, ws, id, answered).await?;
        match n {
            // The lead gave this customer the discount by phone and recorded it.
            9 => {
                if let Some(r) = app.db.redress_of(ws, id).await?.into_iter().find(|r| r.state == "open") {
                    crate::breaches::mark_done(&past, &agent, r.id).await?;
                }
                add_message_as(&past, &agent, id, "outbound", reply, false).await?;
            }
            _ => reply_with_redress(&past, &agent, ws, id, reply).await?,
        }
        story_promises(&past, &clock, &agent, ws, id, n, answered).await?;
        let solved = answered + SignedDuration::from_hours(2);
        catch_up(&past, &clock, ws, id, solved).await?;
        let change = UpdateConversation {
            status: Some("solved".into()),
            ..Default::default()
        };
        update(&past, &agent, id, &change).await?;
    }
    Ok(())
}

/// Promises in three of the old conversations: one kept when marked, one kept
/// by the reply it promised, one broken (its owner was ill, and nobody took it over).
async fn story_promises(
    past: &App,
    clock: &ManualClock,
    agent: &Caller,
    ws: WorkspaceId,
    id: ConversationId,
    n: usize,
    at: Timestamp,
) -> AppResult<()> {
    let make = |description: &str, due: Timestamp| MakePromise {
        conversation_id: id.to_string(),
        description: description.into(),
        due_at: due.to_string(),
        ..Default::default()
    };
    match n {
        1 => {
            let due = at + SignedDuration::from_hours(24);
            promises::make(past, agent, &make("email you the saddle height chart", due), "detected").await?;
            clock.set(at + SignedDuration::from_hours(3));
            add_message_as(past, agent, id, "outbound", "Here is the chart I promised.", false).await?;
        }
        4 => {
            let p = promises::make(
                past,
                agent,
                &make("order the brake pads for you", at + SignedDuration::from_hours(48)),
                "hand",
            )
            .await?;
            clock.set(at + SignedDuration::from_hours(5));
            crate::demo::keep_story_promise(past, agent, p.id).await?;
        }
        7 => {
            let due = at + SignedDuration::from_hours(24);
            let p = promises::make(
                past,
                agent,
                &make("call you when the bike is back from the paint shop", due),
                "hand",
            )
            .await?;
            clock.set(due + SignedDuration::from_secs(1));
            promises::check(past, ws, p.id).await?;
        }
        _ => {}
    }
    clock.set(at);
    Ok(())
}

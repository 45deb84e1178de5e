//! The Pact in the data set: the workspace's public commitments
//! (`terms`), published through candor-app before the oldest conversation,
//! and for every conversation what Candor wrote as it went (`clocks` moves
//! the clocks): the clock row, the warnings and breaches with their events
//! and notifications, the redress (most of it done by now), and the checks
//! still queued. The promise ledger is `ledger`.

use crate::bulk::Bulk;
use crate::clocks::{Thread, clock_thread};
use crate::datagen::{Gen, StepFuture, V};
use crate::ledger;
use crate::people::{EVENT_COLUMNS, event_row, owner};
use crate::rng::Rng;
use crate::terms::terms;
use anyhow::{Context, Result, anyhow};
use candor_app::breaches::apology_draft;
use candor_app::clocks::CLOCK_CHECK_JOB;
use candor_core::commitments::{Commitments, RedressAction};
use candor_core::events::{Actor, kind};
use candor_core::ids::uuid_v7_at;
use candor_core::pact::{Alarm, ClockKind};
use candor_core::staff::Role;
use candor_core::{ConversationId, RedressId, UserId, WorkspaceId};
use candor_store::clocks::StoredClocks;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// The columns of `conversation_clocks` (Tx::save_clocks).
const CLOCK_COLUMNS: &[&str] = &[
    "workspace_id",
    "conversation_id",
    "commitments_version",
    "channel",
    "priority",
    "state",
    "started_at",
    "next_check_at",
    "warn_at",
    "due_at",
    "first_reply_within",
    "first_reply_secs",
    "resolution_within",
    "resolution_secs",
    "updated_at",
];

const REDRESS_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "conversation_id",
    "customer_id",
    "clock",
    "due_at",
    "breached_at",
    "actions",
    "draft",
    "state",
    "done_at",
    "done_by",
    "done_how",
    "created_at",
];

/// The columns of `notifications` (Tx::notify).
pub const NOTIFICATION_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "user_id",
    "kind",
    "conversation_id",
    "body",
    "created_at",
    "read_at",
];

/// The columns of `jobs` (Tx::enqueue).
pub const JOB_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "kind",
    "payload",
    "state",
    "run_at",
    "attempts",
    "max_attempts",
    "created_at",
    "updated_at",
];

/// The tables of the step, in the order `Bulk` takes them.
const CLOCKS: usize = 0;
const REDRESS_T: usize = 1;
/// The promises table's place in the step's `Bulk`.
pub const PROMISES: usize = 2;
/// The notifications table's place.
pub const NOTIFICATIONS: usize = 3;
/// The events table's place.
pub const EVENTS: usize = 4;
/// The jobs table's place.
pub const JOBS: usize = 5;

fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// A pending job row queued at `queued` to run at `run_at`.
pub fn job_row(ws: Uuid, kind: &str, payload: String, queued: Timestamp, run_at: Timestamp) -> Vec<V> {
    vec![
        V::Uuid(uuid_v7_at(queued)),
        V::OptUuid(Some(ws)),
        V::Text(kind.into()),
        V::Text(payload),
        V::Text("pending".into()),
        V::Int(us(run_at)),
        V::Int(0),
        V::Int(8),
        V::Int(us(queued)),
        V::Int(us(queued)),
    ]
}

/// A notification row; staff read most of theirs within a day.
#[allow(clippy::too_many_arguments)]
pub fn notification_row(
    rng: &mut Rng,
    now: Timestamp,
    ws: Uuid,
    user: UserId,
    kind: &str,
    conversation: Uuid,
    body: String,
    at: Timestamp,
) -> Vec<V> {
    let read = at + SignedDuration::from_secs(rng.between(300, 86_400));
    let read = (read < now && rng.chance(0.9)).then_some(read);
    vec![
        V::Uuid(uuid_v7_at(at)),
        V::Uuid(ws),
        V::Uuid(user.as_uuid()),
        V::Text(kind.into()),
        V::OptUuid(Some(conversation)),
        V::Text(body),
        V::Int(us(at)),
        V::OptInt(read.map(us)),
    ]
}

fn clock_row(s: &StoredClocks, updated_at: Timestamp) -> Result<Vec<V>> {
    let flag = |b: Option<bool>| b.map(i64::from);
    Ok(vec![
        V::Uuid(s.workspace_id.as_uuid()),
        V::Uuid(s.conversation_id.as_uuid()),
        V::Int(s.commitments_version),
        V::Text(s.channel.clone()),
        V::Text(s.priority.clone()),
        V::Text(serde_json::to_string(&s.clocks)?),
        V::Int(us(s.started_at)),
        V::OptInt(s.next_check_at.map(us)),
        V::OptInt(s.warn_at.map(us)),
        V::OptInt(s.due_at.map(us)),
        V::OptInt(flag(s.first_reply_within)),
        V::OptInt(s.first_reply_secs),
        V::OptInt(flag(s.resolution_within)),
        V::OptInt(s.resolution_secs),
        V::Int(us(updated_at)),
    ])
}

/// A time in the calendar's zone, as the job's notifications print it.
fn local(c: &Commitments, t: Timestamp) -> String {
    t.to_zoned(c.calendar.time_zone().clone())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The missed target in words, as the breach names it: "a first reply within 4 hours".
fn missed_words(c: &Commitments, t: &Thread, kind: ClockKind) -> String {
    let target = c
        .for_conversation(t.channel.as_str(), t.priority.as_str())
        .and_then(|one| match kind {
            ClockKind::FirstReply => one.first_reply,
            ClockKind::NextReply => one.next_reply,
            ClockKind::Resolution => one.resolution,
        });
    match target {
        Some(x) => format!("{} within {}", kind.words(), x.words(c.around_the_clock())),
        None => kind.words().to_string(),
    }
}

/// What the step needs while it writes one conversation's rows.
struct Writer<'a> {
    ws: Uuid,
    now: Timestamp,
    c: &'a Commitments,
    owner: UserId,
    /// Admins and owners: the leads a breach is told to.
    leads: Vec<UserId>,
    names: &'a HashMap<UserId, String>,
    rng: Rng,
}

impl Writer<'_> {
    /// The rows of one warning or breach (`breaches::warn`, `breaches::breach`),
    /// and of the redress done later.
    fn alarm(&mut self, t: &Thread, customer: (Uuid, &str), at: Timestamp, a: &Alarm) -> Result<Vec<(usize, Vec<V>)>> {
        let (ws, conv) = (self.ws, t.id);
        let mut rows = Vec::new();
        if !a.breach {
            let payload = json!({"clock": a.kind.as_str(), "due_at": a.due_at, "assignee_id": t.assignee,
                "subject": t.subject});
            rows.push((
                EVENTS,
                event_row(
                    uuid_v7_at(at),
                    ws,
                    us(at),
                    Actor::System,
                    kind::COMMITMENT_WARNING,
                    "conversation",
                    conv,
                    payload.to_string(),
                    None,
                ),
            ));
            if let Some(user) = t.assignee {
                let body = format!(
                    "\"{}\": {} is due {}.",
                    t.subject,
                    a.kind.words(),
                    local(self.c, a.due_at)
                );
                let row = notification_row(
                    &mut self.rng,
                    self.now,
                    ws,
                    user,
                    kind::COMMITMENT_WARNING,
                    conv,
                    body,
                    at,
                );
                rows.push((NOTIFICATIONS, row));
            }
            return Ok(rows);
        }
        let missed = missed_words(self.c, t, a.kind);
        let draft = self
            .c
            .redress_actions
            .contains(&RedressAction::DraftApology)
            .then(|| apology_draft(customer.1, &missed, &self.c.redress));
        let id = RedressId::new_at(at);
        // Leads and agents mark most redress done within two days.
        let done_at = at + SignedDuration::from_secs(self.rng.between(1_800, 172_800));
        let done = (done_at < self.now && self.rng.chance(0.85)).then(|| {
            let by = match t.assignee {
                Some(a) if self.rng.chance(0.5) => a,
                _ => self.owner,
            };
            (done_at, by)
        });
        rows.push((
            REDRESS_T,
            vec![
                V::Uuid(id.as_uuid()),
                V::Uuid(ws),
                V::Uuid(conv),
                V::Uuid(customer.0),
                V::Text(a.kind.as_str().into()),
                V::Int(us(a.due_at)),
                V::Int(us(at)),
                V::Text(serde_json::to_string(&self.c.redress_actions)?),
                V::OptText(draft),
                V::Text(if done.is_some() { "done" } else { "open" }.into()),
                V::OptInt(done.map(|(d, _)| us(d))),
                V::OptUuid(done.map(|(_, by)| by.as_uuid())),
                V::OptText(done.map(|_| "marked done".to_string())),
                V::Int(us(at)),
            ],
        ));
        let payload = json!({"clock": a.kind.as_str(), "due_at": a.due_at, "missed": missed,
            "redress_id": id, "actions": self.c.redress_actions, "subject": t.subject});
        rows.push((
            EVENTS,
            event_row(
                uuid_v7_at(at),
                ws,
                us(at),
                Actor::System,
                kind::COMMITMENT_BREACHED,
                "conversation",
                conv,
                payload.to_string(),
                Some(customer.0),
            ),
        ));
        let body = format!(
            "\"{}\": we missed {missed} (due {}). Redress is open.",
            t.subject,
            local(self.c, a.due_at)
        );
        let mut told: Vec<UserId> = t.assignee.into_iter().collect();
        if self.c.redress_actions.contains(&RedressAction::NotifyLead) {
            told.extend(self.leads.iter().filter(|l| Some(**l) != t.assignee));
        }
        for user in told {
            let row = notification_row(
                &mut self.rng,
                self.now,
                ws,
                user,
                kind::COMMITMENT_BREACHED,
                conv,
                body.clone(),
                at,
            );
            rows.push((NOTIFICATIONS, row));
        }
        if let Some((when, by)) = done {
            let name = self.names.get(&by).cloned().unwrap_or_default();
            let payload = json!({"redress_id": id, "clock": a.kind.as_str(), "how": "marked done", "by": name});
            rows.push((
                EVENTS,
                event_row(
                    uuid_v7_at(when),
                    ws,
                    us(when),
                    Actor::Staff(by),
                    kind::REDRESS_DONE,
                    "conversation",
                    conv,
                    payload.to_string(),
                    Some(customer.0),
                ),
            ));
        }
        Ok(rows)
    }
}

/// Publishes the commitments (in force since before the oldest conversation)
/// and writes what the clocks, the clock check job and the promise ledger
/// wrote for every conversation.
pub fn commitments(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let now = g.now;
        let wsid = WorkspaceId::from_uuid(g.seed.workspace_id);
        let ws = g.seed.workspace_id;
        let threads = std::mem::take(&mut g.threads);
        let oldest = threads
            .iter()
            .filter_map(|t| t.steps.first().map(|s| s.1))
            .min()
            .unwrap_or(now);
        let caller = owner(g).await?;
        let (past, _) = candor_app::demo_commitments::in_the_past(&g.app, oldest - SignedDuration::from_hours(24));
        let version = candor_app::commitments::publish(&past, &caller, &terms(now)?)
            .await
            .map_err(|e| anyhow!("publishing the commitments: {e}"))?;
        let c = g
            .app
            .db
            .commitments_version(wsid, version)
            .await
            .map_err(|e| anyhow!("{e}"))?
            .commitments;
        let users = g.app.db.users(wsid).await.map_err(|e| anyhow!("{e}"))?;
        let leads: Vec<UserId> = users
            .iter()
            .filter(|u| u.active && u.role >= Role::Admin)
            .map(|u| u.id)
            .collect();
        let names: HashMap<UserId, String> = users.iter().map(|u| (u.id, u.name.clone())).collect();
        let mut w = Writer {
            ws,
            now,
            c: &c,
            owner: caller.user.id,
            leads,
            names: &names,
            rng: Rng::new(71),
        };
        let mut promises = ledger::Ledger::new(ws, now, Rng::new(73));
        let mut bulk = Bulk::new(
            g.backend,
            &[
                ("conversation_clocks", CLOCK_COLUMNS),
                ("redress", REDRESS_COLUMNS),
                ("promises", ledger::PROMISE_COLUMNS),
                ("notifications", NOTIFICATION_COLUMNS),
                ("events", EVENT_COLUMNS),
                ("jobs", JOB_COLUMNS),
            ],
        );
        let heavy = g.people.heavy;
        let mut heavy_events = 0;
        for t in &threads {
            let person = g
                .people
                .list
                .get(t.customer)
                .with_context(|| format!("conversation {} names no generated customer", t.id))?;
            let customer = (person.id, person.name.as_str());
            let mut rows: Vec<(usize, Vec<V>)> = Vec::new();
            if let Some(done) = clock_thread(t, wsid, version, &c, now)? {
                rows.push((CLOCKS, clock_row(&done.clocks, done.updated_at)?));
                for (at, a) in &done.alarms {
                    rows.extend(w.alarm(t, customer, *at, a)?);
                }
                for (queued, due) in &done.waiting {
                    let payload = json!({"conversation_id": ConversationId::from_uuid(t.id)}).to_string();
                    rows.push((JOBS, job_row(ws, CLOCK_CHECK_JOB, payload, *queued, *due)));
                }
            }
            rows.extend(promises.promise(t, customer.0, &names)?);
            for (table, row) in rows {
                if t.customer == heavy && table == EVENTS && matches!(row.get(9), Some(V::OptUuid(Some(_)))) {
                    heavy_events += 1;
                }
                g.put(&mut bulk, table, row).await?;
            }
        }
        g.finish(bulk).await?;
        g.people.heavy_events += heavy_events;
        Ok(())
    })
}

//! `candor trust rebuild`: every trust count, step and trajectory of a
//! workspace computed again from the event log, in one streaming pass in
//! log order (pages of events that move trust; each event tallied by the
//! same pure function the append uses), then written in one transaction
//! that first folds in whatever arrived during the pass. Counts keep the
//! all-time rows and the weeks the trend shows; older week rows are dropped.

use crate::context::App;
use crate::error::AppResult;
use candor_core::clock::{from_micros, to_micros};
use candor_core::trust::kind;
use candor_core::trust::signals::Counts;
use candor_core::trust::tally::{EventFacts, tally};
use candor_core::trust::trajectory::{Direction, Reason, falling_since};
use candor_core::trust::trend::{ALL_TIME, first_trend_week, week_of};
use candor_core::{CustomerId, TrustStepId, UserId, WorkspaceId};
use candor_store::trust::CountKey;
use candor_store::trust::rebuild::TrustEvent;
use candor_store::trust::steps::{StoredStep, Trajectory};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Events read per page.
const PAGE: u32 = 20_000;

/// What a rebuild did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Events read that move trust.
    pub events: u64,
    /// Rows of counts written.
    pub count_rows: usize,
    /// Customers with counts.
    pub customers: usize,
    /// Agents with counts.
    pub agents: usize,
    /// Steps written.
    pub steps: usize,
    /// Customers whose trajectory is falling.
    pub falling: usize,
    /// Step events that could not be read back (left out).
    pub unreadable_steps: u64,
}

/// The fold of events into counts and steps.
struct Fold {
    first_week: i64,
    counts: BTreeMap<CountKey, Counts>,
    steps: Vec<StoredStep>,
    events: u64,
    unreadable_steps: u64,
}

impl Fold {
    fn add(&mut self, e: &TrustEvent) {
        self.events += 1;
        // A payload that is not JSON moves nothing, here as when it was appended.
        let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
        let tallies = tally(&EventFacts {
            kind: &e.kind,
            actor: e.actor_id,
            customer: e.customer_id,
            payload: &payload,
        });
        let week = week_of(e.at);
        for t in &tallies {
            for w in [ALL_TIME, week] {
                if w != ALL_TIME && w < self.first_week {
                    continue;
                }
                let key = CountKey {
                    scope: t.scope,
                    subject: t.subject,
                    week: w,
                };
                self.counts.entry(key).or_default().add(t.key, t.favourable, t.observed);
            }
        }
        if e.kind == kind::STEP {
            match step_of(e, &payload) {
                Some(s) => self.steps.push(s),
                None => self.unreadable_steps += 1,
            }
        }
    }
}

/// A step as its `trust.step` event recorded it.
fn step_of(e: &TrustEvent, p: &Value) -> Option<StoredStep> {
    let id = |field: &str| {
        p.get(field)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
    };
    Some(StoredStep {
        id: TrustStepId::from_uuid(id("step_id")?),
        customer_id: CustomerId::from_uuid(e.customer_id?),
        at: from_micros(e.at),
        source: p.get("source")?.as_str()?.to_string(),
        source_id: id("source_id")?,
        agent_id: id("agent_id").map(UserId::from_uuid),
        direction: Direction::parse(p.get("direction")?.as_str()?)?,
        points: i32::try_from(p.get("points")?.as_i64()?).ok()?,
        reasons: serde_json::from_value::<Vec<Reason>>(p.get("reasons")?.clone()).ok()?,
    })
}

/// Where each customer's trajectory stands after their steps (in log order).
fn trajectories(steps: &[StoredStep]) -> Vec<(CustomerId, Trajectory)> {
    let mut by: HashMap<CustomerId, Vec<&StoredStep>> = HashMap::new();
    for s in steps {
        by.entry(s.customer_id).or_default().push(s);
    }
    let mut out: Vec<(CustomerId, Trajectory)> = by
        .into_iter()
        .filter_map(|(c, steps)| {
            let last = steps.last()?.at;
            let since = falling_since(steps.iter().map(|s| (s.direction, to_micros(s.at))));
            Some((
                c,
                Trajectory {
                    falling_since: since.map(from_micros),
                    last_step_at: last,
                },
            ))
        })
        .collect();
    out.sort_by_key(|(c, _)| *c);
    out
}

/// Rebuilds a workspace's trust from its event log (see the module docs).
pub async fn rebuild(app: &App, ws: WorkspaceId) -> AppResult<Rebuilt> {
    let now = app.now();
    let mut fold = Fold {
        first_week: first_trend_week(week_of(to_micros(now))),
        counts: BTreeMap::new(),
        steps: Vec::new(),
        events: 0,
        unreadable_steps: 0,
    };
    let mut cursor: Option<Uuid> = None;
    loop {
        let page = app.db.trust_events_after(ws, cursor, PAGE).await?;
        let Some(last) = page.last() else { break };
        cursor = Some(last.id);
        for e in &page {
            fold.add(e);
        }
    }
    // What arrived during the pass, read by the transaction that writes: on
    // SQLite it holds the only writer, so nothing more can arrive before the commit.
    let mut tx = app.db.begin().await?;
    loop {
        let page = tx.trust_events_after(ws, cursor, PAGE).await?;
        let Some(last) = page.last() else { break };
        cursor = Some(last.id);
        for e in &page {
            fold.add(e);
        }
    }
    let trajectories = trajectories(&fold.steps);
    tx.replace_trust(ws, &fold.counts, &fold.steps, &trajectories).await?;
    tx.commit().await?;
    let count_rows = fold.counts.values().filter(|c| !c.is_zero()).count();
    let subjects = |scope| {
        fold.counts
            .keys()
            .filter(|k| k.week == ALL_TIME && k.scope == scope)
            .count()
    };
    Ok(Rebuilt {
        events: fold.events,
        count_rows,
        customers: subjects(candor_core::trust::ScopeKind::Customer),
        agents: subjects(candor_core::trust::ScopeKind::Agent),
        steps: fold.steps.len(),
        falling: trajectories.iter().filter(|(_, t)| t.falling_since.is_some()).count(),
        unreadable_steps: fold.unreadable_steps,
    })
}

//! Trust for people and programs: the equation per customer, per agent and
//! for the workspace, with every signal behind it, the weekly trend and a
//! customer's trajectory of steps (docs/trust.md).
//!
//! The counts are kept by the store as events are appended
//! (`candor_store::trust`); steps are recorded by [`steps`]; the alerts a
//! falling trajectory raises are [`alerts`]; [`rebuild`] computes everything
//! again from the event log.

use crate::caller::Caller;
use crate::context::App;
use crate::customers::{self, Found};
use crate::error::{AppError, AppResult};
use candor_core::clock::{from_micros, to_micros};
use candor_core::staff::Scope;
use candor_core::trust::signals::{Counts, SIGNALS, ScopeKind};
use candor_core::trust::trajectory::Reason;
use candor_core::trust::trend::{counts_by_week, first_trend_week, week_of, week_start};
use candor_core::trust::{Component, ComponentScore, MAX_SCORE, MIN_SCORE, PRIOR_WEIGHT, TrustScore, trust};
use candor_core::{CustomerId, UserId};
use candor_store::trust::StoredCounts;
use candor_store::trust::steps::StoredStep;
use jiff::Timestamp;
use serde::Serialize;

pub mod alerts;
pub mod rebuild;
pub mod replies;
pub mod steps;

/// Whose trust a view shows.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectView {
    /// customer, agent or workspace.
    #[serde(rename = "type")]
    pub kind: ScopeKind,
    /// The customer's or agent's id; the workspace's.
    pub id: String,
    /// Their name.
    pub name: String,
}

/// The ranges the numbers live in.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Scale {
    /// The lowest score: (1 + 1 + 1) / 10.
    pub score_min: f64,
    /// The highest score: (10 + 10 + 10) / 1.
    pub score_max: f64,
    /// A component's lowest value.
    pub component_min: f64,
    /// A component's highest value.
    pub component_max: f64,
    /// Imaginary observations each signal's prior is worth.
    pub prior_weight: f64,
}

/// A component with how it was computed.
#[derive(Clone, Debug, Serialize)]
pub struct ComponentView {
    /// credibility, reliability, intimacy or self_orientation.
    pub name: Component,
    /// 1–10.
    pub value: f64,
    /// `1 + 9 × mean(rates) = value`.
    pub formula: String,
    /// False for self-orientation: the higher, the lower trust.
    pub raises_trust: bool,
}

/// One signal with its counts and what it does.
#[derive(Clone, Debug, Serialize)]
pub struct SignalView {
    /// A stable name.
    pub name: &'static str,
    /// The component it feeds.
    pub component: Component,
    /// What is counted.
    pub label: &'static str,
    /// Favourable outcomes (for self-orientation: self-serving ones).
    pub favourable: f64,
    /// What `favourable` counts.
    pub favourable_words: &'static str,
    /// Outcomes observed.
    pub observed: f64,
    /// What `observed` counts.
    pub observed_words: &'static str,
    /// Where the rate leans with no evidence.
    pub prior: f64,
    /// Its weight in its component.
    pub weight: f64,
    /// The smoothed rate, 0–1.
    pub rate: f64,
    /// `(favourable + prior × 4) / (observed + 4) = rate`.
    pub formula: String,
    /// How it moves its component and trust, in words.
    pub effect: String,
}

/// The score at the end of one week.
#[derive(Clone, Debug, Serialize)]
pub struct TrendPoint {
    /// The ISO week, e.g. "2026-W10".
    pub week: String,
    /// When it starts (Monday 00:00 UTC).
    pub starts: Timestamp,
    /// The score then.
    pub score: f64,
    /// On 0–100.
    pub percent: f64,
    /// The components then.
    pub credibility: f64,
    /// 1–10.
    pub reliability: f64,
    /// 1–10.
    pub intimacy: f64,
    /// 1–10.
    pub self_orientation: f64,
}

/// A step as shown.
#[derive(Clone, Debug, Serialize)]
pub struct StepView {
    /// Its id.
    pub id: String,
    /// When.
    pub at: Timestamp,
    /// conversation, promise or topic.
    pub source: String,
    /// Its id.
    pub source_id: String,
    /// partnership or disconnection.
    pub direction: candor_core::trust::trajectory::Direction,
    /// Its points, in halves.
    pub points: i32,
    /// Why.
    pub reasons: Vec<Reason>,
    /// The agent it is credited to.
    pub agent_id: Option<UserId>,
}

impl StepView {
    fn of(s: &StoredStep) -> Self {
        StepView {
            id: s.id.to_string(),
            at: s.at,
            source: s.source.clone(),
            source_id: s.source_id.to_string(),
            direction: s.direction,
            points: s.points,
            reasons: s.reasons.clone(),
            agent_id: s.agent_id,
        }
    }
}

/// A customer's trajectory.
#[derive(Clone, Debug, Serialize)]
pub struct TrajectoryView {
    /// Their latest two steps went toward disconnection.
    pub falling: bool,
    /// Since when.
    pub falling_since: Option<Timestamp>,
    /// The rule, in words.
    pub rule: &'static str,
    /// Their latest steps, newest first.
    pub steps: Vec<StepView>,
}

/// The rule of a falling trajectory, as shown beside it.
pub const FALLING_RULE: &str = "A trajectory falls when the latest two steps both go toward disconnection; while it falls the customer is at risk, and a tier A customer's fall raises an inbox alert. It stops falling at the next step toward partnership.";

/// Trust as the API returns it and the pages show it.
#[derive(Clone, Debug, Serialize)]
pub struct TrustView {
    /// Whose.
    pub subject: SubjectView,
    /// (credibility + reliability + intimacy) / self_orientation, 0.3–30.
    pub score: f64,
    /// The score placed on 0–100 (a log scale; 3, all components even, is 50).
    pub percent: f64,
    /// 1–10.
    pub credibility: f64,
    /// 1–10.
    pub reliability: f64,
    /// 1–10.
    pub intimacy: f64,
    /// 1–10; the higher, the lower trust.
    pub self_orientation: f64,
    /// The score's arithmetic with these numbers.
    pub formula: String,
    /// The ranges.
    pub scale: Scale,
    /// Each component with its arithmetic.
    pub components: Vec<ComponentView>,
    /// Every signal behind the components.
    pub signals: Vec<SignalView>,
    /// The last 12 weeks, oldest first.
    pub trend: Vec<TrendPoint>,
    /// A customer's trajectory (customers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<TrajectoryView>,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn effect(c: Component, rate: f64) -> String {
    let name = match c {
        Component::Credibility => "credibility",
        Component::Reliability => "reliability",
        Component::Intimacy => "intimacy",
        Component::SelfOrientation => "self-orientation",
    };
    let lean = if rate > 0.5 {
        "raises"
    } else if rate < 0.5 {
        "lowers"
    } else {
        "leaves at its middle"
    };
    match c {
        Component::SelfOrientation if rate > 0.5 => format!("{lean} {name}, which lowers trust"),
        Component::SelfOrientation if rate < 0.5 => format!("{lean} {name}, which raises trust"),
        _ => format!("{lean} {name}"),
    }
}

fn component_view(name: Component, c: &ComponentScore) -> ComponentView {
    ComponentView {
        name,
        value: round(c.value, 2),
        formula: c.formula(),
        raises_trust: name != Component::SelfOrientation,
    }
}

/// The ISO week of a week number, e.g. "2026-W10".
pub fn week_label(week: i64) -> String {
    let d = from_micros(week_start(week)).to_zoned(jiff::tz::TimeZone::UTC).date();
    let iso = d.iso_week_date();
    format!("{}-W{:02}", iso.year(), iso.week())
}

/// The view of some counts for `scope` at `now`.
pub fn view(subject: SubjectView, stored: &StoredCounts, now: Timestamp) -> TrustView {
    let scope = subject.kind;
    let s: TrustScore = trust(&stored.total.signals(scope));
    let signals = SIGNALS
        .iter()
        .filter(|d| scope.counts(d))
        .zip(stored.total.signals(scope))
        .map(|(d, sig)| SignalView {
            name: d.name,
            component: d.component,
            label: d.label,
            favourable: round(sig.favourable, 3),
            favourable_words: d.favourable_words,
            observed: round(sig.observed, 3),
            observed_words: d.observed_words,
            prior: sig.prior,
            weight: sig.weight,
            rate: round(sig.rate(), 4),
            formula: sig.formula(),
            effect: effect(d.component, sig.rate()),
        })
        .collect();
    let current = week_of(to_micros(now));
    let trend = counts_by_week(&stored.total, &stored.weeks, current)
        .into_iter()
        .map(|(week, c): (i64, Counts)| {
            let t = trust(&c.signals(scope));
            TrendPoint {
                week: week_label(week),
                starts: from_micros(week_start(week)),
                score: round(t.score, 2),
                percent: round(t.percent, 1),
                credibility: round(t.credibility.value, 2),
                reliability: round(t.reliability.value, 2),
                intimacy: round(t.intimacy.value, 2),
                self_orientation: round(t.self_orientation.value, 2),
            }
        })
        .collect();
    TrustView {
        subject,
        score: round(s.score, 2),
        percent: round(s.percent, 1),
        credibility: round(s.credibility.value, 2),
        reliability: round(s.reliability.value, 2),
        intimacy: round(s.intimacy.value, 2),
        self_orientation: round(s.self_orientation.value, 2),
        formula: s.formula(),
        scale: Scale {
            score_min: MIN_SCORE,
            score_max: MAX_SCORE,
            component_min: 1.0,
            component_max: 10.0,
            prior_weight: PRIOR_WEIGHT,
        },
        components: vec![
            component_view(Component::Credibility, &s.credibility),
            component_view(Component::Reliability, &s.reliability),
            component_view(Component::Intimacy, &s.intimacy),
            component_view(Component::SelfOrientation, &s.self_orientation),
        ],
        signals,
        trend,
        trajectory: None,
    }
}

fn display_name(c: &candor_store::customers::Customer) -> String {
    if c.name.trim().is_empty() {
        c.identities.first().map(|i| i.value.clone()).unwrap_or_default()
    } else {
        c.name.clone()
    }
}

/// A customer's trust, with their trajectory (404 for another workspace's;
/// a merged customer's id answers with the survivor).
pub async fn customer(app: &App, caller: &Caller, id: CustomerId) -> AppResult<TrustView> {
    let c = match customers::get(app, caller, id).await? {
        Found::Live(c) => c,
        Found::MergedInto(s) => return Err(AppError::Merged(s)),
    };
    let ws = caller.workspace();
    let now = app.now();
    let first = first_trend_week(week_of(to_micros(now)));
    let stored = app
        .db
        .trust_counts(ws, ScopeKind::Customer, id.as_uuid(), first)
        .await?;
    let subject = SubjectView {
        kind: ScopeKind::Customer,
        id: id.to_string(),
        name: display_name(&c),
    };
    let mut v = view(subject, &stored, now);
    let trajectory = app.db.trajectory(ws, id).await?;
    let steps = app.db.trust_steps(ws, id, 10).await?;
    v.trajectory = Some(TrajectoryView {
        falling: trajectory.is_some_and(|t| t.falling_since.is_some()),
        falling_since: trajectory.and_then(|t| t.falling_since),
        rule: FALLING_RULE,
        steps: steps.iter().map(StepView::of).collect(),
    });
    Ok(v)
}

/// An agent's trust: their own for anyone, anyone's for admins and owners
/// (the team leads).
pub async fn agent(app: &App, caller: &Caller, id: UserId) -> AppResult<TrustView> {
    caller.require(Scope::Read)?;
    if id != caller.user.id {
        caller.require(Scope::Admin)?;
    }
    let ws = caller.workspace();
    let user = app.db.user(ws, id).await?;
    let now = app.now();
    let first = first_trend_week(week_of(to_micros(now)));
    let stored = app.db.trust_counts(ws, ScopeKind::Agent, id.as_uuid(), first).await?;
    let subject = SubjectView {
        kind: ScopeKind::Agent,
        id: id.to_string(),
        name: user.name,
    };
    Ok(view(subject, &stored, now))
}

/// The workspace's trust: the sum of its customers' signals.
pub async fn workspace(app: &App, caller: &Caller) -> AppResult<TrustView> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let now = app.now();
    let first = first_trend_week(week_of(to_micros(now)));
    let stored = app.db.workspace_trust_counts(ws, first).await?;
    let name = app.db.workspace(ws).await.map(|w| w.name).unwrap_or_default();
    let subject = SubjectView {
        kind: ScopeKind::Workspace,
        id: ws.to_string(),
        name,
    };
    Ok(view(subject, &stored, now))
}

/// The timeline's sentence for a trust event.
pub fn summary(kind: &str, p: &serde_json::Value) -> String {
    let text = |f: &str| p.get(f).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
    match kind {
        candor_core::trust::kind::STEP => {
            let reasons: Vec<String> = p
                .get("reasons")
                .and_then(|r| serde_json::from_value::<Vec<Reason>>(r.clone()).ok())
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.words)
                .collect();
            let toward = match text("direction").as_str() {
                "partnership" => "A step toward partnership",
                _ => "A step toward disconnection",
            };
            let what: String = text("title").chars().take(60).collect();
            format!("{toward} ({} \"{what}\"): {}", text("source"), reasons.join("; "))
        }
        candor_core::trust::kind::ALERT_RAISED => format!("Trust falling: {}", text("reason")),
        candor_core::trust::kind::ALERT_HANDLED => {
            format!(
                "Trust alert handled by {}: {}",
                text("by"),
                text("how").replace('_', " ")
            )
        }
        other => other.replace(['.', '_'], " "),
    }
}

/// One agent's line on the leads' page.
#[derive(Clone, Debug, Serialize)]
pub struct AgentLine {
    /// Their id.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their score.
    pub score: f64,
    /// On 0–100.
    pub percent: f64,
    /// Credibility, reliability, intimacy, self-orientation.
    pub components: [f64; 4],
}

/// Every active agent's trust, best first (admins and owners).
pub async fn agents(app: &App, caller: &Caller) -> AppResult<Vec<AgentLine>> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let totals: std::collections::HashMap<_, _> = app.db.agent_trust_totals(ws).await?.into_iter().collect();
    let mut out = Vec::new();
    for u in app.db.users(ws).await? {
        if !u.active {
            continue;
        }
        let c = totals.get(&u.id.as_uuid()).copied().unwrap_or_default();
        let s = trust(&c.signals(ScopeKind::Agent));
        out.push(AgentLine {
            id: u.id,
            name: u.name,
            score: round(s.score, 2),
            percent: round(s.percent, 1),
            components: [
                round(s.credibility.value, 2),
                round(s.reliability.value, 2),
                round(s.intimacy.value, 2),
                round(s.self_orientation.value, 2),
            ],
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// The steps credited to an agent, newest first (the same access as [`agent`]).
pub async fn agent_steps(app: &App, caller: &Caller, id: UserId, limit: u32) -> AppResult<Vec<StepView>> {
    caller.require(Scope::Read)?;
    if id != caller.user.id {
        caller.require(Scope::Admin)?;
    }
    let ws = caller.workspace();
    app.db.user(ws, id).await?;
    Ok(app
        .db
        .agent_trust_steps(ws, id, limit)
        .await?
        .iter()
        .map(StepView::of)
        .collect())
}

//! Trust pages: the panel beside a customer and a conversation (score,
//! components, trajectory; every number opens to show how it was computed),
//! the leads' page `/trust` (the workspace and every agent), an agent's page,
//! and the buttons of the inbox's "Trust falling" view.

use crate::auth::StaffSession;
use crate::pages::{Chrome, message_page, not_found, render};
use crate::state::WebState;
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use candor_app::trust::{self, StepView, TrustView, alerts};
use candor_app::{AppError, Caller};
use candor_core::staff::Scope;
use candor_core::trust::Component;
use candor_core::trust::trajectory::Direction;
use candor_core::{CustomerId, TrustAlertId, UserId};
use serde::Deserialize;

/// The trust pages' routes.
pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/trust", get(workspace_page))
        .route("/trust/agents/{id}", get(agent_page))
        .route("/trust/alerts/{id}/handle", post(handle))
}

fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

/// One signal as the panel lists it.
pub struct SignalLine {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) counts: String,
    pub(crate) formula: String,
    pub(crate) effect: String,
}

/// One component with its signals.
pub struct ComponentLine {
    pub(crate) key: &'static str,
    pub(crate) label: &'static str,
    pub(crate) value: f64,
    pub(crate) formula: String,
    pub(crate) note: &'static str,
    pub(crate) signals: Vec<SignalLine>,
}

/// One step of a trajectory.
pub struct StepLine {
    pub(crate) id: String,
    pub(crate) direction: &'static str,
    pub(crate) words: &'static str,
    pub(crate) at: String,
    pub(crate) points: String,
    pub(crate) reasons: Vec<(String, String)>,
    pub(crate) link: Option<String>,
}

/// A week of the trend.
pub struct WeekLine {
    pub(crate) week: String,
    pub(crate) score: f64,
    pub(crate) percent: f64,
    pub(crate) components: String,
}

/// A customer's trajectory as shown.
pub struct TrajectoryLines {
    pub(crate) falling: bool,
    pub(crate) since: String,
    pub(crate) rule: &'static str,
    pub(crate) steps: Vec<StepLine>,
}

/// The trust panel: what `trust_panel.html` shows.
pub struct TrustPanel {
    pub(crate) score: f64,
    pub(crate) percent: f64,
    pub(crate) formula: String,
    pub(crate) components: Vec<ComponentLine>,
    pub(crate) trend: Vec<WeekLine>,
    pub(crate) trajectory: Option<TrajectoryLines>,
}

fn number(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn points(p: i32) -> String {
    let x = f64::from(p) / 2.0;
    if x > 0.0 {
        format!("+{}", number(x))
    } else {
        format!("−{}", number(-x))
    }
}

/// A step as a line: direction, reasons and where it happened.
pub fn step_line(s: &StepView) -> StepLine {
    StepLine {
        id: s.id.clone(),
        direction: s.direction.as_str(),
        words: match s.direction {
            Direction::Partnership => "Toward partnership",
            Direction::Disconnection => "Toward disconnection",
        },
        at: when(s.at),
        points: points(s.points),
        reasons: s.reasons.iter().map(|r| (r.words.clone(), points(r.points))).collect(),
        link: match s.source.as_str() {
            "conversation" => Some(format!("/inbox/{}", s.source_id)),
            _ => None,
        },
    }
}

impl TrustPanel {
    /// The panel of a trust view.
    pub fn of(v: &TrustView) -> Self {
        let components = v
            .components
            .iter()
            .map(|c| {
                let (key, label, note) = match c.name {
                    Component::Credibility => ("credibility", "Credibility", "Are we right? Answers that hold."),
                    Component::Reliability => ("reliability", "Reliability", "Do we do what we said?"),
                    Component::Intimacy => ("intimacy", "Intimacy", "Does the customer confide in us?"),
                    Component::SelfOrientation => (
                        "self-orientation",
                        "Self-orientation",
                        "Are we about ourselves? The higher, the lower trust.",
                    ),
                };
                ComponentLine {
                    key,
                    label,
                    value: c.value,
                    formula: c.formula.clone(),
                    note,
                    signals: v
                        .signals
                        .iter()
                        .filter(|s| s.component == c.name)
                        .map(|s| SignalLine {
                            name: s.name,
                            label: s.label,
                            counts: format!(
                                "{} {} of {} {}",
                                number(s.favourable),
                                s.favourable_words,
                                number(s.observed),
                                s.observed_words
                            ),
                            formula: s.formula.clone(),
                            effect: s.effect.clone(),
                        })
                        .collect(),
                }
            })
            .collect();
        TrustPanel {
            score: v.score,
            percent: v.percent,
            formula: v.formula.clone(),
            components,
            trend: v
                .trend
                .iter()
                .map(|w| WeekLine {
                    week: w.week.clone(),
                    score: w.score,
                    percent: w.percent,
                    components: format!(
                        "C {} · R {} · I {} · S {}",
                        w.credibility, w.reliability, w.intimacy, w.self_orientation
                    ),
                })
                .collect(),
            trajectory: v.trajectory.as_ref().map(|t| TrajectoryLines {
                falling: t.falling,
                since: t.falling_since.map(when).unwrap_or_default(),
                rule: t.rule,
                steps: t.steps.iter().map(step_line).collect(),
            }),
        }
    }
}

/// A customer's trust panel; none when it cannot be read (the page shows the rest).
pub async fn customer_panel(state: &WebState, caller: &Caller, id: CustomerId) -> Option<TrustPanel> {
    match trust::customer(&state.app, caller, id).await {
        Ok(v) => Some(TrustPanel::of(&v)),
        Err(e) => {
            tracing::warn!(error = %e, "trust panel not shown");
            None
        }
    }
}

struct AgentRow {
    id: String,
    name: String,
    score: f64,
    percent: f64,
    components: String,
}

#[derive(Template)]
#[template(path = "trust.html")]
struct TrustPage {
    chrome: Option<Chrome>,
    heading: String,
    trust: Option<TrustPanel>,
    agents: Vec<AgentRow>,
    own: Option<String>,
    steps: Vec<StepLine>,
    error: Option<String>,
}

/// GET /trust — the workspace's trust, and every agent's for leads.
pub async fn workspace_page(State(state): State<WebState>, s: StaffSession) -> Response {
    let caller = s.caller();
    let (trust, error) = match trust::workspace(&state.app, &caller).await {
        Ok(v) => (Some(TrustPanel::of(&v)), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let agents = if caller.holds(Scope::Admin) {
        trust::agents(&state.app, &caller)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|a| AgentRow {
                id: a.id.to_string(),
                name: a.name,
                score: a.score,
                percent: a.percent,
                components: format!(
                    "C {} · R {} · I {} · S {}",
                    a.components[0], a.components[1], a.components[2], a.components[3]
                ),
            })
            .collect()
    } else {
        Vec::new()
    };
    let chrome = Chrome::of(&state, &s).await;
    render(
        StatusCode::OK,
        &TrustPage {
            chrome: Some(chrome),
            heading: "Trust".into(),
            trust,
            agents,
            own: Some(caller.user.id.to_string()),
            steps: Vec::new(),
            error,
        },
    )
}

/// GET /trust/agents/{id} — an agent's trust and the steps credited to them.
pub async fn agent_page(State(state): State<WebState>, s: StaffSession, Path(id): Path<String>) -> Response {
    let caller = s.caller();
    let Ok(id) = id.parse::<UserId>() else {
        return not_found().await;
    };
    let v = match trust::agent(&state.app, &caller, id).await {
        Ok(v) => v,
        Err(e) => return refusal(e),
    };
    let steps = trust::agent_steps(&state.app, &caller, id, 20)
        .await
        .unwrap_or_default()
        .iter()
        .map(step_line)
        .collect();
    let chrome = Chrome::of(&state, &s).await;
    render(
        StatusCode::OK,
        &TrustPage {
            chrome: Some(chrome),
            heading: format!("Trust built by {}", v.subject.name),
            trust: Some(TrustPanel::of(&v)),
            agents: Vec::new(),
            own: None,
            steps,
            error: None,
        },
    )
}

fn refusal(e: AppError) -> Response {
    match e {
        AppError::Forbidden(m) => message_page(StatusCode::FORBIDDEN, "Not allowed", &m),
        AppError::NotFound => message_page(StatusCode::NOT_FOUND, "Not found", "There is no such item here."),
        other => message_page(StatusCode::UNPROCESSABLE_ENTITY, "Not done", &other.to_string()),
    }
}

/// An open trust alert as the inbox's "Trust falling" view lists it.
pub struct AlertLine {
    pub(crate) id: String,
    pub(crate) customer_id: String,
    pub(crate) customer: String,
    pub(crate) tier: String,
    pub(crate) reason: String,
    pub(crate) raised: String,
    pub(crate) steps: Vec<StepLine>,
}

/// Open trust alerts for the inbox.
pub async fn alert_lines(state: &WebState, caller: &Caller) -> Result<Vec<AlertLine>, String> {
    let open = alerts::open(&state.app, caller, 100).await.map_err(|e| e.to_string())?;
    Ok(open
        .into_iter()
        .map(|a| AlertLine {
            id: a.alert.id.to_string(),
            customer_id: a.alert.customer_id.to_string(),
            customer: a.alert.customer_name.clone(),
            tier: a.alert.tier.clone().unwrap_or_else(|| "none".into()),
            reason: a.alert.reason.clone(),
            raised: when(a.alert.created_at),
            steps: a.steps.iter().map(step_line).collect(),
        })
        .collect())
}

/// The form of the alert buttons.
#[derive(Deserialize)]
pub struct HandleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    how: String,
}

/// POST /trust/alerts/{id}/handle — reached out, or dismissed.
pub async fn handle(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(f): Form<HandleForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<TrustAlertId>() else {
        return not_found().await;
    };
    match alerts::handle(&state.app, &s.caller(), id, &f.how).await {
        Ok(_) => Redirect::to("/inbox?view=falling").into_response(),
        Err(e) => refusal(e),
    }
}

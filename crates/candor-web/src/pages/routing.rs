//! The routing settings page: teams and their members, the ordered rules,
//! and each agent's languages and status.

use crate::auth::StaffSession;
use crate::pages::{Chrome, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::routing::{self, AgentInput, RuleInput, TeamInput, rule_input};
use candor_app::{AppError, Caller};
use candor_core::conversation::{AgentStatus, Channel};
use candor_core::staff::Scope;
use candor_core::{RuleId, TeamId, UserId};
use serde::Deserialize;

struct TeamLine {
    id: String,
    name: String,
    mode: String,
    members: Vec<(String, String, bool)>,
}

struct RuleLine {
    id: String,
    when: String,
    team: String,
}

struct AgentLine {
    id: String,
    name: String,
    languages: String,
    away: bool,
    editable: bool,
}

#[derive(Template)]
#[template(path = "routing.html")]
struct RoutingPage {
    chrome: Option<Chrome>,
    csrf: String,
    admin: bool,
    teams: Vec<TeamLine>,
    rules: Vec<RuleLine>,
    agents: Vec<AgentLine>,
    channels: Vec<&'static str>,
    error: Option<String>,
}

async fn page(state: &WebState, s: &StaffSession, status: StatusCode, error: Option<String>) -> Response {
    let caller = s.caller();
    let teams = routing::teams(&state.app, &caller).await.unwrap_or_default();
    let agents = routing::agents(&state.app, &caller).await.unwrap_or_default();
    let rules = routing::rules(&state.app, &caller).await.unwrap_or_default();
    let team_name = |id: TeamId| {
        teams
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.clone())
            .unwrap_or_default()
    };
    let rules = rules
        .iter()
        .map(|r| {
            let mut when = Vec::new();
            if let Some(c) = r.channel {
                when.push(format!("channel is {c}"));
            }
            if let Some(l) = &r.language {
                when.push(format!("language is {l}"));
            }
            if let Some(t) = &r.tag {
                when.push(format!("tagged {t}"));
            }
            if let Some(t) = r.tier {
                when.push(format!("customer tier {}", t.as_str()));
            }
            if r.organization_id.is_some() {
                when.push("customer's organization matches".into());
            }
            RuleLine {
                id: r.id.to_string(),
                when: if when.is_empty() {
                    "always".into()
                } else {
                    when.join(" and ")
                },
                team: team_name(r.team_id),
            }
        })
        .collect();
    let admin = caller.user.role.allows(Scope::Admin);
    let me = caller.user.id;
    let team_lines = teams
        .iter()
        .map(|t| TeamLine {
            id: t.id.to_string(),
            name: t.name.clone(),
            mode: t.mode.to_string(),
            members: agents
                .iter()
                .map(|a| (a.id.to_string(), a.name.clone(), t.members.contains(&a.id)))
                .collect(),
        })
        .collect();
    let agent_lines = agents
        .iter()
        .map(|a| AgentLine {
            id: a.id.to_string(),
            name: a.name.clone(),
            languages: a.languages.join(", "),
            away: a.status == AgentStatus::Away,
            editable: admin || a.id == me,
        })
        .collect();
    let chrome = Chrome::of(state, s).await;
    let csrf = chrome.csrf.clone();
    render(
        status,
        &RoutingPage {
            chrome: Some(chrome),
            csrf,
            admin,
            teams: team_lines,
            rules,
            agents: agent_lines,
            channels: Channel::ALL.iter().map(|c| c.as_str()).collect(),
            error,
        },
    )
}

/// GET /settings/routing
pub async fn show(State(state): State<WebState>, s: StaffSession) -> Response {
    page(&state, &s, StatusCode::OK, None).await
}

async fn done(state: &WebState, s: &StaffSession, r: Result<(), AppError>) -> Response {
    match r {
        Ok(()) => Redirect::to("/settings/routing").into_response(),
        Err(e) => {
            let status = match e {
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Conflict { .. } => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            page(state, s, status, Some(e.to_string())).await
        }
    }
}

/// A team form: new (name, mode) or changed (mode, members).
#[derive(Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    assign_mode: Option<String>,
    #[serde(default)]
    members: Vec<String>,
}

/// POST /settings/routing/teams
pub async fn create_team(State(state): State<WebState>, s: StaffSession, Form(f): Form<TeamForm>) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let input = TeamInput {
        name: f.name,
        assign_mode: f.assign_mode,
        members: Some(f.members),
    };
    let r = routing::create_team(&state.app, &s.caller(), &input).await.map(|_| ());
    done(&state, &s, r).await
}

/// POST /settings/routing/teams/{id}
pub async fn update_team(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(f): Form<TeamForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let r = match raw.parse::<TeamId>() {
        Ok(id) => {
            let input = TeamInput {
                name: f.name,
                assign_mode: f.assign_mode,
                members: Some(f.members),
            };
            routing::update_team(&state.app, &s.caller(), id, &input)
                .await
                .map(|_| ())
        }
        Err(_) => Err(AppError::NotFound),
    };
    done(&state, &s, r).await
}

/// A rule form.
#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    team_id: String,
}

fn some(s: String) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

async fn current_rules(state: &WebState, caller: &Caller) -> Result<Vec<RuleInput>, AppError> {
    Ok(routing::rules(&state.app, caller)
        .await?
        .iter()
        .map(rule_input)
        .collect())
}

/// POST /settings/routing/rules
pub async fn add_rule(State(state): State<WebState>, s: StaffSession, Form(f): Form<RuleForm>) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let caller = s.caller();
    let r = async {
        let mut all = current_rules(&state, &caller).await?;
        all.push(RuleInput {
            channel: some(f.channel),
            language: some(f.language),
            tag: some(f.tag),
            tier: some(f.tier),
            organization_id: None,
            team_id: f.team_id,
        });
        routing::set_rules(&state.app, &caller, &all).await.map(|_| ())
    }
    .await;
    done(&state, &s, r).await
}

/// Just the form token.
#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// POST /settings/routing/rules/{id}/delete
pub async fn delete_rule(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let caller = s.caller();
    let r = async {
        let id: RuleId = raw.parse().map_err(|_| AppError::NotFound)?;
        let rules = routing::rules(&state.app, &caller).await?;
        let rest: Vec<RuleInput> = rules.iter().filter(|r| r.id != id).map(rule_input).collect();
        routing::set_rules(&state.app, &caller, &rest).await.map(|_| ())
    }
    .await;
    done(&state, &s, r).await
}

/// An agent's settings form.
#[derive(Deserialize)]
pub struct AgentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    status: String,
}

/// POST /settings/routing/agents/{id}
pub async fn update_agent(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(f): Form<AgentForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let r = async {
        let id: UserId = raw.parse().map_err(|_| AppError::NotFound)?;
        let input = AgentInput {
            languages: Some(
                f.languages
                    .split([',', ' '])
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            status: some(f.status),
        };
        routing::update_agent(&state.app, &s.caller(), id, &input)
            .await
            .map(|_| ())
    }
    .await;
    done(&state, &s, r).await
}

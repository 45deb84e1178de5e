//! /api/v1/teams, /api/v1/routing-rules and /api/v1/agents: who takes
//! which conversations.

use crate::api::common::{List, path_id};
use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use candor_app::routing::{self, AgentInput, AgentView, RuleInput, TeamInput, rule_input};
use candor_core::{RuleId, TeamId, UserId};
use candor_store::routing::{RuleRecord, TeamRecord};
use serde::Deserialize;

fn list<T>(items: Vec<T>) -> Json<List<T>> {
    Json(List {
        items,
        next_cursor: None,
    })
}

/// Teams with their members.
#[utoipa::path(get, path = "/api/v1/teams", tag = "routing",
    responses((status = 200, description = "`{items: [{id, name, mode, members}]}`")), security(("bearer" = [])))]
pub async fn teams(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<List<TeamRecord>>, ApiError> {
    Ok(list(routing::teams(&state.app, &caller).await?))
}

/// Creates a team: `{"name", "assign_mode": "round-robin"|"least-loaded", "members": [ids]}` (admins).
#[utoipa::path(post, path = "/api/v1/teams", tag = "routing",
    responses((status = 201, description = "the team"), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_team(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<TeamInput>,
) -> Result<(StatusCode, Json<TeamRecord>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(routing::create_team(&state.app, &caller, &input).await?),
    ))
}

/// Changes a team's name, mode or members (admins).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "routing",
    responses((status = 200, description = "the team"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_team(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<TeamInput>,
) -> Result<Json<TeamRecord>, ApiError> {
    let id: TeamId = path_id(&raw)?;
    Ok(Json(routing::update_team(&state.app, &caller, id, &input).await?))
}

/// The routing rules in order.
#[utoipa::path(get, path = "/api/v1/routing-rules", tag = "routing",
    responses((status = 200, description = "`{items: [{id, position, channel, language, tag, tier, organization_id, team_id}]}`")),
    security(("bearer" = [])))]
pub async fn rules(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<List<RuleRecord>>, ApiError> {
    Ok(list(routing::rules(&state.app, &caller).await?))
}

/// All the rules at once, in order.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesBody {
    rules: Vec<RuleInput>,
}

/// Replaces every rule: `{"rules": [{"channel"?, "language"?, "tag"?, "tier"?, "organization_id"?, "team_id"}]}` (admins).
#[utoipa::path(put, path = "/api/v1/routing-rules", tag = "routing",
    responses((status = 200, description = "the rules"), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn replace_rules(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<RulesBody>,
) -> Result<Json<List<RuleRecord>>, ApiError> {
    Ok(list(routing::set_rules(&state.app, &caller, &body.rules).await?))
}

/// Adds one rule at the end (admins).
#[utoipa::path(post, path = "/api/v1/routing-rules", tag = "routing",
    responses((status = 201, description = "the rules"), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_rule(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(rule): ApiJson<RuleInput>,
) -> Result<(StatusCode, Json<List<RuleRecord>>), ApiError> {
    let mut all: Vec<RuleInput> = routing::rules(&state.app, &caller)
        .await?
        .iter()
        .map(rule_input)
        .collect();
    all.push(rule);
    let saved = routing::set_rules(&state.app, &caller, &all)
        .await
        .map_err(|e| match e {
            candor_app::AppError::Invalid { field, message } => candor_app::AppError::Invalid {
                field: field.split_once('.').map(|(_, f)| f.to_string()).unwrap_or(field),
                message,
            },
            other => other,
        })?;
    Ok((StatusCode::CREATED, list(saved)))
}

/// Removes one rule (admins).
#[utoipa::path(delete, path = "/api/v1/routing-rules/{id}", tag = "routing",
    responses((status = 200, description = "the rules left"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_rule(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<List<RuleRecord>>, ApiError> {
    let id: RuleId = path_id(&raw)?;
    let current = routing::rules(&state.app, &caller).await?;
    if !current.iter().any(|r| r.id == id) {
        return Err(ApiError::not_found());
    }
    let rest: Vec<RuleInput> = current.iter().filter(|r| r.id != id).map(rule_input).collect();
    Ok(list(routing::set_rules(&state.app, &caller, &rest).await?))
}

/// Staff with their languages, status and teams.
#[utoipa::path(get, path = "/api/v1/agents", tag = "routing",
    responses((status = 200, description = "`{items: [{id, name, role, languages, status, teams}]}`")), security(("bearer" = [])))]
pub async fn agents(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<List<AgentView>>, ApiError> {
    Ok(list(routing::agents(&state.app, &caller).await?))
}

/// Sets an agent's `languages` and `status` ("available" or "away"): their own, or anyone's for admins.
#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "routing",
    responses((status = 200, description = "the agent"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_agent(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<AgentInput>,
) -> Result<Json<AgentView>, ApiError> {
    let id: UserId = path_id(&raw)?;
    Ok(Json(routing::update_agent(&state.app, &caller, id, &input).await?))
}

//! Text understanding over the API: analysis of a message, and the reply
//! coach with promise detection.

use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{Path, State};
use candor_app::coach_rules::{self, RulesView};
use candor_app::insight::{self, Analysis, CoachAnswer};
use candor_insight::CoachOptions;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// A text to analyse.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    /// The text, at most 100,000 bytes.
    text: String,
}

/// POST /api/v1/insight/analyze
#[utoipa::path(post, path = "/api/v1/insight/analyze", tag = "insight", request_body = AnalyzeRequest,
    responses((status = 200, description = "`{language, language_confidence, sentiment, sentiment_method, sentiment_adjustments}`")),
    security(("bearer" = [])))]
pub async fn analyze(
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<AnalyzeRequest>,
) -> Result<Json<Analysis>, ApiError> {
    Ok(Json(insight::analyze(&caller, &body.text)?))
}

/// A draft reply to coach.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoachRequest {
    /// The draft, at most 100,000 bytes.
    text: String,
    /// The draft's language, a tag such as en or en-GB; empty or "auto"
    /// detects it. Anything else is refused (422 naming the field).
    #[serde(default)]
    language: String,
    /// The customer's language: the reply should be in it.
    #[serde(default)]
    customer_language: Option<String>,
    /// The agent's name, which should sign the reply.
    #[serde(default)]
    signature_name: Option<String>,
    /// Whether to check the signature (chat replies often have none); default true.
    #[serde(default)]
    check_signature: Option<bool>,
}

/// POST /api/v1/coach — findings with spans in Unicode scalar values (chars)
/// of `text`, and the promises the draft makes with their due times.
#[utoipa::path(post, path = "/api/v1/coach", tag = "insight", request_body = CoachRequest,
    responses((status = 200, description = "`{findings: [{category, start, end, message, suggestion}], promises: [{start, end, text, action, owner, due_at}]}`")),
    security(("bearer" = [])))]
pub async fn coach(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<CoachRequest>,
) -> Result<Json<CoachAnswer>, ApiError> {
    let options = CoachOptions {
        language: body.language,
        customer_language: body.customer_language.filter(|l| !l.trim().is_empty()),
        signature_name: body.signature_name.filter(|n| !n.trim().is_empty()),
        check_signature: body.check_signature.unwrap_or(true),
    };
    Ok(Json(insight::coach(&state.app, &caller, &body.text, &options).await?))
}

/// GET /api/v1/coach/rules — the workspace's own coach rules, by language.
#[utoipa::path(get, path = "/api/v1/coach/rules", tag = "insight",
    responses((status = 200, description = "`{items: [{language, source, updated_at, updated_by, rules, error}], next_cursor: null}`")),
    security(("bearer" = [])))]
pub async fn list_rules(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Value>, ApiError> {
    let items = coach_rules::list(&state.app, &caller).await?;
    Ok(Json(json!({"items": items, "next_cursor": null})))
}

/// A rule file for one language.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesRequest {
    /// TOML in the format of the built-in files (docs/coach.md); empty removes them.
    source: String,
}

/// PUT /api/v1/coach/rules/{language} — replaces the workspace's rules for
/// a language (owners and admins); 422 naming `source` when they do not compile.
#[utoipa::path(put, path = "/api/v1/coach/rules/{language}", tag = "insight", request_body = RulesRequest,
    responses((status = 200, description = "`{language, source, updated_at, updated_by, rules, error}`"), (status = 204, description = "removed")),
    security(("bearer" = [])))]
pub async fn put_rules(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(language): Path<String>,
    ApiJson(body): ApiJson<RulesRequest>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    Ok(
        match coach_rules::put(&state.app, &caller, &language, &body.source).await? {
            Some(view) => Json::<RulesView>(view).into_response(),
            None => axum::http::StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// DELETE /api/v1/coach/rules/{language} — removes the workspace's rules
/// for a language (owners and admins).
#[utoipa::path(delete, path = "/api/v1/coach/rules/{language}", tag = "insight",
    responses((status = 204, description = "removed")), security(("bearer" = [])))]
pub async fn delete_rules(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(language): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    coach_rules::put(&state.app, &caller, &language, "").await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

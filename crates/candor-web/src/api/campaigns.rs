//! Win-back campaigns over the API: write (owners and admins), list, read
//! with results, preview for one customer, dry run over the segment, start
//! and pause.

use crate::api::common::{List, cursor, limit, path_id};
use crate::api::docs::ErrorBody;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use candor_app::campaigns::{self, CampaignInput, CampaignView, DryRun, Preview};
use candor_core::{CampaignId, CustomerId};
use std::collections::HashMap;
use utoipa::{OpenApi, ToSchema};

/// A campaign as written (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CampaignRequestDoc {
    /// Its name.
    name: String,
    /// Who it writes to: a segment query such as `stage:former`.
    segment: String,
    /// The subject, with `{{field}}` placeholders.
    subject: String,
    /// The message; fields: name, first_name, email, last_product, last_purchase_date, sender, sender_first_name, company; `{{field|fallback}}` for unknown details. The sender's name signs it.
    body: String,
    /// The staff member it is sent as (default: you).
    sender_id: Option<String>,
    /// Messages an hour at most, 1 to 10000 (default 60).
    per_hour: Option<i64>,
    /// The consent purpose a customer must have given (default "marketing").
    purpose: Option<String>,
}

/// Writes a campaign, a draft (owners and admins). Nothing is sent until it starts.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignRequestDoc,
    responses((status = 201, description = "the campaign: `{id, name, segment, subject, body, sender: {id, name}, per_hour, purpose, state: \"draft\", …}`"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<CampaignInput>,
) -> Result<(StatusCode, Json<CampaignView>), ApiError> {
    let c = campaigns::create(&state.app, &caller, &body).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Campaigns, newest first.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "`{items: [campaign], next_cursor}`")),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<CampaignView>>, ApiError> {
    let limit = limit(&q)?;
    let before: Option<CampaignId> = cursor(&q)?;
    let mut items = campaigns::list(&state.app, &caller, before, limit + 1).await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|c| c.id.to_string())
    } else {
        None
    };
    Ok(Json(List { items, next_cursor }))
}

/// One campaign with its results (sent, skipped by reason, held, delivered,
/// failed, replies, buyers, purchases and revenue after the message) and
/// how many customers its segment holds now.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns",
    responses((status = 200, description = "the campaign with `results` and `audience`"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    let id: CampaignId = path_id(&raw)?;
    Ok(Json(campaigns::get(&state.app, &caller, id).await?))
}

/// Changes a draft (owners and admins); once started, a campaign keeps what it was started with (409).
#[utoipa::path(patch, path = "/api/v1/campaigns/{id}", tag = "campaigns", request_body = CampaignRequestDoc,
    responses((status = 200, description = "the campaign"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<CampaignInput>,
) -> Result<Json<CampaignView>, ApiError> {
    let id: CampaignId = path_id(&raw)?;
    Ok(Json(campaigns::update(&state.app, &caller, id, &body).await?))
}

/// The message as one customer would get it now (`?customer_id=`, else the
/// segment's newest customer), with what would happen and why.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/preview", tag = "campaigns",
    params(("customer_id" = Option<String>, Query)),
    responses((status = 200, description = "`{customer_id, name, address, outcome: send|skip|hold, reason_code, reason, until?, subject, body, from, in_segment}`"),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn preview(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Preview>, ApiError> {
    let id: CampaignId = path_id(&raw)?;
    let customer = match q.get("customer_id").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<CustomerId>().map_err(|_| {
            ApiError::field(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "customer_id",
                "not a customer id",
            )
        })?),
    };
    Ok(Json(campaigns::preview(&state.app, &caller, id, customer).await?))
}

/// Who would get what now, and who would be skipped and why, a page of the
/// segment at a time (newest customers first); nothing is sent or stored.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/dry-run", tag = "campaigns",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "`{items: [{customer_id, name, address, outcome: send|skip|hold|sent|skipped|held, reason_code, reason, until?, subject, body}], next_cursor, total, send, skip, hold}`"),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn dry_run(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id: CampaignId = path_id(&raw)?;
    let limit = limit(&q)?;
    let after: Option<CustomerId> = cursor(&q)?;
    let DryRun {
        items,
        next,
        total,
        send,
        skip,
        hold,
    } = campaigns::dry_run(&state.app, &caller, id, after, limit).await?;
    Ok(Json(serde_json::json!({
        "items": items, "next_cursor": next.map(|c| c.to_string()),
        "total": total, "send": send, "skip": skip, "hold": hold,
    })))
}

/// Starts sending at the campaign's pace, or goes on where it was paused (owners and admins).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/start", tag = "campaigns",
    responses((status = 200, description = "the campaign, running"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    let id: CampaignId = path_id(&raw)?;
    Ok(Json(campaigns::start(&state.app, &caller, id).await?))
}

/// Stops sending until started again (owners and admins).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/pause", tag = "campaigns",
    responses((status = 200, description = "the campaign, paused"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn pause(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    let id: CampaignId = path_id(&raw)?;
    Ok(Json(campaigns::pause(&state.app, &caller, id).await?))
}

/// The routes, under /api/v1.
pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/campaigns", get(list).post(create))
        .route("/campaigns/{id}", get(get_one).patch(update))
        .route("/campaigns/{id}/preview", get(preview))
        .route("/campaigns/{id}/dry-run", get(dry_run))
        .route("/campaigns/{id}/start", post(start))
        .route("/campaigns/{id}/pause", post(pause))
}

/// This part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(create, list, get_one, update, preview, dry_run, start, pause))]
pub struct CampaignsDoc;

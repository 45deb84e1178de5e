//! /api/v1/segments, /api/v1/organizations and /api/v1/attributes.

use crate::api::common::{List, cursor, limit, path_id};
use crate::api::customers::export_with;
use crate::api::docs::{AttributeDoc, CustomerDoc, ErrorBody, OrganizationDoc, SegmentDoc};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use candor_app::catalog::{self, CreateOrganization, DefineAttribute};
use candor_app::customers::{CustomerView, currency_of};
use candor_app::segments;
use candor_core::SegmentId;
use candor_store::segments::Segment;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

fn segment_json(s: &Segment, count: i64) -> Value {
    json!({"id": s.id, "name": s.name, "query": s.query, "count": count, "created_at": s.created_at, "created_by": s.created_by})
}

/// A new segment.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSegment {
    name: String,
    query: String,
}

/// Saves a segment (a named query); answers with its current count.
#[utoipa::path(post, path = "/api/v1/segments", tag = "segments",
    responses((status = 201, body = SegmentDoc), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<NewSegment>,
) -> Response {
    match segments::create(&state.app, &caller, &input.name, &input.query).await {
        Ok((s, n)) => (StatusCode::CREATED, Json(segment_json(&s, n))).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Every saved segment with its count.
#[utoipa::path(get, path = "/api/v1/segments", tag = "segments",
    responses((status = 200, body = Vec<SegmentDoc>)), security(("bearer" = [])))]
pub async fn list(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = segments::list(&state.app, &caller)
        .await?
        .iter()
        .map(|(s, n)| segment_json(s, *n))
        .collect();
    Ok(Json(json!({"items": items, "next_cursor": null})))
}

/// One segment with its count.
#[utoipa::path(get, path = "/api/v1/segments/{id}", tag = "segments",
    responses((status = 200, body = SegmentDoc), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: SegmentId = path_id(&id)?;
    let (s, expr) = segments::get(&state.app, &caller, id).await?;
    let n = segments::count(&state.app, caller.workspace(), "query", &expr).await?;
    Ok(Json(segment_json(&s, n)))
}

/// The segment's customers, newest first.
#[utoipa::path(get, path = "/api/v1/segments/{id}/customers", tag = "segments",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = Vec<CustomerDoc>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn customers(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<CustomerView>>, ApiError> {
    let id: SegmentId = path_id(&id)?;
    let (limit, after) = (limit(&q)?, cursor(&q)?);
    let (_, expr) = segments::get(&state.app, &caller, id).await?;
    let ws = caller.workspace();
    let page = segments::find_expr(&state.app, ws, "query", &expr, after, limit).await?;
    let currency = currency_of(&state.app, ws).await?;
    Ok(Json(List {
        items: page.items.iter().map(|c| CustomerView::of(c, currency)).collect(),
        next_cursor: page.next.map(|n| n.to_string()),
    }))
}

async fn export(state: WebState, caller: candor_app::Caller, id: String, csv: bool) -> Response {
    let id: SegmentId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match segments::get(&state.app, &caller, id).await {
        Ok((s, _)) => export_with(&state, &caller, &s.query, "query", csv, &s.name.replace(' ', "-")).await,
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The segment's customers as CSV.
#[utoipa::path(get, path = "/api/v1/segments/{id}/export.csv", tag = "segments",
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn export_csv(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Response {
    export(state, caller, id, true).await
}

/// The segment's customers as JSON.
#[utoipa::path(get, path = "/api/v1/segments/{id}/export.json", tag = "segments",
    responses((status = 200, body = Vec<CustomerDoc>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn export_json(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Response {
    export(state, caller, id, false).await
}

/// Creates an organization.
#[utoipa::path(post, path = "/api/v1/organizations", tag = "customers",
    responses((status = 201, body = OrganizationDoc), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_organization(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<CreateOrganization>,
) -> Response {
    match catalog::create_organization(&state.app, &caller, &input).await {
        Ok(o) => (StatusCode::CREATED, Json(o)).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Every organization.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "customers",
    responses((status = 200, body = Vec<OrganizationDoc>)), security(("bearer" = [])))]
pub async fn organizations(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Value>, ApiError> {
    let items = catalog::organizations(&state.app, &caller).await?;
    Ok(Json(json!({"items": items, "next_cursor": null})))
}

/// Defines a typed custom attribute.
#[utoipa::path(post, path = "/api/v1/attributes", tag = "customers",
    responses((status = 201, body = AttributeDoc), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn define_attribute(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<DefineAttribute>,
) -> Response {
    match catalog::define_attribute(&state.app, &caller, &input).await {
        Ok(a) => (StatusCode::CREATED, Json(attribute_json(&a))).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn attribute_json(a: &candor_store::catalog::AttributeDefinition) -> Value {
    json!({"id": a.id, "name": a.name, "label": a.label, "type": a.kind, "choices": a.choices, "created_at": a.created_at})
}

/// Every attribute definition.
#[utoipa::path(get, path = "/api/v1/attributes", tag = "customers",
    responses((status = 200, body = Vec<AttributeDoc>)), security(("bearer" = [])))]
pub async fn attributes(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = catalog::attributes(&state.app, &caller)
        .await?
        .iter()
        .map(attribute_json)
        .collect();
    Ok(Json(json!({"items": items, "next_cursor": null})))
}

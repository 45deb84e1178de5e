//! /api/v1/customers: create, read, change, look up, merge, identities,
//! notes, duplicates, timeline, purchases and exports.

use crate::api::common::{List, cursor, customer_error, limit, path_id};
use crate::api::docs::{CustomerDoc, ErrorBody, NoteDoc, SuggestionDoc, TimelineEntryDoc};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use candor_app::customers::{self, CreateCustomer, CustomerView, Found, IdentityInput, UpdateCustomer, currency_of};
use candor_app::{Caller, export, merge, segments, timeline};
use candor_core::CustomerId;
use candor_core::staff::Scope;
use candor_store::customers::Customer;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

async fn view(state: &WebState, caller: &Caller, c: &Customer) -> Result<CustomerView, ApiError> {
    Ok(CustomerView::of(c, currency_of(&state.app, caller.workspace()).await?))
}

async fn one(state: &WebState, caller: &Caller, status: StatusCode, c: &Customer) -> Response {
    match view(state, caller, c).await {
        Ok(v) => (status, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Customers: `?identity=kind:value` looks one up, `?q=` filters by the query language.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers",
    params(("identity" = Option<String>, Query, description = "kind:value, e.g. email:jane@example.com"),
           ("q" = Option<String>, Query, description = "segment query, e.g. tier:A tag:vip"),
           ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = Vec<CustomerDoc>), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<List<CustomerView>>, ApiError> {
    caller.require(Scope::Read)?;
    let limit = limit(&q)?;
    if let Some(identity) = q.get("identity") {
        // Two independent reads, side by side on the read pool.
        let (currency, found) = tokio::try_join!(
            currency_of(&state.app, caller.workspace()),
            customers::lookup(&state.app, &caller, identity)
        )?;
        let items = found.iter().map(|c| CustomerView::of(c, currency)).collect();
        return Ok(Json(List {
            items,
            next_cursor: None,
        }));
    }
    let currency = currency_of(&state.app, caller.workspace()).await?;
    let query = q.get("q").map(String::as_str).unwrap_or("");
    let page = segments::find(&state.app, &caller, "q", query, cursor(&q)?, limit).await?;
    Ok(Json(List {
        items: page.items.iter().map(|c| CustomerView::of(c, currency)).collect(),
        next_cursor: page.next.map(|n| n.to_string()),
    }))
}

/// Creates a customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers",
    responses((status = 201, body = CustomerDoc), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<CreateCustomer>,
) -> Response {
    match customers::create(&state.app, &caller, &input).await {
        Ok(c) => one(&state, &caller, StatusCode::CREATED, &c).await,
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// One customer; a merged customer's id answers 308 to the survivor.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    responses((status = 200, body = CustomerDoc), (status = 308, description = "merged: see Location"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
) -> Response {
    let id: CustomerId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match customers::get(&state.app, &caller, id).await {
        Ok(Found::Live(c)) => one(&state, &caller, StatusCode::OK, &c).await,
        Ok(Found::MergedInto(s)) => customer_error(candor_app::AppError::Merged(s), &uri, id),
        Err(e) => customer_error(e, &uri, id),
    }
}

/// Changes name, tags, attributes, organization, preferences or consent.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers",
    responses((status = 200, body = CustomerDoc), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UpdateCustomer>,
) -> Response {
    let id: CustomerId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match customers::update(&state.app, &caller, id, &input).await {
        Ok(c) => one(&state, &caller, StatusCode::OK, &c).await,
        Err(e) => customer_error(e, &uri, id),
    }
}

/// The body of a merge.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    other: String,
}

/// Merges `other` into this customer; returns the survivor.
#[utoipa::path(post, path = "/api/v1/customers/{id}/merge", tag = "customers",
    responses((status = 200, body = CustomerDoc), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn merge_into(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MergeBody>,
) -> Response {
    let id: CustomerId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let other: CustomerId = match body.other.parse() {
        Ok(o) => o,
        Err(_) => {
            return ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "other",
                "not a customer id",
            )
            .into_response();
        }
    };
    match merge::merge(&state.app, &caller, id, other).await {
        Ok(c) => one(&state, &caller, StatusCode::OK, &c).await,
        Err(e) => customer_error(e, &uri, id),
    }
}

/// The 360° timeline, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/timeline", tag = "customers",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = Vec<TimelineEntryDoc>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_timeline(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let id: CustomerId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let (limit, before) = match (limit(&q), cursor(&q)) {
        (Ok(l), Ok(c)) => (l, c),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    match timeline::timeline(&state.app, &caller, id, before, limit).await {
        Ok((items, next)) => Json(List {
            items,
            next_cursor: next.map(|n| n.to_string()),
        })
        .into_response(),
        Err(e) => customer_error(e, &uri, id),
    }
}

/// Customers that may be the same person, with the reasons.
#[utoipa::path(get, path = "/api/v1/customers/{id}/duplicates", tag = "customers",
    responses((status = 200, body = Vec<SuggestionDoc>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn duplicates(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
) -> Response {
    let id: CustomerId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match merge::duplicates(&state.app, &caller, id).await {
        Ok(list) => {
            let currency = match currency_of(&state.app, caller.workspace()).await {
                Ok(c) => c,
                Err(e) => return ApiError::from(e).into_response(),
            };
            let items: Vec<_> = list
                .iter()
                .map(|s| json!({"customer": CustomerView::of(&s.customer, currency), "reasons": s.reasons}))
                .collect();
            Json(json!({"items": items, "next_cursor": null})).into_response()
        }
        Err(e) => customer_error(e, &uri, id),
    }
}

/// Adds an identity.
#[utoipa::path(post, path = "/api/v1/customers/{id}/identities", tag = "customers",
    responses((status = 201, body = CustomerDoc), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_identity(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<IdentityInput>,
) -> Response {
    let id: CustomerId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match customers::add_identity(&state.app, &caller, id, &input).await {
        Ok(c) => one(&state, &caller, StatusCode::CREATED, &c).await,
        Err(e) => customer_error(e, &uri, id),
    }
}

/// Removes an identity, given as kind:value.
#[utoipa::path(delete, path = "/api/v1/customers/{id}/identities/{identity}", tag = "customers",
    responses((status = 200, body = CustomerDoc), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove_identity(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path((id, identity)): Path<(String, String)>,
) -> Response {
    let id: CustomerId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match customers::remove_identity(&state.app, &caller, id, &identity).await {
        Ok(c) => one(&state, &caller, StatusCode::OK, &c).await,
        Err(e) => customer_error(e, &uri, id),
    }
}

/// A note as sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    body: String,
}

/// Writes a note about the customer.
#[utoipa::path(post, path = "/api/v1/customers/{id}/notes", tag = "customers",
    responses((status = 201, body = NoteDoc), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_note(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NoteBody>,
) -> Response {
    let id: CustomerId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match customers::add_note(&state.app, &caller, id, &input.body).await {
        Ok(n) => (StatusCode::CREATED, Json(n)).into_response(),
        Err(e) => customer_error(e, &uri, id),
    }
}

/// The customer's purchases, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/purchases", tag = "purchases",
    responses((status = 200, body = Vec<crate::api::docs::PurchaseDoc>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn purchases(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
) -> Response {
    let id: CustomerId = match path_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match customers::get(&state.app, &caller, id).await {
        Ok(Found::Live(_)) => match state.app.db.purchases_of(caller.workspace(), id).await {
            Ok(items) => {
                let items: Vec<_> = items.iter().map(crate::api::purchases::purchase_json).collect();
                Json(json!({"items": items, "next_cursor": null})).into_response()
            }
            Err(e) => ApiError::from(e).into_response(),
        },
        Ok(Found::MergedInto(s)) => customer_error(candor_app::AppError::Merged(s), &uri, id),
        Err(e) => customer_error(e, &uri, id),
    }
}

/// Customers matching `?q=` as CSV (`export.csv`) or JSON (`export.json`).
#[utoipa::path(get, path = "/api/v1/customers/export.csv", tag = "customers",
    params(("q" = Option<String>, Query, description = "segment query")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_csv(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    export_with(
        &state,
        &caller,
        q.get("q").map(String::as_str).unwrap_or(""),
        "q",
        true,
        "customers",
    )
    .await
}

/// Customers matching `?q=` as a JSON array.
#[utoipa::path(get, path = "/api/v1/customers/export.json", tag = "customers",
    params(("q" = Option<String>, Query, description = "segment query")),
    responses((status = 200, body = Vec<CustomerDoc>), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_json(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    export_with(
        &state,
        &caller,
        q.get("q").map(String::as_str).unwrap_or(""),
        "q",
        false,
        "customers",
    )
    .await
}

/// Writes an export of the customers matching `query`.
pub async fn export_with(
    state: &WebState,
    caller: &Caller,
    query: &str,
    field: &str,
    csv: bool,
    name: &str,
) -> Response {
    let result = async {
        caller.require(Scope::Read)?;
        let expr = segments::parse(field, query)?;
        let ws = caller.workspace();
        let items = export::all_matching(&state.app, ws, &expr).await?;
        if csv {
            export::customers_csv(&state.app, ws, &items).await
        } else {
            export::customers_json(&items)
        }
    }
    .await;
    match result {
        Ok(bytes) => {
            let (mime, ext) = if csv {
                ("text/csv; charset=utf-8", "csv")
            } else {
                ("application/json", "json")
            };
            let name: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (
                [
                    (header::CONTENT_TYPE, mime.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.{ext}\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

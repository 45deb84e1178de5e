//! /api/v1/purchases: one at a time or in batches, idempotent on external_id.

use crate::api::docs::{ErrorBody, PurchaseDoc};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use candor_app::purchases::{self, PurchaseInput};
use candor_store::purchases::{Purchase, status_str};
use serde::Deserialize;
use serde_json::{Value, json};

/// A purchase as the API shows it.
pub fn purchase_json(p: &Purchase) -> Value {
    json!({
        "id": p.id, "customer_id": p.customer_id, "product": p.product, "product_name": p.product_name,
        "amount": p.amount.amount(), "currency": p.amount.currency.code(), "at": p.at,
        "external_id": p.external_id, "status": status_str(p.status), "created_at": p.created_at,
    })
}

/// Records a purchase: 201 when new, 200 with the stored purchase when its
/// external_id was recorded before.
#[utoipa::path(post, path = "/api/v1/purchases", tag = "purchases",
    responses((status = 201, body = PurchaseDoc), (status = 200, body = PurchaseDoc, description = "already recorded"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<PurchaseInput>,
) -> Response {
    match purchases::record(&state.app, &caller, &input).await {
        Ok((p, true)) => (StatusCode::CREATED, Json(purchase_json(&p))).into_response(),
        Ok((p, false)) => (StatusCode::OK, Json(purchase_json(&p))).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// A batch of purchases.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    items: Vec<PurchaseInput>,
}

/// Records up to 500 purchases at once, all or none; each item says whether it was new.
#[utoipa::path(post, path = "/api/v1/purchases/batch", tag = "purchases",
    responses((status = 200, description = "{\"items\": [{\"created\": bool, \"purchase\": Purchase}]}"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn batch(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<Batch>,
) -> Response {
    match purchases::record_batch(&state.app, &caller, &input.items).await {
        Ok(list) => {
            let created = list.iter().filter(|(_, c)| *c).count();
            let items: Vec<Value> = list
                .iter()
                .map(|(p, c)| json!({"created": c, "purchase": purchase_json(p)}))
                .collect();
            let status = if created > 0 {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(json!({"items": items, "created": created}))).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

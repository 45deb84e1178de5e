//! Checks a shop calls before taking an order.

use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::state::WebState;
use axum::Json;
use axum::extract::State;
use candor_app::checks::{self, RepeatPurchase};
use candor_app::reference::{CustomerByIdentity, CustomerRef};
use serde::Deserialize;
use utoipa::ToSchema;

/// The customer and the product about to be ordered.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepeatPurchaseRequest {
    /// The customer by identity: `{"kind", "value"}`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    customer: Option<CustomerByIdentity>,
    /// Or by id.
    #[serde(default)]
    customer_id: Option<String>,
    /// The product's id, as in purchases.
    product: String,
}

/// POST /api/v1/checks/repeat-purchase — did this customer buy it before?
#[utoipa::path(post, path = "/api/v1/checks/repeat-purchase", tag = "checks", request_body = RepeatPurchaseRequest,
    responses((status = 200, description = "`{bought_before, last_purchased_at, count}`")),
    security(("bearer" = [])))]
pub async fn repeat_purchase(
    State(state): State<WebState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<RepeatPurchaseRequest>,
) -> Result<Json<RepeatPurchase>, ApiError> {
    let customer = CustomerRef::parse("", body.customer_id.as_deref(), body.customer.as_ref())?;
    Ok(Json(
        checks::repeat_purchase(&state.app, &caller, &customer, &body.product).await?,
    ))
}

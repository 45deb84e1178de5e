//! Checks a shop calls before it takes an order, in the customer's interest.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::reference::CustomerRef;
use candor_core::staff::Scope;
use candor_store::purchases::CustomerOrIdentity;
use jiff::Timestamp;
use serde::Serialize;

/// Whether the customer bought the product before.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RepeatPurchase {
    /// True when there is at least one paid purchase of the product.
    pub bought_before: bool,
    /// When the latest was made.
    pub last_purchased_at: Option<Timestamp>,
    /// How many paid purchases of it there are.
    pub count: i64,
}

/// Has this customer bought `product` before? Refunded and cancelled
/// purchases do not count. An unknown identity is simply a customer who
/// bought nothing: a check never creates a customer record.
pub async fn repeat_purchase(
    app: &App,
    caller: &Caller,
    customer: &CustomerRef,
    product: &str,
) -> AppResult<RepeatPurchase> {
    caller.require(Scope::Read)?;
    let product = product.trim();
    if product.is_empty() || product.chars().count() > 200 {
        return Err(AppError::invalid(
            "product",
            "give the product's id (1 to 200 characters)",
        ));
    }
    let ws = caller.workspace();
    let history = match customer {
        CustomerRef::Identity { identity, .. } => {
            app.db
                .purchase_history(ws, CustomerOrIdentity::Identity(identity), product)
                .await?
        }
        CustomerRef::Id(id) => {
            let found = app.db.customer(ws, *id).await?;
            let id = found.merged_into.unwrap_or(*id);
            app.db
                .purchase_history(ws, CustomerOrIdentity::Customer(id), product)
                .await?
        }
    };
    Ok(RepeatPurchase {
        bought_before: history.count > 0,
        last_purchased_at: history.last_at,
        count: history.count,
    })
}

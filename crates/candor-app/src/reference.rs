//! A customer reference, as every call that concerns a customer takes it:
//! `"customer_id": "ID"` or `"customer": {"kind", "value", "name"?}`. An
//! unknown identity creates the customer. Conversations reuse this.

use crate::context::App;
use crate::customers::{CreateCustomer, IdentityInput, create_in};
use crate::error::{AppError, AppResult};
use candor_core::events::Actor;
use candor_core::identity::{Identity, IdentityKind};
use candor_core::{CustomerId, WorkspaceId};
use candor_store::Tx;
use serde::Deserialize;

/// The `customer` object of a reference.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerByIdentity {
    /// email, phone, chat, social or external.
    pub kind: String,
    /// The identity's value.
    pub value: String,
    /// The name to give the customer if it is created.
    #[serde(default)]
    pub name: Option<String>,
}

/// A checked customer reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomerRef {
    /// An existing customer's id.
    Id(CustomerId),
    /// An identity, and the name to use if the customer is new.
    Identity {
        /// The identity.
        identity: Identity,
        /// The name.
        name: Option<String>,
    },
}

impl CustomerRef {
    /// Checks the two ways of naming a customer; exactly one must be given.
    /// Errors name `customer_id`, `customer.kind` or `customer.value` (after `prefix`).
    pub fn parse(
        prefix: &str,
        customer_id: Option<&str>,
        customer: Option<&CustomerByIdentity>,
    ) -> AppResult<CustomerRef> {
        match (customer_id, customer) {
            (Some(_), Some(_)) => Err(AppError::invalid(
                &format!("{prefix}customer"),
                "give either customer_id or customer, not both",
            )),
            (None, None) => Err(AppError::invalid(
                &format!("{prefix}customer"),
                "name the customer with customer_id or customer: {\"kind\", \"value\"}",
            )),
            (Some(id), None) => id
                .parse()
                .map(CustomerRef::Id)
                .map_err(|_| AppError::invalid(&format!("{prefix}customer_id"), "not a customer id")),
            (None, Some(c)) => {
                let kind: IdentityKind = c.kind.parse().map_err(|e: candor_core::identity::IdentityError| {
                    AppError::invalid(&format!("{prefix}customer.kind"), e.to_string())
                })?;
                let identity = Identity::parse(kind, &c.value, None)
                    .map_err(|e| AppError::invalid(&format!("{prefix}customer.value"), e.to_string()))?;
                Ok(CustomerRef::Identity {
                    identity,
                    name: c.name.clone(),
                })
            }
        }
    }
}

/// Finds (or, for an unknown identity, creates) the customer a reference
/// names, inside `tx`. A merged customer's id resolves to its survivor. An
/// unknown id is an error on `{prefix}customer_id`. Returns the customer and
/// whether it was created.
pub async fn resolve_in(
    tx: &mut Tx,
    app: &App,
    ws: WorkspaceId,
    actor: Actor,
    prefix: &str,
    r: &CustomerRef,
    source: &str,
) -> AppResult<(CustomerId, bool)> {
    match r {
        CustomerRef::Id(id) => match tx.live_customer_id(ws, *id).await? {
            Some(live) => Ok((live, false)),
            None => Err(AppError::invalid(&format!("{prefix}customer_id"), "no such customer")),
        },
        CustomerRef::Identity { identity, name } => {
            if let Some(id) = tx.customer_by_identity(ws, identity).await? {
                return Ok((id, false));
            }
            let input = CreateCustomer {
                name: name.clone().unwrap_or_default(),
                identities: vec![IdentityInput {
                    kind: identity.kind().as_str().to_string(),
                    value: identity.value().to_string(),
                    verified: false,
                }],
                ..Default::default()
            };
            let id = create_in(tx, app, ws, actor, &input, source)
                .await
                .map_err(|e| match e {
                    AppError::Invalid { field, message } if field == "name" => {
                        AppError::invalid(&format!("{prefix}customer.name"), message)
                    }
                    other => other,
                })?;
            Ok((id, true))
        }
    }
}

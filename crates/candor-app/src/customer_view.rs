//! A customer as the API and exports show it.

use candor_core::customer::{Consents, Preferences};
use candor_core::identity::IdentityKind;
use candor_core::value::{Currency, Money};
use candor_store::customers::Customer;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

/// A customer as the API and exports show it.
#[derive(Clone, Debug, Serialize)]
pub struct CustomerView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Identities.
    pub identities: Vec<IdentityView>,
    /// Tags.
    pub tags: Vec<String>,
    /// Attributes.
    pub attributes: Map<String, Value>,
    /// Organization id.
    pub organization_id: Option<String>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// Net lifetime value.
    pub lifetime_value: Money,
    /// Pareto tier.
    pub tier: Option<&'static str>,
    /// Lifecycle stage.
    pub stage: &'static str,
    /// Paid purchases.
    pub orders: i64,
    /// Last paid purchase.
    pub last_purchase_at: Option<Timestamp>,
    /// RFM scores.
    pub rfm: Option<candor_core::value::Rfm>,
    /// Preferences.
    pub preferences: Preferences,
    /// Consent by purpose.
    pub consent: Consents,
}

/// An identity as shown.
#[derive(Clone, Debug, Serialize)]
pub struct IdentityView {
    /// Kind.
    pub kind: IdentityKind,
    /// Normalised value.
    pub value: String,
    /// Verified.
    pub verified: bool,
}

impl CustomerView {
    /// The view of a stored customer; `currency` is the workspace's.
    pub fn of(c: &Customer, currency: Currency) -> Self {
        CustomerView {
            id: c.id.to_string(),
            name: c.name.clone(),
            identities: c
                .identities
                .iter()
                .map(|i| IdentityView {
                    kind: i.kind,
                    value: i.value.clone(),
                    verified: i.verified,
                })
                .collect(),
            tags: c.tags.clone(),
            attributes: c.attributes.clone(),
            organization_id: c.organization_id.map(|o| o.to_string()),
            created_at: c.created_at,
            updated_at: c.updated_at,
            lifetime_value: c.value.lifetime_value.unwrap_or(Money::zero(currency)),
            tier: c.value.tier.map(|t| t.as_str()),
            stage: c.value.stage.as_str(),
            orders: c.value.orders,
            last_purchase_at: c.value.last_purchase_at,
            rfm: c.value.rfm,
            preferences: c.preferences.clone(),
            consent: c.consents.clone(),
        }
    }
}

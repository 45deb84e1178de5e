//! Shapes for the OpenAPI document of the customer endpoints (documentation only).
#![allow(dead_code)]

use utoipa::ToSchema;

/// Money: a decimal string and a currency code.
#[derive(ToSchema)]
pub struct MoneyDoc {
    /// e.g. "19.99"
    amount: String,
    /// e.g. "EUR"
    currency: String,
}

/// An identity.
#[derive(ToSchema)]
pub struct IdentityDoc {
    /// email, phone, chat, social or external
    kind: String,
    /// normalised value
    value: String,
    verified: bool,
}

/// A customer.
#[derive(ToSchema)]
pub struct CustomerDoc {
    id: String,
    name: String,
    identities: Vec<IdentityDoc>,
    tags: Vec<String>,
    /// custom attributes by name
    attributes: Object,
    organization_id: Option<String>,
    /// RFC 3339
    created_at: String,
    updated_at: String,
    lifetime_value: MoneyDoc,
    /// "A", "B", "C" or null
    tier: Option<String>,
    /// lead, customer, at-risk or former
    stage: String,
    orders: i64,
    last_purchase_at: Option<String>,
    /// {"language", "channel", "time_zone", "quiet_hours": {"start", "end"}, "do_not_contact": []}
    preferences: Object,
    /// by purpose: {"given", "at", "how"}
    consent: Object,
}

/// Free-form JSON.
#[derive(ToSchema)]
pub struct Object {}

/// A timeline entry.
#[derive(ToSchema)]
pub struct TimelineEntryDoc {
    id: String,
    at: String,
    kind: String,
    summary: String,
    /// {"type", "id"}
    subject: Object,
    data: Object,
}

/// A duplicate suggestion.
#[derive(ToSchema)]
pub struct SuggestionDoc {
    customer: CustomerDoc,
    reasons: Vec<String>,
}

/// A note.
#[derive(ToSchema)]
pub struct NoteDoc {
    id: String,
    author_id: Option<String>,
    body: String,
    created_at: String,
}

/// A purchase.
#[derive(ToSchema)]
pub struct PurchaseDoc {
    id: String,
    customer_id: String,
    product: String,
    product_name: Option<String>,
    amount: String,
    currency: String,
    at: String,
    external_id: Option<String>,
    /// paid, refunded or cancelled
    status: String,
    created_at: String,
}

/// A saved segment.
#[derive(ToSchema)]
pub struct SegmentDoc {
    id: String,
    name: String,
    query: String,
    count: i64,
    created_at: String,
}

/// An organization.
#[derive(ToSchema)]
pub struct OrganizationDoc {
    id: String,
    name: String,
    domain: Option<String>,
    created_at: String,
}

/// A custom attribute definition.
#[derive(ToSchema)]
pub struct AttributeDoc {
    id: String,
    name: String,
    label: String,
    /// text, number, date, boolean or choice
    #[schema(rename = "type")]
    kind: String,
    choices: Vec<String>,
}

pub use crate::api::ErrorBody;

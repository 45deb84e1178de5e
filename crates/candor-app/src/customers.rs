//! Customers: creating, reading, changing and looking them up; identities and
//! notes. Every change writes its event in the same transaction.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::customer::{
    AttributeKind, AttributeValue, Consent, Consents, MAX_NOTE_CHARS, Preferences, ProfileError, check_attribute,
    check_attribute_name, check_purpose, clean_name, normalize_tags,
};
use candor_core::events::{Actor, Subject, kind};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::staff::Scope;
use candor_core::value::Currency;
use candor_core::{CustomerId, OrganizationId, WorkspaceId};
use candor_store::Tx;
use candor_store::customers::Profile;
use candor_store::customers::{Customer, NewCustomer, Note};
use candor_store::events::NewEvent;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub use crate::customer_view::{CustomerView, IdentityView};

/// An identity as sent: kind and raw value.
#[derive(Clone, Debug, Deserialize)]
pub struct IdentityInput {
    /// email, phone, chat, social or external.
    pub kind: String,
    /// The raw value, normalised on the way in.
    pub value: String,
    /// Whether it is known to be the customer's.
    #[serde(default)]
    pub verified: bool,
}

/// Consent as sent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// Given (true) or withdrawn (false).
    pub given: bool,
    /// When; now if absent.
    #[serde(default)]
    pub at: Option<Timestamp>,
    /// How it was given, e.g. "newsletter box on the signup form".
    #[serde(default)]
    pub how: String,
}

/// A new customer as sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Identities.
    #[serde(default)]
    pub identities: Vec<IdentityInput>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom attributes.
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// Organization id.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Preferences.
    #[serde(default)]
    pub preferences: Option<Preferences>,
    /// Consent by purpose.
    #[serde(default)]
    pub consent: Map<String, Value>,
}

/// A change to a customer; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// Replaces the tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Sets these attributes; `null` removes one.
    #[serde(default)]
    pub attributes: Option<Map<String, Value>>,
    /// An organization id, or `null` to remove it.
    #[serde(default)]
    pub organization_id: Option<Value>,
    /// Replaces the preferences.
    #[serde(default)]
    pub preferences: Option<Preferences>,
    /// Sets consent for these purposes.
    #[serde(default)]
    pub consent: Option<Map<String, Value>>,
}

/// The workspace's currency: its value settings', else EUR.
pub async fn currency_of(app: &App, ws: WorkspaceId) -> AppResult<Currency> {
    Ok(app
        .db
        .value_settings(ws)
        .await?
        .map(|s| s.currency)
        .unwrap_or(Currency::Eur))
}

fn profile(e: ProfileError) -> AppError {
    AppError::invalid(&e.field, e.message)
}

/// Parses sent identities; errors name `FIELD[i].kind` / `.value`.
pub fn parse_identities(field: &str, raw: &[IdentityInput]) -> AppResult<Vec<(Identity, bool)>> {
    let mut out: Vec<(Identity, bool)> = Vec::new();
    for (i, input) in raw.iter().enumerate() {
        let kind: IdentityKind = input.kind.parse().map_err(|e: candor_core::identity::IdentityError| {
            AppError::invalid(&format!("{field}[{i}].kind"), e.to_string())
        })?;
        let identity = Identity::parse(kind, &input.value, None)
            .map_err(|e| AppError::invalid(&format!("{field}[{i}].value"), e.to_string()))?;
        if out.iter().any(|(x, _)| *x == identity) {
            return Err(AppError::invalid(
                &format!("{field}[{i}].value"),
                format!("{identity} is listed twice"),
            ));
        }
        out.push((identity, input.verified));
    }
    Ok(out)
}

/// Checks attributes against the workspace's definitions (undefined ones are text).
pub async fn check_attributes(
    app: &App,
    ws: WorkspaceId,
    field: &str,
    raw: &Map<String, Value>,
) -> AppResult<Vec<(String, Option<AttributeValue>)>> {
    // Nothing to check, nothing to read (callers may hold a transaction).
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let defs = app.db.attribute_definitions(ws).await?;
    let mut out = Vec::new();
    for (name, value) in raw {
        let f = format!("{field}.{name}");
        let key = check_attribute_name(name).map_err(|m| AppError::invalid(&f, m))?;
        if value.is_null() {
            out.push((key, None));
            continue;
        }
        let (kind, choices) = match defs.iter().find(|d| d.name == key) {
            Some(d) => (d.kind, d.choices.clone()),
            None => (AttributeKind::Text, Vec::new()),
        };
        let v = check_attribute(kind, &choices, value).map_err(|m| AppError::invalid(&f, m))?;
        out.push((key, Some(v)));
    }
    Ok(out)
}

/// Checks sent consents; errors name `consent.PURPOSE`.
pub fn check_consents(now: Timestamp, raw: &Map<String, Value>) -> AppResult<Vec<(String, Consent)>> {
    let mut out = Vec::new();
    for (purpose, value) in raw {
        let field = format!("consent.{purpose}");
        let p = check_purpose(purpose).map_err(|m| AppError::invalid(&field, m))?;
        let input: ConsentInput = serde_json::from_value(value.clone())
            .map_err(|e| AppError::invalid(&field, format!("write {{\"given\": true, \"how\": \"…\"}}: {e}")))?;
        if input.how.chars().count() > 500 {
            return Err(AppError::invalid(&format!("{field}.how"), "at most 500 characters"));
        }
        out.push((
            p,
            Consent {
                given: input.given,
                at: input.at.unwrap_or(now),
                how: input.how.trim().to_string(),
            },
        ));
    }
    Ok(out)
}

async fn check_org(tx: &mut Tx, ws: WorkspaceId, raw: &str) -> AppResult<OrganizationId> {
    let id: OrganizationId = raw
        .parse()
        .map_err(|_| AppError::invalid("organization_id", "not an organization id"))?;
    if tx.organization_exists(ws, id).await? {
        Ok(id)
    } else {
        Err(AppError::invalid("organization_id", "no such organization"))
    }
}

/// Turns an identity conflict into a 409 naming the identity's field.
fn identity_conflict(e: candor_store::StoreError, field: String) -> AppError {
    match e {
        candor_store::StoreError::Conflict { message, .. } => AppError::Conflict { field, message },
        other => other.into(),
    }
}

/// Creates a customer inside `tx` and writes `customer.created`.
pub async fn create_in(
    tx: &mut Tx,
    app: &App,
    ws: WorkspaceId,
    actor: Actor,
    input: &CreateCustomer,
    source: &str,
) -> AppResult<CustomerId> {
    let now = app.now();
    let name = clean_name(&input.name).map_err(|m| AppError::invalid("name", m))?;
    let identities = parse_identities("identities", &input.identities)?;
    for (i, (identity, _)) in identities.iter().enumerate() {
        if tx.customer_by_identity(ws, identity).await?.is_some() {
            return Err(AppError::Conflict {
                field: format!("identities[{i}].value"),
                message: format!("{identity} belongs to another customer"),
            });
        }
    }
    let tags = normalize_tags(&input.tags).map_err(profile)?;
    let attributes: Vec<(String, AttributeValue)> = check_attributes(app, ws, "attributes", &input.attributes)
        .await?
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    let preferences = input
        .preferences
        .clone()
        .unwrap_or_default()
        .checked()
        .map_err(profile)?;
    let consents: Consents = check_consents(now, &input.consent)?.into_iter().collect();
    let organization_id = match &input.organization_id {
        Some(raw) => Some(check_org(tx, ws, raw).await?),
        None => None,
    };
    let new = NewCustomer {
        name,
        organization_id,
        identities,
        tags,
        attributes,
        preferences,
        consents,
    };
    let id = tx
        .create_customer(now, ws, &new)
        .await
        .map_err(|e| identity_conflict(e, "identities".into()))?;
    let identities: Vec<String> = new.identities.iter().map(|(i, _)| i.to_string()).collect();
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor,
            kind: kind::CUSTOMER_CREATED,
            subject: Subject::new("customer", id.as_uuid()),
            payload: json!({"name": new.name, "identities": identities, "tags": new.tags, "source": source}),
        },
    )
    .await?;
    Ok(id)
}

/// Creates a customer (POST /api/v1/customers).
pub async fn create(app: &App, caller: &Caller, input: &CreateCustomer) -> AppResult<Customer> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let mut tx = app.db.begin().await?;
    let id = create_in(&mut tx, app, ws, caller.actor(), input, "api").await?;
    tx.commit().await?;
    Ok(app.db.customer(ws, id).await?)
}

/// What reading a customer by id found.
pub enum Found {
    /// The customer.
    Live(Box<Customer>),
    /// It was merged into this customer.
    MergedInto(CustomerId),
}

/// Reads a customer; a merged one answers with its survivor.
pub async fn get(app: &App, caller: &Caller, id: CustomerId) -> AppResult<Found> {
    caller.require(Scope::Read)?;
    let c = app.db.customer(caller.workspace(), id).await?;
    Ok(match c.merged_into {
        Some(s) => Found::MergedInto(s),
        None => Found::Live(Box::new(c)),
    })
}

/// A live customer for a change; a merged one is a redirect error.
async fn live(app: &App, ws: WorkspaceId, id: CustomerId) -> AppResult<Customer> {
    let c = app.db.customer(ws, id).await?;
    match c.merged_into {
        Some(s) => Err(AppError::Merged(s)),
        None => Ok(c),
    }
}

/// Looks a customer up by an identity in tagged form (`email:jane@example.com`).
pub async fn lookup(app: &App, caller: &Caller, tagged: &str) -> AppResult<Option<Customer>> {
    caller.require(Scope::Read)?;
    let identity = Identity::parse_tagged(tagged).map_err(|e| AppError::invalid("identity", e.to_string()))?;
    Ok(app.db.customer_by_identity(caller.workspace(), &identity).await?)
}

/// Changes a customer (PATCH /api/v1/customers/{id}).
pub async fn update(app: &App, caller: &Caller, id: CustomerId, input: &UpdateCustomer) -> AppResult<Customer> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let now = app.now();
    let current = live(app, ws, id).await?;
    let mut changed: Vec<&str> = Vec::new();
    let name = match &input.name {
        Some(n) => clean_name(n).map_err(|m| AppError::invalid("name", m))?,
        None => current.name.clone(),
    };
    let attributes = match &input.attributes {
        Some(a) => Some(check_attributes(app, ws, "attributes", a).await?),
        None => None,
    };
    let tags = match &input.tags {
        Some(t) => Some(normalize_tags(t).map_err(profile)?),
        None => None,
    };
    let preferences = match &input.preferences {
        Some(p) => p.clone().checked().map_err(profile)?,
        None => current.preferences.clone(),
    };
    let mut consents = current.consents.clone();
    if let Some(c) = &input.consent {
        for (p, consent) in check_consents(now, c)? {
            consents.insert(p, consent);
        }
    }
    let mut tx = app.db.begin().await?;
    let organization = match &input.organization_id {
        None => current.organization_id,
        Some(Value::Null) => None,
        Some(Value::String(s)) => Some(check_org(&mut tx, ws, s).await?),
        Some(_) => return Err(AppError::invalid("organization_id", "an organization id or null")),
    };
    if name != current.name {
        changed.push("name");
    }
    if organization != current.organization_id {
        changed.push("organization");
    }
    if preferences != current.preferences {
        changed.push("preferences");
    }
    if consents != current.consents {
        changed.push("consent");
    }
    tx.update_profile(
        now,
        ws,
        id,
        Profile {
            name: &name,
            organization,
            preferences: &preferences,
            consents: &consents,
        },
    )
    .await?;
    if let Some(tags) = tags
        && tags != current.tags
    {
        tx.set_tags(ws, id, &tags).await?;
        changed.push("tags");
    }
    if let Some(attrs) = attributes {
        let mut merged: Vec<(String, AttributeValue)> = Vec::new();
        let defs = app.db.attribute_definitions(ws).await?;
        for (k, v) in &current.attributes {
            if attrs.iter().any(|(n, _)| n == k) {
                continue;
            }
            let kind = defs
                .iter()
                .find(|d| &d.name == k)
                .map_or(AttributeKind::Text, |d| d.kind);
            let choices = defs
                .iter()
                .find(|d| &d.name == k)
                .map(|d| d.choices.clone())
                .unwrap_or_default();
            if let Ok(v) = check_attribute(kind, &choices, v) {
                merged.push((k.clone(), v));
            }
        }
        merged.extend(attrs.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        merged.sort_by(|a, b| a.0.cmp(&b.0));
        tx.set_attributes(ws, id, &merged).await?;
        changed.push("attributes");
    }
    if !changed.is_empty() {
        // What the customer chose to share counts toward trust (docs/trust.md).
        let given: Vec<&String> = consents
            .iter()
            .filter(|(p, c)| c.given && !current.consents.get(*p).is_some_and(|o| o.given))
            .map(|(p, _)| p)
            .collect();
        let withdrawn: Vec<&String> = consents
            .iter()
            .filter(|(p, c)| !c.given && current.consents.get(*p).is_some_and(|o| o.given))
            .map(|(p, _)| p)
            .collect();
        tx.append_event(
            now,
            NewEvent {
                workspace_id: ws,
                actor: caller.actor(),
                kind: kind::CUSTOMER_UPDATED,
                subject: Subject::new("customer", id.as_uuid()),
                payload: json!({"changed": changed, "consent_given": given, "consent_withdrawn": withdrawn}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(app.db.customer(ws, id).await?)
}

/// Adds an identity to a customer.
pub async fn add_identity(app: &App, caller: &Caller, id: CustomerId, input: &IdentityInput) -> AppResult<Customer> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    live(app, ws, id).await?;
    let kind: IdentityKind = input
        .kind
        .parse()
        .map_err(|e: candor_core::identity::IdentityError| AppError::invalid("kind", e.to_string()))?;
    let identity = Identity::parse(kind, &input.value, None).map_err(|e| AppError::invalid("value", e.to_string()))?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    tx.add_identity(now, ws, id, &identity, input.verified)
        .await
        .map_err(|e| identity_conflict(e, "value".into()))?;
    tx.refresh_search_text(ws, id).await?;
    tx.touch_customer(now, ws, id).await?;
    event(
        &mut tx,
        now,
        ws,
        caller.actor(),
        kind::CUSTOMER_IDENTITY_ADDED,
        id,
        json!({"identity": identity.to_string(), "verified": input.verified}),
    )
    .await?;
    tx.commit().await?;
    Ok(app.db.customer(ws, id).await?)
}

/// Removes an identity from a customer.
pub async fn remove_identity(app: &App, caller: &Caller, id: CustomerId, tagged: &str) -> AppResult<Customer> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    live(app, ws, id).await?;
    let identity = Identity::parse_tagged(tagged).map_err(|e| AppError::invalid("identity", e.to_string()))?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    tx.remove_identity(ws, id, &identity).await?;
    tx.refresh_search_text(ws, id).await?;
    tx.touch_customer(now, ws, id).await?;
    event(
        &mut tx,
        now,
        ws,
        caller.actor(),
        kind::CUSTOMER_IDENTITY_REMOVED,
        id,
        json!({"identity": identity.to_string()}),
    )
    .await?;
    tx.commit().await?;
    Ok(app.db.customer(ws, id).await?)
}

/// Writes a note about a customer.
pub async fn add_note(app: &App, caller: &Caller, id: CustomerId, body: &str) -> AppResult<Note> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    live(app, ws, id).await?;
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::invalid("body", "the note is empty"));
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::invalid(
            "body",
            format!("at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let note = tx.add_note(now, ws, id, Some(caller.user.id), body).await?;
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::CUSTOMER_NOTE_ADDED,
            subject: Subject::new("note", note.id.as_uuid()),
            payload: json!({"body": body}),
        },
        Some(id),
    )
    .await?;
    tx.commit().await?;
    Ok(note)
}

async fn event(
    tx: &mut Tx,
    now: Timestamp,
    ws: WorkspaceId,
    actor: Actor,
    kind: &str,
    id: CustomerId,
    payload: Value,
) -> AppResult<()> {
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor,
            kind,
            subject: Subject::new("customer", id.as_uuid()),
            payload,
        },
    )
    .await?;
    Ok(())
}

//! Customers: the row with its computed value columns, identities, tags,
//! custom attributes, notes, and lookups by id, identity and query.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::{from_micros, to_micros};
use candor_core::customer::{AttributeValue, Consents, Preferences, name_key};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::likeness::{identity_match_key, name_blocks};
use candor_core::value::{Currency, Money, Rfm, Stage, Tier};
use candor_core::{CustomerId, NoteId, OrganizationId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// One of a customer's identities as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CustomerIdentity {
    /// email, phone, chat, social or external.
    pub kind: IdentityKind,
    /// The normalised value.
    pub value: String,
    /// Whether the customer proved it is theirs.
    pub verified: bool,
    /// When it was added.
    pub created_at: Timestamp,
}

/// Value figures computed from purchases, stored on the customer row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValueFigures {
    /// Net lifetime value in the workspace's currency; `None` before any is known.
    pub lifetime_value: Option<Money>,
    /// Paid purchases.
    pub orders: i64,
    /// Time of the last paid purchase.
    pub last_purchase_at: Option<Timestamp>,
    /// Pareto tier (refreshed by a job).
    pub tier: Option<Tier>,
    /// Lifecycle stage.
    pub stage: Stage,
    /// RFM scores (refreshed by a job).
    pub rfm: Option<Rfm>,
}

/// A customer with everything on its row.
#[derive(Clone, Debug, Serialize)]
pub struct Customer {
    /// Its id.
    pub id: CustomerId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// Display name (may be empty).
    pub name: String,
    /// The organization it belongs to.
    pub organization_id: Option<OrganizationId>,
    /// Identities, oldest first.
    pub identities: Vec<CustomerIdentity>,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// Custom attributes as JSON values.
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// How they want to be reached.
    pub preferences: Preferences,
    /// Consents by purpose.
    pub consents: Consents,
    /// When merged into another customer, the survivor.
    pub merged_into: Option<CustomerId>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Computed value.
    pub value: ValueFigures,
}

#[derive(sqlx::FromRow)]
pub(crate) struct CustomerRow {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    organization_id: Option<Uuid>,
    tags: String,
    attributes: String,
    preferences: String,
    consents: String,
    merged_into: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
    ltv_minor: i64,
    ltv_currency: Option<String>,
    orders: i64,
    last_purchase_at: Option<i64>,
    tier: Option<String>,
    stage: String,
    rfm_recency: Option<i32>,
    rfm_frequency: Option<i32>,
    rfm_monetary: Option<i32>,
}

pub(crate) const CUSTOMER_COLUMNS: &str = "c.id, c.workspace_id, c.name, c.organization_id, c.tags, c.attributes, \
    c.preferences, c.consents, c.merged_into, c.created_at, c.updated_at, c.ltv_minor, c.ltv_currency, c.orders, \
    c.last_purchase_at, c.tier, c.stage, c.rfm_recency, c.rfm_frequency, c.rfm_monetary";

/// What bare words in queries search: the name key, the email addresses
/// (sorted here, so both databases agree) and the organization's name key.
fn search_text(name_key: String, mut emails: Vec<String>, org: Option<&str>) -> String {
    emails.sort();
    let mut text = name_key;
    for e in emails {
        text.push('\n');
        text.push_str(&e);
    }
    if let Some(org) = org {
        text.push('\n');
        text.push_str(org);
    }
    text
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("customer {what}: {e}"))
}

pub(crate) fn parse_tier(s: &str) -> Result<Tier> {
    match s {
        "A" => Ok(Tier::A),
        "B" => Ok(Tier::B),
        "C" => Ok(Tier::C),
        other => Err(corrupt("tier", other)),
    }
}

pub(crate) fn parse_stage(s: &str) -> Result<Stage> {
    match s {
        "lead" => Ok(Stage::Lead),
        "customer" => Ok(Stage::Customer),
        "at-risk" => Ok(Stage::AtRisk),
        "former" => Ok(Stage::Former),
        other => Err(corrupt("stage", other)),
    }
}

impl CustomerRow {
    fn into_customer(self, identities: Vec<CustomerIdentity>) -> Result<Customer> {
        let ltv = match self.ltv_currency {
            Some(c) => Some(Money::new(
                self.ltv_minor,
                c.parse::<Currency>().map_err(|e| corrupt("currency", e))?,
            )),
            None => None,
        };
        let rfm = match (self.rfm_recency, self.rfm_frequency, self.rfm_monetary) {
            (Some(r), Some(f), Some(m)) => Some(Rfm {
                recency: r.clamp(0, 5) as u8,
                frequency: f.clamp(0, 5) as u8,
                monetary: m.clamp(0, 5) as u8,
            }),
            _ => None,
        };
        Ok(Customer {
            id: CustomerId::from_uuid(self.id),
            workspace_id: WorkspaceId::from_uuid(self.workspace_id),
            name: self.name,
            organization_id: self.organization_id.map(OrganizationId::from_uuid),
            identities,
            tags: serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?,
            attributes: serde_json::from_str(&self.attributes).map_err(|e| corrupt("attributes", e))?,
            preferences: serde_json::from_str(&self.preferences).map_err(|e| corrupt("preferences", e))?,
            consents: serde_json::from_str(&self.consents).map_err(|e| corrupt("consents", e))?,
            merged_into: self.merged_into.map(CustomerId::from_uuid),
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            value: ValueFigures {
                lifetime_value: ltv,
                orders: self.orders,
                last_purchase_at: self.last_purchase_at.map(from_micros),
                tier: self.tier.as_deref().map(parse_tier).transpose()?,
                stage: parse_stage(&self.stage)?,
                rfm,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct IdentityRow {
    customer_id: Uuid,
    kind: String,
    value: String,
    verified: bool,
    created_at: i64,
}

/// A customer about to be created.
#[derive(Clone, Debug, Default)]
pub struct NewCustomer {
    /// Display name (may be empty).
    pub name: String,
    /// Organization.
    pub organization_id: Option<OrganizationId>,
    /// Identities with their verified flag.
    pub identities: Vec<(Identity, bool)>,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// Checked attributes by name.
    pub attributes: Vec<(String, AttributeValue)>,
    /// Checked preferences.
    pub preferences: Preferences,
    /// Consents.
    pub consents: Consents,
}

/// The parts of a customer that [`Tx::update_profile`] sets.
#[derive(Clone, Copy, Debug)]
pub struct Profile<'a> {
    /// Display name.
    pub name: &'a str,
    /// Organization.
    pub organization: Option<OrganizationId>,
    /// Preferences.
    pub preferences: &'a Preferences,
    /// Consents.
    pub consents: &'a Consents,
}

/// A note about a customer.
#[derive(Clone, Debug, Serialize)]
pub struct Note {
    /// Its id.
    pub id: NoteId,
    /// Who wrote it, if a person did.
    pub author_id: Option<UserId>,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: Timestamp,
}

fn keys(list: &[String]) -> String {
    if list.is_empty() {
        String::new()
    } else {
        format!(" {} ", list.join(" "))
    }
}

fn consent_keys(consents: &Consents) -> String {
    let given: Vec<String> = consents
        .iter()
        .filter(|(_, c)| c.given)
        .map(|(p, _)| p.clone())
        .collect();
    keys(&given)
}

fn json_text<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("cannot write JSON: {e}")))
}

impl Tx {
    /// Creates a customer with its identities, tags and attributes. An identity
    /// that another customer holds is a conflict on `identities`.
    pub async fn create_customer(&mut self, now: Timestamp, ws: WorkspaceId, c: &NewCustomer) -> Result<CustomerId> {
        let id = CustomerId::new_at(now);
        let blocks = name_blocks(&c.name);
        let attributes: serde_json::Map<String, serde_json::Value> =
            c.attributes.iter().map(|(k, v)| (k.clone(), v.json.clone())).collect();
        let org = match c.organization_id {
            Some(o) => on_tx!(self, x => sqlx::query_as::<_, (String,)>(
                "SELECT name_key FROM organizations WHERE workspace_id = $1 AND id = $2")
                .bind(ws.as_uuid()).bind(o.as_uuid()).fetch_optional(&mut **x).await)?
            .map(|(k,)| k),
            None => None,
        };
        let emails = c
            .identities
            .iter()
            .filter(|(i, _)| i.kind().as_str() == "email")
            .map(|(i, _)| i.value().to_string())
            .collect();
        let text = search_text(name_key(&c.name), emails, org.as_deref());
        on_tx!(self, x => sqlx::query(
            "INSERT INTO customers (id, workspace_id, name, name_key, search_text, organization_id, tags, attributes, \
             preferences, consents, language, preferred_channel, consent_keys, dnc_keys, created_at, updated_at, \
             ltv_minor, orders, stage, name_first_block, name_last_block) \
             VALUES ($1, $2, $3, $4, $17, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, 0, 0, 'lead', $15, $16)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(&c.name).bind(name_key(&c.name))
            .bind(c.organization_id.map(|o| o.as_uuid())).bind(json_text(&c.tags)?).bind(json_text(&attributes)?)
            .bind(json_text(&c.preferences)?).bind(json_text(&c.consents)?)
            .bind(c.preferences.language.clone()).bind(c.preferences.channel.clone())
            .bind(consent_keys(&c.consents)).bind(keys(&c.preferences.do_not_contact)).bind(to_micros(now))
            .bind(&blocks.0).bind(&blocks.1).bind(&text)
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        for (identity, verified) in &c.identities {
            self.add_identity(now, ws, id, identity, *verified).await?;
        }
        // A new customer has no tag, attribute or search rows to replace:
        // the row above already holds their JSON, and only the index rows
        // are added.
        let w = ws.as_uuid();
        for tag in &c.tags {
            on_tx!(self, x => sqlx::query("INSERT INTO customer_tags (workspace_id, customer_id, tag) VALUES ($1, $2, $3)")
                .bind(w).bind(id.as_uuid()).bind(tag).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        for (name, v) in &c.attributes {
            on_tx!(self, x => sqlx::query(
                "INSERT INTO customer_attributes (workspace_id, customer_id, name, value_text, value_num) VALUES ($1, $2, $3, $4, $5)")
                .bind(w).bind(id.as_uuid()).bind(name).bind(&v.text).bind(v.number).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        Ok(id)
    }

    /// Adds an identity to a customer; a conflict if any customer holds it.
    pub async fn add_identity(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        customer: CustomerId,
        identity: &Identity,
        verified: bool,
    ) -> Result<()> {
        let id = Uuid::now_v7();
        on_tx!(self, x => sqlx::query(
            "INSERT INTO customer_identities (id, workspace_id, customer_id, kind, value, verified, created_at, match_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id).bind(ws.as_uuid()).bind(customer.as_uuid()).bind(identity.kind().as_str()).bind(identity.value())
            .bind(verified).bind(to_micros(now)).bind(identity_match_key(identity.kind(), identity.value()))
            .execute(&mut **x).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "identities", &format!("{identity} belongs to another customer")))?;
        Ok(())
    }

    /// Removes an identity from a customer; not found unless the customer holds it.
    pub async fn remove_identity(&mut self, ws: WorkspaceId, customer: CustomerId, identity: &Identity) -> Result<()> {
        let n = on_tx!(self, x => sqlx::query(
            "DELETE FROM customer_identities WHERE workspace_id = $1 AND customer_id = $2 AND kind = $3 AND value = $4")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).bind(identity.kind().as_str()).bind(identity.value())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Replaces a customer's tags.
    pub async fn set_tags(&mut self, ws: WorkspaceId, customer: CustomerId, tags: &[String]) -> Result<()> {
        let (w, c) = (ws.as_uuid(), customer.as_uuid());
        on_tx!(self, x => sqlx::query("DELETE FROM customer_tags WHERE workspace_id = $1 AND customer_id = $2")
            .bind(w).bind(c).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        for tag in tags {
            on_tx!(self, x => sqlx::query("INSERT INTO customer_tags (workspace_id, customer_id, tag) VALUES ($1, $2, $3)")
                .bind(w).bind(c).bind(tag).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        let text = json_text(&tags)?;
        on_tx!(self, x => sqlx::query("UPDATE customers SET tags = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(text).bind(w).bind(c).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Replaces a customer's custom attributes.
    pub async fn set_attributes(
        &mut self,
        ws: WorkspaceId,
        customer: CustomerId,
        attributes: &[(String, AttributeValue)],
    ) -> Result<()> {
        let (w, c) = (ws.as_uuid(), customer.as_uuid());
        on_tx!(self, x => sqlx::query("DELETE FROM customer_attributes WHERE workspace_id = $1 AND customer_id = $2")
            .bind(w).bind(c).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        let mut json = serde_json::Map::new();
        for (name, v) in attributes {
            on_tx!(self, x => sqlx::query(
                "INSERT INTO customer_attributes (workspace_id, customer_id, name, value_text, value_num) VALUES ($1, $2, $3, $4, $5)")
                .bind(w).bind(c).bind(name).bind(&v.text).bind(v.number).execute(&mut **x).await.map(|r| r.rows_affected()))?;
            json.insert(name.clone(), v.json.clone());
        }
        let text = json_text(&json)?;
        on_tx!(self, x => sqlx::query("UPDATE customers SET attributes = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(text).bind(w).bind(c).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Sets the name, organization, preferences and consents of a customer.
    pub async fn update_profile(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        customer: CustomerId,
        profile: Profile<'_>,
    ) -> Result<()> {
        let Profile {
            name,
            organization,
            preferences,
            consents,
        } = profile;
        let blocks = name_blocks(name);
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE customers SET name = $1, name_key = $2, organization_id = $3, preferences = $4, consents = $5, \
             language = $6, preferred_channel = $7, consent_keys = $8, dnc_keys = $9, updated_at = $10, \
             name_first_block = $11, name_last_block = $12 \
             WHERE workspace_id = $13 AND id = $14 AND merged_into IS NULL")
            .bind(name).bind(name_key(name)).bind(organization.map(|o| o.as_uuid())).bind(json_text(preferences)?)
            .bind(json_text(consents)?).bind(preferences.language.clone()).bind(preferences.channel.clone())
            .bind(consent_keys(consents)).bind(keys(&preferences.do_not_contact)).bind(to_micros(now))
            .bind(&blocks.0).bind(&blocks.1).bind(ws.as_uuid()).bind(customer.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.refresh_search_text(ws, customer).await
    }

    /// Marks a customer changed now.
    pub async fn touch_customer(&mut self, now: Timestamp, ws: WorkspaceId, customer: CustomerId) -> Result<()> {
        on_tx!(self, x => sqlx::query("UPDATE customers SET updated_at = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(to_micros(now)).bind(ws.as_uuid()).bind(customer.as_uuid()).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Rewrites the text that bare words in queries search: name, email
    /// addresses and organization name, lowercased.
    pub async fn refresh_search_text(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<()> {
        let (w, c) = (ws.as_uuid(), customer.as_uuid());
        let name: Option<(String, Option<String>)> = on_tx!(self, x => sqlx::query_as(
            "SELECT c.name_key, o.name_key FROM customers c LEFT JOIN organizations o ON o.id = c.organization_id \
             AND o.workspace_id = c.workspace_id WHERE c.workspace_id = $1 AND c.id = $2")
            .bind(w).bind(c).fetch_optional(&mut **x).await)?;
        let Some((name, org)) = name else {
            return Err(StoreError::NotFound);
        };
        let emails: Vec<(String,)> = on_tx!(self, x => sqlx::query_as(
            "SELECT value FROM customer_identities WHERE workspace_id = $1 AND customer_id = $2 AND kind = 'email'")
            .bind(w).bind(c).fetch_all(&mut **x).await)?;
        let text = search_text(name, emails.into_iter().map(|(e,)| e).collect(), org.as_deref());
        on_tx!(self, x => sqlx::query("UPDATE customers SET search_text = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(text).bind(w).bind(c).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Adds a note about a customer.
    pub async fn add_note(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        customer: CustomerId,
        author: Option<UserId>,
        body: &str,
    ) -> Result<Note> {
        let id = NoteId::new_at(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO customer_notes (id, workspace_id, customer_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(customer.as_uuid()).bind(author.map(|a| a.as_uuid()))
            .bind(body).bind(to_micros(now)).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(Note {
            id,
            author_id: author,
            body: body.to_string(),
            created_at: now,
        })
    }

    /// The customer holding `identity`, seen inside the transaction.
    pub async fn customer_by_identity(&mut self, ws: WorkspaceId, identity: &Identity) -> Result<Option<CustomerId>> {
        let row: Option<(Uuid,)> = on_tx!(self, x => sqlx::query_as(
            "SELECT customer_id FROM customer_identities WHERE workspace_id = $1 AND kind = $2 AND value = $3")
            .bind(ws.as_uuid()).bind(identity.kind().as_str()).bind(identity.value()).fetch_optional(&mut **x).await)?;
        Ok(row.map(|(id,)| CustomerId::from_uuid(id)))
    }

    /// A customer's tier and organization (what routing looks at), seen
    /// inside the transaction; `None` when there is no such customer.
    pub async fn customer_facts(
        &mut self,
        ws: WorkspaceId,
        customer: CustomerId,
    ) -> Result<Option<(Option<Tier>, Option<OrganizationId>)>> {
        let row: Option<(Option<String>, Option<Uuid>)> = on_tx!(self, x => sqlx::query_as(
            "SELECT tier, organization_id FROM customers WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_optional(&mut **x).await)?;
        row.map(|(tier, org)| {
            Ok((
                tier.as_deref().map(parse_tier).transpose()?,
                org.map(OrganizationId::from_uuid),
            ))
        })
        .transpose()
    }

    /// A customer's display name as lists show it (the name, else the first
    /// identity), seen inside the transaction.
    pub async fn customer_display_name(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<String> {
        let row: Option<(String, Option<String>)> = on_tx!(self, x => sqlx::query_as(
            "SELECT c.name, (SELECT i.value FROM customer_identities i WHERE i.workspace_id = c.workspace_id \
             AND i.customer_id = c.id ORDER BY i.created_at, i.kind, i.value LIMIT 1) \
             FROM customers c WHERE c.workspace_id = $1 AND c.id = $2")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_optional(&mut **x).await)?;
        Ok(match row {
            Some((name, _)) if !name.trim().is_empty() => name,
            Some((_, first)) => first.unwrap_or_default(),
            None => String::new(),
        })
    }

    /// Whether a live (unmerged) customer exists, seen inside the transaction.
    pub async fn customer_exists(&mut self, ws: WorkspaceId, customer: CustomerId) -> Result<bool> {
        let row: Option<(Uuid,)> = on_tx!(self, x => sqlx::query_as(
            "SELECT id FROM customers WHERE workspace_id = $1 AND id = $2 AND merged_into IS NULL")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_optional(&mut **x).await)?;
        Ok(row.is_some())
    }
}

/// The SQL for what a customer (the row aliased `alias`) is called where only
/// the name is shown: their name, else their first identity's value, else ''.
pub(crate) fn display_name_sql(alias: &str) -> String {
    format!(
        "COALESCE(CASE WHEN TRIM({alias}.name) <> '' THEN {alias}.name ELSE \
         (SELECT i.value FROM customer_identities i WHERE i.workspace_id = {alias}.workspace_id \
          AND i.customer_id = {alias}.id ORDER BY i.created_at, i.kind, i.value LIMIT 1) END, '')"
    )
}

impl Db {
    /// One customer, merged or not.
    pub async fn customer(&self, ws: WorkspaceId, id: CustomerId) -> Result<Customer> {
        let mut sql = Sql::new("");
        sql.push(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.workspace_id = "
        ))
        .bind(Arg::Uuid(ws.as_uuid()))
        .push(" AND c.id = ")
        .bind(Arg::Uuid(id.as_uuid()));
        self.customers_where(ws, sql).await?.pop().ok_or(StoreError::NotFound)
    }

    /// What a customer is called where only the name is shown: their name,
    /// else their first identity's value (as [`Db::customer`] lists them),
    /// else nothing; in one read.
    pub async fn customer_display_name(&self, ws: WorkspaceId, id: CustomerId) -> Result<String> {
        let sql = format!(
            "SELECT {} FROM customers c WHERE c.workspace_id = $1 AND c.id = $2",
            display_name_sql("c")
        );
        let row: Option<(String,)> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(|(n,)| n).ok_or(StoreError::NotFound)
    }

    /// The customer holding `identity`, if any.
    pub async fn customer_by_identity(&self, ws: WorkspaceId, identity: &Identity) -> Result<Option<Customer>> {
        // The identity and its customer in one read, then the identities.
        let mut sql = Sql::new("");
        sql.push(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customer_identities i \
             JOIN customers c ON c.id = i.customer_id AND c.workspace_id = i.workspace_id \
             WHERE i.workspace_id = "
        ))
        .bind(Arg::Uuid(ws.as_uuid()))
        .push(" AND i.kind = ")
        .bind(Arg::Text(identity.kind().as_str().into()))
        .push(" AND i.value = ")
        .bind(Arg::Text(identity.value().into()));
        Ok(self.customers_where(ws, sql).await?.pop())
    }

    /// Customers selected by a query whose first column list is [`CUSTOMER_COLUMNS`],
    /// with their identities.
    pub(crate) async fn customers_where(&self, ws: WorkspaceId, sql: Sql) -> Result<Vec<Customer>> {
        let rows: Vec<CustomerRow> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        let mut identities = self.identities_of(ws, rows.iter().map(|r| r.id)).await?;
        rows.into_iter()
            .map(|r| {
                let ids = identities.remove(&r.id).unwrap_or_default();
                r.into_customer(ids)
            })
            .collect()
    }

    async fn identities_of(
        &self,
        ws: WorkspaceId,
        ids: impl Iterator<Item = Uuid>,
    ) -> Result<HashMap<Uuid, Vec<CustomerIdentity>>> {
        let mut sql = Sql::new(
            "SELECT customer_id, kind, value, verified, created_at FROM customer_identities WHERE workspace_id = ",
        );
        sql.bind(Arg::Uuid(ws.as_uuid()))
            .push(" AND customer_id IN ")
            .bind_list(ids)
            .push(" ORDER BY created_at, kind, value");
        let rows: Vec<IdentityRow> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_all(p).await)?;
        let mut out: HashMap<Uuid, Vec<CustomerIdentity>> = HashMap::new();
        for r in rows {
            let kind: IdentityKind = r.kind.parse().map_err(|e| corrupt("identity kind", e))?;
            out.entry(r.customer_id).or_default().push(CustomerIdentity {
                kind,
                value: r.value,
                verified: r.verified,
                created_at: from_micros(r.created_at),
            });
        }
        Ok(out)
    }

    /// Notes about a customer, newest first.
    pub async fn notes(&self, ws: WorkspaceId, customer: CustomerId) -> Result<Vec<Note>> {
        let rows: Vec<(Uuid, Option<Uuid>, String, i64)> = read!(self, p => sqlx::query_as(
            "SELECT id, author_id, body, created_at FROM customer_notes WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id DESC")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, author, body, at)| Note {
                id: NoteId::from_uuid(id),
                author_id: author.map(UserId::from_uuid),
                body,
                created_at: from_micros(at),
            })
            .collect())
    }
}

//! Duplicate suggestions with their reasons, and merges that keep everything.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::value::{enqueue_refresh, refresh_customer_in};
use candor_core::CustomerId;
use candor_core::customer::{AttributeKind, check_attribute, name_key};
use candor_core::events::{Subject, kind};
use candor_core::identity::IdentityKind;
use candor_core::likeness::{identity_match_key, similar_names};
use candor_core::staff::Scope;
use candor_store::customers::Customer;
use candor_store::customers::Profile;
use candor_store::events::{Event, NewEvent};
use candor_store::merge::MergeCounts;
use candor_store::purchases::Purchase;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// A customer that may be the same person, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Suggestion {
    /// The other customer.
    pub customer: Customer,
    /// Why they look alike, as sentences.
    pub reasons: Vec<String>,
}

/// Customers that look like duplicates of `id`, most reasons first. Each
/// reason is one indexed lookup on the keys kept beside identities and names
/// (`candor_core::likeness`), so this stays quick in a large workspace.
pub async fn duplicates(app: &App, caller: &Caller, id: CustomerId) -> AppResult<Vec<Suggestion>> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let me = app.db.customer(ws, id).await?;
    if let Some(s) = me.merged_into {
        return Err(AppError::Merged(s));
    }
    let mut reasons: BTreeMap<CustomerId, Vec<String>> = BTreeMap::new();
    let mut add = |c: CustomerId, why: String| {
        if c != id {
            let list = reasons.entry(c).or_default();
            if !list.contains(&why) {
                list.push(why);
            }
        }
    };
    let mine = |k: IdentityKind| {
        me.identities
            .iter()
            .filter(move |i| i.kind == k)
            .map(|i| i.value.clone())
    };
    for phone in mine(IdentityKind::Phone) {
        let tail = identity_match_key(IdentityKind::Phone, &phone);
        if tail.is_empty() {
            continue;
        }
        for (c, _) in app.db.identities_matching(ws, IdentityKind::Phone, &tail).await? {
            add(c, format!("same phone number (ending {})", &tail[tail.len() - 4..]));
        }
    }
    for external in mine(IdentityKind::External) {
        let key = identity_match_key(IdentityKind::External, &external);
        if key.is_empty() {
            continue;
        }
        for (c, v) in app.db.identities_matching(ws, IdentityKind::External, &key).await? {
            add(c, format!("same external id in two forms ({external} and {v})"));
        }
    }
    let key = name_key(&me.name);
    let domains: Vec<String> = mine(IdentityKind::Email)
        .map(|e| identity_match_key(IdentityKind::Email, &e))
        .filter(|d| !d.is_empty())
        .collect();
    if !key.is_empty() && !domains.is_empty() {
        for (c, d) in app.db.email_domains_of_name(ws, &key).await? {
            if domains.contains(&d) {
                add(c, format!("same name at the same email domain ({d})"));
            }
        }
    }
    for (c, n) in app.db.customers_in_name_blocks(ws, &me.name).await? {
        if name_key(&n) != key
            && let Some(score) = similar_names(&me.name, &n)
        {
            add(c, format!("nearly the same name ({n}, {:.0}% alike)", score * 100.0));
        }
    }
    let mut out = Vec::new();
    for (c, why) in reasons {
        match app.db.customer(ws, c).await {
            Ok(customer) if customer.merged_into.is_none() => out.push(Suggestion { customer, reasons: why }),
            Ok(_) | Err(candor_store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    out.sort_by(|a, b| {
        b.reasons
            .len()
            .cmp(&a.reasons.len())
            .then(a.customer.id.cmp(&b.customer.id))
    });
    out.truncate(20);
    Ok(out)
}

/// What merging `other` into a survivor would move.
#[derive(Clone, Debug, Serialize)]
pub struct MergePreview {
    /// Who stays.
    pub survivor: Customer,
    /// Who is merged away.
    pub other: Customer,
    /// The other's purchases, which move.
    pub purchases: Vec<Purchase>,
    /// The other's timeline (newest first, at most 100), which moves.
    pub events: Vec<Event>,
    /// Counts of everything that moves.
    pub counts: MergeCounts,
    /// Tags the survivor gains.
    pub new_tags: Vec<String>,
}

async fn pair(app: &App, caller: &Caller, survivor: CustomerId, other: CustomerId) -> AppResult<(Customer, Customer)> {
    let ws = caller.workspace();
    let s = app.db.customer(ws, survivor).await?;
    if let Some(m) = s.merged_into {
        return Err(AppError::Merged(m));
    }
    if survivor == other {
        return Err(AppError::invalid("other", "a customer cannot be merged into itself"));
    }
    let o = match app.db.customer(ws, other).await {
        Ok(o) if o.merged_into.is_none() => o,
        Ok(_) => return Err(AppError::invalid("other", "this customer was merged already")),
        Err(candor_store::StoreError::NotFound) => return Err(AppError::invalid("other", "no such customer")),
        Err(e) => return Err(e.into()),
    };
    Ok((s, o))
}

/// What a merge would move, for the confirmation page.
pub async fn preview(app: &App, caller: &Caller, survivor: CustomerId, other: CustomerId) -> AppResult<MergePreview> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let (s, o) = pair(app, caller, survivor, other).await?;
    let purchases = app.db.purchases_of(ws, other).await?;
    let events = app.db.events_for_customer(ws, other, None, 100).await?.items;
    let counts = app.db.customer_holdings(ws, other).await?;
    let new_tags = o.tags.iter().filter(|t| !s.tags.contains(t)).cloned().collect();
    Ok(MergePreview {
        survivor: s,
        other: o,
        purchases,
        events,
        counts,
        new_tags,
    })
}

/// Merges `other` into `survivor`: identities, purchases, notes and timeline
/// move; tags are combined; attributes the survivor lacks are taken over; the
/// other's profile is kept in the merge event; the other id then redirects.
pub async fn merge(app: &App, caller: &Caller, survivor: CustomerId, other: CustomerId) -> AppResult<Customer> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let (s, o) = pair(app, caller, survivor, other).await?;
    let now = app.now();
    let mut tags = s.tags.clone();
    tags.extend(o.tags.iter().filter(|t| !s.tags.contains(t)).cloned());
    let defs = app.db.attribute_definitions(ws).await?;
    let mut attributes = Vec::new();
    let mut combined = o.attributes.clone();
    combined.extend(s.attributes.clone());
    for (k, v) in &combined {
        let def = defs.iter().find(|d| &d.name == k);
        let kind = def.map_or(AttributeKind::Text, |d| d.kind);
        let choices = def.map(|d| d.choices.clone()).unwrap_or_default();
        if let Ok(v) = check_attribute(kind, &choices, v) {
            attributes.push((k.clone(), v));
        }
    }
    let mut tx = app.db.begin().await?;
    let counts = tx.merge_customers(now, ws, survivor, other).await?;
    tx.set_tags(ws, survivor, &tags).await?;
    tx.set_attributes(ws, survivor, &attributes).await?;
    if s.organization_id.is_none() && o.organization_id.is_some() {
        tx.update_profile(
            now,
            ws,
            survivor,
            Profile {
                name: &s.name,
                organization: o.organization_id,
                preferences: &s.preferences,
                consents: &s.consents,
            },
        )
        .await?;
    }
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::CUSTOMER_MERGED,
            subject: Subject::new("customer", survivor.as_uuid()),
            payload: json!({
                "other": other, "other_name": o.name, "moved": counts,
                "other_profile": {"tags": o.tags, "attributes": o.attributes, "organization_id": o.organization_id,
                    "preferences": o.preferences, "consent": o.consents,
                    "identities": o.identities.iter().map(|i| format!("{}:{}", i.kind, i.value)).collect::<Vec<_>>()},
            }),
        },
    )
    .await?;
    if let Some(settings) = app.db.value_settings(ws).await? {
        refresh_customer_in(&mut tx, now, ws, survivor, &settings).await?;
        enqueue_refresh(&mut tx, now, ws).await?;
    }
    tx.commit().await?;
    Ok(app.db.customer(ws, survivor).await?)
}

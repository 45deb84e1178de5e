//! The customer file: one row per customer, keyed by identities.

use super::{Rejected, Report, cell, list, read_table};
use crate::context::App;
use crate::customers::check_consents;
use crate::error::{AppError, AppResult};
use candor_core::customer::{
    AttributeKind, AttributeValue, Consents, Preferences, check_attribute, check_attribute_name, clean_name,
    normalize_tags,
};
use candor_core::events::{Actor, Subject, kind};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::{CustomerId, OrganizationId, WorkspaceId};
use candor_store::Tx;
use candor_store::customers::Profile;
use candor_store::customers::{Customer, NewCustomer};
use candor_store::events::NewEvent;
use serde_json::json;
use std::collections::HashMap;

/// The columns a customer file may have (besides `attr.NAME`).
pub const CUSTOMER_COLUMNS: [&str; 13] = [
    "name",
    "email",
    "phone",
    "chat",
    "social",
    "external_id",
    "organization",
    "tags",
    "language",
    "channel",
    "time_zone",
    "do_not_contact",
    "marketing_consent",
];

#[derive(Clone, Debug)]
struct CustomerRow {
    lines: Vec<u64>,
    name: Option<String>,
    identities: Vec<Identity>,
    tags: Vec<String>,
    attributes: Vec<(String, AttributeValue)>,
    organization: Option<String>,
    preferences: Preferences,
    marketing: Option<bool>,
}

fn parse_customer(
    header: &[String],
    r: &[String],
    defs: &HashMap<String, (AttributeKind, Vec<String>)>,
) -> Result<CustomerRow, String> {
    let name = match cell(header, r, "name") {
        Some(n) => Some(clean_name(n).map_err(|m| format!("name: {m}"))?),
        None => None,
    };
    let mut identities = Vec::new();
    for (col, kind) in [
        ("email", IdentityKind::Email),
        ("phone", IdentityKind::Phone),
        ("chat", IdentityKind::Chat),
        ("social", IdentityKind::Social),
        ("external_id", IdentityKind::External),
    ] {
        for v in list(cell(header, r, col)) {
            let identity = Identity::parse(kind, &v, None).map_err(|e| format!("{col}: {e}"))?;
            if !identities.contains(&identity) {
                identities.push(identity);
            }
        }
    }
    if identities.is_empty() {
        return Err("the row has no email, phone, chat, social or external_id to know the customer by".into());
    }
    let tags = normalize_tags(&list(cell(header, r, "tags"))).map_err(|e| format!("tags: {}", e.message))?;
    let mut attributes = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let Some(attr) = h.strip_prefix("attr.") else { continue };
        let Some(v) = r.get(i).map(|s| s.trim()).filter(|s| !s.is_empty()) else {
            continue;
        };
        let name = check_attribute_name(attr).map_err(|m| format!("{h}: {m}"))?;
        let (kind, choices) = defs.get(&name).cloned().unwrap_or((AttributeKind::Text, Vec::new()));
        let value = check_attribute(kind, &choices, &json!(v)).map_err(|m| format!("{h}: {m}"))?;
        attributes.push((name, value));
    }
    let preferences = Preferences {
        language: cell(header, r, "language").map(str::to_string),
        channel: cell(header, r, "channel").map(str::to_string),
        time_zone: cell(header, r, "time_zone").map(str::to_string),
        quiet_hours: None,
        do_not_contact: list(cell(header, r, "do_not_contact")),
    }
    .checked()
    .map_err(|e| format!("{}: {}", e.field.trim_start_matches("preferences."), e.message))?;
    let marketing = match cell(header, r, "marketing_consent")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => None,
        Some("yes" | "true" | "1") => Some(true),
        Some("no" | "false" | "0") => Some(false),
        Some(other) => return Err(format!("marketing_consent: {other:?} is not yes or no")),
    };
    Ok(CustomerRow {
        lines: Vec::new(),
        name,
        identities,
        tags,
        attributes,
        organization: cell(header, r, "organization").map(str::to_string),
        preferences,
        marketing,
    })
}

fn absorb(into: &mut CustomerRow, row: CustomerRow) {
    into.lines.extend(row.lines);
    if row.name.is_some() {
        into.name = row.name;
    }
    for i in row.identities {
        if !into.identities.contains(&i) {
            into.identities.push(i);
        }
    }
    for t in row.tags {
        if !into.tags.contains(&t) {
            into.tags.push(t);
        }
    }
    for (k, v) in row.attributes {
        into.attributes.retain(|(n, _)| *n != k);
        into.attributes.push((k, v));
    }
    into.organization = row.organization.or(into.organization.take());
    if row.marketing.is_some() {
        into.marketing = row.marketing;
    }
    let p = row.preferences;
    let q = &mut into.preferences;
    q.language = p.language.or(q.language.take());
    q.channel = p.channel.or(q.channel.take());
    q.time_zone = p.time_zone.or(q.time_zone.take());
    if !p.do_not_contact.is_empty() {
        q.do_not_contact = p.do_not_contact;
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Owner {
    Existing(CustomerId),
    Group(usize),
}

/// Imports customers from CSV bytes into `ws`. `progress` is told how many
/// rows are done.
pub async fn customers(
    app: &App,
    ws: WorkspaceId,
    data: &[u8],
    skip_bad: bool,
    progress: &dyn Fn(u64),
) -> AppResult<Report> {
    let table = read_table(data)?;
    if let Some(bad) = table
        .header
        .iter()
        .find(|h| !CUSTOMER_COLUMNS.contains(&h.as_str()) && !h.starts_with("attr."))
    {
        return Err(AppError::invalid(
            "file",
            format!(
                "line 1: unknown column {bad:?}; the columns are {} and attr.NAME",
                CUSTOMER_COLUMNS.join(", ")
            ),
        ));
    }
    let defs: HashMap<String, (AttributeKind, Vec<String>)> = app
        .db
        .attribute_definitions(ws)
        .await?
        .into_iter()
        .map(|d| (d.name, (d.kind, d.choices)))
        .collect();
    let mut report = Report {
        rows: table.rows.len() as u64,
        header: table.header.clone(),
        ..Default::default()
    };
    // Check every row and group rows by the customer their identities name.
    let mut owners: HashMap<Identity, Owner> = HashMap::new();
    let mut groups: Vec<(Option<CustomerId>, CustomerRow)> = Vec::new();
    for (line, record) in &table.rows {
        let reject = |reason: String| Rejected {
            line: *line,
            reason,
            record: record.clone(),
        };
        let mut row = match parse_customer(&table.header, record, &defs) {
            Ok(r) => r,
            Err(reason) => {
                report.rejected.push(reject(reason));
                continue;
            }
        };
        row.lines.push(*line);
        let mut found: Vec<Owner> = Vec::new();
        for identity in &row.identities {
            let owner = match owners.get(identity) {
                Some(o) => Some(*o),
                None => app.db.customer_by_identity(ws, identity).await?.map(|c| {
                    let c = c.merged_into.unwrap_or(c.id);
                    // An existing customer may have been grouped by another identity already.
                    owners
                        .values()
                        .copied()
                        .find(|o| matches!(o, Owner::Group(g) if groups[*g].0 == Some(c)))
                        .unwrap_or(Owner::Existing(c))
                }),
            };
            if let Some(o) = owner
                && !found.contains(&o)
            {
                found.push(o);
            }
        }
        if found.len() > 1 {
            report.rejected.push(reject(
                "its identities belong to different customers (merge them first, or split the row)".into(),
            ));
            continue;
        }
        let group = match found.first() {
            Some(Owner::Group(g)) => {
                let g = *g;
                absorb(&mut groups[g].1, row.clone());
                g
            }
            Some(Owner::Existing(c)) => {
                groups.push((Some(*c), row.clone()));
                groups.len() - 1
            }
            None => {
                groups.push((None, row.clone()));
                groups.len() - 1
            }
        };
        for identity in &groups[group].1.identities {
            owners.insert(identity.clone(), Owner::Group(group));
        }
    }
    if !report.rejected.is_empty() && !skip_bad {
        return Ok(report);
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let mut done = 0u64;
    for (existing, row) in &groups {
        let outcome = match existing {
            Some(id) => update_customer(&mut tx, app, ws, *id, row).await?,
            None => {
                create_customer(&mut tx, app, ws, row).await?;
                Outcome::Created
            }
        };
        match outcome {
            Outcome::Created => report.created += 1,
            Outcome::Updated => report.updated += 1,
            Outcome::Unchanged => report.unchanged += 1,
        }
        done += row.lines.len() as u64;
        progress(done);
    }
    tx.commit().await?;
    let _ = now;
    report.imported = true;
    Ok(report)
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
}

async fn organization(tx: &mut Tx, app: &App, ws: WorkspaceId, name: &str) -> AppResult<OrganizationId> {
    if let Some(o) = tx.organization_by_name(ws, name).await? {
        return Ok(o.id);
    }
    let now = app.now();
    let org = tx.create_organization(now, ws, name, None).await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::ORGANIZATION_CREATED,
            subject: Subject::new("organization", org.id.as_uuid()),
            payload: json!({"name": org.name, "source": "import"}),
        },
    )
    .await?;
    Ok(org.id)
}

fn consents_of(app: &App, row: &CustomerRow, current: &Consents) -> AppResult<Consents> {
    let mut consents = current.clone();
    if let Some(given) = row.marketing
        && consents.get("marketing").map(|c| c.given) != Some(given)
    {
        let raw = json!({"marketing": {"given": given, "how": "import"}});
        let map = raw.as_object().cloned().unwrap_or_default();
        consents.extend(check_consents(app.now(), &map)?);
    }
    Ok(consents)
}

async fn create_customer(tx: &mut Tx, app: &App, ws: WorkspaceId, row: &CustomerRow) -> AppResult<CustomerId> {
    let now = app.now();
    let organization_id = match &row.organization {
        Some(name) => Some(organization(tx, app, ws, name).await?),
        None => None,
    };
    let new = NewCustomer {
        name: row.name.clone().unwrap_or_default(),
        organization_id,
        identities: row.identities.iter().map(|i| (i.clone(), false)).collect(),
        tags: row.tags.clone(),
        attributes: row.attributes.clone(),
        preferences: row.preferences.clone(),
        consents: consents_of(app, row, &Consents::new())?,
    };
    let id = tx.create_customer(now, ws, &new).await?;
    let identities: Vec<String> = row.identities.iter().map(|i| i.to_string()).collect();
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::CUSTOMER_CREATED,
            subject: Subject::new("customer", id.as_uuid()),
            payload: json!({"name": new.name, "identities": identities, "tags": new.tags, "source": "import", "lines": row.lines}),
        },
    )
    .await?;
    Ok(id)
}

async fn update_customer(
    tx: &mut Tx,
    app: &App,
    ws: WorkspaceId,
    id: CustomerId,
    row: &CustomerRow,
) -> AppResult<Outcome> {
    let now = app.now();
    let c: Customer = app.db.customer(ws, id).await?;
    let mut changed: Vec<&str> = Vec::new();
    for identity in &row.identities {
        if !c
            .identities
            .iter()
            .any(|i| i.kind == identity.kind() && i.value == identity.value())
        {
            tx.add_identity(now, ws, id, identity, false).await?;
            changed.push("identities");
        }
    }
    let mut tags = c.tags.clone();
    tags.extend(row.tags.iter().filter(|t| !c.tags.contains(t)).cloned());
    if tags != c.tags {
        tx.set_tags(ws, id, &tags).await?;
        changed.push("tags");
    }
    let differs = row.attributes.iter().any(|(k, v)| c.attributes.get(k) != Some(&v.json));
    if differs {
        let defs = app.db.attribute_definitions(ws).await?;
        let mut attrs: Vec<(String, AttributeValue)> = Vec::new();
        for (k, v) in &c.attributes {
            if row.attributes.iter().any(|(n, _)| n == k) {
                continue;
            }
            let def = defs.iter().find(|d| &d.name == k);
            let kind = def.map_or(AttributeKind::Text, |d| d.kind);
            if let Ok(v) = check_attribute(kind, &def.map(|d| d.choices.clone()).unwrap_or_default(), v) {
                attrs.push((k.clone(), v));
            }
        }
        attrs.extend(row.attributes.iter().cloned());
        tx.set_attributes(ws, id, &attrs).await?;
        changed.push("attributes");
    }
    let name = row.name.clone().unwrap_or_else(|| c.name.clone());
    let organization = match &row.organization {
        Some(o) => Some(organization(tx, app, ws, o).await?),
        None => c.organization_id,
    };
    let mut prefs = c.preferences.clone();
    let p = &row.preferences;
    prefs.language = p.language.clone().or(prefs.language);
    prefs.channel = p.channel.clone().or(prefs.channel);
    prefs.time_zone = p.time_zone.clone().or(prefs.time_zone);
    if !p.do_not_contact.is_empty() {
        prefs.do_not_contact = p.do_not_contact.clone();
    }
    let consents = consents_of(app, row, &c.consents)?;
    if name != c.name || organization != c.organization_id || prefs != c.preferences || consents != c.consents {
        tx.update_profile(
            now,
            ws,
            id,
            Profile {
                name: &name,
                organization,
                preferences: &prefs,
                consents: &consents,
            },
        )
        .await?;
        changed.push("profile");
    }
    if changed.is_empty() {
        return Ok(Outcome::Unchanged);
    }
    tx.refresh_search_text(ws, id).await?;
    changed.dedup();
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::CUSTOMER_UPDATED,
            subject: Subject::new("customer", id.as_uuid()),
            payload: json!({"changed": changed, "source": "import", "lines": row.lines}),
        },
    )
    .await?;
    Ok(Outcome::Updated)
}

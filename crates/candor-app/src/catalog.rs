//! Organizations and custom attribute definitions.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::customer::{AttributeKind, check_attribute_name, clean_name};
use candor_core::events::{Subject, kind};
use candor_core::staff::Scope;
use candor_store::catalog::{AttributeDefinition, Organization};
use candor_store::events::NewEvent;
use serde::Deserialize;
use serde_json::json;

/// A new organization as sent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// Its name.
    pub name: String,
    /// Its domain, e.g. "acme.example".
    #[serde(default)]
    pub domain: Option<String>,
}

/// Creates an organization.
pub async fn create_organization(app: &App, caller: &Caller, input: &CreateOrganization) -> AppResult<Organization> {
    caller.require(Scope::Write)?;
    let name = clean_name(&input.name).map_err(|m| AppError::invalid("name", m))?;
    if name.is_empty() {
        return Err(AppError::invalid("name", "the name is empty"));
    }
    let domain = match &input.domain {
        Some(d) if !d.trim().is_empty() => {
            let d = d.trim().to_ascii_lowercase();
            let ok = d.contains('.')
                && d.len() <= 253
                && d.split('.')
                    .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
            if !ok {
                return Err(AppError::invalid("domain", "write a domain such as acme.example"));
            }
            Some(d)
        }
        _ => None,
    };
    let ws = caller.workspace();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let org = tx.create_organization(now, ws, &name, domain.as_deref()).await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::ORGANIZATION_CREATED,
            subject: Subject::new("organization", org.id.as_uuid()),
            payload: json!({"name": org.name, "domain": org.domain}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(org)
}

/// Every organization.
pub async fn organizations(app: &App, caller: &Caller) -> AppResult<Vec<Organization>> {
    caller.require(Scope::Read)?;
    Ok(app.db.organizations(caller.workspace()).await?)
}

/// A new attribute definition as sent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefineAttribute {
    /// Its name in queries (`plan`).
    pub name: String,
    /// Its label for people.
    #[serde(default)]
    pub label: Option<String>,
    /// text, number, date, boolean or choice.
    #[serde(rename = "type")]
    pub kind: String,
    /// For choice, the allowed words.
    #[serde(default)]
    pub choices: Vec<String>,
}

/// Defines a custom attribute.
pub async fn define_attribute(app: &App, caller: &Caller, input: &DefineAttribute) -> AppResult<AttributeDefinition> {
    caller.require(Scope::Write)?;
    let name = check_attribute_name(&input.name).map_err(|m| AppError::invalid("name", m))?;
    let kind: AttributeKind = input.kind.parse().map_err(|m: String| AppError::invalid("type", m))?;
    let label = input
        .label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or(&name)
        .to_string();
    if label.chars().count() > 100 {
        return Err(AppError::invalid("label", "at most 100 characters"));
    }
    let mut choices: Vec<String> = Vec::new();
    for (i, c) in input.choices.iter().enumerate() {
        let c = c.trim().to_string();
        if c.is_empty() || c.chars().count() > 100 {
            return Err(AppError::invalid(
                &format!("choices[{i}]"),
                "a choice has 1 to 100 characters",
            ));
        }
        if !choices.iter().any(|x| x.eq_ignore_ascii_case(&c)) {
            choices.push(c);
        }
    }
    match (kind, choices.is_empty()) {
        (AttributeKind::Choice, true) => return Err(AppError::invalid("choices", "a choice attribute needs choices")),
        (AttributeKind::Choice, false) | (_, true) => {}
        (_, false) => return Err(AppError::invalid("choices", "only choice attributes take choices")),
    }
    let ws = caller.workspace();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let def = tx.define_attribute(now, ws, &name, &label, kind, &choices).await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::ATTRIBUTE_DEFINED,
            subject: Subject::new("attribute", def.id.as_uuid()),
            payload: json!({"name": def.name, "type": def.kind, "choices": def.choices}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(def)
}

/// Every attribute definition.
pub async fn attributes(app: &App, caller: &Caller) -> AppResult<Vec<AttributeDefinition>> {
    caller.require(Scope::Read)?;
    Ok(app.db.attribute_definitions(caller.workspace()).await?)
}

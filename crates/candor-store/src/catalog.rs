//! Organizations (companies that group customers) and the definitions of
//! custom attributes.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::customer::{AttributeKind, name_key};
use candor_core::{AttributeId, OrganizationId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A company that groups customers.
#[derive(Clone, Debug, Serialize)]
pub struct Organization {
    /// Its id.
    pub id: OrganizationId,
    /// Its name.
    pub name: String,
    /// Its web or email domain, if known.
    pub domain: Option<String>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A custom attribute's definition.
#[derive(Clone, Debug, Serialize)]
pub struct AttributeDefinition {
    /// Its id.
    pub id: AttributeId,
    /// Its name in queries and the API (`plan`).
    pub name: String,
    /// Its label for people (`Plan`).
    pub label: String,
    /// Its type.
    pub kind: AttributeKind,
    /// For choices, the allowed words.
    pub choices: Vec<String>,
    /// When it was defined.
    pub created_at: Timestamp,
}

type OrgRow = (Uuid, String, Option<String>, i64);

fn org(r: OrgRow) -> Organization {
    Organization {
        id: OrganizationId::from_uuid(r.0),
        name: r.1,
        domain: r.2,
        created_at: from_micros(r.3),
    }
}

type AttrRow = (Uuid, String, String, String, String, i64);

fn attr(r: AttrRow) -> Result<AttributeDefinition> {
    Ok(AttributeDefinition {
        id: AttributeId::from_uuid(r.0),
        name: r.1,
        label: r.2,
        kind: r.3.parse().map_err(StoreError::Corrupt)?,
        choices: serde_json::from_str(&r.4).map_err(|e| StoreError::Corrupt(format!("attribute choices: {e}")))?,
        created_at: from_micros(r.5),
    })
}

impl Tx {
    /// Creates an organization; a conflict on `name` if one has that name.
    pub async fn create_organization(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        name: &str,
        domain: Option<&str>,
    ) -> Result<Organization> {
        let id = OrganizationId::new_at(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO organizations (id, workspace_id, name, name_key, domain, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(name).bind(name_key(name)).bind(domain).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "name", "an organization with this name exists"))?;
        Ok(Organization {
            id,
            name: name.to_string(),
            domain: domain.map(str::to_string),
            created_at: now,
        })
    }

    /// The organization with this name (case-insensitive), if any.
    pub async fn organization_by_name(&mut self, ws: WorkspaceId, name: &str) -> Result<Option<Organization>> {
        let row: Option<OrgRow> = on_tx!(self, x => sqlx::query_as(
            "SELECT id, name, domain, created_at FROM organizations WHERE workspace_id = $1 AND name_key = $2")
            .bind(ws.as_uuid()).bind(name_key(name)).fetch_optional(&mut **x).await)?;
        Ok(row.map(org))
    }

    /// Whether the organization exists in the workspace.
    pub async fn organization_exists(&mut self, ws: WorkspaceId, id: OrganizationId) -> Result<bool> {
        let row: Option<(Uuid,)> = on_tx!(self, x => sqlx::query_as(
            "SELECT id FROM organizations WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        Ok(row.is_some())
    }

    /// Defines a custom attribute; a conflict on `name` if it exists.
    pub async fn define_attribute(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        name: &str,
        label: &str,
        kind: AttributeKind,
        choices: &[String],
    ) -> Result<AttributeDefinition> {
        let id = AttributeId::new_at(now);
        let choices_json = serde_json::to_string(choices).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_tx!(self, x => sqlx::query(
            "INSERT INTO attribute_definitions (id, workspace_id, name, label, kind, choices, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(name).bind(label).bind(kind.as_str()).bind(choices_json)
            .bind(to_micros(now)).execute(&mut **x).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "name", "an attribute with this name is defined"))?;
        Ok(AttributeDefinition {
            id,
            name: name.to_string(),
            label: label.to_string(),
            kind,
            choices: choices.to_vec(),
            created_at: now,
        })
    }
}

impl Db {
    /// Every organization of the workspace, by name.
    pub async fn organizations(&self, ws: WorkspaceId) -> Result<Vec<Organization>> {
        let rows: Vec<OrgRow> = read!(self, p => sqlx::query_as(
            "SELECT id, name, domain, created_at FROM organizations WHERE workspace_id = $1 ORDER BY name_key")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        Ok(rows.into_iter().map(org).collect())
    }

    /// One organization.
    pub async fn organization(&self, ws: WorkspaceId, id: OrganizationId) -> Result<Organization> {
        let row: Option<OrgRow> = read!(self, p => sqlx::query_as(
            "SELECT id, name, domain, created_at FROM organizations WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(org).ok_or(StoreError::NotFound)
    }

    /// Every attribute definition of the workspace, by name.
    pub async fn attribute_definitions(&self, ws: WorkspaceId) -> Result<Vec<AttributeDefinition>> {
        let rows: Vec<AttrRow> = read!(self, p => sqlx::query_as(
            "SELECT id, name, label, kind, choices, created_at FROM attribute_definitions WHERE workspace_id = $1 ORDER BY name")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(attr).collect()
    }
}

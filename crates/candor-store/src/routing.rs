//! Routing's stored settings: teams and their members, agents' languages and
//! status, and the ordered routing rules.

use crate::conversations::corrupt;
use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql};
use candor_core::clock::{from_micros, to_micros};
use candor_core::conversation::{AgentStatus, AssignMode, Channel};
use candor_core::value::Tier;
use candor_core::{OrganizationId, RuleId, TeamId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// A team with its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TeamRecord {
    /// Its id.
    pub id: TeamId,
    /// Its name.
    pub name: String,
    /// How it assigns.
    pub mode: AssignMode,
    /// The member assigned last (round-robin).
    pub cursor: Option<UserId>,
    /// Members' ids.
    pub members: Vec<UserId>,
    /// When it was made.
    pub created_at: Timestamp,
}

/// An agent's routing settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentRecord {
    /// The staff member.
    pub user_id: UserId,
    /// Languages they speak.
    pub languages: Vec<String>,
    /// Available or away.
    pub status: AgentStatus,
}

/// A stored routing rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleRecord {
    /// Its id.
    pub id: RuleId,
    /// Order: lowest first.
    pub position: i64,
    /// Channel condition.
    pub channel: Option<Channel>,
    /// Language condition.
    pub language: Option<String>,
    /// Tag condition.
    pub tag: Option<String>,
    /// Tier condition.
    pub tier: Option<Tier>,
    /// Organization condition.
    pub organization_id: Option<OrganizationId>,
    /// The team it routes to.
    pub team_id: TeamId,
}

type RuleRow = (
    Uuid,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Uuid>,
    Uuid,
);

fn rule(r: RuleRow) -> Result<RuleRecord> {
    Ok(RuleRecord {
        id: RuleId::from_uuid(r.0),
        position: r.1,
        channel: r
            .2
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| corrupt("rule channel", e))?,
        language: r.3,
        tag: r.4,
        tier: r.5.as_deref().map(crate::customers::parse_tier).transpose()?,
        organization_id: r.6.map(OrganizationId::from_uuid),
        team_id: TeamId::from_uuid(r.7),
    })
}

fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Tx {
    /// Creates a team; a name taken in the workspace is a conflict on `name`.
    pub async fn create_team(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        name: &str,
        mode: AssignMode,
    ) -> Result<TeamId> {
        let id = TeamId::new_at(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO teams (id, workspace_id, name, name_key, assign_mode, rr_cursor, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(name).bind(name_key(name)).bind(mode.as_str())
            .bind(to_micros(now)).execute(&mut **x).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "name", "a team with this name exists"))?;
        Ok(id)
    }

    /// Renames a team or changes its mode.
    pub async fn update_team(&mut self, ws: WorkspaceId, id: TeamId, name: &str, mode: AssignMode) -> Result<()> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE teams SET name = $1, name_key = $2, assign_mode = $3 WHERE workspace_id = $4 AND id = $5")
            .bind(name).bind(name_key(name)).bind(mode.as_str()).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "name", "a team with this name exists"))?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Replaces a team's members.
    pub async fn set_team_members(&mut self, ws: WorkspaceId, team: TeamId, users: &[UserId]) -> Result<()> {
        let (w, t) = (ws.as_uuid(), team.as_uuid());
        on_tx!(self, x => sqlx::query("DELETE FROM team_members WHERE workspace_id = $1 AND team_id = $2")
            .bind(w).bind(t).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        for u in users {
            on_tx!(self, x => sqlx::query(
                "INSERT INTO team_members (workspace_id, team_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(w).bind(t).bind(u.as_uuid()).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Moves a team's round-robin cursor to `user`.
    pub async fn set_team_cursor(&mut self, ws: WorkspaceId, team: TeamId, user: UserId) -> Result<()> {
        let mut sql = Sql::new("UPDATE teams SET rr_cursor = ");
        sql.bind(Arg::Uuid(user.as_uuid()))
            .push(" WHERE workspace_id = ")
            .bind(Arg::Uuid(ws.as_uuid()))
            .push(" AND id = ")
            .bind(Arg::Uuid(team.as_uuid()));
        // A team that is gone has no cursor to move: nothing to wait for.
        self.defer(sql).await
    }

    /// Whether a team exists in the workspace.
    pub async fn team_exists(&mut self, ws: WorkspaceId, team: TeamId) -> Result<bool> {
        let row: Option<(Uuid,)> = on_tx!(self, x => sqlx::query_as("SELECT id FROM teams WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(team.as_uuid()).fetch_optional(&mut **x).await)?;
        Ok(row.is_some())
    }

    /// Sets an agent's languages and status.
    pub async fn save_agent(&mut self, now: Timestamp, ws: WorkspaceId, a: &AgentRecord) -> Result<()> {
        let langs = serde_json::to_string(&a.languages).map_err(|e| corrupt("languages", e))?;
        on_tx!(self, x => sqlx::query(
            "INSERT INTO agents (workspace_id, user_id, languages, status, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (workspace_id, user_id) DO UPDATE SET languages = excluded.languages, \
             status = excluded.status, updated_at = excluded.updated_at")
            .bind(ws.as_uuid()).bind(a.user_id.as_uuid()).bind(langs).bind(a.status.as_str()).bind(to_micros(now))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Replaces the workspace's routing rules (positions as given).
    pub async fn replace_rules(&mut self, now: Timestamp, ws: WorkspaceId, rules: &[RuleRecord]) -> Result<()> {
        on_tx!(self, x => sqlx::query("DELETE FROM routing_rules WHERE workspace_id = $1")
            .bind(ws.as_uuid()).execute(&mut **x).await.map(|r| r.rows_affected()))?;
        for r in rules {
            on_tx!(self, x => sqlx::query(
                "INSERT INTO routing_rules (id, workspace_id, position, channel, language, tag, tier, organization_id, \
                 team_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(r.id.as_uuid()).bind(ws.as_uuid()).bind(r.position).bind(r.channel.map(|c| c.as_str()))
                .bind(&r.language).bind(&r.tag).bind(r.tier.map(|t| t.as_str()))
                .bind(r.organization_id.map(|o| o.as_uuid())).bind(r.team_id.as_uuid()).bind(to_micros(now))
                .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }
}

impl Db {
    /// Every team of the workspace with its members, by name.
    pub async fn teams(&self, ws: WorkspaceId) -> Result<Vec<TeamRecord>> {
        let rows: Vec<TeamRow> = read!(self, p => sqlx::query_as(TEAMS_SQL).bind(ws.as_uuid()).fetch_all(p).await)?;
        let members: Vec<(Uuid, Uuid)> =
            read!(self, p => sqlx::query_as(MEMBERS_SQL).bind(ws.as_uuid()).fetch_all(p).await)?;
        teams_of(rows, members)
    }

    /// One team.
    pub async fn team(&self, ws: WorkspaceId, id: TeamId) -> Result<TeamRecord> {
        self.teams(ws)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// The teams `user` belongs to.
    pub async fn teams_of(&self, ws: WorkspaceId, user: UserId) -> Result<Vec<TeamId>> {
        let rows: Vec<(Uuid,)> = read!(self, p => sqlx::query_as(
            "SELECT team_id FROM team_members WHERE workspace_id = $1 AND user_id = $2")
            .bind(ws.as_uuid()).bind(user.as_uuid()).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(t,)| TeamId::from_uuid(t)).collect())
    }

    /// Agents' routing settings (staff without a row speak nothing yet and are available).
    pub async fn agents(&self, ws: WorkspaceId) -> Result<Vec<AgentRecord>> {
        let rows: Vec<(Uuid, String, String)> =
            read!(self, p => sqlx::query_as(AGENTS_SQL).bind(ws.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(agent).collect()
    }

    /// The routing rules, in order.
    pub async fn rules(&self, ws: WorkspaceId) -> Result<Vec<RuleRecord>> {
        let rows: Vec<RuleRow> = read!(self, p => sqlx::query_as(RULES_SQL).bind(ws.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(rule).collect()
    }
}

const TEAMS_SQL: &str =
    "SELECT id, name, assign_mode, rr_cursor, created_at FROM teams WHERE workspace_id = $1 ORDER BY name_key";
const MEMBERS_SQL: &str = "SELECT team_id, user_id FROM team_members WHERE workspace_id = $1 ORDER BY user_id";
const AGENTS_SQL: &str = "SELECT user_id, languages, status FROM agents WHERE workspace_id = $1";
const RULES_SQL: &str = "SELECT id, position, channel, language, tag, tier, organization_id, team_id FROM routing_rules \
     WHERE workspace_id = $1 ORDER BY position, id";

type TeamRow = (Uuid, String, String, Option<Uuid>, i64);

fn teams_of(rows: Vec<TeamRow>, members: Vec<(Uuid, Uuid)>) -> Result<Vec<TeamRecord>> {
    let mut by_team: HashMap<Uuid, Vec<UserId>> = HashMap::new();
    for (t, u) in members {
        by_team.entry(t).or_default().push(UserId::from_uuid(u));
    }
    rows.into_iter()
        .map(|(id, name, mode, cursor, at)| {
            Ok(TeamRecord {
                id: TeamId::from_uuid(id),
                name,
                mode: mode.parse().map_err(|e| corrupt("team mode", e))?,
                cursor: cursor.map(UserId::from_uuid),
                members: by_team.remove(&id).unwrap_or_default(),
                created_at: from_micros(at),
            })
        })
        .collect()
}

fn agent((u, l, s): (Uuid, String, String)) -> Result<AgentRecord> {
    Ok(AgentRecord {
        user_id: UserId::from_uuid(u),
        languages: serde_json::from_str(&l).map_err(|e| corrupt("agent languages", e))?,
        status: s.parse().map_err(|e| corrupt("agent status", e))?,
    })
}

/// Everything routing decides a team on, as one transaction sees it (the
/// teams without their members: only the chosen team's are read, with
/// [`Tx::team_members_for_routing`]).
#[derive(Clone, Debug, Default)]
pub struct RoutingInputs {
    /// The rules, in order.
    pub rules: Vec<RuleRecord>,
    /// The teams, with no members filled in.
    pub teams: Vec<TeamRecord>,
}

/// A team member as routing sees them.
#[derive(Clone, Debug)]
pub struct RoutingMember {
    /// The agent.
    pub user_id: UserId,
    /// Languages they speak (empty when they have no agent settings yet).
    pub languages: Vec<String>,
    /// Available, unless their agent settings say away.
    pub status: AgentStatus,
    /// Whether their account is active.
    pub active: bool,
}

impl Tx {
    /// What routing decides a team on, read inside this transaction: a
    /// request that holds a transaction never waits for a second pooled
    /// connection (on PostgreSQL, as many such requests as the pool has
    /// connections would otherwise wait for each other until the acquire
    /// timeout). Without rules, nothing else is read.
    pub async fn routing_inputs(&mut self, ws: WorkspaceId) -> Result<RoutingInputs> {
        let w = ws.as_uuid();
        let rules: Vec<RuleRow> = on_tx!(self, x => sqlx::query_as(RULES_SQL).bind(w).fetch_all(&mut **x).await)?;
        let rules: Vec<RuleRecord> = rules.into_iter().map(rule).collect::<Result<_>>()?;
        if rules.is_empty() {
            return Ok(RoutingInputs::default());
        }
        let rows: Vec<TeamRow> = on_tx!(self, x => sqlx::query_as(TEAMS_SQL).bind(w).fetch_all(&mut **x).await)?;
        let teams = teams_of(rows, Vec::new())?;
        Ok(RoutingInputs { rules, teams })
    }

    /// The members of one team with their languages, status and whether
    /// their account is active, in one read.
    pub async fn team_members_for_routing(&mut self, ws: WorkspaceId, team: TeamId) -> Result<Vec<RoutingMember>> {
        let rows: Vec<(Uuid, Option<String>, Option<String>, bool)> = on_tx!(self, x => sqlx::query_as(
            "SELECT m.user_id, a.languages, a.status, u.active FROM team_members m \
             JOIN users u ON u.id = m.user_id AND u.workspace_id = m.workspace_id \
             LEFT JOIN agents a ON a.user_id = m.user_id AND a.workspace_id = m.workspace_id \
             WHERE m.workspace_id = $1 AND m.team_id = $2 ORDER BY m.user_id")
            .bind(ws.as_uuid()).bind(team.as_uuid()).fetch_all(&mut **x).await)?;
        rows.into_iter()
            .map(|(u, languages, status, active)| {
                Ok(RoutingMember {
                    user_id: UserId::from_uuid(u),
                    languages: match languages {
                        Some(l) => serde_json::from_str(&l).map_err(|e| corrupt("agent languages", e))?,
                        None => Vec::new(),
                    },
                    status: match status {
                        Some(s) => s.parse().map_err(|e| corrupt("agent status", e))?,
                        None => AgentStatus::Available,
                    },
                    active,
                })
            })
            .collect()
    }
}

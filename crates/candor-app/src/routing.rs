//! Routing in practice: loading the rules, teams and agents, asking the pure
//! decision in `candor_core::routing`, and writing the outcome with its
//! event; and managing teams, rules and agents' languages and status.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::conversation::{AgentStatus, AssignMode, Channel};
use candor_core::events::{Actor, Subject, kind};
use candor_core::routing::{self, Decision, Facts, Member, Rule, Team};
use candor_core::staff::Scope;
use candor_core::{OrganizationId, RuleId, TeamId, UserId, WorkspaceId};
use candor_store::Tx;
use candor_store::conversations::Conversation;
use candor_store::events::NewEvent;
use candor_store::routing::{AgentRecord, RuleRecord, TeamRecord};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// Decides where `c` goes and writes it (team, assignee, the team's
/// round-robin cursor, and a `conversation.assigned` event) inside `tx`.
pub async fn route_in(tx: &mut Tx, app: &App, c: &mut Conversation, facts: &Facts) -> AppResult<Decision> {
    let ws = c.workspace_id;
    // Read through the transaction: a request holding one must never wait
    // for a second pooled connection.
    let inputs = tx.routing_inputs(ws).await?;
    let rules: Vec<Rule> = inputs.rules.into_iter().map(core_rule).collect();
    if rules.is_empty() {
        return Ok(Decision::default());
    }
    // The team follows from the rules alone; then only that team's members
    // are read, and loads only for a least-loaded team's candidates.
    let mut teams: Vec<Team> = inputs
        .teams
        .iter()
        .map(|t| Team {
            id: t.id,
            mode: t.mode,
            cursor: t.cursor,
            members: Vec::new(),
        })
        .collect();
    let mut decision = routing::route(facts, &rules, &teams);
    let Some(chosen) = decision.team else {
        return Ok(decision);
    };
    if let Some(team) = teams.iter_mut().find(|t| t.id == chosen) {
        team.members = tx
            .team_members_for_routing(ws, chosen)
            .await?
            .into_iter()
            .filter(|m| m.active)
            .map(|m| Member {
                user: m.user_id,
                languages: m.languages,
                available: m.status == AgentStatus::Available,
                load: 0,
            })
            .collect();
        let language = facts.language.as_deref();
        if team.mode == AssignMode::LeastLoaded {
            let candidates: Vec<UserId> = team
                .members
                .iter()
                .filter(|m| m.available && m.speaks(language))
                .map(|m| m.user)
                .collect();
            if !candidates.is_empty() {
                let loads: HashMap<UserId, i64> = tx.open_loads(ws, &candidates).await?.into_iter().collect();
                for m in &mut team.members {
                    m.load = loads.get(&m.user).copied().unwrap_or(0).clamp(0, u32::MAX as i64) as u32;
                }
            }
        }
        decision.assignee = routing::assign(team, language);
    }
    c.team_id = decision.team;
    c.assignee_id = decision.assignee;
    tx.append_customer_event(
        app.now(),
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::CONVERSATION_ASSIGNED,
            subject: Subject::new("conversation", c.id.as_uuid()),
            payload: json!({"team_id": decision.team, "assignee_id": decision.assignee,
                "rule_id": decision.rule, "by": "routing"}),
        },
        Some(c.customer_id),
    )
    .await?;
    // The cursor is a row every routing to the team writes: written last,
    // so that PostgreSQL holds its lock for as short a time as it can.
    if let (Some(team), Some(user)) = (decision.team, decision.assignee) {
        tx.set_team_cursor(ws, team, user).await?;
    }
    Ok(decision)
}

fn core_rule(r: RuleRecord) -> Rule {
    Rule {
        id: r.id,
        position: r.position,
        channel: r.channel,
        language: r.language,
        tag: r.tag,
        tier: r.tier,
        organization: r.organization_id,
        team: r.team_id,
    }
}

/// A team as sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// "round-robin" or "least-loaded".
    #[serde(default)]
    pub assign_mode: Option<String>,
    /// Members' user ids (replaces the list).
    #[serde(default)]
    pub members: Option<Vec<String>>,
}

fn check_team_name(raw: &str) -> AppResult<String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid("name", "a team's name has 1 to 80 characters"));
    }
    Ok(name)
}

async fn check_members(app: &App, ws: WorkspaceId, raw: &[String]) -> AppResult<Vec<UserId>> {
    let staff: Vec<UserId> = app.db.users(ws).await?.into_iter().map(|u| u.id).collect();
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let id: UserId = r
            .parse()
            .map_err(|_| AppError::invalid(&format!("members[{i}]"), "not a staff id"))?;
        if !staff.contains(&id) {
            return Err(AppError::invalid(&format!("members[{i}]"), "no such staff member"));
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

fn mode(raw: Option<&str>, current: AssignMode) -> AppResult<AssignMode> {
    match raw {
        None => Ok(current),
        Some(m) => m
            .parse()
            .map_err(|e: candor_core::conversation::UnknownWord| AppError::invalid("assign_mode", e.to_string())),
    }
}

async fn team_event(tx: &mut Tx, app: &App, caller: &Caller, id: TeamId, payload: serde_json::Value) -> AppResult<()> {
    tx.append_event(
        app.now(),
        NewEvent {
            workspace_id: caller.workspace(),
            actor: caller.actor(),
            kind: kind::TEAM_SAVED,
            subject: Subject::new("team", id.as_uuid()),
            payload,
        },
    )
    .await?;
    Ok(())
}

/// Creates a team (admins).
pub async fn create_team(app: &App, caller: &Caller, input: &TeamInput) -> AppResult<TeamRecord> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let name = check_team_name(input.name.as_deref().unwrap_or(""))?;
    let mode = mode(input.assign_mode.as_deref(), AssignMode::RoundRobin)?;
    let members = check_members(app, ws, input.members.as_deref().unwrap_or(&[])).await?;
    let mut tx = app.db.begin().await?;
    let id = tx.create_team(app.now(), ws, &name, mode).await?;
    tx.set_team_members(ws, id, &members).await?;
    team_event(
        &mut tx,
        app,
        caller,
        id,
        json!({"name": name, "assign_mode": mode, "members": members}),
    )
    .await?;
    tx.commit().await?;
    Ok(app.db.team(ws, id).await?)
}

/// Changes a team's name, mode or members (admins).
pub async fn update_team(app: &App, caller: &Caller, id: TeamId, input: &TeamInput) -> AppResult<TeamRecord> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let current = app.db.team(ws, id).await?;
    let name = match &input.name {
        Some(n) => check_team_name(n)?,
        None => current.name.clone(),
    };
    let mode = mode(input.assign_mode.as_deref(), current.mode)?;
    let members = match &input.members {
        Some(m) => Some(check_members(app, ws, m).await?),
        None => None,
    };
    let mut tx = app.db.begin().await?;
    tx.update_team(ws, id, &name, mode).await?;
    if let Some(m) = &members {
        tx.set_team_members(ws, id, m).await?;
    }
    team_event(
        &mut tx,
        app,
        caller,
        id,
        json!({"name": name, "assign_mode": mode, "members": members}),
    )
    .await?;
    tx.commit().await?;
    Ok(app.db.team(ws, id).await?)
}

/// The workspace's teams.
pub async fn teams(app: &App, caller: &Caller) -> AppResult<Vec<TeamRecord>> {
    caller.require(Scope::Read)?;
    Ok(app.db.teams(caller.workspace()).await?)
}

/// A routing rule as sent: conditions (absent matches anything) and a team.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// Channel condition.
    #[serde(default)]
    pub channel: Option<String>,
    /// Language condition (ISO 639-1).
    #[serde(default)]
    pub language: Option<String>,
    /// Tag condition.
    #[serde(default)]
    pub tag: Option<String>,
    /// Tier condition: "A", "B" or "C".
    #[serde(default)]
    pub tier: Option<String>,
    /// Organization condition.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// The team matching conversations go to.
    #[serde(default)]
    pub team_id: String,
}

/// Checks a language code: two or three lowercase letters.
pub fn check_language(field: &str, raw: &str) -> AppResult<String> {
    let l = raw.trim().to_ascii_lowercase();
    if (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(l)
    } else {
        Err(AppError::invalid(
            field,
            "a language is an ISO 639-1 code such as en or de",
        ))
    }
}

async fn check_rule(
    app: &App,
    ws: WorkspaceId,
    i: usize,
    r: &RuleInput,
    teams: &[TeamRecord],
) -> AppResult<RuleRecord> {
    let f = |name: &str| format!("rules[{i}].{name}");
    let channel = r
        .channel
        .as_deref()
        .map(|c| {
            c.parse::<Channel>()
                .map_err(|e| AppError::invalid(&f("channel"), e.to_string()))
        })
        .transpose()?;
    let language = r
        .language
        .as_deref()
        .map(|l| check_language(&f("language"), l))
        .transpose()?;
    let tag = r
        .tag
        .as_deref()
        .map(|t| candor_core::customer::normalize_tag(t).map_err(|m| AppError::invalid(&f("tag"), m)))
        .transpose()?;
    let tier = match r.tier.as_deref().map(str::trim) {
        None => None,
        Some("A") | Some("a") => Some(candor_core::value::Tier::A),
        Some("B") | Some("b") => Some(candor_core::value::Tier::B),
        Some("C") | Some("c") => Some(candor_core::value::Tier::C),
        Some(_) => return Err(AppError::invalid(&f("tier"), "a tier is A, B or C")),
    };
    let organization_id = match r.organization_id.as_deref() {
        None => None,
        Some(o) => {
            let id: OrganizationId = o
                .parse()
                .map_err(|_| AppError::invalid(&f("organization_id"), "not an organization id"))?;
            app.db
                .organization(ws, id)
                .await
                .map_err(|_| AppError::invalid(&f("organization_id"), "no such organization"))?;
            Some(id)
        }
    };
    let team_id: TeamId = r
        .team_id
        .parse()
        .map_err(|_| AppError::invalid(&f("team_id"), "not a team id"))?;
    if !teams.iter().any(|t| t.id == team_id) {
        return Err(AppError::invalid(&f("team_id"), "no such team"));
    }
    Ok(RuleRecord {
        id: RuleId::new_at(app.now()),
        position: i as i64 + 1,
        channel,
        language,
        tag,
        tier,
        organization_id,
        team_id,
    })
}

/// Replaces the routing rules with `rules`, in this order (admins).
pub async fn set_rules(app: &App, caller: &Caller, rules: &[RuleInput]) -> AppResult<Vec<RuleRecord>> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    if rules.len() > 200 {
        return Err(AppError::invalid("rules", "at most 200 rules"));
    }
    let teams = app.db.teams(ws).await?;
    let mut checked = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        checked.push(check_rule(app, ws, i, r, &teams).await?);
    }
    let mut tx = app.db.begin().await?;
    tx.replace_rules(app.now(), ws, &checked).await?;
    tx.append_event(
        app.now(),
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::ROUTING_RULES_CHANGED,
            subject: Subject::new("workspace", ws.as_uuid()),
            payload: json!({"rules": rules}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(app.db.rules(ws).await?)
}

/// The routing rules, in order.
pub async fn rules(app: &App, caller: &Caller) -> AppResult<Vec<RuleRecord>> {
    caller.require(Scope::Read)?;
    Ok(app.db.rules(caller.workspace()).await?)
}

/// A rule as sent, back from a stored one (to append or remove one rule).
pub fn rule_input(r: &RuleRecord) -> RuleInput {
    RuleInput {
        channel: r.channel.map(|c| c.as_str().to_string()),
        language: r.language.clone(),
        tag: r.tag.clone(),
        tier: r.tier.map(|t| t.as_str().to_string()),
        organization_id: r.organization_id.map(|o| o.to_string()),
        team_id: r.team_id.to_string(),
    }
}

/// A change to an agent's routing settings.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    /// Languages they speak (replaces the list).
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    /// "available" or "away".
    #[serde(default)]
    pub status: Option<String>,
}

/// An agent as shown: who, what they speak, whether they take work, their teams.
#[derive(Clone, Debug, Serialize)]
pub struct AgentView {
    /// User id.
    pub id: UserId,
    /// Full name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Languages.
    pub languages: Vec<String>,
    /// Available or away.
    pub status: AgentStatus,
    /// Teams they belong to.
    pub teams: Vec<TeamId>,
}

/// Every active staff member with their routing settings.
pub async fn agents(app: &App, caller: &Caller) -> AppResult<Vec<AgentView>> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let settings: HashMap<UserId, AgentRecord> = app.db.agents(ws).await?.into_iter().map(|a| (a.user_id, a)).collect();
    let teams = app.db.teams(ws).await?;
    Ok(app
        .db
        .users(ws)
        .await?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| {
            let a = settings.get(&u.id);
            AgentView {
                id: u.id,
                teams: teams
                    .iter()
                    .filter(|t| t.members.contains(&u.id))
                    .map(|t| t.id)
                    .collect(),
                name: u.name,
                role: u.role.to_string(),
                languages: a.map(|a| a.languages.clone()).unwrap_or_default(),
                status: a.map_or(AgentStatus::Available, |a| a.status),
            }
        })
        .collect())
}

/// Sets an agent's languages or status: agents their own, admins anyone's.
pub async fn update_agent(app: &App, caller: &Caller, id: UserId, input: &AgentInput) -> AppResult<AgentView> {
    if id == caller.user.id {
        caller.require(Scope::Write)?;
    } else {
        caller.require(Scope::Admin)?;
    }
    let ws = caller.workspace();
    let user = app.db.user(ws, id).await?;
    let current = app.db.agents(ws).await?.into_iter().find(|a| a.user_id == id);
    let languages = match &input.languages {
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for (i, l) in list.iter().enumerate() {
                let l = check_language(&format!("languages[{i}]"), l)?;
                if !out.contains(&l) {
                    out.push(l);
                }
            }
            out
        }
        None => current.as_ref().map(|a| a.languages.clone()).unwrap_or_default(),
    };
    let status = match input.status.as_deref() {
        Some(s) => s
            .parse()
            .map_err(|e: candor_core::conversation::UnknownWord| AppError::invalid("status", e.to_string()))?,
        None => current.as_ref().map_or(AgentStatus::Available, |a| a.status),
    };
    let record = AgentRecord {
        user_id: user.id,
        languages,
        status,
    };
    let mut tx = app.db.begin().await?;
    tx.save_agent(app.now(), ws, &record).await?;
    tx.append_event(
        app.now(),
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::AGENT_UPDATED,
            subject: Subject::new("user", id.as_uuid()),
            payload: json!({"languages": record.languages, "status": record.status}),
        },
    )
    .await?;
    tx.commit().await?;
    agents(app, caller)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(AppError::NotFound)
}

//! Whether someone is there to answer a chat now, and the published chat
//! commitment in plain words, for the widget to say honestly.

use crate::context::App;
use crate::error::AppResult;
use candor_core::WorkspaceId;
use candor_core::chat::{Availability, availability as decide};
use candor_core::conversation::{AgentStatus, Channel};
use candor_core::hours::is_open;
use candor_core::staff::Scope;
use std::collections::{HashMap, HashSet};

/// What the widget tells a visitor about being answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatAvailability {
    /// Open, outside the hours, or everyone away.
    pub state: Availability,
    /// The hours the chat commitment runs in, in plain words (none published: `None`).
    pub hours: Option<String>,
    /// The chat commitment at normal priority in plain words, if one is published.
    pub commitment: Option<String>,
}

/// Decides availability now. Outside the commitments' calendar nobody is
/// there. Within it, the agents who could take a chat are the members of
/// every team a routing rule may send a chat to (rules on other channels
/// are left out; a rule's language, tag, tier or organization is not known
/// before the visitor writes, so every such team counts); without such a
/// rule, every active staff member who answers (agents, admins, owners).
/// Someone is there when one of them is active and not away.
pub async fn availability(app: &App, ws: WorkspaceId) -> AppResult<ChatAvailability> {
    let now = app.now();
    let current = app.db.current_commitments(ws).await?;
    let open_now = current.as_ref().map(|v| is_open(&v.commitments.calendar, now));
    let hours = current.as_ref().map(|v| v.commitments.hours_words());
    let commitment = current.as_ref().and_then(|v| {
        v.commitments
            .for_conversation(Channel::Chat.as_str(), "normal")
            .map(|c| v.commitments.words(c))
    });
    let available = if open_now == Some(false) {
        0
    } else {
        available_agents(app, ws).await?
    };
    Ok(ChatAvailability {
        state: decide(open_now, available),
        hours,
        commitment,
    })
}

async fn available_agents(app: &App, ws: WorkspaceId) -> AppResult<usize> {
    let rules = app.db.rules(ws).await?;
    let teams: HashSet<_> = rules
        .iter()
        .filter(|r| r.channel.is_none_or(|c| c == Channel::Chat))
        .map(|r| r.team_id)
        .collect();
    let staff = app.db.users(ws).await?;
    let away: HashSet<_> = app
        .db
        .agents(ws)
        .await?
        .into_iter()
        .filter(|a| a.status == AgentStatus::Away)
        .map(|a| a.user_id)
        .collect();
    let members: Option<HashSet<_>> = if teams.is_empty() {
        None
    } else {
        let by_team: HashMap<_, _> = app.db.teams(ws).await?.into_iter().map(|t| (t.id, t.members)).collect();
        Some(
            teams
                .iter()
                .flat_map(|t| by_team.get(t).cloned().unwrap_or_default())
                .collect(),
        )
    };
    Ok(staff
        .iter()
        .filter(|u| u.active && u.role.allows(Scope::Write) && !away.contains(&u.id))
        .filter(|u| members.as_ref().is_none_or(|m| m.contains(&u.id)))
        .count())
}

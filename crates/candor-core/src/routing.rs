//! Routing: which team a conversation goes to and which of its members takes
//! it. A pure decision over the facts, the rules in order, and the teams'
//! members with their languages, status and load.
//!
//! - Rules are tried in order of position; the first whose every condition
//!   holds (channel, language, tag, customer tier, organization; an absent
//!   condition matches anything) names the team.
//! - Within the team, the candidates are the available members who speak the
//!   conversation's language (any available member when the language is
//!   unknown). Round-robin takes the first candidate after the team's cursor
//!   (by user id, wrapping); least-loaded takes the candidate with the fewest
//!   open conversations (ties by user id).
//! - No candidate, or no matching rule: the conversation waits unassigned
//!   (in its team's queue, or in the unassigned view). It is never dropped.

use crate::conversation::{AssignMode, Channel};
use crate::ids::{OrganizationId, RuleId, TeamId, UserId};
use crate::value::Tier;

/// What routing knows about a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// Its channel.
    pub channel: Option<Channel>,
    /// The language of the customer's first message (ISO 639-1).
    pub language: Option<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// The customer's Pareto tier.
    pub tier: Option<Tier>,
    /// The customer's organization.
    pub organization: Option<OrganizationId>,
}

/// A routing rule: conditions and the team they send to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its id.
    pub id: RuleId,
    /// Rules are tried from the lowest position.
    pub position: i64,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this language.
    pub language: Option<String>,
    /// Only conversations with this tag.
    pub tag: Option<String>,
    /// Only customers of this tier.
    pub tier: Option<Tier>,
    /// Only customers of this organization.
    pub organization: Option<OrganizationId>,
    /// Where matching conversations go.
    pub team: TeamId,
}

impl Rule {
    /// Whether every condition of the rule holds for `facts`.
    pub fn matches(&self, facts: &Facts) -> bool {
        self.channel.is_none_or(|c| facts.channel == Some(c))
            && self
                .language
                .as_deref()
                .is_none_or(|l| facts.language.as_deref().is_some_and(|f| f.eq_ignore_ascii_case(l)))
            && self.tag.as_deref().is_none_or(|t| facts.tags.iter().any(|x| x == t))
            && self.tier.is_none_or(|t| facts.tier == Some(t))
            && self.organization.is_none_or(|o| facts.organization == Some(o))
    }
}

/// A member of a team as routing sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The agent.
    pub user: UserId,
    /// Languages they speak (ISO 639-1).
    pub languages: Vec<String>,
    /// Whether they take new conversations now.
    pub available: bool,
    /// Open conversations assigned to them.
    pub load: u32,
}

impl Member {
    /// Whether they speak `language` (anyone does when it is unknown).
    pub fn speaks(&self, language: Option<&str>) -> bool {
        match language {
            None => true,
            Some(l) => self.languages.iter().any(|x| x.eq_ignore_ascii_case(l)),
        }
    }
}

/// A team as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Its id.
    pub id: TeamId,
    /// How it assigns.
    pub mode: AssignMode,
    /// Its members.
    pub members: Vec<Member>,
    /// The member who was assigned last (round-robin goes on after them).
    pub cursor: Option<UserId>,
}

/// Where a conversation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Decision {
    /// The team, if a rule matched.
    pub team: Option<TeamId>,
    /// The agent, if one of the team's members can take it.
    pub assignee: Option<UserId>,
    /// The rule that matched.
    pub rule: Option<RuleId>,
}

/// Routes a conversation: the first matching rule's team (rules sorted by
/// position, then id), then a member of that team by the team's mode.
pub fn route(facts: &Facts, rules: &[Rule], teams: &[Team]) -> Decision {
    let mut ordered: Vec<&Rule> = rules.iter().collect();
    ordered.sort_by_key(|r| (r.position, r.id));
    for rule in ordered {
        if !rule.matches(facts) {
            continue;
        }
        // A rule that names a team that no longer exists is skipped.
        let Some(team) = teams.iter().find(|t| t.id == rule.team) else {
            continue;
        };
        return Decision {
            team: Some(team.id),
            assignee: assign(team, facts.language.as_deref()),
            rule: Some(rule.id),
        };
    }
    Decision::default()
}

/// The member of `team` who takes a conversation in `language`, if any can.
pub fn assign(team: &Team, language: Option<&str>) -> Option<UserId> {
    let mut candidates: Vec<&Member> = team
        .members
        .iter()
        .filter(|m| m.available && m.speaks(language))
        .collect();
    candidates.sort_by_key(|m| m.user);
    candidates.dedup_by_key(|m| m.user);
    match team.mode {
        AssignMode::RoundRobin => {
            let after = team
                .cursor
                .and_then(|c| candidates.iter().find(|m| m.user > c))
                .or_else(|| candidates.first());
            after.map(|m| m.user)
        }
        AssignMode::LeastLoaded => candidates.iter().min_by_key(|m| (m.load, m.user)).map(|m| m.user),
    }
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn user(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }
    fn team_id(n: u128) -> TeamId {
        TeamId::from_uuid(Uuid::from_u128(n))
    }
    fn member(n: u128, langs: &[&str], available: bool, load: u32) -> Member {
        Member {
            user: user(n),
            languages: langs.iter().map(|s| s.to_string()).collect(),
            available,
            load,
        }
    }
    fn rule(pos: i64, team: u128) -> Rule {
        Rule {
            id: RuleId::from_uuid(Uuid::from_u128(1000 + pos as u128)),
            position: pos,
            channel: None,
            language: None,
            tag: None,
            tier: None,
            organization: None,
            team: team_id(team),
        }
    }

    #[test]
    fn language_rule_then_least_loaded_speaker() {
        let repairs = Team {
            id: team_id(1),
            mode: AssignMode::LeastLoaded,
            members: vec![
                member(1, &["de", "en"], true, 5),
                member(2, &["de"], true, 2),
                member(3, &["en"], true, 0),
                member(4, &["de"], false, 0),
            ],
            cursor: None,
        };
        let orders = Team {
            id: team_id(2),
            mode: AssignMode::RoundRobin,
            members: vec![member(5, &["en", "es"], true, 0)],
            cursor: None,
        };
        let rules = vec![
            Rule {
                language: Some("de".into()),
                ..rule(1, 1)
            },
            rule(2, 2),
        ];
        let de = Facts {
            language: Some("de".into()),
            ..Default::default()
        };
        let d = route(&de, &rules, &[repairs.clone(), orders.clone()]);
        assert_eq!((d.team, d.assignee), (Some(team_id(1)), Some(user(2))));
        let fr = Facts {
            language: Some("fr".into()),
            ..Default::default()
        };
        // Matches the catch-all rule; nobody in Orders speaks French: waits in the team.
        let d = route(&fr, &rules, &[repairs, orders]);
        assert_eq!((d.team, d.assignee), (Some(team_id(2)), None));
    }

    #[test]
    fn round_robin_goes_on_after_the_cursor_and_wraps() {
        let mut t = Team {
            id: team_id(1),
            mode: AssignMode::RoundRobin,
            members: vec![
                member(3, &["en"], true, 0),
                member(1, &["en"], true, 0),
                member(2, &["en"], true, 0),
            ],
            cursor: None,
        };
        let mut seen = Vec::new();
        for _ in 0..4 {
            let a = assign(&t, Some("en"));
            seen.push(a);
            t.cursor = a;
        }
        assert_eq!(seen, vec![Some(user(1)), Some(user(2)), Some(user(3)), Some(user(1))]);
    }

    #[test]
    fn no_rule_leaves_it_unassigned() {
        let d = route(&Facts::default(), &[], &[]);
        assert_eq!(d, Decision::default());
        // A rule naming a removed team is skipped.
        let d = route(&Facts::default(), &[rule(1, 9)], &[]);
        assert_eq!(d.team, None);
    }
}

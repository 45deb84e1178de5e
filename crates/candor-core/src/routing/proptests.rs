//! Properties of routing: nothing is dropped, nobody outside the team is
//! assigned, and an agent who can take a conversation gets it.

use super::*;
use proptest::prelude::*;
use uuid::Uuid;

const LANGS: [&str; 4] = ["en", "de", "fr", "es"];
const TAGS: [&str; 3] = ["refund", "vip", "bug"];

fn lang() -> impl Strategy<Value = String> {
    prop::sample::select(&LANGS[..]).prop_map(str::to_string)
}

fn member() -> impl Strategy<Value = Member> {
    (0u128..12, prop::collection::vec(lang(), 0..3), any::<bool>(), 0u32..20).prop_map(
        |(n, languages, available, load)| Member {
            user: UserId::from_uuid(Uuid::from_u128(n)),
            languages,
            available,
            load,
        },
    )
}

fn team(n: u128) -> impl Strategy<Value = Team> {
    (
        prop::collection::vec(member(), 0..6),
        any::<bool>(),
        prop::option::of(0u128..12),
    )
        .prop_map(move |(mut members, rr, cursor)| {
            // A person is a member of a team once.
            members.sort_by_key(|m| m.user);
            members.dedup_by_key(|m| m.user);
            Team {
                id: TeamId::from_uuid(Uuid::from_u128(100 + n)),
                mode: if rr {
                    AssignMode::RoundRobin
                } else {
                    AssignMode::LeastLoaded
                },
                members,
                cursor: cursor.map(|c| UserId::from_uuid(Uuid::from_u128(c))),
            }
        })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        0i64..10,
        0u128..1000,
        prop::option::of(prop::sample::select(Channel::ALL)),
        prop::option::of(lang()),
        prop::option::of(prop::sample::select(&TAGS[..]).prop_map(str::to_string)),
        prop::option::of(prop::sample::select(&[Tier::A, Tier::B, Tier::C][..])),
        0u128..5,
    )
        .prop_map(|(position, id, channel, language, tag, tier, team)| Rule {
            id: RuleId::from_uuid(Uuid::from_u128(id)),
            position,
            channel,
            language,
            tag,
            tier,
            organization: None,
            // Teams 0..4 exist; 4 names a team that was removed.
            team: TeamId::from_uuid(Uuid::from_u128(100 + team)),
        })
}

fn facts() -> impl Strategy<Value = Facts> {
    (
        prop::option::of(prop::sample::select(Channel::ALL)),
        prop::option::of(lang()),
        prop::collection::vec(prop::sample::select(&TAGS[..]).prop_map(str::to_string), 0..3),
        prop::option::of(prop::sample::select(&[Tier::A, Tier::B, Tier::C][..])),
    )
        .prop_map(|(channel, language, tags, tier)| Facts {
            channel,
            language,
            tags,
            tier,
            organization: None,
        })
}

proptest! {
    #[test]
    fn never_dropped_never_outside_the_team(
        f in facts(),
        rules in prop::collection::vec(rule(), 0..8),
        teams in (team(0), team(1), team(2), team(3)).prop_map(|(a, b, c, d)| vec![a, b, c, d]),
    ) {
        let d = route(&f, &rules, &teams);
        // An assignee always comes with a team, and is an available member of
        // it who speaks the language.
        if let Some(user) = d.assignee {
            let team = d.team.and_then(|t| teams.iter().find(|x| x.id == t));
            prop_assert!(team.is_some(), "assigned without a team");
            let m = team.and_then(|t| t.members.iter().find(|m| m.user == user));
            prop_assert!(m.is_some(), "assigned outside the team");
            let m = m.cloned().unwrap_or_else(|| Member { user, languages: vec![], available: false, load: 0 });
            prop_assert!(m.available);
            prop_assert!(m.speaks(f.language.as_deref()));
        }
        // The team is the first matching rule's whose team exists.
        let mut ordered = rules.clone();
        ordered.sort_by_key(|r| (r.position, r.id));
        let expected = ordered.iter().find(|r| r.matches(&f) && teams.iter().any(|t| t.id == r.team)).map(|r| r.team);
        prop_assert_eq!(d.team, expected);
        // Nothing is dropped: when the chosen team has a member who can take
        // it, someone does; otherwise it waits (team kept, nobody assigned).
        if let Some(t) = d.team.and_then(|t| teams.iter().find(|x| x.id == t)) {
            let can = t.members.iter().any(|m| m.available && m.speaks(f.language.as_deref()));
            prop_assert_eq!(d.assignee.is_some(), can);
        }
    }

    #[test]
    fn least_loaded_takes_the_lightest(t in team(0), l in prop::option::of(lang())) {
        let t = Team { mode: AssignMode::LeastLoaded, ..t };
        if let Some(user) = assign(&t, l.as_deref()) {
            let load = t.members.iter().filter(|m| m.user == user).map(|m| m.load).min().unwrap_or(0);
            for m in t.members.iter().filter(|m| m.available && m.speaks(l.as_deref())) {
                prop_assert!(m.load >= load || m.user == user);
            }
        }
    }
}

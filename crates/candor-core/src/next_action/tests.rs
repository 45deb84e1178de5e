use super::*;
use crate::ids::{PromiseId, UserId};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn facts() -> Facts {
    Facts {
        now: at("2026-03-02T09:00:00Z"),
        time_zone: TimeZone::UTC,
        stage: Stage::Customer,
        tier: Some(Tier::B),
        last_purchase_at: Some(at("2025-11-03T10:00:00Z")),
        last_product: Some("Helmet".into()),
        customer_wrote: true,
        promises: Vec::new(),
        bought: Vec::new(),
        offers_met: Vec::new(),
        caller: None,
    }
}

fn promise(state: PromiseState, due: &str, settled: Option<&str>) -> PromiseFact {
    PromiseFact {
        id: PromiseId::new_at(at("2026-03-01T00:00:00Z")),
        description: "call you when the bike is back".into(),
        owner: "Annika Vogel".into(),
        due_at: at(due),
        state,
        settled_at: settled.map(at),
        replaced: false,
    }
}

fn kinds(actions: &[Action]) -> Vec<ActionKind> {
    actions.iter().map(|a| a.kind).collect()
}

#[test]
fn nothing_to_say_lists_nothing() {
    assert!(evaluate(&Rules::default(), &facts()).is_empty());
}

#[test]
fn promises_broken_late_and_due() {
    let mut f = facts();
    f.promises = vec![
        promise(
            PromiseState::Broken,
            "2026-02-28T12:00:00Z",
            Some("2026-02-28T12:00:01Z"),
        ),
        promise(PromiseState::Open, "2026-03-02T14:00:00Z", None),
        promise(PromiseState::Open, "2026-03-01T09:00:00Z", None),
        // Too far ahead, too long ago, kept, and made again: none listed.
        promise(PromiseState::Open, "2026-03-09T09:00:00Z", None),
        promise(
            PromiseState::Broken,
            "2025-12-01T09:00:00Z",
            Some("2025-12-01T09:00:01Z"),
        ),
        promise(PromiseState::Kept, "2026-03-02T10:00:00Z", Some("2026-03-01T10:00:00Z")),
        PromiseFact {
            replaced: true,
            ..promise(
                PromiseState::Broken,
                "2026-03-01T12:00:00Z",
                Some("2026-03-01T12:00:01Z"),
            )
        },
    ];
    let a = evaluate(&Rules::default(), &f);
    assert_eq!(
        kinds(&a),
        vec![
            ActionKind::PromiseBroken,
            ActionKind::PromiseBroken,
            ActionKind::PromiseDue
        ]
    );
    assert_eq!(
        a[0].reason,
        "Annika Vogel promised it by 28 February 2026, 12:00; it was not kept. Say so plainly and put it right."
    );
    assert!(a[1].reason.contains("it is late"), "{}", a[1].reason);
    assert_eq!(a[2].title, "Promise due in 5 hours: call you when the bike is back");
    let mut off = Rules::default();
    off.promises.enabled = false;
    assert!(evaluate(&off, &f).is_empty());
}

#[test]
fn already_bought_names_the_product_and_when() {
    let mut f = facts();
    f.bought = vec![Bought {
        product: "helmet".into(),
        name: Some("Helmet".into()),
        count: 2,
        last_at: at("2025-11-03T10:00:00Z"),
    }];
    let a = evaluate(&Rules::default(), &f);
    assert_eq!(kinds(&a), vec![ActionKind::AlreadyBought]);
    assert_eq!(a[0].title, "Already bought: Helmet");
    assert!(
        a[0].reason.contains("2 times, last on 3 November 2025"),
        "{}",
        a[0].reason
    );
    assert_eq!(a[0].count, Some(2));
    let json = serde_json::to_value(&a[0]).unwrap();
    assert_eq!(json["kind"], "already-bought");
    assert_eq!(json["product"], "helmet");
    assert!(json.get("promise_id").is_none());
}

#[test]
fn former_customers_writing_again_get_the_win_back_offer() {
    let mut f = facts();
    f.stage = Stage::Former;
    let a = evaluate(&Rules::default(), &f);
    assert_eq!(kinds(&a), vec![ActionKind::WinBack]);
    assert_eq!(a[0].title, "Welcome them back and ask what would serve them now");
    assert_eq!(
        a[0].reason,
        "A former customer is writing again: they last bought Helmet on 3 November 2025."
    );
    // A conversation we started is not them writing again.
    f.customer_wrote = false;
    assert!(evaluate(&Rules::default(), &f).is_empty());
}

#[test]
fn tier_a_and_at_risk_customers_get_a_caller() {
    let mut f = facts();
    f.tier = Some(Tier::A);
    f.caller = Some(CallWho {
        user_id: UserId::new_at(f.now),
        name: "Luc Moreau".into(),
        why: CallWhy::MostReplies(3),
    });
    let a = evaluate(&Rules::default(), &f);
    assert_eq!(kinds(&a), vec![ActionKind::Call]);
    assert_eq!(a[0].title, "Luc Moreau should call them");
    assert_eq!(
        a[0].reason,
        "Tier A: among the few customers who bring 80% of revenue; Luc Moreau has answered them most (3 replies)."
    );
    f.tier = None;
    f.stage = Stage::AtRisk;
    f.caller = None;
    let a = evaluate(&Rules::default(), &f);
    assert_eq!(a[0].title, "Call them");
    assert!(a[0].reason.starts_with("At risk: no purchase since 3 November 2025"));
    let mut rules = Rules::default();
    rules.call.at_risk = false;
    assert!(evaluate(&rules, &f).is_empty());
}

#[test]
fn offers_show_when_their_condition_is_met() {
    let rules = Rules {
        offers: vec![
            Offer {
                title: "Student discount".into(),
                when: "attr.student:true".into(),
                reason: String::new(),
            },
            Offer {
                title: "Smaller plan".into(),
                when: "attr.plan:club".into(),
                reason: "They pay for more than they use.".into(),
            },
        ],
        ..Rules::default()
    }
    .checked()
    .unwrap();
    let mut f = facts();
    f.offers_met = vec![true, false];
    let a = evaluate(&rules, &f);
    assert_eq!(kinds(&a), vec![ActionKind::Offer]);
    assert_eq!(a[0].reason, "They qualify: attr.student:true.");
    assert_eq!(a[0].offer, Some(0));
    f.offers_met = vec![true, true];
    assert_eq!(evaluate(&rules, &f)[1].reason, "They pay for more than they use.");
}

#[test]
fn the_list_is_short() {
    let mut f = facts();
    f.promises = (0..10)
        .map(|_| promise(PromiseState::Open, "2026-03-02T10:00:00Z", None))
        .collect();
    assert_eq!(evaluate(&Rules::default(), &f).len(), MAX_ACTIONS);
}

#[test]
fn rules_are_checked_naming_the_field() {
    let bad = |r: Rules| r.checked().unwrap_err();
    let mut r = Rules::default();
    r.promises.due_within_hours = 0;
    assert_eq!(bad(r).field, "promises.due_within_hours");
    let r = Rules {
        offers: vec![Offer {
            title: "x".into(),
            when: "tier:Q".into(),
            reason: String::new(),
        }],
        ..Rules::default()
    };
    let e = bad(r);
    assert_eq!(e.field, "offers[0].when");
    assert_eq!(e.position, Some(5));
    let r = Rules {
        offers: vec![Offer {
            title: "  ".into(),
            when: "tier:A".into(),
            reason: String::new(),
        }],
        ..Rules::default()
    };
    assert_eq!(bad(r).field, "offers[0].title");
    let mut r = Rules::default();
    r.call.owner_attribute = "2bad".into();
    assert_eq!(bad(r).field, "call.owner_attribute");
    let ok = Rules {
        offers: vec![Offer {
            title: " Student  discount ".into(),
            when: "attr.student:true   tier:A".into(),
            reason: String::new(),
        }],
        ..Rules::default()
    }
    .checked()
    .unwrap();
    assert_eq!(ok.offers[0].title, "Student discount");
    assert_eq!(ok.offers[0].when, "attr.student:true tier:A");
    // Unknown fields are refused when read from JSON.
    assert!(serde_json::from_str::<Rules>(r#"{"promises": {"soon": 3}}"#).is_err());
    let partial: Rules = serde_json::from_str(r#"{"win_back": {"offer": "10% off"}}"#).unwrap();
    assert!(partial.win_back.enabled);
    assert!(partial.promises.enabled);
}

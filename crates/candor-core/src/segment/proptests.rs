#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::civil::Date;
use proptest::prelude::*;

use super::*;
use crate::value::{Stage, Tier};

fn cmp() -> impl Strategy<Value = Cmp> {
    prop::sample::select(vec![Cmp::Eq, Cmp::Gt, Cmp::Lt, Cmp::Ge, Cmp::Le])
}

fn free_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 :()\"\\\\<>=.-]{1,10}",
        "\\PC{1,10}",
        Just("OR".to_string()),
        Just("AND".to_string()),
    ]
    .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        (
            0u32..1_000_000,
            prop::sample::select(vec![
                AgoUnit::Hours,
                AgoUnit::Days,
                AgoUnit::Weeks,
                AgoUnit::Months,
                AgoUnit::Years,
            ])
        )
            .prop_map(|(amount, unit)| When::Ago { amount, unit }),
        (1900i16..2100, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| When::Date(Date::new(y, m, d).unwrap())),
    ]
}

fn term() -> impl Strategy<Value = Term> {
    prop_oneof![
        free_text().prop_map(Term::Text),
        prop::sample::select(vec![None, Some(Tier::A), Some(Tier::B), Some(Tier::C)]).prop_map(Term::Tier),
        prop::sample::select(vec![Stage::Lead, Stage::Customer, Stage::AtRisk, Stage::Former]).prop_map(Term::Stage),
        free_text().prop_map(Term::Tag),
        free_text().prop_map(Term::Org),
        "[a-z]{2,3}(-[a-z0-9]{2,8})?".prop_map(Term::Lang),
        "[a-z0-9_-]{1,32}".prop_map(Term::Channel),
        "[a-z0-9_-]{1,32}".prop_map(Term::Consent),
        any::<bool>().prop_map(Term::Dnc),
        ("[A-Za-z0-9_.]{1,20}", cmp(), free_text()).prop_map(|(name, op, value)| Term::Attr { name, op, value }),
        (cmp(), "-?[0-9]{1,18}(\\.[0-9]{1,4})?").prop_map(|(op, amount)| Term::Ltv { op, amount }),
        (cmp(), 0u32..1_000_000_000).prop_map(|(op, count)| Term::Orders { op, count }),
        (cmp(), when()).prop_map(|(op, when)| Term::LastPurchase { op, when }),
        (cmp(), when()).prop_map(|(op, when)| Term::Created { op, when }),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    term().prop_map(Expr::Term).prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

fn query_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z :()\"\\\\<>=.-]{0,40}",
        "((tier|stage|tag|ltv|orders|created|last_purchase|attr\\.x|dnc|lang)[:=<>]{1,2}[a-zA-Z0-9.\"-]{0,6}|OR|AND|-|\\(|\\)|\"[a-z ]{0,5}\"?|[a-z]{1,5})( |){0,1}"
            .prop_map(|s| s),
        proptest::collection::vec(
            "(tier:A|-tag:vip|OR|AND|\\(|\\)|acme|\"x y\"|ltv>5|last_purchase<30d|-\\(|--)",
            0..20
        )
        .prop_map(|parts| parts.join(" ")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn parser_never_panics_and_display_reparses(input in query_like()) {
        if let Ok(expr) = parse(&input) {
            let shown = expr.to_string();
            prop_assert_eq!(parse(&shown), Ok(expr), "shown as {}", shown);
        }
    }

    #[test]
    fn any_tree_shows_as_text_that_parses_back(expr in expr()) {
        let shown = expr.to_string();
        prop_assert_eq!(parse(&shown), Ok(expr), "shown as {}", shown);
    }

    #[test]
    fn error_positions_are_inside_the_input(input in query_like()) {
        if let Err(e) = parse(&input) {
            prop_assert!(e.position <= input.chars().count());
        }
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::civil::date;

use super::*;
use crate::value::{Stage, Tier};

fn t(term: Term) -> Expr {
    Expr::Term(term)
}

fn text(s: &str) -> Expr {
    t(Term::Text(s.to_string()))
}

fn err(input: &str) -> ParseError {
    parse(input).unwrap_err()
}

fn round_trip(input: &str) -> Expr {
    let expr = parse(input).unwrap();
    let shown = expr.to_string();
    assert_eq!(parse(&shown).unwrap(), expr, "{input} → {shown}");
    expr
}

#[test]
fn the_example_from_the_docs() {
    let expr = round_trip(r#"tier:A stage:at-risk tag:vip lang:de ltv>500 "acme""#);
    assert_eq!(
        expr,
        Expr::And(vec![
            t(Term::Tier(Some(Tier::A))),
            t(Term::Stage(Stage::AtRisk)),
            t(Term::Tag("vip".into())),
            t(Term::Lang("de".into())),
            t(Term::Ltv {
                op: Cmp::Gt,
                amount: "500".into()
            }),
            text("acme"),
        ])
    );
    assert_eq!(expr.to_string(), "tier:A stage:at-risk tag:vip lang:de ltv>500 acme");
}

#[test]
fn empty_query_matches_everything() {
    assert!(parse("").unwrap().matches_everything());
    assert!(parse("  \n ").unwrap().matches_everything());
    assert_eq!(parse("").unwrap().to_string(), "");
}

#[test]
fn or_not_and_parentheses() {
    assert_eq!(
        round_trip("a b OR c"),
        Expr::Or(vec![Expr::And(vec![text("a"), text("b")]), text("c")])
    );
    assert_eq!(
        round_trip("a (b OR c)"),
        Expr::And(vec![text("a"), Expr::Or(vec![text("b"), text("c")])])
    );
    assert_eq!(round_trip("-tag:vip"), Expr::Not(Box::new(t(Term::Tag("vip".into())))));
    assert_eq!(
        round_trip("-(a OR b)"),
        Expr::Not(Box::new(Expr::Or(vec![text("a"), text("b")])))
    );
    assert_eq!(round_trip("a AND b"), Expr::And(vec![text("a"), text("b")]));
    assert_eq!(round_trip("((a))"), text("a"));
    assert_eq!(
        round_trip("(a b) c"),
        Expr::And(vec![Expr::And(vec![text("a"), text("b")]), text("c")])
    );
    assert_eq!(round_trip("-(-a)"), Expr::Not(Box::new(Expr::Not(Box::new(text("a"))))));
    // Dashes that exclude nothing are text.
    assert_eq!(round_trip("--a"), text("--a"));
    assert_eq!(round_trip("a - b"), Expr::And(vec![text("a"), text("-"), text("b")]));
    assert_eq!(round_trip("-\"x y\""), Expr::Not(Box::new(text("x y"))));
    // Lower-case "or" is just a word.
    assert_eq!(
        round_trip("this or that"),
        Expr::And(vec![text("this"), text("or"), text("that")])
    );
}

#[test]
fn every_field() {
    let cases: Vec<(&str, Term)> = vec![
        ("tier:none", Term::Tier(None)),
        ("TIER=b", Term::Tier(Some(Tier::B))),
        ("stage:lead", Term::Stage(Stage::Lead)),
        ("stage:Former", Term::Stage(Stage::Former)),
        ("tag:\"big spender\"", Term::Tag("big spender".into())),
        ("lang:PT-BR", Term::Lang("pt-br".into())),
        ("channel:Email", Term::Channel("email".into())),
        ("org:acme", Term::Org("acme".into())),
        ("consent:marketing", Term::Consent("marketing".into())),
        ("dnc:yes", Term::Dnc(true)),
        ("dnc:false", Term::Dnc(false)),
        (
            "attr.plan:pro",
            Term::Attr {
                name: "plan".into(),
                op: Cmp::Eq,
                value: "pro".into(),
            },
        ),
        (
            "attr.Seats>=10",
            Term::Attr {
                name: "Seats".into(),
                op: Cmp::Ge,
                value: "10".into(),
            },
        ),
        (
            "ltv<=19.99",
            Term::Ltv {
                op: Cmp::Le,
                amount: "19.99".into(),
            },
        ),
        ("orders>3", Term::Orders { op: Cmp::Gt, count: 3 }),
        (
            "last_purchase<30d",
            Term::LastPurchase {
                op: Cmp::Lt,
                when: When::Ago {
                    amount: 30,
                    unit: AgoUnit::Days,
                },
            },
        ),
        (
            "created>=2026-03-01",
            Term::Created {
                op: Cmp::Ge,
                when: When::Date(date(2026, 3, 1)),
            },
        ),
        (
            "created<1y",
            Term::Created {
                op: Cmp::Lt,
                when: When::Ago {
                    amount: 1,
                    unit: AgoUnit::Years,
                },
            },
        ),
    ];
    for (input, term) in cases {
        assert_eq!(round_trip(input), t(term), "{input}");
    }
}

#[test]
fn errors_carry_the_position() {
    let cases = [
        ("tag:vip tiers:A", 8, "\"tiers\" is not a field"),
        ("tier:D", 5, "is not a tier"),
        ("tier>A", 4, "tier only takes ':'"),
        ("ltv>lots", 4, "is not an amount"),
        ("orders>-1", 7, "is not a whole number"),
        ("created<yesterday", 8, "is not a time"),
        ("created<2026-02-30", 8, "is not a time"),
        ("lang:deutsch", 5, "is not a language code"),
        ("tag:", 4, "expected a value after tag"),
        ("\"acme", 0, "quote is never closed"),
        ("a (b", 2, "'(' is never closed"),
        ("a b)", 3, "')' has no matching '('"),
        ("()", 0, "empty parentheses"),
        ("\"\"", 0, "empty quotes"),
        ("a OR", 2, "OR needs a term on both sides"),
        ("OR a", 0, "OR needs a term on both sides"),
        ("a OR OR b", 2, "OR needs a term on both sides"),
        ("AND a", 0, "AND needs a term on both sides"),
        ("a\u{7}b", 1, "control character"),
        ("attr.:x", 0, "attribute name"),
    ];
    for (input, position, message) in cases {
        let e = err(input);
        assert_eq!(e.position, position, "{input}: {e}");
        assert!(e.message.contains(message), "{input}: {e}");
    }
}

#[test]
fn positions_count_characters_not_bytes() {
    let e = err("ünïcödé tiers:A");
    assert_eq!(e.position, 8);
}

#[test]
fn hostile_input() {
    // SQL-looking text is only text.
    assert_eq!(
        round_trip("'; DROP TABLE customers; --"),
        Expr::And(vec![
            text("';"),
            text("DROP"),
            text("TABLE"),
            text("customers;"),
            text("--")
        ])
    );
    assert_eq!(
        round_trip(r#""'; DROP TABLE customers; --""#),
        text("'; DROP TABLE customers; --")
    );
    // Unicode.
    assert_eq!(
        round_trip("Müller 東京 \"naïve café\""),
        Expr::And(vec![text("Müller"), text("東京"), text("naïve café"),])
    );
    assert_eq!(
        round_trip("tag:\"vip \\\"gold\\\"\""),
        t(Term::Tag("vip \"gold\"".into()))
    );
    // Long input is refused at the limit, not parsed.
    let long = "a ".repeat(100_000);
    assert_eq!(err(&long).position, MAX_QUERY_CHARS);
    // Too many terms.
    let many = "a ".repeat(MAX_TERMS + 1);
    assert!(err(&many).message.contains("more than 100 terms"));
    // Deep nesting is capped.
    let deep = format!("{}a{}", "(".repeat(500), ")".repeat(500));
    assert!(err(&deep).message.contains("nests deeper"));
    let negations = format!("{}a{}", "-(".repeat(500), ")".repeat(500));
    assert!(err(&negations).message.contains("nests deeper"));
    let ok_depth = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(parse(&ok_depth).unwrap(), text("a"));
    // Unbalanced.
    for bad in ["(((", ")))", "\"", "a\"b", "(a))", "((a)"] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn text_that_looks_special_is_quoted_when_shown() {
    for s in ["OR", "AND", "-x", "a:b", "x(y", "two words", "back\\slash", "tier:A"] {
        let expr = t(Term::Text(s.to_string()));
        let shown = expr.to_string();
        assert_eq!(parse(&shown).unwrap(), expr, "{s} → {shown}");
    }
}

#[test]
fn serde_shape_is_stable() {
    let expr = parse("tier:A -tag:vip").unwrap();
    let json = serde_json::to_string(&expr).unwrap();
    assert_eq!(
        json,
        r#"{"and":[{"term":{"tier":"A"}},{"not":{"term":{"tag":"vip"}}}]}"#
    );
    assert_eq!(serde_json::from_str::<Expr>(&json).unwrap(), expr);
}

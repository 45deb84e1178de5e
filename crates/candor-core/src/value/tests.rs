#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};

use super::*;

fn eur(s: &str) -> Money {
    Money::parse(s, Currency::Eur).unwrap()
}

fn now() -> Timestamp {
    "2026-06-01T12:00:00Z".parse().unwrap()
}

fn days_ago(d: i64) -> Timestamp {
    now() - SignedDuration::from_hours(24 * d)
}

fn buy(amount: &str, days: i64, status: PurchaseStatus) -> Purchase {
    Purchase {
        amount: eur(amount),
        at: days_ago(days),
        status,
    }
}

use PurchaseStatus::{Cancelled, Paid, Refunded};

#[test]
fn money_parses_and_formats_per_currency() {
    assert_eq!(eur("19.99").minor, 1999);
    assert_eq!(eur("19.9").minor, 1990);
    assert_eq!(eur(" 19 ").minor, 1900);
    assert_eq!(eur("-5.05").minor, -505);
    assert_eq!(eur("19.990").minor, 1999);
    assert_eq!(eur("19.99").amount(), "19.99");
    assert_eq!(eur("-0.05").amount(), "-0.05");
    assert_eq!(eur("1000").to_string(), "1000.00 EUR");
    let yen = Money::parse("1500", Currency::Jpy).unwrap();
    assert_eq!((yen.minor, yen.amount()), (1500, "1500".to_string()));
    assert_eq!(
        Money::parse("1500.5", Currency::Jpy),
        Err(MoneyError::TooManyDecimals {
            currency: Currency::Jpy,
            max: 0
        })
    );
    assert_eq!(
        Money::parse("19.999", Currency::Eur).unwrap_err().to_string(),
        "EUR amounts have at most 2 decimal places"
    );
    for bad in ["1,000.00", "1e3", "abc", ".5", "5.", "--5", "+5", "1 000", "0x10", "١٢"] {
        assert!(
            matches!(Money::parse(bad, Currency::Eur), Err(MoneyError::NotANumber(_))),
            "{bad}"
        );
    }
    assert_eq!(Money::parse("", Currency::Eur), Err(MoneyError::Empty));
    assert_eq!(
        Money::parse("92233720368547758.08", Currency::Eur),
        Err(MoneyError::Overflow)
    );
    assert_eq!(eur("92233720368547758.07").minor, i64::MAX);
    assert_eq!(
        eur("1").checked_add(Money::new(1, Currency::Usd)),
        Err(MoneyError::CurrencyMismatch(Currency::Eur, Currency::Usd))
    );
    assert_eq!(
        Money::new(i64::MAX, Currency::Eur).checked_add(eur("0.01")),
        Err(MoneyError::Overflow)
    );
}

#[test]
fn currency_codes() {
    assert_eq!("eur".parse::<Currency>().unwrap(), Currency::Eur);
    assert_eq!(Currency::Inr.code(), "INR");
    assert_eq!(Currency::Jpy.minor_per_major(), 1);
    assert!(matches!("XYZ".parse::<Currency>(), Err(MoneyError::UnknownCurrency(_))));
    for c in Currency::ALL {
        assert_eq!(c.code().parse::<Currency>().unwrap(), *c);
    }
}

#[test]
fn money_json_matches_the_api() {
    let m = eur("19.99");
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(json, r#"{"amount":"19.99","currency":"EUR"}"#);
    assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    assert!(serde_json::from_str::<Money>(r#"{"amount":"1.234","currency":"EUR"}"#).is_err());
    assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"XXX"}"#).is_err());
}

#[test]
fn lifetime_value_is_paid_minus_refunded() {
    let purchases = [
        buy("100", 10, Paid),
        buy("40", 5, Refunded),
        buy("999", 3, Cancelled),
        Purchase {
            amount: Money::new(500, Currency::Usd),
            at: days_ago(2),
            status: Paid,
        },
        buy("7", -1, Paid), // in the future
    ];
    let ltv = lifetime_value(&purchases, Currency::Eur, now()).unwrap();
    assert_eq!(ltv.gross, eur("140"));
    assert_eq!(ltv.refunded, eur("40"));
    assert_eq!(ltv.net, eur("100"));
}

#[test]
fn stages_follow_the_rules() {
    let rules = StageRules::default();
    let at = now();
    assert_eq!(rules.stage(&[], false, at), Stage::Lead);
    assert_eq!(rules.stage(&[buy("5", 1, Cancelled)], false, at), Stage::Lead);
    assert_eq!(rules.stage(&[buy("5", 1, Refunded)], false, at), Stage::Former);
    assert_eq!(
        rules.stage(&[buy("5", 1, Refunded), buy("5", 2, Cancelled)], false, at),
        Stage::Former
    );
    assert_eq!(rules.stage(&[buy("5", 10, Paid)], false, at), Stage::Customer);
    assert_eq!(rules.stage(&[buy("5", 10, Paid)], true, at), Stage::AtRisk);
    assert_eq!(rules.stage(&[buy("5", 179, Paid)], false, at), Stage::Customer);
    assert_eq!(rules.stage(&[buy("5", 180, Paid)], false, at), Stage::AtRisk);
    assert_eq!(rules.stage(&[buy("5", 365, Paid)], false, at), Stage::Former);
    assert_eq!(rules.stage(&[buy("5", 400, Paid)], true, at), Stage::Former);
    assert_eq!(
        rules.stage(&[buy("5", 400, Paid), buy("5", 20, Paid)], false, at),
        Stage::Customer
    );
    let strict = StageRules {
        at_risk_after_days: 30,
        former_after_days: 90,
    };
    assert_eq!(strict.stage(&[buy("5", 31, Paid)], false, at), Stage::AtRisk);
    assert_eq!(serde_json::to_string(&Stage::AtRisk).unwrap(), r#""at-risk""#);
}

#[test]
fn pareto_tiers_take_the_fewest_customers_for_80_percent() {
    // Revenue 50, 30, 10, 5, 3, 2 (total 100).
    let revenue = [("a", 50), ("b", 30), ("c", 10), ("d", 5), ("e", 3), ("f", 2), ("g", 0)];
    let tiers = pareto_tiers(revenue, TierCuts::default());
    assert_eq!(tiers["a"], Tier::A);
    assert_eq!(tiers["b"], Tier::A); // 50 + 30 = 80: reached
    assert_eq!(tiers["c"], Tier::B); // 90
    assert_eq!(tiers["d"], Tier::B); // 95: reached
    assert_eq!(tiers["e"], Tier::C);
    assert_eq!(tiers["f"], Tier::C);
    assert!(!tiers.contains_key("g"));
    // A single customer is tier A.
    assert_eq!(pareto_tiers([("x", 1)], TierCuts::default())["x"], Tier::A);
    // Ties break by customer id.
    let tied = pareto_tiers(
        [("z", 10), ("y", 10), ("x", 10), ("w", 10), ("v", 10)],
        TierCuts::default(),
    );
    let a: Vec<_> = tied.iter().filter(|(_, t)| **t == Tier::A).map(|(c, _)| *c).collect();
    assert_eq!(a, ["v", "w", "x", "y"]);
}

#[test]
fn quintiles_score_equal_figures_equally() {
    let figures: Vec<(u32, i64)> = (0..10).map(|i| (i, i64::from(i))).collect();
    let s = quintile_scores(&figures);
    assert_eq!(s.values().copied().collect::<Vec<_>>(), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    let same = quintile_scores(&[(1, 7), (2, 7), (3, 7)]);
    assert!(same.values().all(|v| *v == 1));
    assert!(quintile_scores::<u8, i64>(&[]).is_empty());
}

#[test]
fn analyse_puts_it_together() {
    let customers = vec![
        CustomerHistory {
            customer: 1,
            purchases: vec![buy("800", 10, Paid), buy("100", 400, Paid)],
            flagged_at_risk: false,
        },
        CustomerHistory {
            customer: 2,
            purchases: vec![buy("150", 200, Paid)],
            flagged_at_risk: false,
        },
        CustomerHistory {
            customer: 3,
            purchases: vec![buy("50", 500, Paid)],
            flagged_at_risk: false,
        },
        CustomerHistory {
            customer: 4,
            purchases: vec![],
            flagged_at_risk: true,
        },
    ];
    let values = analyse(&customers, Currency::Eur, now(), &ValueRules::default()).unwrap();
    let one = values[&1];
    assert_eq!(one.lifetime_value.net, eur("900"));
    assert_eq!(one.window_revenue, eur("800"));
    assert_eq!(one.orders, 2);
    assert_eq!(one.tier, Some(Tier::A));
    // With three buyers, the best of them has two below it: 1 + 5 * 2 / 3 = 4.
    assert_eq!(one.stage, Stage::Customer);
    assert_eq!(
        one.rfm,
        Some(Rfm {
            recency: 4,
            frequency: 4,
            monetary: 4
        })
    );
    assert_eq!(values[&2].tier, Some(Tier::B));
    assert_eq!(values[&2].stage, Stage::AtRisk);
    assert_eq!(values[&3].tier, None);
    assert_eq!(values[&3].stage, Stage::Former);
    assert_eq!(
        values[&3].rfm,
        Some(Rfm {
            recency: 1,
            frequency: 1,
            monetary: 1
        })
    );
    assert_eq!(values[&4].stage, Stage::Lead);
    assert_eq!(values[&4].rfm, None);
    assert_eq!(values[&4].tier, None);
}

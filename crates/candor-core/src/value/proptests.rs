#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn revenues() -> impl Strategy<Value = Vec<(u16, i64)>> {
    proptest::collection::vec((0u16..60, -1_000i64..1_000_000), 0..80)
}

fn summed(revenue: &[(u16, i64)]) -> BTreeMap<u16, i128> {
    let mut m = BTreeMap::new();
    for (c, r) in revenue {
        *m.entry(*c).or_insert(0i128) += i128::from(*r);
    }
    m.retain(|_, r| *r > 0);
    m
}

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(Currency::ALL.to_vec())
}

proptest! {
    #[test]
    fn tier_a_is_minimal_and_reaches_80_percent(revenue in revenues()) {
        let tiers = pareto_tiers(revenue.clone(), TierCuts::default());
        let totals = summed(&revenue);
        let total: i128 = totals.values().sum();
        let a: Vec<i128> = totals.iter().filter(|(c, _)| tiers.get(*c) == Some(&Tier::A)).map(|(_, r)| *r).collect();
        if total > 0 {
            let sum_a: i128 = a.iter().sum();
            prop_assert!(sum_a * 100 >= 80 * total);
            let smallest = a.iter().min().copied().unwrap_or(0);
            prop_assert!((sum_a - smallest) * 100 < 80 * total);
            // No customer outside A earns more than one inside it.
            let outside_max = totals.iter().filter(|(c, _)| tiers.get(*c) != Some(&Tier::A)).map(|(_, r)| *r).max();
            if let Some(m) = outside_max { prop_assert!(m <= smallest); }
        }
    }

    #[test]
    fn tiers_partition_customers_with_revenue(revenue in revenues()) {
        let tiers = pareto_tiers(revenue.clone(), TierCuts::default());
        let totals = summed(&revenue);
        prop_assert_eq!(tiers.keys().collect::<Vec<_>>(), totals.keys().collect::<Vec<_>>());
        let total: i128 = totals.values().sum();
        let share = |t: Tier| totals.iter().filter(|(c, _)| tiers[*c] == t).map(|(_, r)| *r).sum::<i128>();
        prop_assert_eq!(share(Tier::A) + share(Tier::B) + share(Tier::C), total);
        // Tiers never rise as revenue falls.
        let mut ranked: Vec<_> = totals.iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for pair in ranked.windows(2) {
            prop_assert!(tiers[pair[0].0] <= tiers[pair[1].0]);
        }
    }

    #[test]
    fn tiers_are_deterministic_whatever_the_input_order(revenue in revenues(), seed in any::<u64>()) {
        let mut shuffled = revenue.clone();
        // A cheap deterministic shuffle.
        let n = shuffled.len();
        for i in 0..n {
            let j = ((seed.wrapping_mul(i as u64 + 1) >> 7) % n as u64) as usize;
            shuffled.swap(i, j);
        }
        prop_assert_eq!(pareto_tiers(revenue, TierCuts::default()), pareto_tiers(shuffled, TierCuts::default()));
    }

    #[test]
    fn quintile_scores_are_monotone(values in proptest::collection::vec(-50i64..50, 0..100)) {
        let figures: Vec<(usize, i64)> = values.iter().copied().enumerate().collect();
        let scores = quintile_scores(&figures);
        for (i, a) in &figures {
            prop_assert!((1..=5).contains(&scores[i]));
            for (j, b) in &figures {
                if a < b { prop_assert!(scores[i] <= scores[j]); }
                if a == b { prop_assert_eq!(scores[i], scores[j]); }
            }
        }
    }

    #[test]
    fn money_round_trips(minor in any::<i64>(), currency in currency()) {
        let m = Money::new(minor, currency);
        prop_assert_eq!(Money::parse(&m.amount(), currency), Ok(m));
    }

    #[test]
    fn money_parse_never_panics(s in "\\PC{0,40}|-?[0-9]{0,25}(\\.[0-9]{0,5})?", currency in currency()) {
        if let Ok(m) = Money::parse(&s, currency) {
            prop_assert_eq!(Money::parse(&m.amount(), currency), Ok(m));
        }
    }
}

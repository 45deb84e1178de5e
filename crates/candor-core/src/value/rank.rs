//! Ranking customers against each other: quintile scores and Pareto tiers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A customer's Pareto tier by revenue over the tier window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    /// Among the fewest customers who together make the first 80% of revenue.
    A,
    /// The customers who make the next share, up to 95%.
    B,
    /// Every other customer with revenue.
    C,
}

impl Tier {
    /// "A", "B" or "C".
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::A => "A",
            Tier::B => "B",
            Tier::C => "C",
        }
    }
}

/// Where the tiers are cut, as percentages of the window's revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierCuts {
    /// Tier A covers revenue up to this share (default 80).
    pub a_percent: u8,
    /// Tier B covers revenue up to this share (default 95).
    pub b_percent: u8,
}

impl Default for TierCuts {
    fn default() -> Self {
        Self {
            a_percent: 80,
            b_percent: 95,
        }
    }
}

/// Pareto tiers from each customer's revenue (see the module docs of `value`).
///
/// Customers are sorted by revenue, highest first, ties by customer key; each joins
/// tier A while the revenue of those before it is below the A cut, then B while below
/// the B cut, then C. Customers with no positive revenue get no tier and are left out.
/// Entries for the same customer are added up.
pub fn pareto_tiers<C: Ord + Clone>(revenue: impl IntoIterator<Item = (C, i64)>, cuts: TierCuts) -> BTreeMap<C, Tier> {
    let mut summed: BTreeMap<C, i128> = BTreeMap::new();
    for (customer, amount) in revenue {
        *summed.entry(customer).or_default() += i128::from(amount);
    }
    let mut ranked: Vec<(C, i128)> = summed.into_iter().filter(|(_, r)| *r > 0).collect();
    // Stable sort keeps the key order (ascending) among equal revenues.
    ranked.sort_by_key(|(_, r)| std::cmp::Reverse(*r));
    let total: i128 = ranked.iter().map(|(_, r)| r).sum();
    let mut before: i128 = 0;
    let mut tiers = BTreeMap::new();
    for (customer, amount) in ranked {
        let tier = if before * 100 < i128::from(cuts.a_percent) * total {
            Tier::A
        } else if before * 100 < i128::from(cuts.b_percent) * total {
            Tier::B
        } else {
            Tier::C
        };
        before += amount;
        tiers.insert(customer, tier);
    }
    tiers
}

/// Scores of 1 to 5 by quintile: a customer's score is 1 plus five times the share of
/// customers with a strictly smaller value, rounded down. Equal values score equally,
/// the largest values score highest, and a lone customer scores 1.
pub fn quintile_scores<C: Ord + Clone, V: Ord>(values: &[(C, V)]) -> BTreeMap<C, u8> {
    let mut order: Vec<&(C, V)> = values.iter().collect();
    order.sort_by(|a, b| a.1.cmp(&b.1));
    let n = order.len();
    let mut scores = BTreeMap::new();
    let mut smaller = 0;
    for (i, (customer, value)) in order.iter().enumerate() {
        if i > 0 && order[i - 1].1 < *value {
            smaller = i;
        }
        let score = 1 + (5 * smaller) / n;
        scores.insert(customer.clone(), u8::try_from(score).unwrap_or(5));
    }
    scores
}

//! Customer value: lifetime value, RFM scores, Pareto tiers and lifecycle stages.
//!
//! Value is computed from purchases, never typed in. The method, so that every figure
//! can be explained:
//!
//! - **Purchases** carry an amount, a currency, a time and a status: `paid` (money
//!   came in and stayed), `refunded` (money came in and went back), `cancelled` (no
//!   money moved). Only purchases in the workspace's currency count towards money
//!   figures; there are no exchange rates here. Purchases dated after `now` are ignored.
//! - **Lifetime value** is paid minus refunded: `gross` is every amount that came in
//!   (paid and refunded purchases), `refunded` what went back, `net` the difference.
//! - **RFM** scores recency (time of the last paid purchase), frequency (number of paid
//!   purchases) and monetary value (net lifetime value) from 1 to 5 by quintile over
//!   the workspace's customers with at least one paid purchase: a score is 1 plus five
//!   times the share of those customers with a strictly smaller figure, rounded down,
//!   so equal figures score equally and 5 is best.
//! - **Pareto tier** ranks customers by revenue over the last 12 months (paid purchases
//!   in the window): tier A is the smallest set of customers who together make 80% of
//!   the workspace's revenue (highest revenue first, ties by customer id, taken until
//!   the running total reaches 80%), tier B the following customers up to 95%, tier C
//!   everyone else with revenue. Customers with no revenue in the window have no tier.
//! - **Lifecycle stage** follows [`StageRules`]: lead, customer, at-risk, former.

mod money;
mod rank;
mod stage;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

pub use money::{Currency, Money, MoneyError};
pub use rank::{Tier, TierCuts, pareto_tiers, quintile_scores};
pub use stage::{Stage, StageRules};

/// What became of a purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PurchaseStatus {
    /// Paid and kept.
    Paid,
    /// Paid, then refunded.
    Refunded,
    /// Cancelled before any money moved.
    Cancelled,
}

/// One purchase, as far as value is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// What was paid.
    pub amount: Money,
    /// When it was bought.
    pub at: Timestamp,
    /// What became of it.
    pub status: PurchaseStatus,
}

/// Lifetime value with its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifetimeValue {
    /// Everything that was paid, including what was later refunded.
    pub gross: Money,
    /// What was refunded.
    pub refunded: Money,
    /// Gross minus refunded.
    pub net: Money,
}

/// Lifetime value of `purchases` in `currency` up to `now` (see the module docs).
pub fn lifetime_value(purchases: &[Purchase], currency: Currency, now: Timestamp) -> Result<LifetimeValue, MoneyError> {
    let mut gross = Money::zero(currency);
    let mut refunded = Money::zero(currency);
    for p in purchases
        .iter()
        .filter(|p| p.amount.currency == currency && p.at <= now)
    {
        match p.status {
            PurchaseStatus::Paid => gross = gross.checked_add(p.amount)?,
            PurchaseStatus::Refunded => {
                gross = gross.checked_add(p.amount)?;
                refunded = refunded.checked_add(p.amount)?;
            }
            PurchaseStatus::Cancelled => {}
        }
    }
    Ok(LifetimeValue {
        gross,
        refunded,
        net: gross.checked_sub(refunded)?,
    })
}

/// Recency, frequency and monetary scores, each 1 (lowest) to 5 (best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rfm {
    /// How recently the customer last paid.
    pub recency: u8,
    /// How many paid purchases.
    pub frequency: u8,
    /// Net lifetime value.
    pub monetary: u8,
}

/// The rules behind value figures, with the defaults the module docs describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ValueRules {
    /// Lifecycle thresholds.
    pub stages: StageRules,
    /// Where the Pareto tiers are cut.
    pub tiers: TierCuts,
}

/// One customer's purchases and flags, as input to [`analyse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerHistory<C> {
    /// The customer's id.
    pub customer: C,
    /// Every purchase of the customer.
    pub purchases: Vec<Purchase>,
    /// Whether another system marked the customer at risk.
    pub flagged_at_risk: bool,
}

/// Every value figure of one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerValue {
    /// Lifetime value and its parts.
    pub lifetime_value: LifetimeValue,
    /// Revenue over the tier window (the last 12 months).
    pub window_revenue: Money,
    /// Number of paid purchases.
    pub orders: u32,
    /// Time of the last paid purchase.
    pub last_purchase_at: Option<Timestamp>,
    /// RFM scores; `None` without a paid purchase.
    pub rfm: Option<Rfm>,
    /// Pareto tier; `None` without revenue in the window.
    pub tier: Option<Tier>,
    /// Lifecycle stage.
    pub stage: Stage,
}

/// Computes every customer's value figures over a whole workspace at `now`, in
/// `currency` (one entry per customer). Customer ids order ties, so the result is
/// deterministic.
pub fn analyse<C: Ord + Clone>(
    customers: &[CustomerHistory<C>],
    currency: Currency,
    now: Timestamp,
    rules: &ValueRules,
) -> Result<BTreeMap<C, CustomerValue>, MoneyError> {
    let window_start = now
        .to_zoned(TimeZone::UTC)
        .checked_sub(12.months())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN);
    let mut out = BTreeMap::new();
    for history in customers {
        let ltv = lifetime_value(&history.purchases, currency, now)?;
        let mut window = Money::zero(currency);
        let mut orders = 0u32;
        let mut last = None;
        for p in history
            .purchases
            .iter()
            .filter(|p| p.status == PurchaseStatus::Paid && p.amount.currency == currency && p.at <= now)
        {
            orders = orders.saturating_add(1);
            last = last.max(Some(p.at));
            if p.at > window_start {
                window = window.checked_add(p.amount)?;
            }
        }
        let value = CustomerValue {
            lifetime_value: ltv,
            window_revenue: window,
            orders,
            last_purchase_at: last,
            rfm: None,
            tier: None,
            stage: rules.stages.stage(&history.purchases, history.flagged_at_risk, now),
        };
        out.insert(history.customer.clone(), value);
    }
    let buyers: Vec<(C, CustomerValue)> = out
        .iter()
        .filter(|(_, v)| v.orders > 0)
        .map(|(c, v)| (c.clone(), *v))
        .collect();
    let pick = |f: fn(&CustomerValue) -> i64| -> BTreeMap<C, u8> {
        let figures: Vec<(C, i64)> = buyers.iter().map(|(c, v)| (c.clone(), f(v))).collect();
        quintile_scores(&figures)
    };
    let recency = pick(|v| v.last_purchase_at.map_or(i64::MIN, |t| t.as_second()));
    let frequency = pick(|v| i64::from(v.orders));
    let monetary = pick(|v| v.lifetime_value.net.minor);
    let tiers = pareto_tiers(
        out.iter().map(|(c, v)| (c.clone(), v.window_revenue.minor)),
        rules.tiers,
    );
    for (customer, value) in out.iter_mut() {
        if let (Some(r), Some(f), Some(m)) = (recency.get(customer), frequency.get(customer), monetary.get(customer)) {
            value.rfm = Some(Rfm {
                recency: *r,
                frequency: *f,
                monetary: *m,
            });
        }
        value.tier = tiers.get(customer).copied();
    }
    Ok(out)
}

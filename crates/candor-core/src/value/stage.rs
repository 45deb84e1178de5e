//! Lifecycle stages, derived from purchases by rules.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Purchase, PurchaseStatus};

/// Where a customer stands in their relationship with the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Has never paid for anything.
    Lead,
    /// Buys from us.
    Customer,
    /// Has not bought for a while, or is flagged by another system.
    AtRisk,
    /// Has not bought for a long time, or had every purchase cancelled or refunded.
    Former,
}

impl Stage {
    /// "lead", "customer", "at-risk" or "former".
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Lead => "lead",
            Stage::Customer => "customer",
            Stage::AtRisk => "at-risk",
            Stage::Former => "former",
        }
    }
}

/// The thresholds of the lifecycle rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageRules {
    /// Days without a purchase after which a customer is at risk (default 180).
    pub at_risk_after_days: u32,
    /// Days without a purchase after which a customer is former (default 365).
    pub former_after_days: u32,
}

impl Default for StageRules {
    fn default() -> Self {
        Self {
            at_risk_after_days: 180,
            former_after_days: 365,
        }
    }
}

impl StageRules {
    /// The stage of a customer with these purchases at `now`; `flagged_at_risk` is an
    /// external at-risk flag (e.g. from a billing system).
    ///
    /// In order: nothing ever paid (no purchase, or only cancelled ones) → lead; paid
    /// once but nothing standing (all refunded or cancelled) → former; last standing paid
    /// purchase older than `former_after_days` → former; older than `at_risk_after_days`,
    /// or flagged → at-risk; otherwise customer. Purchases after `now` are ignored.
    pub fn stage(&self, purchases: &[Purchase], flagged_at_risk: bool, now: Timestamp) -> Stage {
        let past = purchases.iter().filter(|p| p.at <= now);
        let mut ever_paid = false;
        let mut last_paid: Option<Timestamp> = None;
        for p in past {
            match p.status {
                PurchaseStatus::Paid => {
                    ever_paid = true;
                    last_paid = last_paid.max(Some(p.at));
                }
                PurchaseStatus::Refunded => ever_paid = true,
                PurchaseStatus::Cancelled => {}
            }
        }
        let Some(last) = last_paid else {
            return if ever_paid { Stage::Former } else { Stage::Lead };
        };
        let age = now.duration_since(last);
        let days = |d: u32| SignedDuration::from_hours(24 * i64::from(d));
        if age >= days(self.former_after_days) {
            Stage::Former
        } else if flagged_at_risk || age >= days(self.at_risk_after_days) {
            Stage::AtRisk
        } else {
            Stage::Customer
        }
    }
}

//! The next best action: beside a conversation, a short list of what would
//! serve this customer now, each with its reason, from rules a workspace
//! tunes ([`Rules`]). Everything here is pure: the operation gathers the
//! [`Facts`] (promises, what they bought and the conversation names, which
//! offers' conditions they meet, who knows them best) and [`evaluate`]
//! turns them into [`Action`]s, most pressing first.
//!
//! The rules, in the order their actions are listed:
//!
//! 1. **Promises**: a promise to this customer that was broken in the last
//!    `broken_within_days` days (and not made again), or an open one due
//!    within `due_within_hours` (or already late).
//! 2. **Already bought**: a product named in the conversation that they
//!    bought (paid) before: say so before selling it again.
//! 3. **Win-back**: a former customer writing again: the workspace's
//!    win-back offer.
//! 4. **Who should call**: a tier-A or at-risk customer: their account owner
//!    (the staff member named in the customer's `owner_attribute`), else the
//!    staff member who has answered them most.
//! 5. **Offers**: each offer whose condition (a segment query, the language
//!    of the customer list) the customer meets: a cheaper plan, a discount,
//!    an entitlement.

mod mention;

#[cfg(test)]
mod tests;

use crate::ids::{PromiseId, UserId};
use crate::promises::PromiseState;
use crate::segment;
use crate::value::{Stage, Tier};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

pub use mention::names_product;

/// The most actions listed beside a conversation.
pub const MAX_ACTIONS: usize = 6;
/// The most offers a workspace may define.
pub const MAX_OFFERS: usize = 20;

/// A workspace's next-best-action rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Promises due or broken.
    pub promises: PromiseRule,
    /// Products named in the conversation that they bought before.
    pub already_bought: AlreadyBoughtRule,
    /// A former customer writing again.
    pub win_back: WinBackRule,
    /// Tier-A and at-risk customers: who should call them.
    pub call: CallRule,
    /// Discounts, cheaper plans and entitlements, each with its condition.
    pub offers: Vec<Offer>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            promises: PromiseRule::default(),
            already_bought: AlreadyBoughtRule { enabled: true },
            win_back: WinBackRule::default(),
            call: CallRule::default(),
            offers: Vec::new(),
        }
    }
}

/// Promises due or broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromiseRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// An open promise due within this many hours is listed (1 to 720).
    pub due_within_hours: u32,
    /// A promise broken within this many days is listed (1 to 365).
    pub broken_within_days: u32,
}

impl Default for PromiseRule {
    fn default() -> Self {
        Self {
            enabled: true,
            due_within_hours: 24,
            broken_within_days: 30,
        }
    }
}

/// "Already bought this".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlreadyBoughtRule {
    /// Whether the rule runs.
    pub enabled: bool,
}

impl Default for AlreadyBoughtRule {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// The win-back offer for a former customer who writes again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WinBackRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// What to offer, in a line (at most 200 characters).
    pub offer: String,
}

impl Default for WinBackRule {
    fn default() -> Self {
        Self {
            enabled: true,
            offer: "Welcome them back and ask what would serve them now".into(),
        }
    }
}

/// Who should call a tier-A or at-risk customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// For tier-A customers.
    pub tier_a: bool,
    /// For customers at risk.
    pub at_risk: bool,
    /// The custom attribute naming a customer's account owner (a staff
    /// member's email address or full name).
    pub owner_attribute: String,
}

impl Default for CallRule {
    fn default() -> Self {
        Self {
            enabled: true,
            tier_a: true,
            at_risk: true,
            owner_attribute: "account_owner".into(),
        }
    }
}

/// A discount, cheaper plan or entitlement and who qualifies for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// What to offer, in a line: "Student discount: 20% off the annual service".
    pub title: String,
    /// Who qualifies, as a segment query: `attr.student:true`.
    pub when: String,
    /// Why, for the agent; empty: the condition itself is shown.
    #[serde(default)]
    pub reason: String,
}

/// A rule that cannot be used; `field` is its path, e.g. `offers[0].when`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleError {
    /// The field at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// For a query, the character it fails at.
    pub position: Option<usize>,
}

fn fail<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, RuleError> {
    Err(RuleError {
        field: field.into(),
        message: message.into(),
        position: None,
    })
}

fn line(field: &str, raw: &str, max: usize, required: bool) -> Result<String, RuleError> {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if required && s.is_empty() {
        return fail(field, "this may not be empty");
    }
    if s.chars().count() > max {
        return fail(field, format!("at most {max} characters"));
    }
    Ok(s)
}

impl Rules {
    /// Checks and normalises every rule: offer conditions in canonical
    /// form, text trimmed. Errors name the field.
    pub fn checked(mut self) -> Result<Rules, RuleError> {
        if !(1..=720).contains(&self.promises.due_within_hours) {
            return fail("promises.due_within_hours", "from 1 to 720 hours");
        }
        if !(1..=365).contains(&self.promises.broken_within_days) {
            return fail("promises.broken_within_days", "from 1 to 365 days");
        }
        self.win_back.offer = line("win_back.offer", &self.win_back.offer, 200, self.win_back.enabled)?;
        let attr = self.call.owner_attribute.trim().to_ascii_lowercase();
        if !attr.is_empty() && crate::customer::check_attribute_name(&attr).is_err() {
            return fail(
                "call.owner_attribute",
                "an attribute name: a letter, then letters, digits and _",
            );
        }
        self.call.owner_attribute = attr;
        if self.offers.len() > MAX_OFFERS {
            return fail("offers", format!("at most {MAX_OFFERS} offers"));
        }
        for (i, o) in self.offers.iter_mut().enumerate() {
            o.title = line(&format!("offers[{i}].title"), &o.title, 120, true)?;
            o.reason = line(&format!("offers[{i}].reason"), &o.reason, 500, false)?;
            if o.when.trim().is_empty() {
                return fail(format!("offers[{i}].when"), "say who qualifies, e.g. attr.student:true");
            }
            let expr = segment::parse(&o.when).map_err(|e| RuleError {
                field: format!("offers[{i}].when"),
                message: e.to_string(),
                position: Some(e.position),
            })?;
            o.when = expr.to_string();
        }
        Ok(self)
    }
}

/// A promise made to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseFact {
    /// Its id.
    pub id: PromiseId,
    /// What was promised.
    pub description: String,
    /// The name of who owes it.
    pub owner: String,
    /// When it is due.
    pub due_at: Timestamp,
    /// Open, kept or broken.
    pub state: PromiseState,
    /// When it was kept or broken.
    pub settled_at: Option<Timestamp>,
    /// Whether a later promise makes it again.
    pub replaced: bool,
}

/// A product they bought before that the conversation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bought {
    /// The product's id.
    pub product: String,
    /// Its name, if known.
    pub name: Option<String>,
    /// Paid purchases of it.
    pub count: i64,
    /// The latest.
    pub last_at: Timestamp,
}

/// Why this staff member should call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallWhy {
    /// Named as the customer's account owner.
    AccountOwner,
    /// Has answered them most: this many replies.
    MostReplies(i64),
}

/// Who should call the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallWho {
    /// The staff member.
    pub user_id: UserId,
    /// Their full name.
    pub name: String,
    /// Why them.
    pub why: CallWhy,
}

/// What is known about the customer and the conversation.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Now.
    pub now: Timestamp,
    /// Where dates are shown.
    pub time_zone: TimeZone,
    /// Their lifecycle stage.
    pub stage: Stage,
    /// Their Pareto tier.
    pub tier: Option<Tier>,
    /// Their last paid purchase.
    pub last_purchase_at: Option<Timestamp>,
    /// What they bought last (name, else id).
    pub last_product: Option<String>,
    /// Whether the customer wrote in this conversation.
    pub customer_wrote: bool,
    /// Promises made to them, in any conversation.
    pub promises: Vec<PromiseFact>,
    /// Products the conversation names that they bought before.
    pub bought: Vec<Bought>,
    /// For each offer of the rules, in order, whether they qualify.
    pub offers_met: Vec<bool>,
    /// Who should call them, if anyone is known.
    pub caller: Option<CallWho>,
}

/// What an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// A promise to them was broken.
    PromiseBroken,
    /// A promise to them is due soon or late.
    PromiseDue,
    /// They already bought what the conversation is about.
    AlreadyBought,
    /// A former customer writing again.
    WinBack,
    /// Someone should call them.
    Call,
    /// A discount, cheaper plan or entitlement they qualify for.
    Offer,
}

/// A staff member an action names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffRef {
    /// Their id.
    pub id: UserId,
    /// Their full name.
    pub name: String,
}

/// One thing to do for the customer, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// What it is about.
    pub kind: ActionKind,
    /// What to do, in a line.
    pub title: String,
    /// Why, in a sentence or two.
    pub reason: String,
    /// The promise it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promise_id: Option<PromiseId>,
    /// The product it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// When they last bought it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_purchased_at: Option<Timestamp>,
    /// How many times they bought it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// Who should do it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffRef>,
    /// The offer's position in the rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<usize>,
}

impl Action {
    fn new(kind: ActionKind, title: String, reason: String) -> Self {
        Self {
            kind,
            title,
            reason,
            promise_id: None,
            product: None,
            last_purchased_at: None,
            count: None,
            staff: None,
            offer: None,
        }
    }
}

/// A date for people, in the workspace's zone: "3 March 2026".
pub fn day(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%-d %B %Y").to_string()
}

/// A due time for people: "3 March 2026, 14:00".
fn due(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%-d %B %Y, %H:%M").to_string()
}

/// "in 5 hours", "in 40 minutes", or "now".
fn within(from: Timestamp, to: Timestamp) -> String {
    let d = to.duration_since(from);
    if d >= SignedDuration::from_hours(2) {
        format!("in {} hours", d.as_hours())
    } else if d >= SignedDuration::from_mins(2) {
        format!("in {} minutes", d.as_mins())
    } else {
        "now".into()
    }
}

fn promise_actions(rule: &PromiseRule, f: &Facts, out: &mut Vec<Action>) {
    let broken_since = f.now - SignedDuration::from_hours(24 * i64::from(rule.broken_within_days));
    let due_by = f.now + SignedDuration::from_hours(i64::from(rule.due_within_hours));
    let mut broken: Vec<&PromiseFact> = Vec::new();
    let mut due_soon: Vec<&PromiseFact> = Vec::new();
    for p in &f.promises {
        let late = p.state == PromiseState::Open && p.due_at < f.now;
        let recently_broken =
            p.state == PromiseState::Broken && !p.replaced && p.settled_at.unwrap_or(p.due_at) >= broken_since;
        if recently_broken || late {
            broken.push(p);
        } else if p.state == PromiseState::Open && p.due_at <= due_by {
            due_soon.push(p);
        }
    }
    broken.sort_by_key(|p| p.due_at);
    due_soon.sort_by_key(|p| p.due_at);
    for p in broken {
        let verb = if p.state == PromiseState::Open {
            "is late"
        } else {
            "was not kept"
        };
        let mut a = Action::new(
            ActionKind::PromiseBroken,
            format!("Make good on a broken promise: {}", p.description),
            format!(
                "{} promised it by {}; it {verb}. Say so plainly and put it right.",
                p.owner,
                due(p.due_at, &f.time_zone)
            ),
        );
        a.promise_id = Some(p.id);
        out.push(a);
    }
    for p in due_soon {
        let mut a = Action::new(
            ActionKind::PromiseDue,
            format!("Promise due {}: {}", within(f.now, p.due_at), p.description),
            format!("{} promised it by {}.", p.owner, due(p.due_at, &f.time_zone)),
        );
        a.promise_id = Some(p.id);
        out.push(a);
    }
}

fn bought_actions(f: &Facts, out: &mut Vec<Action>) {
    for b in &f.bought {
        let what = b.name.clone().unwrap_or_else(|| b.product.clone());
        let times = if b.count == 1 {
            "once".to_string()
        } else {
            format!("{} times", b.count)
        };
        let mut a = Action::new(
            ActionKind::AlreadyBought,
            format!("Already bought: {what}"),
            format!(
                "They bought {what} {times}, last on {}. Check that they need it again before selling it to them.",
                day(b.last_at, &f.time_zone)
            ),
        );
        a.product = Some(b.product.clone());
        a.last_purchased_at = Some(b.last_at);
        a.count = Some(b.count);
        out.push(a);
    }
}

fn win_back_action(rule: &WinBackRule, f: &Facts) -> Option<Action> {
    if f.stage != Stage::Former || !f.customer_wrote {
        return None;
    }
    let last = match (&f.last_product, f.last_purchase_at) {
        (Some(p), Some(at)) => format!("they last bought {p} on {}", day(at, &f.time_zone)),
        (None, Some(at)) => format!("their last purchase was on {}", day(at, &f.time_zone)),
        _ => "none of their purchases stood".into(),
    };
    Some(Action::new(
        ActionKind::WinBack,
        rule.offer.clone(),
        format!("A former customer is writing again: {last}."),
    ))
}

fn call_action(rule: &CallRule, f: &Facts) -> Option<Action> {
    let why_them = if rule.tier_a && f.tier == Some(Tier::A) {
        "Tier A: among the few customers who bring 80% of revenue".to_string()
    } else if rule.at_risk && f.stage == Stage::AtRisk {
        match f.last_purchase_at {
            Some(at) => format!("At risk: no purchase since {}", day(at, &f.time_zone)),
            None => "At risk".to_string(),
        }
    } else {
        return None;
    };
    let (title, who, staff) = match &f.caller {
        Some(c) => {
            let who = match c.why {
                CallWhy::AccountOwner => format!("{} is their account owner", c.name),
                CallWhy::MostReplies(n) => format!(
                    "{} has answered them most ({n} {})",
                    c.name,
                    if n == 1 { "reply" } else { "replies" }
                ),
            };
            (
                format!("{} should call them", c.name),
                who,
                Some(StaffRef {
                    id: c.user_id,
                    name: c.name.clone(),
                }),
            )
        }
        None => (
            "Call them".to_string(),
            "nobody has answered them yet, so whoever takes this conversation".to_string(),
            None,
        ),
    };
    let mut a = Action::new(ActionKind::Call, title, format!("{why_them}; {who}."));
    a.staff = staff;
    Some(a)
}

/// The actions for these facts under these rules, most pressing first, at
/// most [`MAX_ACTIONS`].
pub fn evaluate(rules: &Rules, f: &Facts) -> Vec<Action> {
    let mut out = Vec::new();
    if rules.promises.enabled {
        promise_actions(&rules.promises, f, &mut out);
    }
    if rules.already_bought.enabled {
        bought_actions(f, &mut out);
    }
    if rules.win_back.enabled {
        out.extend(win_back_action(&rules.win_back, f));
    }
    if rules.call.enabled {
        out.extend(call_action(&rules.call, f));
    }
    for (i, o) in rules.offers.iter().enumerate() {
        if f.offers_met.get(i).copied().unwrap_or(false) {
            let reason = if o.reason.is_empty() {
                format!("They qualify: {}.", o.when)
            } else {
                o.reason.clone()
            };
            let mut a = Action::new(ActionKind::Offer, o.title.clone(), reason);
            a.offer = Some(i);
            out.push(a);
        }
    }
    out.truncate(MAX_ACTIONS);
    out
}

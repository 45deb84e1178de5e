//! The signals behind the trust equation: what is counted, which component
//! it feeds, and the counters that hold the counts.
//!
//! Counts are kept in thousandths ([`UNIT`]) as whole numbers, so that a
//! fractional observation (a message's sentiment placed on 0–1) adds exactly
//! and any order of adding gives the same total.

use super::{Component, Signal};
use serde::Serialize;

/// One observation, in the counters' units.
pub const UNIT: i64 = 1000;

/// Every signal, in the order of [`SIGNALS`] and of the counters' arrays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKey {
    /// Conversations solved that stayed solved (a reopen takes one back).
    SolvedHeld,
    /// Community questions the customer asked that got an accepted answer.
    AnswersAccepted,
    /// Promises kept by their due time, of those settled.
    PromisesKept,
    /// Commitment clocks met, of those measured, in solved conversations.
    CommitmentsMet,
    /// What the customer chose to share: preferences, consent given.
    Shared,
    /// Messages in which the customer explains in their own words.
    Candid,
    /// The tone of the customer's words.
    Sentiment,
    /// Waits beyond a commitment, per conversation.
    Waits,
    /// Replies that hid behind policy, read from a script or pushed a sale.
    SelfServingReplies,
    /// Marketing sent against the customer's preferences.
    MarketingAgainstPreferences,
}

/// How many signals there are.
pub const SIGNAL_COUNT: usize = 10;

/// What a signal is, for people and for the arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SignalDef {
    /// Its key.
    pub key: SignalKey,
    /// A stable name, also the prefix of its stored columns.
    pub name: &'static str,
    /// The component it feeds.
    pub component: Component,
    /// What is counted, in a sentence.
    pub label: &'static str,
    /// What the favourable count counts (for self-orientation: the self-serving).
    pub favourable_words: &'static str,
    /// What the observed count counts.
    pub observed_words: &'static str,
    /// Whether it is counted for a customer (and so for the workspace).
    pub for_customers: bool,
    /// Whether it is counted for an agent.
    pub for_agents: bool,
}

/// The catalogue, in [`SignalKey`] order.
pub const SIGNALS: [SignalDef; SIGNAL_COUNT] = [
    SignalDef {
        key: SignalKey::SolvedHeld,
        name: "solved_held",
        component: Component::Credibility,
        label: "Conversations solved that stayed solved (a reopen takes one back)",
        favourable_words: "stayed solved",
        observed_words: "solved",
        for_customers: true,
        for_agents: true,
    },
    SignalDef {
        key: SignalKey::AnswersAccepted,
        name: "answers_accepted",
        component: Component::Credibility,
        label: "Community questions that got an answer the asker or staff accepted",
        favourable_words: "answered",
        observed_words: "questions asked",
        for_customers: true,
        for_agents: false,
    },
    SignalDef {
        key: SignalKey::PromisesKept,
        name: "promises_kept",
        component: Component::Reliability,
        label: "Promises kept by their due time",
        favourable_words: "kept",
        observed_words: "kept or broken",
        for_customers: true,
        for_agents: true,
    },
    SignalDef {
        key: SignalKey::CommitmentsMet,
        name: "commitments_met",
        component: Component::Reliability,
        label: "Public commitments met (first reply, resolution) in solved conversations",
        favourable_words: "met",
        observed_words: "measured",
        for_customers: true,
        for_agents: true,
    },
    SignalDef {
        key: SignalKey::Shared,
        name: "shared",
        component: Component::Intimacy,
        label: "Preferences set and consent given (consent withdrawn counts against)",
        favourable_words: "shared",
        observed_words: "changes",
        for_customers: true,
        for_agents: false,
    },
    SignalDef {
        key: SignalKey::Candid,
        name: "candid",
        component: Component::Intimacy,
        label: "Messages in which the customer explains in their own words (40 words or more)",
        favourable_words: "candid",
        observed_words: "messages",
        for_customers: true,
        for_agents: false,
    },
    SignalDef {
        key: SignalKey::Sentiment,
        name: "sentiment",
        component: Component::Intimacy,
        label: "The tone of the customer's messages (sentiment −1…+1 placed on 0…1); for an agent, the last message of each conversation they solved",
        favourable_words: "tone",
        observed_words: "messages",
        for_customers: true,
        for_agents: true,
    },
    SignalDef {
        key: SignalKey::Waits,
        name: "waits",
        component: Component::SelfOrientation,
        label: "Waits beyond a public commitment, per conversation",
        favourable_words: "commitments missed",
        observed_words: "conversations",
        for_customers: true,
        for_agents: true,
    },
    SignalDef {
        key: SignalKey::SelfServingReplies,
        name: "self_serving_replies",
        component: Component::SelfOrientation,
        label: "Replies that hid behind policy, read from a script or pushed a sale",
        favourable_words: "self-serving",
        observed_words: "replies",
        for_customers: true,
        for_agents: true,
    },
    SignalDef {
        key: SignalKey::MarketingAgainstPreferences,
        name: "marketing_against_preferences",
        component: Component::SelfOrientation,
        label: "Marketing sent against the customer's preferences",
        favourable_words: "against preferences",
        observed_words: "marketing sent",
        for_customers: true,
        for_agents: false,
    },
];

impl SignalKey {
    /// Its place in [`SIGNALS`] and in the counters.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Its definition.
    pub fn def(self) -> &'static SignalDef {
        &SIGNALS[self.index()]
    }
}

/// Whose trust a count belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// A customer's relationship with the company.
    Customer,
    /// What an agent's contacts did for trust.
    Agent,
    /// The whole workspace: the sum of its customers.
    Workspace,
}

impl ScopeKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Customer => "customer",
            ScopeKind::Agent => "agent",
            ScopeKind::Workspace => "workspace",
        }
    }

    /// Whether `def` is counted for this scope.
    pub fn counts(self, def: &SignalDef) -> bool {
        match self {
            ScopeKind::Customer | ScopeKind::Workspace => def.for_customers,
            ScopeKind::Agent => def.for_agents,
        }
    }
}

/// The counters of every signal, in thousandths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counts {
    /// Favourable (for self-orientation: self-serving) outcomes.
    pub favourable: [i64; SIGNAL_COUNT],
    /// Outcomes observed.
    pub observed: [i64; SIGNAL_COUNT],
}

impl Counts {
    /// Adds `favourable` and `observed` (thousandths) to one signal.
    pub fn add(&mut self, key: SignalKey, favourable: i64, observed: i64) {
        let i = key.index();
        self.favourable[i] = self.favourable[i].saturating_add(favourable);
        self.observed[i] = self.observed[i].saturating_add(observed);
    }

    /// Adds every counter of `other`.
    pub fn add_all(&mut self, other: &Counts) {
        for i in 0..SIGNAL_COUNT {
            self.favourable[i] = self.favourable[i].saturating_add(other.favourable[i]);
            self.observed[i] = self.observed[i].saturating_add(other.observed[i]);
        }
    }

    /// Takes every counter of `other` away.
    pub fn sub_all(&mut self, other: &Counts) {
        for i in 0..SIGNAL_COUNT {
            self.favourable[i] = self.favourable[i].saturating_sub(other.favourable[i]);
            self.observed[i] = self.observed[i].saturating_sub(other.observed[i]);
        }
    }

    /// Whether every counter is zero.
    pub fn is_zero(&self) -> bool {
        self.favourable.iter().chain(self.observed.iter()).all(|c| *c == 0)
    }

    /// The signals of `scope` with these counts, ready for [`super::trust`].
    pub fn signals(&self, scope: ScopeKind) -> Vec<Signal> {
        SIGNALS
            .iter()
            .filter(|d| scope.counts(d))
            .map(|d| {
                let i = d.key.index();
                Signal {
                    component: d.component,
                    name: d.name,
                    label: d.label,
                    favourable: self.favourable[i] as f64 / UNIT as f64,
                    observed: self.observed[i] as f64 / UNIT as f64,
                    prior: NEUTRAL_PRIOR,
                    weight: 1.0,
                }
            })
            .collect()
    }
}

/// Where every signal's rate leans without evidence: the middle, so a
/// customer with no history scores the neutral middle of each component.
pub const NEUTRAL_PRIOR: f64 = 0.5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_in_key_order_with_unique_names() {
        for (i, d) in SIGNALS.iter().enumerate() {
            assert_eq!(d.key.index(), i, "{}", d.name);
            assert!(d.for_customers || d.for_agents, "{} counts for nobody", d.name);
        }
        let mut names: Vec<_> = SIGNALS.iter().map(|d| d.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SIGNAL_COUNT);
    }

    #[test]
    fn agents_see_only_their_signals() {
        let agent = Counts::default().signals(ScopeKind::Agent);
        assert!(agent.iter().all(|s| s.name != "shared" && s.name != "candid"));
        assert_eq!(Counts::default().signals(ScopeKind::Customer).len(), SIGNAL_COUNT);
    }

    #[test]
    fn adding_and_taking_away_are_inverse() {
        let mut a = Counts::default();
        a.add(SignalKey::Sentiment, 700, UNIT);
        let mut b = a;
        b.add(SignalKey::Waits, UNIT, UNIT);
        b.sub_all(&a);
        let mut only = Counts::default();
        only.add(SignalKey::Waits, UNIT, UNIT);
        assert_eq!(b, only);
        b.sub_all(&only);
        assert!(b.is_zero());
    }
}

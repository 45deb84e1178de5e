//! The trust equation (Maister): trust = (credibility + reliability +
//! intimacy) / self-orientation, each component on a 1–10 scale computed from
//! counted signals.
//!
//! # Method
//! A signal is a count of favourable outcomes among observed ones, e.g.
//! "conversations solved without reopening: 41 of 45". Its rate is smoothed
//! toward a prior with the weight of [`PRIOR_WEIGHT`] imaginary observations,
//! so one or two contacts cannot swing a score to an extreme:
//!
//! ```text
//! rate = (favourable + prior × PRIOR_WEIGHT) / (observed + PRIOR_WEIGHT)
//! ```
//!
//! A component is 1 + 9 × the weighted mean of its signals' rates, so it runs
//! from 1 to 10. For credibility, reliability and intimacy a high rate is
//! good; for self-orientation the rate counts self-serving contacts (a sale
//! pushed, policy hidden behind, a wait beyond a commitment), so a high rate
//! makes the divisor large and trust small. With every component at its
//! bounds, trust runs from 3 / 10 = 0.3 to 30 / 1 = 30; [`TrustScore::score`]
//! is that quotient, and [`TrustScore::percent`] places it on 0–100.
//!
//! # Limits
//! The figure is only as good as the signals recorded: what happens outside
//! Candor (a phone call not logged, a promise made in a hallway) is invisible,
//! and the priors make sparse relationships look average rather than unknown.
//! Every score therefore carries its signals, so a person can see why.
//!
//! The signals, what moves them and the trajectory of steps are in the
//! submodules; docs/trust.md is the method for people.

use serde::Serialize;

pub mod signals;
pub mod tally;
pub mod trajectory;
pub mod trend;

#[cfg(test)]
mod proptests;

pub use signals::{Counts, SIGNALS, ScopeKind, SignalDef, SignalKey};

/// Event kinds of trust.
pub mod kind {
    /// A contact was scored as a step toward partnership or disconnection.
    pub const STEP: &str = "trust.step";
    /// A customer's trajectory started falling and the inbox raised an alert.
    pub const ALERT_RAISED: &str = "trust.alert_raised";
    /// Someone acted on a trust alert (reached out, or dismissed it).
    pub const ALERT_HANDLED: &str = "trust.alert_handled";
    /// A marketing message went out; its payload says whether it went
    /// against the customer's preferences (`against_preferences`). Whatever
    /// sends marketing writes it, so self-orientation can count it.
    pub const MARKETING_SENT: &str = "marketing.sent";
}

/// Imaginary observations each signal's prior is worth.
pub const PRIOR_WEIGHT: f64 = 4.0;

/// The four components of the equation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Are we right? Answers that hold, problems that stay solved.
    Credibility,
    /// Do we do what we said? Commitments met, promises kept.
    Reliability,
    /// Does the customer confide in us? What they share, how they sound.
    Intimacy,
    /// Are we about ourselves? Sales pushed, policy hidden behind, waits.
    SelfOrientation,
}

/// One measured signal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    /// Which component it feeds.
    pub component: Component,
    /// A stable name, e.g. "solved_without_reopen".
    pub name: &'static str,
    /// A sentence saying what is counted.
    pub label: &'static str,
    /// Favourable outcomes (for self-orientation: self-serving ones).
    pub favourable: f64,
    /// Outcomes observed.
    pub observed: f64,
    /// Where the rate leans with no evidence (0–1).
    pub prior: f64,
    /// Its weight within the component.
    pub weight: f64,
}

impl Signal {
    /// The smoothed rate (0–1). Counts are clamped to be sane: favourable
    /// never below 0 nor above observed.
    pub fn rate(&self) -> f64 {
        let observed = finite_non_negative(self.observed);
        let favourable = finite_non_negative(self.favourable).min(observed);
        let prior = self.prior.clamp(0.0, 1.0);
        (favourable + prior * PRIOR_WEIGHT) / (observed + PRIOR_WEIGHT)
    }
}

fn finite_non_negative(x: f64) -> f64 {
    if x.is_finite() { x.max(0.0) } else { 0.0 }
}

/// A component's value and the signals behind it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentScore {
    /// 1–10.
    pub value: f64,
    /// The signals it was computed from.
    pub signals: Vec<Signal>,
}

/// Computes a component from its signals; with none, the neutral middle.
pub fn component(signals: Vec<Signal>) -> ComponentScore {
    let total_weight: f64 = signals.iter().map(|s| finite_non_negative(s.weight)).sum();
    let mean = if total_weight > 0.0 {
        signals
            .iter()
            .map(|s| finite_non_negative(s.weight) * s.rate())
            .sum::<f64>()
            / total_weight
    } else {
        0.5
    };
    ComponentScore {
        value: 1.0 + 9.0 * mean.clamp(0.0, 1.0),
        signals,
    }
}

/// A trust score with its parts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrustScore {
    /// (credibility + reliability + intimacy) / self-orientation, 0.3–30.
    pub score: f64,
    /// The score placed on 0–100.
    pub percent: f64,
    /// 1–10.
    pub credibility: ComponentScore,
    /// 1–10.
    pub reliability: ComponentScore,
    /// 1–10.
    pub intimacy: ComponentScore,
    /// 1–10; higher is worse.
    pub self_orientation: ComponentScore,
}

/// Lowest possible score.
pub const MIN_SCORE: f64 = 0.3;
/// Highest possible score.
pub const MAX_SCORE: f64 = 30.0;

/// Computes trust from signals of all four components.
pub fn trust(signals: &[Signal]) -> TrustScore {
    let of = |c: Component| component(signals.iter().filter(|s| s.component == c).cloned().collect());
    let credibility = of(Component::Credibility);
    let reliability = of(Component::Reliability);
    let intimacy = of(Component::Intimacy);
    let self_orientation = of(Component::SelfOrientation);
    let score = (credibility.value + reliability.value + intimacy.value) / self_orientation.value;
    // A log scale: the quotient's middle (3, all components even) sits at 50.
    let percent = 100.0 * (score / MIN_SCORE).ln() / (MAX_SCORE / MIN_SCORE).ln();
    TrustScore {
        score,
        percent: percent.clamp(0.0, 100.0),
        credibility,
        reliability,
        intimacy,
        self_orientation,
    }
}

fn number(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

impl Signal {
    /// How its rate was computed, with its numbers.
    pub fn formula(&self) -> String {
        let prior = self.prior.clamp(0.0, 1.0);
        format!(
            "({} + {} × {}) / ({} + {}) = {}",
            number(finite_non_negative(self.favourable).min(finite_non_negative(self.observed))),
            number(prior),
            number(PRIOR_WEIGHT),
            number(finite_non_negative(self.observed)),
            number(PRIOR_WEIGHT),
            number(self.rate())
        )
    }
}

impl ComponentScore {
    /// How its value was computed from its signals' rates.
    pub fn formula(&self) -> String {
        if self.signals.is_empty() {
            return format!("no signals: the middle, {}", number(self.value));
        }
        let rates: Vec<String> = self.signals.iter().map(|s| number(s.rate())).collect();
        format!("1 + 9 × mean({}) = {}", rates.join(", "), number(self.value))
    }
}

impl TrustScore {
    /// How the score was computed from the components.
    pub fn formula(&self) -> String {
        format!(
            "({} + {} + {}) / {} = {}",
            number(self.credibility.value),
            number(self.reliability.value),
            number(self.intimacy.value),
            number(self.self_orientation.value),
            number(self.score)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sig(component: Component, favourable: f64, observed: f64) -> Signal {
        Signal {
            component,
            name: "s",
            label: "s",
            favourable,
            observed,
            prior: 0.5,
            weight: 1.0,
        }
    }

    #[test]
    fn neutral_without_evidence_and_bounded_at_the_extremes() {
        let none = trust(&[]);
        assert!((none.score - 3.0).abs() < 1e-9, "{}", none.score);
        assert!((none.percent - 50.0).abs() < 1e-9);
        let best = trust(&[
            sig(Component::Credibility, 1e9, 1e9),
            sig(Component::Reliability, 1e9, 1e9),
            sig(Component::Intimacy, 1e9, 1e9),
            sig(Component::SelfOrientation, 0.0, 1e9),
        ]);
        assert!(best.score > 29.0 && best.score <= MAX_SCORE, "{}", best.score);
        let worst = trust(&[
            sig(Component::Credibility, 0.0, 1e9),
            sig(Component::Reliability, 0.0, 1e9),
            sig(Component::Intimacy, 0.0, 1e9),
            sig(Component::SelfOrientation, 1e9, 1e9),
        ]);
        assert!(worst.score >= MIN_SCORE && worst.score < 0.31, "{}", worst.score);
    }

    #[test]
    fn formulas_show_the_numbers_used() {
        let s = trust(&[sig(Component::Reliability, 3.0, 5.0)]);
        assert_eq!(s.reliability.signals[0].formula(), "(3 + 0.5 × 4) / (5 + 4) = 0.56");
        assert_eq!(s.reliability.formula(), "1 + 9 × mean(0.56) = 6");
        assert_eq!(s.credibility.formula(), "no signals: the middle, 5.5");
        assert_eq!(s.formula(), "(5.5 + 6 + 5.5) / 5.5 = 3.09");
    }

    #[test]
    fn few_contacts_move_the_score_a_little() {
        let one_broken = trust(&[sig(Component::Reliability, 0.0, 1.0)]);
        assert!(
            one_broken.reliability.value > 4.0,
            "one broken promise is not the end: {}",
            one_broken.reliability.value
        );
        let many_broken = trust(&[sig(Component::Reliability, 0.0, 40.0)]);
        assert!(many_broken.reliability.value < 2.0);
    }

    #[test]
    fn nonsense_counts_are_clamped() {
        let s = trust(&[
            sig(Component::Credibility, 50.0, 10.0),
            sig(Component::Intimacy, f64::NAN, -3.0),
        ]);
        assert!(s.score.is_finite());
        assert!(s.credibility.value <= 10.0);
    }

    fn arb_signals() -> impl Strategy<Value = Vec<(u8, f64, f64, f64)>> {
        prop::collection::vec((0u8..4, 0.0f64..500.0, 0.0f64..500.0, 0.0f64..1.0), 0..12)
    }

    fn build(raw: &[(u8, f64, f64, f64)]) -> Vec<Signal> {
        raw.iter()
            .map(|(c, f, o, p)| Signal {
                component: [
                    Component::Credibility,
                    Component::Reliability,
                    Component::Intimacy,
                    Component::SelfOrientation,
                ][*c as usize],
                name: "s",
                label: "s",
                favourable: f.min(*o),
                observed: *o,
                prior: *p,
                weight: 1.0,
            })
            .collect()
    }

    proptest! {
        #[test]
        fn always_bounded(raw in arb_signals()) {
            let s = trust(&build(&raw));
            prop_assert!(s.score >= MIN_SCORE - 1e-9 && s.score <= MAX_SCORE + 1e-9);
            for c in [&s.credibility, &s.reliability, &s.intimacy, &s.self_orientation] {
                prop_assert!(c.value >= 1.0 - 1e-9 && c.value <= 10.0 + 1e-9);
            }
            prop_assert!((0.0..=100.0).contains(&s.percent));
        }

        #[test]
        fn monotone_in_every_signal(raw in arb_signals(), which in 0usize..12, more in 0.5f64..50.0) {
            let mut signals = build(&raw);
            prop_assume!(!signals.is_empty());
            let i = which % signals.len();
            let before = trust(&signals).score;
            // One more favourable outcome observed.
            signals[i].favourable += more;
            signals[i].observed += more;
            let after = trust(&signals).score;
            if signals[i].component == Component::SelfOrientation {
                prop_assert!(after <= before + 1e-9, "more self-serving contacts raised trust");
            } else {
                prop_assert!(after >= before - 1e-9, "a favourable outcome lowered trust");
            }
        }

        #[test]
        fn order_of_evidence_does_not_matter(raw in arb_signals()) {
            let forward = trust(&build(&raw)).score;
            let mut reversed = raw.clone();
            reversed.reverse();
            let backward = trust(&build(&reversed)).score;
            prop_assert!((forward - backward).abs() < 1e-9);
        }
    }
}

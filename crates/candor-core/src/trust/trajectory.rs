//! Each contact as a step toward partnership or toward disconnection, with
//! its reasons, and when a relationship's trajectory is falling.
//!
//! # Scoring a step
//! Points are counted in halves so that a step is never a draw:
//!
//! | what | points |
//! | --- | --- |
//! | a conversation reaches solved | +1 (half a point: solving is a small step forward) |
//! | the customer's last message reads upset (−0.3 or below), however it began | −2 |
//! | otherwise their tone rose by 0.2 or more, first to last message | +2 |
//! | otherwise their tone fell by 0.2 or more | −2 |
//! | every commitment measured was met | +2 |
//! | a commitment was missed | −2 |
//! | solved again after a reopen | −2 |
//! | a promise kept | +2 |
//! | a promise broken | −2 |
//! | a community question answered, a reported problem done | +2 |
//!
//! A positive sum is a step toward partnership, a negative one toward
//! disconnection. A conversation's sum is odd (the +1 for solving and even
//! reasons), and the other contacts have exactly one reason, so no sum is 0.
//!
//! # A falling trajectory
//! A customer's trajectory is falling when their latest two steps are both
//! toward disconnection. It stops falling at their next step toward
//! partnership. While it falls the customer is at risk for the lifecycle
//! rules; when it starts falling for a tier A customer, the inbox raises an
//! alert.

use serde::{Deserialize, Serialize};

/// Tone moves of at least this much (on −1…+1) count as a change.
pub const TONE_CHANGE: f64 = 0.2;
/// A last message at or below this reads as upset.
pub const UPSET: f64 = -0.3;

/// Which way a step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Toward partnership.
    Partnership,
    /// Toward disconnection.
    Disconnection,
}

impl Direction {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Partnership => "partnership",
            Direction::Disconnection => "disconnection",
        }
    }

    /// From its stored name.
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "partnership" => Some(Direction::Partnership),
            "disconnection" => Some(Direction::Disconnection),
            _ => None,
        }
    }

    /// In words, for people.
    pub fn words(self) -> &'static str {
        match self {
            Direction::Partnership => "a step toward partnership",
            Direction::Disconnection => "a step toward disconnection",
        }
    }
}

/// One reason a step goes the way it does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// A stable code, e.g. "tone_rose".
    pub code: String,
    /// The reason in words.
    pub words: String,
    /// Its points, in halves.
    pub points: i32,
}

/// A scored contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Which way it goes.
    pub direction: Direction,
    /// The sum of its reasons' points, in halves.
    pub points: i32,
    /// Why.
    pub reasons: Vec<Reason>,
}

impl Step {
    fn of(reasons: Vec<Reason>) -> Step {
        let points: i32 = reasons.iter().map(|r| r.points).sum();
        Step {
            direction: if points > 0 {
                Direction::Partnership
            } else {
                Direction::Disconnection
            },
            points,
            reasons,
        }
    }
}

fn reason(code: &str, words: String, points: i32) -> Reason {
    Reason {
        code: code.into(),
        words,
        points,
    }
}

/// What is known of a conversation when it reaches solved.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ConversationFacts {
    /// The sentiment of the customer's first message in it.
    pub first_sentiment: Option<f64>,
    /// The sentiment of their last message.
    pub last_sentiment: Option<f64>,
    /// The customer's messages in it.
    pub inbound_messages: u32,
    /// Commitment clocks met (first reply, resolution).
    pub commitments_met: u32,
    /// Commitment clocks missed.
    pub commitments_missed: u32,
    /// It had been solved before and was reopened.
    pub reopened: bool,
}

/// Scores a conversation that reached solved (see the module docs).
pub fn conversation_step(f: &ConversationFacts) -> Step {
    let mut reasons = vec![reason("solved", "the conversation was solved".into(), 1)];
    let finite = |s: Option<f64>| s.filter(|x| x.is_finite());
    let (first, last) = (finite(f.first_sentiment), finite(f.last_sentiment));
    match (first, last) {
        // Ending upset is never a step forward, however much calmer than the start.
        (_, Some(b)) if b <= UPSET => reasons.push(reason(
            "ended_upset",
            format!("the customer's last message reads upset ({b:+.2})"),
            -2,
        )),
        (Some(a), Some(b)) if f.inbound_messages >= 2 && b - a >= TONE_CHANGE => reasons.push(reason(
            "tone_rose",
            format!("the customer's tone rose from {a:+.2} to {b:+.2}"),
            2,
        )),
        (Some(a), Some(b)) if f.inbound_messages >= 2 && a - b >= TONE_CHANGE => reasons.push(reason(
            "tone_fell",
            format!("the customer's tone fell from {a:+.2} to {b:+.2}"),
            -2,
        )),
        _ => {}
    }
    if f.commitments_missed > 0 {
        let n = f.commitments_missed;
        reasons.push(reason(
            "commitment_missed",
            format!("{n} public commitment{} missed", if n == 1 { "" } else { "s" }),
            -2,
        ));
    } else if f.commitments_met > 0 {
        reasons.push(reason(
            "commitments_met",
            format!("every public commitment met ({})", f.commitments_met),
            2,
        ));
    }
    if f.reopened {
        reasons.push(reason(
            "reopened",
            "it was reopened after being solved before".into(),
            -2,
        ));
    }
    Step::of(reasons)
}

/// Scores a promise that was kept or broken.
pub fn promise_step(kept: bool, description: &str) -> Step {
    let short: String = description.chars().take(80).collect();
    Step::of(vec![if kept {
        reason("promise_kept", format!("promise kept: “{short}”"), 2)
    } else {
        reason("promise_broken", format!("promise broken: “{short}”"), -2)
    }])
}

/// Scores a community topic that reached its answer: a question answered or
/// a reported problem done.
pub fn topic_step(question: bool, title: &str) -> Step {
    let short: String = title.chars().take(80).collect();
    Step::of(vec![if question {
        reason("answered", format!("community question answered: “{short}”"), 2)
    } else {
        reason("problem_done", format!("reported problem done: “{short}”"), 2)
    }])
}

/// Whether a trajectory is falling, given its steps newest first.
pub fn falling(newest_first: &[Direction]) -> bool {
    newest_first.len() >= 2 && newest_first[..2].iter().all(|d| *d == Direction::Disconnection)
}

/// Since when a trajectory has been falling after one more step at `at`:
/// the time of the step that made it fall, kept while it falls.
pub fn falling_after<T: Copy>(since: Option<T>, newest_first: &[Direction], at: T) -> Option<T> {
    if falling(newest_first) {
        since.or(Some(at))
    } else {
        None
    }
}

/// Since when a trajectory of these steps (oldest first) has been falling,
/// stepping through them as they came: what a rebuild and a merge compute.
pub fn falling_since<T: Copy>(steps: impl IntoIterator<Item = (Direction, T)>) -> Option<T> {
    let mut since = None;
    let mut last_two: [Option<Direction>; 2] = [None, None];
    for (d, at) in steps {
        last_two = [Some(d), last_two[0]];
        let newest: Vec<Direction> = last_two.iter().flatten().copied().collect();
        since = falling_after(since, &newest, at);
    }
    since
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_plain_solve_is_a_small_step_forward() {
        let s = conversation_step(&ConversationFacts::default());
        assert_eq!((s.direction, s.points), (Direction::Partnership, 1));
    }

    #[test]
    fn a_missed_commitment_outweighs_the_solve() {
        let s = conversation_step(&ConversationFacts {
            commitments_met: 1,
            commitments_missed: 1,
            ..Default::default()
        });
        assert_eq!(s.direction, Direction::Disconnection);
        assert!(s.reasons.iter().any(|r| r.code == "commitment_missed"));
    }

    #[test]
    fn tone_counts_by_its_change_first_to_last() {
        let rose = conversation_step(&ConversationFacts {
            first_sentiment: Some(-0.6),
            last_sentiment: Some(0.4),
            inbound_messages: 3,
            ..Default::default()
        });
        assert_eq!(rose.direction, Direction::Partnership);
        assert_eq!(rose.reasons[1].words, "the customer's tone rose from -0.60 to +0.40");
        let fell = conversation_step(&ConversationFacts {
            first_sentiment: Some(0.5),
            last_sentiment: Some(-0.1),
            inbound_messages: 2,
            ..Default::default()
        });
        assert_eq!(fell.direction, Direction::Disconnection);
        // One message cannot change; it can end upset.
        let one = conversation_step(&ConversationFacts {
            first_sentiment: Some(-0.7),
            last_sentiment: Some(-0.7),
            inbound_messages: 1,
            ..Default::default()
        });
        assert_eq!(one.reasons[1].code, "ended_upset");
        // Calmer than at the start, still upset at the end: no step forward.
        let calmer = conversation_step(&ConversationFacts {
            first_sentiment: Some(-0.8),
            last_sentiment: Some(-0.35),
            inbound_messages: 2,
            ..Default::default()
        });
        assert_eq!(calmer.reasons[1].code, "ended_upset");
        assert_eq!(calmer.direction, Direction::Disconnection);
    }

    #[test]
    fn two_steps_away_in_a_row_fall() {
        use Direction::*;
        assert!(!falling(&[Disconnection]));
        assert!(falling(&[Disconnection, Disconnection, Partnership]));
        assert!(!falling(&[Partnership, Disconnection, Disconnection]));
        assert!(!falling(&[Disconnection, Partnership]));
    }

    #[test]
    fn falling_since_keeps_the_first_fall_until_a_step_forward() {
        use Direction::*;
        let steps = [
            (Partnership, 1),
            (Disconnection, 2),
            (Disconnection, 3),
            (Disconnection, 4),
        ];
        assert_eq!(falling_since(steps), Some(3));
        let recovered = [
            (Disconnection, 2),
            (Disconnection, 3),
            (Partnership, 4),
            (Disconnection, 5),
        ];
        assert_eq!(falling_since(recovered), None);
        assert_eq!(falling_since::<i32>([]), None);
    }

    #[test]
    fn promises_and_topics_have_one_reason() {
        assert_eq!(promise_step(true, "call back").direction, Direction::Partnership);
        assert_eq!(promise_step(false, "call back").direction, Direction::Disconnection);
        assert_eq!(topic_step(true, "How?").reasons.len(), 1);
    }

    proptest! {
        #[test]
        fn no_conversation_step_is_a_draw(
            first in proptest::option::of(-1.0f64..1.0),
            last in proptest::option::of(-1.0f64..1.0),
            n in 0u32..5, met in 0u32..3, missed in 0u32..3, reopened: bool,
        ) {
            let s = conversation_step(&ConversationFacts {
                first_sentiment: first, last_sentiment: last, inbound_messages: n,
                commitments_met: met, commitments_missed: missed, reopened,
            });
            prop_assert!(s.points != 0);
            prop_assert_eq!(s.points, s.reasons.iter().map(|r| r.points).sum::<i32>());
            prop_assert_eq!(s.direction == Direction::Partnership, s.points > 0);
        }

        #[test]
        fn more_going_wrong_never_turns_a_step_forward(
            first in -1.0f64..1.0, last in -1.0f64..1.0, n in 0u32..5, met in 0u32..3,
        ) {
            let base = ConversationFacts {
                first_sentiment: Some(first), last_sentiment: Some(last), inbound_messages: n,
                commitments_met: met, ..Default::default()
            };
            let worse = ConversationFacts { commitments_missed: 1, reopened: true, ..base };
            prop_assert!(conversation_step(&worse).points <= conversation_step(&base).points);
        }
    }
}

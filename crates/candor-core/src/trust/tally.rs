//! From one event to the trust counts it moves: a pure function of the
//! event alone, so the counts kept as events arrive and the counts rebuilt
//! from the log are the same sums, in any order.
//!
//! | event | counts |
//! | --- | --- |
//! | `conversation.status_changed` to solved | solved_held +1 of +1 (customer; the assignee, else who solved it) |
//! | `conversation.status_changed` solved → open | solved_held −1 favourable (customer; the assignee) |
//! | `community.topic_posted`, a question | answers_accepted observed +1 |
//! | `community.answer_accepted` | answers_accepted +1 when an answer is set, −1 when one is replaced or cleared |
//! | `promise.kept` / `promise.broken` | promises_kept +1 of +1 / +0 of +1 (customer; the owner) |
//! | `trust.step` of a conversation | commitments_met: met of met + missed (customer; the agent); for the agent also the last message's sentiment and one conversation for waits |
//! | `customer.updated` | shared: +1 of +1 for preferences changed and each consent given; +0 of +1 for each consent withdrawn |
//! | `message.received` (not automatic) | sentiment (s + 1) / 2 of 1; candid +1 of +1 with 40 words or more, else +0 of +1 |
//! | `conversation.created` | waits observed +1 |
//! | `commitment.breached` | waits favourable (self-serving) +1 (customer; the assignee) |
//! | `message.sent` | self_serving_replies +1 of +1 when the reply was flagged, else +0 of +1 (customer; the author) |
//! | `marketing.sent` | marketing_against_preferences +1 of +1 when against preferences, else +0 of +1 |

use super::kind;
use super::signals::{ScopeKind, SignalKey, UNIT};
use serde_json::Value;
use uuid::Uuid;

/// Messages of at least this many words count as candid.
pub const CANDID_WORDS: i64 = 40;

/// What [`tally`] reads of an event.
#[derive(Clone, Copy, Debug)]
pub struct EventFacts<'a> {
    /// The event's kind.
    pub kind: &'a str,
    /// The staff member who caused it, if one did.
    pub actor: Option<Uuid>,
    /// The customer whose timeline it is on.
    pub customer: Option<Uuid>,
    /// Its payload.
    pub payload: &'a Value,
}

/// One signal of one customer or agent moved by an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Customer or agent.
    pub scope: ScopeKind,
    /// The customer's or agent's id.
    pub subject: Uuid,
    /// The signal.
    pub key: SignalKey,
    /// Added to the favourable count (thousandths; may be negative).
    pub favourable: i64,
    /// Added to the observed count (thousandths).
    pub observed: i64,
}

/// The event kinds that move trust counts (what a rebuild reads).
pub const KINDS: [&str; 11] = [
    "conversation.status_changed",
    "community.topic_posted",
    "community.answer_accepted",
    "promise.kept",
    "promise.broken",
    kind::STEP,
    "customer.updated",
    "message.received",
    "conversation.created",
    "commitment.breached",
    "message.sent",
];

/// Whether an event of `kind` can move trust counts.
pub fn counts_kind(k: &str) -> bool {
    KINDS.contains(&k) || k == kind::MARKETING_SENT
}

fn text<'a>(p: &'a Value, field: &str) -> Option<&'a str> {
    p.get(field).and_then(Value::as_str)
}

fn id(p: &Value, field: &str) -> Option<Uuid> {
    text(p, field).and_then(|s| s.parse().ok())
}

fn int(p: &Value, field: &str) -> Option<i64> {
    p.get(field).and_then(Value::as_i64)
}

fn list_len(p: &Value, field: &str) -> i64 {
    p.get(field).and_then(Value::as_array).map_or(0, |a| a.len() as i64)
}

/// A sentiment (−1…+1) placed on 0…1, in thousandths.
pub fn tone(sentiment: f64) -> i64 {
    let s = if sentiment.is_finite() {
        sentiment.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    ((s + 1.0) / 2.0 * UNIT as f64).round() as i64
}

/// The counts one event moves (see the module docs).
pub fn tally(e: &EventFacts<'_>) -> Vec<Tally> {
    let mut out = Vec::new();
    let p = e.payload;
    let mut both = |agent: Option<Uuid>, key: SignalKey, favourable: i64, observed: i64| {
        if let Some(c) = e.customer {
            out.push(Tally {
                scope: ScopeKind::Customer,
                subject: c,
                key,
                favourable,
                observed,
            });
        }
        if let Some(a) = agent {
            out.push(Tally {
                scope: ScopeKind::Agent,
                subject: a,
                key,
                favourable,
                observed,
            });
        }
    };
    match e.kind {
        "conversation.status_changed" => {
            let (from, to) = (text(p, "from"), text(p, "to"));
            let assignee = id(p, "assignee_id");
            if to == Some("solved") {
                both(assignee.or(e.actor), SignalKey::SolvedHeld, UNIT, UNIT);
            } else if from == Some("solved") && to == Some("open") {
                both(assignee, SignalKey::SolvedHeld, -UNIT, 0);
            }
        }
        "community.topic_posted" if text(p, "kind") == Some("question") => {
            both(None, SignalKey::AnswersAccepted, 0, UNIT);
        }
        "community.answer_accepted" => {
            let now = p.get("reply_id").is_some_and(|r| !r.is_null());
            let before = p.get("had_answer").and_then(Value::as_bool).unwrap_or(false);
            let change = i64::from(now) - i64::from(before);
            if change != 0 {
                both(None, SignalKey::AnswersAccepted, change * UNIT, 0);
            }
        }
        "promise.kept" => both(id(p, "owner_id"), SignalKey::PromisesKept, UNIT, UNIT),
        "promise.broken" => both(id(p, "owner_id"), SignalKey::PromisesKept, 0, UNIT),
        kind::STEP if text(p, "source") == Some("conversation") => {
            let agent = id(p, "agent_id");
            let met = int(p, "commitments_met").unwrap_or(0).max(0);
            let missed = int(p, "commitments_missed").unwrap_or(0).max(0);
            if met + missed > 0 {
                both(agent, SignalKey::CommitmentsMet, met * UNIT, (met + missed) * UNIT);
            }
            // An agent's own view of tone and waits: per conversation they solved.
            if let Some(a) = agent {
                if let Some(s) = p.get("last_sentiment").and_then(Value::as_f64) {
                    out.push(Tally {
                        scope: ScopeKind::Agent,
                        subject: a,
                        key: SignalKey::Sentiment,
                        favourable: tone(s),
                        observed: UNIT,
                    });
                }
                out.push(Tally {
                    scope: ScopeKind::Agent,
                    subject: a,
                    key: SignalKey::Waits,
                    favourable: 0,
                    observed: UNIT,
                });
            }
        }
        "customer.updated" => {
            let changed = p.get("changed").and_then(Value::as_array);
            let preferences = changed.is_some_and(|c| c.iter().any(|v| v.as_str() == Some("preferences")));
            let given = list_len(p, "consent_given");
            let withdrawn = list_len(p, "consent_withdrawn");
            let favourable = i64::from(preferences) + given;
            let observed = favourable + withdrawn;
            if observed > 0 {
                both(None, SignalKey::Shared, favourable * UNIT, observed * UNIT);
            }
        }
        "message.received" if p.get("automated").and_then(Value::as_bool) != Some(true) => {
            if let Some(s) = p.get("sentiment").and_then(Value::as_f64) {
                both(None, SignalKey::Sentiment, tone(s), UNIT);
            }
            if let Some(words) = int(p, "words") {
                let candid = i64::from(words >= CANDID_WORDS);
                both(None, SignalKey::Candid, candid * UNIT, UNIT);
            }
        }
        "conversation.created" => both(None, SignalKey::Waits, 0, UNIT),
        "commitment.breached" => both(id(p, "assignee_id"), SignalKey::Waits, UNIT, 0),
        "message.sent" => {
            let flagged = list_len(p, "self_serving") > 0;
            both(e.actor, SignalKey::SelfServingReplies, i64::from(flagged) * UNIT, UNIT);
        }
        kind::MARKETING_SENT => {
            let against = p.get("against_preferences").and_then(Value::as_bool) == Some(true);
            both(
                None,
                SignalKey::MarketingAgainstPreferences,
                i64::from(against) * UNIT,
                UNIT,
            );
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts<'a>(kind: &'a str, payload: &'a Value) -> EventFacts<'a> {
        EventFacts {
            kind,
            actor: Some(Uuid::from_u128(7)),
            customer: Some(Uuid::from_u128(1)),
            payload,
        }
    }

    #[test]
    fn a_solve_counts_for_the_customer_and_the_assignee() {
        let p = json!({"from": "open", "to": "solved", "assignee_id": Uuid::from_u128(9)});
        let t = tally(&facts("conversation.status_changed", &p));
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].scope, t[0].favourable, t[0].observed),
            (ScopeKind::Customer, UNIT, UNIT)
        );
        assert_eq!((t[1].scope, t[1].subject), (ScopeKind::Agent, Uuid::from_u128(9)));
        // Without an assignee, who solved it.
        let p = json!({"from": "open", "to": "solved"});
        assert_eq!(
            tally(&facts("conversation.status_changed", &p))[1].subject,
            Uuid::from_u128(7)
        );
    }

    #[test]
    fn a_reopen_takes_a_solve_back() {
        let p = json!({"from": "solved", "to": "open", "reason": "customer replied"});
        let t = tally(&facts("conversation.status_changed", &p));
        assert_eq!(t.len(), 1, "no assignee named: the customer only");
        assert_eq!((t[0].favourable, t[0].observed), (-UNIT, 0));
    }

    #[test]
    fn tone_places_sentiment_on_thousandths() {
        assert_eq!(tone(-1.0), 0);
        assert_eq!(tone(0.0), 500);
        assert_eq!(tone(1.0), 1000);
        assert_eq!(tone(7.0), 1000);
        assert_eq!(tone(f64::NAN), 500);
    }

    #[test]
    fn automatic_messages_and_unknown_kinds_count_nothing() {
        let p = json!({"sentiment": -0.9, "automated": true, "words": 80});
        assert!(tally(&facts("message.received", &p)).is_empty());
        assert!(tally(&facts("staff.signed_in", &json!({}))).is_empty());
        assert!(!counts_kind("staff.signed_in"));
        assert!(counts_kind("message.sent"));
    }

    #[test]
    fn nonsense_payloads_count_nothing_rather_than_fail() {
        for kind in KINDS {
            for p in [
                json!(null),
                json!([1, 2]),
                json!({"to": 3, "owner_id": "x", "words": "many"}),
            ] {
                let _ = tally(&facts(kind, &p));
            }
        }
    }

    #[test]
    fn consent_withdrawn_counts_against_sharing() {
        let p = json!({"changed": ["consent"], "consent_given": [], "consent_withdrawn": ["marketing"]});
        let t = tally(&facts("customer.updated", &p));
        assert_eq!((t[0].key, t[0].favourable, t[0].observed), (SignalKey::Shared, 0, UNIT));
        let p = json!({"changed": ["preferences", "consent"], "consent_given": ["marketing"]});
        let t = tally(&facts("customer.updated", &p));
        assert_eq!((t[0].favourable, t[0].observed), (2 * UNIT, 2 * UNIT));
    }

    #[test]
    fn replacing_an_accepted_answer_counts_once() {
        let first = json!({"reply_id": Uuid::from_u128(3), "had_answer": false});
        let other = json!({"reply_id": Uuid::from_u128(4), "had_answer": true});
        let cleared = json!({"reply_id": null, "had_answer": true});
        let sum: i64 = [first, other, cleared]
            .iter()
            .flat_map(|p| tally(&facts("community.answer_accepted", p)))
            .map(|t| t.favourable)
            .sum();
        assert_eq!(sum, 0);
    }
}

use super::*;
use crate::coach::{Coach, CoachOptions};

fn opts() -> CoachOptions {
    let mut o = CoachOptions::new("en");
    o.check_signature = false;
    o
}

fn statistical(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.message.contains("(statistical")).collect()
}

const POLICY_UNSEEN: &str = "That's simply how our terms work, I'm afraid.";

#[test]
fn training_is_deterministic() {
    let data = crate::eval::training_sentences("en");
    assert!(data.len() > 1000, "{} sentences", data.len());
    let a = train::train(&data, true, train::TrainParams::default());
    let b = train::train(&data, true, train::TrainParams::default());
    assert_eq!(a, b);
}

#[test]
fn adds_a_sentence_finding_with_its_reasons() {
    let text = format!("Hi Sam. {POLICY_UNSEEN} I've added a note to your account.");
    let found = Coach::standard().coach(&text, &opts());
    let stat = statistical(&found);
    assert_eq!(stat.len(), 1, "{found:#?}");
    let f = stat[0];
    assert_eq!(f.category, Category::Policy);
    let span: String = text.chars().skip(f.start).take(f.end - f.start).collect();
    assert_eq!(span, POLICY_UNSEEN);
    assert!(
        f.message.starts_with("Reads like hiding behind policy: '"),
        "{}",
        f.message
    );
    assert!(!f.suggestion.is_empty());
}

#[test]
fn can_be_switched_off() {
    let coach = Coach::standard().with_classifier(false);
    assert!(!coach.classifier());
    assert!(coach.coach(POLICY_UNSEEN, &opts()).is_empty());
    assert!(Coach::standard().classifier());
}

#[test]
fn a_rule_of_the_category_wins() {
    // A company rule that finds the sentence: its finding, not the layer's.
    let rules = r#"
[[rule]]
id = "acme.terms"
category = "policy"
message = "Say what the terms allow."
suggestion = "Explain the reason."
patterns = ["how our terms work"]
"#;
    let coach = Coach::with_extra_rules("en", rules).unwrap_or_default();
    let found = coach.coach(POLICY_UNSEEN, &opts());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].message, "Say what the terms allow.");
    // A company rule that turns its match down in this sentence: the
    // layer defers to that too.
    let declined = rules.replace(
        "patterns = [\"how our terms work\"]",
        "patterns = [\"how our terms work\"]\nsentence_excludes = [\"afraid\"]",
    );
    let coach = Coach::with_extra_rules("en", &declined).unwrap_or_default();
    assert!(coach.coach(POLICY_UNSEEN, &opts()).is_empty());
}

#[test]
fn quiet_on_plain_sentences() {
    for text in [
        "I refunded the £12 this morning; it will show on your card by Friday.",
        "Your account has not been closed.",
        "Thanks for the photos, they show the crack clearly.",
        "I've booked the engineer for Tuesday between 8 and 12.",
    ] {
        assert!(Coach::standard().coach(text, &opts()).is_empty(), "{text:?}");
    }
}

#[test]
fn explanations_name_words_not_glue() {
    let Some(model) = model_for("en") else {
        panic!("no English model")
    };
    let scored = model.score("that's simply how our terms work, i'm afraid.");
    let words = model.explain(&scored, 3);
    assert!(!words.is_empty() && words.len() <= EXPLAIN_WORDS, "{words:?}");
    assert!(words.iter().all(|w| w != "'the'" && w != "'for'"), "{words:?}");
    assert!(model_for("de").is_none());
}

#[test]
fn sentence_spans_trim_and_map_to_chars() {
    let norm = Normalized::new("Grüße!  You  should have.\n\nOk");
    let spans: Vec<(usize, usize)> = sentence_spans(&norm)
        .iter()
        .map(|s| (s.char_start, s.char_end))
        .collect();
    assert_eq!(spans, vec![(0, 6), (8, 25), (27, 29)]);
}

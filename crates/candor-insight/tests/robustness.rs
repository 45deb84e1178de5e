#![allow(clippy::unwrap_used, clippy::expect_used)]
//! No input may panic, and every offset is a char offset inside the text.

use candor_insight::{
    Coach, CoachOptions, MondayToFriday, analyze_reply, coach, detect_language, detect_promises, resolve_due, sentiment,
};
use proptest::prelude::*;

fn check_all(text: &str) {
    let n = text.chars().count();
    let g = detect_language(text);
    assert!((0.0..=1.0).contains(&g.confidence));
    for lang in ["en", "de", "fr", "es", "it", "pt", "nl", "xx", ""] {
        let s = sentiment(text, lang);
        assert!((-1.0..=1.0).contains(&s.score), "{s:?}");
        let mut opts = CoachOptions::new(lang);
        opts.customer_language = Some("de".into());
        opts.signature_name = if lang == "fr" { Some("Dana".into()) } else { None };
        let report = analyze_reply(text, &opts);
        for f in &report.findings {
            assert!(f.start <= f.end && f.end <= n, "{f:?} in {n} chars");
        }
        for p in &report.promises {
            assert!(p.start <= p.end && p.end <= n, "{p:?} in {n} chars");
        }
        for p in detect_promises(text, lang) {
            assert!(p.start <= p.end && p.end <= n);
            if let Some(due) = p.due {
                let now: jiff::Zoned = "2026-03-06T10:00[Europe/Berlin]".parse().unwrap();
                let _ = resolve_due(&due, &now, &MondayToFriday::default());
            }
        }
        let _ = coach(text, &CoachOptions::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn arbitrary_unicode_never_panics(text in "\\PC{0,200}") {
        check_all(&text);
    }

    #[test]
    fn statistical_layer_never_panics(
        text in "(You|you|should|have|been|was|your|refund|policy|unfortunately|we|leverage|thank|for|patience|\\.|,|!|\\n|İ|ß|😀|\\PC| )*"
    ) {
        let n = text.chars().count();
        for on in [true, false] {
            let coach = Coach::standard().with_classifier(on);
            for f in coach.coach(&text, &CoachOptions::new("en")) {
                prop_assert!(f.start <= f.end && f.end <= n, "{f:?} in {n} chars");
            }
        }
    }

    #[test]
    fn support_like_text_never_panics(
        text in "(I'll|we will|Ich werde|je vais|voy a|by|at|within|tomorrow|morgen|demain|mañana|[0-9]{1,3}|[.:h]|am|pm|Uhr|\\n|  |’|—|Best regards,|Dana|İ|ß|😀| )*"
    ) {
        check_all(&text);
    }
}

#[test]
fn empty_and_whitespace() {
    for t in ["", " ", "\n\n", "\t", "!!!", "...", "\u{200b}"] {
        check_all(t);
    }
}

#[test]
fn very_long_input() {
    let unit = "Hello, I cannot log in. We apologize for any inconvenience; I'll call you back tomorrow at 10am. Ünïcödé ß İ 😀\n";
    let mut text = String::new();
    while text.len() < 100_000 {
        text.push_str(unit);
    }
    check_all(&text);
}

#[test]
fn extra_rules_are_checked() {
    let rules = r#"
[[rule]]
id = "acme.synergise"
category = "doublespeak"
message = "Jargon."
suggestion = "Say what you mean."
patterns = ["synergi(s|z)e"]
"#;
    let coach = Coach::with_extra_rules("en", rules).unwrap();
    let opts = CoachOptions {
        check_signature: false,
        ..CoachOptions::new("en")
    };
    let found = coach.coach("Let\u{2019}s SYNERGIZE on this.", &opts);
    assert!(
        found
            .iter()
            .any(|f| f.category == candor_insight::Category::Doublespeak && f.start == 6 && f.end == 15),
        "{found:?}"
    );
    assert!(Coach::with_extra_rules("en", "[[rule]]\nid = 1").is_err());
    assert!(Coach::with_extra_rules("en", &rules.replace("doublespeak", "rudeness")).is_err());
    assert!(Coach::with_extra_rules("en", &rules.replace("synergi(s|z)e", "synergi(s|ze")).is_err());
    assert!(Coach::with_extra_rules("english", rules).is_err());
}

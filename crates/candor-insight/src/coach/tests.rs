use super::*;

fn cats(text: &str, lang: &str) -> Vec<Category> {
    let mut o = CoachOptions::new(lang);
    o.check_signature = false;
    coach(text, &o).iter().map(|f| f.category).collect()
}

#[test]
fn builtin_rules_compile() {
    let c = Coach::builtin();
    assert!(c.is_ok(), "{c:?}");
    let langs = c.map(|c| c.languages().join(",")).unwrap_or_default();
    assert_eq!(langs, "de,en,es,fr");
}

#[test]
fn finds_span_in_chars() {
    let text = "Grüße! We apologize for any inconvenience.";
    let mut o = CoachOptions::new("en");
    o.check_signature = false;
    let f = coach(text, &o);
    assert_eq!(f.len(), 1);
    let span: String = text.chars().skip(f[0].start).take(f[0].end - f[0].start).collect();
    assert_eq!(span, "We apologize for any inconvenience");
}

#[test]
fn precision_cases() {
    assert!(cats("Our policy is to refund you in full.", "en").is_empty());
    assert!(cats("You should have received an email from me just now.", "en").is_empty());
    assert_eq!(cats("You should have read the manual.", "en"), vec![Category::Blame]);
}

#[test]
fn promise_without_time_is_vague() {
    assert_eq!(
        cats("I'll check with the warehouse and get back to you.", "en"),
        vec![Category::VaguePromise]
    );
    assert!(cats("I'll check with the warehouse and get back to you by 4pm.", "en").is_empty());
}

#[test]
fn signature_and_language() {
    let mut o = CoachOptions::new("en");
    o.signature_name = Some("Dana".into());
    let f = coach("Done.\nBest,\nDana", &o);
    assert!(f.is_empty(), "{f:?}");
    let f = coach("Done.\nBest,\nThe Team", &o);
    assert_eq!(
        f.iter().map(|f| f.category).collect::<Vec<_>>(),
        vec![Category::Signature]
    );
    o.customer_language = Some("de".into());
    o.signature_name = None;
    o.check_signature = false;
    let f = coach(
        "Thanks for your message, I have checked your order and it left our warehouse this morning.",
        &o,
    );
    assert_eq!(
        f.iter().map(|f| f.category).collect::<Vec<_>>(),
        vec![Category::Language]
    );
}

#[test]
fn categories_serialize_kebab_case() {
    let json = serde_json::to_string(&Category::VaguePromise).unwrap_or_default();
    assert_eq!(json, "\"vague-promise\"");
    for c in Category::ALL {
        assert_eq!(Category::parse(c.as_str()), Some(c));
    }
}

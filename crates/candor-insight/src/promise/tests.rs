use super::*;
use jiff::SignedDuration;
use jiff::civil::{Time, Weekday};

fn first(text: &str, lang: &str) -> Option<PromiseDetection> {
    detect_promises(text, lang).into_iter().next()
}

#[test]
fn vocab_files_parse() {
    for (lang, src) in vocab::SOURCES {
        assert!(vocab::Vocab::parse(src).is_ok(), "{lang}");
    }
}

#[test]
fn english_examples() {
    let p = first("Hi! I'll call you back tomorrow.", "en");
    assert_eq!(p.as_ref().map(|p| (p.start, p.owner)), Some((4, Owner::Speaker)));
    assert_eq!(
        p.and_then(|p| p.due),
        Some(DueSpec::EndOfBusinessDay { business_days_ahead: 1 })
    );
    let p = first("We will refund you by Friday.", "en");
    assert_eq!(p.as_ref().map(|p| p.action.as_str()), Some("refund you"));
    assert_eq!(
        p.and_then(|p| p.due),
        Some(DueSpec::Weekday {
            weekday: Weekday::Friday,
            time: None
        })
    );
    let p = first("Expect an update within 24 hours.", "en");
    assert_eq!(
        p.and_then(|p| p.due),
        Some(DueSpec::Within(SignedDuration::from_hours(24)))
    );
    let p = first("I'll call you tomorrow at 10am.", "en");
    assert_eq!(
        p.and_then(|p| p.due),
        Some(DueSpec::BusinessDayAt {
            business_days_ahead: 1,
            time: Time::constant(10, 0, 0, 0)
        })
    );
    assert!(first("I will not refund you.", "en").is_none());
    assert!(first("Will you send me the file?", "en").is_none());
}

#[test]
fn other_languages() {
    let due = |t: &str, l: &str| first(t, l).and_then(|p| p.due).map(|d| d.kind());
    assert_eq!(
        due("Ich rufe Sie morgen um 10 Uhr zurück.", "de"),
        Some("business-day-at")
    );
    assert_eq!(
        due("Nous allons vous rembourser d'ici vendredi.", "fr"),
        Some("weekday")
    );
    assert_eq!(due("Recibirá una respuesta en 24 horas.", "es"), Some("within"));
}

#[test]
fn due_spec_serializes() {
    let d = DueSpec::Weekday {
        weekday: Weekday::Friday,
        time: None,
    };
    let json = serde_json::to_string(&d).unwrap_or_default();
    assert_eq!(json, r#"{"weekday":{"weekday":"friday","time":null}}"#);
    let back: Result<DueSpec, _> = serde_json::from_str(&json);
    assert_eq!(back.ok(), Some(d));
}

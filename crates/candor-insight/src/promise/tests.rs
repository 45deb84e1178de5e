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
fn negation_binds_within_its_clause() {
    assert!(first("Don't worry, we'll send you a replacement.", "en").is_some());
    assert!(first("No problem, I'll call you back tomorrow.", "en").is_some());
    assert!(first("I can't promise I'll call you today.", "en").is_none());
    assert!(first("We won't charge you for the repair.", "en").is_none());
}

#[test]
fn colleagues_promise_for_the_team() {
    let p = first("Someone from our billing team will call you tomorrow.", "en");
    assert_eq!(p.as_ref().map(|p| p.owner), Some(Owner::Team));
    assert_eq!(p.and_then(|p| p.due).map(|d| d.kind()), Some("end-of-business-day"));
    assert!(first("The relevant department will contact you.", "en").is_none());
    let due = |t: &str| first(t, "en").and_then(|p| p.due).map(|d| d.kind());
    assert_eq!(due("Within the next hour you'll get an email from me."), Some("within"));
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
fn a_time_window_is_due_at_its_end() {
    let due = |t: &str, l: &str| first(t, l).and_then(|p| p.due);
    let at = |h: i8| {
        Some(DueSpec::BusinessDayAt {
            business_days_ahead: 1,
            time: Time::constant(h, 0, 0, 0),
        })
    };
    assert_eq!(
        due("We'll deliver the sofa tomorrow between 8am and 10am.", "en"),
        at(10)
    );
    assert_eq!(due("Ich rufe Sie morgen zwischen 9 und 11 Uhr an.", "de"), at(11));
    // Without a day first, the window is not read as today.
    assert_eq!(
        due("Our engineer will arrive between 8am and 12pm on Monday.", "en").map(|d| d.kind()),
        Some("weekday")
    );
}

#[test]
fn people_and_verbs_beyond_the_core_list() {
    let due = |t: &str| first(t, "en").and_then(|p| p.due).map(|d| d.kind());
    assert_eq!(
        due("Our courier will collect the parcel tomorrow."),
        Some("end-of-business-day")
    );
    assert_eq!(due("We will finish the repair before Thursday."), Some("weekday"));
    assert_eq!(due("Expect my email by 11:00 tomorrow."), Some("business-day-at"));
    assert_eq!(due("I will close your account on the 30th of April."), Some("date"));
    assert!(first("An engineer will be in contact to arrange a visit.", "en").is_some());
    // "Je vous confirme que …" and "le confirmo que …" state a fact.
    assert!(first("Je vous confirme que j'ai annulé les frais.", "fr").is_none());
    assert!(first("Le confirmo que he anulado el cargo.", "es").is_none());
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

#[test]
fn habits_and_reports_are_not_promises() {
    for t in [
        "We'll issue refunds to anyone whose order is late.",
        "We'll send you a statement every month.",
        "Whenever we deliver a fridge, we'll take the old one away.",
        "We'll always replace faulty items free of charge.",
        "The system let me apply the discount.",
    ] {
        assert!(first(t, "en").is_none(), "{t}");
    }
    assert!(first("Let me check the tracking for you.", "en").is_some());
    assert!(first("OK, so let me check the tracking.", "en").is_some());
    // A habit in another clause leaves the promise alone.
    let p = first(
        "I'll refund the £30 today, and each month we'll send a statement.",
        "en",
    );
    assert_eq!(p.and_then(|p| p.due).map(|d| d.kind()), Some("end-of-business-day"));
    assert!(first("Wir erstatten in der Regel innerhalb von 5 Tagen.", "de").is_none());
}

#[test]
fn numeric_dates() {
    let date = |t: &str, l: &str| match first(t, l).and_then(|p| p.due) {
        Some(DueSpec::Date { month, day, year, .. }) => Some((month, day, year)),
        _ => None,
    };
    assert_eq!(date("I'll post it by 12/05.", "en"), Some((12, 5, None)));
    assert_eq!(date("I'll post it by 12/05.", "en-GB"), Some((5, 12, None)));
    assert_eq!(date("I'll post it by 14/03.", "en"), Some((3, 14, None)));
    assert_eq!(date("I'll post it by 05/12/2026.", "en"), Some((5, 12, Some(2026))));
    assert_eq!(date("I'll post it by 2026-12-05.", "en"), Some((12, 5, Some(2026))));
    assert_eq!(date("Ich schicke sie bis 12.05. zu.", "de"), Some((5, 12, None)));
    assert_eq!(
        date("Je vous envoie la carte d'ici le 12/05.", "fr"),
        Some((5, 12, None))
    );
    assert_eq!(
        date("Le enviaré la tarjeta antes del 05/12/26.", "es"),
        Some((12, 5, Some(2026)))
    );
    // "10.30" is a clock time; "3-5" is a range, not a date.
    let kind = |t: &str| first(t, "en").and_then(|p| p.due).map(|d| d.kind());
    assert_eq!(kind("I'll call you by 10.30."), Some("business-day-at"));
    assert_eq!(kind("We'll ship it in 3-5 days."), None);
    assert_eq!(date("I'll post it by 13/13.", "en"), None);
}

#[test]
fn within_business_days() {
    let cal = MondayToFriday::default();
    let due = first("We will call you back within 2 business days.", "en").and_then(|p| p.due);
    assert_eq!(due, Some(DueSpec::WithinBusinessDays { business_days: 2 }));
    let show = |spec: &DueSpec, at: &str| {
        let now: jiff::Zoned = at.parse().unwrap_or_else(|_| jiff::Zoned::now());
        resolve_due(spec, &now, &cal).strftime("%a %H:%M").to_string()
    };
    let two = DueSpec::WithinBusinessDays { business_days: 2 };
    assert_eq!(show(&two, "2026-03-04T10:00[Europe/Berlin]"), "Fri 10:00");
    assert_eq!(show(&two, "2026-03-06T10:00[Europe/Berlin]"), "Tue 10:00");
    assert_eq!(show(&two, "2026-03-06T19:30[Europe/Berlin]"), "Tue 17:00");
    assert_eq!(show(&two, "2026-03-07T07:00[Europe/Berlin]"), "Tue 09:00");
}

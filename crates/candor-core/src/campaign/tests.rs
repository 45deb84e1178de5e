use super::*;
use crate::customer::QuietHours;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn quiet(start: &str, end: &str) -> QuietHours {
    QuietHours {
        start: start.into(),
        end: end.into(),
    }
}

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").unwrap()
}

#[test]
fn quiet_hours_over_midnight_end_the_next_morning() {
    let q = quiet("22:00", "07:00");
    // 23:30 in Berlin (UTC+1 in March before the change).
    assert_eq!(
        quiet_until(&q, &berlin(), at("2026-03-02T22:30:00Z")),
        Some(at("2026-03-03T06:00:00Z"))
    );
    // 05:00 in Berlin: until 07:00 the same day.
    assert_eq!(
        quiet_until(&q, &berlin(), at("2026-03-03T04:00:00Z")),
        Some(at("2026-03-03T06:00:00Z"))
    );
    // Noon: not quiet. The end itself is no longer quiet.
    assert_eq!(quiet_until(&q, &berlin(), at("2026-03-03T11:00:00Z")), None);
    assert_eq!(quiet_until(&q, &berlin(), at("2026-03-03T06:00:00Z")), None);
}

#[test]
fn quiet_hours_within_a_day_and_empty_ones() {
    let q = quiet("12:00", "14:00");
    let utc = TimeZone::UTC;
    assert_eq!(
        quiet_until(&q, &utc, at("2026-03-03T12:00:00Z")),
        Some(at("2026-03-03T14:00:00Z"))
    );
    assert_eq!(quiet_until(&q, &utc, at("2026-03-03T11:59:59Z")), None);
    assert_eq!(
        quiet_until(&quiet("09:00", "09:00"), &utc, at("2026-03-03T09:00:00Z")),
        None
    );
    assert_eq!(
        quiet_until(&quiet("nonsense", "09:00"), &utc, at("2026-03-03T09:00:00Z")),
        None
    );
}

#[test]
fn quiet_hours_across_the_spring_change() {
    // Berlin moves from 02:00 to 03:00 on 29 March 2026; 01:00–02:30 ends
    // at 03:30 summer time, past the gap.
    let q = quiet("01:00", "02:30");
    let until = quiet_until(&q, &berlin(), at("2026-03-29T00:30:00Z")).unwrap();
    assert!(until > at("2026-03-29T00:30:00Z"));
    assert!(quiet_until(&q, &berlin(), until).is_none());
}

proptest! {
    #[test]
    fn quiet_hours_end_after_now_within_a_day_and_are_not_quiet(
        start_h in 0u8..24, start_m in 0u8..60, end_h in 0u8..24, end_m in 0u8..60,
        secs in 1_700_000_000i64..1_900_000_000,
        zone in prop::sample::select(vec!["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
    ) {
        let q = quiet(&format!("{start_h:02}:{start_m:02}"), &format!("{end_h:02}:{end_m:02}"));
        let tz = TimeZone::get(zone).unwrap();
        let now = Timestamp::from_second(secs).unwrap();
        if let Some(until) = quiet_until(&q, &tz, now) {
            prop_assert!(until > now);
            prop_assert!(until <= now + SignedDuration::from_hours(25));
            prop_assert_eq!(quiet_until(&q, &tz, until), None);
        }
    }
}

#[test]
fn decisions_put_the_customers_refusals_first() {
    let ok = Recipient {
        address: Some("jane@example.com"),
        consent: true,
        ..Default::default()
    };
    assert_eq!(decide(&ok), Decision::Send);
    let dnc = Recipient {
        do_not_email: true,
        consent: false,
        address: None,
        ..ok.clone()
    };
    assert_eq!(decide(&dnc), Decision::Skip(Skip::DoNotContact));
    assert_eq!(
        decide(&Recipient {
            consent: false,
            ..ok.clone()
        }),
        Decision::Skip(Skip::NoConsent)
    );
    assert_eq!(
        decide(&Recipient {
            address: None,
            ..ok.clone()
        }),
        Decision::Skip(Skip::NoEmail)
    );
    assert_eq!(
        decide(&Recipient {
            bounced: true,
            ..ok.clone()
        }),
        Decision::Skip(Skip::Bounced)
    );
    assert_eq!(
        decide(&Recipient {
            missing: Some("last_product"),
            ..ok.clone()
        }),
        Decision::Skip(Skip::MissingDetail("last_product".into()))
    );
    let later = at("2026-03-03T06:00:00Z");
    assert_eq!(
        decide(&Recipient {
            quiet_until: Some(later),
            ..ok.clone()
        }),
        Decision::Hold(later)
    );
    // A refusal wins over quiet hours: nobody is held only to be skipped later.
    assert_eq!(
        decide(&Recipient {
            quiet_until: Some(later),
            consent: false,
            ..ok
        }),
        Decision::Skip(Skip::NoConsent)
    );
    assert_eq!(
        Skip::NoConsent.sentence("marketing"),
        "no consent for marketing on record"
    );
    assert_eq!(
        Skip::MissingDetail("last_product".into()).sentence("marketing"),
        "the message needs {{last_product}}, which is not known for them"
    );
}

#[test]
fn templates_fill_fields_and_fallbacks() {
    let t = Template::parse("Hello {{ first_name }}, you bought {{last_product|a bike}} — {{sender}}").unwrap();
    let mut v = BTreeMap::new();
    v.insert("first_name", "Jane".to_string());
    v.insert("sender", "Priya Raman".to_string());
    assert_eq!(t.missing(&v), None);
    assert_eq!(t.render(&v), "Hello Jane, you bought a bike — Priya Raman");
    v.insert("last_product", "Cargo bike".to_string());
    assert_eq!(t.render(&v), "Hello Jane, you bought Cargo bike — Priya Raman");
    v.insert("first_name", "  ".to_string());
    assert_eq!(t.missing(&v), Some("first_name"));
    let e = Template::parse("Hi {{nickname}}").unwrap_err();
    assert_eq!(e.position, 3);
    assert!(e.message.contains("nickname"), "{e}");
    let e = Template::parse("Hé {{name").unwrap_err();
    assert_eq!(e.position, 3);
    assert_eq!(Template::parse("a }} b").unwrap().render(&BTreeMap::new()), "a }} b");
}

proptest! {
    #[test]
    fn values_are_never_read_as_template_text(name in ".{0,40}", text in "[^{]{0,40}") {
        let t = Template::parse(&format!("{text}{{{{name}}}}{text}")).unwrap();
        let mut v = BTreeMap::new();
        v.insert("name", name.clone());
        let out = t.render(&v);
        let expected = if name.trim().is_empty() { String::new() } else { name.trim().to_string() };
        prop_assert_eq!(out, format!("{text}{expected}{text}"));
    }

    #[test]
    fn parsing_never_panics(src in ".{0,200}") {
        let _ = Template::parse(&src);
    }

    /// Whatever the throttle and however often the campaign looks, no hour
    /// holds more than `per_hour` messages.
    #[test]
    fn pacing_never_exceeds_the_hourly_throttle(per_hour in 1u32..400, late in prop::collection::vec(0i64..600, 1..200)) {
        let mut now = at("2026-03-02T09:00:00Z");
        let mut sent: Vec<Timestamp> = Vec::new();
        for delay in late {
            let p = pace(per_hour, &sent, now);
            if p.may_send == 0 {
                let wait = p.wait_until.unwrap();
                prop_assert!(wait > now || sent.is_empty());
                now = wait;
                continue;
            }
            prop_assert!(p.may_send <= batch(per_hour));
            for _ in 0..p.may_send {
                sent.push(now);
            }
            // The worker may run the next look late, never early.
            now = next_look(per_hour, p.may_send, now) + SignedDuration::from_secs(delay);
        }
        for t in &sent {
            let window = sent.iter().filter(|s| **s > *t - SignedDuration::from_hours(1) && **s <= *t).count();
            prop_assert!(window <= per_hour as usize, "{} in the hour before {}", window, t);
        }
    }
}

#[test]
fn pace_spreads_messages_over_the_hour() {
    let now = at("2026-03-02T09:00:00Z");
    assert_eq!(interval(2), SignedDuration::from_mins(30));
    assert_eq!(batch(2), 1);
    assert_eq!(batch(600), 10);
    assert_eq!(pace(2, &[], now).may_send, 1);
    assert_eq!(next_look(2, 1, now), at("2026-03-02T09:30:00Z"));
    // Two sent in the last hour: wait until the oldest leaves the window.
    let p = pace(2, &[at("2026-03-02T08:10:00Z"), at("2026-03-02T08:40:00Z")], now);
    assert_eq!(p.may_send, 0);
    assert_eq!(p.wait_until, Some(at("2026-03-02T09:10:00.000001Z")));
    assert_eq!(check_per_hour(0), Err("send 1 to 10000 messages an hour".into()));
    assert_eq!(check_per_hour(20), Ok(20));
    assert!(check_name("  ").is_err());
    assert_eq!(check_name(" Win  back ").as_deref(), Ok("Win back"));
}

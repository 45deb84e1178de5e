#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

use super::*;

fn ok(kind: IdentityKind, raw: &str) -> String {
    Identity::parse(kind, raw, None).unwrap().value().to_string()
}

fn err(kind: IdentityKind, raw: &str) -> IdentityError {
    Identity::parse(kind, raw, None).unwrap_err()
}

#[test]
fn email_is_trimmed_and_lowercased() {
    assert_eq!(
        ok(IdentityKind::Email, "  Jane.Doe@Example.COM \n"),
        "jane.doe@example.com"
    );
    assert_eq!(
        ok(IdentityKind::Email, "jane+tag@mail.example.co.uk"),
        "jane+tag@mail.example.co.uk"
    );
    assert_eq!(ok(IdentityKind::Email, "JÖRG@Bücher.DE"), "jörg@bücher.de");
}

#[test]
fn bad_emails_say_what_is_wrong() {
    let cases = [
        ("jane.example.com", "it has no @"),
        ("jane@@example.com", "it has more than one @"),
        ("@example.com", "nothing comes before the @"),
        ("jane@", "nothing comes after the @"),
        ("jane@localhost", "the domain has no dot"),
        ("ja ne@example.com", "it contains a space"),
        ("jane@example..com", "the domain has a misplaced dot"),
        (".jane@example.com", "the part before the @ has a misplaced dot"),
        (
            "<jane@example.com>",
            "the part before the @ contains a character such as < > ( ) , ; : or a quote",
        ),
        ("jane@-example.com", "a part of the domain starts or ends with a hyphen"),
        (
            "jane@exa_mple.com",
            "the domain may hold only letters, digits, hyphens and dots",
        ),
    ];
    for (raw, why) in cases {
        match err(IdentityKind::Email, raw) {
            IdentityError::InvalidEmail(_, got) => assert_eq!(got, why, "{raw}"),
            other => panic!("{raw}: {other}"),
        }
    }
    assert_eq!(
        err(IdentityKind::Email, "   "),
        IdentityError::Empty(IdentityKind::Email)
    );
    assert_eq!(
        err(IdentityKind::Email, "jane\u{0}@example.com"),
        IdentityError::ControlCharacter(IdentityKind::Email)
    );
    let long = format!("{}@example.com", "a".repeat(300));
    assert!(matches!(err(IdentityKind::Email, &long), IdentityError::TooLong { .. }));
    let message = err(IdentityKind::Email, "jane.example.com").to_string();
    assert_eq!(
        message,
        "\"jane.example.com\" is not a valid email address: it has no @"
    );
}

#[test]
fn phone_becomes_e164() {
    assert_eq!(ok(IdentityKind::Phone, "+49 30 1234567"), "+49301234567");
    assert_eq!(ok(IdentityKind::Phone, "+1 (650) 253-0000"), "+16502530000");
    assert_eq!(ok(IdentityKind::Phone, "0049 30 1234567"), "+49301234567");
    let national = Identity::parse(IdentityKind::Phone, "030 1234567", Some("de")).unwrap();
    assert_eq!(national.value(), "+49301234567");
    let uk = Identity::parse(IdentityKind::Phone, "020 7946 0958", Some("GB")).unwrap();
    assert_eq!(uk.value(), "+442079460958");
}

#[test]
fn bad_phones_say_what_is_wrong() {
    assert!(matches!(
        err(IdentityKind::Phone, "030 1234567"),
        IdentityError::InvalidPhone(
            _,
            "it has no country code; write it as +, the country code and the number"
        )
    ));
    assert!(matches!(
        err(IdentityKind::Phone, "call me maybe"),
        IdentityError::InvalidPhone(_, _)
    ));
    assert!(matches!(
        err(IdentityKind::Phone, "+49 30 12+34"),
        IdentityError::InvalidPhone(_, "a + may only stand at the start")
    ));
    assert!(matches!(
        err(IdentityKind::Phone, "+1 000"),
        IdentityError::InvalidPhone(..)
    ));
    assert!(matches!(
        err(IdentityKind::Phone, "tel:+1-201-555-0123;phone-context=+"),
        IdentityError::InvalidPhone(..)
    ));
    assert_eq!(
        Identity::parse(IdentityKind::Phone, "030 1234567", Some("Atlantis")).unwrap_err(),
        IdentityError::UnknownRegion("Atlantis".into())
    );
    assert!(matches!(
        err(IdentityKind::Phone, &"1".repeat(100)),
        IdentityError::TooLong { .. }
    ));
}

#[test]
fn social_handles_are_normalised() {
    assert_eq!(ok(IdentityKind::Social, "Twitter:@Jane_Doe"), "twitter:jane_doe");
    assert_eq!(ok(IdentityKind::Social, "x: @jane"), "twitter:jane");
    assert_eq!(
        ok(IdentityKind::Social, "bluesky:Jane.bsky.social"),
        "bluesky:jane.bsky.social"
    );
    assert_eq!(
        ok(IdentityKind::Social, "mastodon:@Jane@Mastodon.Social"),
        "mastodon:jane@mastodon.social"
    );
    assert_eq!(
        err(IdentityKind::Social, "myspace:jane"),
        IdentityError::UnknownPlatform("myspace".into())
    );
    assert_eq!(err(IdentityKind::Social, "jane"), IdentityError::MissingPlatform);
    assert_eq!(
        err(IdentityKind::Social, "github:@"),
        IdentityError::Empty(IdentityKind::Social)
    );
    assert!(matches!(
        err(IdentityKind::Social, "github:ja ne"),
        IdentityError::InvalidHandle(..)
    ));
    assert!(matches!(
        err(IdentityKind::Social, "mastodon:jane"),
        IdentityError::InvalidHandle(..)
    ));
}

#[test]
fn chat_and_external_ids_are_trimmed_and_bounded() {
    assert_eq!(ok(IdentityKind::External, "  crm-123 "), "crm-123");
    assert_eq!(ok(IdentityKind::Chat, "Visitor-AbC"), "Visitor-AbC");
    assert_eq!(err(IdentityKind::Chat, ""), IdentityError::Empty(IdentityKind::Chat));
    assert_eq!(
        err(IdentityKind::External, "a\tb"),
        IdentityError::ControlCharacter(IdentityKind::External)
    );
    assert_eq!(
        err(IdentityKind::External, &"x".repeat(201)),
        IdentityError::TooLong {
            kind: IdentityKind::External,
            max: 200
        }
    );
    assert_eq!(ok(IdentityKind::External, &"é".repeat(200)).chars().count(), 200);
}

#[test]
fn tagged_form_round_trips() {
    let cases = [
        ("email:Jane@Example.com", "email:jane@example.com"),
        ("phone:+49 30 1234567", "phone:+49301234567"),
        ("social:twitter:@jane", "social:twitter:jane"),
        ("external:crm-123", "external:crm-123"),
        ("EMAIL:jane@example.com", "email:jane@example.com"),
        ("chat:v:1:2", "chat:v:1:2"),
    ];
    for (input, shown) in cases {
        let id: Identity = input.parse().unwrap();
        assert_eq!(id.to_string(), shown);
        assert_eq!(Identity::parse_tagged(shown).unwrap(), id);
    }
    assert_eq!(Identity::parse_tagged("jane"), Err(IdentityError::MissingKind));
    assert_eq!(
        Identity::parse_tagged("fax:123"),
        Err(IdentityError::UnknownKind("fax".into()))
    );
}

#[test]
fn hostile_input_is_an_error_not_a_panic() {
    let hostile = [
        "'; DROP TABLE customers; --",
        "\u{202e}evil@example.com",
        "jane@exa\u{0}mple.com",
        "😀@😀.😀",
        "+😀;phone-context=😀",
        ";phone-context=",
        "@",
        ":",
        "::::",
        "\u{feff}",
    ];
    for raw in hostile {
        for kind in IdentityKind::ALL {
            let _ = Identity::parse(kind, raw, None);
            let _ = Identity::parse(kind, raw, Some("DE"));
        }
        let _ = Identity::parse_tagged(raw);
    }
    let huge = "a".repeat(1_000_000);
    for kind in IdentityKind::ALL {
        assert!(Identity::parse(kind, &huge, None).is_err());
    }
    // Messages quote at most a short excerpt of what was sent.
    let message = err(IdentityKind::Social, &format!("{huge}:x")).to_string();
    assert!(message.len() < 300, "{message}");
}

#[test]
fn serde_uses_lowercase_kinds_and_validates() {
    let id: Identity = serde_json::from_str(r#"{"kind":"email","value":" Jane@Example.com"}"#).unwrap();
    assert_eq!(id.value(), "jane@example.com");
    assert_eq!(
        serde_json::to_string(&id).unwrap(),
        r#"{"kind":"email","value":"jane@example.com"}"#
    );
    assert!(serde_json::from_str::<Identity>(r#"{"kind":"email","value":"nope"}"#).is_err());
    assert!(serde_json::from_str::<Identity>(r#"{"kind":"fax","value":"1"}"#).is_err());
}

fn kind() -> impl Strategy<Value = IdentityKind> {
    prop::sample::select(IdentityKind::ALL.to_vec())
}

fn region() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![None, Some("DE"), Some("US"), Some("GB"), Some("IN"), Some("zz")])
}

fn raw() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ +0-9()./-]{0,30}",
        "(0|00|\\+)[0-9 ]{3,18}",
        "[ a-zA-Z0-9._%+@-]{0,40}",
        "(twitter|x|github|mastodon|Foo): ?@?[A-Za-z0-9_.@-]{0,20}",
    ]
}

proptest! {
    #[test]
    fn parse_never_panics(kind in kind(), raw in raw(), region in region()) {
        let _ = Identity::parse(kind, &raw, region);
        let _ = Identity::parse_tagged(&raw);
    }

    #[test]
    fn normalisation_is_idempotent(kind in kind(), raw in raw(), region in region()) {
        if let Ok(id) = Identity::parse(kind, &raw, region) {
            let again = Identity::parse(kind, id.value(), region);
            prop_assert_eq!(again.as_ref(), Ok(&id));
            prop_assert_eq!(Identity::parse_tagged(&id.to_string()), Ok(id));
        }
    }
}

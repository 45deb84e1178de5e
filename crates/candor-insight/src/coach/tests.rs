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
fn phrase_families_reach_unseen_wordings() {
    assert_eq!(cats("We're so sorry for the hassle.", "en"), vec![Category::Script]);
    assert_eq!(
        cats("Our legal team won't let me share that.", "en"),
        vec![Category::Policy]
    );
    assert_eq!(
        cats("As we explained in our last email, the fee stays.", "en"),
        vec![Category::Blame]
    );
    assert_eq!(cats("Your appeal has been rejected.", "en"), vec![Category::Evasive]);
    assert_eq!(
        cats(
            "Die Ware wurde leider versehentlich an die alte Adresse geschickt.",
            "de"
        ),
        vec![Category::Evasive]
    );
}

#[test]
fn families_cover_new_wordings() {
    let cases: &[(&str, &str, Category)] = &[
        (
            "I can only imagine how stressful this has been.",
            "en",
            Category::Script,
        ),
        (
            "Due to heavy call volumes, please expect delays.",
            "en",
            Category::Script,
        ),
        (
            "We always strive to give you the very best experience.",
            "en",
            Category::Script,
        ),
        (
            "In order to better serve our customers, the branch now opens at 10am.",
            "en",
            Category::Doublespeak,
        ),
        (
            "We've simplified our range, so the 50GB plan is no longer available.",
            "en",
            Category::Doublespeak,
        ),
        (
            "Under our conditions of sale, sale items can't be returned.",
            "en",
            Category::Policy,
        ),
        ("I don't make the rules, I'm afraid.", "en", Category::Policy),
        (
            "For the third time, you need to restart the router.",
            "en",
            Category::Blame,
        ),
        (
            "If you'd registered the product, the warranty would have applied.",
            "en",
            Category::Blame,
        ),
        ("Your broadband was disconnected on Friday.", "en", Category::Evasive),
        ("Your complaint is still under investigation.", "en", Category::Evasive),
        (
            "We'll look at this as a matter of urgency.",
            "en",
            Category::VaguePromise,
        ),
        ("Ihr Konto wurde am 12. April gesperrt.", "de", Category::Evasive),
        ("Eine Ratenzahlung ist leider nicht möglich.", "de", Category::Policy),
        ("Nous regrettons vivement tout inconvénient.", "fr", Category::Script),
        (
            "Le règlement ne nous autorise pas à faire d'exception.",
            "fr",
            Category::Policy,
        ),
        (
            "La política de la empresa no permite reembolsos.",
            "es",
            Category::Policy,
        ),
        ("Su cita fue cancelada.", "es", Category::Evasive),
    ];
    for (text, lang, want) in cases {
        assert!(cats(text, lang).contains(want), "{text:?}: {:?}", cats(text, lang));
    }
}

#[test]
fn hard_negatives_stay_quiet() {
    for (text, lang) in [
        ("Thanks for waiting while I checked the order.", "en"),
        ("The system now lets you download all your invoices at once.", "en"),
        (
            "We've improved the app so you can now pause your plan in two taps.",
            "en",
        ),
        (
            "I'm unable to open the attachment on my side; could you resend it?",
            "en",
        ),
        ("Once again, thank you for the photos.", "en"),
        ("Your order was cancelled at your request on 3 May.", "en"),
        (
            "I can't change the date, but I've booked you on the 9am train instead.",
            "en",
        ),
        ("Ihr Termin wurde wie gewünscht auf Freitag verschoben.", "de"),
        (
            "Die Umbuchung ist online leider nicht möglich, deshalb habe ich sie für Sie erledigt.",
            "de",
        ),
        ("Vous pouvez faire un retour gratuit sous 30 jours.", "fr"),
        ("El descuento ha sido aplicado a su factura.", "es"),
    ] {
        assert!(cats(text, lang).is_empty(), "{text:?}: {:?}", cats(text, lang));
    }
    assert!(cats("Have you checked your spam folder?", "en").is_empty());
    assert!(cats("You have been logged out for security.", "en").is_empty());
    assert!(cats("Your card was declined by your bank.", "en").is_empty());
    assert!(
        cats(
            "Wie ich Ihnen schon am Telefon versprochen habe, schicke ich Ihnen heute ein neues Kabel.",
            "de"
        )
        .is_empty()
    );
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

#[test]
fn passive_voice_family() {
    let evasive = |t: &str| cats(t, "en").contains(&Category::Evasive);
    // Auxiliary, adverbs and participle in any combination.
    assert!(evasive("Your refund has unfortunately been denied."));
    assert!(evasive("Your account's been suspended."));
    assert!(evasive("Your booking was simply overlooked."));
    assert!(evasive("Your claim is currently being reviewed."));
    assert!(evasive("The parcel will be rescheduled."));
    // A named person or an agent says who acts.
    assert!(!evasive("Your complaint has been passed to Amira Khan in billing."));
    assert!(!evasive("Your claim was rejected by our underwriter, Tom Price."));
    // "by Friday" is a time, not an agent.
    assert!(evasive("Your appeal will be reviewed by Friday."));
    // Modal, first person, negation and the customer's own request.
    assert!(!evasive("The receipt should have been kept."));
    assert!(!evasive("I was told the parcel left at 7."));
    assert!(!evasive("Your account has not been closed."));
    assert!(!evasive("Your order was cancelled as you asked."));
    assert!(!evasive("Our Leeds office will be closed on Monday."));
    assert!(!evasive("Your ticket was closed."));
}

#[test]
fn sentence_excludes_skip_a_rule() {
    // "Obviously" with a "no" talks down; with a kindness it does not.
    assert_eq!(
        cats("Obviously the charger won't work unplugged.", "en"),
        vec![Category::Blame]
    );
    assert!(cats("Obviously the return postage is on us.", "en").is_empty());
}

#[test]
fn passive_voice_in_other_languages() {
    let evasive = |t: &str, l: &str| cats(t, l).contains(&Category::Evasive);
    assert!(evasive("Ihr Termin wurde leider kurzfristig verschoben.", "de"));
    assert!(!evasive("Die Bestellung wurde wie gewünscht storniert.", "de"));
    assert!(!evasive("Ihr Fall wurde von Frau Kaya geprüft und freigegeben.", "de"));
    assert!(evasive("Votre rendez-vous a malheureusement été reporté.", "fr"));
    assert!(!evasive(
        "Votre rendez-vous a été reporté par Camille, à votre demande.",
        "fr"
    ));
    assert!(evasive("Su cita ha sido aplazada.", "es"));
    assert!(!evasive("Su reembolso fue aprobado por Sara esta mañana.", "es"));
}

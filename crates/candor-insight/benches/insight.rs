//! Speed of the analysers: coach + promises on a 2 KB reply (with and
//! without the statistical layer), language + sentiment on a typical
//! customer message.

use std::hint::black_box;

use candor_insight::{Coach, CoachOptions, analyze_reply, detect_language, sentiment};
use criterion::{Criterion, criterion_group, criterion_main};

const REPLY: &str = "Hi Maria,\n\nThank you for contacting customer support. I'm sorry the replacement charger still hasn't arrived; \
I checked with the courier this morning and the parcel was held at the depot because the label was damaged. \
Going forward we will print labels on the stronger stock. I'll call the depot again at 2pm today and we will ship a new \
charger by express tomorrow, so you should have it by Friday. Expect a tracking number within 24 hours. \
Per our records you were also charged twice for the original order; that was our mistake, not yours, and I have \
refunded the second charge: it will show in your account within 3 business days. Unfortunately we are unable to \
refund the express fee from last month, but I can give you a voucher for the same amount instead. If the charger does \
not work, please send me a photo and I'll arrange a collection. Your issue has been escalated to our warehouse lead, \
who will review the packing process. We will get back to you as soon as possible about that. \
Rest assured, we value your business. As I mentioned before, the app update fixes the charging screen.\n\n\
Is there anything else I can help you with today?\n\nBest regards,\nDana Schmidt\nAcme Support";

const MESSAGE: &str = "Hello, I cannot log in since yesterday and my order still hasn't arrived, please help";

fn reply_2kb() -> String {
    let mut s = REPLY.to_string();
    while s.len() < 2048 {
        s.insert_str(0, "Thanks again for your patience with the delivery. ");
    }
    s
}

fn bench(c: &mut Criterion) {
    let reply = reply_2kb();
    let opts = CoachOptions {
        language: "en".into(),
        customer_language: Some("en".into()),
        signature_name: Some("Dana".into()),
        check_signature: true,
    };
    // Warm the compiled rule sets and the statistical layer once.
    let _ = analyze_reply(&reply, &opts);
    let _ = sentiment(MESSAGE, "en");
    c.bench_function("coach+promises 2KB reply", |b| {
        b.iter(|| analyze_reply(black_box(&reply), black_box(&opts)))
    });
    let rules_only = Coach::standard().with_classifier(false);
    c.bench_function("coach+promises 2KB reply, rules only", |b| {
        b.iter(|| rules_only.analyze(black_box(&reply), black_box(&opts)))
    });
    c.bench_function("language+sentiment message", |b| {
        b.iter(|| {
            let g = detect_language(black_box(MESSAGE));
            sentiment(black_box(MESSAGE), g.code.unwrap_or("en"))
        })
    });
    c.bench_function("language only", |b| b.iter(|| detect_language(black_box(MESSAGE))));
    c.bench_function("sentiment only (en, VADER + support)", |b| {
        b.iter(|| sentiment(black_box(MESSAGE), "en"))
    });
    c.bench_function("language+sentiment message (de lexicon)", |b| {
        let m = "Hallo, ich kann mich seit gestern nicht einloggen und meine Bestellung ist immer noch nicht da.";
        b.iter(|| {
            let g = detect_language(black_box(m));
            sentiment(black_box(m), g.code.unwrap_or("de"))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! What the community's people write: opening posts of the four kinds with
//! the moods they come in, customers' replies, the staff's official answers
//! and their candid status notes. Titles and bodies name a product, so the
//! topics differ and search has words to find.

use candor_core::community::{Mood, TopicKind, TopicStatus};

/// An opening post: `{product}` is replaced by a product's name.
pub struct Opening {
    /// What kind of topic it opens.
    pub kind: TopicKind,
    /// The title.
    pub title: &'static str,
    /// The body, Markdown.
    pub body: &'static str,
    /// Tags or product areas.
    pub tags: &'static [&'static str],
}

const fn o(kind: TopicKind, title: &'static str, body: &'static str, tags: &'static [&'static str]) -> Opening {
    Opening {
        kind,
        title,
        body,
        tags,
    }
}

use TopicKind::{Idea, Praise, Problem, Question};

/// Opening posts.
pub const OPENINGS: &[Opening] = &[
    o(
        Question,
        "How often should the {product} be serviced?",
        "I ride my **{product}** about 20 km a day, all year. How often does it need a service, and what is checked?",
        &["service", "maintenance"],
    ),
    o(
        Question,
        "Which size of {product} fits me?",
        "I am 1.68 m tall with short legs. The size chart says M or S for the {product}. Can I try both in the shop?",
        &["sizing"],
    ),
    o(
        Question,
        "Can I return the {product} after 30 days?",
        "I bought the {product} five weeks ago and it does not fit my commute after all. Is a return still possible, or only an exchange?",
        &["returns", "orders"],
    ),
    o(
        Question,
        "Is the {product} covered by the warranty after a fall?",
        "My {product} slid on wet leaves and the frame has a scratch. Is that a warranty case?\n\n- bought in March\n- receipt is in my account",
        &["warranty"],
    ),
    o(
        Problem,
        "{product}: brake squeals after rain",
        "Since last week the front brake of my **{product}** squeals loudly whenever the roads are wet. The pads look fine. Anyone else?",
        &["brakes", "repair"],
    ),
    o(
        Problem,
        "{product} delivery stuck for a week",
        "My order with the {product} has been \"in transit\" for seven days and the tracking page does not move. Who can I ask?",
        &["delivery", "orders"],
    ),
    o(
        Problem,
        "App does not show my {product}",
        "After the last update the app lists my other bike but not the **{product}**. Logging out and in again did not help.\n\nPhone: Android 14.",
        &["app"],
    ),
    o(
        Problem,
        "Charged twice for the {product}",
        "My card shows two payments for one {product}. Support has my order number. Has anyone had the second one refunded?",
        &["billing"],
    ),
    o(
        Idea,
        "Offer a loan bike while the {product} is in repair",
        "When my {product} is in the workshop for a week I have no way to get to work. A loan bike, even for a small fee, would help a lot.",
        &["repair", "service"],
    ),
    o(
        Idea,
        "Show the {product} stock per shop",
        "Before I walk to the shop I would like to see whether the **{product}** is there. A stock line per shop on the product page would do.",
        &["shops", "website"],
    ),
    o(
        Idea,
        "Reminders for the yearly {product} check",
        "A short email a year after buying the {product}, with a link to book the check, would stop me from forgetting it.",
        &["service", "app"],
    ),
    o(
        Praise,
        "Great help with my {product}",
        "Just want to say thanks: the workshop fixed my **{product}** the same day and explained what was wrong. Rare these days!",
        &["repair"],
    ),
    o(
        Praise,
        "The {product} after one year",
        "One year and 4,000 km on the {product}: no problems, one service, still a joy. Thanks for the honest advice when I bought it.",
        &["reviews"],
    ),
];

/// The moods a post of `kind` is written in (none is as likely as any).
pub fn moods(kind: TopicKind) -> &'static [Option<Mood>] {
    match kind {
        Question => &[Some(Mood::Confused), Some(Mood::Indifferent), Some(Mood::Happy), None],
        Problem => &[
            Some(Mood::Frustrated),
            Some(Mood::Frustrated),
            Some(Mood::Confused),
            None,
        ],
        Idea => &[Some(Mood::Happy), Some(Mood::Indifferent), None],
        Praise => &[Some(Mood::Happy), Some(Mood::Happy), None],
    }
}

/// Customers' replies.
pub const REPLIES: &[&str] = &[
    "Same here, since the update last month.",
    "I had this too. The shop sorted it out in ten minutes, just ask at the counter.",
    "Following, I would like to know as well.",
    "+1, this would really help.",
    "For me it went away after cleaning the rotor with alcohol. Worth a try!",
    "Thanks for asking, I was about to post the same question.",
    "I called support and they said a fix is coming, but no date yet.",
    "Mine is **exactly** the same. Bought in May.",
    "In my experience every 3,000 km is about right, more often in winter.",
    "Any news on this? Still waiting here.",
    "Worked for me:\n\n1. switch it off\n2. hold the button for ten seconds\n3. switch it on again",
    "The staff in the Kreuzberg shop were very helpful with this.",
];

/// Staff answers, signed by name.
pub const ANSWERS: &[&str] = &[
    "Thanks for raising this. We have seen a handful of reports and the workshop is looking into it. I will post here as soon as we know more.",
    "Good question! The short answer: every 12 months or 3,000 km, whichever comes first. The check covers brakes, chain, gears, lights and spokes.",
    "Sorry for the trouble. I have passed your order to the billing team; the second payment will be refunded within five working days.",
    "You can try both sizes in any of our shops, no appointment needed. Bring your own shoes if you ride in special ones.",
    "A scratch from a fall is not a warranty case, but bring it by: if the frame is sound we will tell you so, free of charge.",
    "We fixed this in the app release of this week. Please update the app and log in once more; the bike should show again.",
    "Returns are possible within 30 days; after that we offer an exchange or a repair. Write to us with your order number and we will find a way.",
    "Thank you, that is lovely to hear. I have passed it on to the workshop team.",
];

/// Candid notes with a status.
pub fn status_note(status: TopicStatus) -> &'static str {
    match status {
        TopicStatus::Acknowledged => {
            "We can reproduce this and it is on the workshop's list. No date yet; we will write here when we have one."
        }
        TopicStatus::Planned => "We will do this. It is planned for the next quarter, after the new shop opens.",
        TopicStatus::InProgress => "Work has started. A first version is being tested by the team this month.",
        TopicStatus::Done => "Done: the fix is live in all shops and in the app. Thanks to everyone who reported it.",
        TopicStatus::WontDo => {
            "We looked at this carefully and will not do it: the cost would have to go into every repair price. Sorry to say no."
        }
        TopicStatus::New | TopicStatus::Answered => "",
    }
}

/// Titles of the staff who answer in public.
pub const TITLES: &[(&str, &str)] = &[
    ("Head of support", "Runs the support team and reads every topic."),
    ("Workshop lead", "Fixes bikes since 2009."),
    ("Product manager", "Looks after the app and the website."),
    ("Billing specialist", "Knows every invoice by its number."),
    ("Support agent", "Answers email, chat and the community."),
    ("Bike mechanic", "Brakes, gears and wheels."),
];

/// What the company says about itself on the profile page.
pub const ABOUT: &str = "We sell, service and repair bikes in Berlin since 2009. Ask us anything here: the people who answer are the people who fix your bike.";

/// The topic whose page is measured: a problem many people have.
pub const BUSY: Opening = o(
    Problem,
    "Battery drains overnight after the 2.3 firmware update",
    "Since the **2.3** firmware update my electric bike's battery goes from full to about 60% overnight, switched off and unplugged.\n\n- bought last spring\n- update installed through the app\n- charger is the original one\n\nAnyone else?",
    &["battery", "firmware", "electric-bike"],
);

#[cfg(test)]
mod tests {
    use super::*;
    use candor_core::community::{check_body, check_status_note, check_title};

    #[test]
    fn every_text_passes_the_checks_posting_makes() {
        for p in OPENINGS.iter().chain(std::iter::once(&BUSY)) {
            let title = p.title.replace("{product}", "Cargo bike");
            assert!(check_title(&title).is_ok(), "{title}");
            assert!(check_body(&p.body.replace("{product}", "Cargo bike"), true).is_ok());
            assert!(!moods(p.kind).is_empty());
        }
        for s in TopicStatus::settable(TopicKind::Problem) {
            assert!(check_status_note(status_note(*s)).is_ok(), "{s}");
        }
        for r in REPLIES.iter().chain(ANSWERS) {
            assert!(check_body(r, true).is_ok(), "{r}");
        }
    }
}

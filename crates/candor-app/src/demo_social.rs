//! The demo's phone calls and social mentions: a few calls (one missed,
//! with its call-back promise), a dozen mentions across platforms, two
//! monitoring rules, and the alerts they raise — so the inbox's "Reach out
//! first" view and the customer pages have something to show.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::phone::{LogCall, log_call};
use crate::social::rules::{NewRule, add};
use crate::social::{NewMention, receive};
use candor_core::identity::IdentityKind;
use candor_core::staff::Role;
use candor_store::staff::User;
use jiff::SignedDuration;

/// The company's phone line in the demo.
pub const DEMO_LINE: &str = "+49 30 5550100";
/// The handle the demo's tier-A customer posts under on twitter.
pub const DEMO_VIP_HANDLE: &str = "greta_rides";

/// (platform, handle, name, text, hours ago).
const MENTIONS: &[(&str, &str, &str, &str, i64)] = &[
    (
        "instagram",
        "pedal.pia",
        "Pia",
        "Sunday ride on my Northwind city bike. Smooth, quiet and so comfortable!",
        40,
    ),
    (
        "reddit",
        "cargo_dad",
        "cargo_dad",
        "Anyone else using a Northwind cargo bike for the school run? Ours has been great for two years.",
        34,
    ),
    (
        "mastodon",
        "velo@mastodon.social",
        "Velo Berlin",
        "Northwind's service team fixed my wheel in a day. Good people.",
        30,
    ),
    (
        "twitter",
        "urbanrider",
        "Urban Rider",
        "Is there a recall on the Northwind cargo bike kickstand? Mine wobbles.",
        26,
    ),
    (
        "bluesky",
        "lena.cycles",
        "Lena",
        "Thinking about a Northwind city bike. Any opinions on the gears?",
        22,
    ),
    (
        "youtube",
        "bikereviews",
        "Bike Reviews",
        "New video: the Northwind cargo bike after 5,000 km. Honest review.",
        18,
    ),
    (
        "twitter",
        "commuter_jo",
        "Jo",
        "My Northwind lights stopped working after a week. Slightly annoying.",
        12,
    ),
    (
        "instagram",
        "alpine.ana",
        "Ana",
        "Took the Northwind up the pass today. What a view, what a bike!",
        9,
    ),
    (
        "reddit",
        "fixie_fan",
        "fixie_fan",
        "Northwind delivery took three weeks, but the bike is lovely.",
        7,
    ),
    (
        "threads",
        "max.moves",
        "Max",
        "Great chat with Northwind support about child seats. Helpful and quick.",
        5,
    ),
    (
        "facebook",
        "hanne.k",
        "Hanne K.",
        "Where can I get a Northwind helmet in size S?",
        3,
    ),
];

/// Adds the calls, mentions and rules to the demo workspace of `owner`.
pub async fn load(app: &App, owner: &User) -> AppResult<()> {
    let caller = Caller::session(owner.clone());
    let ws = caller.workspace();
    let now = app.now();
    let ago = |h: i64| (now - SignedDuration::from_hours(h)).to_string();
    let staff = app.db.users(ws).await?;
    let agent = |email: &str| -> AppResult<User> {
        staff
            .iter()
            .find(|u| u.email == email && u.role >= Role::Agent)
            .cloned()
            .ok_or_else(|| AppError::Internal(format!("demo agent {email} is missing")))
    };
    let tomas = agent("tomas@northwind.example")?;
    let annika = agent("annika@northwind.example")?;
    // Customers with phone numbers.
    let page = crate::segments::find(app, &caller, "q", "", None, 200).await?;
    let phones: Vec<(candor_core::CustomerId, String)> = page
        .items
        .iter()
        .filter_map(|c| {
            c.identities
                .iter()
                .find(|i| i.kind == IdentityKind::Phone)
                .map(|i| (c.id, i.value.clone()))
        })
        .collect();
    if phones.len() >= 3 {
        let call = |from: &str, to: &str, direction: &str, status: &str, hours: i64, secs: i64| LogCall {
            from: from.to_string(),
            to: to.to_string(),
            direction: direction.into(),
            status: Some(status.into()),
            started_at: ago(hours),
            duration: Some(secs),
            ..Default::default()
        };
        let mut answered = call(&phones[0].1, DEMO_LINE, "inbound", "answered", 50, 312);
        answered.agent = Some(tomas.email.clone());
        answered.transcript = Some("Asked how to adjust the brakes on the cargo bike; walked them through it.".into());
        answered.recording_url = Some("https://recordings.northwind.example/calls/2041.mp3".into());
        answered.external_id = Some("demo-call-2041".into());
        log_call(app, &caller, &answered).await?;
        let mut outbound = call(DEMO_LINE, &phones[1].1, "outbound", "answered", 28, 145);
        outbound.agent = Some(annika.email.clone());
        outbound.transcript = Some("Called to confirm the service appointment on Thursday.".into());
        outbound.external_id = Some("demo-call-2042".into());
        log_call(app, &caller, &outbound).await?;
        let mut missed = call(&phones[2].1, DEMO_LINE, "inbound", "missed", 2, 0);
        missed.external_id = Some("demo-call-2043".into());
        let logged = log_call(app, &caller, &missed).await?;
        if logged.conversation.assignee_id.is_none() {
            // Routing left it waiting: give it to Tomás, who then owes the call-back.
            let change = crate::conversations::UpdateConversation {
                assignee_id: Some(serde_json::Value::String(tomas.id.to_string())),
                ..Default::default()
            };
            crate::conversations::update(app, &caller, logged.conversation.id, &change).await?;
        }
    }
    let mut voicemail = LogCall {
        from: "+44 20 7946 0958".into(),
        to: DEMO_LINE.into(),
        direction: "inbound".into(),
        status: Some("voicemail".into()),
        started_at: ago(1),
        duration: Some(38),
        transcript: Some("Hi, this is Owen from the Harbour Bikes shop, calling about a bulk order of helmets.".into()),
        name: Some("Owen Price".into()),
        external_id: Some("demo-call-2044".into()),
        ..Default::default()
    };
    voicemail.region = Some("GB".into());
    log_call(app, &caller, &voicemail).await?;
    social(app, &caller, now).await
}

async fn social(app: &App, caller: &Caller, now: jiff::Timestamp) -> AppResult<()> {
    let ago = |h: i64| (now - SignedDuration::from_hours(h)).to_string();
    add(
        app,
        caller,
        &NewRule {
            name: Some("Our best customers, and those drifting away".into()),
            kind: "author_tier".into(),
            ..Default::default()
        },
    )
    .await?;
    add(
        app,
        caller,
        &NewRule {
            name: Some("Safety words".into()),
            kind: "keyword".into(),
            words: vec!["recall".into(), "brakes failed".into(), "unsafe".into()],
            ..Default::default()
        },
    )
    .await?;
    // A tier-A customer who posts on twitter.
    let vip = crate::segments::find(app, caller, "q", "tier:A", None, 1).await?;
    if let Some(c) = vip.items.first() {
        let identity = crate::customers::IdentityInput {
            kind: "social".into(),
            value: format!("twitter:{DEMO_VIP_HANDLE}"),
            verified: true,
        };
        crate::customers::add_identity(app, caller, c.id, &identity).await?;
        let name = c.name.clone();
        let post = NewMention {
            platform: "twitter".into(),
            post_url: "https://x.com/greta_rides/status/1890001".into(),
            author_handle: format!("@{DEMO_VIP_HANDLE}"),
            author_name: Some(name),
            text: "Third time this month the brakes failed on my Northwind cargo bike. Terrible, I am done waiting for a fix."
                .into(),
            posted_at: ago(1),
            external_id: Some("1890001".into()),
            ..Default::default()
        };
        receive(app, caller, &post).await?;
    }
    for (i, (platform, handle, name, text, hours)) in MENTIONS.iter().enumerate() {
        let post = NewMention {
            platform: (*platform).into(),
            post_url: format!("https://{platform}.example/{handle}/posts/{}", 7000 + i),
            author_handle: (*handle).into(),
            author_name: Some((*name).into()),
            text: (*text).into(),
            posted_at: ago(*hours),
            ..Default::default()
        };
        receive(app, caller, &post).await?;
    }
    Ok(())
}

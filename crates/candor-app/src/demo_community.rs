//! The demo's community: about twenty-five topics of every kind and mood from
//! demo customers over the last ninety days, official replies by the named
//! staff with their titles, accepted answers, statuses with candid notes
//! (including honest "won't do"s), "me too"s and followers, so that the
//! profile page's figures mean something.

use crate::community::markdown::render;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::WorkspaceId;
use candor_core::community::{Mood, TopicKind, TopicStatus, Visibility, kind};
use candor_core::events::{Actor, Subject};
use candor_store::community::topics::{NewReply, NewTopic, StatusAuthor};
use candor_store::community::{Person, Settings};
use candor_store::events::NewEvent;
use jiff::SignedDuration;
use serde_json::json;

/// Staff titles by address.
const TITLES: &[(&str, &str, &str)] = &[
    (
        "maya@northwind.example",
        "Founder",
        "Built the first Northwind frame in a garage in 2014.",
    ),
    (
        "priya@northwind.example",
        "Head of support",
        "Reads every community topic; ask her anything about orders.",
    ),
    (
        "tomas@northwind.example",
        "Mechanic, support",
        "Fixes brakes for a living and explains them for fun.",
    ),
    (
        "annika@northwind.example",
        "Product manager",
        "Decides what we build next, in the open.",
    ),
    (
        "luc@northwind.example",
        "Support, orders and shipping",
        "Knows where your parcel is.",
    ),
];

/// (kind, mood, title, body, tags, days ago)
type Post = (
    TopicKind,
    Option<Mood>,
    &'static str,
    &'static str,
    &'static [&'static str],
    i64,
);
/// (staff index, hours after posting, body, official)
type Answer = (usize, i64, &'static str);
/// (status, staff index, hours after posting, note)
type Status = (TopicStatus, usize, i64, &'static str);

struct Demo {
    post: Post,
    answer: Option<Answer>,
    status: Option<Status>,
    accepted: bool,
    me_too: usize,
    chatter: &'static [&'static str],
}

use Mood::*;
use TopicKind::*;

const fn d(post: Post, answer: Option<Answer>, status: Option<Status>, accepted: bool, me_too: usize) -> Demo {
    Demo {
        post,
        answer,
        status,
        accepted,
        me_too,
        chatter: &[],
    }
}

fn topics() -> Vec<Demo> {
    vec![
        d(
            (
                Problem,
                Some(Frustrated),
                "Disc brakes squeal after riding in the rain",
                "Since last week my **City** bike's front brake squeals loudly whenever the roads are wet. Pads look fine.",
                &["brakes", "city-bike"],
                84,
            ),
            Some((
                2,
                3,
                "Wet squeal is usually a thin film on the rotor. Wipe the rotor with isopropyl alcohol and bed the pads in again (10 firm stops from walking speed). If it stays, bring it in: we replace pads free within the first year.\n\n— Tomás",
            )),
            Some((
                TopicStatus::Done,
                2,
                30,
                "We changed the stock pads to a sintered compound for all City bikes shipped since March; the new pads are free for earlier owners at any partner shop.",
            )),
            false,
            6,
        ),
        d(
            (
                Question,
                Some(Confused),
                "How do I adjust the saddle height?",
                "The saddle feels too low but the clamp won't move. What tool do I need?",
                &["fit"],
                80,
            ),
            Some((
                2,
                1,
                "A 5 mm hex key opens the seat clamp. Set the height so your leg is almost straight at the bottom of the pedal stroke, heel on the pedal.",
            )),
            None,
            true,
            1,
        ),
        d(
            (
                Idea,
                Some(Happy),
                "Offer a rear rack for the cargo bike",
                "A rear rack would make the cargo bike perfect for the weekly shop.",
                &["cargo-bike", "accessories"],
                77,
            ),
            Some((3, 20, "Thanks Ada, we hear this one a lot.")),
            Some((
                TopicStatus::Planned,
                3,
                26,
                "A rear rack rated for 25 kg is designed and in testing with two couriers; we expect it in the shop in early summer. We will post the date here.",
            )),
            false,
            9,
        ),
        d(
            (
                Praise,
                Some(Happy),
                "Fast repair turnaround in Berlin",
                "Dropped the bike off Monday, it was ready Tuesday morning. Thank you!",
                &["service"],
                75,
            ),
            Some((
                1,
                5,
                "That's lovely to read, thank you for telling us. I'll pass it on to the workshop team.",
            )),
            None,
            false,
            0,
        ),
        d(
            (
                Problem,
                Some(Frustrated),
                "Order confirmation email never arrived",
                "I ordered a helmet two days ago and got no confirmation. Was the order placed?",
                &["orders", "email"],
                70,
            ),
            Some((
                4,
                2,
                "I'm sorry for the worry. Some confirmation emails went to spam folders last week; your order is placed. I have moved the details to a private conversation so we can check your address.",
            )),
            Some((
                TopicStatus::Done,
                4,
                48,
                "A change at our mail provider marked our confirmations as bulk mail. We fixed the sender settings on the 12th; confirmations arrive again. Nobody's order was lost.",
            )),
            false,
            4,
        ),
        d(
            (
                Idea,
                Some(Indifferent),
                "Sell a dynamo light kit",
                "Battery lights are fine but a dynamo kit would save the hassle.",
                &["accessories", "lights"],
                68,
            ),
            Some((3, 30, "We looked at this carefully.")),
            Some((
                TopicStatus::WontDo,
                3,
                40,
                "Honestly: our frames have no dynamo-ready hub and a retrofit wheel would cost more than a good battery set. We would rather not sell something that fits badly. The rechargeable light set lasts 20 hours on a charge.",
            )),
            false,
            3,
        ),
        d(
            (
                Question,
                Some(Confused),
                "What tyre pressure for the city bike?",
                "The sidewall says 3–5 bar. What do you recommend for city riding?",
                &["tyres", "city-bike"],
                63,
            ),
            Some((
                2,
                4,
                "For city riding around 4 bar front and 4.5 bar rear if you weigh about 75 kg; a little less in the rain for grip.",
            )),
            None,
            true,
            2,
        ),
        d(
            (
                Problem,
                Some(Frustrated),
                "Gear shifts skip under load",
                "When I climb, the chain jumps from 3rd to 4th gear.",
                &["gears"],
                58,
            ),
            Some((
                2,
                6,
                "That usually means cable stretch on a new bike. Turn the barrel adjuster on the shifter half a turn anticlockwise; if it still skips, the first service is free.",
            )),
            Some((
                TopicStatus::Acknowledged,
                2,
                8,
                "We see more reports of this than we expect from cable stretch alone and are checking whether a batch of cables is at fault. We will update this topic by the end of the month.",
            )),
            false,
            5,
        ),
        d(
            (
                Praise,
                Some(Happy),
                "The cargo bike changed our school run",
                "Two kids, one bike, no car. Thank you for building it.",
                &["cargo-bike"],
                55,
            ),
            None,
            None,
            false,
            0,
        ),
        d(
            (
                Idea,
                Some(Happy),
                "Let us book service slots online",
                "Calling to book a service is awkward; an online calendar would help.",
                &["service", "website"],
                52,
            ),
            Some((3, 10, "Agreed, calling is not great.")),
            Some((
                TopicStatus::InProgress,
                3,
                12,
                "We are building online booking now; the Berlin workshop will try it first. It is about half done.",
            )),
            false,
            11,
        ),
        d(
            (
                Question,
                Some(Indifferent),
                "Can I fit a child seat to the city bike?",
                "Is the rear carrier strong enough for a child seat?",
                &["city-bike", "accessories"],
                49,
            ),
            Some((
                1,
                3,
                "Yes: the City rear carrier is rated for 25 kg and fits seats with a carrier mount. Frame-mounted seats need the clamp adapter.",
            )),
            None,
            true,
            3,
        ),
        d(
            (
                Problem,
                Some(Confused),
                "Invoice shows the wrong VAT rate",
                "My invoice lists 16% VAT but I paid 19%.",
                &["orders", "billing"],
                44,
            ),
            Some((
                1,
                26,
                "You are right, and thank you for spotting it. The invoice template had an old rate; the amount you paid was correct. We have sent corrected invoices.",
            )),
            Some((
                TopicStatus::Done,
                1,
                30,
                "Fixed the invoice template and re-sent 212 affected invoices. The amounts charged were always right.",
            )),
            false,
            2,
        ),
        d(
            (
                Idea,
                Some(Indifferent),
                "A frame size guide with inseam",
                "Your size chart only uses height; inseam would be more accurate.",
                &["fit", "website"],
                40,
            ),
            None,
            None,
            false,
            4,
        ),
        d(
            (
                Problem,
                Some(Frustrated),
                "Delivery delayed twice without notice",
                "My cargo bike delivery moved twice and nobody told me.",
                &["orders", "shipping"],
                36,
            ),
            Some((
                4,
                5,
                "You should have heard it from us first, and I'm sorry you didn't. Our freight partner rebooked without telling us. I have put your new date in a private conversation and set a reminder to call you the day before.",
            )),
            Some((
                TopicStatus::InProgress,
                4,
                7,
                "We are adding automatic delay notices from the freight partner's tracking; until then, Luc checks every cargo delivery by hand each morning.",
            )),
            false,
            7,
        ),
        d(
            (
                Question,
                Some(Confused),
                "Is the warranty valid if I change the saddle?",
                "I want a different saddle; will that void the warranty?",
                &["warranty"],
                33,
            ),
            Some((
                1,
                2,
                "No. Changing the saddle, pedals, grips or lights never affects the frame warranty.",
            )),
            None,
            true,
            1,
        ),
        d(
            (
                Praise,
                Some(Happy),
                "Honest answer about the dynamo kit",
                "Appreciate being told no with a reason instead of being sold something.",
                &["accessories"],
                30,
            ),
            None,
            None,
            false,
            0,
        ),
        d(
            (
                Idea,
                Some(Happy),
                "Community group rides",
                "Would you host a monthly group ride for owners?",
                &["events"],
                26,
            ),
            Some((0, 40, "We'd love to. Let's see how many of you would come.")),
            Some((
                TopicStatus::Acknowledged,
                0,
                41,
                "We like it and are looking for a route and a date; we will not promise one until we have both.",
            )),
            false,
            8,
        ),
        d(
            (
                Problem,
                Some(Indifferent),
                "Bell rattles on cobblestones",
                "The bell rings by itself on rough streets.",
                &["accessories"],
                22,
            ),
            Some((
                2,
                50,
                "Turn the bell a few degrees so the hammer rests against the stop; a drop of thread locker on the screw helps too.",
            )),
            None,
            false,
            1,
        ),
        d(
            (
                Question,
                Some(Confused),
                "How often should I service the cargo bike?",
                "What interval do you recommend for a bike used daily?",
                &["service", "cargo-bike"],
                18,
            ),
            Some((
                2,
                7,
                "Every 2,000 km or six months, whichever comes first; brakes checked monthly if you carry heavy loads.",
            )),
            None,
            true,
            2,
        ),
        d(
            (
                Problem,
                Some(Frustrated),
                "App shows the wrong battery level",
                "The companion app says 20% when the display says 60%.",
                &["app"],
                14,
            ),
            Some((
                3,
                9,
                "Thanks for the screenshots. This is a bug in the app's reading of older batteries.",
            )),
            Some((
                TopicStatus::Planned,
                3,
                10,
                "The fix is written and will ship in the next app release, planned for the 28th. Until then, trust the display on the bike.",
            )),
            false,
            6,
        ),
        d(
            (
                Idea,
                Some(Indifferent),
                "Sell spare keys for the frame lock",
                "I lost one key; a way to order spares would be handy.",
                &["accessories", "locks"],
                10,
            ),
            None,
            None,
            false,
            2,
        ),
        d(
            (
                Praise,
                Some(Happy),
                "Priya sorted my return in one email",
                "Clear, kind and quick. More of this please.",
                &["service"],
                8,
            ),
            Some((1, 3, "Thank you, that made my day.")),
            None,
            false,
            0,
        ),
        d(
            (
                Question,
                Some(Indifferent),
                "Do you ship to Switzerland?",
                "Is delivery to Zurich possible, and who pays the import duty?",
                &["shipping"],
                6,
            ),
            Some((
                4,
                4,
                "Yes, we ship to Switzerland. Import duty and VAT are charged at delivery by the carrier; we show an estimate at checkout.",
            )),
            None,
            false,
            1,
        ),
        d(
            (
                Problem,
                Some(Confused),
                "Kickstand slips on slopes",
                "On a slight slope the stand folds back up.",
                &["cargo-bike"],
                4,
            ),
            None,
            None,
            false,
            3,
        ),
        Demo {
            chatter: &[
                "Same here, especially with groceries in the front box.",
                "A second stand at the rear would help.",
            ],
            ..d(
                (
                    Idea,
                    Some(Happy),
                    "A wider stand for the cargo bike",
                    "A double-leg stand would make loading kids much easier.",
                    &["cargo-bike"],
                    2,
                ),
                None,
                None,
                false,
                5,
            )
        },
    ]
}

/// Adds the community demo to `ws`.
pub async fn load(app: &App, ws: WorkspaceId) -> AppResult<()> {
    let now = app.now();
    let at = |days: i64, hours: i64| {
        (now - SignedDuration::from_hours(24 * days) + SignedDuration::from_hours(hours)).min(now)
    };
    let people = app.db.named_customers_with_email(ws, 60).await?;
    if people.len() < 10 {
        return Err(AppError::Internal("the community demo needs the demo customers".into()));
    }
    let users = app.db.users(ws).await?;
    let mut staff = Vec::new();
    let mut tx = app.db.begin().await?;
    for (email, title, bio) in TITLES {
        let u = users
            .iter()
            .find(|u| u.email == *email)
            .ok_or_else(|| AppError::Internal(format!("demo staff {email} is missing")))?;
        let person = Person {
            user_id: u.id,
            title: title.to_string(),
            bio: bio.to_string(),
        };
        tx.set_community_person(ws, &person).await?;
        staff.push((u.clone(), title.to_string()));
    }
    let about = "Northwind Cycles builds city and cargo bikes in Berlin. Ask us anything here: the people who design, \
        build and repair our bikes answer under their own names, and when we get something wrong we say so.";
    let settings = Settings {
        moderate_first_posts: false,
        about: about.into(),
    };
    tx.set_community_settings(now, ws, &settings).await?;
    for (i, demo) in topics().iter().enumerate() {
        let (k, mood, title, body, tags, days) = demo.post;
        let (customer, name, email) = &people[(i * 7) % people.len()];
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        let posted = at(days, 0);
        let t = tx
            .create_topic(
                posted,
                ws,
                &NewTopic {
                    kind: k,
                    title,
                    body,
                    body_html: &render(body),
                    mood,
                    customer_id: *customer,
                    author_name: name,
                    tags: &tags,
                    visibility: Visibility::Published,
                },
            )
            .await?;
        tx.follow(posted, ws, t.id, *customer, email).await?;
        let event = |kind: &'static str, payload| NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind,
            subject: Subject::new("community_topic", t.id.as_uuid()),
            payload,
        };
        tx.append_customer_event(
            posted,
            event(kind::TOPIC_POSTED, json!({"title": title, "source": "demo"})),
            Some(*customer),
        )
        .await?;
        for n in 0..demo.me_too {
            let (other, _, other_email) = &people[(i * 7 + n * 3 + 1) % people.len()];
            let when = at(days, 2 + n as i64 * 5);
            tx.add_me_too(when, ws, t.id, *other).await?;
            if n % 2 == 0 {
                tx.follow(when, ws, t.id, *other, other_email).await?;
            }
        }
        for (n, text) in demo.chatter.iter().enumerate() {
            let (other, other_name, _) = &people[(i * 7 + n * 5 + 2) % people.len()];
            let reply = NewReply {
                topic_id: t.id,
                customer_id: Some(*other),
                user_id: None,
                author_name: other_name,
                author_role: None,
                official: false,
                body: text,
                body_html: &render(text),
                visibility: Visibility::Published,
            };
            tx.add_reply(at(days, 1 + n as i64), ws, &reply).await?;
        }
        if let Some((who, hours, text)) = demo.answer {
            let (user, role) = &staff[who];
            let reply = NewReply {
                topic_id: t.id,
                customer_id: None,
                user_id: Some(user.id),
                author_name: &user.name,
                author_role: Some(role),
                official: true,
                body: text,
                body_html: &render(text),
                visibility: Visibility::Published,
            };
            let r = tx.add_reply(at(days, hours), ws, &reply).await?;
            if demo.accepted {
                tx.set_accepted(at(days, hours + 1), ws, t.id, Some(r.id)).await?;
            }
        }
        if let Some((status, who, hours, note)) = demo.status {
            let (user, role) = &staff[who];
            let by = StatusAuthor {
                user_id: user.id,
                name: &user.name,
                role,
            };
            let when = at(days, hours);
            tx.set_topic_status(when, ws, t.id, status, (note, &render(note)), Some(by))
                .await?;
            let mut e = event(kind::STATUS_CHANGED, json!({"to": status, "note": note}));
            e.actor = Actor::Staff(user.id);
            tx.append_customer_event(when, e, Some(*customer)).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

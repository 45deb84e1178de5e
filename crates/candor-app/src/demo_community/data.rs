//! The demo community's topics: what was asked, who answered and how.

use candor_core::community::{Mood, TopicKind, TopicStatus};

/// (kind, mood, title, body, tags, days ago)
pub(super) type Post = (
    TopicKind,
    Option<Mood>,
    &'static str,
    &'static str,
    &'static [&'static str],
    i64,
);
/// (staff index, hours after posting, body, official)
pub(super) type Answer = (usize, i64, &'static str);
/// (status, staff index, hours after posting, note)
pub(super) type Status = (TopicStatus, usize, i64, &'static str);

pub(super) struct Demo {
    pub post: Post,
    pub answer: Option<Answer>,
    pub status: Option<Status>,
    pub accepted: bool,
    pub me_too: usize,
    pub chatter: &'static [&'static str],
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

pub(super) fn topics() -> Vec<Demo> {
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

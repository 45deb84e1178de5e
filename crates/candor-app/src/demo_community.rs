//! The demo's community: about twenty-five topics of every kind and mood from
//! demo customers over the last ninety days, official replies by the named
//! staff with their titles, accepted answers, statuses with candid notes
//! (including honest "won't do"s), "me too"s and followers, so that the
//! profile page's figures mean something.

use crate::community::markdown::render;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::WorkspaceId;
use candor_core::community::{Visibility, kind};
use candor_core::events::{Actor, Subject};
use candor_store::community::topics::{NewReply, NewTopic, StatusAuthor};
use candor_store::community::{Person, Settings};
use candor_store::events::NewEvent;
use jiff::SignedDuration;

mod data;
use data::topics;
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

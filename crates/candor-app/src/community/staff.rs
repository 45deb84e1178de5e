//! What the company does in public: official replies signed with a real name
//! and role, statuses with a candid note (sent to followers), accepted
//! answers, and the community's settings and profile.

use super::mail::{News, Site, notify_followers};
use super::{TopicEvent, live_topic, markdown, staff_role, topic_event};
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::community::{
    ReplyId, TopicId, TopicKind, TopicStatus, Visibility, check_body, check_status_note, kind,
};
use candor_core::events::Subject;
use candor_core::staff::Scope;
use candor_store::community::topics::{NewReply, StatusAuthor};
use candor_store::community::{Person, Reply, Settings, Topic};
use candor_store::events::NewEvent;
use serde::Deserialize;
use serde_json::json;

/// A staff reply as sent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffReplyInput {
    /// Markdown.
    #[serde(default)]
    pub body: String,
    /// Whether it speaks for the company (default true).
    #[serde(default = "yes")]
    pub official: bool,
}

fn yes() -> bool {
    true
}

/// A status change as sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// acknowledged, planned, in-progress, done or wont-do.
    #[serde(default)]
    pub status: Option<String>,
    /// The candid explanation shown on the topic and sent to followers.
    #[serde(default)]
    pub status_note: Option<String>,
}

/// A staff member replies to a topic, officially unless told otherwise.
/// Locked topics still take staff replies.
pub async fn reply_as_staff(
    app: &App,
    caller: &Caller,
    site: &Site<'_>,
    topic: TopicId,
    input: &StaffReplyInput,
) -> AppResult<Reply> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let body = check_body(&input.body, true).map_err(|m| AppError::invalid("body", m))?;
    let role = staff_role(app, &caller.user).await?;
    let html = markdown::render(&body);
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    let reply = tx
        .add_reply(
            app.now(),
            ws,
            &NewReply {
                topic_id: t.id,
                customer_id: None,
                user_id: Some(caller.user.id),
                author_name: &caller.user.name,
                author_role: Some(&role),
                official: input.official,
                body: &body,
                body_html: &html,
                visibility: Visibility::Published,
            },
        )
        .await?;
    topic_event(
        &mut tx,
        app,
        ws,
        caller.actor(),
        TopicEvent {
            kind: kind::REPLY_POSTED,
            topic: t.id,
            customer: Some(t.customer_id),
            payload: json!({"reply_id": reply.id, "official": input.official, "author": caller.user.name, "role": role}),
        },
    )
    .await?;
    if t.visibility == Visibility::Published {
        let news = News::Reply {
            author: &caller.user.name,
            official_role: input.official.then_some(role.as_str()),
            body: &body,
            body_html: &html,
        };
        notify_followers(&mut tx, app, site, &t, news, None).await?;
    }
    tx.commit().await?;
    Ok(reply)
}

/// Sets a problem's or idea's status with a candid note, shown on the topic
/// and sent to its followers.
pub async fn set_status(
    app: &App,
    caller: &Caller,
    site: &Site<'_>,
    topic: TopicId,
    input: &StatusInput,
) -> AppResult<Topic> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let raw = input
        .status
        .as_deref()
        .ok_or_else(|| AppError::invalid("status", "give the new status"))?;
    let status: TopicStatus = raw
        .parse()
        .map_err(|e: candor_core::community::UnknownValue| AppError::invalid("status", e.to_string()))?;
    let note = check_status_note(input.status_note.as_deref().unwrap_or(""))
        .map_err(|m| AppError::invalid("status_note", m))?;
    let role = staff_role(app, &caller.user).await?;
    let note_html = markdown::render(&note);
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    if !TopicStatus::settable(t.kind).contains(&status) {
        let allowed: Vec<&str> = TopicStatus::settable(t.kind).iter().map(|s| s.as_str()).collect();
        let message = if allowed.is_empty() {
            format!(
                "a {} has no status to set{}",
                t.kind,
                if t.kind == TopicKind::Question {
                    "; accept a reply as its answer instead"
                } else {
                    ""
                }
            )
        } else {
            format!("a {} takes one of: {}", t.kind, allowed.join(", "))
        };
        return Err(AppError::invalid("status", message));
    }
    let by = StatusAuthor {
        user_id: caller.user.id,
        name: &caller.user.name,
        role: &role,
    };
    tx.set_topic_status(app.now(), ws, t.id, status, (&note, &note_html), Some(by))
        .await?;
    topic_event(
        &mut tx,
        app,
        ws,
        caller.actor(),
        TopicEvent {
            kind: kind::STATUS_CHANGED,
            topic: t.id,
            customer: Some(t.customer_id),
            payload: json!({"from": t.status, "to": status, "note": note, "author": caller.user.name, "role": role}),
        },
    )
    .await?;
    if t.kind == TopicKind::Problem && status == TopicStatus::Done && t.status != TopicStatus::Done {
        // A step of the poster's trust trajectory (docs/trust.md).
        crate::trust::steps::on_topic_answered(&mut tx, ws, app.now(), &t, Some(caller.user.id)).await?;
    }
    if t.visibility == Visibility::Published {
        let news = News::Status {
            label: status.label(),
            note: &note,
            note_html: &note_html,
            author: &caller.user.name,
        };
        notify_followers(&mut tx, app, site, &t, news, None).await?;
    }
    let t = tx.topic_in_tx(ws, t.id).await?;
    tx.commit().await?;
    Ok(t)
}

/// Who accepts an answer: the staff, or the customer who asked.
#[derive(Clone, Debug)]
pub enum Accepter<'a> {
    /// A staff member.
    Staff(&'a Caller),
    /// The customer who asked, signed in.
    Asker {
        /// The workspace.
        workspace_id: candor_core::WorkspaceId,
        /// The customer.
        customer_id: candor_core::CustomerId,
    },
}

/// Accepts a published reply as a question's answer (or clears it with `None`).
pub async fn accept_answer(app: &App, who: Accepter<'_>, topic: TopicId, reply: Option<ReplyId>) -> AppResult<Topic> {
    let (ws, actor) = match &who {
        Accepter::Staff(c) => {
            c.require(Scope::Write)?;
            (c.workspace(), c.actor())
        }
        Accepter::Asker { workspace_id, .. } => (*workspace_id, candor_core::events::Actor::System),
    };
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    if let Accepter::Asker { customer_id, .. } = who
        && t.customer_id != customer_id
    {
        return Err(AppError::Forbidden(
            "only the person who asked may accept an answer".into(),
        ));
    }
    if t.kind != TopicKind::Question {
        return Err(AppError::invalid("reply_id", "only a question has an accepted answer"));
    }
    let mut answerer = None;
    if let Some(r) = reply {
        let found = match tx.reply_in_tx(ws, r).await {
            Ok(found) => found,
            Err(candor_store::StoreError::NotFound) => {
                return Err(AppError::invalid("reply_id", "no such reply on this topic"));
            }
            Err(e) => return Err(e.into()),
        };
        if found.topic_id != t.id || found.visibility != Visibility::Published {
            return Err(AppError::invalid("reply_id", "no such reply on this topic"));
        }
        answerer = found.user_id;
    }
    tx.set_accepted(app.now(), ws, t.id, reply).await?;
    topic_event(
        &mut tx,
        app,
        ws,
        actor,
        TopicEvent {
            kind: kind::ANSWER_ACCEPTED,
            topic: t.id,
            customer: Some(t.customer_id),
            payload: json!({"reply_id": reply, "had_answer": t.accepted_reply_id.is_some()}),
        },
    )
    .await?;
    if reply.is_some() && t.accepted_reply_id.is_none() {
        // A step of the asker's trust trajectory, credited to whoever answered (docs/trust.md).
        crate::trust::steps::on_topic_answered(&mut tx, ws, app.now(), &t, answerer).await?;
    }
    let t = tx.topic_in_tx(ws, t.id).await?;
    tx.commit().await?;
    Ok(t)
}

/// Settings as sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    /// Whether a poster's first post waits for a moderator.
    #[serde(default)]
    pub moderate_first_posts: Option<bool>,
    /// What the company is, in Markdown, for the profile page.
    #[serde(default)]
    pub about: Option<String>,
}

/// Changes the community's settings (admins).
pub async fn update_settings(app: &App, caller: &Caller, input: &SettingsInput) -> AppResult<Settings> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let mut tx = app.db.begin().await?;
    let mut s = tx.community_settings_in_tx(ws).await?;
    if let Some(m) = input.moderate_first_posts {
        s.moderate_first_posts = m;
    }
    if let Some(about) = &input.about {
        s.about = check_body(about, false).map_err(|m| AppError::invalid("about", m))?;
    }
    tx.set_community_settings(app.now(), ws, &s).await?;
    tx.append_event(
        app.now(),
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::SETTINGS_CHANGED,
            subject: Subject::new("workspace", ws.as_uuid()),
            payload: json!({"moderate_first_posts": s.moderate_first_posts}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

/// Sets a staff member's public title and line (admins, or the person themself).
pub async fn set_person(app: &App, caller: &Caller, person: &Person) -> AppResult<()> {
    if person.user_id != caller.user.id {
        caller.require(Scope::Admin)?;
    } else {
        caller.require(Scope::Write)?;
    }
    let ws = caller.workspace();
    let title = person.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.chars().count() > 80 || title.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "title",
            "a title is at most 80 characters on one line",
        ));
    }
    let bio = person.bio.trim().to_string();
    if bio.chars().count() > 500 {
        return Err(AppError::invalid("bio", "at most 500 characters"));
    }
    app.db.user(ws, person.user_id).await?;
    let mut tx = app.db.begin().await?;
    tx.set_community_person(
        ws,
        &Person {
            user_id: person.user_id,
            title: title.clone(),
            bio,
        },
    )
    .await?;
    tx.append_event(
        app.now(),
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::SETTINGS_CHANGED,
            subject: Subject::new("user", person.user_id.as_uuid()),
            payload: json!({"title": title}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

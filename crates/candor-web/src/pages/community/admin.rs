//! The staff's side of the community under /community-admin: topics waiting
//! for an official reply, the moderation queue, one topic with every action
//! (official reply, status with a note, accepted answer, hide, lock, merge,
//! move), the outbox of queued emails, and the community's settings.

use crate::api::community::base_url;
use crate::auth::StaffSession;
use crate::pages::{Chrome, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::community::bridge::{self, MoveToConversation};
use candor_app::community::mail::Site;
use candor_app::community::moderation::{self, MoveInput};
use candor_app::community::staff::{self, Accepter, SettingsInput, StaffReplyInput, StatusInput};
use candor_app::community::{staff_role, topic_path};
use candor_app::{AppError, Caller};
use candor_core::community::{ReplyId, TopicId, TopicKind, TopicStatus};
use candor_store::community::Person;
use candor_store::outbox::OutboxEmail;
use serde::Deserialize;

/// A topic in a staff list.
pub struct Line {
    id: String,
    title: String,
    kind: &'static str,
    author: String,
    age: String,
    me_too: i64,
    replies: i64,
}

fn line(t: &candor_store::community::Topic, now: jiff::Timestamp) -> Line {
    let hours = now.duration_since(t.created_at).as_secs() / 3600;
    Line {
        id: t.id.to_string(),
        title: t.title.clone(),
        kind: t.kind.label(),
        author: t.author_name.clone(),
        age: if hours < 48 {
            format!("{hours} h")
        } else {
            format!("{} days", hours / 24)
        },
        me_too: t.me_too,
        replies: t.replies,
    }
}

#[derive(Template)]
#[template(path = "community/admin.html")]
struct AdminPage {
    chrome: Option<Chrome>,
    public_href: String,
    waiting: Vec<Line>,
    pending_topics: Vec<Line>,
    pending_replies: Vec<(String, String, String, String)>,
    csrf: String,
}

/// GET /community-admin
pub async fn index(State(state): State<WebState>, s: StaffSession) -> Response {
    let caller = s.caller();
    let ws = match state.app.db.workspace(caller.workspace()).await {
        Ok(w) => w,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let now = state.app.now();
    let waiting = state.app.db.topics_waiting(ws.id, 200).await.unwrap_or_default();
    let queue = moderation::queue(&state.app, &caller)
        .await
        .unwrap_or(moderation::Queue {
            topics: Vec::new(),
            replies: Vec::new(),
        });
    let page = AdminPage {
        public_href: candor_app::community::community_path(&ws.slug),
        waiting: waiting.iter().map(|t| line(t, now)).collect(),
        pending_topics: queue.topics.iter().map(|t| line(t, now)).collect(),
        pending_replies: queue
            .replies
            .iter()
            .map(|(r, t)| (r.id.to_string(), t.title.clone(), r.author_name.clone(), r.body.clone()))
            .collect(),
        csrf: s.session.csrf_token.clone(),
        chrome: Some(Chrome::of(&state, &s).await),
    };
    render(StatusCode::OK, &page)
}

struct ReplyRow {
    id: String,
    author: String,
    role: Option<String>,
    official: bool,
    accepted: bool,
    visibility: &'static str,
    html: String,
    at: String,
}

#[derive(Template)]
#[template(path = "community/admin_topic.html")]
struct TopicAdminPage {
    chrome: Option<Chrome>,
    csrf: String,
    id: String,
    title: String,
    public_href: String,
    kind: &'static str,
    kind_label: &'static str,
    status_label: &'static str,
    status_note: String,
    visibility: &'static str,
    locked: bool,
    author: String,
    customer_id: String,
    body_html: String,
    tags: String,
    replies: Vec<ReplyRow>,
    statuses: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    question: bool,
    signature: String,
    error: Option<String>,
}

async fn topic_page(state: &WebState, s: &StaffSession, id: TopicId, error: Option<String>) -> Response {
    let caller = s.caller();
    let ws_id = caller.workspace();
    let (ws, t) = match tokio::try_join!(state.app.db.workspace(ws_id), state.app.db.topic(ws_id, id)) {
        Ok(x) => x,
        Err(_) => return crate::pages::not_found().await,
    };
    let replies = state.app.db.replies(ws_id, id, true).await.unwrap_or_default();
    let role = staff_role(&state.app, &caller.user).await.unwrap_or_default();
    let page = TopicAdminPage {
        csrf: s.session.csrf_token.clone(),
        id: t.id.to_string(),
        title: t.title.clone(),
        public_href: topic_path(&ws.slug, &t.slug),
        kind: t.kind.as_str(),
        kind_label: t.kind.label(),
        status_label: t.status.label(),
        status_note: t.status_note.clone().unwrap_or_default(),
        visibility: t.visibility.as_str(),
        locked: t.locked,
        author: t.author_name.clone(),
        customer_id: t.customer_id.to_string(),
        body_html: t.body_html.clone(),
        tags: t.tags.join(", "),
        replies: replies
            .iter()
            .map(|r| ReplyRow {
                id: r.id.to_string(),
                author: r.author_name.clone(),
                role: r.author_role.clone(),
                official: r.official,
                accepted: t.accepted_reply_id == Some(r.id),
                visibility: r.visibility.as_str(),
                html: r.body_html.clone(),
                at: r.created_at.strftime("%Y-%m-%d %H:%M").to_string(),
            })
            .collect(),
        statuses: TopicStatus::settable(t.kind)
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        kinds: TopicKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        question: t.kind == TopicKind::Question,
        signature: format!("{} · {role}", caller.user.name),
        error: error.clone(),
        chrome: Some(Chrome::of(state, s).await),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, &page)
}

/// GET /community-admin/topics/{id}
pub async fn topic(State(state): State<WebState>, s: StaffSession, Path(id): Path<String>) -> Response {
    match id.parse::<TopicId>() {
        Ok(id) => topic_page(&state, &s, id, None).await,
        Err(_) => crate::pages::not_found().await,
    }
}

/// Any action form on the staff's topic page.
#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    official: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    status_note: String,
    #[serde(default)]
    reply_id: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    into: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    public_note: String,
}

async fn act(state: &WebState, caller: &Caller, id: TopicId, action: &str, f: &ActionForm) -> Result<(), AppError> {
    let ws = state.app.db.workspace(caller.workspace()).await?;
    let base = base_url(state);
    let site = Site {
        base_url: &base,
        workspace: &ws,
    };
    let yes = f.value == "true";
    match action {
        "reply" => {
            let input = StaffReplyInput {
                body: f.body.clone(),
                official: f.official.is_some(),
            };
            staff::reply_as_staff(&state.app, caller, &site, id, &input)
                .await
                .map(|_| ())
        }
        "status" => {
            let input = StatusInput {
                status: Some(f.status.clone()),
                status_note: Some(f.status_note.clone()),
            };
            staff::set_status(&state.app, caller, &site, id, &input)
                .await
                .map(|_| ())
        }
        "accept" => {
            let reply = f
                .reply_id
                .parse::<ReplyId>()
                .map_err(|_| AppError::invalid("reply_id", "choose a reply"))?;
            staff::accept_answer(&state.app, Accepter::Staff(caller), id, Some(reply))
                .await
                .map(|_| ())
        }
        "hide" => moderation::set_topic_hidden(&state.app, caller, id, yes)
            .await
            .map(|_| ()),
        "lock" => moderation::set_locked(&state.app, caller, id, yes).await.map(|_| ()),
        "merge" => {
            let into = f
                .into
                .trim()
                .parse::<TopicId>()
                .map_err(|_| AppError::invalid("into", "paste the id of the topic to merge into"))?;
            moderation::merge(&state.app, caller, id, into).await.map(|_| ())
        }
        "move" => {
            let input = MoveInput {
                kind: Some(f.kind.clone()).filter(|k| !k.is_empty()),
                tags: Some(
                    f.tags
                        .split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(String::from)
                        .collect(),
                ),
            };
            moderation::move_topic(&state.app, caller, id, &input).await.map(|_| ())
        }
        "hide-reply" => {
            let reply = f
                .reply_id
                .parse::<ReplyId>()
                .map_err(|_| AppError::invalid("reply_id", "choose a reply"))?;
            moderation::set_reply_hidden(&state.app, caller, reply, yes)
                .await
                .map(|_| ())
        }
        _ => Err(AppError::NotFound),
    }
}

/// POST /community-admin/topics/{id}/{action}
pub async fn action(
    State(state): State<WebState>,
    s: StaffSession,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let Ok(id) = id.parse::<TopicId>() else {
        return crate::pages::not_found().await;
    };
    let caller = s.caller();
    if action == "conversation" {
        let input = MoveToConversation {
            public_note: f.public_note.clone(),
        };
        return match bridge::move_to_conversation(&state.app, &caller, &base_url(&state), id, &input).await {
            Ok((_, conversation)) => Redirect::to(&format!("/inbox/{}", conversation.id)).into_response(),
            Err(AppError::NotFound) => crate::pages::not_found().await,
            Err(e) => topic_page(&state, &s, id, Some(e.to_string())).await,
        };
    }
    match act(&state, &caller, id, &action, &f).await {
        Ok(()) => {
            // A merged topic's page lives on at its survivor.
            let target = if action == "merge" {
                f.into.trim().to_string()
            } else {
                id.to_string()
            };
            Redirect::to(&format!("/community-admin/topics/{target}")).into_response()
        }
        Err(AppError::NotFound) => crate::pages::not_found().await,
        Err(e) => topic_page(&state, &s, id, Some(e.to_string())).await,
    }
}

/// POST /community-admin/moderation/{id}/{decision}
pub async fn decide(
    State(state): State<WebState>,
    s: StaffSession,
    Path((id, decision)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return crate::pages::not_found().await;
    };
    match moderation::decide(&state.app, &s.caller(), id, decision == "approve").await {
        Ok(()) => Redirect::to("/community-admin").into_response(),
        Err(e) => crate::pages::message_page(StatusCode::CONFLICT, "Not done", &e.to_string()),
    }
}

#[derive(Template)]
#[template(path = "community/admin_outbox.html")]
struct OutboxPage {
    chrome: Option<Chrome>,
    emails: Vec<OutboxEmail>,
}

/// GET /community-admin/outbox
pub async fn outbox(State(state): State<WebState>, s: StaffSession) -> Response {
    let emails = state
        .app
        .db
        .outbox(s.session.user.workspace_id, 200)
        .await
        .unwrap_or_default();
    let page = OutboxPage {
        emails,
        chrome: Some(Chrome::of(&state, &s).await),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "community/admin_settings.html")]
struct SettingsPage {
    chrome: Option<Chrome>,
    csrf: String,
    moderate: bool,
    about: String,
    title: String,
    bio: String,
    message: Option<String>,
}

async fn settings_page(state: &WebState, s: &StaffSession, message: Option<String>) -> Response {
    let ws = s.session.user.workspace_id;
    let settings = state.app.db.community_settings(ws).await.unwrap_or_default();
    let me = state
        .app
        .db
        .community_person(ws, s.session.user.id)
        .await
        .ok()
        .flatten();
    let page = SettingsPage {
        csrf: s.session.csrf_token.clone(),
        moderate: settings.moderate_first_posts,
        about: settings.about,
        title: me.as_ref().map(|p| p.title.clone()).unwrap_or_default(),
        bio: me.map(|p| p.bio).unwrap_or_default(),
        message,
        chrome: Some(Chrome::of(state, s).await),
    };
    render(StatusCode::OK, &page)
}

/// GET /community-admin/settings
pub async fn settings(State(state): State<WebState>, s: StaffSession) -> Response {
    settings_page(&state, &s, None).await
}

/// The settings form.
#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    moderate: Option<String>,
    #[serde(default)]
    about: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    bio: Option<String>,
}

/// POST /community-admin/settings (community settings for admins; one's own title for all)
pub async fn save_settings(State(state): State<WebState>, s: StaffSession, Form(f): Form<SettingsForm>) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let caller = s.caller();
    let result = async {
        if f.about.is_some() {
            let input = SettingsInput {
                moderate_first_posts: Some(f.moderate.is_some()),
                about: f.about.clone(),
            };
            staff::update_settings(&state.app, &caller, &input).await?;
        }
        if let Some(title) = &f.title {
            let p = Person {
                user_id: caller.user.id,
                title: title.clone(),
                bio: f.bio.clone().unwrap_or_default(),
            };
            staff::set_person(&state.app, &caller, &p).await?;
        }
        Ok::<(), AppError>(())
    }
    .await;
    let message = match result {
        Ok(()) => "Saved.".to_string(),
        Err(e) => e.to_string(),
    };
    settings_page(&state, &s, Some(message)).await
}

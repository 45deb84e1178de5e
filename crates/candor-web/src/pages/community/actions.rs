//! What a signed-in customer does on the pages: post a topic (after seeing
//! similar ones), reply, say "me too", follow, and accept an answer. Every
//! form carries the session's token and a honeypot field.

use super::public::{TopicLine, render_topic};
use super::{Head, Member, client, member, message, no_community, staff_here, topic_href, with_private_cache};
use crate::api::community::base_url;
use crate::pages::render;
use crate::state::WebState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{CookieJar, Form};
use candor_app::AppError;
use candor_app::community::mail::Site;
use candor_app::community::posting::{self, Posted, Poster, TopicInput};
use candor_app::community::staff::{Accepter, accept_answer};
use candor_app::community::{community_path, find};
use candor_core::community::{Mood, ReplyId, TopicKind};
use candor_store::staff::Workspace;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "community/new.html")]
struct NewPage {
    head: Head,
    action: String,
    signin_href: String,
    signed_in: bool,
    kinds: Vec<(&'static str, &'static str)>,
    moods: Vec<(&'static str, &'static str)>,
    kind: String,
    mood: String,
    title: String,
    body: String,
    tags: String,
    similar: Vec<TopicLine>,
    checked: bool,
    error: Option<String>,
    error_field: String,
}

/// The new-topic form as sent.
#[derive(Deserialize, Default)]
pub struct NewTopicForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    mood: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: String,
    /// Set once the poster has seen the similar topics.
    #[serde(default)]
    checked: String,
    /// The honeypot: hidden from people, filled by robots.
    #[serde(default)]
    website: String,
}

fn new_page(state: &WebState, ws: &Workspace, m: &Option<Member>, staff: bool, form: &NewTopicForm) -> NewPage {
    let path = format!("{}/new", community_path(&ws.slug));
    NewPage {
        head: Head::new(
            state,
            ws,
            "Start a topic".into(),
            format!("Ask a question, report a problem, share an idea or praise {}.", ws.name),
            &path,
        )
        .with(m, staff),
        signin_href: format!(
            "{}/signin?next={}",
            community_path(&ws.slug),
            crate::auth::url_escape(&path)
        ),
        action: path,
        signed_in: m.is_some(),
        kinds: TopicKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        moods: Mood::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        kind: form.kind.clone(),
        mood: form.mood.clone(),
        title: form.title.clone(),
        body: form.body.clone(),
        tags: form.tags.clone(),
        similar: Vec::new(),
        checked: false,
        error: None,
        error_field: String::new(),
    }
}

/// GET /w/{slug}/community/new (`?title=` suggests similar topics at once)
pub async fn new_form(
    State(state): State<WebState>,
    Path(slug): Path<String>,
    jar: CookieJar,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    let m = member(&state, &jar, &ws).await;
    let staff = staff_here(&state, &jar, &ws).await;
    let form = NewTopicForm {
        title: q.get("title").cloned().unwrap_or_default(),
        kind: q.get("kind").cloned().unwrap_or_default(),
        ..Default::default()
    };
    let mut page = new_page(&state, &ws, &m, staff, &form);
    if !form.title.trim().is_empty() {
        let similar = find::similar(&state.app, ws.id, &form.title).await.unwrap_or_default();
        page.similar = similar.iter().map(|t| TopicLine::of(&ws, t)).collect();
    }
    with_private_cache(render(StatusCode::OK, &page))
}

fn split_tags(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// POST /w/{slug}/community/new
pub async fn create(
    State(state): State<WebState>,
    Path(slug): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<NewTopicForm>,
) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    let Some(m) = member(&state, &jar, &ws).await else {
        return Redirect::to(&format!("{}/signin", community_path(&ws.slug))).into_response();
    };
    if !m.token_ok(&form.csrf) {
        return expired(&state, &ws);
    }
    let staff = staff_here(&state, &jar, &ws).await;
    let mut page = new_page(&state, &ws, &Some(m.clone()), staff, &form);
    // First send: show similar topics before posting, so people can join one.
    if form.checked.is_empty() && form.website.is_empty() {
        let similar = find::similar(&state.app, ws.id, &form.title).await.unwrap_or_default();
        if !similar.is_empty() {
            page.similar = similar.iter().map(|t| TopicLine::of(&ws, t)).collect();
            page.checked = true;
            return with_private_cache(render(StatusCode::OK, &page));
        }
    }
    let input = TopicInput {
        kind: form.kind.clone(),
        title: form.title.clone(),
        body: form.body.clone(),
        mood: Some(form.mood.clone()),
        tags: split_tags(&form.tags),
        ..Default::default()
    };
    let ip = client(&addr);
    let poster = Poster {
        workspace_id: ws.id,
        customer_id: m.session.customer_id,
        client: &ip,
        honeypot: &form.website,
    };
    match posting::post_topic(&state.app, &poster, &m.session.email, &input).await {
        Ok(Posted::Published(t)) => Redirect::to(&topic_href(&ws, &t.slug)).into_response(),
        Ok(Posted::Pending(_)) | Ok(Posted::Discarded) => message(
            StatusCode::OK,
            &state,
            &ws,
            "Thank you",
            "Your topic waits for a moderator and will appear once approved. First posts are checked by a person.",
        ),
        Err(e) => {
            let (status, text, field) = form_error(e);
            page.error = Some(text);
            page.error_field = field;
            page.checked = true;
            with_private_cache(render(status, &page))
        }
    }
}

/// An operation's refusal as a status, a sentence and the field at fault.
fn form_error(e: AppError) -> (StatusCode, String, String) {
    match e {
        AppError::Invalid { field, message } => (StatusCode::UNPROCESSABLE_ENTITY, message, field),
        AppError::Throttled { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "You have posted a lot in the last hour. Please wait a while before posting again.".into(),
            String::new(),
        ),
        AppError::Conflict { message, field } => (StatusCode::CONFLICT, message, field),
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            "This topic is not open for replies.".into(),
            String::new(),
        ),
        AppError::Forbidden(m) => (StatusCode::FORBIDDEN, m, String::new()),
        other => {
            tracing::error!(error = %other, "a community post failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Posting is not possible right now; please try again shortly.".into(),
                String::new(),
            )
        }
    }
}

fn expired(state: &WebState, ws: &Workspace) -> Response {
    message(
        StatusCode::FORBIDDEN,
        state,
        ws,
        "Not allowed",
        "This form has expired or did not come from this page. Go back, reload the page and try again.",
    )
}

/// A form on a topic page.
#[derive(Deserialize, Default)]
pub struct TopicForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    reply_id: String,
    #[serde(default)]
    website: String,
}

struct OnTopic {
    ws: Workspace,
    topic: candor_store::community::Topic,
    member: Member,
}

async fn on_topic(state: &WebState, jar: &CookieJar, slug: &str, topic: &str, csrf: &str) -> Result<OnTopic, Response> {
    let Ok(ws) = state.app.db.workspace_by_slug(slug).await else {
        return Err(no_community().await);
    };
    let Ok(t) = state.app.db.topic_by_slug(ws.id, topic).await else {
        return Err(message(
            StatusCode::NOT_FOUND,
            state,
            &ws,
            "Not found",
            "There is no such topic here.",
        ));
    };
    let Some(m) = member(state, jar, &ws).await else {
        let next = crate::auth::url_escape(&topic_href(&ws, &t.slug));
        return Err(Redirect::to(&format!("{}/signin?next={next}", community_path(&ws.slug))).into_response());
    };
    if !m.token_ok(csrf) {
        return Err(expired(state, &ws));
    }
    Ok(OnTopic {
        ws,
        topic: t,
        member: m,
    })
}

async fn back_with_error(state: &WebState, jar: &CookieJar, on: OnTopic, e: AppError) -> Response {
    let (status, text, _) = form_error(e);
    let staff = staff_here(state, jar, &on.ws).await;
    let mut resp = render_topic(
        state,
        &on.ws,
        &on.topic,
        Some(on.member),
        staff,
        Some(text),
        false,
        ("", ""),
    )
    .await;
    *resp.status_mut() = status;
    resp
}

/// POST /w/{slug}/community/t/{topic}/reply
pub async fn reply(
    State(state): State<WebState>,
    Path((slug, topic)): Path<(String, String)>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<TopicForm>,
) -> Response {
    let on = match on_topic(&state, &jar, &slug, &topic, &form.csrf).await {
        Ok(on) => on,
        Err(resp) => return resp,
    };
    let ip = client(&addr);
    let poster = Poster {
        workspace_id: on.ws.id,
        customer_id: on.member.session.customer_id,
        client: &ip,
        honeypot: &form.website,
    };
    let base = base_url(&state);
    let site = Site {
        base_url: &base,
        workspace: &on.ws,
    };
    let href = topic_href(&on.ws, &on.topic.slug);
    match posting::reply_as_customer(&state.app, &site, &poster, on.topic.id, &form.body).await {
        Ok(Posted::Published(r)) => Redirect::to(&format!("{href}#r-{}", r.id)).into_response(),
        Ok(Posted::Pending(_)) | Ok(Posted::Discarded) => message(
            StatusCode::OK,
            &state,
            &on.ws,
            "Thank you",
            "Your reply waits for a moderator and will appear once approved. First posts are checked by a person.",
        ),
        Err(e) => back_with_error(&state, &jar, on, e).await,
    }
}

/// POST /w/{slug}/community/t/{topic}/me-too
pub async fn me_too(
    State(state): State<WebState>,
    Path((slug, topic)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<TopicForm>,
) -> Response {
    let on = match on_topic(&state, &jar, &slug, &topic, &form.csrf).await {
        Ok(on) => on,
        Err(resp) => return resp,
    };
    let href = topic_href(&on.ws, &on.topic.slug);
    match posting::me_too(&state.app, on.ws.id, on.member.session.customer_id, on.topic.id).await {
        Ok(_) => Redirect::to(&href).into_response(),
        Err(e) => back_with_error(&state, &jar, on, e).await,
    }
}

async fn following(
    state: WebState,
    jar: CookieJar,
    slug: String,
    topic: String,
    form: TopicForm,
    follow: bool,
) -> Response {
    let on = match on_topic(&state, &jar, &slug, &topic, &form.csrf).await {
        Ok(on) => on,
        Err(resp) => return resp,
    };
    let href = topic_href(&on.ws, &on.topic.slug);
    let s = &on.member.session;
    match posting::set_following(&state.app, on.ws.id, s.customer_id, &s.email, on.topic.id, follow).await {
        Ok(_) => Redirect::to(&href).into_response(),
        Err(e) => back_with_error(&state, &jar, on, e).await,
    }
}

/// POST /w/{slug}/community/t/{topic}/follow
pub async fn follow(
    State(state): State<WebState>,
    Path((slug, topic)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<TopicForm>,
) -> Response {
    following(state, jar, slug, topic, form, true).await
}

/// POST /w/{slug}/community/t/{topic}/unfollow
pub async fn unfollow(
    State(state): State<WebState>,
    Path((slug, topic)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<TopicForm>,
) -> Response {
    following(state, jar, slug, topic, form, false).await
}

/// POST /w/{slug}/community/t/{topic}/accept (the asker accepts an answer)
pub async fn accept(
    State(state): State<WebState>,
    Path((slug, topic)): Path<(String, String)>,
    jar: CookieJar,
    Form(form): Form<TopicForm>,
) -> Response {
    let on = match on_topic(&state, &jar, &slug, &topic, &form.csrf).await {
        Ok(on) => on,
        Err(resp) => return resp,
    };
    let href = topic_href(&on.ws, &on.topic.slug);
    let Ok(reply) = form.reply_id.parse::<ReplyId>() else {
        return back_with_error(&state, &jar, on, AppError::invalid("reply_id", "choose a reply")).await;
    };
    let who = Accepter::Asker {
        workspace_id: on.ws.id,
        customer_id: on.member.session.customer_id,
    };
    match accept_answer(&state.app, who, on.topic.id, Some(reply)).await {
        Ok(_) => Redirect::to(&format!("{href}#r-{reply}")).into_response(),
        Err(e) => back_with_error(&state, &jar, on, e).await,
    }
}

//! The pages anyone can read: the community's topics (filtered, searched),
//! one topic with its replies and status history, and the company profile
//! with its measured figures.

use super::{
    Head, Member, answer_not_modified, day, member, message, no_community, not_modified, set_validators, staff_here,
    topic_href, validators, with_private_cache, with_public_cache,
};
use crate::api::community::{filter_of, make_cursor};
use crate::pages::render;
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use bytes::Bytes;
use candor_app::community::figures::{Figures, profile};
use candor_app::community::markdown::{excerpt, render as markdown};
use candor_app::community::{community_path, find, role_words};
use candor_core::community::{TopicKind, TopicStatus, Visibility, human_duration};
use candor_store::community::Topic;
use candor_store::staff::Workspace;
use std::collections::HashMap;

/// A topic in a list.
pub struct TopicLine {
    /// Its page.
    pub href: String,
    /// Title.
    pub title: String,
    /// question, problem, idea, praise.
    pub kind: &'static str,
    /// Kind in words.
    pub kind_label: &'static str,
    /// Status word.
    pub status: &'static str,
    /// Status in words.
    pub status_label: &'static str,
    /// Mood in words.
    pub mood: Option<&'static str>,
    /// The poster's name.
    pub author: String,
    /// Published replies.
    pub replies: i64,
    /// "Me too"s.
    pub me_too: i64,
    /// Whether the company answered.
    pub answered: bool,
    /// Posted, for people.
    pub day: String,
    /// Tags.
    pub tags: Vec<String>,
    /// A line of the opening post.
    pub excerpt: String,
}

impl TopicLine {
    /// The line of a topic.
    pub fn of(ws: &Workspace, t: &Topic) -> Self {
        TopicLine {
            href: topic_href(ws, &t.slug),
            title: t.title.clone(),
            kind: t.kind.as_str(),
            kind_label: t.kind.label(),
            status: t.status.as_str(),
            status_label: t.status.label(),
            mood: t.mood.map(|m| m.label()),
            author: t.author_name.clone(),
            replies: t.replies,
            me_too: t.me_too,
            answered: t.first_official_at.is_some(),
            day: day(t.created_at),
            tags: t.tags.clone(),
            excerpt: excerpt(&t.body, 160),
        }
    }
}

#[derive(Template)]
#[template(path = "community/index.html")]
struct IndexPage {
    head: Head,
    home: String,
    topics: Vec<TopicLine>,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    tags: Vec<(String, i64)>,
    kind: String,
    status: String,
    tag: String,
    q: String,
    next: Option<String>,
    error: Option<String>,
    searching: bool,
}

/// GET /w/{slug}/community
pub async fn index(
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
    let text = q.get("q").map(|s| s.trim().to_string()).unwrap_or_default();
    let (topics, next, error) = match filter_of(&q) {
        Err(e) => (Vec::new(), None, Some(e.message)),
        Ok(filter) if !text.is_empty() => match find::search(&state.app, ws.id, &text, 50).await {
            Ok(found) => {
                let found = found
                    .into_iter()
                    .filter(|t| filter.kind.is_none_or(|k| t.kind == k))
                    .filter(|t| filter.tag.as_ref().is_none_or(|g| t.tags.contains(g)))
                    .collect();
                (found, None, None)
            }
            Err(e) => return crate::error::ApiError::from(e).into_response(),
        },
        Ok(filter) => match state.app.db.list_topics(ws.id, &filter, 30).await {
            Ok(page) => (page.items, make_cursor(page.next), None),
            Err(e) => return crate::error::ApiError::from(e).into_response(),
        },
    };
    let tags = state.app.db.community_tags(ws.id, 20).await.unwrap_or_default();
    let path = community_path(&ws.slug);
    let title = if text.is_empty() {
        format!("{} community", ws.name)
    } else {
        format!("Search: {text}")
    };
    let description = format!(
        "Questions, problems, ideas and praise from {}'s customers, answered in public by the people who work there.",
        ws.name
    );
    let anonymous = m.is_none() && !staff;
    let page = IndexPage {
        head: Head::new(&state, &ws, title, description, &path).with(&m, staff),
        home: path,
        topics: topics.iter().map(|t| TopicLine::of(&ws, t)).collect(),
        kinds: TopicKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        statuses: TopicStatus::ALL
            .iter()
            .filter(|s| **s != TopicStatus::New)
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        tags,
        kind: q.get("kind").cloned().unwrap_or_default(),
        status: q.get("status").cloned().unwrap_or_default(),
        tag: q.get("tag").cloned().unwrap_or_default(),
        q: text,
        next,
        searching: error.is_none() && q.get("q").is_some_and(|s| !s.trim().is_empty()),
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let resp = render(status, &page);
    if anonymous {
        with_public_cache(resp, 30)
    } else {
        with_private_cache(resp)
    }
}

/// A reply as shown.
pub struct ReplyLine {
    /// Its id (the anchor).
    pub id: String,
    /// The author's name.
    pub author: String,
    /// A staff author's role or title.
    pub role: Option<String>,
    /// Whether the company speaks.
    pub official: bool,
    /// Whether it is the accepted answer.
    pub accepted: bool,
    /// Sanitised HTML.
    pub html: String,
    /// When, for people.
    pub day: String,
    /// When, as RFC 3339.
    pub at: String,
}

/// A status change as shown.
pub struct StatusLine {
    /// Status word.
    pub status: &'static str,
    /// In words.
    pub label: &'static str,
    /// Sanitised note.
    pub html: String,
    /// Who.
    pub author: String,
    /// Their role.
    pub role: String,
    /// When.
    pub day: String,
}

#[derive(Template)]
#[template(path = "community/topic.html")]
struct TopicPage {
    head: Head,
    t: TopicLine,
    id: String,
    body_html: String,
    status_note: Option<String>,
    locked: bool,
    private_note: Option<String>,
    followers: i64,
    replies: Vec<ReplyLine>,
    history: Vec<StatusLine>,
    signed_in: bool,
    following: bool,
    said_me_too: bool,
    can_accept: bool,
    topic_feed: String,
    signin_href: String,
    admin_href: String,
    error: Option<String>,
}

/// GET /w/{slug}/community/t/{topic}
pub async fn topic(
    State(state): State<WebState>,
    Path((slug, topic_slug)): Path<(String, String)>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    let t = match state.app.db.topic_by_slug(ws.id, &topic_slug).await {
        Ok(t) => t,
        Err(_) => {
            return message(
                StatusCode::NOT_FOUND,
                &state,
                &ws,
                "Not found",
                "There is no such topic here.",
            );
        }
    };
    if let Some(into) = t.merged_into {
        return match state.app.db.topic(ws.id, into).await {
            Ok(s) => Redirect::permanent(&topic_href(&ws, &s.slug)).into_response(),
            Err(_) => message(
                StatusCode::NOT_FOUND,
                &state,
                &ws,
                "Not found",
                "There is no such topic here.",
            ),
        };
    }
    if t.visibility != Visibility::Published {
        let text = match t.visibility {
            Visibility::Pending => "This topic waits for a moderator and will appear once approved.",
            _ => "This topic is not shown in the community.",
        };
        return message(StatusCode::NOT_FOUND, &state, &ws, "Not available", text);
    }
    let anonymous = jar.get(super::MEMBER_COOKIE).is_none_or(|c| c.value().is_empty())
        && jar.get(crate::auth::SESSION_COOKIE).is_none();
    let (etag, last_modified) = validators(&t.id.to_string(), t.updated_at);
    if anonymous && not_modified(&headers, &etag) {
        return answer_not_modified(&etag, &last_modified, 30);
    }
    if anonymous && let Some(body) = state.topic_pages.fresh(t.id, &etag) {
        return public_page(Html(body).into_response(), (&etag, &last_modified));
    }
    let m = if anonymous {
        None
    } else {
        member(&state, &jar, &ws).await
    };
    let staff = !anonymous && staff_here(&state, &jar, &ws).await;
    render_topic(&state, &ws, &t, m, staff, None, anonymous, (&etag, &last_modified)).await
}

/// A page every anonymous reader gets alike, with its validators.
fn public_page(mut resp: Response, validators: (&str, &str)) -> Response {
    set_validators(&mut resp, validators.0, validators.1);
    with_public_cache(resp, 30)
}

/// Renders a topic page, with an error from a form when there is one.
#[allow(clippy::too_many_arguments)]
pub async fn render_topic(
    state: &WebState,
    ws: &Workspace,
    t: &Topic,
    m: Option<Member>,
    staff: bool,
    error: Option<String>,
    cacheable: bool,
    validators: (&str, &str),
) -> Response {
    let (replies, history) = match tokio::try_join!(
        state.app.db.replies(ws.id, t.id, false),
        state.app.db.status_changes(ws.id, t.id)
    ) {
        Ok(x) => x,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let (following, said_me_too) = match &m {
        Some(m) => state
            .app
            .db
            .member_marks(ws.id, t.id, m.session.customer_id)
            .await
            .unwrap_or((false, false)),
        None => (false, false),
    };
    let path = topic_href(ws, &t.slug);
    let description = {
        let e = excerpt(&t.body, 155);
        if e.is_empty() {
            format!("{} in the {} community", t.kind.label(), ws.name)
        } else {
            e
        }
    };
    let replies: Vec<ReplyLine> = replies
        .iter()
        .map(|r| ReplyLine {
            id: r.id.to_string(),
            author: r.author_name.clone(),
            role: r.author_role.clone(),
            official: r.official,
            accepted: t.accepted_reply_id == Some(r.id),
            html: r.body_html.clone(),
            day: day(r.created_at),
            at: r.created_at.to_string(),
        })
        .collect();
    let history = history
        .iter()
        .map(|s| StatusLine {
            status: s.status.as_str(),
            label: s.status.label(),
            html: s.note_html.clone(),
            author: s.author_name.clone(),
            role: s
                .author_role
                .clone()
                .unwrap_or_else(|| role_words(candor_core::staff::Role::Agent).into()),
            day: day(s.created_at),
        })
        .collect();
    let can_accept =
        t.kind == TopicKind::Question && m.as_ref().is_some_and(|m| m.session.customer_id == t.customer_id);
    let page = TopicPage {
        head: Head::new(state, ws, t.title.clone(), description, &path).with(&m, staff),
        t: TopicLine::of(ws, t),
        id: t.id.to_string(),
        body_html: t.body_html.clone(),
        status_note: t.status_note.as_deref().filter(|n| !n.is_empty()).map(markdown),
        locked: t.locked,
        private_note: t.private_note.clone(),
        followers: t.followers,
        replies,
        history,
        signed_in: m.is_some(),
        following,
        said_me_too,
        can_accept,
        topic_feed: format!("{path}/feed.atom"),
        signin_href: format!(
            "{}/signin?next={}",
            community_path(&ws.slug),
            crate::auth::url_escape(&path)
        ),
        admin_href: format!("/community-admin/topics/{}", t.id),
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    if cacheable && error.is_none() {
        // Rendered once per change of the topic for every anonymous reader.
        match page.render() {
            Ok(html) => {
                let body = Bytes::from(html);
                state.topic_pages.keep(t.id, validators.0, body.clone());
                public_page(Html(body).into_response(), validators)
            }
            Err(_) => render(status, &page),
        }
    } else {
        with_private_cache(render(status, &page))
    }
}

/// Figures as shown.
pub struct FigureLine {
    /// "Last 30 days".
    pub label: String,
    /// Topics.
    pub topics: usize,
    /// Median time to the first official reply.
    pub median: String,
    /// Share with an official reply.
    pub answered: String,
    /// Share of problems solved.
    pub solved: String,
    /// The counts behind the shares.
    pub detail: String,
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_string(), |s| format!("{:.0}%", s * 100.0))
}

fn figure_line(f: &Figures) -> FigureLine {
    FigureLine {
        label: format!("Last {} days", f.days),
        topics: f.topics,
        median: f
            .median_first_official_secs
            .map_or_else(|| "–".to_string(), |s| human_duration(s * 1_000_000)),
        answered: percent(f.official_reply_share),
        solved: percent(f.problems_solved_share),
        detail: format!(
            "{} of {} topics had an official reply; {} of {} problems were solved.",
            f.with_official_reply, f.topics, f.problems_solved, f.problems
        ),
    }
}

#[derive(Template)]
#[template(path = "community/about.html")]
struct AboutPage {
    head: Head,
    about_html: String,
    figures: Vec<FigureLine>,
    people: Vec<(String, String, String, i64)>,
}

/// GET /w/{slug}/community/about
pub async fn about(State(state): State<WebState>, Path(slug): Path<String>, jar: CookieJar) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    let m = member(&state, &jar, &ws).await;
    let staff = staff_here(&state, &jar, &ws).await;
    let (settings, p) = match tokio::try_join!(
        async {
            state
                .app
                .db
                .community_settings(ws.id)
                .await
                .map_err(candor_app::AppError::from)
        },
        profile(&state.app, ws.id)
    ) {
        Ok(x) => x,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let path = format!("{}/about", community_path(&ws.slug));
    let description = format!(
        "Who answers in the {} community, and how fast and how well they do, measured.",
        ws.name
    );
    let anonymous = m.is_none() && !staff;
    let page = AboutPage {
        head: Head::new(&state, &ws, format!("About {}", ws.name), description, &path).with(&m, staff),
        about_html: markdown(&settings.about),
        figures: vec![figure_line(&p.last_30), figure_line(&p.last_90)],
        people: p
            .people
            .iter()
            .map(|a| {
                let role = a
                    .title
                    .clone()
                    .unwrap_or_else(|| a.role.parse().map(role_words).unwrap_or("Team member").to_string());
                (a.name.clone(), role, a.bio.clone().unwrap_or_default(), a.replies)
            })
            .collect(),
    };
    let resp = render(StatusCode::OK, &page);
    if anonymous {
        with_public_cache(resp, 300)
    } else {
        with_private_cache(resp)
    }
}

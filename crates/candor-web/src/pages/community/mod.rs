//! The public community pages under /w/{workspace}/community (readable
//! without signing in, working without JavaScript, cacheable for anonymous
//! readers), the customer's sign-in by link, the feeds, and the staff's
//! /community-admin pages.

pub mod actions;
pub mod admin;
pub mod feeds;
pub mod page_cache;
pub mod public;
pub mod signin;

use crate::auth::{SESSION_COOKIE, constant_time_eq};
use crate::pages::render;
use crate::state::WebState;
use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use candor_app::community::{community_path, topic_path};
use candor_store::community::members::CustomerSession;
use candor_store::staff::Workspace;
use jiff::Timestamp;

/// The cookie of a customer signed in to a community (its path is the workspace's).
pub const MEMBER_COOKIE: &str = "candor_member";

/// A signed-in customer on a community page.
#[derive(Clone, Debug)]
pub struct Member {
    /// Their session.
    pub session: CustomerSession,
    /// Their name.
    pub name: String,
    /// The cookie's value, to end the session.
    pub cookie: String,
}

impl Member {
    /// Whether a form carries this session's token.
    pub fn token_ok(&self, sent: &str) -> bool {
        constant_time_eq(self.session.csrf_token.as_bytes(), sent.as_bytes())
    }
}

/// The customer signed in to this workspace's community, if any.
pub async fn member(state: &WebState, jar: &CookieJar, ws: &Workspace) -> Option<Member> {
    let cookie = jar.get(MEMBER_COOKIE)?.value().to_string();
    let session = match state.app.db.customer_session(state.app.now(), &cookie).await {
        Ok(Some(s)) if s.workspace_id == ws.id => s,
        Ok(_) => return None,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a community session");
            return None;
        }
    };
    let name = state
        .app
        .db
        .customer(ws.id, session.customer_id)
        .await
        .map(|c| c.name)
        .unwrap_or_default();
    Some(Member { session, name, cookie })
}

/// Whether a staff member of this workspace is signed in (then pages link
/// to the staff's view).
pub async fn staff_here(state: &WebState, jar: &CookieJar, ws: &Workspace) -> bool {
    let Some(cookie) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return false;
    };
    matches!(state.app.db.session(state.app.now(), &cookie).await, Ok(Some(s)) if s.user.workspace_id == ws.id)
}

/// The member cookie for a workspace, with the house settings.
pub fn member_cookie(state: &WebState, ws_slug: &str, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((MEMBER_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.behind_tls())
        .path(format!("/w/{ws_slug}/"))
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
}

/// A cookie that removes the member cookie of a workspace.
pub fn member_removal(ws_slug: &str) -> Cookie<'static> {
    let mut c = Cookie::build((MEMBER_COOKIE, ""))
        .path(format!("/w/{ws_slug}/"))
        .build();
    c.make_removal();
    c
}

/// What every public community page shows in its head and header.
pub struct Head {
    /// The page's title (before the workspace's name).
    pub title: String,
    /// The meta description.
    pub description: String,
    /// The canonical URL.
    pub canonical: String,
    /// The Atom feed to announce.
    pub feed: String,
    /// The workspace's name.
    pub workspace_name: String,
    /// The community's path.
    pub home: String,
    /// The signed-in customer's name.
    pub member_name: Option<String>,
    /// The signed-in customer's form token.
    pub member_csrf: String,
    /// Whether a staff member of this workspace is signed in.
    pub staff: bool,
}

impl Head {
    /// A head for `path` (relative to the site) in `ws`.
    pub fn new(state: &WebState, ws: &Workspace, title: String, description: String, path: &str) -> Self {
        let base = crate::api::community::base_url(state);
        let base = base.trim_end_matches('/');
        Head {
            title,
            description,
            canonical: format!("{base}{path}"),
            feed: format!("{base}{}/feed.atom", community_path(&ws.slug)),
            workspace_name: ws.name.clone(),
            home: community_path(&ws.slug),
            member_name: None,
            member_csrf: String::new(),
            staff: false,
        }
    }

    /// The same head with the visitor's sign-in state.
    pub fn with(mut self, member: &Option<Member>, staff: bool) -> Self {
        if let Some(m) = member {
            self.member_name = Some(if m.name.is_empty() {
                m.session.email.clone()
            } else {
                m.name.clone()
            });
            self.member_csrf = m.session.csrf_token.clone();
        }
        self.staff = staff;
        self
    }
}

/// A community page that answers with a heading and a sentence.
#[derive(Template)]
#[template(path = "community/message.html")]
pub struct MessagePage {
    /// The head.
    pub head: Head,
    /// The heading.
    pub heading: String,
    /// The sentence.
    pub message: String,
    /// A link onward: (path, words).
    pub link: Option<(String, String)>,
}

/// Renders a community message page.
pub fn message(status: StatusCode, state: &WebState, ws: &Workspace, heading: &str, text: &str) -> Response {
    let head = Head::new(
        state,
        ws,
        heading.to_string(),
        text.to_string(),
        &community_path(&ws.slug),
    );
    let page = MessagePage {
        head,
        heading: heading.to_string(),
        message: text.to_string(),
        link: Some((community_path(&ws.slug), "Back to the community".into())),
    };
    with_private_cache(render(status, &page))
}

/// The page for a community that does not exist.
pub async fn no_community() -> Response {
    crate::pages::message_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no community at this address.",
    )
}

/// Marks a response as personal: never stored by shared caches.
pub fn with_private_cache(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    resp
}

/// Marks a response as public for a short while, varying by cookie.
pub fn with_public_cache(mut resp: Response, max_age: u32) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    resp
}

/// The validators of a page that changes when `updated` does.
pub fn validators(tag: &str, updated: Timestamp) -> (String, String) {
    let etag = format!("W/\"{tag}-{}\"", candor_core::clock::to_micros(updated));
    let last_modified = updated.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string();
    (etag, last_modified)
}

/// Whether the request already holds this version (If-None-Match).
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// 304 with the validators.
pub fn answer_not_modified(etag: &str, last_modified: &str, max_age: u32) -> Response {
    let mut resp = StatusCode::NOT_MODIFIED.into_response();
    set_validators(&mut resp, etag, last_modified);
    with_public_cache(resp, max_age)
}

/// Sets ETag and Last-Modified.
pub fn set_validators(resp: &mut Response, etag: &str, last_modified: &str) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(last_modified) {
        resp.headers_mut().insert(header::LAST_MODIFIED, v);
    }
}

/// The page path of a topic.
pub fn topic_href(ws: &Workspace, slug: &str) -> String {
    topic_path(&ws.slug, slug)
}

/// Short dates for people, in UTC.
pub fn day(t: Timestamp) -> String {
    t.strftime("%-d %b %Y").to_string()
}

/// The client address behind a request (for posting limits).
pub fn client(addr: &std::net::SocketAddr) -> String {
    addr.ip().to_string()
}

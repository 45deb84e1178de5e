//! Atom 1.0 feeds: the community's newest topics, those with a tag, and one
//! topic's replies and status changes. Every text is escaped; post HTML is
//! the sanitised HTML, escaped once more as Atom's `type="html"` requires.

use super::{no_community, topic_href, validators, with_public_cache};
use crate::api::community::base_url;
use crate::state::WebState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use candor_app::community::community_path;
use candor_core::community::Visibility;
use candor_store::community::Topic;
use candor_store::staff::Workspace;
use jiff::Timestamp;

/// Text made safe for XML: escaped, and without the characters XML 1.0 forbids.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

struct Entry {
    title: String,
    url: String,
    id: String,
    author: String,
    published: Timestamp,
    updated: Timestamp,
    html: String,
}

fn feed(title: &str, self_url: &str, alternate: &str, updated: Timestamp, entries: &[Entry]) -> String {
    let mut x = String::with_capacity(2048 + entries.len() * 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!("<title>{}</title>\n", xml_escape(title)));
    x.push_str(&format!("<id>{}</id>\n", xml_escape(self_url)));
    x.push_str(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml_escape(self_url)
    ));
    x.push_str(&format!(
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        xml_escape(alternate)
    ));
    x.push_str(&format!("<updated>{updated}</updated>\n"));
    x.push_str("<generator>Candor</generator>\n");
    for e in entries {
        x.push_str("<entry>\n");
        x.push_str(&format!("<title>{}</title>\n", xml_escape(&e.title)));
        x.push_str(&format!("<id>{}</id>\n", xml_escape(&e.id)));
        x.push_str(&format!(
            "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml_escape(&e.url)
        ));
        x.push_str(&format!("<published>{}</published>\n", e.published));
        x.push_str(&format!("<updated>{}</updated>\n", e.updated));
        x.push_str(&format!("<author><name>{}</name></author>\n", xml_escape(&e.author)));
        x.push_str(&format!("<content type=\"html\">{}</content>\n", xml_escape(&e.html)));
        x.push_str("</entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

fn answer(xml: String, updated: Timestamp, tag: &str) -> Response {
    let (etag, last_modified) = validators(tag, updated);
    let mut resp = (StatusCode::OK, xml).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    super::set_validators(&mut resp, &etag, &last_modified);
    with_public_cache(resp, 300)
}

fn topic_entry(base: &str, ws: &Workspace, t: &Topic) -> Entry {
    let url = format!("{base}{}", topic_href(ws, &t.slug));
    Entry {
        title: format!("{}: {}", t.kind.label(), t.title),
        id: format!("urn:uuid:{}", t.id),
        url,
        author: t.author_name.clone(),
        published: t.created_at,
        updated: t.last_activity_at,
        html: t.body_html.clone(),
    }
}

async fn topics_feed(state: &WebState, slug: &str, tag: Option<String>) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(slug).await else {
        return no_community().await;
    };
    let topics = match state.app.db.newest_topics(ws.id, tag.as_deref(), 50).await {
        Ok(t) => t,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let base = base_url(state);
    let base = base.trim_end_matches('/');
    let home = community_path(&ws.slug);
    let (title, self_path, alternate) = match &tag {
        Some(t) => (
            format!("{} community: {t}", ws.name),
            format!("{home}/tags/{t}/feed.atom"),
            format!("{home}?tag={t}"),
        ),
        None => (
            format!("{} community", ws.name),
            format!("{home}/feed.atom"),
            home.clone(),
        ),
    };
    let entries: Vec<Entry> = topics.iter().map(|t| topic_entry(base, &ws, t)).collect();
    let updated = topics.iter().map(|t| t.last_activity_at).max().unwrap_or(ws.created_at);
    let xml = feed(
        &title,
        &format!("{base}{}", crate::auth::url_escape(&self_path)),
        &format!("{base}{alternate}"),
        updated,
        &entries,
    );
    answer(xml, updated, &format!("feed-{}", entries.len()))
}

/// GET /w/{slug}/community/feed.atom
pub async fn community(State(state): State<WebState>, Path(slug): Path<String>) -> Response {
    topics_feed(&state, &slug, None).await
}

/// GET /w/{slug}/community/tags/{tag}/feed.atom
pub async fn tag(State(state): State<WebState>, Path((slug, tag)): Path<(String, String)>) -> Response {
    topics_feed(&state, &slug, Some(tag.to_lowercase())).await
}

/// GET /w/{slug}/community/t/{topic}/feed.atom
pub async fn topic(State(state): State<WebState>, Path((slug, topic)): Path<(String, String)>) -> Response {
    let Ok(ws) = state.app.db.workspace_by_slug(&slug).await else {
        return no_community().await;
    };
    let t = match state.app.db.topic_by_slug(ws.id, &topic).await {
        Ok(t) if t.visibility == Visibility::Published => t,
        _ => return (StatusCode::NOT_FOUND, "no such topic").into_response(),
    };
    let (replies, history) = match tokio::try_join!(
        state.app.db.replies(ws.id, t.id, false),
        state.app.db.status_changes(ws.id, t.id)
    ) {
        Ok(x) => x,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let base = base_url(&state);
    let base = base.trim_end_matches('/');
    let url = format!("{base}{}", topic_href(&ws, &t.slug));
    let mut entries = vec![topic_entry(base, &ws, &t)];
    for r in &replies {
        let who = match (&r.author_role, r.official) {
            (Some(role), true) => format!("{} ({role}, official)", r.author_name),
            _ => r.author_name.clone(),
        };
        entries.push(Entry {
            title: format!("Reply by {who}"),
            url: format!("{url}#r-{}", r.id),
            id: format!("urn:uuid:{}", r.id),
            author: r.author_name.clone(),
            published: r.created_at,
            updated: r.created_at,
            html: r.body_html.clone(),
        });
    }
    for s in &history {
        entries.push(Entry {
            title: format!("Status: {}", s.status.label()),
            url: format!("{url}#status"),
            id: format!("urn:uuid:{}", s.id),
            author: s.author_name.clone(),
            published: s.created_at,
            updated: s.created_at,
            html: s.note_html.clone(),
        });
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.published));
    let xml = feed(&t.title, &format!("{url}/feed.atom"), &url, t.updated_at, &entries);
    answer(xml, t.updated_at, &t.id.to_string())
}

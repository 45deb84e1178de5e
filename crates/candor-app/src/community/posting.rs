//! Posting: topics and replies by signed-in customers (with spam defences:
//! a honeypot, posting limits per person and address, link limits for new
//! posters, and the moderation queue for first posts), topics posted through
//! the API on a customer's behalf, "me too", and following.

use super::mail::{News, Site, notify_followers};
use super::{TopicEvent, check_tags, live_topic, markdown, topic_event};
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::reference::{CustomerByIdentity, CustomerRef, resolve_in};
use candor_core::community::{
    Mood, NEW_POSTER_LINKS, NEW_POSTER_POSTS, TopicId, TopicKind, Visibility, check_body, check_title, count_links,
    kind,
};
use candor_core::events::Actor;
use candor_core::staff::Scope;
use candor_core::{CustomerId, WorkspaceId};
use candor_store::Tx;
use candor_store::community::topics::{NewReply, NewTopic};
use candor_store::community::{Reply, Topic};
use jiff::SignedDuration;
use serde::Deserialize;
use serde_json::json;

/// Topics a person may post in an hour.
pub const TOPICS_PER_HOUR: i64 = 5;
/// Topics one address may post in an hour.
pub const TOPICS_PER_HOUR_PER_ADDRESS: i64 = 10;
/// Replies a person may post in an hour.
pub const REPLIES_PER_HOUR: i64 = 30;
/// Replies one address may post in an hour.
pub const REPLIES_PER_HOUR_PER_ADDRESS: i64 = 60;

/// A topic as sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicInput {
    /// The poster, by id (API only).
    #[serde(default)]
    pub customer_id: Option<String>,
    /// The poster, by identity (API only).
    #[serde(default)]
    pub customer: Option<CustomerByIdentity>,
    /// question, problem, idea or praise.
    #[serde(default)]
    pub kind: String,
    /// The title.
    #[serde(default)]
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    /// happy, indifferent, confused, frustrated, or none.
    #[serde(default)]
    pub mood: Option<String>,
    /// Tags or product areas.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A signed-in customer posting from the pages.
#[derive(Clone, Debug)]
pub struct Poster<'a> {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The customer.
    pub customer_id: CustomerId,
    /// Where the request came from (for limits per address).
    pub client: &'a str,
    /// The honeypot field, which people leave empty and robots fill.
    pub honeypot: &'a str,
}

/// What became of a post.
#[derive(Clone, Debug)]
pub enum Posted<T> {
    /// Everyone sees it.
    Published(T),
    /// It waits for a moderator.
    Pending(T),
    /// It was refused as spam without saying so (the honeypot was filled).
    Discarded,
}

struct CheckedTopic {
    kind: TopicKind,
    title: String,
    body: String,
    body_html: String,
    mood: Option<Mood>,
    tags: Vec<String>,
}

fn check_topic(input: &TopicInput) -> AppResult<CheckedTopic> {
    let kind: TopicKind = input
        .kind
        .parse()
        .map_err(|e: candor_core::community::UnknownValue| AppError::invalid("kind", e.to_string()))?;
    let title = check_title(&input.title).map_err(|m| AppError::invalid("title", m))?;
    let body = check_body(&input.body, false).map_err(|m| AppError::invalid("body", m))?;
    let mood = match input.mood.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => Some(
            m.parse::<Mood>()
                .map_err(|e| AppError::invalid("mood", e.to_string()))?,
        ),
    };
    let tags = check_tags(&input.tags)?;
    let body_html = markdown::render(&body);
    Ok(CheckedTopic {
        kind,
        title,
        body,
        body_html,
        mood,
        tags,
    })
}

/// Refuses when `key` has been hit `max` times in the last hour.
pub(crate) async fn limit(tx: &mut Tx, app: &App, ws: WorkspaceId, key: &str, max: i64) -> AppResult<()> {
    let (hits, until) = tx.hit_limit(app.now(), ws, key, SignedDuration::from_hours(1)).await?;
    if hits > max {
        return Err(AppError::Throttled { until });
    }
    Ok(())
}

/// New posters may hold only a few links, which keeps link spam out.
async fn check_links(tx: &mut Tx, ws: WorkspaceId, customer: CustomerId, field: &str, text: &str) -> AppResult<i64> {
    let posts = tx.published_posts_by(ws, customer).await?;
    if posts < NEW_POSTER_POSTS && count_links(text) > NEW_POSTER_LINKS {
        return Err(AppError::invalid(
            field,
            format!("new members may include at most {NEW_POSTER_LINKS} links in a post; please remove some"),
        ));
    }
    Ok(posts)
}

async fn poster_name(tx: &mut Tx, ws: WorkspaceId, customer: CustomerId, field: &str) -> AppResult<String> {
    let name = tx.customer_name(ws, customer).await?;
    if name.trim().is_empty() {
        return Err(AppError::invalid(
            field,
            "the customer has no name: community posts carry the poster's real name",
        ));
    }
    Ok(name)
}

async fn refuse_spam(app: &App, ws: WorkspaceId, customer: CustomerId, what: &str) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    tx.append_customer_event(
        app.now(),
        candor_store::events::NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::SPAM_REFUSED,
            subject: candor_core::events::Subject::new("customer", customer.as_uuid()),
            payload: json!({"reason": "honeypot", "what": what}),
        },
        Some(customer),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A signed-in customer posts a topic; they follow it by their address.
pub async fn post_topic(app: &App, poster: &Poster<'_>, email: &str, input: &TopicInput) -> AppResult<Posted<Topic>> {
    let ws = poster.workspace_id;
    if !poster.honeypot.trim().is_empty() {
        refuse_spam(app, ws, poster.customer_id, "topic").await?;
        return Ok(Posted::Discarded);
    }
    let c = check_topic(input)?;
    let mut tx = app.db.begin().await?;
    let name = poster_name(&mut tx, ws, poster.customer_id, "name").await?;
    limit(
        &mut tx,
        app,
        ws,
        &format!("topic:c:{}", poster.customer_id),
        TOPICS_PER_HOUR,
    )
    .await?;
    limit(
        &mut tx,
        app,
        ws,
        &format!("topic:a:{}", poster.client),
        TOPICS_PER_HOUR_PER_ADDRESS,
    )
    .await?;
    let text = format!("{}\n{}", c.title, c.body);
    let posts = check_links(&mut tx, ws, poster.customer_id, "body", &text).await?;
    let settings = tx.community_settings_in_tx(ws).await?;
    let visibility = if settings.moderate_first_posts && posts == 0 {
        Visibility::Pending
    } else {
        Visibility::Published
    };
    let topic = insert_topic(&mut tx, app, ws, poster.customer_id, &name, &c, visibility, "community").await?;
    tx.follow(app.now(), ws, topic.id, poster.customer_id, email).await?;
    let topic = tx.topic_in_tx(ws, topic.id).await?;
    tx.commit().await?;
    Ok(match visibility {
        Visibility::Pending => Posted::Pending(topic),
        _ => Posted::Published(topic),
    })
}

#[allow(clippy::too_many_arguments)]
async fn insert_topic(
    tx: &mut Tx,
    app: &App,
    ws: WorkspaceId,
    customer: CustomerId,
    name: &str,
    c: &CheckedTopic,
    visibility: Visibility,
    source: &str,
) -> AppResult<Topic> {
    let topic = tx
        .create_topic(
            app.now(),
            ws,
            &NewTopic {
                kind: c.kind,
                title: &c.title,
                body: &c.body,
                body_html: &c.body_html,
                mood: c.mood,
                customer_id: customer,
                author_name: name,
                tags: &c.tags,
                visibility,
            },
        )
        .await?;
    topic_event(
        tx,
        app,
        ws,
        Actor::System,
        TopicEvent {
            kind: kind::TOPIC_POSTED,
            topic: topic.id,
            customer: Some(customer),
            payload: json!({"customer_id": customer, "kind": c.kind, "title": c.title, "mood": c.mood,
                "tags": c.tags, "visibility": visibility, "source": source}),
        },
    )
    .await?;
    Ok(topic)
}

/// Posts a topic on a customer's behalf through the API (e.g. an import):
/// published at once, without posting limits.
pub async fn post_topic_for(app: &App, caller: &Caller, input: &TopicInput) -> AppResult<Topic> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let r = CustomerRef::parse("", input.customer_id.as_deref(), input.customer.as_ref())?;
    let c = check_topic(input)?;
    let mut tx = app.db.begin().await?;
    let (customer, _) = resolve_in(&mut tx, app, ws, caller.actor(), "", &r, "community").await?;
    let field = match r {
        CustomerRef::Id(_) => "customer_id",
        CustomerRef::Identity { .. } => "customer.name",
    };
    let name = poster_name(&mut tx, ws, customer, field).await?;
    let topic = insert_topic(&mut tx, app, ws, customer, &name, &c, Visibility::Published, "api").await?;
    tx.commit().await?;
    Ok(topic)
}

/// A signed-in customer replies to a published, unlocked topic.
pub async fn reply_as_customer(
    app: &App,
    site: &Site<'_>,
    poster: &Poster<'_>,
    topic: TopicId,
    body: &str,
) -> AppResult<Posted<Reply>> {
    let ws = poster.workspace_id;
    if !poster.honeypot.trim().is_empty() {
        refuse_spam(app, ws, poster.customer_id, "reply").await?;
        return Ok(Posted::Discarded);
    }
    let body = check_body(body, true).map_err(|m| AppError::invalid("body", m))?;
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    if t.visibility != Visibility::Published {
        return Err(AppError::NotFound);
    }
    if t.locked {
        return Err(AppError::Conflict {
            field: "topic".into(),
            message: "this topic is locked: it takes no new replies".into(),
        });
    }
    let name = poster_name(&mut tx, ws, poster.customer_id, "name").await?;
    limit(
        &mut tx,
        app,
        ws,
        &format!("reply:c:{}", poster.customer_id),
        REPLIES_PER_HOUR,
    )
    .await?;
    limit(
        &mut tx,
        app,
        ws,
        &format!("reply:a:{}", poster.client),
        REPLIES_PER_HOUR_PER_ADDRESS,
    )
    .await?;
    let posts = check_links(&mut tx, ws, poster.customer_id, "body", &body).await?;
    let settings = tx.community_settings_in_tx(ws).await?;
    let visibility = if settings.moderate_first_posts && posts == 0 {
        Visibility::Pending
    } else {
        Visibility::Published
    };
    let html = markdown::render(&body);
    let reply = tx
        .add_reply(
            app.now(),
            ws,
            &NewReply {
                topic_id: t.id,
                customer_id: Some(poster.customer_id),
                user_id: None,
                author_name: &name,
                author_role: None,
                official: false,
                body: &body,
                body_html: &html,
                visibility,
            },
        )
        .await?;
    topic_event(
        &mut tx,
        app,
        ws,
        Actor::System,
        TopicEvent {
            kind: kind::REPLY_POSTED,
            topic: t.id,
            customer: Some(poster.customer_id),
            payload: json!({"reply_id": reply.id, "customer_id": poster.customer_id, "official": false, "visibility": visibility}),
        },
    )
    .await?;
    if visibility == Visibility::Published {
        let news = News::Reply {
            author: &name,
            official_role: None,
            body: &body,
            body_html: &html,
        };
        notify_followers(&mut tx, app, site, &t, news, Some(poster.customer_id)).await?;
    }
    tx.commit().await?;
    Ok(match visibility {
        Visibility::Pending => Posted::Pending(reply),
        _ => Posted::Published(reply),
    })
}

/// A customer says "me too"; returns the topic with its new count.
pub async fn me_too(app: &App, ws: WorkspaceId, customer: CustomerId, topic: TopicId) -> AppResult<Topic> {
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    if t.visibility != Visibility::Published {
        return Err(AppError::NotFound);
    }
    if tx.add_me_too(app.now(), ws, t.id, customer).await? {
        topic_event(
            &mut tx,
            app,
            ws,
            Actor::System,
            TopicEvent {
                kind: kind::ME_TOO,
                topic: t.id,
                customer: Some(customer),
                payload: json!({"customer_id": customer}),
            },
        )
        .await?;
    }
    let t = tx.topic_in_tx(ws, t.id).await?;
    tx.commit().await?;
    Ok(t)
}

/// A customer follows (or stops following) a topic with their verified address.
pub async fn set_following(
    app: &App,
    ws: WorkspaceId,
    customer: CustomerId,
    email: &str,
    topic: TopicId,
    follow: bool,
) -> AppResult<Topic> {
    let mut tx = app.db.begin().await?;
    let t = live_topic(&mut tx, ws, topic).await?;
    let changed = if follow {
        if t.visibility != Visibility::Published {
            return Err(AppError::NotFound);
        }
        tx.follow(app.now(), ws, t.id, customer, email).await?
    } else {
        tx.unfollow(app.now(), ws, t.id, customer).await?
    };
    if changed {
        let k = if follow { kind::FOLLOWED } else { kind::UNFOLLOWED };
        topic_event(
            &mut tx,
            app,
            ws,
            Actor::System,
            TopicEvent {
                kind: k,
                topic: t.id,
                customer: Some(customer),
                payload: json!({"customer_id": customer}),
            },
        )
        .await?;
    }
    let t = tx.topic_in_tx(ws, t.id).await?;
    tx.commit().await?;
    Ok(t)
}

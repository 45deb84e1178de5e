//! Social listening: posts that mention the company, handed in by a
//! listening service (webhook), stored once per post, matched to a customer
//! by social identity (`platform:handle`; an unknown author creates nobody
//! until someone answers), read for sentiment and language, and checked
//! against the workspace's monitoring rules ([`rules`]); a rule that fires
//! raises an alert for the inbox's "Reach out first" view ([`alerts`]).

pub mod alerts;
pub mod rules;

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::insight::analyze_text;
use crate::live::{LiveEvent, publish};
use candor_core::MentionId;
use candor_core::events::{Subject, kind};
use candor_core::identity::{Identity, IdentityError, IdentityKind};
use candor_core::links::web_url;
use candor_core::social::{MAX_TEXT_BYTES, MentionFacts, RuleSpec, Sentiment};
use candor_core::staff::Scope;
use candor_core::value::{Stage, Tier};
use candor_core::{SocialAlertId, WorkspaceId};
use candor_store::Tx;
use candor_store::events::NewEvent;
use candor_store::social::rules::SocialAlert;
use candor_store::social::{Mention, MentionFilter};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A mention as the listening service hands it in.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMention {
    /// twitter (or x), instagram, facebook, linkedin, mastodon, tiktok, youtube, reddit, bluesky, threads, github.
    #[serde(default)]
    pub platform: String,
    /// The post's link (http or https).
    #[serde(default)]
    pub post_url: String,
    /// The author's handle, with or without "@".
    #[serde(default)]
    pub author_handle: String,
    /// The author's display name.
    #[serde(default)]
    pub author_name: Option<String>,
    /// What the post says.
    #[serde(default)]
    pub text: String,
    /// When it was posted (RFC 3339).
    #[serde(default)]
    pub posted_at: String,
    /// The link of the post it answers.
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// The platform's id of the post (else the link identifies it).
    #[serde(default)]
    pub external_id: Option<String>,
}

/// A mention as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct MentionView {
    /// Its id.
    pub id: String,
    /// The platform.
    pub platform: String,
    /// The post's link.
    pub post_url: String,
    /// The handle, without the platform.
    pub author_handle: String,
    /// The display name.
    pub author_name: String,
    /// The text.
    pub text: String,
    /// When it was posted.
    pub posted_at: String,
    /// The post it answers.
    pub in_reply_to: Option<String>,
    /// The platform's id.
    pub external_id: Option<String>,
    /// The customer with the author's social identity.
    pub customer_id: Option<String>,
    /// -1 to 1.
    pub sentiment: f64,
    /// negative, neutral or positive.
    pub sentiment_label: Sentiment,
    /// Detected language.
    pub language: Option<String>,
    /// The conversation a reply in Candor opened.
    pub conversation_id: Option<String>,
    /// Whether someone answered or dealt with it.
    pub handled: bool,
    /// When it was stored.
    pub created_at: String,
}

impl MentionView {
    /// The view of a stored mention.
    pub fn of(m: &Mention) -> Self {
        Self {
            id: m.id.to_string(),
            platform: m.platform.clone(),
            post_url: m.post_url.clone(),
            author_handle: m.author.split_once(':').map(|(_, h)| h.to_string()).unwrap_or_default(),
            author_name: m.author_name.clone(),
            text: m.body.clone(),
            posted_at: m.posted_at.to_string(),
            in_reply_to: m.in_reply_to.clone(),
            external_id: m.external_id.clone(),
            customer_id: m.customer_id.map(|c| c.to_string()),
            sentiment: m.sentiment,
            sentiment_label: Sentiment::of(m.sentiment),
            language: m.language.clone(),
            conversation_id: m.conversation_id.map(|c| c.to_string()),
            handled: m.handled_at.is_some(),
            created_at: m.created_at.to_string(),
        }
    }
}

/// What receiving a mention did.
#[derive(Clone, Debug)]
pub struct Received {
    /// The mention (the stored one, for a repeat).
    pub mention: Mention,
    /// The alerts it raised now.
    pub alerts: Vec<SocialAlert>,
    /// The post had been received before; nothing changed.
    pub duplicate: bool,
}

fn optional_url(field: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    match raw.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => web_url(u).map(Some).map_err(|m| AppError::invalid(field, m)),
        None => Ok(None),
    }
}

/// Checks a mention as sent: the author as a social identity, the links, the text and time.
fn check(input: &NewMention, now: Timestamp) -> AppResult<(Identity, String, Mention, String)> {
    let platform = input.platform.trim();
    if platform.is_empty() || platform.contains(':') {
        return Err(AppError::invalid(
            "platform",
            "name the platform, e.g. twitter or instagram",
        ));
    }
    let handle = input.author_handle.trim();
    let author = Identity::parse(IdentityKind::Social, &format!("{platform}:{handle}"), None).map_err(|e| {
        let field = match e {
            IdentityError::UnknownPlatform(_) => "platform",
            _ => "author_handle",
        };
        AppError::invalid(field, e.to_string())
    })?;
    let post_url = web_url(&input.post_url).map_err(|m| AppError::invalid("post_url", m))?;
    let in_reply_to = optional_url("in_reply_to", input.in_reply_to.as_deref())?;
    let text = input.text.trim();
    if text.is_empty() {
        return Err(AppError::invalid("text", "the post's text is empty"));
    }
    if text.len() > MAX_TEXT_BYTES || text.contains('\0') {
        return Err(AppError::invalid(
            "text",
            format!("at most {MAX_TEXT_BYTES} bytes of text"),
        ));
    }
    let posted_at: Timestamp = input
        .posted_at
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("posted_at", "a time like 2026-03-03T10:00:00Z"))?;
    if posted_at > now + SignedDuration::from_mins(5) {
        return Err(AppError::invalid("posted_at", "the post cannot be from the future"));
    }
    let author_name = input.author_name.as_deref().map(str::trim).unwrap_or("");
    if author_name.chars().count() > 200 || author_name.chars().any(char::is_control) {
        return Err(AppError::invalid("author_name", "at most 200 characters, on one line"));
    }
    let external_id = input
        .external_id
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string);
    if external_id.as_ref().is_some_and(|e| e.len() > 500) {
        return Err(AppError::invalid("external_id", "at most 500 bytes"));
    }
    let Some((platform, handle)) = author.social_parts() else {
        return Err(AppError::invalid("author_handle", "not a social handle"));
    };
    let dedupe_key = external_id.clone().unwrap_or_else(|| post_url.clone());
    let analysis = analyze_text(text);
    let mention = Mention {
        id: MentionId::new_at(now),
        platform: platform.to_string(),
        post_url,
        author: author.value().to_string(),
        author_name: if author_name.is_empty() {
            handle.to_string()
        } else {
            author_name.to_string()
        },
        body: text.to_string(),
        posted_at,
        in_reply_to,
        external_id,
        customer_id: None,
        sentiment: analysis.sentiment,
        language: analysis.language.map(str::to_string),
        conversation_id: None,
        handled_at: None,
        handled_by: None,
        created_at: now,
    };
    Ok((author.clone(), platform.to_string(), mention, dedupe_key))
}

/// Stores a mention and evaluates the workspace's rules on it. Every field
/// is checked before anything is stored; the same post again (its
/// `external_id`, else its link) returns the stored mention.
pub async fn receive(app: &App, caller: &Caller, input: &NewMention) -> AppResult<Received> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let now = app.now();
    let (author, platform, mut mention, key) = check(input, now)?;
    let customer = app.db.customer_by_identity(ws, &author).await?;
    mention.customer_id = customer.as_ref().map(|c| c.id);
    let facts_of = |recent| MentionFacts {
        text: &mention.body,
        sentiment: mention.sentiment,
        tier_a: customer.as_ref().is_some_and(|c| c.value.tier == Some(Tier::A)),
        at_risk: customer.as_ref().is_some_and(|c| c.value.stage == Stage::AtRisk),
        recent,
    };
    let mut tx = app.db.begin().await?;
    if !tx.insert_mention(ws, &mention, &key).await? {
        let stored = tx
            .mention_by_key(ws, &platform, &key)
            .await?
            .ok_or(AppError::NotFound)?;
        drop(tx);
        return Ok(Received {
            mention: stored,
            alerts: Vec::new(),
            duplicate: true,
        });
    }
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::MENTION_RECEIVED,
            subject: Subject::new("mention", mention.id.as_uuid()),
            payload: json!({"mention_id": mention.id, "platform": mention.platform, "author": mention.author,
                "excerpt": crate::ingest::preview(&mention.body), "sentiment": mention.sentiment,
                "post_url": mention.post_url}),
        },
        mention.customer_id,
    )
    .await?;
    let mut raised = Vec::new();
    for rule in tx.live_social_rules(ws).await? {
        let recent = match &rule.spec {
            RuleSpec::VolumeSpike { minutes, .. } => {
                let from = mention.posted_at - SignedDuration::from_mins(*minutes);
                tx.mentions_posted_between(ws, from, mention.posted_at).await?
            }
            _ => 0,
        };
        let Some(reason) = rule.spec.fires(&facts_of(recent)) else {
            continue;
        };
        if let RuleSpec::VolumeSpike { minutes, .. } = &rule.spec
            && tx
                .rule_fired_since(ws, rule.id, now - SignedDuration::from_mins(*minutes))
                .await?
        {
            // One alert per spike.
            continue;
        }
        let alert = SocialAlert {
            id: SocialAlertId::new_at(now),
            mention_id: mention.id,
            rule_id: rule.id,
            customer_id: mention.customer_id,
            reason,
            state: "open".into(),
            created_at: now,
            handled_at: None,
            handled_by: None,
            handled_how: None,
            conversation_id: None,
        };
        if raise(&mut tx, ws, caller, &alert, &rule.name).await? {
            raised.push(alert);
        }
    }
    tx.commit().await?;
    if !raised.is_empty() {
        publish(app, LiveEvent::workspace(ws, "social.alert")).await;
    }
    Ok(Received {
        mention,
        alerts: raised,
        duplicate: false,
    })
}

async fn raise(tx: &mut Tx, ws: WorkspaceId, caller: &Caller, a: &SocialAlert, rule_name: &str) -> AppResult<bool> {
    if !tx.insert_social_alert(ws, a).await? {
        return Ok(false);
    }
    tx.append_customer_event(
        a.created_at,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::SOCIAL_ALERT_RAISED,
            subject: Subject::new("mention", a.mention_id.as_uuid()),
            payload: json!({"alert_id": a.id, "mention_id": a.mention_id, "rule_id": a.rule_id,
                "rule": rule_name, "reason": a.reason}),
        },
        a.customer_id,
    )
    .await?;
    Ok(true)
}

/// The mention stream, newest first.
pub async fn list(
    app: &App,
    caller: &Caller,
    filter: &MentionFilter,
    before: Option<MentionId>,
    limit: u32,
) -> AppResult<(Vec<Mention>, Option<MentionId>)> {
    caller.require(Scope::Read)?;
    Ok(app.db.mentions(caller.workspace(), filter, before, limit).await?)
}

/// One mention.
pub async fn get(app: &App, caller: &Caller, id: MentionId) -> AppResult<Mention> {
    caller.require(Scope::Read)?;
    Ok(app.db.mention(caller.workspace(), id).await?)
}

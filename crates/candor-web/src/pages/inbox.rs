//! The inbox: views (mine, breaching soon, unassigned, my teams, open, pending, solved) with
//! filters, and the conversation page with the thread, the customer panel,
//! the composer and the controls. Forms post normally; inbox.js adds live
//! updates, the typing warning, the coach and keyboard shortcuts.

use crate::auth::StaffSession;
use crate::pages::{Chrome, not_found, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::conversations::{self, UpdateConversation};
use candor_app::{AppError, timeline};
use candor_core::conversation::{Channel, Priority, Status};
use candor_core::{ConversationId, UserId};
use candor_store::conversations::{Cursor, Filter};
use serde::Deserialize;
use std::collections::HashMap;

/// The views of the inbox: key, label.
pub const VIEWS: [(&str, &str); 7] = [
    ("mine", "Mine"),
    ("breaching", "Breaching soon"),
    ("unassigned", "Unassigned"),
    ("teams", "My teams"),
    ("open", "All open"),
    ("pending", "Pending"),
    ("solved", "Solved"),
];

struct Row {
    id: String,
    subject: String,
    customer: String,
    preview: String,
    status: String,
    priority: String,
    channel: String,
    language: String,
    assignee: String,
    at: String,
    upset: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Option<Chrome>,
    view: String,
    views: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    next: Option<String>,
    channel: String,
    tag: String,
    priority: String,
    language: String,
    channels: Vec<&'static str>,
    priorities: Vec<&'static str>,
    error: Option<String>,
}

fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

fn param<'a>(q: &'a HashMap<String, String>, key: &str) -> &'a str {
    q.get(key).map(|s| s.trim()).unwrap_or("")
}

/// GET /inbox?view=…&channel=&tag=&priority=&language=&after=
pub async fn list(
    State(state): State<WebState>,
    s: StaffSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let caller = s.caller();
    let me = caller.user.id;
    let view = match param(&q, "view") {
        "" => "mine",
        v => v,
    };
    let active = vec![Status::Open, Status::Pending];
    let mut filter = match view {
        "mine" => Filter {
            assignee: Some(me),
            statuses: active,
            ..Default::default()
        },
        "unassigned" => Filter {
            unassigned: true,
            statuses: active,
            ..Default::default()
        },
        "teams" => Filter {
            teams: Some(state.app.db.teams_of(caller.workspace(), me).await.unwrap_or_default()),
            statuses: active,
            ..Default::default()
        },
        "open" => Filter {
            statuses: vec![Status::Open],
            ..Default::default()
        },
        // A commitment clock reached its warning share (or passed its due time).
        "breaching" => Filter {
            statuses: active,
            breaching_by: Some(state.app.now()),
            ..Default::default()
        },
        "pending" => Filter {
            statuses: vec![Status::Pending],
            ..Default::default()
        },
        "solved" => Filter {
            statuses: vec![Status::Solved],
            ..Default::default()
        },
        _ => return not_found().await,
    };
    filter.channel = param(&q, "channel").parse::<Channel>().ok();
    filter.priority = param(&q, "priority").parse::<Priority>().ok();
    filter.tag = Some(param(&q, "tag").to_lowercase()).filter(|t| !t.is_empty());
    filter.language = Some(param(&q, "language").to_lowercase()).filter(|t| !t.is_empty());
    let after = Cursor::decode(param(&q, "after"));
    let staff: HashMap<UserId, String> = state
        .app
        .db
        .users(caller.workspace())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let (rows, next, error) = match conversations::list(&state.app, &caller, &filter, after, 50).await {
        Ok(page) => (
            page.items
                .iter()
                .map(|(c, name)| Row {
                    id: c.id.to_string(),
                    subject: if c.subject.is_empty() {
                        "(no subject)".into()
                    } else {
                        c.subject.clone()
                    },
                    customer: name.clone(),
                    preview: c.preview.clone(),
                    status: c.status.to_string(),
                    priority: c.priority.to_string(),
                    channel: c.channel.to_string(),
                    language: c.language.clone().unwrap_or_default(),
                    assignee: c
                        .assignee_id
                        .and_then(|a| staff.get(&a).cloned())
                        .unwrap_or_else(|| "unassigned".into()),
                    at: when(c.last_activity_at),
                    upset: c.last_sentiment.is_some_and(|s| s <= -0.3),
                })
                .collect(),
            page.next.map(|n| n.encode()),
            None,
        ),
        Err(e) => (Vec::new(), None, Some(e.to_string())),
    };
    let chrome = Chrome::of(&state, &s).await;
    render(
        StatusCode::OK,
        &InboxPage {
            chrome: Some(chrome),
            view: view.to_string(),
            views: VIEWS.to_vec(),
            rows,
            next,
            channel: param(&q, "channel").to_string(),
            tag: param(&q, "tag").to_string(),
            priority: param(&q, "priority").to_string(),
            language: param(&q, "language").to_string(),
            channels: Channel::ALL.iter().map(|c| c.as_str()).collect(),
            priorities: Priority::ALL.iter().map(|c| c.as_str()).collect(),
            error,
        },
    )
}

struct Attachment {
    url: String,
    filename: String,
    size: i64,
}

struct MessageLine {
    id: String,
    kind: String,
    author: String,
    author_type: String,
    at: String,
    body: String,
    language: String,
    sentiment: String,
    upset: bool,
    delivery: String,
    attachments: Vec<Attachment>,
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage {
    chrome: Option<Chrome>,
    csrf: String,
    id: String,
    subject: String,
    status: String,
    priority: String,
    channel: String,
    language: String,
    tags: String,
    previous: Option<String>,
    assignee_id: String,
    team_id: String,
    messages: Vec<MessageLine>,
    customer_id: String,
    customer_name: String,
    identities: Vec<String>,
    tier: String,
    stage: String,
    timeline: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    statuses: Vec<&'static str>,
    priorities: Vec<&'static str>,
    me_name: String,
    pact: crate::pages::pact::PactPanel,
    error: Option<String>,
}

/// GET /inbox/{id}
pub async fn show(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(id) = raw.parse::<ConversationId>() else {
        return not_found().await;
    };
    let caller = s.caller();
    let ws = caller.workspace();
    let v = match conversations::full(&state.app, &caller, id).await {
        Ok(v) => v,
        Err(AppError::NotFound) => return not_found().await,
        Err(e) => return crate::pages::message_page(StatusCode::INTERNAL_SERVER_ERROR, "Error", &e.to_string()),
    };
    let customer = match v.customer_id.parse::<candor_core::CustomerId>() {
        Ok(cid) => state.app.db.customer(ws, cid).await.ok(),
        Err(_) => None,
    };
    let users = state.app.db.users(ws).await.unwrap_or_default();
    let entries = match &customer {
        Some(c) => timeline::timeline(&state.app, &caller, c.id, None, 8)
            .await
            .map(|(e, _)| e)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let teams = state.app.db.teams(ws).await.unwrap_or_default();
    let messages = v
        .messages
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|m| MessageLine {
            id: m.id,
            kind: m.kind.to_string(),
            author: m.author.name,
            author_type: m.author.kind,
            at: when(m.at),
            body: m.body,
            language: m.language.unwrap_or_default(),
            sentiment: m.sentiment.map(|s| format!("{s:+.2}")).unwrap_or_default(),
            upset: m.sentiment.is_some_and(|s| s <= -0.3),
            delivery: m.delivery.map(|d| d.to_string()).unwrap_or_default(),
            attachments: m
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    url: a.url,
                    filename: a.filename,
                    size: a.size,
                })
                .collect(),
        })
        .collect();
    let pact = crate::pages::pact::panel(&state, &caller, id).await;
    let chrome = Chrome::of(&state, &s).await;
    let csrf = chrome.csrf.clone();
    render(
        StatusCode::OK,
        &ConversationPage {
            pact,
            chrome: Some(chrome),
            csrf,
            id: v.id.clone(),
            subject: v.subject.clone(),
            status: v.status.to_string(),
            priority: v.priority.to_string(),
            channel: v.channel.to_string(),
            language: v.language.clone().unwrap_or_default(),
            tags: v.tags.join(", "),
            previous: v.previous_conversation_id.clone(),
            assignee_id: v.assignee_id.clone().unwrap_or_default(),
            team_id: v.team_id.clone().unwrap_or_default(),
            messages,
            customer_id: v.customer_id.clone(),
            customer_name: v.customer_name.clone().unwrap_or_default(),
            identities: customer
                .as_ref()
                .map(|c| {
                    c.identities
                        .iter()
                        .map(|i| format!("{}: {}", i.kind, i.value))
                        .collect()
                })
                .unwrap_or_default(),
            tier: customer
                .as_ref()
                .and_then(|c| c.value.tier)
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| "–".into()),
            stage: customer
                .as_ref()
                .map(|c| c.value.stage.as_str().to_string())
                .unwrap_or_default(),
            timeline: entries.into_iter().map(|e| (when(e.at), e.summary)).collect(),
            staff: users
                .iter()
                .filter(|u| u.active)
                .map(|u| (u.id.to_string(), u.name.clone()))
                .collect(),
            teams: teams.iter().map(|t| (t.id.to_string(), t.name.clone())).collect(),
            statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
            priorities: Priority::ALL.iter().map(|s| s.as_str()).collect(),
            me_name: caller.user.name.clone(),
            error: q.get("error").cloned(),
        },
    )
}

fn back(id: &str, error: Option<String>) -> Response {
    let to = match error {
        None => format!("/inbox/{id}"),
        Some(e) => format!("/inbox/{id}?error={}", crate::auth::url_escape(&e)),
    };
    Redirect::to(&to).into_response()
}

/// The composer's form.
#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    /// Status to set after sending ("" keeps it).
    #[serde(default)]
    then: String,
}

/// POST /inbox/{id}/messages
pub async fn reply(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&form.csrf) {
        return refusal;
    }
    let Ok(id) = raw.parse::<ConversationId>() else {
        return not_found().await;
    };
    let caller = s.caller();
    let kind = if form.kind == "note" { "note" } else { "outbound" };
    if let Err(e) = conversations::add_message(&state.app, &caller, id, kind, &form.body).await {
        return match e {
            AppError::NotFound => not_found().await,
            e => back(&raw, Some(e.to_string())),
        };
    }
    if !form.then.is_empty() {
        let change = UpdateConversation {
            status: Some(form.then.clone()),
            ..Default::default()
        };
        if let Err(e) = conversations::update(&state.app, &caller, id, &change).await {
            return back(&raw, Some(e.to_string()));
        }
    }
    back(&raw, None)
}

/// The controls' form.
#[derive(Deserialize)]
pub struct ControlsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    assignee_id: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(default)]
    tags: Option<String>,
}

/// POST /inbox/{id}/update
pub async fn update(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(form): Form<ControlsForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&form.csrf) {
        return refusal;
    }
    let Ok(id) = raw.parse::<ConversationId>() else {
        return not_found().await;
    };
    let change = UpdateConversation {
        status: form.status.filter(|s| !s.is_empty()),
        priority: form.priority.filter(|s| !s.is_empty()),
        assignee_id: form.assignee_id.map(serde_json::Value::String),
        team_id: form.team_id.map(serde_json::Value::String),
        tags: form.tags.map(|t| {
            t.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        }),
    };
    match conversations::update(&state.app, &s.caller(), id, &change).await {
        Ok(_) => back(&raw, None),
        Err(AppError::NotFound) => not_found().await,
        Err(e) => back(&raw, Some(e.to_string())),
    }
}

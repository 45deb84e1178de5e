//! The conversation page: the thread with its files, the customer panel, the
//! composer (replies and notes, with files) and the controls (status,
//! priority, assignee, team, tags). Forms post normally; inbox.js adds live
//! updates, the "is replying" warning, the coach and keyboard shortcuts.

use crate::auth::StaffSession;
use crate::pages::inbox::when;
use crate::pages::{Chrome, not_found, render};
use crate::state::WebState;
use crate::uploads::{self, MAX_FILES, UploadError, UploadForm};
use askama::Template;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::community::bridge::{self, PublishConversation};
use candor_app::community::topic_path;
use candor_app::conversations::{self, AttachmentView, UpdateConversation};
use candor_app::{AppError, timeline};
use candor_core::ConversationId;
use candor_core::conversation::{Channel, Priority, Status};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

struct Attachment {
    url: String,
    filename: String,
    size: String,
}

impl Attachment {
    fn of(a: &AttachmentView) -> Self {
        Attachment {
            url: a.url.clone(),
            filename: a.filename.clone(),
            size: human_bytes(a.size.max(0) as u64),
        }
    }
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
    delivery_detail: String,
    /// Quoted history of an email reply, folded on the page.
    quoted: String,
    html_url: String,
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
    /// Files attached to the conversation rather than to a message (the API's upload).
    loose_files: Vec<Attachment>,
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
    me_id: String,
    me_name: String,
    max_file: String,
    max_files: usize,
    draft: Draft,
    pact: crate::pages::pact::PactPanel,
    trust: Option<crate::pages::trust::TrustPanel>,
    nba: crate::pages::next_actions::NbaPanel,
    error: Option<String>,
}

/// What the composer held when sending was refused, shown again.
#[derive(Default)]
struct Draft {
    body: String,
    note: bool,
}

/// A size for people: "1 MB", "340 KB", "12 bytes".
pub fn human_bytes(n: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if n >= MB {
        if n.is_multiple_of(MB) {
            format!("{} MB", n / MB)
        } else {
            format!("{:.1} MB", n as f64 / MB as f64)
        }
    } else if n >= KB {
        format!("{} KB", n.div_ceil(KB))
    } else {
        format!("{n} bytes")
    }
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
    page(
        &state,
        &s,
        id,
        StatusCode::OK,
        q.get("error").cloned(),
        Draft::default(),
    )
    .await
}

/// The page, answered with `status`, showing `error` and the composer holding `draft`.
async fn page(
    state: &WebState,
    s: &StaffSession,
    id: ConversationId,
    status: StatusCode,
    error: Option<String>,
    draft: Draft,
) -> Response {
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
    let messages = v.messages.clone().unwrap_or_default();
    let on_messages: HashSet<&str> = messages
        .iter()
        .flat_map(|m| m.attachments.iter().map(|a| a.id.as_str()))
        .collect();
    let loose_files = v
        .attachments
        .iter()
        .flatten()
        .filter(|a| !on_messages.contains(a.id.as_str()))
        .map(Attachment::of)
        .collect();
    let messages = messages
        .iter()
        .map(|m| {
            let (body, quoted) = if v.channel == Channel::Email {
                let (shown, quoted) = candor_core::quoted::split_quoted(&m.body);
                (shown.to_string(), quoted.to_string())
            } else {
                (m.body.clone(), String::new())
            };
            let html_url = if m.has_html {
                format!("/inbox/{}/html/{}", v.id, m.id)
            } else {
                String::new()
            };
            (m, body, quoted, html_url)
        })
        .map(|(m, body, quoted, html_url)| MessageLine {
            id: m.id.clone(),
            kind: m.kind.to_string(),
            author: m.author.name.clone(),
            author_type: m.author.kind.clone(),
            at: when(m.at),
            body,
            quoted,
            html_url,
            delivery_detail: m.delivery_detail.clone().unwrap_or_default(),
            language: m.language.clone().unwrap_or_default(),
            sentiment: m.sentiment.map(|s| format!("{s:+.2}")).unwrap_or_default(),
            upset: m.sentiment.is_some_and(|s| s <= -0.3),
            delivery: m.delivery.map(|d| d.to_string()).unwrap_or_default(),
            attachments: m.attachments.iter().map(Attachment::of).collect(),
        })
        .collect();
    let pact = crate::pages::pact::panel(state, &caller, id).await;
    let trust = match &customer {
        Some(c) => crate::pages::trust::customer_panel(state, &caller, c.id).await,
        None => None,
    };
    let nba = crate::pages::next_actions::panel(state, &caller, id).await;
    let chrome = Chrome::of(state, s).await;
    let csrf = chrome.csrf.clone();
    render(
        status,
        &ConversationPage {
            pact,
            trust,
            nba,
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
            loose_files,
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
            me_id: caller.user.id.to_string(),
            me_name: caller.user.name.clone(),
            max_file: human_bytes(state.app.files.max_bytes()),
            max_files: MAX_FILES,
            draft,
            error,
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

/// The composer's form: `csrf`, `kind` (outbound or note), `body`, `then` (a
/// status to set after sending, "" keeps it) and, sent as
/// `multipart/form-data`, any number of `files`.
async fn composer_form(state: &WebState, req: Request) -> Result<UploadForm, UploadError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        return uploads::read(req, state, "files", state.app.files.max_bytes()).await;
    }
    match Form::<HashMap<String, String>>::from_request(req, state).await {
        Ok(Form(fields)) => Ok(UploadForm {
            fields,
            ..Default::default()
        }),
        Err(e) => Err(UploadError::Malformed(e.body_text())),
    }
}

/// POST /inbox/{id}/messages
pub async fn reply(State(state): State<WebState>, s: StaffSession, Path(raw): Path<String>, req: Request) -> Response {
    let form = composer_form(&state, req).await;
    let Ok(id) = raw.parse::<ConversationId>() else {
        return not_found().await;
    };
    let form = match form {
        Ok(f) => f,
        Err(UploadError::BodyTooLarge) => {
            let limit = human_bytes(uploads::body_limit(state.app.files.max_bytes()) as u64);
            let message =
                format!("The files together are larger than {limit}, so nothing was sent. Send fewer at a time.");
            return page(
                &state,
                &s,
                id,
                StatusCode::PAYLOAD_TOO_LARGE,
                Some(message),
                Draft::default(),
            )
            .await;
        }
        Err(UploadError::Malformed(m)) => {
            let message = format!("The form could not be read ({m}); nothing was sent.");
            return page(&state, &s, id, StatusCode::BAD_REQUEST, Some(message), Draft::default()).await;
        }
    };
    if let Some(refusal) = s.form_refusal(form.field("csrf")) {
        return refusal;
    }
    let draft = Draft {
        body: form.field("body").to_string(),
        note: form.field("kind") == "note",
    };
    let refused = |status, message: String, draft| page(&state, &s, id, status, Some(message), draft);
    if let Some(name) = &form.too_large {
        let max = human_bytes(state.app.files.max_bytes());
        let message =
            format!("“{name}” is larger than the limit of {max} per file, so nothing was sent. Attach a smaller file.");
        return refused(StatusCode::PAYLOAD_TOO_LARGE, message, draft).await;
    }
    if form.files.len() > MAX_FILES {
        let message = format!("At most {MAX_FILES} files go with one message, so nothing was sent.");
        return refused(StatusCode::UNPROCESSABLE_ENTITY, message, draft).await;
    }
    let caller = s.caller();
    let kind = if draft.note { "note" } else { "outbound" };
    match conversations::add_message_with_files(&state.app, &caller, id, kind, &draft.body, &form.files).await {
        Ok(_) => {}
        Err(AppError::NotFound) => return not_found().await,
        Err(e) => {
            let status = match e {
                AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let what = match &e {
                AppError::Invalid { field, message } => match file_index(field).and_then(|i| form.files.get(i)) {
                    Some(f) => format!("“{}”: {message}", f.filename),
                    None => message.clone(),
                },
                other => other.to_string(),
            };
            return refused(status, format!("Nothing was sent: {what}."), draft).await;
        }
    }
    let then = form.field("then");
    if !then.is_empty() {
        let change = UpdateConversation {
            status: Some(then.to_string()),
            ..Default::default()
        };
        if let Err(e) = conversations::update(&state.app, &caller, id, &change).await {
            return back(&raw, Some(e.to_string()));
        }
    }
    back(&raw, None)
}

/// The index `i` of a field named `files[i]`.
fn file_index(field: &str) -> Option<usize> {
    field.strip_prefix("files[")?.strip_suffix(']')?.parse().ok()
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

/// The publish form.
#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    consent: String,
}

/// POST /inbox/{id}/publish: a solved conversation becomes a community topic.
pub async fn publish(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(form): Form<PublishForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&form.csrf) {
        return refusal;
    }
    let Ok(id) = raw.parse::<ConversationId>() else {
        return not_found().await;
    };
    let input = PublishConversation {
        title: Some(form.title).filter(|t| !t.trim().is_empty()),
        body: form.body,
        kind: Some(form.kind),
        tags: None,
        consent: form.consent,
    };
    let caller = s.caller();
    let published = async {
        let topic = bridge::publish_conversation(&state.app, &caller, id, &input).await?;
        let ws = state.app.db.workspace(caller.workspace()).await?;
        Ok::<String, AppError>(topic_path(&ws.slug, &topic.slug))
    }
    .await;
    match published {
        Ok(path) => Redirect::to(&path).into_response(),
        Err(AppError::NotFound) => not_found().await,
        Err(e) => back(&raw, Some(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes_for_people() {
        assert_eq!(human_bytes(12), "12 bytes");
        assert_eq!(human_bytes(1500), "2 KB");
        assert_eq!(human_bytes(1024 * 1024), "1 MB");
        assert_eq!(human_bytes(25 * 1024 * 1024), "25 MB");
        assert_eq!(human_bytes(1024 * 1024 + 512 * 1024), "1.5 MB");
    }
}

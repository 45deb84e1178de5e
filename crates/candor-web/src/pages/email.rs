//! The email settings page (owners and admins): the workspace's mailboxes
//! with their state and last error, a form to add one, each one's form to
//! change it, "Test connection" (which says exactly what failed) and
//! "Remove".

use crate::auth::StaffSession;
use crate::pages::{Chrome, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::AppError;
use candor_email::mailboxes::{self, MailboxView, TestReport};
use candor_email::settings::MailboxInput;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "email.html")]
struct EmailPage {
    chrome: Option<Chrome>,
    csrf: String,
    mailboxes: Vec<MailboxView>,
    error: Option<String>,
    error_field: String,
    report: Option<(String, TestReport)>,
}

async fn page(
    state: &WebState,
    s: &StaffSession,
    status: StatusCode,
    error: Option<AppError>,
    report: Option<(String, TestReport)>,
) -> Response {
    let caller = s.caller();
    let list = match mailboxes::list(&state.app, &caller).await {
        Ok(list) => list,
        Err(AppError::Forbidden(m)) => return crate::auth::forbidden_page(&m),
        Err(e) => return crate::auth::forbidden_page(&e.to_string()),
    };
    let error_field = match &error {
        Some(AppError::Invalid { field, .. }) => field.clone(),
        _ => String::new(),
    };
    let error = error.map(|e| match e {
        AppError::Invalid { field, message } => format!("{}: {message}", label(&field)),
        other => other.to_string(),
    });
    let chrome = Chrome::of(state, s).await;
    let csrf = chrome.csrf.clone();
    render(
        status,
        &EmailPage {
            chrome: Some(chrome),
            csrf,
            mailboxes: list,
            error,
            error_field,
            report,
        },
    )
}

/// The form label of an input field, for error sentences.
fn label(field: &str) -> &str {
    match field {
        "address" => "Address",
        "name" => "Name",
        "imap_host" => "IMAP server",
        "imap_port" => "IMAP port",
        "imap_tls" => "IMAP security",
        "imap_user" => "IMAP user",
        "imap_password" => "IMAP password",
        "folder" => "Folder",
        "after_import" => "After import",
        "move_to" => "Move to folder",
        "smtp_host" => "SMTP server",
        "smtp_port" => "SMTP port",
        "smtp_tls" => "SMTP security",
        "smtp_user" => "SMTP user",
        "smtp_password" => "SMTP password",
        other => other,
    }
}

/// GET /settings/email
pub async fn show(State(state): State<WebState>, s: StaffSession) -> Response {
    page(&state, &s, StatusCode::OK, None, None).await
}

/// A mailbox form: every field a string, as browsers send them.
#[derive(Deserialize)]
pub struct MailboxForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    imap_host: String,
    #[serde(default)]
    imap_port: String,
    #[serde(default)]
    imap_tls: String,
    #[serde(default)]
    imap_user: String,
    #[serde(default)]
    imap_password: String,
    #[serde(default)]
    folder: String,
    #[serde(default)]
    after_import: String,
    #[serde(default)]
    move_to: String,
    #[serde(default)]
    smtp_host: String,
    #[serde(default)]
    smtp_port: String,
    #[serde(default)]
    smtp_tls: String,
    #[serde(default)]
    smtp_user: String,
    #[serde(default)]
    smtp_password: String,
    #[serde(default)]
    enabled: Option<String>,
}

fn port(field: &str, raw: &str) -> Result<Option<u32>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        p => p
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "a port is a number from 1 to 65535")),
    }
}

impl MailboxForm {
    fn input(&self) -> Result<MailboxInput, AppError> {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(MailboxInput {
            name: self.name.clone(),
            address: self.address.clone(),
            imap_host: self.imap_host.clone(),
            imap_port: port("imap_port", &self.imap_port)?,
            imap_tls: text(&self.imap_tls),
            imap_user: self.imap_user.clone(),
            imap_password: self.imap_password.clone(),
            folder: text(&self.folder),
            after_import: text(&self.after_import),
            move_to: text(&self.move_to),
            smtp_host: self.smtp_host.clone(),
            smtp_port: port("smtp_port", &self.smtp_port)?,
            smtp_tls: text(&self.smtp_tls),
            smtp_user: self.smtp_user.clone(),
            smtp_password: self.smtp_password.clone(),
            enabled: Some(self.enabled.is_some()),
        })
    }
}

async fn done(state: &WebState, s: &StaffSession, r: Result<(), AppError>) -> Response {
    match r {
        Ok(()) => Redirect::to("/settings/email").into_response(),
        Err(e) => {
            let status = match e {
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                AppError::NotFound => StatusCode::NOT_FOUND,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            page(state, s, status, Some(e), None).await
        }
    }
}

fn mailbox_id(raw: &str) -> Result<Uuid, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// POST /settings/email
pub async fn create(State(state): State<WebState>, s: StaffSession, Form(f): Form<MailboxForm>) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let r = match f.input() {
        Ok(input) => mailboxes::create(&state.app, &s.caller(), &input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    done(&state, &s, r).await
}

/// POST /settings/email/{id}
pub async fn update(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(f): Form<MailboxForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let r = match (mailbox_id(&raw), f.input()) {
        (Ok(id), Ok(input)) => mailboxes::update(&state.app, &s.caller(), id, &input).await.map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    done(&state, &s, r).await
}

/// A form with only its token.
#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// POST /settings/email/{id}/delete
pub async fn delete(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let r = match mailbox_id(&raw) {
        Ok(id) => mailboxes::delete(&state.app, &s.caller(), id).await,
        Err(e) => Err(e),
    };
    done(&state, &s, r).await
}

/// POST /settings/email/{id}/test
pub async fn test(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let r = match mailbox_id(&raw) {
        Ok(id) => mailboxes::test(&state.app, &s.caller(), id).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(report) => page(&state, &s, StatusCode::OK, None, Some((raw, report))).await,
        Err(e) => done(&state, &s, Err(e)).await,
    }
}

/// GET /inbox/{conversation}/html/{message}: an email's HTML, sanitised
/// again on the way out, in a sandbox that runs nothing and loads nothing
/// from elsewhere (no tracking pixels).
pub async fn message_html(
    State(state): State<WebState>,
    s: StaffSession,
    Path((conversation, message)): Path<(String, String)>,
) -> Response {
    let caller = s.caller();
    if caller.require(candor_core::staff::Scope::Read).is_err() {
        return crate::auth::forbidden_page("You may not read conversations.");
    }
    let (Ok(c), Ok(m)) = (
        conversation.parse::<candor_core::ConversationId>(),
        message.parse::<candor_core::MessageId>(),
    ) else {
        return crate::pages::not_found().await;
    };
    let found = state.app.db.message(caller.workspace(), m).await;
    let Some(html) = found
        .ok()
        .filter(|msg| msg.conversation_id == c)
        .and_then(|msg| msg.html)
    else {
        return crate::pages::not_found().await;
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Email as sent</title></head><body>{}</body></html>",
        candor_email::parse::sanitize_html(&html)
    );
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

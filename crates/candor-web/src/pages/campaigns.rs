//! Win-back campaign pages: the list with a form to write one
//! (`/campaigns`), a campaign with its results and a preview for one
//! customer (`/campaigns/{id}`), the dry run over its segment
//! (`/campaigns/{id}/dry-run`), and the start and pause buttons.

use crate::auth::StaffSession;
use crate::pages::{Chrome, message_page, not_found, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use candor_app::campaigns::{self, CampaignInput, CampaignView, Line, Preview};
use candor_app::{AppError, Caller};
use candor_core::staff::{Role, Scope};
use candor_core::value::Money;
use candor_core::{CampaignId, CustomerId};
use serde::Deserialize;
use std::collections::HashMap;

/// The message a new campaign starts from.
const STARTER_SUBJECT: &str = "{{first_name|Hello}}, we miss you at {{company}}";
const STARTER_BODY: &str = "Hello {{first_name|there}},\n\nit has been a while since your {{last_product|last order}} \
(on {{last_purchase_date|your last visit}}). We would like to know how it is going, and whether anything we did \
kept you away — just reply to this email, it comes straight to me.\n\nIf there is something we can do for you now, \
tell me and I will see to it myself.";

fn refusal(e: AppError) -> Response {
    match e {
        AppError::Forbidden(m) => message_page(StatusCode::FORBIDDEN, "Not allowed", &m),
        AppError::NotFound => message_page(StatusCode::NOT_FOUND, "Not found", "There is no such campaign here."),
        other => message_page(StatusCode::UNPROCESSABLE_ENTITY, "Not done", &other.to_string()),
    }
}

fn when(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// A skip's code in words, for the results.
fn skip_words(code: &str) -> &'static str {
    match code {
        "do-not-contact" => "asked not to be emailed",
        "no-consent" => "no consent on record",
        "no-email" => "no email address",
        "bounced" => "address bounced",
        "missing-detail" => "a detail the message needs is unknown",
        "merged" => "merged into another customer",
        _ => "other",
    }
}

/// The new-campaign form, kept when it is refused.
#[derive(Default, Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    sender_id: String,
    #[serde(default)]
    per_hour: String,
    #[serde(default)]
    purpose: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    chrome: Option<Chrome>,
    csrf: String,
    campaigns: Vec<CampaignView>,
    may_write: bool,
    staff: Vec<(String, String)>,
    form: CampaignForm,
    error: Option<String>,
}

async fn list_page(state: &WebState, s: &StaffSession, form: CampaignForm, error: Option<String>) -> Response {
    let caller = s.caller();
    let list = match campaigns::list(&state.app, &caller, None, 200).await {
        Ok(l) => l,
        Err(e) => return refusal(e),
    };
    let staff = state
        .app
        .db
        .users(caller.workspace())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.active && u.role >= Role::Agent)
        .map(|u| (u.id.to_string(), u.name))
        .collect();
    let chrome = Chrome::of(state, s).await;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &ListPage {
            csrf: chrome.csrf.clone(),
            chrome: Some(chrome),
            campaigns: list,
            may_write: caller.holds(Scope::Admin),
            staff,
            form,
            error,
        },
    )
}

/// GET /campaigns
pub async fn list(State(state): State<WebState>, s: StaffSession) -> Response {
    let form = CampaignForm {
        segment: "stage:former".into(),
        subject: STARTER_SUBJECT.into(),
        body: STARTER_BODY.into(),
        sender_id: s.session.user.id.to_string(),
        per_hour: "60".into(),
        purpose: "marketing".into(),
        ..Default::default()
    };
    list_page(&state, &s, form, None).await
}

/// POST /campaigns
pub async fn create(State(state): State<WebState>, s: StaffSession, Form(f): Form<CampaignForm>) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let per_hour = match f.per_hour.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return list_page(&state, &s, f, Some("per_hour: give a whole number".into())).await,
        },
    };
    let input = CampaignInput {
        name: f.name.clone(),
        segment: f.segment.clone(),
        subject: f.subject.clone(),
        body: f.body.replace("\r\n", "\n"),
        sender_id: Some(f.sender_id.clone()),
        per_hour,
        purpose: Some(f.purpose.clone()).filter(|p| !p.trim().is_empty()),
    };
    match campaigns::create(&state.app, &s.caller(), &input).await {
        Ok(c) => Redirect::to(&format!("/campaigns/{}", c.id)).into_response(),
        Err(AppError::Invalid { field, message }) | Err(AppError::InvalidQuery { field, message, .. }) => {
            list_page(&state, &s, f, Some(format!("{field}: {message}"))).await
        }
        Err(e) => refusal(e),
    }
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    chrome: Option<Chrome>,
    csrf: String,
    c: CampaignView,
    may_run: bool,
    results: Vec<(String, String, String)>,
    skipped: Vec<(String, i64)>,
    preview: Option<Preview>,
    preview_error: Option<String>,
    started: String,
    next_send: String,
    /// Whether a mailbox can send the messages.
    mailbox_ready: bool,
}

fn results_of(c: &CampaignView, currency: candor_core::value::Currency) -> Vec<(String, String, String)> {
    let Some(r) = &c.results else {
        return Vec::new();
    };
    let revenue = Money::new(r.revenue_minor, currency);
    vec![
        ("sent".into(), "Sent".into(), r.sent.to_string()),
        ("skipped".into(), "Skipped".into(), r.skipped.to_string()),
        (
            "held".into(),
            "Waiting for quiet hours to end".into(),
            r.held.to_string(),
        ),
        (
            "delivered".into(),
            "Accepted by the mail server".into(),
            r.delivered.to_string(),
        ),
        ("failed".into(), "Could not be sent".into(), r.failed.to_string()),
        ("replies".into(), "Replies".into(), r.replies.to_string()),
        (
            "buyers".into(),
            "Customers who bought since".into(),
            r.buyers.to_string(),
        ),
        ("purchases".into(), "Purchases since".into(), r.purchases.to_string()),
        (
            "revenue".into(),
            "What they came to".into(),
            format!("{} {}", revenue.amount(), currency.code()),
        ),
    ]
}

/// GET /campaigns/{id}?customer=ID — the campaign, its results and a preview.
pub async fn show(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(id) = raw.parse::<CampaignId>() else {
        return not_found().await;
    };
    let caller = s.caller();
    let c = match campaigns::get(&state.app, &caller, id).await {
        Ok(c) => c,
        Err(e) => return refusal(e),
    };
    let customer = q.get("customer").and_then(|c| c.parse::<CustomerId>().ok());
    let (preview, preview_error) = match campaigns::preview(&state.app, &caller, id, customer).await {
        Ok(p) => (Some(p), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let currency = candor_app::customers::currency_of(&state.app, caller.workspace())
        .await
        .unwrap_or(candor_core::value::Currency::Eur);
    // Replies use the mailbox they came in by; a campaign's first email needs one that sends.
    let mailbox_ready = state
        .app
        .db
        .mailboxes(caller.workspace())
        .await
        .map(|m| m.iter().any(|m| m.fields.enabled && !m.fields.smtp_host.is_empty()))
        .unwrap_or(false);
    let chrome = Chrome::of(&state, &s).await;
    render(
        StatusCode::OK,
        &CampaignPage {
            mailbox_ready,
            csrf: chrome.csrf.clone(),
            chrome: Some(chrome),
            may_run: caller.holds(Scope::Admin),
            results: results_of(&c, currency),
            skipped: c
                .results
                .as_ref()
                .map(|r| {
                    r.skipped_by_reason
                        .iter()
                        .map(|(code, n)| (skip_words(code).to_string(), *n))
                        .collect()
                })
                .unwrap_or_default(),
            started: when(c.started_at),
            next_send: when(c.next_send_at),
            c,
            preview,
            preview_error,
        },
    )
}

#[derive(Template)]
#[template(path = "campaign_dry_run.html")]
struct DryRunPage {
    chrome: Option<Chrome>,
    id: String,
    name: String,
    segment: String,
    lines: Vec<Line>,
    total: i64,
    send: usize,
    skip: usize,
    hold: usize,
    next: Option<String>,
}

/// GET /campaigns/{id}/dry-run?cursor=ID — who would get what now.
pub async fn dry_run(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(id) = raw.parse::<CampaignId>() else {
        return not_found().await;
    };
    let caller: Caller = s.caller();
    let after = q.get("cursor").and_then(|c| c.parse::<CustomerId>().ok());
    let c = match campaigns::get(&state.app, &caller, id).await {
        Ok(c) => c,
        Err(e) => return refusal(e),
    };
    let run = match campaigns::dry_run(&state.app, &caller, id, after, 50).await {
        Ok(r) => r,
        Err(e) => return refusal(e),
    };
    let chrome = Chrome::of(&state, &s).await;
    render(
        StatusCode::OK,
        &DryRunPage {
            chrome: Some(chrome),
            id: id.to_string(),
            name: c.name,
            segment: c.segment,
            lines: run.items,
            total: run.total,
            send: run.send,
            skip: run.skip,
            hold: run.hold,
            next: run.next.map(|n| n.to_string()),
        },
    )
}

/// A form with only its token.
#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// POST /campaigns/{id}/start
pub async fn start(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let Ok(id) = raw.parse::<CampaignId>() else {
        return not_found().await;
    };
    match campaigns::start(&state.app, &s.caller(), id).await {
        Ok(_) => Redirect::to(&format!("/campaigns/{id}")).into_response(),
        Err(e) => refusal(e),
    }
}

/// POST /campaigns/{id}/pause
pub async fn pause(
    State(state): State<WebState>,
    s: StaffSession,
    Path(raw): Path<String>,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&f.csrf) {
        return r;
    }
    let Ok(id) = raw.parse::<CampaignId>() else {
        return not_found().await;
    };
    match campaigns::pause(&state.app, &s.caller(), id).await {
        Ok(_) => Redirect::to(&format!("/campaigns/{id}")).into_response(),
        Err(e) => refusal(e),
    }
}

/// The pages' routes.
pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/campaigns", get(list).post(create))
        .route("/campaigns/{id}", get(show))
        .route("/campaigns/{id}/dry-run", get(dry_run))
        .route("/campaigns/{id}/start", post(start))
        .route("/campaigns/{id}/pause", post(pause))
}

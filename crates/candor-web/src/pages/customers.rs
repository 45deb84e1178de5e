//! Customer pages: the list with search, one customer with everything known
//! about them, notes, and merging with a preview of what moves.

use crate::auth::StaffSession;
use crate::pages::{Chrome, message_page, not_found, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::customers::{self, Found, currency_of};
use candor_app::{AppError, merge, segments, timeline};
use candor_core::CustomerId;
use candor_store::customers::Customer;
use serde::Deserialize;
use std::collections::HashMap;

struct Row {
    id: String,
    name: String,
    contact: String,
    stage: String,
    tier: String,
    ltv: String,
    tags: String,
}

#[derive(Template)]
#[template(path = "customers.html")]
struct ListPage {
    chrome: Option<Chrome>,
    q: String,
    error: Option<String>,
    rows: Vec<Row>,
    next: Option<String>,
    filters: Vec<(&'static str, &'static str)>,
}

fn display_name(c: &Customer) -> String {
    if c.name.is_empty() {
        c.identities
            .first()
            .map(|i| i.value.clone())
            .unwrap_or_else(|| "(no name)".into())
    } else {
        c.name.clone()
    }
}

/// GET /customers?q=…
pub async fn list(
    State(state): State<WebState>,
    s: StaffSession,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let caller = s.caller();
    let q = params.get("q").cloned().unwrap_or_default();
    let after = params.get("after").and_then(|a| a.parse::<CustomerId>().ok());
    let currency = currency_of(&state.app, caller.workspace())
        .await
        .unwrap_or(candor_core::value::Currency::Eur);
    let (rows, next, error, status) = match segments::find(&state.app, &caller, "q", &q, after, 50).await {
        Ok(page) => {
            let rows = page
                .items
                .iter()
                .map(|c| Row {
                    id: c.id.to_string(),
                    name: display_name(c),
                    contact: c
                        .identities
                        .first()
                        .map(|i| format!("{}:{}", i.kind, i.value))
                        .unwrap_or_default(),
                    stage: c.value.stage.as_str().to_string(),
                    tier: c
                        .value
                        .tier
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_else(|| "–".into()),
                    ltv: c
                        .value
                        .lifetime_value
                        .unwrap_or(candor_core::value::Money::zero(currency))
                        .to_string(),
                    tags: c.tags.join(", "),
                })
                .collect();
            (rows, page.next.map(|n| n.to_string()), None, StatusCode::OK)
        }
        Err(e) => (Vec::new(), None, Some(e.to_string()), StatusCode::BAD_REQUEST),
    };
    let chrome = Chrome::of(&state, &s).await;
    render(
        status,
        &ListPage {
            chrome: Some(chrome),
            q,
            error,
            rows,
            next,
            filters: vec![
                ("Tier A", "tier:A"),
                ("At risk", "stage:at-risk"),
                ("Former (win-back)", "stage:former"),
                ("Leads", "stage:lead"),
                ("VIP", "tag:vip"),
                ("Bought in 30 days", "last_purchase<30d"),
            ],
        },
    )
}

struct Line {
    at: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    chrome: Option<Chrome>,
    csrf: String,
    c: Customer,
    title: String,
    organization: Option<String>,
    ltv: String,
    tier: String,
    stage: String,
    rfm: String,
    last_purchase: String,
    consent: Vec<(String, String)>,
    attributes: Vec<(String, String)>,
    notes: Vec<Line>,
    timeline: Vec<Line>,
    older: Option<String>,
    duplicates: Vec<(String, String, String)>,
    calls: Vec<crate::pages::calls::CallLine>,
    now_local: String,
    trust: Option<crate::pages::trust::TrustPanel>,
    error: Option<String>,
}

fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

pub(crate) async fn customer_page(
    state: &WebState,
    s: &StaffSession,
    id: CustomerId,
    before: Option<candor_core::EventId>,
    error: Option<String>,
) -> Response {
    let caller = s.caller();
    let ws = caller.workspace();
    let c = match customers::get(&state.app, &caller, id).await {
        Ok(Found::Live(c)) => *c,
        Ok(Found::MergedInto(survivor)) => {
            return Redirect::permanent(&format!("/customers/{survivor}")).into_response();
        }
        Err(_) => return not_found().await,
    };
    let currency = currency_of(&state.app, ws)
        .await
        .unwrap_or(candor_core::value::Currency::Eur);
    let organization = match c.organization_id {
        Some(o) => state.app.db.organization(ws, o).await.ok().map(|o| o.name),
        None => None,
    };
    let (items, next) = timeline::timeline(&state.app, &caller, id, before, 50)
        .await
        .unwrap_or_default();
    let notes = state.app.db.notes(ws, id).await.unwrap_or_default();
    let duplicates = merge::duplicates(&state.app, &caller, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|d| {
            (
                d.customer.id.to_string(),
                display_name(&d.customer),
                d.reasons.join("; "),
            )
        })
        .collect();
    let (calls, now_local) = crate::pages::calls::lines(state, ws, id).await;
    let trust = crate::pages::trust::customer_panel(state, &caller, id).await;
    let chrome = Chrome::of(state, s).await;
    let v = &c.value;
    render(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &CustomerPage {
            csrf: chrome.csrf.clone(),
            chrome: Some(chrome),
            title: display_name(&c),
            organization,
            ltv: v
                .lifetime_value
                .unwrap_or(candor_core::value::Money::zero(currency))
                .to_string(),
            tier: v.tier.map(|t| t.as_str().to_string()).unwrap_or_else(|| "none".into()),
            stage: v.stage.as_str().to_string(),
            rfm: v
                .rfm
                .map(|r| format!("R{} F{} M{}", r.recency, r.frequency, r.monetary))
                .unwrap_or_else(|| "–".into()),
            last_purchase: v.last_purchase_at.map(when).unwrap_or_else(|| "never".into()),
            consent: c
                .consents
                .iter()
                .map(|(p, x)| {
                    (
                        p.clone(),
                        format!(
                            "{} {} ({})",
                            if x.given { "given" } else { "withdrawn" },
                            when(x.at),
                            x.how
                        ),
                    )
                })
                .collect(),
            attributes: c
                .attributes
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect(),
            notes: notes
                .into_iter()
                .map(|n| Line {
                    at: when(n.created_at),
                    summary: n.body,
                })
                .collect(),
            timeline: items
                .into_iter()
                .map(|e| Line {
                    at: when(e.at),
                    summary: e.summary,
                })
                .collect(),
            older: next.map(|n| n.to_string()),
            duplicates,
            calls,
            now_local,
            trust,
            error,
            c,
        },
    )
}

/// GET /customers/{id}
pub async fn show(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<CustomerId>() else {
        return not_found().await;
    };
    let before = params.get("before").and_then(|b| b.parse().ok());
    customer_page(&state, &s, id, before, None).await
}

/// The note form.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

/// POST /customers/{id}/notes
pub async fn add_note(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<CustomerId>() else {
        return not_found().await;
    };
    match customers::add_note(&state.app, &s.caller(), id, &form.body).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}")).into_response(),
        Err(AppError::NotFound) => not_found().await,
        Err(AppError::Forbidden(m)) => message_page(StatusCode::FORBIDDEN, "Not allowed", &m),
        Err(e) => customer_page(&state, &s, id, None, Some(e.to_string())).await,
    }
}

#[derive(Template)]
#[template(path = "merge.html")]
struct MergePage {
    chrome: Option<Chrome>,
    csrf: String,
    survivor_id: String,
    survivor: String,
    other_id: String,
    other: String,
    identities: Vec<String>,
    purchases: Vec<String>,
    events: Vec<Line>,
    notes: u64,
    event_count: u64,
    new_tags: String,
}

/// GET /customers/{id}/merge?other=ID: what would move.
pub async fn preview(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (Ok(id), Some(Ok(other))) = (
        id.parse::<CustomerId>(),
        params.get("other").map(|o| o.parse::<CustomerId>()),
    ) else {
        return not_found().await;
    };
    let p = match merge::preview(&state.app, &s.caller(), id, other).await {
        Ok(p) => p,
        Err(AppError::Invalid { message, .. }) => {
            return message_page(StatusCode::UNPROCESSABLE_ENTITY, "Cannot merge", &message);
        }
        Err(_) => return not_found().await,
    };
    let chrome = Chrome::of(&state, &s).await;
    render(
        StatusCode::OK,
        &MergePage {
            csrf: chrome.csrf.clone(),
            chrome: Some(chrome),
            survivor_id: p.survivor.id.to_string(),
            survivor: display_name(&p.survivor),
            other_id: p.other.id.to_string(),
            other: display_name(&p.other),
            identities: p
                .other
                .identities
                .iter()
                .map(|i| format!("{}:{}", i.kind, i.value))
                .collect(),
            purchases: p
                .purchases
                .iter()
                .map(|x| {
                    format!(
                        "{} — {} {} ({:?}, {})",
                        when(x.at),
                        x.product_name.clone().unwrap_or_else(|| x.product.clone()),
                        x.amount,
                        x.status,
                        x.external_id.clone().unwrap_or_default()
                    )
                })
                .collect(),
            events: p
                .events
                .iter()
                .map(|e| Line {
                    at: when(e.at),
                    summary: timeline::summary(e),
                })
                .collect(),
            notes: p.counts.notes,
            event_count: p.counts.events,
            new_tags: p.new_tags.join(", "),
        },
    )
}

/// The merge confirmation form.
#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    other: String,
}

/// POST /customers/{id}/merge
pub async fn confirm(
    State(state): State<WebState>,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<MergeForm>,
) -> Response {
    if let Some(r) = s.form_refusal(&form.csrf) {
        return r;
    }
    let (Ok(id), Ok(other)) = (id.parse::<CustomerId>(), form.other.parse::<CustomerId>()) else {
        return not_found().await;
    };
    match merge::merge(&state.app, &s.caller(), id, other).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}")).into_response(),
        Err(AppError::Forbidden(m)) => message_page(StatusCode::FORBIDDEN, "Not allowed", &m),
        Err(AppError::Invalid { message, .. }) => {
            message_page(StatusCode::UNPROCESSABLE_ENTITY, "Cannot merge", &message)
        }
        Err(_) => not_found().await,
    }
}

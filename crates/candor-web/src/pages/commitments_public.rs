//! The public commitments page anyone can read: the commitments in plain
//! words, beside each its figures over the last 7, 30 and 90 days, the
//! workspace's figures, and how each is computed.

use crate::pages::render;
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use candor_app::AppError;
use candor_app::commitments::{self as ops, PublicView};

/// One period's figures as the page shows them.
struct MeasuredRow {
    days: i64,
    conversations: String,
    first_replies: String,
    resolutions: String,
    median: String,
    p90: String,
    promises: String,
    breaches: String,
    redressed: String,
}

/// One commitment with its figures.
struct CommitmentRow {
    /// "email-normal", for the element's id.
    key: String,
    words: String,
    measured: Vec<MeasuredRow>,
}

#[derive(Template)]
#[template(path = "commitments/public.html")]
struct PublicPage<'a> {
    view: &'a PublicView,
    canonical: String,
    since: Option<String>,
    hours: String,
    redress: String,
    commitments: Vec<CommitmentRow>,
    measured: Vec<MeasuredRow>,
    method: Vec<(String, String)>,
}

fn share(v: &serde_json::Value) -> String {
    v.as_f64()
        .map(|x| format!("{:.0}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// A share with what it counts: "75% (3 of 4)".
fn share_of(v: &serde_json::Value, part: i64, whole: i64) -> String {
    match v.as_f64() {
        Some(_) => format!("{} ({part} of {whole})", share(v)),
        None => "—".into(),
    }
}

/// Business seconds in words: "1 h 23 min", "12 min".
fn duration_words(v: &serde_json::Value) -> String {
    let Some(secs) = v.as_i64() else {
        return "—".into();
    };
    let mins = (secs + 30) / 60;
    match (mins / 60, mins % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

const METHOD_LABELS: [(&str, &str); 9] = [
    ("conversations", "Conversations measured"),
    ("first_replies_within", "First replies in time"),
    ("resolutions_within", "Resolutions in time"),
    ("first_reply_median", "Median first reply"),
    ("first_reply_p90", "90% of first replies within"),
    ("promises_kept", "Promises kept"),
    ("breaches", "Misses"),
    ("breaches_redressed", "Misses redressed"),
    ("by_commitment", "Beside each commitment"),
];

/// GET /w/{slug}/commitments — public, no sign-in.
pub async fn public(State(state): State<WebState>, Path(slug): Path<String>) -> Response {
    let answer = match ops::public_answer(&state.app, &slug).await {
        Ok(a) => a,
        Err(AppError::NotFound) => return crate::pages::not_found().await,
        Err(e) => {
            tracing::error!(error = %e, "commitments page failed");
            return crate::pages::message_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Not available",
                "This page cannot be shown right now.",
            );
        }
    };
    let view = &answer.view;
    let measured = periods(&view.measured);
    let commitments = view
        .commitments
        .iter()
        .map(|c| CommitmentRow {
            key: format!("{}-{}", c.channel, c.priority),
            words: c.words.clone(),
            measured: periods(&c.measured),
        })
        .collect();
    let method = METHOD_LABELS
        .iter()
        .filter_map(|(key, label)| {
            view.method
                .get(*key)
                .and_then(|v| v.as_str())
                .map(|text| (label.to_string(), text.to_string()))
        })
        .collect();
    let base = state.config.public_url.clone().unwrap_or_default();
    let page = PublicPage {
        canonical: format!("{}/w/{}/commitments", base.trim_end_matches('/'), view.workspace.slug),
        since: view.since.map(|t| t.strftime("%Y-%m-%d").to_string()),
        hours: view.commitments.first().map(|c| c.hours.clone()).unwrap_or_default(),
        redress: view.commitments.first().map(|c| c.redress.clone()).unwrap_or_default(),
        commitments,
        measured,
        method,
        view,
    };
    let mut resp = render(StatusCode::OK, &page);
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=60"),
    );
    resp
}

fn periods(measured: &serde_json::Value) -> Vec<MeasuredRow> {
    candor_app::commitments_measure::PERIODS
        .iter()
        .map(|(name, days)| {
            let m = &measured[*name];
            let count = |k: &str| m[k].as_i64().unwrap_or(0);
            MeasuredRow {
                days: *days,
                conversations: count("conversations").to_string(),
                first_replies: share_of(
                    &m["first_replies_within"],
                    count("first_replies_in_time"),
                    count("first_replies_measured"),
                ),
                resolutions: share_of(
                    &m["resolutions_within"],
                    count("resolutions_in_time"),
                    count("resolutions_measured"),
                ),
                median: duration_words(&m["first_reply_median_seconds"]),
                p90: duration_words(&m["first_reply_p90_seconds"]),
                promises: if count("promises_made") == 0 {
                    "—".into()
                } else {
                    format!("{} of {} made", share(&m["promises_kept"]), count("promises_made"))
                },
                breaches: count("breaches").to_string(),
                redressed: if count("breaches") == 0 {
                    "—".into()
                } else {
                    format!("{} of {}", count("breaches_redressed"), count("breaches"))
                },
            }
        })
        .collect()
}

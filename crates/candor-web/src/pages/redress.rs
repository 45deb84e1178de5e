//! The redress page: every missed commitment and the redress owed, open
//! first, with a button to mark each done.

use crate::auth::StaffSession;
use crate::pages::pact::{RedressLine, in_zone, names};
use crate::pages::{Chrome, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use candor_app::breaches;
use candor_core::staff::Scope;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "redress.html")]
struct RedressPage {
    chrome: Option<Chrome>,
    csrf: String,
    can_act: bool,
    open: Vec<(RedressLine, String, String)>,
    done: Vec<(RedressLine, String, String)>,
    error: Option<String>,
}

/// GET /redress — missed commitments and the redress owed, open first.
pub async fn redress(
    State(state): State<WebState>,
    s: StaffSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let caller = s.caller();
    let calendar = candor_app::insight::workspace_calendar(&state.app, caller.workspace())
        .await
        .unwrap_or_else(|_| candor_app::insight::default_calendar("UTC"));
    let tz = calendar.time_zone().clone();
    let names = names(&state, &caller).await;
    let line = |r: candor_store::redress::Redress| {
        let conversation = r.conversation_id.to_string();
        (
            RedressLine {
                id: r.id.to_string(),
                clock: r.clock.replace('_', " "),
                due: in_zone(r.due_at, &tz),
                state: r.state.clone(),
                done: match (r.done_how, r.done_by.and_then(|u| names.get(&u))) {
                    (Some(how), Some(by)) => format!(
                        "{how} by {by}, {}",
                        r.done_at.map(|t| in_zone(t, &tz)).unwrap_or_default()
                    ),
                    (Some(how), None) => how,
                    _ => String::new(),
                },
                draft: r.draft.unwrap_or_default(),
            },
            conversation,
        )
    };
    let open = breaches::list(&state.app, &caller, Some("open"), None, 200).await;
    let done = breaches::list(&state.app, &caller, Some("done"), None, 100).await;
    let (open, done) = match (open, done) {
        (Ok(o), Ok(d)) => (o, d),
        (Err(e), _) | (_, Err(e)) => {
            return crate::pages::message_page(StatusCode::INTERNAL_SERVER_ERROR, "Error", &e.to_string());
        }
    };
    // Each row names its conversation by subject, so its button reads apart from the others.
    let mut subjects: HashMap<String, String> = HashMap::new();
    for r in open.iter().chain(done.iter()) {
        let key = r.conversation_id.to_string();
        if let std::collections::hash_map::Entry::Vacant(slot) = subjects.entry(key) {
            let subject = state
                .app
                .db
                .conversation(caller.workspace(), r.conversation_id)
                .await
                .map(|c| c.subject)
                .unwrap_or_default();
            let customer = candor_app::ingest::customer_name(&state.app, caller.workspace(), r.customer_id).await;
            slot.insert(format!("“{subject}” with {customer}"));
        }
    }
    let with_subject = |(l, c): (RedressLine, String)| {
        let subject = subjects.get(&c).cloned().unwrap_or_default();
        (l, c, subject)
    };
    let chrome = Chrome::of(&state, &s).await;
    render(
        StatusCode::OK,
        &RedressPage {
            csrf: chrome.csrf.clone(),
            chrome: Some(chrome),
            can_act: caller.require(Scope::Write).is_ok(),
            open: open.into_iter().map(line).map(with_subject).collect(),
            done: done.into_iter().map(line).map(with_subject).collect(),
            error: q.get("error").cloned(),
        },
    )
}

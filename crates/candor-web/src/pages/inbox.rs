//! The inbox: views (mine, breaching soon, unassigned, my teams, open, pending,
//! solved) with filters. The conversation page is in [`super::conversation`].
//! Forms post normally; inbox.js adds live updates and keyboard shortcuts.

use crate::auth::StaffSession;
use crate::pages::{Chrome, not_found, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use candor_app::conversations;
use candor_core::UserId;
use candor_core::conversation::{Channel, Priority, Status};
use candor_store::conversations::{Cursor, Filter};
use std::collections::HashMap;

/// The views of the inbox: key, label.
pub const VIEWS: [(&str, &str); 9] = [
    ("mine", "Mine"),
    ("breaching", "Breaching soon"),
    ("reach-out", "Reach out first"),
    ("falling", "Trust falling"),
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
    alerts: Vec<AlertLine>,
    trust_alerts: Vec<crate::pages::trust::AlertLine>,
    csrf: String,
}

/// A social alert as the "Reach out first" view lists it.
pub struct AlertLine {
    id: String,
    reasons: Vec<(String, String)>,
    platform: String,
    author: String,
    handle: String,
    text: String,
    post_url: String,
    posted: String,
    sentiment: String,
    customer: Option<(String, String)>,
}

/// Open alerts, one line per mention (a mention several rules fired on shows their reasons together).
async fn alert_lines(state: &WebState, caller: &candor_app::Caller) -> Result<Vec<AlertLine>, String> {
    let (alerts, _) = candor_app::social::alerts::open(&state.app, caller, None, 100)
        .await
        .map_err(|e| e.to_string())?;
    let mut lines: Vec<AlertLine> = Vec::new();
    let mut mentions: Vec<String> = Vec::new();
    for a in alerts {
        if let Some(i) = mentions.iter().position(|m| *m == a.mention.id) {
            lines[i].reasons.push((a.rule, a.reason));
            continue;
        }
        mentions.push(a.mention.id.clone());
        lines.push(AlertLine {
            id: a.id,
            reasons: vec![(a.rule, a.reason)],
            platform: a.mention.platform,
            author: a.mention.author_name,
            handle: a.mention.author_handle,
            text: a.mention.text,
            post_url: a.mention.post_url,
            posted: a
                .mention
                .posted_at
                .parse::<jiff::Timestamp>()
                .map(when)
                .unwrap_or_default(),
            sentiment: a.mention.sentiment_label.to_string(),
            customer: a
                .mention
                .customer_id
                .map(|id| (id, a.customer_name.unwrap_or_default())),
        });
    }
    Ok(lines)
}

/// A time as the inbox pages show it (UTC).
pub(super) fn when(t: jiff::Timestamp) -> String {
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
        // Social alerts and trust alerts, not conversations: listed below.
        "reach-out" | "falling" => Filter::default(),
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
    let (alerts, alert_error) = if view == "reach-out" {
        match alert_lines(&state, &caller).await {
            Ok(a) => (a, None),
            Err(e) => (Vec::new(), Some(e)),
        }
    } else {
        (Vec::new(), None)
    };
    let (trust_alerts, trust_error) = if view == "falling" {
        match crate::pages::trust::alert_lines(&state, &caller).await {
            Ok(a) => (a, None),
            Err(e) => (Vec::new(), Some(e)),
        }
    } else {
        (Vec::new(), None)
    };
    let listed = if view == "reach-out" || view == "falling" {
        Ok(candor_store::conversations::Page {
            items: Vec::new(),
            next: None,
        })
    } else {
        conversations::list(&state.app, &caller, &filter, after, 50).await
    };
    let (rows, next, error) = match listed {
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
            error: error.or(alert_error).or(trust_error),
            alerts,
            trust_alerts,
            csrf: s.session.csrf_token.clone(),
        },
    )
}

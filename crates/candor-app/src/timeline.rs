//! The 360° timeline: everything about a customer from the event log, newest
//! first, each entry with a sentence for people.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::events::kind;
use candor_core::staff::Scope;
use candor_core::{CustomerId, EventId};
use candor_store::events::Event;
use serde::Serialize;
use serde_json::Value;

/// One timeline entry, as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// The event's id (also the cursor).
    pub id: EventId,
    /// When.
    pub at: jiff::Timestamp,
    /// What happened.
    pub kind: String,
    /// A sentence for people.
    pub summary: String,
    /// What it happened to.
    pub subject: candor_core::events::Subject,
    /// The event's details.
    pub data: Value,
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// "2026-03-06T17:00:00Z" as "2026-03-06 17:00 UTC".
fn short_time(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The sentence for an event.
pub fn summary(e: &Event) -> String {
    let p = &e.payload;
    match e.kind.as_str() {
        kind::CUSTOMER_CREATED => match s(p, "source") {
            "" => "Customer created".into(),
            src => format!("Customer created ({src})"),
        },
        kind::CUSTOMER_UPDATED => {
            let fields: Vec<&str> = p
                .get("changed")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!("Profile changed: {}", fields.join(", "))
        }
        kind::CUSTOMER_IDENTITY_ADDED => format!("Identity added: {}", s(p, "identity")),
        kind::CUSTOMER_IDENTITY_REMOVED => format!("Identity removed: {}", s(p, "identity")),
        kind::CUSTOMER_NOTE_ADDED => format!("Note: {}", excerpt(s(p, "body"), 120)),
        kind::CUSTOMER_MERGED => {
            let moved = &p["moved"];
            let name = match s(p, "other_name") {
                "" => "another customer".to_string(),
                n => n.to_string(),
            };
            format!(
                "Merged {name} into this customer ({} identities, {} purchases, {} notes moved)",
                moved["identities"], moved["purchases"], moved["notes"]
            )
        }
        kind::PURCHASE_RECORDED => {
            let product = match s(p, "product_name") {
                "" => s(p, "product"),
                n => n,
            };
            let status = match s(p, "status") {
                "paid" => String::new(),
                other => format!(" ({other})"),
            };
            let on: String = s(p, "at").chars().take(10).collect();
            let on = if on.is_empty() { on } else { format!(" on {on}") };
            format!(
                "Bought {product} for {} {}{on}{status}",
                s(p, "amount"),
                s(p, "currency")
            )
        }
        kind::CONVERSATION_CREATED => format!("Conversation opened on {}: {}", s(p, "channel"), s(p, "subject")),
        kind::MESSAGE_RECEIVED => format!("Wrote on {}: {}", s(p, "channel"), excerpt(s(p, "excerpt"), 120)),
        kind::MESSAGE_SENT => format!("{} replied: {}", s(p, "author"), excerpt(s(p, "excerpt"), 120)),
        kind::NOTE_ADDED => format!("Internal note by {}: {}", s(p, "author"), excerpt(s(p, "excerpt"), 120)),
        kind::CONVERSATION_STATUS_CHANGED => format!(
            "Conversation \"{}\" {} → {}",
            excerpt(s(p, "subject"), 60),
            s(p, "from"),
            s(p, "to")
        ),
        kind::COMMITMENT_RETARGETED => match p.get("measured").and_then(|m| m.as_bool()) {
            Some(false) => format!(
                "Priority {} has no commitment: the running clocks are no longer measured",
                s(p, "to")
            ),
            _ => format!("Clocks moved to the commitment for {} priority", s(p, "to")),
        },
        kind::COMMITMENT_BREACHED => format!(
            "We missed our commitment of {} on \"{}\"",
            s(p, "missed"),
            excerpt(s(p, "subject"), 60)
        ),
        kind::REDRESS_DONE => format!(
            "Redress for a missed commitment done ({}) by {}",
            s(p, "how"),
            s(p, "by")
        ),
        kind::PROMISE_MADE => {
            let again = match s(p, "reason") {
                "" => String::new(),
                r => format!(" (made again: {})", excerpt(r, 80)),
            };
            format!(
                "{} promised: {} — due {}{again}",
                s(p, "owner"),
                excerpt(s(p, "description"), 100),
                short_time(s(p, "due_at"))
            )
        }
        kind::PROMISE_KEPT => match s(p, "how") {
            "reply sent" => format!("Promise kept by a reply: {}", excerpt(s(p, "description"), 100)),
            _ => format!("Promise kept: {}", excerpt(s(p, "description"), 100)),
        },
        kind::PROMISE_BROKEN => format!(
            "Promise broken (due {}): {}",
            short_time(s(p, "due_at")),
            excerpt(s(p, "description"), 100)
        ),
        kind::CALL_LOGGED => {
            let secs = p["duration"].as_i64().unwrap_or(0);
            let callback = match s(p, "callback_due_at") {
                "" => String::new(),
                due => format!(" — call-back due {}", short_time(due)),
            };
            format!(
                "{} call, {}, {}{callback}",
                capitalised(s(p, "direction")),
                s(p, "status"),
                candor_core::phone::duration_words(secs)
            )
        }
        kind::MENTION_RECEIVED => format!(
            "Mentioned us on {}: {}",
            s(p, "author").split(':').next().unwrap_or(""),
            excerpt(s(p, "excerpt"), 120)
        ),
        kind::SOCIAL_ALERT_RAISED => format!("Social alert \"{}\": {}", s(p, "rule"), s(p, "reason")),
        kind::SOCIAL_ALERT_HANDLED => format!("Social alert handled: {}", s(p, "how").replace('-', " ")),
        k if k.starts_with("trust.") => crate::trust::summary(k, p),
        other => other.replace(['.', '_'], " "),
    }
}

fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A page of a customer's timeline, newest first, before `before`.
pub async fn timeline(
    app: &App,
    caller: &Caller,
    id: CustomerId,
    before: Option<EventId>,
    limit: u32,
) -> AppResult<(Vec<Entry>, Option<EventId>)> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let c = app.db.customer(ws, id).await?;
    if let Some(s) = c.merged_into {
        return Err(AppError::Merged(s));
    }
    let page = app.db.events_for_customer(ws, id, before, limit).await?;
    let items = page
        .items
        .into_iter()
        .map(|e| Entry {
            id: e.id,
            at: e.at,
            summary: summary(&e),
            kind: e.kind,
            subject: e.subject,
            data: e.payload,
        })
        .collect();
    Ok((items, page.next))
}

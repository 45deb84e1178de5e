//! `deliver.chat`: an agent's reply on a chat conversation. A connected
//! widget (on any node) is pushed the reply as soon as it is stored — it
//! hears `message.created` — and marks it delivered; this job says
//! `chat.deliver` once more for the widget (in case that update was missed)
//! and, when the customer has an email address, queues the reply by email
//! a little later: the email job sends only a reply still undelivered by
//! then, so a visitor who left is answered by email and one who stayed is
//! not written to twice. A reply nobody has received stays queued; the
//! widget fetches it when it connects again.

use crate::context::App;
use crate::live::{LiveEvent, publish};
use crate::worker::{JobResult, Worker};
use candor_core::conversation::{Delivery, MessageKind};
use candor_core::identity::IdentityKind;
use candor_core::{ConversationId, MessageId};
use candor_store::jobs::{ClaimedJob, NewJob};
use jiff::SignedDuration;
use serde_json::json;

/// The job kind of agents' replies on the chat channel.
pub const DELIVER_JOB: &str = "deliver.chat";
/// The job kind that sends a reply by email (candor-email's handler).
pub const EMAIL_JOB: &str = "deliver.email";
/// How long a reply waits for the widget before it goes by email instead.
pub const EMAIL_AFTER: SignedDuration = SignedDuration::from_secs(120);

/// Registers the `deliver.chat` handler.
pub fn register_jobs(worker: &mut Worker) {
    worker.register(DELIVER_JOB, deliver);
}

fn id_of<T: std::str::FromStr>(job: &ClaimedJob, key: &str) -> Result<T, String> {
    job.payload
        .get(key)
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("the job names no {key}"))
}

/// Whether a conversation's thread was opened by the widget (conversations
/// opened otherwise on the chat channel, e.g. imported, have no widget).
pub fn widget_thread(thread_ref: Option<&str>) -> bool {
    thread_ref.is_some_and(|t| t.starts_with("v:") || t.starts_with("u:"))
}

/// The `deliver.chat` handler.
pub async fn deliver(app: App, job: ClaimedJob) -> JobResult {
    let ws = job.workspace_id.ok_or("the job names no workspace")?;
    let message: MessageId = id_of(&job, "message_id")?;
    let conversation: ConversationId = id_of(&job, "conversation_id")?;
    let m = app.db.message(ws, message).await.map_err(|e| e.to_string())?;
    if m.kind != MessageKind::Outbound || m.delivery != Some(Delivery::Queued) {
        return Ok(());
    }
    let conv = app.db.conversation(ws, conversation).await.map_err(|e| e.to_string())?;
    if !widget_thread(conv.thread_ref.as_deref()) {
        // No widget will ever ask for it: it stays queued, as the page shows.
        return Ok(());
    }
    publish(&app, LiveEvent::conversation(ws, "chat.deliver", conversation)).await;
    let customer = app.db.customer(ws, conv.customer_id).await.map_err(|e| e.to_string())?;
    if customer.identities.iter().any(|i| i.kind == IdentityKind::Email) {
        let now = app.now();
        let mut j = NewJob::now(
            EMAIL_JOB,
            json!({"message_id": message, "conversation_id": conversation}),
            now + EMAIL_AFTER,
        );
        j.workspace_id = Some(ws);
        j.max_attempts = 20;
        j.dedupe_key = Some(format!("chat-email:{message}"));
        app.db.enqueue(now, j).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

//! The community's emails as `candor_app::community::mail` words them and
//! `Tx::queue_email` records them: each one an outbox row (its `email.send`
//! job ran and is gone, so the row says "sent").

use crate::datagen::V;
use candor_app::community::mail::follower_email;
use candor_app::community::{absolute, topic_path};
use candor_core::ids::uuid_v7_at;
use jiff::{SignedDuration, Timestamp};

/// The public address the emails link to.
pub const BASE_URL: &str = "https://help.bench.example";

/// The columns of `outbox`.
pub const OUTBOX_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "job_id",
    "purpose",
    "to_address",
    "subject",
    "text_body",
    "html_body",
    "state",
    "created_at",
    "updated_at",
];

/// One email: purpose, subject, the text as recorded, the HTML as recorded.
pub struct Email {
    /// "community.reply", "community.status" or "community.sign_in".
    pub purpose: &'static str,
    /// The subject line.
    pub subject: String,
    /// The plain text the outbox keeps.
    pub text: String,
    /// The HTML the outbox keeps (none when the text held a secret).
    pub html: String,
}

pub use candor_app::community::mail::News;

/// The email `notify_followers` sends each follower of a topic.
pub fn news(community: &str, ws_slug: &str, topic_slug: &str, title: &str, news: &News<'_>) -> Email {
    let url = absolute(BASE_URL, &topic_path(ws_slug, topic_slug));
    let mail = follower_email(community, &url, title, news);
    Email {
        purpose: mail.purpose,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
    }
}

/// The sign-in email as the outbox records it: the link left out, and no
/// HTML (which held the link).
pub fn sign_in(community: &str) -> Email {
    let link = "[the sign-in link is left out of the outbox]";
    Email {
        purpose: "community.sign_in",
        subject: format!("Sign in to the {community} community"),
        text: format!(
            "Hello,\n\nsomeone (we hope you) asked to sign in to the {community} community with this address.\n\n\
             Sign in: {link}\n\nThe link works once, within 30 minutes. If you did not ask, ignore this email: \
             nothing happens without the link.\n"
        ),
        html: String::new(),
    }
}

/// The outbox row of an email to `to` queued at `at` and sent `sent_after` later.
pub fn outbox_row(ws: uuid::Uuid, to: &str, e: &Email, at: Timestamp, sent_after: SignedDuration) -> Vec<V> {
    let sent = at + sent_after;
    vec![
        V::Uuid(uuid_v7_at(at)),
        V::Uuid(ws),
        V::OptUuid(Some(uuid_v7_at(at))),
        V::Text(e.purpose.into()),
        V::Text(to.into()),
        V::Text(e.subject.clone()),
        V::Text(e.text.clone()),
        V::Text(e.html.clone()),
        V::Text("sent".into()),
        V::Int(at.as_microsecond()),
        V::Int(sent.as_microsecond()),
    ]
}

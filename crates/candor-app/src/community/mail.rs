//! The community's emails: the sign-in link and news for followers. Each is
//! queued as an `email.send` job in the transaction of the change and
//! recorded in the outbox; the mail transport consumes the jobs. Until one is
//! configured, `candor serve` holds them (see [`hold_without_transport`]).

use super::markdown::escape;
use super::{absolute, topic_path};
use crate::context::App;
use crate::error::AppResult;
use crate::worker::JobResult;
use candor_core::CustomerId;
use candor_core::WorkspaceId;
use candor_store::Tx;
use candor_store::community::Topic;
use candor_store::jobs::ClaimedJob;
use candor_store::outbox::NewEmail;
use candor_store::staff::Workspace;

/// Where links in emails point.
#[derive(Clone, Debug)]
pub struct Site<'a> {
    /// The public base URL, e.g. https://support.example.com.
    pub base_url: &'a str,
    /// The workspace.
    pub workspace: &'a Workspace,
}

fn footer(topic_url: &str) -> String {
    format!("You get this because you follow this topic. To stop, open {topic_url} and choose \"Unfollow\".")
}

async fn queue(tx: &mut Tx, app: &App, ws: WorkspaceId, e: NewEmail<'_>) -> AppResult<()> {
    let id = tx.queue_email(app.now(), ws, &e).await?;
    // Never the body: it may hold a sign-in link.
    tracing::info!(outbox = %id, purpose = e.purpose, "an email is waiting in the outbox");
    Ok(())
}

/// Queues the sign-in link. The outbox records the message without the link.
pub async fn queue_sign_in(tx: &mut Tx, app: &App, site: &Site<'_>, to: &str, link: &str) -> AppResult<()> {
    let name = &site.workspace.name;
    let subject = format!("Sign in to the {name} community");
    let body = |link: &str| {
        format!(
            "Hello,\n\nsomeone (we hope you) asked to sign in to the {name} community with this address.\n\n\
             Sign in: {link}\n\nThe link works once, within 30 minutes. If you did not ask, ignore this email: \
             nothing happens without the link.\n"
        )
    };
    let text = body(link);
    let recorded = body("[the sign-in link is left out of the outbox]");
    let html = format!(
        "<p>Hello,</p><p>someone (we hope you) asked to sign in to the {n} community with this address.</p>\
         <p><a href=\"{l}\">Sign in</a></p><p>The link works once, within 30 minutes. If you did not ask, ignore \
         this email: nothing happens without the link.</p>",
        n = escape(name),
        l = escape(link)
    );
    queue(
        tx,
        app,
        site.workspace.id,
        NewEmail {
            purpose: "community.sign_in",
            to,
            subject: &subject,
            text: &text,
            html: &html,
            recorded_text: &recorded,
        },
    )
    .await
}

/// What followers are told about.
#[derive(Clone, Debug)]
pub enum News<'a> {
    /// A new reply.
    Reply {
        /// The author's name.
        author: &'a str,
        /// A staff author's role, when the reply is official.
        official_role: Option<&'a str>,
        /// The reply as Markdown.
        body: &'a str,
        /// The reply as sanitised HTML.
        body_html: &'a str,
    },
    /// A status change.
    Status {
        /// The status in words.
        label: &'a str,
        /// The candid note.
        note: &'a str,
        /// The note as sanitised HTML.
        note_html: &'a str,
        /// Who set it.
        author: &'a str,
    },
}

/// A follower email's words.
#[derive(Clone, Debug)]
pub struct FollowerEmail {
    /// "community.reply" or "community.status".
    pub purpose: &'static str,
    /// The subject line.
    pub subject: String,
    /// The plain text.
    pub text: String,
    /// The HTML.
    pub html: String,
}

/// What a follower is told about `news` on the topic `title` at `url`.
pub fn follower_email(community: &str, url: &str, title: &str, news: &News<'_>) -> FollowerEmail {
    match news {
        News::Reply {
            author,
            official_role,
            body,
            body_html,
        } => {
            let who = match official_role {
                Some(role) => format!("{author} ({role}, official reply)"),
                None => author.to_string(),
            };
            FollowerEmail {
                purpose: "community.reply",
                subject: format!("[{community}] New reply: {title}"),
                text: format!(
                    "{who} replied to \"{title}\":\n\n{body}\n\nRead and reply: {url}\n\n{}\n",
                    footer(url)
                ),
                html: format!(
                    "<p><strong>{}</strong> replied to <a href=\"{}\">{}</a>:</p>{body_html}<p><a href=\"{}\">Read and reply</a></p><p>{}</p>",
                    escape(&who),
                    escape(url),
                    escape(title),
                    escape(url),
                    escape(&footer(url))
                ),
            }
        }
        News::Status {
            label,
            note,
            note_html,
            author,
        } => FollowerEmail {
            purpose: "community.status",
            subject: format!("[{community}] {label}: {title}"),
            text: format!(
                "{author} set \"{title}\" to {label}:\n\n{note}\n\nSee the topic: {url}\n\n{}\n",
                footer(url)
            ),
            html: format!(
                "<p><strong>{}</strong> set <a href=\"{}\">{}</a> to <strong>{}</strong>:</p>{note_html}<p>{}</p>",
                escape(author),
                escape(url),
                escape(title),
                escape(label),
                escape(&footer(url))
            ),
        },
    }
}

/// Tells every follower of `topic` (except `skip`, who caused the news).
pub async fn notify_followers(
    tx: &mut Tx,
    app: &App,
    site: &Site<'_>,
    topic: &Topic,
    news: News<'_>,
    skip: Option<CustomerId>,
) -> AppResult<usize> {
    let followers = tx.followers_of(site.workspace.id, topic.id).await?;
    let url = absolute(site.base_url, &topic_path(&site.workspace.slug, &topic.slug));
    let mail = follower_email(&site.workspace.name, &url, &topic.title, &news);
    let mut sent = 0;
    for f in followers.iter().filter(|f| Some(f.customer_id) != skip) {
        queue(
            tx,
            app,
            site.workspace.id,
            NewEmail {
                purpose: mail.purpose,
                to: &f.email,
                subject: &mail.subject,
                text: &mail.text,
                html: &mail.html,
                recorded_text: &mail.text,
            },
        )
        .await?;
        sent += 1;
    }
    Ok(sent)
}

/// The `email.send` handler for a Candor without a mail transport: it logs
/// that a message waits (never its body, which may hold a sign-in link) and
/// marks it "held" in the outbox, where staff can see it. The mail transport,
/// when configured, registers its own handler for the same job kind.
pub async fn hold_without_transport(app: App, job: ClaimedJob) -> JobResult {
    let id = job
        .payload
        .get("outbox_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<uuid::Uuid>().ok());
    let purpose = job.payload.get("purpose").and_then(|v| v.as_str()).unwrap_or("");
    tracing::info!(job = %job.id, purpose, "no mail transport is configured: the email is held in the outbox");
    if let Some(id) = id {
        app.db
            .mark_outbox(app.now(), id, "held")
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

//! Following a community topic, end to end through a real SMTP server: a
//! customer follows, staff answer officially and change the status, and the
//! follower receives both emails from the workspace's mailbox; after
//! unfollowing, nothing more arrives.

mod common;

use candor_app::community::mail::Site;
use candor_app::community::posting::{TopicInput, post_topic_for, set_following};
use candor_app::community::staff::{StaffReplyInput, StatusInput, reply_as_staff, set_status};
use candor_app::reference::CustomerByIdentity;
use candor_email::mailboxes;
use candor_email::settings::MailboxInput;
use candor_email::testing::SmtpSink;
use candor_store::both_backends;
use common::Setup;
use mail_parser::MessageParser;

fn mailbox(smtp_port: u16) -> MailboxInput {
    MailboxInput {
        name: "Support".into(),
        address: "support@northwind.example".into(),
        imap_host: "127.0.0.1".into(),
        imap_port: Some(1),
        imap_tls: Some("none".into()),
        imap_user: "support".into(),
        imap_password: "unused here".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: Some(u32::from(smtp_port)),
        smtp_tls: Some("none".into()),
        enabled: Some(true),
        ..Default::default()
    }
}

async fn drain(s: &Setup) {
    s.send_queued().await;
}

async fn followers_get_replies_and_status_by_email(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let ws = s.workspace.id;
    let sink = SmtpSink::start();
    let caller = s.caller();
    mailboxes::create(&s.app, &caller, &mailbox(sink.port))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let topic = post_topic_for(
        &s.app,
        &caller,
        &TopicInput {
            customer: Some(CustomerByIdentity {
                kind: "email".into(),
                value: "jane@example.com".into(),
                name: Some("Jane Doe".into()),
            }),
            kind: "problem".into(),
            title: "The bell rattles <loudly>".into(),
            body: "Since Monday.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    set_following(&s.app, ws, topic.customer_id, "jane@example.com", topic.id, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let site = Site {
        base_url: "https://support.northwind.example",
        workspace: &s.workspace,
    };
    let reply = StaffReplyInput {
        body: "A loose screw: **tighten** it a quarter turn.".into(),
        official: true,
    };
    reply_as_staff(&s.app, &caller, &site, topic.id, &reply)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = StatusInput {
        status: Some("in-progress".into()),
        status_note: Some("We are changing the screw in the next batch.".into()),
    };
    set_status(&s.app, &caller, &site, topic.id, &status)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    drain(&s).await;

    let got = sink.received();
    assert_eq!(got.len(), 2, "one email per piece of news");
    let parsed: Vec<_> = got
        .iter()
        .map(|m| {
            MessageParser::default()
                .parse(&m.data)
                .unwrap_or_else(|| panic!("unreadable"))
        })
        .collect();
    for (m, p) in got.iter().zip(&parsed) {
        assert_eq!(m.to, vec!["jane@example.com".to_string()]);
        assert!(p.from().and_then(|f| f.first()).and_then(|a| a.address()) == Some("support@northwind.example"));
        let text = p.body_text(0).unwrap_or_default();
        assert!(
            text.contains("https://support.northwind.example/w/northwind-cycles/community/t/"),
            "{text}"
        );
        assert!(text.contains("Unfollow"), "{text}");
    }
    let reply_mail = &parsed[0];
    assert_eq!(
        reply_mail.subject(),
        Some("[Northwind Cycles] New reply: The bell rattles <loudly>")
    );
    assert!(reply_mail.body_text(0).unwrap_or_default().contains("Maya Brandt"));
    let html = reply_mail.body_html(0).unwrap_or_default();
    assert!(html.contains("<strong>tighten</strong>"), "{html}");
    assert!(
        html.contains("The bell rattles &lt;loudly&gt;"),
        "the title is escaped: {html}"
    );
    assert!(html.contains("official reply"), "{html}");
    let status_mail = &parsed[1];
    assert!(status_mail.subject().unwrap_or_default().contains("The bell rattles"));
    assert!(
        status_mail
            .body_text(0)
            .unwrap_or_default()
            .contains("We are changing the screw in the next batch.")
    );
    let outbox = s.app.db.outbox(ws, 10).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(outbox.len(), 2);
    assert!(outbox.iter().all(|o| o.state == "sent"), "{outbox:?}");

    // After unfollowing, news reaches nobody.
    set_following(&s.app, ws, topic.customer_id, "jane@example.com", topic.id, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    reply_as_staff(&s.app, &caller, &site, topic.id, &reply)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    drain(&s).await;
    assert_eq!(sink.received().len(), 2);
}

both_backends!(follow, followers_get_replies_and_status_by_email);

//! Agent replies leave through the job queue to a real SMTP server with the
//! headers a mail program threads by; the customer's answer to them threads
//! back; temporary refusals retry, permanent ones mark the message failed
//! with the server's words; Candor's own emails go out the same way.

mod common;

use candor_app::conversations::{add_message, add_message_with_files, full};
use candor_app::files::Upload;
use candor_app::worker::{Step, Worker};
use candor_core::conversation::Delivery;
use candor_email::inbound::{Source, receive};
use candor_email::mailboxes;
use candor_email::settings::MailboxInput;
use candor_email::testing::SmtpSink;
use candor_store::both_backends;
use candor_store::outbox::NewEmail;
use common::Setup;
use mail_parser::{MessageParser, MimeHeaders};

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
        enabled: Some(false),
        ..Default::default()
    }
}

fn worker(s: &Setup) -> Worker {
    s.mail_worker()
}

async fn replies_go_out_threaded(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let ws = s.workspace.id;
    let sink = SmtpSink::start();
    let caller = s.caller();
    let mut input = mailbox(sink.port);
    input.enabled = Some(true);
    mailboxes::create(&s.app, &caller, &input)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let first = "From: Jane Doe <jane@example.com>\r\nSubject: Broken bell\r\nMessage-ID: <c1@example.com>\r\n\r\nIt rattles.\r\n";
    let r = receive(&s.app, ws, first.as_bytes(), Source::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let conv = r.conversation_id;
    let reply = add_message(
        &s.app,
        &caller,
        conv,
        "outbound",
        "Please tighten the screw under the bell.",
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reply.delivery, Some(Delivery::Queued));
    let steps = worker(&s).drain().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(steps, vec![Step::Completed("deliver.email".into())]);

    let got = sink.received();
    assert_eq!(got.len(), 1, "the SMTP server received the reply");
    assert_eq!(got[0].to, vec!["jane@example.com".to_string()]);
    let sent = MessageParser::default()
        .parse(&got[0].data)
        .unwrap_or_else(|| panic!("unreadable"));
    let from = sent.from().and_then(|f| f.first()).unwrap_or_else(|| panic!("no From"));
    assert_eq!(from.name(), Some("Maya Brandt at Northwind Cycles"));
    assert_eq!(from.address(), Some("support@northwind.example"));
    assert_eq!(
        sent.reply_to().and_then(|r| r.first()).and_then(|a| a.address()),
        Some("support@northwind.example")
    );
    let own_id = format!("{}@northwind.example", reply.id);
    assert_eq!(sent.message_id(), Some(own_id.as_str()));
    assert_eq!(sent.in_reply_to().as_text(), Some("c1@example.com"));
    let refs = sent.header_raw("References").unwrap_or("");
    assert!(refs.contains("<c1@example.com>"), "{refs}");
    let subject = sent.subject().unwrap_or("").to_string();
    assert!(
        subject.starts_with("Re: Broken bell [#") && subject.ends_with(']'),
        "{subject}"
    );
    let text = sent.body_text(0).unwrap_or_default().to_string();
    assert!(
        text.contains("tighten the screw") && text.contains("— Maya Brandt"),
        "{text}"
    );
    assert!(
        sent.body_html(0).is_some_and(|h| h.contains("tighten the screw")),
        "an HTML part"
    );

    let view = full(&s.app, &caller, conv).await.unwrap_or_else(|e| panic!("{e}"));
    let shown = view
        .messages
        .unwrap_or_default()
        .into_iter()
        .find(|m| m.id == reply.id)
        .unwrap_or_else(|| panic!());
    assert_eq!(shown.delivery, Some(Delivery::Sent));
    assert!(
        shown.delivery_detail.unwrap_or_default().starts_with("250"),
        "the server's answer is kept"
    );

    // The customer answers the reply: it threads back by In-Reply-To.
    let answer = format!(
        "From: jane@example.com\r\nSubject: Re: something else\r\nMessage-ID: <c2@example.com>\r\nIn-Reply-To: <{own_id}>\r\n\r\nDone, thanks!\r\n"
    );
    let r2 = receive(&s.app, ws, answer.as_bytes(), Source::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r2.conversation_id, conv);
    // And by the token alone, from a mail program that drops headers.
    let token = subject
        .trim_end_matches(']')
        .rsplit("[#")
        .next()
        .unwrap_or("")
        .to_string();
    let bare = format!(
        "From: jane@example.com\r\nSubject: Re: Broken bell [#{token}]\r\nMessage-ID: <c3@example.com>\r\n\r\nOne more thing.\r\n"
    );
    let r3 = receive(&s.app, ws, bare.as_bytes(), Source::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r3.conversation_id, conv);

    // A second reply carries the whole thread in References, and its files.
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let files = [Upload {
        filename: "Mounting guide (v2).pdf".into(),
        bytes: pdf.clone(),
    }];
    add_message_with_files(&s.app, &caller, conv, "outbound", "Glad it works.", &files)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    worker(&s).drain().await.unwrap_or_else(|e| panic!("{e}"));
    let second = MessageParser::default()
        .parse(&sink.received()[1].data)
        .unwrap_or_else(|| panic!())
        .into_owned();
    let refs = second.header_raw("References").unwrap_or("").to_string();
    for id in ["c1@example.com", own_id.as_str(), "c2@example.com", "c3@example.com"] {
        assert!(refs.contains(id), "{id} in {refs}");
    }
    assert_eq!(second.in_reply_to().as_text(), Some("c3@example.com"));
    assert!(second.body_text(0).is_some_and(|t| t.contains("Glad it works.")));
    let attached: Vec<_> = second.attachments().collect();
    assert_eq!(attached.len(), 1, "the file goes with the reply");
    assert_eq!(attached[0].attachment_name(), Some("Mounting guide (v2).pdf"));
    assert_eq!(attached[0].contents(), pdf.as_slice());
    assert_eq!(
        attached[0]
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""))),
        Some("application/pdf".to_string())
    );
}

async fn refusals_retry_or_fail_with_the_servers_words(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let ws = s.workspace.id;
    let sink = SmtpSink::start();
    let caller = s.caller();
    let mut input = mailbox(sink.port);
    input.enabled = Some(true);
    let mb = mailboxes::create(&s.app, &caller, &input)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let first = "From: jane@example.com\r\nSubject: Hi\r\nMessage-ID: <r1@example.com>\r\n\r\nHello\r\n";
    let conv = receive(&s.app, ws, first.as_bytes(), Source::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .conversation_id;
    let w = worker(&s);

    sink.refuse(Some((451, "4.3.0 try again later")));
    let m = add_message(&s.app, &caller, conv, "outbound", "First try")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        w.step().await.unwrap_or_else(|e| panic!("{e}")),
        Step::Retrying("deliver.email".into())
    );
    let after = s
        .app
        .db
        .message(ws, m.id.parse().unwrap_or_else(|_| panic!()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.delivery, Some(Delivery::Queued), "still on its way");
    sink.refuse(None);
    assert_eq!(
        w.step().await.unwrap_or_else(|e| panic!("{e}")),
        Step::Empty,
        "waits for its backoff"
    );
    s.clock.advance(jiff::SignedDuration::from_secs(5));
    assert_eq!(
        w.step().await.unwrap_or_else(|e| panic!("{e}")),
        Step::Completed("deliver.email".into())
    );
    assert_eq!(sink.received().len(), 1);

    sink.refuse(Some((550, "5.1.1 mailbox unknown")));
    let m = add_message(&s.app, &caller, conv, "outbound", "Second")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        w.step().await.unwrap_or_else(|e| panic!("{e}")),
        Step::Completed("deliver.email".into())
    );
    let view = full(&s.app, &caller, conv).await.unwrap_or_else(|e| panic!("{e}"));
    let shown = view
        .messages
        .unwrap_or_default()
        .into_iter()
        .find(|x| x.id == m.id)
        .unwrap_or_else(|| panic!());
    assert_eq!(shown.delivery, Some(Delivery::Failed));
    let detail = shown.delivery_detail.unwrap_or_default();
    assert!(detail.contains("550") && detail.contains("mailbox unknown"), "{detail}");
    assert_eq!(
        w.step().await.unwrap_or_else(|e| panic!("{e}")),
        Step::Empty,
        "no retry after a permanent refusal"
    );

    // Without a mailbox that sends, the reply fails saying so.
    sink.refuse(None);
    mailboxes::delete(&s.app, &caller, mb.id.parse().unwrap_or_else(|_| panic!()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let m = add_message(&s.app, &caller, conv, "outbound", "Third")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    w.drain().await.unwrap_or_else(|e| panic!("{e}"));
    let view = full(&s.app, &caller, conv).await.unwrap_or_else(|e| panic!("{e}"));
    let shown = view
        .messages
        .unwrap_or_default()
        .into_iter()
        .find(|x| x.id == m.id)
        .unwrap_or_else(|| panic!());
    assert_eq!(shown.delivery, Some(Delivery::Failed));
    assert!(shown.delivery_detail.unwrap_or_default().contains("no mailbox"));
}

async fn candors_own_emails_use_the_mailbox(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let ws = s.workspace.id;
    let sink = SmtpSink::start();
    let caller = s.caller();
    // Before any mailbox, an email is held in the outbox, as before.
    let queue = |subject: &'static str| {
        let app = s.app.clone();
        async move {
            let mut tx = app.db.begin().await.unwrap_or_else(|e| panic!("{e}"));
            let id = tx
                .queue_email(
                    app.now(),
                    ws,
                    &NewEmail {
                        purpose: "community.reply",
                        to: "reader@example.com",
                        subject,
                        text: "A new reply.",
                        html: "<p>A new reply.</p>",
                        recorded_text: "A new reply.",
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
            id
        }
    };
    queue("Held").await;
    worker(&s).drain().await.unwrap_or_else(|e| panic!("{e}"));
    let outbox = s.app.db.outbox(ws, 10).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(outbox[0].state, "held");
    let mut input = mailbox(sink.port);
    input.enabled = Some(true);
    mailboxes::create(&s.app, &caller, &input)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    queue("News").await;
    worker(&s).drain().await.unwrap_or_else(|e| panic!("{e}"));
    let outbox = s.app.db.outbox(ws, 10).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(outbox[0].state, "sent");
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["reader@example.com".to_string()]);
    let sent = MessageParser::default().parse(&got[0].data).unwrap_or_else(|| panic!());
    assert_eq!(sent.subject(), Some("News"));
    assert!(sent.body_html(0).is_some_and(|h| h.contains("<p>A new reply.</p>")));
}

both_backends!(threaded, replies_go_out_threaded);
both_backends!(refusals, refusals_retry_or_fail_with_the_servers_words);
both_backends!(own_emails, candors_own_emails_use_the_mailbox);

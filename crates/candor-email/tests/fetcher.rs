//! The IMAP fetcher against a real Dovecot: mail delivered to the mailbox
//! becomes a conversation; the customer's answer to a sent reply threads;
//! a restart in the middle of a fetch loses and repeats nothing; a wrong
//! password or a server that is down is reported in words and recovers by
//! itself once fixed; with two nodes, one fetches at a time and the other
//! takes over when it stops or dies.

mod common;

use candor_core::WorkspaceId;
use candor_email::fetcher::run;
use candor_email::mailboxes::{self, MailboxView};
use candor_email::settings::MailboxInput;
use candor_email::testing::{Dovecot, Relay, SmtpSink, eventually};
use candor_store::both_backends;
use common::{Setup, quick_fetch};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const USER: &str = "support@northwind.example";
const PASSWORD: &str = "s3cret-imap";
const WAIT: Duration = Duration::from_secs(20);

fn mailbox(imap_port: u16, password: &str, smtp_port: u16) -> MailboxInput {
    MailboxInput {
        name: "Support".into(),
        address: USER.into(),
        imap_host: "127.0.0.1".into(),
        imap_port: Some(u32::from(imap_port)),
        imap_tls: Some("none".into()),
        imap_user: USER.into(),
        imap_password: password.into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: Some(u32::from(smtp_port)),
        smtp_tls: Some("none".into()),
        ..Default::default()
    }
}

fn mail(id: &str, extra: &str, subject: &str, body: &str) -> Vec<u8> {
    format!("From: Jane Doe <jane@example.com>\r\nTo: {USER}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n{extra}\r\n{body}\r\n")
        .into_bytes()
}

fn start(s: &Setup) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    start_node(&s.app)
}

fn start_node(app: &candor_app::App) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let stop = CancellationToken::new();
    let task = tokio::spawn(run(app.clone(), quick_fetch(), stop.clone()));
    (stop, task)
}

async fn conversation_of(s: &Setup, message_id: &str) -> Option<candor_core::ConversationId> {
    s.app
        .db
        .conversation_by_email_ids(s.workspace.id, &[message_id.to_string()])
        .await
        .ok()
        .flatten()
}

async fn view(s: &Setup) -> MailboxView {
    mailboxes::list(&s.app, &s.caller())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .remove(0)
}

/// How many email messages the workspace holds.
async fn email_count(s: &Setup, ws: WorkspaceId) -> usize {
    let page = s
        .app
        .db
        .conversations(ws, &Default::default(), None, 200)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut n = 0;
    for (c, _) in page.items {
        n += s.app.db.messages(ws, c.id, 500).await.unwrap_or_default().len();
    }
    n
}

async fn delivered_mail_becomes_conversations_and_replies_thread(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let dovecot = Dovecot::start();
    dovecot.set_user(USER, PASSWORD);
    let sink = SmtpSink::start();
    mailboxes::create(&s.app, &s.caller(), &mailbox(dovecot.port, PASSWORD, sink.port))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (stop, task) = start(&s);

    dovecot
        .deliver(
            USER,
            PASSWORD,
            "INBOX",
            &mail("f1@example.com", "", "Flat tyre", "My tyre is flat."),
        )
        .await;
    let conv = eventually(WAIT, || conversation_of(&s, "f1@example.com"))
        .await
        .unwrap_or_else(|| panic!("never imported"));
    let c = s
        .app
        .db
        .conversation(s.workspace.id, conv)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.subject, "Flat tyre");

    // The agent answers; the SMTP server gets it; the customer's answer to it threads.
    s.reply_and_send(conv, "We will send a new tube.").await;
    let sent = sink.received();
    assert_eq!(sent.len(), 1);
    let parsed = candor_email::parse(&sent[0].data);
    let ours = parsed.message_id.unwrap_or_else(|| panic!("no Message-ID"));
    let answer = mail(
        "f2@example.com",
        &format!("In-Reply-To: <{ours}>\r\nReferences: <f1@example.com> <{ours}>\r\n"),
        &parsed.subject.unwrap_or_default(),
        "Thank you!\r\n\r\nOn Tue, Northwind wrote:\r\n> We will send a new tube.",
    );
    dovecot.deliver(USER, PASSWORD, "INBOX", &answer).await;
    let joined = eventually(WAIT, || conversation_of(&s, "f2@example.com")).await;
    assert_eq!(joined, Some(conv), "the customer's reply threads");

    // The fetcher records its position and marks the mail seen just after the
    // conversation is stored, so both are awaited rather than read at once.
    let m = eventually(WAIT, || async {
        let m = view(&s).await;
        (m.last_uid == 2).then_some(m)
    })
    .await
    .unwrap_or_else(|| panic!("the mailbox position never reached UID 2"));
    assert_eq!(m.state.as_str(), "ok");
    let stored = eventually(WAIT, || async {
        let stored = dovecot.messages(USER, PASSWORD, "INBOX").await;
        (stored.len() == 2 && stored.iter().all(|(_, seen)| *seen)).then_some(stored)
    })
    .await;
    assert!(stored.is_some(), "imported mail is marked seen");
    stop.cancel();
    task.await.unwrap_or_else(|e| panic!("{e}"));
}

async fn restarts_lose_and_repeat_nothing(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let ws = s.workspace.id;
    let dovecot = Dovecot::start();
    dovecot.set_user(USER, PASSWORD);
    let mut input = mailbox(dovecot.port, PASSWORD, 1);
    input.after_import = Some("move".into());
    input.move_to = Some("Imported".into());
    let mb = mailboxes::create(&s.app, &s.caller(), &input)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id: uuid::Uuid = mb.id.parse().unwrap_or_else(|_| panic!());
    // The folder imported mail moves to must exist.
    dovecot
        .deliver(
            USER,
            PASSWORD,
            "Imported",
            &mail("seed@example.com", "", "seed", "seed"),
        )
        .await;
    for i in 0..6 {
        dovecot
            .deliver(
                USER,
                PASSWORD,
                "INBOX",
                &mail(&format!("r{i}@example.com"), "", &format!("Order {i}"), "Where is it?"),
            )
            .await;
    }
    // Stop the fetcher as soon as it has imported something: mid-fetch.
    let (stop, task) = start(&s);
    eventually(WAIT, || async { (email_count(&s, ws).await >= 1).then_some(()) })
        .await
        .unwrap_or_else(|| panic!("nothing imported"));
    stop.cancel();
    task.await.unwrap_or_else(|e| panic!("{e}"));
    let before = email_count(&s, ws).await;
    // A crash right after storing a message but before recording its UID:
    // the position is behind what is stored.
    let m = s.app.db.mailbox(ws, id).await.unwrap_or_else(|e| panic!("{e}"));
    s.app
        .db
        .record_fetch_position(ws, id, m.uid_validity.unwrap_or(0), 0)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    dovecot
        .deliver(
            USER,
            PASSWORD,
            "INBOX",
            &mail("r6@example.com", "", "Order 6", "And this one?"),
        )
        .await;
    let (stop, task) = start(&s);
    eventually(WAIT, || async { (email_count(&s, ws).await >= 7).then_some(()) })
        .await
        .unwrap_or_else(|| panic!("after the restart, fewer than 7 (had {before} before it)"));
    // A changed UIDVALIDITY (the folder was rebuilt) starts over without repeating.
    stop.cancel();
    task.await.unwrap_or_else(|e| panic!("{e}"));
    s.app
        .db
        .record_fetch_position(ws, id, 12345, 99)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (stop, task) = start(&s);
    eventually(WAIT, || async {
        let m = s.app.db.mailbox(ws, id).await.ok()?;
        (m.uid_validity != Some(12345) && m.state == "ok").then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("the new UIDVALIDITY was never taken"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.cancel();
    task.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(email_count(&s, ws).await, 7, "every message exactly once");
    for i in 0..7 {
        assert!(
            conversation_of(&s, &format!("r{i}@example.com")).await.is_some(),
            "r{i} imported"
        );
    }
    let moved = dovecot.messages(USER, PASSWORD, "Imported").await;
    assert_eq!(moved.len(), 8, "imported mail moved (beside the seed)");
    assert!(dovecot.messages(USER, PASSWORD, "INBOX").await.is_empty());
}

async fn failures_are_clear_and_heal(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let ws = s.workspace.id;
    let dovecot = Dovecot::start();
    dovecot.set_user(USER, PASSWORD);
    // Candor reaches the server through a relay the test can cut, as a network or server failure would.
    let mut relay = Relay::start(dovecot.port).await;
    let mb = mailboxes::create(&s.app, &s.caller(), &mailbox(relay.port, "not-the-password", 1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id: uuid::Uuid = mb.id.parse().unwrap_or_else(|_| panic!());
    let report = mailboxes::test(&s.app, &s.caller(), id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!report.ok);
    assert!(
        report.imap.contains(&format!("refused the login for {USER}")),
        "{}",
        report.imap
    );
    assert!(
        report.smtp.contains("127.0.0.1:1"),
        "the SMTP relay that is not there: {}",
        report.smtp
    );

    let (stop, task) = start(&s);
    let failing = eventually(WAIT, || async {
        let m = view(&s).await;
        (m.state == "failing").then_some(m.last_error)
    })
    .await
    .unwrap_or_else(|| panic!("never reported"));
    assert!(failing.contains("refused the login"), "{failing}");

    // The password is fixed on the server's side: the fetcher recovers by itself.
    dovecot.set_user(USER, "not-the-password");
    dovecot
        .deliver(
            USER,
            "not-the-password",
            "INBOX",
            &mail("h1@example.com", "", "Healed", "Hello"),
        )
        .await;
    eventually(WAIT, || conversation_of(&s, "h1@example.com"))
        .await
        .unwrap_or_else(|| panic!("never recovered"));
    eventually(WAIT, || async { (view(&s).await.state == "ok").then_some(()) })
        .await
        .unwrap_or_else(|| panic!("state"));

    // The server goes down: reported; it comes back: mail flows again.
    relay.cut();
    let unreachable = format!("cannot reach the IMAP server 127.0.0.1:{}", relay.port);
    let reported = eventually(WAIT, || async {
        let m = view(&s).await;
        (m.state == "failing" && m.last_error.contains(&unreachable)).then_some(())
    })
    .await;
    assert!(
        reported.is_some(),
        "the outage was never reported: {:?}",
        view(&s).await.last_error
    );
    dovecot
        .deliver(
            USER,
            "not-the-password",
            "INBOX",
            &mail("h2@example.com", "", "Back", "Hello again"),
        )
        .await;
    relay.restore().await;
    eventually(WAIT, || conversation_of(&s, "h2@example.com"))
        .await
        .unwrap_or_else(|| panic!("never came back"));
    stop.cancel();
    task.await.unwrap_or_else(|e| panic!("{e}"));
    let m = s.app.db.mailbox(ws, id).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(m.fields.imap_password.starts_with("v1:") && !m.fields.imap_password.contains("not-the-password"));
}

async fn one_node_fetches_a_mailbox_at_a_time(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let ws = s.workspace.id;
    let dovecot = Dovecot::start();
    dovecot.set_user(USER, PASSWORD);
    let mb = mailboxes::create(&s.app, &s.caller(), &mailbox(dovecot.port, PASSWORD, 1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id: uuid::Uuid = mb.id.parse().unwrap_or_else(|_| panic!());
    let lease = candor_email::fetcher::lease_name(id);
    // Two nodes: the same database and secret key, each its own node id.
    let a = s.app.clone();
    let mut b = s.app.clone();
    b.live = candor_app::live::Hub::new();
    let holder = || async { s.app.db.lease_holder(s.app.now(), ws, &lease).await.unwrap_or(None) };
    for i in 0..3 {
        let m = mail(&format!("n{i}@example.com"), "", &format!("Node {i}"), "Hello");
        dovecot.deliver(USER, PASSWORD, "INBOX", &m).await;
    }
    let (stop_a, task_a) = start_node(&a);
    let (stop_b, task_b) = start_node(&b);
    eventually(WAIT, || async { (email_count(&s, ws).await >= 3).then_some(()) })
        .await
        .unwrap_or_else(|| panic!("nothing imported"));
    let first = holder().await.unwrap_or_else(|| panic!("nobody holds the mailbox"));
    assert!(first == a.live.node() || first == b.live.node());
    // The holder keeps it while it runs: the other node never takes over.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(holder().await, Some(first), "the lease stays with one node");

    // The holder stops: it gives the mailbox back and the other fetches.
    let ((stop_first, task_first), (stop_other, task_other), other) = if first == a.live.node() {
        ((stop_a, task_a), (stop_b, task_b), b.clone())
    } else {
        ((stop_b, task_b), (stop_a, task_a), a.clone())
    };
    stop_first.cancel();
    task_first.await.unwrap_or_else(|e| panic!("{e}"));
    dovecot
        .deliver(
            USER,
            PASSWORD,
            "INBOX",
            &mail("n3@example.com", "", "Node 3", "Still there?"),
        )
        .await;
    eventually(WAIT, || conversation_of(&s, "n3@example.com"))
        .await
        .unwrap_or_else(|| panic!("the other node never took over"));
    assert_eq!(holder().await, Some(other.live.node()));

    // The other node dies without giving the lease back: nobody fetches until
    // the lease expires, then a node takes over.
    task_other.abort();
    let _ = task_other.await;
    drop(stop_other);
    let (stop_again, task_again) = start_node(if first == a.live.node() { &a } else { &b });
    dovecot
        .deliver(
            USER,
            PASSWORD,
            "INBOX",
            &mail("n4@example.com", "", "Node 4", "Anyone?"),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        conversation_of(&s, "n4@example.com").await.is_none(),
        "fetched while another node's lease was in force"
    );
    s.clock.advance(jiff::SignedDuration::from_secs(1));
    eventually(WAIT, || conversation_of(&s, "n4@example.com"))
        .await
        .unwrap_or_else(|| panic!("never taken over after the lease expired"));
    assert_eq!(holder().await, Some(first));
    stop_again.cancel();
    task_again.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(email_count(&s, ws).await, 5, "every message exactly once");
}

both_backends!(delivered, delivered_mail_becomes_conversations_and_replies_thread);
both_backends!(one_node, one_node_fetches_a_mailbox_at_a_time);
both_backends!(restarts, restarts_lose_and_repeat_nothing);
both_backends!(failures, failures_are_clear_and_heal);

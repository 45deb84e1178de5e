//! Mail over TLS against real servers: Dovecot with implicit TLS and with
//! STARTTLS, and the SMTP server with STARTTLS, each holding a certificate
//! from an authority of the test's own that Candor is told to trust (as
//! `candor serve --mail-ca-file` does). A server whose authority is not
//! trusted is refused, and the failure says it was the certificate.

mod common;

use candor_email::fetcher::run;
use candor_email::mailboxes;
use candor_email::settings::{Connection, MailboxInput, TlsMode};
use candor_email::testing::{Dovecot, SmtpSink, TestAuthority, eventually};
use candor_email::{imap, smtp, trust};
use candor_store::both_backends;
use common::{Setup, quick_fetch};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const USER: &str = "support@northwind.example";
const PASSWORD: &str = "s3cret-imap";
const WAIT: Duration = Duration::from_secs(20);
const LIMIT: Duration = Duration::from_secs(5);

fn connection(port: u16, tls: TlsMode, user: &str) -> Connection {
    Connection {
        host: "127.0.0.1".into(),
        port,
        tls,
        user: user.into(),
        password: if user.is_empty() {
            String::new()
        } else {
            PASSWORD.into()
        },
    }
}

fn message() -> lettre::Message {
    lettre::Message::builder()
        .from(USER.parse().unwrap_or_else(|e| panic!("{e}")))
        .to("jane@example.com".parse().unwrap_or_else(|e| panic!("{e}")))
        .subject("Your tube")
        .body("It is on its way.".to_string())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_and_named() {
    // An authority nobody trusts (each TestAuthority has its own keys).
    let stranger = TestAuthority::new();
    let dovecot = Dovecot::start_tls(&stranger);
    dovecot.set_user(USER, PASSWORD);
    let tls_port = dovecot.tls_port.unwrap_or_else(|| panic!("no IMAPS port"));
    for (port, mode) in [(tls_port, TlsMode::Implicit), (dovecot.port, TlsMode::StartTls)] {
        let e = imap::check(&connection(port, mode, USER), "INBOX", LIMIT)
            .await
            .expect_err("an unknown authority must be refused")
            .to_string();
        assert!(
            e.contains(&format!("TLS with the IMAP server 127.0.0.1:{port} failed")),
            "{e}"
        );
        assert!(e.to_lowercase().contains("certificate"), "{e}");
    }
    let sink = SmtpSink::start_tls(&stranger);
    let e = smtp::send(&connection(sink.port, TlsMode::StartTls, ""), message(), LIMIT)
        .await
        .expect_err("an unknown authority must be refused")
        .to_string();
    assert!(e.contains(&format!("127.0.0.1:{}", sink.port)), "{e}");
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn trusted_servers_answer_over_both_kinds_of_tls() {
    let authority = TestAuthority::new();
    assert_eq!(trust::trust_pem(authority.ca_pem.as_bytes()), Ok(1));
    // Trusting the same authority again adds nothing.
    assert_eq!(trust::trust_pem(authority.ca_pem.as_bytes()), Ok(0));
    let dovecot = Dovecot::start_tls(&authority);
    dovecot.set_user(USER, PASSWORD);
    dovecot
        .deliver(USER, PASSWORD, "INBOX", b"Subject: hi\r\n\r\nhello\r\n")
        .await;
    let tls_port = dovecot.tls_port.unwrap_or_else(|| panic!("no IMAPS port"));
    for (port, mode) in [(tls_port, TlsMode::Implicit), (dovecot.port, TlsMode::StartTls)] {
        let report = imap::check(&connection(port, mode, USER), "INBOX", LIMIT)
            .await
            .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        assert!(report.contains("holds 1 messages"), "{report}");
    }
    let sink = SmtpSink::start_tls(&authority);
    let answer = smtp::send(&connection(sink.port, TlsMode::StartTls, ""), message(), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(answer.starts_with("250"), "{answer}");
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert!(String::from_utf8_lossy(&got[0].data).contains("Subject: Your tube"));
}

/// A mailbox read over implicit TLS and sent through STARTTLS: mail becomes
/// a conversation, the reply reaches the SMTP server, and the settings
/// page's "test connection" reports both servers fine.
async fn a_mailbox_over_tls_works_end_to_end(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let authority = TestAuthority::new();
    trust::trust_pem(authority.ca_pem.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let dovecot = Dovecot::start_tls(&authority);
    dovecot.set_user(USER, PASSWORD);
    let sink = SmtpSink::start_tls(&authority);
    let input = MailboxInput {
        name: "Support".into(),
        address: USER.into(),
        imap_host: "127.0.0.1".into(),
        imap_port: dovecot.tls_port.map(u32::from),
        imap_tls: Some("implicit".into()),
        imap_user: USER.into(),
        imap_password: PASSWORD.into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: Some(u32::from(sink.port)),
        smtp_tls: Some("starttls".into()),
        ..Default::default()
    };
    let created = mailboxes::create(&s.app, &s.caller(), &input)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = created
        .id
        .parse()
        .unwrap_or_else(|e| panic!("mailbox id {}: {e}", created.id));
    let report = mailboxes::test(&s.app, &s.caller(), id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.ok, "{report:?}");

    let stop = CancellationToken::new();
    let task = tokio::spawn(run(s.app.clone(), quick_fetch(), stop.clone()));
    let raw = format!(
        "From: Jane Doe <jane@example.com>\r\nTo: {USER}\r\nSubject: Flat tyre\r\nMessage-ID: <tls1@example.com>\r\n\r\nMy tyre is flat.\r\n"
    );
    dovecot.deliver(USER, PASSWORD, "INBOX", raw.as_bytes()).await;
    let conv = eventually(WAIT, || async {
        s.app
            .db
            .conversation_by_email_ids(s.workspace.id, &["tls1@example.com".to_string()])
            .await
            .ok()
            .flatten()
    })
    .await
    .unwrap_or_else(|| panic!("never imported over TLS"));
    s.reply_and_send(conv, "A new tube is on its way.").await;
    let sent = sink.received();
    assert_eq!(sent.len(), 1);
    let parsed = candor_email::parse(&sent[0].data);
    assert_eq!(parsed.in_reply_to, vec!["tls1@example.com".to_string()]);
    stop.cancel();
    let _ = task.await;
}

both_backends!(end_to_end, a_mailbox_over_tls_works_end_to_end);

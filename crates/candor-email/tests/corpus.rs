//! The corpus of awkward emails (tests/corpus): each is read without a
//! crash, with its sender and subject right, and ingested on both backends.

mod common;

use candor_email::automated::Automated;
use candor_email::inbound::{Source, UNKNOWN_SENDER, UNREADABLE_TAG, receive};
use candor_email::parse;
use candor_store::both_backends;
use common::{Setup, corpus};

#[test]
fn every_corpus_message_is_read_with_its_sender_and_subject() {
    let all = corpus();
    assert!(all.len() >= 20, "the corpus has {} messages", all.len());
    for (name, bytes, sender, subject) in all {
        let e = parse(&bytes);
        assert_eq!(e.sender.as_ref().map(|s| s.address.clone()), sender, "{name}: sender");
        assert_eq!(e.subject, subject, "{name}: subject");
        assert!(!e.text.trim().is_empty(), "{name}: text");
    }
}

#[test]
fn charsets_html_attachments_and_noise_are_understood() {
    let read = |name: &str| {
        let (_, bytes, _, _) = corpus()
            .into_iter()
            .find(|c| c.0 == name)
            .unwrap_or_else(|| panic!("{name}"));
        parse(&bytes)
    };
    assert!(read("latin1-quoted-printable.eml").text.contains("Grüße aus München"));
    assert_eq!(
        read("latin1-quoted-printable.eml")
            .sender
            .and_then(|s| s.name)
            .as_deref(),
        Some("Jürgen Müller")
    );
    assert!(read("shift-jis-base64.eml").text.contains("自転車のベル"));
    assert!(read("iso-2022-jp.eml").text.contains("返品したい"));
    assert!(read("koi8-r.eml").text.contains("Мой заказ"));
    assert!(read("windows-1252.eml").text.contains("It’s “broken” – again €"));
    let html = read("html-only.eml");
    assert!(
        html.text.contains("pedido") && !html.text.contains("<p>"),
        "{}",
        html.text
    );
    let clean = html.html.unwrap_or_default();
    assert!(
        clean.contains("<b>pedido</b>") && !clean.contains("script") && !clean.contains("onerror"),
        "{clean}"
    );
    let nested = read("nested-multipart.eml");
    assert!(nested.text.contains("frame is scratched"));
    let names: Vec<&str> = nested.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert!(names.iter().any(|n| n.starts_with("Résumé \"final\"")), "{names:?}");
    assert_eq!(nested.attachments.len(), 2, "the inline image and the PDF: {names:?}");
    let forwarded = read("forwarded.eml");
    assert!(
        forwarded
            .attachments
            .iter()
            .any(|a| a.filename == "The saddle hurts.eml"),
        "{:?}",
        forwarded.attachments
    );
    assert!(read("calendar-invite.eml").text.contains("repair appointment"));
    assert_eq!(read("auto-reply.eml").automated, Some(Automated::AutoReply));
    match read("bounce.eml").automated {
        Some(Automated::Bounce(failed)) => {
            assert_eq!(failed.len(), 1);
            assert_eq!(failed[0].address, "gone@example.org");
            assert!(
                failed[0].reason.contains("5.1.1") && failed[0].reason.contains("User unknown"),
                "{:?}",
                failed[0]
            );
        }
        other => panic!("not a bounce: {other:?}"),
    }
    let unreadable = read("unreadable.eml");
    assert!(!unreadable.readable);
    assert_eq!(unreadable.attachments[0].filename, "original.eml");
    assert_eq!(read("empty-body.eml").text, "(This email has no text.)");
    assert!(read("plain.eml").automated.is_none());
    assert!(read("broken-mime.eml").readable);
}

#[test]
fn truncated_and_empty_input_never_panics() {
    for (name, bytes, _, _) in corpus() {
        for cut in [0, 1, 7, bytes.len() / 3, bytes.len() / 2] {
            let e = parse(&bytes[..cut.min(bytes.len())]);
            assert!(!e.text.is_empty(), "{name} cut at {cut}");
        }
    }
}

async fn corpus_is_ingested(db: candor_store::Db) {
    let s = Setup::new(db).await;
    let ws = s.workspace.id;
    // The customer the corpus's bounce reports as failing.
    let earlier = "From: gone@example.org\r\nSubject: Hello\r\nMessage-ID: <gone-1@example.org>\r\n\r\nHi\r\n";
    receive(&s.app, ws, earlier.as_bytes(), Source::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.app
            .db
            .address_bounce(ws, "gone@example.org")
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None
    );
    for (name, bytes, sender, subject) in corpus() {
        let r = receive(&s.app, ws, &bytes, Source::default())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let conv = s
            .app
            .db
            .conversation(ws, r.conversation_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let customer = s
            .app
            .db
            .customer(ws, conv.customer_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let identity = customer.identities.first().map(|i| i.value.clone()).unwrap_or_default();
        match &sender {
            Some(address) => assert_eq!(&identity, address, "{name}: sender"),
            None => assert_eq!(identity, UNKNOWN_SENDER, "{name}: unknown sender"),
        }
        if let Some(subject) = &subject
            && r.opened
        {
            assert_eq!(&conv.subject, subject, "{name}: subject");
        }
        assert_eq!(
            conv.tags.contains(&UNREADABLE_TAG.to_string()),
            !r.readable,
            "{name}: flag"
        );
        let again = receive(&s.app, ws, &bytes, Source::default())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(again.duplicate, "{name}: a second delivery is a duplicate");
        assert_eq!(again.message_id, r.message_id);
    }
    let bounce = s
        .app
        .db
        .address_bounce(ws, "gone@example.org")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        bounce.is_some_and(|r| r.contains("5.1.1")),
        "the bounce marks the address as failing"
    );
    // A huge attachment (2 MB over this server's 1 MiB limit) is left out, said so, and the message kept.
    let big = format!(
        "From: big@example.com\r\nSubject: Huge\r\nMessage-ID: <huge@example.com>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"h\"\r\n\r\n--h\r\nContent-Type: text/plain\r\n\r\nSee the video.\r\n\
         --h\r\nContent-Type: video/mp4; name=\"ride.mp4\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--h--\r\n",
        "QUFB".repeat(700_000)
    );
    let r = receive(&s.app, ws, big.as_bytes(), Source::default())
        .await
        .unwrap_or_else(|e| panic!("huge: {e}"));
    let message = s
        .app
        .db
        .message(ws, r.message_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        message.body.contains("See the video.") && message.body.contains("\"ride.mp4\""),
        "{}",
        message.body
    );
    // The unreadable message's raw bytes are kept as its attachment.
    let (_, raw, _, _) = corpus()
        .into_iter()
        .find(|c| c.0 == "unreadable.eml")
        .unwrap_or_else(|| panic!());
    let r = receive(&s.app, ws, &raw, Source::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let files = s
        .app
        .db
        .attachments_of(ws, r.conversation_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let kept = files
        .iter()
        .find(|f| f.filename == "original.eml")
        .unwrap_or_else(|| panic!("{files:?}"));
    assert_eq!(s.app.files.get(&kept.sha256).await.unwrap_or_default(), raw);
}

both_backends!(ingested, corpus_is_ingested);

//! The clock rows rebuilt from the event log equal, column for column, the
//! rows the hooks and the check job wrote as things happened, on both
//! databases; a second rebuild changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pact_support;

use candor_app::clocks::rebuild::rebuild;
use candor_core::ConversationId;
use candor_core::commitments::RedressAction;
use candor_store::clocks::StoredClocks;
use candor_store::{Db, both_backends};
use jiff::SignedDuration;
use pact_support::{Pact, commitments, mins, pact_with, t0, urgent};

async fn rows(p: &Pact, ids: &[ConversationId]) -> Vec<StoredClocks> {
    p.app.db.clocks_of(p.ws, ids).await.unwrap()
}

/// A morning of conversations touching every transition: pauses, replies,
/// a reopen, warnings and breaches given by the worker, priority changes
/// with and without a commitment, one still running, one not measured.
async fn a_morning(p: &Pact) -> Vec<ConversationId> {
    let c1 = p.open("c1@example.com").await;
    p.at(t0() + mins(5)).await;
    let c2 = p.open("c2@example.com").await;
    p.at(t0() + mins(10)).await;
    p.set_status(c1, "pending").await;
    p.at(t0() + mins(20)).await;
    let c3 = p.open("c3@example.com").await;
    let chat = p.open_on("c4@example.com", "chat").await;
    p.at(t0() + mins(25)).await;
    let c4 = p.open("c5@example.com").await;
    p.at(t0() + mins(30)).await;
    p.customer_writes(c1, "It is the model with the USB port.").await;
    p.set_priority(c3, "urgent").await;
    p.at(t0() + mins(35)).await;
    p.set_priority(c4, "low").await;
    p.at(t0() + mins(40)).await;
    p.reply(c1, "Thanks, a new one is on its way.").await;
    p.at(t0() + mins(60)).await;
    p.customer_writes(c1, "When will it arrive?").await;
    p.reply(c3, "We are on it.").await;
    // c2's first reply is breached at 10:05 by the worker; answered later.
    p.at(t0() + mins(67)).await;
    p.reply(c2, "Sorry for the wait.").await;
    p.at(t0() + mins(90)).await;
    p.reply(c1, "Tomorrow before noon.").await;
    p.at(t0() + mins(120)).await;
    p.set_status(c1, "solved").await;
    p.at(t0() + mins(150)).await;
    p.customer_writes(c1, "It did not come.").await;
    p.at(t0() + mins(165)).await;
    p.reply(c1, "It is at the depot; a courier brings it today.").await;
    p.set_status(c1, "closed").await;
    p.at(t0() + mins(170)).await;
    let c5 = p.open("c6@example.com").await;
    p.at(t0() + mins(180)).await;
    vec![c1, c2, c3, chat, c4, c5]
}

async fn rebuild_restores_the_rows(db: Db) {
    let mut published = commitments(vec![RedressAction::NotifyLead, RedressAction::DraftApology]);
    published.commitments.push(urgent());
    let p = pact_with(db, "Acme", published).await;
    let ids = a_morning(&p).await;
    let written = rows(&p, &ids).await;
    assert_eq!(written.len(), 5, "every email conversation has clocks; chat has none");
    assert!(!p.events("commitment.breached").await.is_empty());
    assert!(!p.events("commitment.retargeted").await.is_empty());

    // A rebuild of intact rows writes nothing.
    let first = rebuild(&p.app, p.ws).await.unwrap();
    assert_eq!((first.conversations, first.with_clocks, first.written), (6, 5, 0));

    // Rows lost and one corrupted: the rebuild puts back exactly what was written.
    let (c1, c2, c3, chat) = (ids[0], ids[1], ids[2], ids[3]);
    let mut tx = p.app.db.begin().await.unwrap();
    assert_eq!(tx.delete_clocks(p.ws, &[c1, c3]).await.unwrap(), 2);
    let mut bad = written.iter().find(|r| r.conversation_id == c2).unwrap().clone();
    bad.first_reply_within = Some(true);
    bad.priority = "urgent".into();
    bad.clocks.first_reply = None;
    tx.save_clocks(p.app.now(), &bad).await.unwrap();
    // A row for a conversation the log shows without clocks goes away.
    let mut stray = bad.clone();
    stray.conversation_id = chat;
    tx.save_clocks(p.app.now(), &stray).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(rows(&p, &ids).await.len(), 4);

    p.clock.advance(SignedDuration::from_secs(5));
    let done = rebuild(&p.app, p.ws).await.unwrap();
    assert_eq!(
        (done.with_clocks, done.written, done.removed, done.skipped),
        (5, 3, 1, 0)
    );
    assert_eq!(rows(&p, &ids).await, written);

    // Again: nothing to do.
    let again = rebuild(&p.app, p.ws).await.unwrap();
    assert_eq!((again.with_clocks, again.written, again.removed), (5, 0, 0));
    assert_eq!(rows(&p, &ids).await, written);

    // The rebuilt clocks carry on as before: c6's first reply is breached on time.
    p.at(t0() + mins(240)).await;
    let breached = p.events("commitment.breached").await;
    assert!(
        breached
            .iter()
            .any(|e| e.subject.id == ids[5].as_uuid() && e.payload["clock"] == "first_reply"),
        "{breached:?}"
    );
}
both_backends!(restores_rows, rebuild_restores_the_rows);

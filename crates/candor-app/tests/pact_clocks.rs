//! Conversation clocks driven by a controlled clock on both databases:
//! start → pause (pending) → resume → met, and warning → breach → redress
//! through the worker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pact_support;

use candor_app::breaches;
use candor_app::worker::Step;
use candor_core::commitments::RedressAction;
use candor_core::conversation::Status;
use candor_store::conversations::Filter;
use candor_store::{Db, both_backends};
use pact_support::{mins, pact, t0};

async fn breaching_soon(p: &pact_support::Pact) -> Vec<candor_core::ConversationId> {
    let filter = Filter {
        statuses: vec![Status::Open, Status::Pending],
        breaching_by: Some(p.app.now()),
        ..Default::default()
    };
    let page = p.app.db.conversations(p.ws, &filter, None, 50).await.unwrap();
    page.items.into_iter().map(|(c, _)| c.id).collect()
}

async fn pending_pauses_and_the_reply_meets(db: Db) {
    let p = pact(db, "Acme", vec![RedressAction::NotifyLead]).await;
    let id = p.open("jane@example.com").await;
    let stored = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(stored.commitments_version, 1);
    assert_eq!(stored.started_at, t0());
    assert_eq!(stored.due_at, Some(t0() + mins(60)));
    assert_eq!(stored.warn_at, Some(t0() + mins(45)));

    // After 20 minutes the agent asks a question and waits on the customer.
    p.clock.set(t0() + mins(20));
    p.set_status(id, "pending").await;
    let paused = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(
        (paused.due_at, paused.warn_at, paused.next_check_at),
        (None, None, None)
    );
    // Nothing fires while paused, however long the customer takes.
    let steps = p.at(t0() + mins(120)).await;
    assert!(steps.iter().all(|s| matches!(s, Step::Completed(_))), "{steps:?}");
    assert!(p.events("commitment.warning").await.is_empty());
    assert!(breaching_soon(&p).await.is_empty());

    // The customer answers at 11:00: 40 minutes of the hour are left.
    p.customer_writes(id, "It is the model with the USB port.").await;
    let resumed = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(resumed.due_at, Some(t0() + mins(160)));
    assert_eq!(resumed.warn_at, Some(t0() + mins(145)));
    assert_eq!(p.app.db.conversation(p.ws, id).await.unwrap().status, Status::Open);

    // The agent replies at 11:20, 40 minutes of business time in: met.
    p.at(t0() + mins(140)).await;
    p.reply(id, "Thanks Jane, a new light is on its way today.").await;
    let met = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(met.first_reply_within, Some(true));
    assert_eq!(met.first_reply_secs, Some(40 * 60));
    // The resolution clock still runs; it paused too: 20 minutes used before
    // the pause, 7 hours today from 11:00 to closing, 40 minutes on Tuesday.
    assert_eq!(met.due_at, Some(t0() + mins(24 * 60 + 40)));
    p.at(t0() + mins(200)).await;
    assert!(p.events("commitment.warning").await.is_empty());
    assert!(p.events("commitment.breached").await.is_empty());

    // Solved at 12:20: the resolution is met too, and nothing counts any more.
    p.set_status(id, "solved").await;
    let done = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(done.resolution_within, Some(true));
    assert_eq!(done.resolution_secs, Some((200 - 100) * 60));
    assert_eq!((done.next_check_at, done.due_at), (None, None));
    // A conversation on a channel without a commitment has no clocks.
    let chat = p.open_on("ben@example.com", "chat").await;
    assert!(p.app.db.clocks(p.ws, chat).await.unwrap().is_none());
}
both_backends!(pause_resume_met, pending_pauses_and_the_reply_meets);

async fn a_missed_reply_warns_breaches_and_is_redressed(db: Db) {
    let actions = vec![
        RedressAction::NotifyLead,
        RedressAction::RedressTask,
        RedressAction::DraftApology,
    ];
    let p = pact(db, "Acme", actions).await;
    let id = p.open("jane@example.com").await;
    let customer = p.app.db.conversation(p.ws, id).await.unwrap().customer_id;

    // 09:45: three quarters of the hour are gone. The assignee is warned.
    p.at(t0() + mins(44)).await;
    assert!(p.events("commitment.warning").await.is_empty());
    p.at(t0() + mins(45)).await;
    let warnings = p.events("commitment.warning").await;
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].payload["clock"], "first_reply");
    let notes = p.app.db.notifications(p.ws, p.agent.user.id, 10).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].body.contains("a first reply is due"), "{}", notes[0].body);
    assert_eq!(breaching_soon(&p).await, vec![id]);

    // 10:00 passes without a reply: a breach, on the customer's timeline too.
    p.at(t0() + mins(60)).await;
    assert!(p.events("commitment.breached").await.is_empty());
    p.at(t0() + mins(61)).await;
    let breaches_seen = p.events("commitment.breached").await;
    assert_eq!(breaches_seen.len(), 1);
    assert_eq!(breaches_seen[0].payload["missed"], "a first reply within 1 hour");
    let timeline = p
        .app
        .db
        .events_for_customer(p.ws, customer, None, 50)
        .await
        .unwrap()
        .items;
    assert!(timeline.iter().any(|e| e.kind == "commitment.breached"));
    // The redress is open, with an apology drafted in the commitments' words.
    let open = p.app.db.redress_list(p.ws, Some("open"), None, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    let draft = open[0].draft.clone().unwrap();
    assert!(draft.starts_with("Dear Jane,"), "{draft}");
    assert!(draft.contains("a first reply within 1 hour"), "{draft}");
    assert!(draft.contains("We take 10% off your next service."), "{draft}");
    assert_eq!(open[0].actions.len(), 3);
    // The team lead (the owner) is told, and the assignee.
    let lead = p.app.db.notifications(p.ws, p.owner.user.id, 10).await.unwrap();
    assert_eq!(lead.len(), 1);
    assert!(
        lead[0].body.contains("we missed a first reply within 1 hour"),
        "{}",
        lead[0].body
    );
    assert_eq!(
        p.app.db.notifications(p.ws, p.agent.user.id, 10).await.unwrap().len(),
        2
    );

    // Checking again, by the job or by hand, gives nothing twice.
    p.at(t0() + mins(90)).await;
    assert_eq!(breaches::check(&p.app, p.ws, id).await.unwrap(), 0);
    assert_eq!(p.events("commitment.breached").await.len(), 1);
    assert_eq!(p.app.db.redress_list(p.ws, None, None, 10).await.unwrap().len(), 1);

    // The agent sends the apology as edited: it is the (late) first reply,
    // and the redress is done.
    let sent = breaches::send_apology(&p.app, &p.agent, open[0].id, &format!("{draft}\nAndrea"))
        .await
        .unwrap();
    assert_eq!(
        (sent.state.as_str(), sent.done_how.as_deref()),
        ("done", Some("apology sent"))
    );
    assert_eq!(sent.done_by, Some(p.agent.user.id));
    let messages = p.app.db.messages(p.ws, id, 50).await.unwrap();
    assert!(messages.last().unwrap().body.contains("We take 10% off"));
    let clocks = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(
        (clocks.first_reply_within, clocks.first_reply_secs),
        (Some(false), Some(90 * 60))
    );
    assert_eq!(p.events("redress.done").await.len(), 1);
    // Sending it twice is refused; marking it done again changes nothing.
    assert!(
        breaches::send_apology(&p.app, &p.agent, open[0].id, "again")
            .await
            .is_err()
    );
    let again = breaches::mark_done(&p.app, &p.agent, open[0].id).await.unwrap();
    assert_eq!(again.done_how.as_deref(), Some("apology sent"));
    assert_eq!(p.events("redress.done").await.len(), 1);
    assert!(breaching_soon(&p).await.is_empty());
}
both_backends!(warning_breach_redress, a_missed_reply_warns_breaches_and_is_redressed);

async fn next_replies_and_reopens_keep_counting(db: Db) {
    let p = pact(db, "Acme", vec![RedressAction::RedressTask]).await;
    let id = p.open("jane@example.com").await;
    p.clock.set(t0() + mins(10));
    p.reply(id, "Which model is it?").await;
    // The customer writes again at 09:30: a next reply is owed within 2 hours.
    p.clock.set(t0() + mins(30));
    p.customer_writes(id, "The USB one.").await;
    let next = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(next.due_at, Some(t0() + mins(150)));
    // Nobody answers: at 11:31 the next reply is breached, a task without a draft.
    p.at(t0() + mins(151)).await;
    let open = p.app.db.redress_list(p.ws, Some("open"), None, 10).await.unwrap();
    assert_eq!(
        (open.len(), open[0].clock.as_str(), open[0].draft.is_none()),
        (1, "next_reply", true)
    );
    // Solved at noon, reopened by the customer the next morning at 09:00:
    // the resolution clock resumes without the night it stood solved.
    p.clock.set(t0() + mins(180));
    p.set_status(id, "solved").await;
    let solved = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(solved.resolution_within, Some(true));
    p.clock.set(t0() + mins(24 * 60));
    p.customer_writes(id, "It broke again.").await;
    let reopened = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(reopened.resolution_within, None);
    // 3 of 8 business hours used; 5 left from Tuesday 09:00; the next reply
    // (2 hours) comes first.
    assert_eq!(reopened.due_at, Some(t0() + mins(24 * 60 + 120)));
    let res = reopened.clocks.resolution.as_ref().unwrap();
    let cal = pact_support::commitments(vec![]).calendar;
    assert_eq!(res.clock.due_at(&cal).unwrap(), Some(t0() + mins(24 * 60 + 300)));
    // The redress task is marked done by hand.
    let done = breaches::mark_done(&p.app, &p.owner, open[0].id).await.unwrap();
    assert_eq!(done.done_how.as_deref(), Some("marked done"));
}
both_backends!(next_reply_and_reopen, next_replies_and_reopens_keep_counting);

async fn a_check_moved_later_is_queued_by_the_earlier_one(db: Db) {
    let p = pact(db, "Acme", vec![]).await;
    let id = p.open("jane@example.com").await;
    let checks = |steps: &[Step]| {
        steps
            .iter()
            .filter(|s| matches!(s, Step::Completed(k) if k == candor_app::clocks::CLOCK_CHECK_JOB))
            .count()
    };
    // The reply at 09:10 meets the first reply: the next check (the
    // resolution's warning, at 75% of 8 business hours: 15:00) is later than
    // the one queued at opening (09:45), so the reply queues none.
    p.clock.set(t0() + mins(10));
    p.reply(id, "Which model is it?").await;
    let stored = p.app.db.clocks(p.ws, id).await.unwrap().unwrap();
    assert_eq!(stored.next_check_at, Some(t0() + mins(360)));
    // At 09:45 the check queued at opening runs, finds nothing due, and
    // queues the next one.
    assert_eq!(checks(&p.at(t0() + mins(45)).await), 1);
    assert!(p.events("commitment.warning").await.is_empty());
    assert_eq!(
        checks(&p.at(t0() + mins(359)).await),
        0,
        "nothing else is queued before 15:00"
    );
    assert!(p.events("commitment.warning").await.is_empty());
    // 15:00: the resolution warning arrives on time, once.
    assert_eq!(checks(&p.at(t0() + mins(360)).await), 1);
    let warnings = p.events("commitment.warning").await;
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].payload["clock"], "resolution");
    p.at(t0() + mins(361)).await;
    assert_eq!(p.events("commitment.warning").await.len(), 1);
}
both_backends!(moved_later, a_check_moved_later_is_queued_by_the_earlier_one);

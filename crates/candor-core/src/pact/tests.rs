use super::*;
use crate::hours::{OpenInterval, WeeklyHours};
use jiff::civil::Time;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn targets() -> Targets {
    Targets {
        first_reply: Some(hours(4)),
        next_reply: Some(hours(2)),
        resolution: Some(hours(16)),
    }
}

fn always() -> BusinessCalendar {
    BusinessCalendar::always_open()
}

fn nine_to_six_berlin() -> BusinessCalendar {
    let h = WeeklyHours::weekdays(&[OpenInterval::new(
        Time::constant(9, 0, 0, 0),
        Time::constant(18, 0, 0, 0),
    )]);
    BusinessCalendar::new("Europe/Berlin", h, Default::default()).unwrap()
}

#[test]
fn pending_pauses_and_the_customer_resumes() {
    let cal = always();
    let t0 = ts("2026-03-02T09:00:00Z");
    let mut c = ConversationClocks::start(t0, targets()).unwrap();
    assert_eq!(c.due_at(&cal).unwrap(), Some(ts("2026-03-02T13:00:00Z")));
    // One hour in, the agent asks a question and sets pending: nothing counts.
    c.status_changed(t0 + hours(1), Status::Open, Status::Pending).unwrap();
    assert_eq!(c.due_at(&cal).unwrap(), None);
    assert_eq!(c.warn_at(&cal, 0.75).unwrap(), None);
    assert_eq!(c.next_check(&cal, 0.75).unwrap(), None);
    // The customer answers two hours later: three hours are left.
    c.customer_wrote(t0 + hours(3), Status::Pending).unwrap();
    assert_eq!(c.due_at(&cal).unwrap(), Some(ts("2026-03-02T15:00:00Z")));
    // The warning comes at 3 of 4 hours used: 2 more hours after resuming.
    assert_eq!(c.warn_at(&cal, 0.75).unwrap(), Some(ts("2026-03-02T14:00:00Z")));
    // An agent replies after 4.5 hours of wall time, 2.5 of them counted: met.
    c.agent_replied(t0 + SignedDuration::from_mins(270)).unwrap();
    let first = c.outcome(ClockKind::FirstReply, &cal).unwrap().unwrap();
    assert!(first.within);
    assert_eq!(first.business_time, Some(SignedDuration::from_mins(150)));
    // The resolution clock still counts.
    assert!(c.resolution.as_ref().unwrap().is_live());
    assert_eq!(c.outcome(ClockKind::Resolution, &cal).unwrap(), None);
}

#[test]
fn warning_then_breach_fire_once_each() {
    let cal = always();
    let t0 = ts("2026-03-02T09:00:00Z");
    let mut c = ConversationClocks::start(t0, targets()).unwrap();
    assert_eq!(c.next_check(&cal, 0.75).unwrap(), Some(t0 + hours(3)));
    assert!(c.fire(&cal, 0.75, t0 + hours(2)).unwrap().is_empty());
    let alarms = c.fire(&cal, 0.75, t0 + hours(3)).unwrap();
    assert_eq!(
        alarms,
        vec![Alarm {
            kind: ClockKind::FirstReply,
            breach: false,
            due_at: t0 + hours(4)
        }]
    );
    // Run twice: nothing more.
    assert!(c.fire(&cal, 0.75, t0 + hours(3)).unwrap().is_empty());
    let breach_check = t0 + hours(4) + SignedDuration::from_secs(1);
    assert_eq!(c.next_check(&cal, 0.75).unwrap(), Some(breach_check));
    let alarms = c.fire(&cal, 0.75, breach_check).unwrap();
    assert_eq!(alarms.len(), 1);
    assert!(alarms[0].breach);
    assert!(c.fire(&cal, 0.75, breach_check).unwrap().is_empty());
    // A late reply is still a late reply.
    c.agent_replied(t0 + hours(5)).unwrap();
    let first = c.outcome(ClockKind::FirstReply, &cal).unwrap().unwrap();
    assert!(!first.within);
    assert_eq!(first.business_time, Some(hours(5)));
    // The resolution's warning is next: 12 of 16 hours.
    assert_eq!(c.next_check(&cal, 0.75).unwrap(), Some(t0 + hours(12)));
}

#[test]
fn a_clock_long_past_due_breaches_without_a_warning_first() {
    let cal = always();
    let t0 = ts("2026-03-02T09:00:00Z");
    let mut c = ConversationClocks::start(t0, targets()).unwrap();
    let alarms = c.fire(&cal, 0.75, t0 + hours(20)).unwrap();
    assert_eq!(alarms.len(), 2);
    assert!(alarms.iter().all(|a| a.breach));
    let first = c.outcome(ClockKind::FirstReply, &cal).unwrap().unwrap();
    assert_eq!((first.within, first.business_time), (false, None));
    assert_eq!(c.next_check(&cal, 0.75).unwrap(), None);
}

#[test]
fn next_replies_start_after_a_reply_and_solving_stops_everything() {
    let cal = always();
    let t0 = ts("2026-03-02T09:00:00Z");
    let mut c = ConversationClocks::start(t0, targets()).unwrap();
    // Writing again before any reply starts nothing new.
    c.customer_wrote(t0 + hours(1), Status::Open).unwrap();
    assert!(c.next_reply.is_none());
    c.agent_replied(t0 + hours(2)).unwrap();
    c.customer_wrote(t0 + hours(3), Status::Open).unwrap();
    let next = c.next_reply.clone().unwrap();
    assert_eq!(next.clock.started_at(), t0 + hours(3));
    // A second message while waiting does not restart it.
    c.customer_wrote(t0 + hours(4), Status::Open).unwrap();
    assert_eq!(c.next_reply.as_ref().unwrap().clock.started_at(), t0 + hours(3));
    c.status_changed(t0 + hours(6), Status::Open, Status::Solved).unwrap();
    assert_eq!(c.live().count(), 0);
    let res = c.outcome(ClockKind::Resolution, &cal).unwrap().unwrap();
    assert!(res.within);
    assert_eq!(res.business_time, Some(hours(6)));
    // Solved without the next reply: not a reply figure, and not a breach.
    assert_eq!(c.next_reply.as_ref().unwrap().ended_by, Some(EndedBy::Solved));
    assert_eq!(c.next_check(&cal, 0.75).unwrap(), None);
}

#[test]
fn a_first_reply_solved_away_is_not_measured() {
    let cal = always();
    let t0 = ts("2026-03-02T09:00:00Z");
    let mut c = ConversationClocks::start(t0, targets()).unwrap();
    c.status_changed(t0 + hours(1), Status::Open, Status::Closed).unwrap();
    assert_eq!(c.outcome(ClockKind::FirstReply, &cal).unwrap(), None);
    assert!(c.outcome(ClockKind::Resolution, &cal).unwrap().unwrap().within);
}

#[test]
fn a_reopen_resumes_the_resolution_without_the_solved_time() {
    let cal = always();
    let t0 = ts("2026-03-02T09:00:00Z");
    let mut c = ConversationClocks::start(t0, targets()).unwrap();
    c.agent_replied(t0 + hours(1)).unwrap();
    c.status_changed(t0 + hours(2), Status::Open, Status::Solved).unwrap();
    // The customer writes a day later: the conversation reopens.
    c.customer_wrote(t0 + hours(26), Status::Solved).unwrap();
    let res = c.resolution.as_ref().unwrap();
    assert!(res.is_live());
    // 2 hours used before solving, 14 left from the reopen.
    assert_eq!(
        c.get(ClockKind::Resolution).unwrap().clock.due_at(&cal).unwrap(),
        Some(t0 + hours(40))
    );
    // And the next reply is owed too.
    assert!(c.next_reply.as_ref().unwrap().is_live());
    c.agent_replied(t0 + hours(27)).unwrap();
    c.status_changed(t0 + hours(28), Status::Open, Status::Solved).unwrap();
    let res = c.outcome(ClockKind::Resolution, &cal).unwrap().unwrap();
    assert_eq!(res.business_time, Some(hours(4)));
    // Staff reopening works the same way, and pending after solved pauses.
    c.status_changed(t0 + hours(30), Status::Solved, Status::Pending)
        .unwrap();
    assert!(c.resolution.as_ref().unwrap().clock.is_paused());
    c.status_changed(t0 + hours(31), Status::Pending, Status::Open).unwrap();
    assert!(!c.resolution.as_ref().unwrap().clock.is_paused());
}

#[test]
fn due_times_follow_business_hours() {
    // Friday 17:55 in Berlin (UTC+1 in January), 4 business hours, 09:00–18:00.
    let cal = nine_to_six_berlin();
    let t0 = ts("2026-01-09T16:55:00Z");
    let c = ConversationClocks::start(
        t0,
        Targets {
            first_reply: Some(hours(4)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(c.due_at(&cal).unwrap(), Some(ts("2026-01-12T11:55:00Z")));
    // Three of four hours: 5 minutes on Friday, 2 h 55 on Monday → 11:55 local.
    assert_eq!(c.warn_at(&cal, 0.75).unwrap(), Some(ts("2026-01-12T10:55:00Z")));
}

#[test]
fn equal_times_and_stored_state_round_trip() {
    let cal = always();
    let t0 = ts("2026-03-02T09:00:00Z");
    let mut c = ConversationClocks::start(t0, targets()).unwrap();
    // A reply and a status change in the same instant, and an event stamped
    // earlier than the last one: neither is refused.
    c.agent_replied(t0 + hours(1)).unwrap();
    c.status_changed(t0 + hours(1), Status::Open, Status::Pending).unwrap();
    c.customer_wrote(t0 + SignedDuration::from_mins(30), Status::Pending)
        .unwrap();
    let json = serde_json::to_string(&c).unwrap();
    let back: ConversationClocks = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
    assert!(back.resolution.as_ref().unwrap().is_live());
    assert!(!back.resolution.as_ref().unwrap().clock.is_paused());
    assert_eq!("next_reply".parse::<ClockKind>(), Ok(ClockKind::NextReply));
    assert!("reply".parse::<ClockKind>().is_err());
    let _ = cal;
}

#[test]
fn no_targets_no_clocks() {
    let t0 = ts("2026-03-02T09:00:00Z");
    let mut c = ConversationClocks::start(t0, Targets::default()).unwrap();
    c.agent_replied(t0).unwrap();
    c.customer_wrote(t0 + hours(1), Status::Open).unwrap();
    assert_eq!(c.live().count(), 0);
    assert!(Targets::default().is_empty());
}

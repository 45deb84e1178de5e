#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use jiff::civil::{Date, DateTime, Time, date, time};
use jiff::{SignedDuration, Timestamp};

use super::*;

const BERLIN: &str = "Europe/Berlin";

fn local(tz: &str, s: &str) -> Timestamp {
    let dt: DateTime = s.parse().unwrap();
    dt.in_tz(tz).unwrap().timestamp()
}

fn show(cal: &BusinessCalendar, ts: Timestamp) -> String {
    ts.to_zoned(cal.time_zone().clone())
        .strftime("%Y-%m-%dT%H:%M %Z")
        .to_string()
}

fn iv(start: Time, end: Time) -> OpenInterval {
    OpenInterval::new(start, end)
}

fn office(tz: &str, holidays: &[Date]) -> BusinessCalendar {
    let weekly = WeeklyHours::weekdays(&[iv(time(9, 0, 0, 0), time(18, 0, 0, 0))]);
    BusinessCalendar::new(tz, weekly, holidays.iter().copied().collect()).unwrap()
}

fn nights(tz: &str) -> BusinessCalendar {
    let weekly = WeeklyHours::every_day(&[iv(time(1, 0, 0, 0), time(4, 0, 0, 0))]);
    BusinessCalendar::new(tz, weekly, BTreeSet::new()).unwrap()
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

#[test]
fn friday_evening_message_is_due_monday_midday() {
    let cal = office(BERLIN, &[]);
    // 2026-03-06 is a Friday.
    let start = local(BERLIN, "2026-03-06T17:55");
    let due = add_business_time(&cal, start, hours(4)).unwrap();
    assert_eq!(due, local(BERLIN, "2026-03-09T12:55"));
    assert_eq!(business_time_between(&cal, start, due).unwrap(), hours(4));
}

#[test]
fn holiday_moves_the_due_time_a_day() {
    let cal = office(BERLIN, &[date(2026, 3, 9)]);
    let start = local(BERLIN, "2026-03-06T17:55");
    let due = add_business_time(&cal, start, hours(4)).unwrap();
    assert_eq!(due, local(BERLIN, "2026-03-10T12:55"));
}

#[test]
fn office_hours_across_spring_forward_weekend() {
    let cal = office(BERLIN, &[]);
    // Clocks go forward on Sunday 2026-03-29 in Berlin.
    let start = local(BERLIN, "2026-03-27T17:00");
    let due = add_business_time(&cal, start, hours(2)).unwrap();
    assert_eq!(show(&cal, due), "2026-03-30T10:00 CEST");
}

#[test]
fn night_hours_when_the_clocks_go_forward_are_two_hours_long() {
    let cal = nights(BERLIN);
    let open = local(BERLIN, "2026-03-29T01:00");
    let close = local(BERLIN, "2026-03-29T04:00");
    assert_eq!(close.duration_since(open), hours(2));
    assert_eq!(business_time_between(&cal, open, close).unwrap(), hours(2));
    assert_eq!(add_business_time(&cal, open, hours(2)).unwrap(), close);
    let due = add_business_time(&cal, open, hours(3)).unwrap();
    assert_eq!(show(&cal, due), "2026-03-30T02:00 CEST");
    // 02:30 does not exist that night; the calendar is open through the jump.
    let before_jump = local(BERLIN, "2026-03-29T01:59");
    assert!(is_open(&cal, before_jump));
    assert!(is_open(&cal, before_jump + SignedDuration::from_mins(1)));
}

#[test]
fn night_hours_when_the_clocks_go_back_are_four_hours_long() {
    let cal = nights(BERLIN);
    let open = local(BERLIN, "2026-10-25T01:00");
    let close = local(BERLIN, "2026-10-25T04:00");
    assert_eq!(close.duration_since(open), hours(4));
    assert_eq!(business_time_between(&cal, open, close).unwrap(), hours(4));
    let due = add_business_time(&cal, open, hours(4)).unwrap();
    assert_eq!(show(&cal, due), "2026-10-25T04:00 CET");
    let due = add_business_time(&cal, open, hours(2)).unwrap();
    assert_eq!(show(&cal, due), "2026-10-25T02:00 CET");
}

#[test]
fn interval_boundaries_inside_a_skipped_hour_mean_the_jump() {
    let weekly = WeeklyHours::every_day(&[
        iv(time(0, 0, 0, 0), time(2, 30, 0, 0)),
        iv(time(2, 45, 0, 0), time(5, 0, 0, 0)),
    ]);
    let cal = BusinessCalendar::new(BERLIN, weekly, BTreeSet::new()).unwrap();
    let day_start = local(BERLIN, "2026-03-29T00:00");
    let day_end = local(BERLIN, "2026-03-29T05:00");
    // Four real hours pass between local midnight and 05:00; all of them are open.
    assert_eq!(business_time_between(&cal, day_start, day_end).unwrap(), hours(4));
}

#[test]
fn always_open_is_plain_addition() {
    let cal = BusinessCalendar::always_open();
    let start = local("UTC", "2026-03-06T17:55");
    let due = add_business_time(&cal, start, hours(100)).unwrap();
    assert_eq!(due.duration_since(start), hours(100));
    assert!(is_open(&cal, start));
    assert_eq!(next_open(&cal, start).unwrap(), start);
}

#[test]
fn always_open_in_a_zone_with_dst_counts_real_time() {
    let weekly = WeeklyHours::every_day(&[OpenInterval::whole_day()]);
    let cal = BusinessCalendar::new("Australia/Lord_Howe", weekly, BTreeSet::new()).unwrap();
    assert!(cal.is_always_open());
    let start = local("Australia/Lord_Howe", "2026-04-04T12:00");
    let due = add_business_time(&cal, start, hours(48)).unwrap();
    assert_eq!(due.duration_since(start), hours(48));
}

#[test]
fn target_ending_at_closing_time_is_due_at_closing_time() {
    let cal = office(BERLIN, &[]);
    let start = local(BERLIN, "2026-03-06T09:00");
    let due = add_business_time(&cal, start, hours(9)).unwrap();
    assert_eq!(due, local(BERLIN, "2026-03-06T18:00"));
    assert!(!is_open(&cal, due));
    let next = add_business_time(&cal, due, hours(1)).unwrap();
    assert_eq!(next, local(BERLIN, "2026-03-09T10:00"));
}

#[test]
fn zero_target_is_due_at_once_and_negative_is_an_error() {
    let cal = office(BERLIN, &[]);
    let start = local(BERLIN, "2026-03-07T12:00");
    assert_eq!(add_business_time(&cal, start, SignedDuration::ZERO).unwrap(), start);
    assert!(matches!(
        add_business_time(&cal, start, hours(-1)),
        Err(HoursError::NegativeTarget(_))
    ));
}

#[test]
fn a_calendar_without_hours_is_an_error_not_a_hang() {
    let cal = BusinessCalendar::new(BERLIN, WeeklyHours::default(), BTreeSet::new()).unwrap();
    let start = local(BERLIN, "2026-03-07T12:00");
    assert_eq!(add_business_time(&cal, start, hours(1)), Err(HoursError::NoOpenHours));
    assert_eq!(next_open(&cal, start), Err(HoursError::NoOpenHours));
    assert_eq!(
        business_time_between(&cal, start, start + hours(1000)).unwrap(),
        SignedDuration::ZERO
    );
}

#[test]
fn a_calendar_open_too_rarely_hits_the_horizon() {
    let weekly = WeeklyHours {
        mon: vec![iv(time(9, 0, 0, 0), time(9, 1, 0, 0))],
        ..WeeklyHours::default()
    };
    let cal = BusinessCalendar::new(BERLIN, weekly, BTreeSet::new()).unwrap();
    let start = local(BERLIN, "2026-03-07T12:00");
    assert_eq!(
        add_business_time(&cal, start, hours(10_000)),
        Err(HoursError::HorizonExceeded)
    );
}

#[test]
fn validation_names_the_problem() {
    let overlapping = WeeklyHours::weekdays(&[
        iv(time(9, 0, 0, 0), time(13, 0, 0, 0)),
        iv(time(12, 0, 0, 0), time(18, 0, 0, 0)),
    ]);
    let err = BusinessCalendar::new(BERLIN, overlapping, BTreeSet::new()).unwrap_err();
    assert!(matches!(err, CalendarError::Overlap { .. }));
    assert_eq!(
        err.to_string(),
        "on Monday the hours 09:00–13:00 and 12:00–18:00 overlap"
    );

    let backwards = WeeklyHours::weekdays(&[iv(time(18, 0, 0, 0), time(9, 0, 0, 0))]);
    let err = BusinessCalendar::new(BERLIN, backwards, BTreeSet::new()).unwrap_err();
    assert!(matches!(err, CalendarError::EndNotAfterStart { .. }));

    let empty = WeeklyHours::weekdays(&[iv(time(9, 0, 0, 0), time(9, 0, 0, 0))]);
    assert!(BusinessCalendar::new(BERLIN, empty, BTreeSet::new()).is_err());

    let err = BusinessCalendar::new("Mars/Olympus", WeeklyHours::default(), BTreeSet::new()).unwrap_err();
    assert_eq!(err, CalendarError::UnknownTimeZone("Mars/Olympus".into()));

    // Adjacent intervals and an interval to midnight are fine.
    let fine = WeeklyHours::weekdays(&[
        iv(time(9, 0, 0, 0), time(12, 0, 0, 0)),
        iv(time(12, 0, 0, 0), time(0, 0, 0, 0)),
    ]);
    assert!(BusinessCalendar::new(BERLIN, fine, BTreeSet::new()).is_ok());
}

#[test]
fn open_next_open_and_end_of_day() {
    let cal = office(BERLIN, &[date(2026, 3, 9)]);
    assert!(is_open(&cal, local(BERLIN, "2026-03-06T09:00")));
    assert!(!is_open(&cal, local(BERLIN, "2026-03-06T18:00")));
    assert!(!is_open(&cal, local(BERLIN, "2026-03-07T12:00")));
    assert_eq!(
        next_open(&cal, local(BERLIN, "2026-03-06T18:00")).unwrap(),
        local(BERLIN, "2026-03-10T09:00")
    );
    assert_eq!(
        end_of_business_day(&cal, date(2026, 3, 6)),
        Some(local(BERLIN, "2026-03-06T18:00"))
    );
    assert_eq!(end_of_business_day(&cal, date(2026, 3, 7)), None);
    assert_eq!(end_of_business_day(&cal, date(2026, 3, 9)), None);
}

#[test]
fn business_time_between_is_antisymmetric() {
    let cal = office(BERLIN, &[]);
    let a = local(BERLIN, "2026-03-06T10:00");
    let b = local(BERLIN, "2026-03-09T11:00");
    // Eight hours on Friday, two on Monday.
    assert_eq!(business_time_between(&cal, a, b).unwrap(), hours(10));
    assert_eq!(business_time_between(&cal, b, a).unwrap(), hours(-10));
}

#[test]
fn calendar_round_trips_through_json() {
    let cal = office(BERLIN, &[date(2026, 12, 25)]);
    let json = serde_json::to_string(&cal).unwrap();
    assert!(json.contains(r#""time_zone":"Europe/Berlin""#), "{json}");
    assert!(json.contains(r#""holidays":["2026-12-25"]"#), "{json}");
    let back: BusinessCalendar = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cal);

    let bad = r#"{"time_zone":"Europe/Berlin","weekly":{"mon":[{"start":"18:00","end":"09:00"}]}}"#;
    let err = serde_json::from_str::<BusinessCalendar>(bad).unwrap_err();
    assert!(err.to_string().contains("end before they start"), "{err}");
}

mod clocks {
    use super::*;

    fn cal() -> BusinessCalendar {
        office(BERLIN, &[])
    }

    #[test]
    fn runs_and_breaches() {
        let cal = cal();
        let start = local(BERLIN, "2026-03-06T17:55");
        let clock = CommitmentClock::start(start, hours(4)).unwrap();
        let due = local(BERLIN, "2026-03-09T12:55");
        assert_eq!(clock.due_at(&cal).unwrap(), Some(due));
        let saturday = local(BERLIN, "2026-03-07T12:00");
        assert_eq!(clock.state_at(&cal, saturday).unwrap(), ClockState::Running);
        assert_eq!(
            clock.elapsed_business(&cal, saturday).unwrap(),
            SignedDuration::from_mins(5)
        );
        assert_eq!(
            clock.remaining_business(&cal, saturday).unwrap(),
            hours(4) - SignedDuration::from_mins(5)
        );
        assert_eq!(clock.state_at(&cal, due).unwrap(), ClockState::Running);
        let late = due + SignedDuration::from_secs(1);
        assert_eq!(clock.state_at(&cal, late).unwrap(), ClockState::Breached);
        assert!(clock.remaining_business(&cal, late).unwrap().is_negative());
        assert_eq!(
            clock.warning_at(&cal, 0.75).unwrap(),
            Some(local(BERLIN, "2026-03-09T11:55"))
        );
    }

    #[test]
    fn pauses_push_the_due_time_back() {
        let cal = cal();
        let mut clock = CommitmentClock::start(local(BERLIN, "2026-03-09T09:00"), hours(4)).unwrap();
        clock.pause(local(BERLIN, "2026-03-09T10:00")).unwrap();
        let during = local(BERLIN, "2026-03-09T15:00");
        assert_eq!(clock.state_at(&cal, during).unwrap(), ClockState::Paused);
        assert_eq!(clock.due_at(&cal).unwrap(), None);
        assert_eq!(clock.elapsed_business(&cal, during).unwrap(), hours(1));
        clock.resume(local(BERLIN, "2026-03-09T16:00")).unwrap();
        // One hour used; three left from 16:00: two today, one tomorrow.
        assert_eq!(clock.due_at(&cal).unwrap(), Some(local(BERLIN, "2026-03-10T10:00")));
        // Looking back at a moment during the pause still says paused.
        assert_eq!(clock.state_at(&cal, during).unwrap(), ClockState::Paused);
        clock.stop(local(BERLIN, "2026-03-10T09:30")).unwrap();
        let later = local(BERLIN, "2026-03-20T09:00");
        assert_eq!(clock.state_at(&cal, later).unwrap(), ClockState::Met);
        assert_eq!(
            clock.elapsed_business(&cal, later).unwrap(),
            hours(3) + SignedDuration::from_mins(30)
        );
    }

    #[test]
    fn met_late_is_breached_and_met_while_paused_is_met() {
        let cal = cal();
        let start = local(BERLIN, "2026-03-09T09:00");
        let mut late = CommitmentClock::start(start, hours(1)).unwrap();
        late.stop(local(BERLIN, "2026-03-09T11:00")).unwrap();
        let after = local(BERLIN, "2026-03-09T12:00");
        assert_eq!(late.state_at(&cal, after).unwrap(), ClockState::Breached);

        let mut waiting = CommitmentClock::start(start, hours(1)).unwrap();
        waiting.pause(local(BERLIN, "2026-03-09T09:30")).unwrap();
        waiting.stop(local(BERLIN, "2026-03-12T09:00")).unwrap();
        let after = local(BERLIN, "2026-03-13T09:00");
        assert_eq!(waiting.state_at(&cal, after).unwrap(), ClockState::Met);
    }

    #[test]
    fn paused_after_the_due_time_stays_breached() {
        let cal = cal();
        let mut clock = CommitmentClock::start(local(BERLIN, "2026-03-09T09:00"), hours(1)).unwrap();
        clock.pause(local(BERLIN, "2026-03-09T11:00")).unwrap();
        let after = local(BERLIN, "2026-03-09T12:00");
        assert_eq!(clock.state_at(&cal, after).unwrap(), ClockState::Breached);
    }

    #[test]
    fn stored_clocks_are_checked_when_read() {
        let start = local(BERLIN, "2026-03-09T09:00");
        let mut clock = CommitmentClock::start(start, hours(4)).unwrap();
        clock.pause(start + hours(1)).unwrap();
        clock.resume(start + hours(2)).unwrap();
        clock.pause(start + hours(3)).unwrap();
        let json = serde_json::to_string(&clock).unwrap();
        assert!(json.contains(r#""target":"PT4H""#), "{json}");
        assert_eq!(serde_json::from_str::<CommitmentClock>(&json).unwrap(), clock);

        let backwards = r#"{"started_at":"2026-03-09T09:00:00Z","target":"PT4H",
            "pauses":[{"from":"2026-03-09T08:00:00Z","until":null}],"met_at":null}"#;
        let err = serde_json::from_str::<CommitmentClock>(backwards).unwrap_err();
        assert!(err.to_string().contains("earlier than"), "{err}");
        let open_twice = r#"{"started_at":"2026-03-09T09:00:00Z","target":"PT4H",
            "pauses":[{"from":"2026-03-09T10:00:00Z","until":null},
                      {"from":"2026-03-09T11:00:00Z","until":null}]}"#;
        assert!(serde_json::from_str::<CommitmentClock>(open_twice).is_err());
        let no_target = r#"{"started_at":"2026-03-09T09:00:00Z","target":"PT0S"}"#;
        assert!(serde_json::from_str::<CommitmentClock>(no_target).is_err());
    }

    #[test]
    fn events_are_checked() {
        let start = local(BERLIN, "2026-03-09T09:00");
        assert!(CommitmentClock::start(start, SignedDuration::ZERO).is_err());
        let mut clock = CommitmentClock::start(start, hours(1)).unwrap();
        assert_eq!(clock.resume(start), Err(ClockError::NotPaused));
        assert!(matches!(
            clock.pause(start - hours(1)),
            Err(ClockError::OutOfOrder { .. })
        ));
        clock.pause(start).unwrap();
        assert_eq!(clock.pause(start), Err(ClockError::AlreadyPaused));
        clock.stop(start + hours(1)).unwrap();
        assert!(matches!(clock.resume(start + hours(2)), Err(ClockError::AlreadyMet(_))));
        assert!(matches!(
            clock.warning_at(&cal(), f64::NAN),
            Err(ClockError::InvalidShare(_))
        ));
    }
}

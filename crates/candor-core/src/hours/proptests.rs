#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use jiff::civil::Time;
use jiff::{SignedDuration, Timestamp, ToSpan};
use proptest::prelude::*;

use super::*;

const ZONES: [&str; 5] = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "UTC",
];

/// Instants (UTC seconds) just around daylight-saving changes in the zones above.
const DST_EDGES: [i64; 6] = [
    1_774_746_000, // 2026-03-29 01:00Z, Berlin forward
    1_792_890_000, // 2026-10-25 01:00Z, Berlin back
    1_772_953_200, // 2026-03-08 07:00Z, New York forward
    1_793_512_800, // 2026-11-01 06:00Z, New York back
    1_775_314_800, // 2026-04-04 15:00Z, Lord Howe back (30 minutes)
    1_791_041_400, // 2026-10-03 15:30Z, Lord Howe forward (30 minutes)
];

fn minute_to_time(m: u16) -> Time {
    if m >= 1440 {
        Time::midnight()
    } else {
        Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).unwrap()
    }
}

fn day() -> impl Strategy<Value = Vec<OpenInterval>> {
    prop_oneof![
        1 => Just(Vec::new()),
        1 => Just(vec![OpenInterval::whole_day()]),
        6 => proptest::collection::vec(0u16..=1440, 0..7).prop_map(|mut points| {
            points.sort_unstable();
            points.dedup();
            points
                .chunks_exact(2)
                .filter(|p| p[0] < 1440)
                .map(|p| OpenInterval::new(minute_to_time(p[0]), minute_to_time(p[1])))
                .collect()
        }),
    ]
}

fn weekly() -> impl Strategy<Value = WeeklyHours> {
    (day(), day(), day(), day(), day(), day(), day()).prop_map(|(mon, tue, wed, thu, fri, sat, sun)| WeeklyHours {
        mon,
        tue,
        wed,
        thu,
        fri,
        sat,
        sun,
    })
}

fn start() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (946_684_800i64..2_051_222_400, 0i32..1_000_000_000).prop_map(|(s, n)| Timestamp::new(s, n).unwrap()),
        (0usize..DST_EDGES.len(), -200_000i64..200_000)
            .prop_map(|(i, d)| Timestamp::from_second(DST_EDGES[i] + d).unwrap()),
    ]
}

fn calendar() -> impl Strategy<Value = BusinessCalendar> {
    (
        0usize..ZONES.len(),
        weekly(),
        proptest::collection::vec(-30i64..400, 0..12),
        start(),
    )
        .prop_map(|(zone, weekly, offsets, near)| {
            let base = near.to_zoned(jiff::tz::TimeZone::UTC).date();
            let holidays: BTreeSet<_> = offsets
                .into_iter()
                .filter_map(|o| base.checked_add(o.days()).ok())
                .collect();
            BusinessCalendar::new(ZONES[zone], weekly, holidays).unwrap()
        })
}

fn target() -> impl Strategy<Value = SignedDuration> {
    prop_oneof![
        (0i64..200 * 3600).prop_map(SignedDuration::from_secs),
        (0i64..3_600_000_000_000).prop_map(SignedDuration::from_nanos),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn due_time_is_sound(cal in calendar(), start in start(), target in target()) {
        let due = match add_business_time(&cal, start, target) {
            Ok(due) => due,
            Err(HoursError::NoOpenHours) => {
                prop_assert!(cal.has_no_hours());
                return Ok(());
            }
            Err(HoursError::HorizonExceeded) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        prop_assert!(due >= start);
        if target.is_positive() {
            let just_before = due - SignedDuration::from_nanos(1);
            prop_assert!(is_open(&cal, due) || is_open(&cal, just_before),
                "due {} is in closed hours", due);
        }
        prop_assert_eq!(business_time_between(&cal, start, due).unwrap(), target);
    }

    #[test]
    fn targets_compose(cal in calendar(), start in start(), a in target(), b in target()) {
        let first = add_business_time(&cal, start, a);
        let whole = add_business_time(&cal, start, a + b);
        if let (Ok(first), Ok(whole)) = (first, whole) {
            prop_assert_eq!(add_business_time(&cal, first, b).unwrap(), whole);
        }
    }

    #[test]
    fn next_open_is_open(cal in calendar(), start in start()) {
        if let Ok(next) = next_open(&cal, start) {
            prop_assert!(next >= start);
            prop_assert!(is_open(&cal, next));
            prop_assert_eq!(business_time_between(&cal, start, next).unwrap(), SignedDuration::ZERO);
        }
    }

    #[test]
    fn between_splits_additively(cal in calendar(), a in start(), d1 in 0i64..2_000_000, d2 in 0i64..2_000_000) {
        let b = a + SignedDuration::from_secs(d1);
        let c = b + SignedDuration::from_secs(d2);
        let ab = business_time_between(&cal, a, b).unwrap();
        let bc = business_time_between(&cal, b, c).unwrap();
        prop_assert_eq!(business_time_between(&cal, a, c).unwrap(), ab + bc);
        prop_assert!(ab <= b.duration_since(a));
    }

    #[test]
    fn clock_due_matches_plain_addition_without_pauses(
        cal in calendar(), start in start(), target in target()
    ) {
        prop_assume!(target.is_positive());
        let clock = CommitmentClock::start(start, target).unwrap();
        if let Ok(due) = add_business_time(&cal, start, target) {
            prop_assert_eq!(clock.due_at(&cal).unwrap(), Some(due));
            prop_assert_eq!(clock.elapsed_business(&cal, due).unwrap(), target);
            prop_assert_eq!(clock.state_at(&cal, due).unwrap(), ClockState::Running);
            let after = due + SignedDuration::from_nanos(1);
            prop_assert_eq!(clock.state_at(&cal, after).unwrap(), ClockState::Breached);
        }
    }

    #[test]
    fn clock_pause_delays_due_by_the_paused_business_time(
        cal in calendar(), start in start(), target in target(),
        at in 0i64..500_000, len in 0i64..500_000
    ) {
        prop_assume!(target.is_positive());
        let from = start + SignedDuration::from_secs(at);
        let until = from + SignedDuration::from_secs(len);
        let mut clock = CommitmentClock::start(start, target).unwrap();
        clock.pause(from).unwrap();
        clock.resume(until).unwrap();
        let plain = add_business_time(&cal, start, target);
        let (Ok(plain), Ok(due)) = (plain, clock.due_at(&cal)) else { return Ok(()) };
        let due = due.unwrap();
        if plain <= from {
            prop_assert_eq!(due, plain);
        } else {
            let paused = business_time_between(&cal, from, until).unwrap();
            prop_assert_eq!(business_time_between(&cal, start, due).unwrap(), target + paused);
        }
    }
}

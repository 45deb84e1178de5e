//! A priority change moves a conversation to another commitment of the same
//! commitments version: the clocks still counting take the new targets, due
//! times computed again from their start (paused time still left out), and
//! concluded or breached clocks keep their outcome.

use super::{ClockKind, ConversationClocks, Targets};
use crate::hours::{BusinessCalendar, ClockError};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// What a priority change did to one clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Retargeted {
    /// Which clock.
    pub clock: ClockKind,
    /// Its target before.
    pub target_before: SignedDuration,
    /// Its target now; `None` when the new priority has no commitment for
    /// it, so it is no longer measured.
    pub target_after: Option<SignedDuration>,
    /// Its due time before (`None` while paused with time left).
    pub due_before: Option<Timestamp>,
    /// Its due time now.
    pub due_after: Option<Timestamp>,
}

impl ConversationClocks {
    /// The conversation's priority changed at `at`; `new` are the targets of
    /// the new priority's commitment under the same version (empty when it
    /// has none).
    ///
    /// Every clock still counting and not yet breached takes its new target:
    /// the same start, pauses and business calendar, so its due time is
    /// computed again from its start. A warning already given stands only if
    /// the new target's warning time has passed too (otherwise it is given
    /// again at the new time). A clock without a new target stops being
    /// measured (it is dropped, and no figure counts it). Clocks met or
    /// breached keep their outcome. Later next-reply clocks start with the new
    /// targets. Nothing changes when any step fails.
    pub fn retarget(
        &mut self,
        new: Targets,
        cal: &BusinessCalendar,
        warn_share: f64,
        at: Timestamp,
    ) -> Result<Vec<Retargeted>, ClockError> {
        let mut next = self.clone();
        next.targets = new;
        let mut changed = Vec::new();
        for kind in ClockKind::ALL {
            let slot = match kind {
                ClockKind::FirstReply => &mut next.first_reply,
                ClockKind::NextReply => &mut next.next_reply,
                ClockKind::Resolution => &mut next.resolution,
            };
            let Some(tracked) = slot.as_mut().filter(|c| c.is_live() && !c.breached) else {
                continue;
            };
            let before = tracked.clock.target();
            let due_before = tracked.clock.due_at(cal)?;
            match new.get(kind) {
                Some(target) if target == before => {}
                Some(target) => {
                    let clock = tracked.clock.with_target(target)?;
                    let warned_still = match clock.warning_at(cal, warn_share)? {
                        Some(w) => w <= at,
                        None => false,
                    };
                    tracked.warned = tracked.warned && warned_still;
                    let due_after = clock.due_at(cal)?;
                    tracked.clock = clock;
                    changed.push(Retargeted {
                        clock: kind,
                        target_before: before,
                        target_after: Some(target),
                        due_before,
                        due_after,
                    });
                }
                None => {
                    *slot = None;
                    changed.push(Retargeted {
                        clock: kind,
                        target_before: before,
                        target_after: None,
                        due_before,
                        due_after: None,
                    });
                }
            }
        }
        *self = next;
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Status;
    use crate::hours::{OpenInterval, WeeklyHours};
    use jiff::civil::Time;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn hours(h: i64) -> SignedDuration {
        SignedDuration::from_hours(h)
    }

    fn targets(first: i64, next: i64, resolution: i64) -> Targets {
        Targets {
            first_reply: Some(hours(first)),
            next_reply: Some(hours(next)),
            resolution: Some(hours(resolution)),
        }
    }

    fn nine_to_six() -> BusinessCalendar {
        let h = WeeklyHours::weekdays(&[OpenInterval::new(
            Time::constant(9, 0, 0, 0),
            Time::constant(18, 0, 0, 0),
        )]);
        BusinessCalendar::new("UTC", h, Default::default()).unwrap()
    }

    #[test]
    fn running_clocks_take_the_new_targets_from_their_start() {
        let cal = nine_to_six();
        // Monday 09:00; pending 10:00–12:00, so two hours do not count.
        let t0 = ts("2026-03-02T09:00:00Z");
        let mut c = ConversationClocks::start(t0, targets(4, 2, 16)).unwrap();
        c.status_changed(t0 + hours(1), Status::Open, Status::Pending).unwrap();
        c.customer_wrote(t0 + hours(3), Status::Pending).unwrap();
        assert_eq!(c.due_at(&cal).unwrap(), Some(ts("2026-03-02T15:00:00Z")));
        // Urgent at 13:00: a first reply within 2 hours, resolution within 4.
        let changed = c
            .retarget(targets(2, 1, 4), &cal, 0.75, ts("2026-03-02T13:00:00Z"))
            .unwrap();
        assert_eq!(changed.len(), 2, "{changed:?}");
        let first = c.first_reply.as_ref().unwrap();
        assert_eq!(first.clock.target(), hours(2));
        // 09:00–10:00 counted, pause until 12:00, one more hour: 13:00.
        assert_eq!(first.clock.due_at(&cal).unwrap(), Some(ts("2026-03-02T13:00:00Z")));
        assert_eq!(changed[0].due_before, Some(ts("2026-03-02T15:00:00Z")));
        assert_eq!(changed[0].due_after, Some(ts("2026-03-02T13:00:00Z")));
        assert_eq!(c.targets, targets(2, 1, 4));
        // The breach falls due at once.
        let alarms = c.fire(&cal, 0.75, ts("2026-03-02T13:00:01Z")).unwrap();
        assert!(alarms.iter().any(|a| a.kind == ClockKind::FirstReply && a.breach));
    }

    #[test]
    fn met_and_breached_clocks_keep_their_outcome() {
        let cal = nine_to_six();
        let t0 = ts("2026-03-02T09:00:00Z");
        let mut c = ConversationClocks::start(t0, targets(1, 2, 16)).unwrap();
        // The first reply is breached at 10:00 and still unanswered at 11:00.
        let fired = c.fire(&cal, 0.75, t0 + hours(2)).unwrap();
        assert!(fired.iter().any(|a| a.breach));
        let before = c.first_reply.clone();
        let changed = c.retarget(targets(8, 2, 32), &cal, 0.75, t0 + hours(2)).unwrap();
        assert_eq!(c.first_reply, before, "a breached clock keeps its target");
        assert_eq!(
            changed.iter().map(|r| r.clock).collect::<Vec<_>>(),
            vec![ClockKind::Resolution]
        );
        c.agent_replied(t0 + hours(3)).unwrap();
        assert!(!c.outcome(ClockKind::FirstReply, &cal).unwrap().unwrap().within);
        // A met clock is left alone too.
        let met = c.first_reply.clone();
        c.retarget(targets(1, 1, 1), &cal, 0.75, t0 + hours(4)).unwrap();
        assert_eq!(c.first_reply, met);
    }

    #[test]
    fn no_commitment_for_the_new_priority_stops_the_measuring() {
        let cal = nine_to_six();
        let t0 = ts("2026-03-02T09:00:00Z");
        let mut c = ConversationClocks::start(t0, targets(4, 2, 16)).unwrap();
        c.agent_replied(t0 + hours(1)).unwrap();
        let changed = c.retarget(Targets::default(), &cal, 0.75, t0 + hours(2)).unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].clock, ClockKind::Resolution);
        assert_eq!(changed[0].target_after, None);
        assert!(c.resolution.is_none());
        assert_eq!(c.next_check(&cal, 0.75).unwrap(), None);
        // The first reply stays measured; no next-reply clock starts any more.
        assert!(c.outcome(ClockKind::FirstReply, &cal).unwrap().unwrap().within);
        c.customer_wrote(t0 + hours(3), Status::Open).unwrap();
        assert!(c.next_reply.is_none());
    }

    #[test]
    fn a_warning_given_stands_only_while_its_new_time_has_passed() {
        let cal = nine_to_six();
        let t0 = ts("2026-03-02T09:00:00Z");
        let mut c = ConversationClocks::start(t0, targets(4, 2, 16)).unwrap();
        let at = t0 + hours(3) + SignedDuration::from_mins(30);
        assert!(!c.fire(&cal, 0.75, at).unwrap().is_empty());
        // A longer target: warned again at 75% of 8 hours (15:00).
        let mut longer = c.clone();
        longer.retarget(targets(8, 2, 16), &cal, 0.75, at).unwrap();
        assert!(!longer.first_reply.as_ref().unwrap().warned);
        assert_eq!(longer.next_check(&cal, 0.75).unwrap(), Some(ts("2026-03-02T15:00:00Z")));
        // A shorter one whose warning time has passed: the warning stands.
        c.retarget(targets(2, 2, 16), &cal, 0.75, at).unwrap();
        assert!(c.first_reply.as_ref().unwrap().warned);
    }

    fn clocks_strategy() -> impl Strategy<Value = (ConversationClocks, Timestamp)> {
        // Start within a week from Monday, with pauses of up to a day.
        (
            0i64..7 * 24 * 60,
            prop::collection::vec((1i64..600, 1i64..1440), 0..3),
            1i64..40,
        )
            .prop_map(|(start, pauses, first)| {
                let t0 = ts("2026-03-02T00:00:00Z") + SignedDuration::from_mins(start);
                let mut c = ConversationClocks::start(t0, targets(first, 2, 40)).unwrap();
                let mut at = t0;
                for (run, wait) in pauses {
                    at += SignedDuration::from_mins(run);
                    c.status_changed(at, Status::Open, Status::Pending).unwrap();
                    at += SignedDuration::from_mins(wait);
                    c.customer_wrote(at, Status::Pending).unwrap();
                }
                (c, at)
            })
    }

    proptest! {
        #[test]
        fn the_new_due_time_uses_exactly_the_new_target(
            (mut c, at) in clocks_strategy(),
            first in 1i64..40,
        ) {
            let cal = nine_to_six();
            let original = c.clone();
            c.retarget(targets(first, 2, 40), &cal, 0.75, at).unwrap();
            let clock = &c.first_reply.as_ref().unwrap().clock;
            prop_assert_eq!(clock.started_at(), original.first_reply.as_ref().unwrap().clock.started_at());
            prop_assert_eq!(clock.pauses(), original.first_reply.as_ref().unwrap().clock.pauses());
            let due = clock.due_at(&cal).unwrap().unwrap();
            // Exactly the target of open, unpaused time is used by the due time.
            prop_assert_eq!(clock.elapsed_business(&cal, due).unwrap(), hours(first));
            // Changing back restores the clock as it was.
            let mut back = c.clone();
            back.retarget(original.targets, &cal, 0.75, at).unwrap();
            prop_assert_eq!(
                back.first_reply.as_ref().unwrap().clock.due_at(&cal).unwrap(),
                original.first_reply.as_ref().unwrap().clock.due_at(&cal).unwrap()
            );
        }

        #[test]
        fn a_longer_target_is_never_due_earlier(
            (c, at) in clocks_strategy(),
            a in 1i64..40,
            b in 1i64..40,
        ) {
            let cal = nine_to_six();
            let (short, long) = (a.min(b), a.max(b));
            let mut x = c.clone();
            x.retarget(targets(short, 2, 40), &cal, 0.75, at).unwrap();
            let mut y = c;
            y.retarget(targets(long, 2, 40), &cal, 0.75, at).unwrap();
            let due = |c: &ConversationClocks| c.first_reply.as_ref().unwrap().clock.due_at(&cal).unwrap();
            prop_assert!(due(&x) <= due(&y));
        }

        #[test]
        fn concluded_clocks_never_change((mut c, at) in clocks_strategy(), first in 1i64..40) {
            let cal = nine_to_six();
            let replied = at + SignedDuration::from_mins(5);
            c.agent_replied(replied).unwrap();
            let before = c.first_reply.clone();
            let outcome = c.outcome(ClockKind::FirstReply, &cal).unwrap();
            c.retarget(targets(first, 2, 40), &cal, 0.75, replied).unwrap();
            prop_assert_eq!(&c.first_reply, &before);
            prop_assert_eq!(c.outcome(ClockKind::FirstReply, &cal).unwrap(), outcome);
        }
    }
}

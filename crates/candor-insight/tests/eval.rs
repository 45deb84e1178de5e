#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! English must meet the coach targets on its evaluation set, so a rule
//! change that regresses precision or recall fails the build.

use candor_insight::eval::{
    COACH_SETS, PROMISE_SETS, SENTIMENT_SET, evaluate_coach, evaluate_promises, evaluate_sentiment,
};

#[test]
fn english_coach_meets_targets() {
    let (_, src) = COACH_SETS
        .iter()
        .find(|(l, _)| *l == "en")
        .copied()
        .unwrap_or(("en", ""));
    let (scores, misses) = evaluate_coach("en", src);
    for s in scores {
        assert!(s.support() >= 15, "{:?} needs at least 15 positives", s.category);
        assert!(
            s.precision() >= 0.9 && s.recall() >= 0.8,
            "{:?}: precision {:.2} recall {:.2}; misses: {misses:#?}",
            s.category,
            s.precision(),
            s.recall()
        );
    }
}

#[test]
fn english_promises_are_found() {
    let (_, src) = PROMISE_SETS
        .iter()
        .find(|(l, _)| *l == "en")
        .copied()
        .unwrap_or(("en", ""));
    let s = evaluate_promises("en", src);
    assert_eq!(s.false_positives, 0, "{:#?}", s.misses);
    assert_eq!(s.false_negatives, 0, "{:#?}", s.misses);
}

#[test]
fn support_adjustment_beats_plain_vader() {
    let en = evaluate_sentiment(SENTIMENT_SET).into_iter().find(|s| s.lang == "en");
    let Some(en) = en else {
        panic!("no English sentiment rows")
    };
    assert!(en.total >= 60);
    assert!(en.adjusted_correct > en.plain_correct + en.total / 5, "{en:?}");
}

//! Text understanding: language, sentiment, the reply coach and promise detection.

mod coach;
pub mod eval;
mod language;
mod phrase;
mod promise;
mod sentiment;
mod text;

pub use coach::{
    Category, Coach, CoachOptions, CoachReport, Finding, LANGUAGE_MIN_CONFIDENCE, RuleError,
    analyze_reply, coach,
};
pub use language::{LanguageGuess, detect_language};
pub use phrase::PatternError;
pub use promise::{
    DueSpec, MondayToFriday, Owner, PromiseDetection, WorkingCalendar, detect_promises, resolve_due,
};
pub use sentiment::{
    NEUTRAL_BAND, Sentiment, SentimentLabel, SentimentMethod, sentiment, vader_compound,
};

//! The Candor domain: types, rules and arithmetic. No IO, no async.

pub mod clock;
pub mod events;
pub mod ids;
pub mod staff;
pub mod workspace;

pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::*;

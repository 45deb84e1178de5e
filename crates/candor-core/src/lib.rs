//! The Candor domain: types, rules and arithmetic. No IO, no async.

pub mod campaign;
pub mod chat;
pub mod clock;
pub mod commitments;
pub mod community;
pub mod conversation;
pub mod customer;
pub mod events;
pub mod hours;
pub mod identity;
pub mod ids;
pub mod likeness;
pub mod links;
pub mod next_action;
pub mod pact;
pub mod phone;
pub mod promises;
pub mod quoted;
pub mod routing;
pub mod segment;
pub mod social;
pub mod staff;
pub mod trust;
pub mod value;
pub mod workspace;

pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::*;

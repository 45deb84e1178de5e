//! The Candor domain: types, rules and arithmetic. No IO, no async.

pub mod hours;
pub mod identity;
pub mod segment;
pub mod value;

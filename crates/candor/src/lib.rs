//! The `candor` binary's wiring, as a library so tests drive it the same way.

pub mod cli;
pub mod clocks;
pub mod run;
pub mod transfer;
pub mod trust;

//! Candor's storage: one code path over SQLite and PostgreSQL, migrations,
//! the event log, the job queue, and the accounts that let people in.

pub mod access;
pub mod batch;
pub mod bulk;
pub mod campaigns;
pub mod catalog;
pub mod chat;
pub mod clocks;
pub mod clocks_rebuild;
pub mod coach_rules;
pub mod commitment_figures;
pub mod commitments;
pub mod community;
pub mod conversations;
pub mod customers;
pub mod db;
pub mod email;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod jobs;
pub mod leases;
pub mod likeness;
pub mod merge;
pub mod messages;
pub mod migrate;
pub mod next_actions;
pub mod outbox;
pub mod phone;
pub mod promises;
pub mod purchases;
pub mod redress;
pub mod routing;
pub mod sealed;
pub mod secrets;
pub mod segments;
pub mod social;
pub mod sql;
pub mod staff;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod throttle;
pub mod trust;

pub use db::{Backend, Db, Tx};
pub use error::{Result, StoreError};

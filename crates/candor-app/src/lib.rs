//! Candor's operations: what people and programs can do, built from the
//! domain rules and the store, each change written with its event.

pub mod accounts;
pub mod breaches;
pub mod caller;
pub mod catalog;
pub mod checks;
pub mod clocks;
pub mod coach_rules;
pub mod commitments;
pub mod commitments_measure;
pub mod community;
pub mod context;
pub mod conversation_views;
pub mod conversations;
pub mod customer_view;
pub mod customers;
pub mod demo;
pub mod demo_commitments;
pub mod demo_community;
pub mod demo_conversations;
pub mod demo_customers;
pub mod demo_social;
pub mod error;
pub mod export;
pub mod files;
pub mod import;
pub mod ingest;
pub mod insight;
pub mod live;
pub mod merge;
pub mod pact_cache;
pub mod passwords;
pub mod phone;
pub mod promises;
pub mod purchases;
pub mod reference;
pub mod routing;
pub mod segments;
pub mod social;
pub mod timeline;
pub mod trust;
pub mod value;
pub mod worker;

pub use caller::Caller;
pub use context::App;
pub use error::{AppError, AppResult};

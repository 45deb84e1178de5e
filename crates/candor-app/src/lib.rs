//! Candor's operations: what people and programs can do, built from the
//! domain rules and the store, each change written with its event.

pub mod accounts;
pub mod caller;
pub mod context;
pub mod demo;
pub mod error;
pub mod insight;
pub mod passwords;
pub mod worker;

pub use caller::Caller;
pub use context::App;
pub use error::{AppError, AppResult};

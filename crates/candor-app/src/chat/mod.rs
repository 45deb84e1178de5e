//! Live chat: the widget's settings (the signing secret, sealed at rest,
//! and the allowed page origins), the visitor's side of a chat (who they
//! are, what they write, their email, their presence), whether someone is
//! there to answer, and the delivery of agents' replies (`deliver.chat`).
//! The WebSocket itself lives in candor-web; docs/chat.md is the user's side.

pub mod availability;
pub mod delivery;
pub mod settings;
pub mod visitor;

pub use availability::{ChatAvailability, availability};
pub use settings::{ChatSettingsView, WidgetSettings};
pub use visitor::{EmailOutcome, Visitor};

//! Candor's email channel. Inbound: raw RFC 822 → [`parse`] (any charset,
//! nested multiparts, HTML-only mail, attachments; never failing) →
//! [`inbound::receive`], which threads by headers and subject token and
//! hands the message to the one ingest path. Outbound: agent replies and
//! Candor's own emails go through the job queue to the mailbox's SMTP relay
//! ([`outbound`]). Mailboxes ([`mailboxes`]) are fetched over IMAP by
//! [`fetcher`], with IDLE where the server has it.

pub mod automated;
pub mod fetcher;
pub mod imap;
pub mod inbound;
pub mod mailboxes;
pub mod outbound;
pub mod parse;
pub mod settings;
pub mod smtp;
pub mod thread;
pub mod trust;

pub use inbound::{Received, Source, receive};
pub use parse::{ParsedEmail, parse};

#[cfg(feature = "testing")]
pub mod testing;

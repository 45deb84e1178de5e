//! The email channel's storage: mailboxes ([`mailboxes`]) and the headers of
//! every email sent or received, with the conversation tokens and bounce
//! marks threading and delivery need ([`headers`]).

pub mod headers;
pub mod mailboxes;

pub use headers::{EmailHeaders, NewEmailHeaders};
pub use mailboxes::{Mailbox, MailboxFields};

//! What an operation can refuse or fail with; the web layer maps each to a
//! status once.

use candor_store::StoreError;
use jiff::Timestamp;

/// An operation's failure.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// An input is wrong; `field` names it as the caller sent it.
    #[error("{message}")]
    Invalid {
        /// The input field, e.g. "email" or "identities[0].value".
        field: String,
        /// A sentence saying what is wrong.
        message: String,
    },
    /// A segment query cannot be read; `position` is the character it fails at.
    #[error("{message}")]
    InvalidQuery {
        /// The input field holding the query, e.g. "q" or "query".
        field: String,
        /// What is wrong.
        message: String,
        /// Where, in characters from 0, when known.
        position: Option<usize>,
    },
    /// No credentials, or credentials that are wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The customer was merged into another; its id now redirects there.
    #[error("this customer was merged into {0}")]
    Merged(candor_core::CustomerId),
    /// Not found in the caller's workspace.
    #[error("not found")]
    NotFound,
    /// It collides with something that exists.
    #[error("{message}")]
    Conflict {
        /// The input field that collides.
        field: String,
        /// A sentence for people.
        message: String,
    },
    /// Too many attempts; try again after the given time.
    #[error("too many attempts; try again later")]
    Throttled {
        /// When the next attempt is allowed.
        until: Timestamp,
    },
    /// An upload is larger than the limit (in bytes).
    #[error("the file is larger than the limit of {0} bytes")]
    TooLarge(u64),
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
    /// Something inside failed that the caller cannot fix.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// An invalid-input error on `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { field, message } => AppError::Conflict {
                field: field.to_string(),
                message,
            },
            other => AppError::Store(other),
        }
    }
}

/// Operation results.
pub type AppResult<T> = Result<T, AppError>;

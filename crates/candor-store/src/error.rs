//! What can go wrong in storage, as types the web layer maps to responses.

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist in this workspace.
    #[error("not found")]
    NotFound,
    /// A unique value is already taken.
    #[error("{message}")]
    Conflict {
        /// The input field that collides.
        field: &'static str,
        /// A sentence for people.
        message: String,
    },
    /// The database URL or data directory cannot be used.
    #[error("{0}")]
    Config(String),
    /// A stored value could not be read back (a bug or a hand-edited row).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A write grouped with others was not kept: the group's transaction
    /// failed (the reason is the database's).
    #[error("the change was not saved: {0}")]
    Commit(String),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Turns a unique-constraint violation into a conflict on `field`;
    /// other errors pass through.
    pub fn on_unique(err: sqlx::Error, field: &'static str, message: &str) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                field,
                message: message.to_string(),
            },
            _ => StoreError::Database(err),
        }
    }
}

/// Storage results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

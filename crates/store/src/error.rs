//! The store's errors.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such object — or one the actor may not see (the two are never told apart).
    #[error("not found")]
    NotFound,
    /// The actor's role may not do this (said only of operations, never of objects).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The credentials (password, session, token) are wrong, expired or revoked.
    #[error("not authenticated")]
    Unauthenticated,
    /// The change conflicts with what is stored (a name taken, a stale revision).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request names something invalid (a role that does not fit the organisation).
    #[error("invalid: {0}")]
    Invalid(String),
    /// A worker presented a fencing token that is no longer current: its lease expired and
    /// the job was requeued or taken by another worker, so its write is refused.
    #[error("job {job}: lease lost (fencing token {token} is stale)")]
    StaleLease { job: i64, token: i64 },
    /// Hashing a password failed.
    #[error("password hashing: {0}")]
    Hash(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The store's result.
pub type Result<T> = std::result::Result<T, Error>;

/// A unique-constraint violation becomes a conflict naming `what`.
pub(crate) fn unique(e: sqlx::Error, what: &str) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::Conflict(format!("{what} already exists"))
        }
        _ => Error::Database(e),
    }
}

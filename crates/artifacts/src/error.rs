//! The one error type of this crate.

use std::path::PathBuf;

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong storing or reading an artifact.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A digest argument is not 64 lowercase hex digits (`shown` is escaped and cut to 80
    /// characters, so a hostile value cannot flood a log).
    #[error("not a SHA-256 digest (64 lowercase hex digits): {shown}")]
    InvalidSha256 {
        /// The rejected value, escaped and shortened.
        shown: String,
    },
    /// The upload went past its size limit; nothing was stored.
    #[error("artifact larger than the limit of {limit} bytes; nothing stored")]
    TooLarge {
        /// The limit that was passed to the put.
        limit: u64,
    },
    /// No artifact with this digest is stored.
    #[error("artifact sha256:{sha256} is not stored")]
    NotFound {
        /// The digest asked for.
        sha256: String,
    },
    /// The stored bytes do not hash to the digest they are stored under.
    #[error("stored artifact sha256:{sha256} is corrupt: its bytes have another SHA-256")]
    Corrupt {
        /// The digest the object is stored under.
        sha256: String,
    },
    /// The stream being uploaded failed (a client that went away, a truncated body); nothing
    /// was stored.
    #[error("upload failed after {received} bytes: {source}; nothing stored")]
    Upload {
        /// Bytes received before the failure.
        received: u64,
        /// The stream's own error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A local file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `create`, `write`, `remove`, …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The object store refused or failed an operation.
    #[error("object store: cannot {action} {key}: {source}")]
    Store {
        /// What was being done (`put`, `get`, `head`, `rename`, …).
        action: &'static str,
        /// The object key (or prefix) concerned.
        key: String,
        /// The object store's error.
        source: object_store::Error,
    },
    /// The store's configuration (its URL, bucket, credentials) is unusable.
    #[error("artifact store {url}: {reason}")]
    Config {
        /// The URL or a description of the configuration, without credentials.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    pub(crate) fn store(
        action: &'static str,
        key: impl ToString,
        source: object_store::Error,
    ) -> Self {
        Error::Store {
            action,
            key: key.to_string(),
            source,
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

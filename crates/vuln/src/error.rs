//! Errors of netvet-vuln.

/// What went wrong, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An advisory, KEV or VEX file could not be read.
    #[error("{file}: {message}")]
    Advisory { file: String, message: String },
    /// The index was built by another schema version.
    #[error(
        "{path}: advisory index schema {found}, this netvet needs schema {expected}; re-import: netvet db import --db {path} ADVISORY-FILES..."
    )]
    Schema {
        path: String,
        found: String,
        expected: u32,
    },
    /// The index does not exist.
    #[error(
        "{path}: no advisory index here; build one with: netvet db import --db {path} ADVISORY-FILES..."
    )]
    Missing { path: String },
    /// SQLite failed.
    #[error("{path}: {source}")]
    Db {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// A data file (end-of-support table) is invalid.
    #[error("{file}: {message}")]
    Data { file: String, message: String },
    /// A feed could not be downloaded or failed verification.
    #[error("{url}: {message}")]
    Download { url: String, message: String },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Result with this crate's error.
pub type Result<T> = std::result::Result<T, Error>;

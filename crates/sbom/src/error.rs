//! Errors of netvet-sbom.

/// What went wrong, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A data file (classifier table) is invalid.
    #[error("{file}: {message}")]
    Data { file: String, message: String },
    /// An SBOM document could not be read.
    #[error("{file}: {message}")]
    Sbom { file: String, message: String },
    /// A cataloger selection names no cataloger id or tag.
    #[error("no cataloger has the id or tag {word:?}; known: {known}")]
    Selection { word: String, known: String },
    /// An SBOM document exceeds a limit (size, components, nesting, dependency edges).
    #[error("{file}: {message} (limit {limit})")]
    Limit {
        file: String,
        message: String,
        limit: u64,
    },
}

/// Result with this crate's error.
pub type Result<T> = std::result::Result<T, Error>;

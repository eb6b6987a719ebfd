//! Errors of `netvet-inspect`. Rule and data errors name the file and line.

/// Errors setting up or running a scan.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A YARA rule file does not compile.
    #[error("{file}:{line}: {message}")]
    Rule {
        file: String,
        line: usize,
        message: String,
    },
    /// A rule path could not be read.
    #[error("{path}: {error}")]
    RulePath { path: String, error: std::io::Error },
    /// A built-in data file is invalid (a bug caught by tests).
    #[error("{file}: {message}")]
    Data { file: String, message: String },
    /// Unpacking failed before anything could be read.
    #[error(transparent)]
    Unpack(#[from] netvet_unpack::Error),
}

//! Errors of inventory reading and replacement planning.

use std::fmt;
use std::path::PathBuf;

/// A row that does not fit the schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    /// 1-based line where the row starts.
    pub line: u64,
    /// The column concerned, when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}:{}: {field}: {}", self.file, self.line, self.message),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

/// Why an inventory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A bad row in a strict read.
    #[error("{0}")]
    Row(RowError),
    /// The file as a whole is unusable (missing columns, not CSV).
    #[error("{file}:{line}: {message}")]
    Format {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: unknown inventory format (use .csv, .json, .jsonl or .ndjson)")]
    UnknownFormat { file: String },
    /// A plan configuration (`plan.toml`) that does not parse or fails validation.
    #[error("{}", located(.file, .line, .message))]
    PlanConfig {
        file: String,
        /// 1-based line, when the error has a place.
        line: Option<u64>,
        message: String,
    },
    /// A plan that cannot be computed: invalid input, a model too large, a solver failure.
    #[error("replacement plan: {0}")]
    Plan(String),
}

fn located(file: &str, line: &Option<u64>, message: &str) -> String {
    match line {
        Some(line) => format!("{file}:{line}: {message}"),
        None => format!("{file}: {message}"),
    }
}

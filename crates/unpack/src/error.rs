//! The one error type of this crate. Every variant that concerns image data names the format
//! and the byte offset (relative to the start of the layer being read).

use std::io;

/// Which limit stopped the work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    Depth,
    Bytes,
    Entries,
    Ratio,
    Time,
    FileSize,
    Metadata,
}

impl std::fmt::Display for LimitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LimitKind::Depth => "nesting depth",
            LimitKind::Bytes => "total extracted bytes",
            LimitKind::Entries => "entry count",
            LimitKind::Ratio => "compression ratio",
            LimitKind::Time => "time per image",
            LimitKind::FileSize => "single file size",
            LimitKind::Metadata => "metadata size",
        })
    }
}

/// Errors of `netvet-unpack`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input itself could not be read.
    #[error("{path}: {error}")]
    Input { path: String, error: io::Error },
    /// Reading image data failed (I/O error of the underlying file or spool).
    #[error("{format} at offset {offset:#x}: read failed: {error}")]
    Read {
        format: &'static str,
        offset: u64,
        error: io::Error,
    },
    /// The data ends before the structure does.
    #[error("{format} at offset {offset:#x}: truncated: {what}")]
    Truncated {
        format: &'static str,
        offset: u64,
        what: String,
    },
    /// A structure is invalid.
    #[error("{format} at offset {offset:#x}: {what}")]
    Corrupt {
        format: &'static str,
        offset: u64,
        what: String,
    },
    /// A checksum does not match.
    #[error("{format} at offset {offset:#x}: bad checksum: {what}")]
    Checksum {
        format: &'static str,
        offset: u64,
        what: String,
    },
    /// A valid feature this reader does not implement.
    #[error("{format} at offset {offset:#x}: unsupported: {what}")]
    Unsupported {
        format: &'static str,
        offset: u64,
        what: String,
    },
    /// A structure refers back to itself.
    #[error("{format} at offset {offset:#x}: cycle: {what}")]
    Cycle {
        format: &'static str,
        offset: u64,
        what: String,
    },
    /// A limit was reached.
    #[error("limit reached: {kind}{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Limit {
        kind: LimitKind,
        detail: Option<String>,
    },
    /// A reader failed with an internal error (a panic, contained at the layer boundary).
    #[error("{format} at offset {offset:#x}: reader failed (internal error: {what})")]
    ReaderFailed {
        format: &'static str,
        offset: u64,
        what: String,
    },
    /// Writing the tree to disk failed.
    #[error("{path}: {what}")]
    Output { path: String, what: String },
}

impl Error {
    /// The offset of the structure the error is about, for errors that point at one (a
    /// warning then names that offset rather than the image's start).
    pub(crate) fn structure_offset(&self) -> Option<u64> {
        match self {
            Error::Corrupt { offset, .. }
            | Error::Truncated { offset, .. }
            | Error::Read { offset, .. }
            | Error::Unsupported { offset, .. } => Some(*offset),
            _ => None,
        }
    }

    pub(crate) fn corrupt(format: &'static str, offset: u64, what: impl Into<String>) -> Error {
        Error::Corrupt {
            format,
            offset,
            what: what.into(),
        }
    }

    pub(crate) fn truncated(format: &'static str, offset: u64, what: impl Into<String>) -> Error {
        Error::Truncated {
            format,
            offset,
            what: what.into(),
        }
    }

    pub(crate) fn unsupported(format: &'static str, offset: u64, what: impl Into<String>) -> Error {
        Error::Unsupported {
            format,
            offset,
            what: what.into(),
        }
    }

    pub(crate) fn read(format: &'static str, offset: u64, source: io::Error) -> Error {
        if source.kind() == io::ErrorKind::UnexpectedEof {
            return Error::truncated(format, offset, "unexpected end of data");
        }
        // Limits hit inside a reader travel as io errors; bring them back out.
        if let Some(limit) = source
            .get_ref()
            .and_then(|e| e.downcast_ref::<LimitError>())
        {
            return Error::Limit {
                kind: limit.0,
                detail: Some(limit.1.clone()),
            };
        }
        Error::Read {
            format,
            offset,
            error: source,
        }
    }

    pub(crate) fn limit(kind: LimitKind, detail: impl Into<String>) -> Error {
        Error::Limit {
            kind,
            detail: Some(detail.into()),
        }
    }

    /// The limit that stopped the work, if this error is one.
    pub fn limit_kind(&self) -> Option<LimitKind> {
        match self {
            Error::Limit { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// A limit carried through `std::io::Read` implementations.
#[derive(Debug)]
pub(crate) struct LimitError(pub LimitKind, pub String);

impl std::fmt::Display for LimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "limit reached: {} ({})", self.0, self.1)
    }
}

impl std::error::Error for LimitError {}

impl LimitError {
    pub(crate) fn into_io(kind: LimitKind, detail: impl Into<String>) -> io::Error {
        io::Error::other(LimitError(kind, detail.into()))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

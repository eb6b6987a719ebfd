//! Errors of the pipeline's jobs: a stage's own error, or a file the job could not read or
//! write. Each names the file it concerns; none repeats its cause.

/// Why a job could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read, written or created.
    #[error("cannot {action} {path}: {error}")]
    Io {
        action: &'static str,
        path: String,
        error: std::io::Error,
    },
    /// An input was given that the job cannot use (the file or flag is named).
    #[error("{file}: {message}")]
    Input { file: String, message: String },
    /// A request the inputs cannot answer (an unknown requirement or product id).
    #[error("{0}")]
    Usage(String),
    /// Unpacking failed before anything could be read.
    #[error(transparent)]
    Unpack(#[from] netvet_unpack::Error),
    /// The checks could not be set up (a rule file does not compile, an unknown tag).
    #[error(transparent)]
    Inspect(#[from] netvet_inspect::Error),
    /// The catalogers or an SBOM reader failed.
    #[error(transparent)]
    Sbom(#[from] netvet_sbom::Error),
    /// The advisory index or a VEX document failed.
    #[error(transparent)]
    Vuln(#[from] netvet_vuln::Error),
    /// A catalogue, dossier, product record or evidence file is invalid, or evaluation failed.
    #[error(transparent)]
    Policy(#[from] netvet_policy::Error),
    /// The inventory or the plan could not be read or solved.
    #[error(transparent)]
    Network(#[from] netvet_network::Error),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(action: &'static str, path: &std::path::Path, error: std::io::Error) -> Error {
        Error::Io {
            action,
            path: path.display().to_string(),
            error,
        }
    }

    /// The I/O error kind at the root of this error, if there is one (a closed pipe is not
    /// worth reporting).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Error::Io { error, .. } => Some(error.kind()),
            _ => None,
        }
    }
}

/// Results of the pipeline.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! Artifact storage for netvet's service: firmware images, SBOMs, reports and letters, kept
//! once each under the SHA-256 of their bytes in a local directory (the default) or an
//! S3-compatible bucket (for teams), through the `object_store` crate.
//!
//! - **Keys.** An artifact lives at `sha256/ab/abcdef…`. A digest from a caller is checked to be
//!   64 lowercase hex digits before any key is formed ([`validate_sha256`]), so no argument can
//!   reach outside `sha256/`.
//! - **Uploads stream.** The digest and size are computed as the bytes pass; the size limit is
//!   enforced as they pass ([`Error::TooLarge`]). An upload of up to one part
//!   ([`PART_SIZE`], 8 MiB) is stored with one put; a larger one goes to `incoming/` as a
//!   multipart upload (S3 parts; a temporary file locally) and is moved to its key when
//!   complete, or dropped when the same bytes are already stored. A failed, oversized or
//!   abandoned upload is aborted: nothing is left under `sha256/`, and nothing in `incoming/`
//!   except after a crash ([`Artifacts::sweep_incoming`]).
//! - **Memory is bounded**: one upload holds at most `(PARTS_IN_FLIGHT + 1) × PART_SIZE`
//!   (32 MiB) plus the chunk its source last yielded; a read about 2 MiB (a 1 MiB read from
//!   a local file, or a frame from S3, and [`Artifacts::get_to_file`]'s 1 MiB write buffer).
//! - **Reads are verified.** [`Artifacts::get_to_file`] and [`Artifacts::get_stream`] hash what
//!   they read and fail with [`Error::Corrupt`] when it does not match.

mod config;
mod digest;
mod error;
mod read;
mod store;

pub use config::ArtifactsConfig;
pub use digest::{object_key, validate_sha256};
pub use error::{Error, Result};
pub use read::ArtifactStream;
pub use store::{Artifacts, PART_SIZE, PARTS_IN_FLIGHT, Stored};

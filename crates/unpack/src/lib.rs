//! Native, bounded unpacking of network-equipment firmware.
//!
//! [`open_path`] identifies an image by magic and structure, carves images embedded at any
//! offset, opens nested images recursively (a squashfs in a tar in a gzip, an ext4 on a
//! partition of a VM's QCOW2 or VMDK disk), and returns a read-only [`Tree`] of virtual paths
//! such as `update.tar.gz!/rootfs.squashfs!/etc/shadow`, with a layer report. [`walk_path`]
//! does the same while handing each file's content to a visitor exactly once, in parallel.
//! Every reader is native Rust; no external tool ever sees the untrusted input. All work is
//! bounded by [`Limits`]; hitting one gives a warning and a partial tree. [`materialize`]
//! writes a tree to disk without ever writing outside the destination.

pub mod codec;
pub mod contain;
pub mod engine;
pub mod entropy;
pub mod error;
pub mod format;
pub mod formats;
pub mod limits;
pub mod materialize;

pub mod names;
pub mod scan;
pub mod source;
pub mod spool;
pub mod tree;

pub use engine::{Options, Progress, Visitor, open_forced, open_path, open_source, walk_path};
pub use error::{Error, LimitKind, Result};
pub use limits::Limits;
pub use source::{FileSource, MemSource, Source, SourceRef};
pub use spool::Spooler;
pub use tree::{Entry, Origin, Tree};

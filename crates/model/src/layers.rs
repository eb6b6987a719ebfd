//! The documents of `netvet identify` (the layer report of images, optionally with every
//! entry) and `netvet unpack` (what was written where).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::image::{EntryKind, ImageReport};

/// Schema identifier of [`IdentifyDocument`].
pub const IDENTIFY_SCHEMA: &str = "netvet.identify/1";
/// Schema identifier of [`UnpackDocument`].
pub const UNPACK_SCHEMA: &str = "netvet.unpack/1";

/// The layer reports of one or more images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IdentifyDocument {
    /// Always [`IDENTIFY_SCHEMA`].
    #[schemars(extend("const" = IDENTIFY_SCHEMA))]
    pub schema: String,
    pub images: Vec<IdentifiedImage>,
}

/// One image's layer report, and its entries when asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IdentifiedImage {
    #[serde(flatten)]
    pub report: ImageReport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryRecord>>,
}

/// One entry of an image's tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EntryRecord {
    /// Virtual path (`fw.bin!/rootfs.squashfs!/etc/passwd`).
    pub path: String,
    pub kind: EntryKind,
    /// Permission bits in octal, with setuid, setgid and sticky (`4755`).
    pub mode: String,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Seconds since the epoch.
    pub mtime: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// Major and minor numbers of a device node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<[u32; 2]>,
    /// Extended attributes as `name=hex` (values cut at 64 bytes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub xattrs: Vec<String>,
    /// The layer the entry belongs to.
    pub layer: u32,
    /// The layer this file's content opened as, when it is an image itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nested: Option<u32>,
}

/// What `netvet unpack` wrote.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UnpackDocument {
    /// Always [`UNPACK_SCHEMA`].
    #[schemars(extend("const" = UNPACK_SCHEMA))]
    pub schema: String,
    /// The destination directory.
    pub out: String,
    pub report: ImageReport,
    pub written: Written,
    /// Device nodes, fifos and sockets: listed, never created.
    pub not_created: Vec<NotWritten>,
    /// Entries that could not be written.
    pub skipped: Vec<NotWritten>,
}

/// Counts of what was written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Written {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hard_links: u64,
    pub bytes: u64,
    /// Files whose setuid, setgid or sticky bits were not applied.
    pub special_bits_dropped: u64,
}

/// An entry that was not written, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NotWritten {
    pub path: String,
    pub kind: EntryKind,
    pub reason: String,
}

//! What unpacking found in a firmware image: its layers, their warnings and what no extractor
//! claimed. Produced by `netvet-unpack`, printed by `netvet identify`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Schema identifier of [`ImageReport`].
pub const IMAGE_REPORT_SCHEMA: &str = "netvet.image-report/1";

/// The kind of a filesystem entry inside an image.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A second name for a file stored earlier; its target is that file's path.
    HardLink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl EntryKind {
    /// A short lowercase name, as in the JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink => "symlink",
            EntryKind::HardLink => "hard-link",
            EntryKind::CharDevice => "char-device",
            EntryKind::BlockDevice => "block-device",
            EntryKind::Fifo => "fifo",
            EntryKind::Socket => "socket",
        }
    }
}

/// The report of one input image: every layer found, recursively.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImageReport {
    /// Always [`IMAGE_REPORT_SCHEMA`].
    #[schemars(extend("const" = IMAGE_REPORT_SCHEMA))]
    pub schema: String,
    /// The input's file name; the root of every virtual path in this report.
    pub image: String,
    pub size: u64,
    pub sha256: String,
    /// Layers in a canonical order (by container path, then offset); ids index this list.
    pub layers: Vec<Layer>,
    pub totals: Totals,
    /// Problems with the input as a whole, including limits that stopped the work.
    pub warnings: Vec<Warning>,
}

/// How much of an input was read, so a result is never taken for more than it covers.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// Every layer opened and read without loss.
    Complete,
    /// Part of the input could not be read (corrupt, truncated, unsupported, a limit, a
    /// reader failure); the warnings say which part.
    Partial,
    /// Nothing inside the input could be read: an empty file, an image that could not be
    /// opened, or content that is mostly compressed or encrypted in a format no reader
    /// opens. A clean result means nothing.
    Unreadable,
}

impl Coverage {
    /// The name, as in the JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Complete => "complete",
            Coverage::Partial => "partial",
            Coverage::Unreadable => "unreadable",
        }
    }
}

impl ImageReport {
    /// The warnings that mean part of the input was not read.
    pub fn unread(&self) -> impl Iterator<Item = (Option<u32>, &Warning)> {
        self.all_warnings().filter(|(_, w)| w.code.loses_data())
    }

    /// How much of the input was read.
    pub fn coverage(&self) -> Coverage {
        let lost = self.unread().next().is_some();
        // Entries that opened layers gave (raw data layers only hold what was carved).
        let inside: u64 = self
            .layers
            .iter()
            .filter(|l| l.format != "raw")
            .map(|l| l.entries)
            .sum();
        let nothing_inside = inside == 0;
        let opened = self.layers.iter().any(|l| l.format != "raw");
        let opaque: u64 = self
            .layers
            .iter()
            .flat_map(|l| &l.unclaimed)
            .filter(|r| r.class == RegionClass::CompressedOrEncrypted)
            .map(|r| r.length)
            .sum();
        if self.size == 0 || (lost && nothing_inside) || (!opened && opaque * 2 > self.size) {
            Coverage::Unreadable
        } else if lost {
            Coverage::Partial
        } else {
            Coverage::Complete
        }
    }

    /// Every warning of the report and its layers, with the layer id (None for the image).
    pub fn all_warnings(&self) -> impl Iterator<Item = (Option<u32>, &Warning)> {
        self.warnings.iter().map(|w| (None, w)).chain(
            self.layers
                .iter()
                .flat_map(|l| l.warnings.iter().map(move |w| (Some(l.id), w))),
        )
    }
}

/// Counts over the whole tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Totals {
    pub entries: u64,
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hard_links: u64,
    pub devices: u64,
    pub other: u64,
    /// Sum of the sizes of regular files (declared sizes, not bytes read).
    pub file_bytes: u64,
}

/// One recognised format at one place: a filesystem, an archive, a container or a
/// compressed stream, or a raw blob that was searched for embedded images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Layer {
    pub id: u32,
    pub parent: Option<u32>,
    /// Virtual path of the file this layer was found in (the input's name at the top).
    pub container: String,
    /// Virtual path under which this layer's content appears: entries are `path!/name`.
    pub path: String,
    /// Format id, such as `squashfs`, `gzip`, `uimage`, or `raw` for a searched blob.
    pub format: String,
    /// Offset of the layer in its container.
    pub offset: u64,
    /// Bytes of the container the layer occupies.
    pub length: u64,
    /// SHA-256 of those bytes.
    pub sha256: String,
    /// Details of the format found: version, compression, endianness, counts.
    pub description: String,
    /// Entries this layer contributed to the tree.
    pub entries: u64,
    pub children: Vec<u32>,
    pub warnings: Vec<Warning>,
    /// Parts of a raw blob no extractor claimed, classified by content.
    pub unclaimed: Vec<Region>,
}

/// A problem met while unpacking. Never fatal: the rest of the image is still unpacked.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
    /// Byte offset in the layer's container where the problem is, when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub offset: Option<u64>,
    /// Virtual path of the entry concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
}

/// Stable warning codes; tools may match on them.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    /// A header or data checksum does not match.
    BadChecksum,
    /// Data ends before the format says it should.
    Truncated,
    /// A structure is invalid (bad offsets, impossible sizes, broken compression).
    Corrupt,
    /// A feature of the format that this reader does not implement.
    Unsupported,
    /// An entry name was unsafe (`..`, absolute, NUL or control bytes) and was rewritten.
    UnsafeName,
    /// Two entries had the same path; the later one is kept.
    Duplicate,
    /// A directory or index structure refers back to itself.
    Cycle,
    /// A nested image is identical to one of its ancestors (a quine); not expanded again.
    Recursive,
    /// Data follows the end of the format inside the same file.
    TrailingData,
    /// A nested image could not be opened at all.
    OpenFailed,
    /// A format reader failed on this data with an internal error (a bug, caught at the
    /// layer boundary); the rest of the image is still read.
    ReaderFailed,
    LimitDepth,
    LimitBytes,
    LimitEntries,
    LimitRatio,
    LimitTime,
    LimitFileSize,
}

impl WarningCode {
    /// True for the codes that mean data was not read (as opposed to notes such as a
    /// renamed entry, a duplicate, a quine not expanded again, or trailing data).
    pub fn loses_data(self) -> bool {
        !matches!(
            self,
            WarningCode::UnsafeName
                | WarningCode::Duplicate
                | WarningCode::Recursive
                | WarningCode::TrailingData
                | WarningCode::BadChecksum
        )
    }

    /// True for the codes that report an exhausted limit (the tree is partial).
    pub fn is_limit(self) -> bool {
        matches!(
            self,
            WarningCode::LimitDepth
                | WarningCode::LimitBytes
                | WarningCode::LimitEntries
                | WarningCode::LimitRatio
                | WarningCode::LimitTime
                | WarningCode::LimitFileSize
        )
    }
}

/// A stretch of unclaimed bytes of one kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Region {
    pub offset: u64,
    pub length: u64,
    /// Mean Shannon entropy in bits per byte (0 to 8), rounded to three decimals.
    #[schemars(range(min = 0.0, max = 8.0))]
    pub entropy: f64,
    pub class: RegionClass,
}

/// What an unclaimed region looks like.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RegionClass {
    /// One byte value repeated (erased flash, zero fill).
    Padding,
    /// Mostly printable text.
    Text,
    /// Structured binary data.
    Data,
    /// Near-random bytes: compressed or encrypted, by a format not recognised.
    CompressedOrEncrypted,
}

//! The contract every format reader fulfils, and the explicit list of readers.
//!
//! A reader identifies its format by magic bytes plus structural validation ([`Format::probe`])
//! and opens a region as an archive (named entries), a container (named payloads) or a
//! compressed stream (one payload, decoded by the engine). Readers never touch the disk and
//! never see the tree; the engine composes their results.

use std::io::{self, Read};
use std::sync::Arc;

use netvet_model::{EntryKind, Warning, WarningCode};

use crate::error::{Error, Result};
use crate::limits::Budget;
use crate::source::{Source, SourceReader, SourceRef};
use crate::spool::Spooler;

/// A magic byte pattern: `bytes` found at `at` bytes after the start of an image.
#[derive(Clone, Copy, Debug)]
pub struct Magic {
    pub at: u64,
    pub bytes: &'static [u8],
    /// The image start must be a multiple of this (1 for any offset). Weak magics use a
    /// larger alignment so random data does not flood the validators.
    pub align: u64,
}

impl Magic {
    /// A magic at the very start of the image, at any offset.
    pub const fn start(bytes: &'static [u8]) -> Magic {
        Magic {
            at: 0,
            bytes,
            align: 1,
        }
    }
}

/// What a successful probe learnt without opening the image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// Bytes the image occupies, when the header says.
    pub length: Option<u64>,
    pub description: String,
}

/// How an opened image presents its content.
pub enum Opened {
    /// A filesystem or archive: named entries with metadata.
    Archive {
        description: String,
        length: u64,
        entries: Vec<RawEntry>,
    },
    /// A container of named parts (kernel, rootfs, device tree...).
    Container {
        description: String,
        length: u64,
        payloads: Vec<Payload>,
    },
    /// A compressed stream; the engine decodes it with [`Format::decoder`].
    Stream {
        description: String,
        /// The original file name recorded in the stream header, if any.
        name: Option<Vec<u8>>,
    },
}

/// One part of a container.
pub struct Payload {
    /// A safe single-component name, such as `kernel.lzma` or `rootfs`.
    pub name: String,
    pub source: SourceRef,
    /// Offset of the part in the container, for the report.
    pub offset: u64,
    /// The format the container says the part has, when it says.
    pub hint: Option<&'static str>,
    /// Search the part for images embedded at any offset when it is not an image itself.
    /// False for parts whose nature the container knows (a container image's JSON config).
    pub carve: bool,
}

/// One entry of an archive as the reader found it; the engine normalises it.
#[derive(Clone)]
pub struct RawEntry {
    /// The name exactly as stored (may be hostile).
    pub name: Vec<u8>,
    pub kind: EntryKind,
    /// Permission bits, including setuid, setgid and sticky (mask 0o7777).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Modification time in seconds since the epoch.
    pub mtime: i64,
    pub size: u64,
    /// Symlink target, or the stored name of the hard link's target.
    pub link_target: Option<Vec<u8>>,
    /// Major and minor numbers of a device node.
    pub device: Option<(u32, u32)>,
    pub xattrs: Vec<(String, Vec<u8>)>,
    pub data: Data,
    /// Inode number, for formats where hard links are several names of one inode.
    pub inode: Option<u64>,
    /// Offset of the entry's header or inode in the image, for messages.
    pub offset: u64,
}

impl RawEntry {
    /// An entry with default metadata (mode 0o644 for files, 0o755 for directories).
    pub fn new(name: Vec<u8>, kind: EntryKind) -> RawEntry {
        RawEntry {
            name,
            kind,
            mode: if kind == EntryKind::Dir { 0o755 } else { 0o644 },
            uid: 0,
            gid: 0,
            mtime: 0,
            size: 0,
            link_target: None,
            device: None,
            xattrs: Vec::new(),
            data: Data::Empty,
            inode: None,
            offset: 0,
        }
    }
}

/// Where an entry's content comes from.
#[derive(Clone)]
pub enum Data {
    /// No content (directories, links, devices, empty files).
    Empty,
    /// Stored bytes, readable at random.
    Stored(SourceRef),
    /// Content that must be decoded (compressed blocks, scattered nodes).
    Coded(Arc<dyn Content>),
}

/// Decodable content of one file.
pub trait Content: Send + Sync {
    /// A fresh reader over the decoded bytes. Read errors carry [`Error`] inside `io::Error`
    /// (see [`io_error`]) so the format and offset survive.
    fn open(&self) -> Result<Box<dyn Read + Send + '_>>;
}

/// Wraps an [`Error`] as an `io::Error` for use inside `Read` implementations.
pub fn io_error(e: Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Unwraps an `io::Error` made by [`io_error`], or describes a plain one.
pub fn from_io(format: &'static str, offset: u64, e: io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        match e.into_inner().map(|b| b.downcast::<Error>()) {
            Some(Ok(inner)) => return *inner,
            Some(Err(other)) => return Error::read(format, offset, io::Error::other(other)),
            None => unreachable!("checked get_ref above"),
        }
    }
    Error::read(format, offset, e)
}

/// What a reader may use while opening: the budget, the spooler, and a place for warnings.
pub struct OpenCtx<'a> {
    pub budget: &'a Arc<Budget>,
    pub spooler: &'a Spooler,
    pub warnings: Vec<Warning>,
}

impl OpenCtx<'_> {
    /// Records a non-fatal problem at `offset` of the image being opened.
    pub fn warn(&mut self, code: WarningCode, offset: u64, message: impl Into<String>) {
        self.warnings.push(Warning {
            code,
            message: message.into(),
            offset: Some(offset),
            path: None,
        });
    }
}

/// A format reader.
pub trait Format: Send + Sync {
    /// Stable id, used in reports and as `hint`.
    fn id(&self) -> &'static str;

    /// File extension for carved regions of this format.
    fn extension(&self) -> &'static str {
        self.id()
    }

    /// Magic patterns; each match is validated by [`Format::probe`].
    fn magics(&self) -> &'static [Magic];

    /// Validates the structure at `offset` of `src` (the candidate image start) cheaply,
    /// without decompressing more than a few KiB.
    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe>;

    /// Opens the image that starts at offset 0 of `src` (which may run past its end).
    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened>;

    /// For streams: a decoder reading compressed bytes from `input`, which it must consume
    /// exactly up to the end of the stream.
    fn decoder<'a>(&self, input: &'a mut SourceReader) -> Result<Box<dyn Read + 'a>> {
        let _ = input;
        Err(Error::unsupported(self.id(), 0, "not a stream format"))
    }

    /// Magic too weak for blind carving: the format is tried only at offset 0 of a file or
    /// when a container names it.
    fn weak(&self) -> bool {
        false
    }
}

/// Every format reader, in the order candidates at the same offset are tried.
pub fn registry() -> Vec<&'static dyn Format> {
    use crate::formats::*;
    vec![
        &squashfs::Squashfs,
        &squashfs3::Squashfs3,
        &ext::Ext,
        &ubi::Ubi,
        &ubifs::Ubifs,
        &jffs2::Jffs2,
        &cramfs::Cramfs,
        &romfs::Romfs,
        &yaffs2::Yaffs2,
        &cpio::Cpio,
        // A tar holding an image manifest: before tar, whose magic it shares.
        &container::ContainerImage,
        &tar::Tar,
        &zip::Zip,
        &sevenz::SevenZip,
        &uimage::UImage,
        &fit::Fit,
        &trx::Trx,
        // Disk images: strong magics at the start; the partition tables inside them and in
        // raw disks. GPT's "EFI PART" is strong; the MBR's 0x55AA is weak and comes last.
        &qcow2::Qcow2,
        &vmdk::Vmdk,
        &partitions::Gpt,
        &streams::Gzip,
        &streams::Xz,
        &streams::Zstd,
        &streams::Bzip2,
        &streams::Lz4,
        &streams::Lzma,
        &streams::Arcadyan,
        &partitions::Mbr,
    ]
}

/// The reader with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Format> {
    registry().into_iter().find(|f| f.id() == id)
}

/// Little helpers for readers parsing fixed-layout headers.
pub(crate) mod bytes {
    /// Little- or big-endian field access on a byte slice, with bounds checked by the caller.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Endian {
        Little,
        Big,
    }

    impl Endian {
        pub fn u16(self, b: &[u8], at: usize) -> u16 {
            let a = [b[at], b[at + 1]];
            match self {
                Endian::Little => u16::from_le_bytes(a),
                Endian::Big => u16::from_be_bytes(a),
            }
        }

        pub fn u32(self, b: &[u8], at: usize) -> u32 {
            let a = [b[at], b[at + 1], b[at + 2], b[at + 3]];
            match self {
                Endian::Little => u32::from_le_bytes(a),
                Endian::Big => u32::from_be_bytes(a),
            }
        }

        pub fn u64(self, b: &[u8], at: usize) -> u64 {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[at..at + 8]);
            match self {
                Endian::Little => u64::from_le_bytes(a),
                Endian::Big => u64::from_be_bytes(a),
            }
        }
    }

    pub fn le16(b: &[u8], at: usize) -> u16 {
        Endian::Little.u16(b, at)
    }
    pub fn le32(b: &[u8], at: usize) -> u32 {
        Endian::Little.u32(b, at)
    }
    pub fn le64(b: &[u8], at: usize) -> u64 {
        Endian::Little.u64(b, at)
    }
    pub fn be32(b: &[u8], at: usize) -> u32 {
        Endian::Big.u32(b, at)
    }
    pub fn be64(b: &[u8], at: usize) -> u64 {
        Endian::Big.u64(b, at)
    }

    /// The bytes before the first NUL.
    pub fn cstr(b: &[u8]) -> &[u8] {
        match memchr::memchr(0, b) {
            Some(i) => &b[..i],
            None => b,
        }
    }
}

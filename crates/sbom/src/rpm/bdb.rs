//! Berkeley DB hash databases, read-only and natively: rpm's `Packages` up to RHEL/CentOS 8
//! and in older Yocto and SUSE images. Layout from Berkeley DB's `dbinc/db_page.h` and `hash.h`
//! (the same subset rpm's own read-only reader, `lib/backend/bdb_ro.c`, uses):
//!
//! - page 0 is the hash metadata page: magic `0x061561` at offset 12 in the database's byte
//!   order (either order is read), version 8 to 10, page size (512 to 65,536), last page
//!   number, the highest bucket, and 32 `spares` that place buckets on pages (bucket `b` is on
//!   page `b + spares[bits(b)]`);
//! - a bucket is a chain of hash pages (type 13, or 2 in version-8 databases) linked by their
//!   next-page numbers; a page's 26-byte header is followed by an array of 16-bit item offsets,
//!   keys and data alternating, each item running up to the previous item's offset;
//! - an item is stored on the page (`H_KEYDATA`) or, when large, on a chain of overflow pages
//!   (`H_OFFPAGE`: first page and total length; each overflow page holds up to its
//!   high-free-offset bytes after its header).
//!
//! Every page number is checked against the file, every page's own number against the one
//! asked for, every offset and length against its page, and no page is read twice (so a loop
//! in a bucket or overflow chain ends with a problem, not a hang): the work is bounded by the
//! number of pages in the file. Encrypted and checksummed databases, duplicate items
//! (rpm's `Packages` has none) and Berkeley DB 6's external blobs are reported, not read.

use std::borrow::Cow;
use std::ops::ControlFlow;

use super::{MAX_PROBLEMS, Malformed};

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
/// Page header size (`SIZEOF_PAGE`).
const PAGE_HEADER: usize = 26;

/// Page types (`P_*`).
mod page {
    pub const HASH_UNSORTED: u8 = 2;
    pub const OVERFLOW: u8 = 7;
    pub const HASH_META: u8 = 8;
    pub const HASH: u8 = 13;
}

/// Item types on hash pages (`H_*`).
mod item {
    pub const KEYDATA: u8 = 1;
    pub const DUPLICATE: u8 = 2;
    pub const OFFPAGE: u8 = 3;
    pub const OFFDUP: u8 = 4;
    pub const BLOB: u8 = 5;
}

/// One key/data pair.
#[derive(Debug)]
pub struct Item<'a> {
    pub key: Cow<'a, [u8]>,
    pub value: Cow<'a, [u8]>,
    /// File offset of the data item's entry on its hash page (for messages).
    pub offset: u64,
}

/// An opened hash database.
#[derive(Debug)]
pub struct Db<'a> {
    data: &'a [u8],
    swapped: bool,
    page_size: usize,
    max_bucket: u32,
    spares: [u32; 32],
    /// Keys the metadata says the table holds.
    pub keys: u32,
}

fn bad(offset: u64, message: impl Into<String>) -> Malformed {
    Malformed {
        offset: Some(offset),
        message: message.into(),
    }
}

impl<'a> Db<'a> {
    /// Reads the metadata page.
    pub fn open(data: &'a [u8]) -> Result<Db<'a>, Malformed> {
        let raw = |at: usize| -> Option<[u8; 4]> { data.get(at..at + 4)?.try_into().ok() };
        let magic = raw(12).ok_or_else(|| bad(0, format!("{} bytes, too short", data.len())))?;
        let swapped = match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
            (HASH_MAGIC, _) => false,
            (_, HASH_MAGIC) => true,
            (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => {
                return Err(bad(
                    12,
                    "a Berkeley DB btree, not the hash database rpm keeps packages in",
                ));
            }
            _ => return Err(bad(12, "no Berkeley DB hash magic")),
        };
        if data.len() < 512 {
            return Err(bad(0, format!("{} bytes, too short", data.len())));
        }
        let u32_at = |at: usize| {
            let b = raw(at).unwrap_or_default();
            if swapped {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let version = u32_at(16);
        if !(8..=10).contains(&version) {
            return Err(bad(
                16,
                format!("hash version {version} (8 to 10 are read)"),
            ));
        }
        let page_size = u32_at(20) as usize;
        if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
            return Err(bad(20, format!("page size {page_size}")));
        }
        if data[24] != 0 {
            return Err(bad(24, "encrypted database; not read"));
        }
        if data[25] != page::HASH_META {
            return Err(bad(
                25,
                format!("page 0 has type {}, not hash metadata", data[25]),
            ));
        }
        if data[26] & 1 != 0 {
            return Err(bad(26, "checksummed pages; not read"));
        }
        let pages = data.len() / page_size;
        let max_bucket = u32_at(72);
        if max_bucket as usize >= pages {
            return Err(bad(
                72,
                format!(
                    "{} buckets declared, but the file has {pages} pages",
                    max_bucket as u64 + 1
                ),
            ));
        }
        let mut spares = [0; 32];
        for (i, s) in spares.iter_mut().enumerate() {
            *s = u32_at(96 + 4 * i);
        }
        Ok(Db {
            data,
            swapped,
            page_size,
            max_bucket,
            spares,
            keys: u32_at(88),
        })
    }

    /// Whether the database is in the other byte order (big-endian on this reader).
    pub fn swapped(&self) -> bool {
        self.swapped
    }

    /// The page size.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    fn u16(&self, b: &[u8], at: usize) -> u16 {
        let x = [b[at], b[at + 1]];
        if self.swapped {
            u16::from_be_bytes(x)
        } else {
            u16::from_le_bytes(x)
        }
    }

    fn u32(&self, b: &[u8], at: usize) -> u32 {
        let x = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if self.swapped {
            u32::from_be_bytes(x)
        } else {
            u32::from_le_bytes(x)
        }
    }

    /// Page `n`, checked: inside the file, not seen before, numbered `n`, of one of `kinds`.
    /// `from` is where the page number was read (reported when the number is bad).
    fn page(
        &self,
        n: u32,
        from: u64,
        seen: &mut [bool],
        kinds: &[u8],
        what: &str,
    ) -> Result<&'a [u8], Malformed> {
        let start = n as usize * self.page_size;
        let Some(p) = self.data.get(start..start + self.page_size) else {
            return Err(bad(
                from,
                format!(
                    "{what} is page {n}, outside the file ({} pages)",
                    self.data.len() / self.page_size
                ),
            ));
        };
        if n == 0 {
            return Err(bad(from, format!("{what} is page 0, the metadata page")));
        }
        if std::mem::replace(&mut seen[n as usize], true) {
            return Err(bad(
                from,
                format!("{what} is page {n}, which was already read (a loop or a shared page)"),
            ));
        }
        let number = self.u32(p, 8);
        if number != n {
            return Err(bad(
                start as u64 + 8,
                format!("page {n} says it is page {number}"),
            ));
        }
        if !kinds.contains(&p[25]) {
            return Err(bad(
                start as u64 + 25,
                format!("{what} (page {n}) has type {}", p[25]),
            ));
        }
        Ok(p)
    }

    /// The page bucket `b` starts on (`BS_TO_PAGE`), and the metadata offset of the spare it
    /// uses.
    fn bucket_page(&self, b: u32) -> (u32, u64) {
        let bits = ((u32::BITS - b.leading_zeros()) as usize).min(31);
        (b.wrapping_add(self.spares[bits]), 96 + 4 * bits as u64)
    }

    /// Calls `visit` with every key/data pair; problems in one bucket or item are returned and
    /// reading goes on with the next. `visit` may stop the walk.
    pub fn for_each(&self, mut visit: impl FnMut(Item<'a>) -> ControlFlow<()>) -> Vec<Malformed> {
        let mut problems = Vec::new();
        let mut seen = vec![false; self.data.len() / self.page_size];
        'buckets: for b in 0..=self.max_bucket {
            let (mut next, mut from) = self.bucket_page(b);
            let mut what = format!("bucket {b}");
            while next != 0 {
                let kinds = [page::HASH, page::HASH_UNSORTED];
                if problems.len() >= MAX_PROBLEMS {
                    problems.push(bad(
                        from,
                        format!("more than {MAX_PROBLEMS} problems; the rest of the file not read"),
                    ));
                    return problems;
                }
                let p = match self.page(next, from, &mut seen, &kinds, &what) {
                    Ok(p) => p,
                    Err(e) => {
                        problems.push(e);
                        continue 'buckets;
                    }
                };
                let base = next as u64 * self.page_size as u64;
                match self.items(p, base, &mut seen, &mut visit, &mut problems) {
                    ControlFlow::Break(()) => return problems,
                    ControlFlow::Continue(()) => {}
                }
                what = format!("the page after page {next} of bucket {b}");
                from = base + 16;
                next = self.u32(p, 16);
            }
        }
        problems
    }

    /// The pairs on one hash page.
    fn items(
        &self,
        p: &'a [u8],
        base: u64,
        seen: &mut [bool],
        visit: &mut impl FnMut(Item<'a>) -> ControlFlow<()>,
        problems: &mut Vec<Malformed>,
    ) -> ControlFlow<()> {
        let n = self.u16(p, 20) as usize;
        let first = PAGE_HEADER + 2 * n;
        if !n.is_multiple_of(2) || first > self.page_size {
            problems.push(bad(base + 20, format!("{n} items on a hash page")));
            return ControlFlow::Continue(());
        }
        let inp = |i: usize| self.u16(p, PAGE_HEADER + 2 * i) as usize;
        for k in (0..n).step_by(2) {
            if problems.len() >= MAX_PROBLEMS {
                break;
            }
            let (koff, voff) = (inp(k), inp(k + 1));
            let kend = if k == 0 { self.page_size } else { inp(k - 1) };
            if koff < first || voff < first || kend > self.page_size || koff >= kend || voff >= koff
            {
                problems.push(bad(
                    base + (PAGE_HEADER + 2 * k) as u64,
                    format!("item offsets {koff}, {voff} out of order or outside the page"),
                ));
                continue;
            }
            let key = self.item(&p[koff..kend], base + koff as u64, seen);
            let value = self.item(&p[voff..koff], base + voff as u64, seen);
            match (key, value) {
                (Ok(key), Ok(value)) => {
                    visit(Item {
                        key,
                        value,
                        offset: base + voff as u64,
                    })?;
                }
                (Err(e), _) | (_, Err(e)) => problems.push(e),
            }
        }
        ControlFlow::Continue(())
    }

    /// An item's bytes: on the page, or gathered from its overflow pages.
    fn item(&self, it: &'a [u8], at: u64, seen: &mut [bool]) -> Result<Cow<'a, [u8]>, Malformed> {
        match it[0] {
            item::KEYDATA => Ok(Cow::Borrowed(&it[1..])),
            item::OFFPAGE if it.len() >= 12 => {
                let (first, len) = (self.u32(it, 4), self.u32(it, 8) as usize);
                self.overflow(first, len, at, seen).map(Cow::Owned)
            }
            item::OFFPAGE => Err(bad(at, format!("a {}-byte overflow reference", it.len()))),
            item::DUPLICATE | item::OFFDUP => Err(bad(at, "duplicate items; not read")),
            item::BLOB => Err(bad(at, "an external blob item; not read")),
            t => Err(bad(at, format!("item type {t}"))),
        }
    }

    /// `len` bytes from the overflow chain starting at page `first`.
    fn overflow(
        &self,
        first: u32,
        len: usize,
        at: u64,
        seen: &mut [bool],
    ) -> Result<Vec<u8>, Malformed> {
        let room = self.page_size - PAGE_HEADER;
        let pages = self.data.len() / self.page_size;
        if len == 0 || len > pages.saturating_mul(room) {
            return Err(bad(
                at + 8,
                format!(
                    "overflow item of {len} bytes; the file holds at most {} on its {pages} pages",
                    pages.saturating_mul(room)
                ),
            ));
        }
        let mut out = Vec::new();
        let mut next = first;
        let mut from = at + 4;
        let mut what = format!("the overflow item at offset {at}");
        while out.len() < len {
            if next == 0 {
                return Err(bad(
                    at,
                    format!("overflow chain ends after {} of {len} bytes", out.len()),
                ));
            }
            let p = self.page(next, from, seen, &[page::OVERFLOW], &what)?;
            let here = self.u16(p, 22) as usize;
            if here == 0 || here > room || here > len - out.len() {
                return Err(bad(
                    next as u64 * self.page_size as u64 + 22,
                    format!(
                        "overflow page {next} holds {here} bytes; {} of the item remain",
                        len - out.len()
                    ),
                ));
            }
            out.extend_from_slice(&p[PAGE_HEADER..PAGE_HEADER + here]);
            what = format!("the overflow page after page {next}");
            from = next as u64 * self.page_size as u64 + 16;
            next = self.u32(p, 16);
        }
        Ok(out)
    }
}

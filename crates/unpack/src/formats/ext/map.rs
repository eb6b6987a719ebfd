//! File content: extent trees and block maps resolved to runs of blocks, and readers over
//! them.

use std::io::{self, Read};
use std::sync::Arc;

use super::{F, Fs, I_BLOCK, I_BLOCK_LEN, MAX_EXTENT_DEPTH, iflag};
use crate::error::{Error, Result};
use crate::format::{
    Content,
    bytes::{le16, le32},
    io_error,
};
use crate::source::SourceExt;

/// How an inode maps its logical blocks: the 60 bytes of `i_block`.
#[derive(Clone)]
pub(super) enum Layout {
    Extents([u8; I_BLOCK_LEN]),
    Blocks([u32; 15]),
}

impl Layout {
    pub(super) fn of(i_block: &[u8], flags: u32) -> Layout {
        let mut raw = [0u8; I_BLOCK_LEN];
        raw.copy_from_slice(&i_block[..I_BLOCK_LEN]);
        if flags & iflag::EXTENTS != 0 {
            Layout::Extents(raw)
        } else {
            let mut p = [0u32; 15];
            for (i, v) in p.iter_mut().enumerate() {
                *v = le32(&raw, i * 4);
            }
            Layout::Blocks(p)
        }
    }
}

/// A stretch of logical blocks that is either stored contiguously or a hole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Run {
    /// First logical block.
    pub(super) start: u64,
    /// Number of blocks (at least 1).
    pub(super) len: u64,
    /// Physical block of `start`, or `None` for a hole or an uninitialised extent.
    pub(super) phys: Option<u64>,
}

impl Run {
    pub(super) fn contains(&self, lblk: u64) -> bool {
        lblk >= self.start && lblk - self.start < self.len
    }
}

/// One node of an extent tree, parsed.
pub(super) enum Node {
    /// (first logical block, child node block).
    Index(Vec<(u32, u64)>),
    /// (first logical block, length, initialised, first physical block).
    Leaf(Vec<(u32, u32, bool, u64)>),
}

/// Parses an extent node; `want_depth` is the depth its parent implies.
pub(super) fn parse_node(b: &[u8], want_depth: Option<u16>, at: u64) -> Result<(u16, Node)> {
    if b.len() < 12 || le16(b, 0) != 0xf30a {
        return Err(Error::corrupt(F, at, "extent node without its magic"));
    }
    let entries = le16(b, 2) as usize;
    let max = le16(b, 4) as usize;
    let depth = le16(b, 6);
    if entries > max || 12 + max * 12 > b.len() {
        return Err(Error::corrupt(
            F,
            at,
            format!("extent node with {entries} of {max} entries"),
        ));
    }
    if depth > MAX_EXTENT_DEPTH {
        return Err(Error::corrupt(F, at, format!("extent tree depth {depth}")));
    }
    if let Some(want) = want_depth
        && depth != want
    {
        return Err(Error::Cycle {
            format: F,
            offset: at,
            what: format!("extent node has depth {depth} where its parent implies {want}"),
        });
    }
    let items = b[12..12 + entries * 12].chunks_exact(12);
    let node = if depth == 0 {
        Node::Leaf(
            items
                .map(|e| {
                    let len = le16(e, 4) as u32;
                    let (len, init) = if len > 32768 {
                        (len - 32768, false)
                    } else {
                        (len, true)
                    };
                    let start = (le16(e, 6) as u64) << 32 | le32(e, 8) as u64;
                    (le32(e, 0), len, init, start)
                })
                .collect(),
        )
    } else {
        Node::Index(
            items
                .map(|e| (le32(e, 0), (le16(e, 8) as u64) << 32 | le32(e, 4) as u64))
                .collect(),
        )
    };
    Ok((depth, node))
}

/// Resolves logical blocks of one inode to runs, reading tree nodes and indirect blocks as
/// needed (a few recent ones are cached).
pub(super) struct Mapper<'a> {
    fs: &'a Fs,
    root: MapRoot,
    /// Where the inode is, for messages.
    at: u64,
    nodes: Vec<((u64, u16), Arc<Node>)>,
    pointers: Vec<(u64, Arc<Vec<u32>>)>,
}

enum MapRoot {
    Extents(u16, Arc<Node>),
    Blocks([u32; 15]),
}

const CACHE_SLOTS: usize = 8;

impl<'a> Mapper<'a> {
    pub(super) fn new(fs: &'a Fs, layout: &Layout, at: u64) -> Result<Mapper<'a>> {
        let root = match layout {
            Layout::Extents(raw) => {
                let (depth, node) = parse_node(raw, None, at + I_BLOCK as u64)?;
                MapRoot::Extents(depth, Arc::new(node))
            }
            Layout::Blocks(p) => MapRoot::Blocks(*p),
        };
        Ok(Mapper {
            fs,
            root,
            at,
            nodes: Vec::new(),
            pointers: Vec::new(),
        })
    }

    /// The run that contains logical block `lblk`.
    pub(super) fn run_at(&mut self, lblk: u64) -> Result<Run> {
        match &self.root {
            MapRoot::Extents(depth, node) => {
                let (depth, node) = (*depth, node.clone());
                self.extent_run(lblk, depth, node)
            }
            MapRoot::Blocks(p) => {
                let p = *p;
                self.block_run(lblk, &p)
            }
        }
    }

    fn extent_run(&mut self, lblk: u64, mut depth: u16, mut node: Arc<Node>) -> Result<Run> {
        let mut bound = u64::MAX;
        // Depth strictly decreases, so this visits at most MAX_EXTENT_DEPTH + 1 nodes.
        loop {
            match &*node {
                Node::Leaf(extents) => {
                    let mut next = bound;
                    for &(first, len, init, start) in extents {
                        let first = first as u64;
                        let end = first + len as u64;
                        if first <= lblk && lblk < end {
                            let phys = init.then(|| start.saturating_add(lblk - first));
                            return Ok(Run {
                                start: lblk,
                                len: end - lblk,
                                phys,
                            });
                        }
                        if first > lblk {
                            next = next.min(first);
                        }
                    }
                    return Ok(hole(lblk, next));
                }
                Node::Index(children) => {
                    let mut best: Option<(u32, u64)> = None;
                    let mut next = bound;
                    for &(first, child) in children {
                        if first as u64 <= lblk {
                            if best.is_none_or(|(b, _)| first >= b) {
                                best = Some((first, child));
                            }
                        } else {
                            next = next.min(first as u64);
                        }
                    }
                    let Some((_, child)) = best else {
                        return Ok(hole(lblk, next));
                    };
                    if depth == 0 {
                        return Err(Error::corrupt(F, self.at, "extent index at depth 0"));
                    }
                    bound = next;
                    depth -= 1;
                    node = self.node(child, depth)?;
                }
            }
        }
    }

    fn node(&mut self, block: u64, depth: u16) -> Result<Arc<Node>> {
        // Keyed by depth too, so a node met again at another depth is parsed (and refused).
        if let Some((_, n)) = self.nodes.iter().find(|(k, _)| *k == (block, depth)) {
            return Ok(n.clone());
        }
        let raw = self.fs.read_block(block, self.at)?;
        let at = block * self.fs.bs;
        let (_, node) = parse_node(&raw, Some(depth), at)?;
        let node = Arc::new(node);
        if self.nodes.len() >= CACHE_SLOTS {
            self.nodes.remove(0);
        }
        self.nodes.push(((block, depth), node.clone()));
        Ok(node)
    }

    fn pointer_block(&mut self, block: u64) -> Result<Arc<Vec<u32>>> {
        if let Some((_, p)) = self.pointers.iter().find(|(b, _)| *b == block) {
            return Ok(p.clone());
        }
        let raw = self.fs.read_block(block, self.at)?;
        let ptrs = Arc::new(raw.chunks_exact(4).map(|c| le32(c, 0)).collect::<Vec<_>>());
        if self.pointers.len() >= CACHE_SLOTS {
            self.pointers.remove(0);
        }
        self.pointers.push((block, ptrs.clone()));
        Ok(ptrs)
    }

    fn block_run(&mut self, lblk: u64, root: &[u32; 15]) -> Result<Run> {
        if lblk < 12 {
            return Ok(run_in(&root[..12], lblk as usize, lblk));
        }
        let p = self.fs.bs / 4;
        let mut rem = lblk - 12;
        let mut level = 1u32;
        let mut span = p; // logical blocks under the top pointer at this level
        while rem >= span {
            rem -= span;
            level += 1;
            if level > 3 {
                return Err(Error::corrupt(
                    F,
                    self.at,
                    format!("logical block {lblk} beyond the triple-indirect range"),
                ));
            }
            span = span.saturating_mul(p);
        }
        let mut block = root[11 + level as usize] as u64;
        loop {
            if block == 0 {
                return Ok(hole(lblk, lblk.saturating_add(span - rem)));
            }
            let ptrs = self.pointer_block(block)?;
            span /= p;
            let idx = (rem / span) as usize;
            rem %= span;
            if level == 1 {
                return Ok(run_in(&ptrs, idx, lblk));
            }
            block = ptrs.get(idx).copied().unwrap_or(0) as u64;
            level -= 1;
        }
    }
}

/// A hole from `lblk` up to (not including) `end`, at least one block long.
fn hole(lblk: u64, end: u64) -> Run {
    Run {
        start: lblk,
        len: end.saturating_sub(lblk).max(1),
        phys: None,
    }
}

/// The run of contiguous (or all-zero) pointers starting at `ptrs[idx]`.
fn run_in(ptrs: &[u32], idx: usize, lblk: u64) -> Run {
    let Some(&base) = ptrs.get(idx) else {
        return hole(lblk, lblk + 1);
    };
    let len = ptrs[idx..]
        .iter()
        .enumerate()
        .take_while(|&(k, &v)| {
            if base == 0 {
                v == 0
            } else {
                v as u64 == base as u64 + k as u64
            }
        })
        .count() as u64;
    Run {
        start: lblk,
        len: len.max(1),
        phys: (base != 0).then_some(base as u64),
    }
}

/// A reader over an inode's content.
pub(super) struct FileReader<'a> {
    mapper: Mapper<'a>,
    size: u64,
    pos: u64,
    run: Option<Run>,
}

impl<'a> FileReader<'a> {
    pub(super) fn new(fs: &'a Fs, layout: &Layout, size: u64, at: u64) -> Result<FileReader<'a>> {
        Ok(FileReader {
            mapper: Mapper::new(fs, layout, at)?,
            size,
            pos: 0,
            run: None,
        })
    }

    fn read_some(&mut self, out: &mut [u8]) -> Result<usize> {
        if self.pos >= self.size || out.is_empty() {
            return Ok(0);
        }
        let fs = self.mapper.fs;
        let lblk = self.pos / fs.bs;
        let run = match self.run {
            Some(r) if r.contains(lblk) => r,
            _ => {
                let r = self.mapper.run_at(lblk)?;
                if !r.contains(lblk) {
                    return Err(Error::corrupt(
                        F,
                        self.mapper.at,
                        "block map does not advance",
                    ));
                }
                self.run = Some(r);
                r
            }
        };
        let run_end = run.start.saturating_add(run.len).saturating_mul(fs.bs);
        let n = (run_end.min(self.size) - self.pos).min(out.len() as u64) as usize;
        let out = &mut out[..n];
        match run.phys {
            None => out.fill(0),
            Some(phys) => {
                let first = phys.saturating_add(lblk - run.start);
                let last = first.saturating_add((n as u64 - 1 + self.pos % fs.bs) / fs.bs);
                fs.block_offset(last, self.mapper.at)?;
                let off = fs.block_offset(first, self.mapper.at)? + self.pos % fs.bs;
                fs.src
                    .read_exact_at(off, out)
                    .map_err(|e| Error::read(F, off, e))?;
            }
        }
        self.pos += n as u64;
        Ok(n)
    }

    /// Reads the whole content into memory (for small things: symlinks, xattr values).
    pub(super) fn read_all(mut self, max: u64) -> Result<Vec<u8>> {
        if self.size > max {
            return Err(Error::corrupt(
                F,
                self.mapper.at,
                format!("{} bytes where at most {max} are expected", self.size),
            ));
        }
        let mut out = vec![0u8; self.size as usize];
        let mut done = 0;
        while done < out.len() {
            let n = self.read_some(&mut out[done..])?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(out)
    }
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let cap = out.len().min(1 << 20);
        self.read_some(&mut out[..cap]).map_err(io_error)
    }
}

/// The content of a regular file, mapped when opened.
pub(super) struct ExtFile {
    pub(super) fs: Arc<Fs>,
    pub(super) layout: Layout,
    pub(super) size: u64,
    pub(super) at: u64,
}

impl Content for ExtFile {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(FileReader::new(
            &self.fs,
            &self.layout,
            self.size,
            self.at,
        )?))
    }
}

/// Inline content shorter than the file: the rest is zeros.
pub(super) struct InlineFile {
    pub(super) bytes: Vec<u8>,
    pub(super) size: u64,
}

impl Content for InlineFile {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        let zeros = self.size.saturating_sub(self.bytes.len() as u64);
        Ok(Box::new(Read::chain(
            &self.bytes[..],
            io::repeat(0).take(zeros),
        )))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn extent_nodes_check_magic_counts_and_depth() {
        let mut n = vec![0u8; 60];
        n[0..2].copy_from_slice(&0xf30au16.to_le_bytes());
        n[2..4].copy_from_slice(&1u16.to_le_bytes());
        n[4..6].copy_from_slice(&4u16.to_le_bytes());
        n[12..16].copy_from_slice(&0u32.to_le_bytes());
        n[16..18].copy_from_slice(&(32768u16 + 5).to_le_bytes()); // uninitialised, 5 blocks
        n[20..24].copy_from_slice(&100u32.to_le_bytes());
        match parse_node(&n, None, 0).unwrap() {
            (0, Node::Leaf(l)) => assert_eq!(l, vec![(0, 5, false, 100)]),
            _ => panic!("leaf expected"),
        }
        assert!(matches!(
            parse_node(&n, Some(1), 0),
            Err(Error::Cycle { .. })
        ));
        n[2..4].copy_from_slice(&5u16.to_le_bytes());
        assert!(parse_node(&n, None, 0).is_err());
    }

    #[test]
    fn pointer_runs_coalesce_contiguous_blocks_and_holes() {
        let p = [10, 11, 12, 20, 0, 0, 7];
        assert_eq!(
            run_in(&p, 0, 0),
            Run {
                start: 0,
                len: 3,
                phys: Some(10)
            }
        );
        assert_eq!(
            run_in(&p, 4, 4),
            Run {
                start: 4,
                len: 2,
                phys: None
            }
        );
    }
}

//! Finding candidate image starts anywhere in a blob: one Aho-Corasick pass over all magics,
//! in parallel over chunks, yielding (offset, format) candidates for the validators.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use rayon::prelude::*;

use crate::format::{Format, Magic};
use crate::source::Source;

/// Size of each chunk searched by one thread.
const CHUNK: u64 = 4 << 20;
/// Chunks searched in parallel before candidates are handed out.
const WINDOW_CHUNKS: u64 = 16;
/// Candidates kept per window; more means hostile or degenerate data.
pub const MAX_CANDIDATES_PER_WINDOW: usize = 200_000;

/// A possible image start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub start: u64,
    /// Index of the format in the registry passed to [`Matcher::new`].
    pub format: usize,
}

/// The compiled magic patterns of a set of formats.
pub struct Matcher {
    ac: AhoCorasick,
    /// Per pattern: (format index, magic).
    patterns: Vec<(usize, Magic)>,
    overlap: u64,
}

impl Matcher {
    /// Compiles the magics of every format that may be carved (not weak).
    pub fn new(formats: &[&'static dyn Format]) -> Matcher {
        let mut patterns = Vec::new();
        for (i, f) in formats.iter().enumerate() {
            if f.weak() {
                continue;
            }
            for m in f.magics() {
                patterns.push((i, *m));
            }
        }
        // Leftmost-first search keeps the SIMD prefilter (Teddy) in play; every position a
        // match starts at is then checked against all patterns, so no candidate is lost.
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(patterns.iter().map(|(_, m)| m.bytes))
            .expect("magic patterns are small and valid");
        let overlap = patterns
            .iter()
            .map(|(_, m)| m.bytes.len() as u64)
            .max()
            .unwrap_or(1);
        Matcher {
            ac,
            patterns,
            overlap,
        }
    }

    /// Candidates with a start in `[from, to)` of `src`, sorted. Returns an error string when
    /// reading fails. `truncated` is set when a window had more candidates than allowed.
    pub fn candidates(
        &self,
        src: &dyn Source,
        from: u64,
        to: u64,
        truncated: &mut bool,
    ) -> std::io::Result<Vec<Candidate>> {
        let max_at = self.patterns.iter().map(|(_, m)| m.at).max().unwrap_or(0);
        // A magic at `at` for an image starting at `start` lies at `start + at`.
        let scan_to = to.saturating_add(max_at).min(src.len());
        let chunks: Vec<u64> = (from..scan_to).step_by(CHUNK as usize).collect();
        let found: Vec<std::io::Result<Vec<Candidate>>> = chunks
            .par_iter()
            // Each worker reuses its buffer: zeroing 4 MiB per chunk cost as much as the
            // search.
            .map_init(Vec::new, |buf: &mut Vec<u8>, &c| {
                let end = (c + CHUNK + self.overlap - 1).min(src.len());
                buf.resize((end - c) as usize, 0);
                let buf = &mut buf[..(end - c) as usize];
                crate::source::SourceExt::read_exact_at(src, c, buf)?;
                let mut out = Vec::new();
                let limit = (CHUNK as usize).min(buf.len());
                let mut at = 0;
                while at < limit {
                    let Some(m) = self
                        .ac
                        .find(aho_corasick::Input::new(&*buf).span(at..buf.len()))
                    else {
                        break;
                    };
                    let p = m.start();
                    if p >= limit {
                        break;
                    }
                    at = p + 1;
                    let pos = c + p as u64;
                    for (fmt, magic) in &self.patterns {
                        if !buf[p..].starts_with(magic.bytes) {
                            continue;
                        }
                        let Some(start) = pos.checked_sub(magic.at) else {
                            continue;
                        };
                        if start < from || start >= to || start % magic.align != 0 {
                            continue;
                        }
                        out.push(Candidate {
                            start,
                            format: *fmt,
                        });
                    }
                    if out.len() > MAX_CANDIDATES_PER_WINDOW {
                        break;
                    }
                }
                Ok(out)
            })
            .collect();
        let mut all = Vec::new();
        for f in found {
            all.extend(f?);
        }
        all.sort_unstable();
        all.dedup();
        if all.len() > MAX_CANDIDATES_PER_WINDOW {
            *truncated = true;
            all.truncate(MAX_CANDIDATES_PER_WINDOW);
        }
        Ok(all)
    }

    /// The window size over which candidates are gathered at once.
    pub fn window() -> u64 {
        CHUNK * WINDOW_CHUNKS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;

    #[test]
    fn finds_magics_across_chunk_boundaries_and_respects_alignment() {
        let formats = crate::format::registry();
        let m = Matcher::new(&formats);
        let mut data = vec![0u8; (CHUNK as usize) * 2 + 100];
        // A squashfs magic straddling the first chunk boundary.
        let at = CHUNK as usize - 2;
        data[at..at + 4].copy_from_slice(b"hsqs");
        let src = MemSource::new(data);
        let mut truncated = false;
        let c = m.candidates(&src, 0, src.len(), &mut truncated).unwrap();
        let sq = formats.iter().position(|f| f.id() == "squashfs").unwrap();
        assert!(c.contains(&Candidate {
            start: at as u64,
            format: sq
        }));
        assert!(!truncated);
    }
}

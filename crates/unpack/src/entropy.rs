//! Classifying bytes no extractor claimed: padding, text, structured data, or near-random
//! (compressed or encrypted by something not recognised).

use netvet_model::{Region, RegionClass};

use crate::source::{Source, SourceExt};

/// Block size for classification; regions are runs of blocks of one class.
const BLOCK: u64 = 64 * 1024;
/// Entropy above this (bits per byte) counts as compressed or encrypted.
const HIGH_ENTROPY: f64 = 7.2;
/// At most this many regions are listed per layer; the rest are merged into the last.
const MAX_REGIONS: usize = 256;

/// Shannon entropy of `data` in bits per byte.
pub fn entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u64; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Bytes of a block whose histogram gives its entropy: four spread slices of 4 KiB (a
/// quarter of a 64 KiB block), enough to tell random from structured data. The first slice
/// begins the block.
const SLICE: usize = 4096;

fn sample(data: &[u8]) -> Vec<&[u8]> {
    if data.len() <= 4 * SLICE {
        return vec![data];
    }
    (0..4)
        .map(|i| {
            let start = data.len() / 4 * i;
            &data[start..start + SLICE]
        })
        .collect()
}

/// Shannon entropy of several slices taken together.
fn entropy_of(slices: &[&[u8]]) -> f64 {
    // Four interleaved tables avoid the store-to-load stalls of runs of one byte value.
    let mut counts = [[0u32; 256]; 4];
    let mut n = 0usize;
    for s in slices {
        let mut chunks = s.chunks_exact(4);
        for c in &mut chunks {
            counts[0][c[0] as usize] += 1;
            counts[1][c[1] as usize] += 1;
            counts[2][c[2] as usize] += 1;
            counts[3][c[3] as usize] += 1;
        }
        for &b in chunks.remainder() {
            counts[0][b as usize] += 1;
        }
        n += s.len();
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    (0..256)
        .map(|i| counts[0][i] + counts[1][i] + counts[2][i] + counts[3][i])
        .filter(|&c| c > 0)
        .map(|c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The class of one block of bytes, with its entropy (estimated from a sample of the block).
pub fn classify(data: &[u8]) -> (RegionClass, f64) {
    if may_be_padding(data) {
        return (RegionClass::Padding, 0.0);
    }
    judge(&sample(data))
}

/// Erased flash (0xff) and zero fill, alone or mixed, are padding; so is nothing at all. Of a
/// sample of a block, true when the whole block could be padding.
fn may_be_padding(data: &[u8]) -> bool {
    let Some(&first) = data.first() else {
        return true;
    };
    data.iter().all(|&b| b == first) || data.iter().all(|&b| b == 0 || b == 0xff)
}

/// The class and entropy of data that is not padding, from its samples (the first of which
/// begins the data).
fn judge(samples: &[&[u8]]) -> (RegionClass, f64) {
    let head = samples.first().map_or(&[][..], |s| &s[..s.len().min(4096)]);
    let printable = head
        .iter()
        .filter(|&&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b))
        .count();
    let h = entropy_of(samples);
    let class = if printable * 100 >= head.len() * 95 {
        RegionClass::Text
    } else if h >= HIGH_ENTROPY {
        RegionClass::CompressedOrEncrypted
    } else {
        RegionClass::Data
    };
    (class, h)
}

/// [`classify`] of the `n` bytes at `start`. A block whose first slice is not padding is not
/// padding either, so its class comes from its samples alone; only a block that starts like
/// padding is read whole. `buf` is reused between calls.
fn classify_block(
    src: &dyn Source,
    start: u64,
    n: usize,
    buf: &mut Vec<u8>,
) -> std::io::Result<(RegionClass, f64)> {
    if n > 4 * SLICE {
        buf.resize(4 * SLICE, 0);
        src.read_exact_at(start, &mut buf[..SLICE])?;
        if !may_be_padding(&buf[..SLICE]) {
            for (i, part) in buf.chunks_exact_mut(SLICE).enumerate().skip(1) {
                src.read_exact_at(start + (n / 4 * i) as u64, part)?;
            }
            let parts: Vec<&[u8]> = buf.chunks_exact(SLICE).collect();
            return Ok(judge(&parts));
        }
    }
    buf.resize(n, 0);
    src.read_exact_at(start, &mut buf[..n])?;
    Ok(classify(&buf[..n]))
}

/// True when every byte of `[from, to)` is the same value, 0x00 or 0xff (erased flash).
pub fn is_padding(src: &dyn Source, from: u64, to: u64) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = from;
    let mut fill = None;
    while pos < to {
        let n = (to - pos).min(buf.len() as u64) as usize;
        src.read_exact_at(pos, &mut buf[..n])?;
        let v = *fill.get_or_insert(buf[0]);
        if (v != 0 && v != 0xff) || buf[..n].iter().any(|&b| b != v) {
            return Ok(false);
        }
        pos += n as u64;
    }
    Ok(true)
}

/// Splits `[from, to)` into runs of one class, merging adjacent blocks of the same class.
/// Blocks are classified in parallel, a batch at a time so memory stays bounded.
pub fn regions(src: &dyn Source, from: u64, to: u64) -> std::io::Result<Vec<Region>> {
    use rayon::prelude::*;
    const BATCH: u64 = 256;
    let mut out: Vec<(Region, f64)> = Vec::new(); // region and its entropy-weighted byte sum
    let mut pos = from;
    while pos < to {
        let batch_end = (pos + BATCH * BLOCK).min(to);
        let starts: Vec<u64> = (pos..batch_end).step_by(BLOCK as usize).collect();
        let classes: Vec<std::io::Result<(u64, usize, RegionClass, f64)>> = starts
            .par_iter()
            .map_init(Vec::new, |buf, &s| {
                let n = (to - s).min(BLOCK) as usize;
                let (class, h) = classify_block(src, s, n, buf)?;
                Ok((s, n, class, h))
            })
            .collect();
        for c in classes {
            let (start, n, class, h) = c?;
            // A short tail says little on its own: it joins the region before it.
            let joins = out.len() >= MAX_REGIONS || (n as u64) < BLOCK / 4;
            match out.last_mut() {
                Some((last, sum)) if last.class == class || joins => {
                    if last.class != class && (n as u64) >= BLOCK / 4 {
                        last.class = RegionClass::Data;
                    }
                    last.length += n as u64;
                    *sum += h * n as f64;
                }
                _ => out.push((
                    Region {
                        offset: start,
                        length: n as u64,
                        entropy: 0.0,
                        class,
                    },
                    h * n as f64,
                )),
            }
        }
        pos = batch_end;
    }
    Ok(out
        .into_iter()
        .map(|(mut r, sum)| {
            // `max` also turns the -0.0 of a constant block into 0.
            r.entropy = ((sum / r.length as f64 * 1000.0).round() / 1000.0).max(0.0);
            r
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;

    #[test]
    fn blocks_classify_from_their_samples_as_from_all_their_bytes() {
        let mut x: u64 = 0x2545f4914f6cdd1d;
        let mut random = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        };
        let block = BLOCK as usize;
        let noise: Vec<u8> = (0..block).map(|_| random()).collect();
        let text = b"root:x:0:0:root:/root:/bin/sh\n".repeat(block / 30 + 1)[..block].to_vec();
        let erased = vec![0xffu8; block];
        let mixed: Vec<u8> = (0..block)
            .map(|i| if i % 3 == 0 { 0 } else { 0xff })
            .collect();
        // Padding in every sample, but one byte between them is not: not padding.
        let mut almost = vec![0xffu8; block];
        almost[block / 8] = 0x41;
        // Padding at the start, data after it.
        let mut tail = vec![0u8; block];
        tail[block / 2..].copy_from_slice(&noise[..block / 2]);
        let short = noise[..5000].to_vec();
        for data in [noise, text, erased, mixed, almost, tail, short] {
            let src = MemSource::new(data.clone());
            let mut buf = Vec::new();
            let got = classify_block(&src, 0, data.len(), &mut buf).unwrap();
            assert_eq!(got, classify(&data));
        }
    }

    #[test]
    fn tells_padding_text_and_random_apart() {
        let mut data = vec![0xffu8; BLOCK as usize];
        data.extend(b"root:x:0:0:root:/root:/bin/sh\n".repeat(3000));
        data.truncate(2 * BLOCK as usize);
        // xorshift bytes: near 8 bits of entropy
        let mut x: u64 = 0x9e3779b97f4a7c15;
        for _ in 0..BLOCK {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data.push(x as u8);
        }
        let src = MemSource::new(data);
        let r = regions(&src, 0, src.len()).unwrap();
        let classes: Vec<_> = r.iter().map(|r| r.class).collect();
        assert_eq!(
            classes,
            [
                RegionClass::Padding,
                RegionClass::Text,
                RegionClass::CompressedOrEncrypted
            ]
        );
        assert_eq!(r[0].entropy, 0.0);
        assert!(r[2].entropy > 7.9);
        assert!(is_padding(&src, 0, BLOCK).unwrap());
        assert!(!is_padding(&src, 0, BLOCK + 1).unwrap());
    }
}

//! LZO1X decompression (as used by squashfs, JFFS2 and UBIFS), written from the format
//! description in the Linux kernel's `Documentation/staging/lzo.rst`. Every read and copy is
//! bounds-checked; output is capped.

fn err(what: &str, ip: usize) -> String {
    format!("lzo: {what} at input byte {ip}")
}

struct Input<'a> {
    b: &'a [u8],
    ip: usize,
}

impl Input<'_> {
    fn byte(&mut self) -> Result<usize, String> {
        let v = *self
            .b
            .get(self.ip)
            .ok_or_else(|| err("input ends early", self.ip))?;
        self.ip += 1;
        Ok(v as usize)
    }

    fn le16(&mut self) -> Result<usize, String> {
        let lo = self.byte()?;
        let hi = self.byte()?;
        Ok(lo | hi << 8)
    }

    /// A run of zero bytes extends a length by 255 each, then a final non-zero byte.
    fn extended(&mut self, base: usize) -> Result<usize, String> {
        let mut zeros = 0usize;
        while self.b.get(self.ip) == Some(&0) {
            self.ip += 1;
            zeros += 1;
            if zeros > (1 << 24) {
                return Err(err("length run too long", self.ip));
            }
        }
        Ok(base + zeros * 255 + self.byte()?)
    }

    fn literals(&mut self, n: usize, out: &mut Vec<u8>, max: usize) -> Result<(), String> {
        let end = self.ip + n;
        let bytes = self
            .b
            .get(self.ip..end)
            .ok_or_else(|| err("literal run past the end", self.ip))?;
        if out.len() + n > max {
            return Err(err("output exceeds the block size", self.ip));
        }
        out.extend_from_slice(bytes);
        self.ip = end;
        Ok(())
    }
}

fn copy_match(
    out: &mut Vec<u8>,
    dist: usize,
    len: usize,
    max: usize,
    ip: usize,
) -> Result<(), String> {
    if dist == 0 || dist > out.len() {
        return Err(err("match refers before the start of output", ip));
    }
    if out.len() + len > max {
        return Err(err("output exceeds the block size", ip));
    }
    let start = out.len() - dist;
    if dist >= len {
        out.extend_from_within(start..start + len);
    } else {
        for i in 0..len {
            let b = out[start + i];
            out.push(b);
        }
    }
    Ok(())
}

/// Decodes an LZO1X block into `out` (cleared first), producing at most `max` bytes.
pub fn decompress(input: &[u8], out: &mut Vec<u8>, max: usize) -> Result<(), String> {
    out.clear();
    let mut r = Input { b: input, ip: 0 };
    // `state` is the number of literals copied after the previous instruction (0-3), or 4
    // after a long literal run; it selects how the next small instruction is read.
    let mut state;
    let first = *input.first().ok_or_else(|| err("empty input", 0))? as usize;
    if first > 17 {
        r.ip = 1;
        let t = first - 17;
        if t < 4 {
            r.literals(t, out, max)?;
            state = t;
        } else {
            r.literals(t, out, max)?;
            state = 4;
        }
    } else {
        state = 0;
    }
    loop {
        let t = r.byte()?;
        let (dist, len, next);
        if t < 16 {
            if state == 0 {
                // Literal run.
                let n = if t == 0 { r.extended(15)? } else { t } + 3;
                r.literals(n, out, max)?;
                state = 4;
                continue;
            } else if state != 4 {
                // Two-byte match close behind.
                next = t & 3;
                dist = 1 + (t >> 2) + (r.byte()? << 2);
                len = 2;
            } else {
                // Three-byte match just beyond the M2 range.
                next = t & 3;
                dist = 1 + 0x800 + (t >> 2) + (r.byte()? << 2);
                len = 3;
            }
        } else if t >= 64 {
            next = t & 3;
            dist = 1 + ((t >> 2) & 7) + (r.byte()? << 3);
            len = (t >> 5) + 1;
        } else if t >= 32 {
            let l = t & 31;
            len = if l == 0 { r.extended(31)? } else { l } + 2;
            let v = r.le16()?;
            dist = 1 + (v >> 2);
            next = v & 3;
        } else {
            // 16..31: far match, or the end-of-stream marker.
            let l = t & 7;
            len = if l == 0 { r.extended(7)? } else { l } + 2;
            let v = r.le16()?;
            let d = ((t & 8) << 11) + (v >> 2);
            if d == 0 {
                if len != 3 {
                    return Err(err("bad end marker", r.ip));
                }
                return if r.ip == input.len() {
                    Ok(())
                } else {
                    Err(err("data after the end marker", r.ip))
                };
            }
            dist = d + 0x4000;
            next = v & 3;
        }
        copy_match(out, dist, len, max, r.ip)?;
        r.literals(next, out, max)?;
        state = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) {
        let packed = lzokay_native::compress(data).unwrap();
        let mut out = Vec::new();
        decompress(&packed, &mut out, data.len()).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn round_trips_text_binary_and_long_runs() {
        round_trip(b"hello hello hello hello, squashfs lzo block");
        round_trip(&vec![0u8; 70_000]);
        let mut x = 12345u32;
        let noisy: Vec<u8> = (0..50_000)
            .map(|i| {
                x = x.wrapping_mul(1103515245).wrapping_add(12345);
                if i % 7 == 0 {
                    (x >> 16) as u8
                } else {
                    b'a' + (i % 13) as u8
                }
            })
            .collect();
        round_trip(&noisy);
        round_trip(b"x");
    }

    #[test]
    fn hostile_inputs_fail_cleanly() {
        let mut out = Vec::new();
        // A match before any output.
        assert!(decompress(&[0x40, 0x00], &mut out, 100).is_err());
        // Truncated literal run.
        assert!(decompress(&[0x01], &mut out, 100).is_err());
        // Output cap.
        let packed = lzokay_native::compress(&[7u8; 10_000]).unwrap();
        assert!(decompress(&packed, &mut out, 100).is_err());
        assert!(out.len() <= 100);
    }
}

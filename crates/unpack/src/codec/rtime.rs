//! JFFS2's "rtime" compressor: each literal byte is followed by a repeat count that copies
//! from the position after that byte's previous occurrence.

/// Decodes `input` into `out`, producing exactly `expected` bytes.
pub fn decompress(input: &[u8], out: &mut Vec<u8>, expected: usize) -> Result<(), String> {
    out.clear();
    out.reserve(expected);
    let mut positions = [0usize; 256];
    let mut pos = 0;
    while out.len() < expected {
        let (Some(&value), Some(&repeat)) = (input.get(pos), input.get(pos + 1)) else {
            return Err(format!("rtime input ends at byte {pos}"));
        };
        pos += 2;
        out.push(value);
        let back = positions[value as usize];
        positions[value as usize] = out.len();
        // `back + i` is always behind the write position, so this reads written bytes.
        for i in 0..repeat as usize {
            if out.len() >= expected {
                return Err("rtime repeat runs past the output size".into());
            }
            let b = out[back + i];
            out.push(b);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compressor as in the Linux kernel, for round trips.
    fn compress(data: &[u8]) -> Vec<u8> {
        let mut positions = [0usize; 256];
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < data.len() {
            let value = data[pos];
            out.push(value);
            pos += 1;
            let mut back = positions[value as usize];
            positions[value as usize] = pos;
            let mut run = 0u8;
            while pos < data.len() && run < 255 && data[back] == data[pos] {
                pos += 1;
                back += 1;
                run += 1;
            }
            out.push(run);
        }
        out
    }

    #[test]
    fn round_trips() {
        let data = b"aaaaabababababcabcabcabc hello hello hello".repeat(20);
        let packed = compress(&data);
        let mut out = Vec::new();
        decompress(&packed, &mut out, data.len()).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn truncated_input_is_an_error() {
        let mut out = Vec::new();
        assert!(decompress(b"a", &mut out, 10).is_err());
    }
}

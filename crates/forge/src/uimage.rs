//! U-Boot legacy image (uImage) writer.

/// Compression recorded in the header.
#[derive(Clone, Copy, Debug)]
pub enum Compression {
    None = 0,
    Gzip = 1,
    Lzma = 3,
}

/// Wraps `data` in a 64-byte uImage header for a Linux kernel of `arch` (U-Boot's numbers:
/// 2 ARM, 5 MIPS, 22 ARM64).
pub fn kernel(data: &[u8], arch: u8, comp: Compression, name: &str, load: u32) -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[0..4].copy_from_slice(&0x2705_1956u32.to_be_bytes());
    h[8..12].copy_from_slice(&1_600_000_000u32.to_be_bytes());
    h[12..16].copy_from_slice(&(data.len() as u32).to_be_bytes());
    h[16..20].copy_from_slice(&load.to_be_bytes());
    h[20..24].copy_from_slice(&load.to_be_bytes());
    h[24..28].copy_from_slice(&crc32fast::hash(data).to_be_bytes());
    h[28] = 5; // Linux
    h[29] = arch;
    h[30] = 2; // kernel
    h[31] = comp as u8;
    let n = name.len().min(31);
    h[32..32 + n].copy_from_slice(&name.as_bytes()[..n]);
    let crc = crc32fast::hash(&h);
    h[4..8].copy_from_slice(&crc.to_be_bytes());
    h.extend_from_slice(data);
    h
}

//! Flags shared by every subcommand that unpacks images: limits and the spool directory.

use std::path::PathBuf;
use std::time::Duration;

use netvet_unpack::{Limits, Options, Spooler};

/// Limits on unpacking one image (defaults suit a 2-core, 24 GiB machine).
#[derive(clap::Args, Clone, Debug)]
pub struct LimitArgs {
    /// Deepest nesting of images inside images.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    pub max_depth: u32,
    /// Total bytes extracted or decompressed per input image (suffixes K, M, G, T).
    #[arg(long, value_name = "SIZE", default_value = "16G", value_parser = parse_size)]
    pub max_bytes: u64,
    /// Entries per input image, nested images included.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries)]
    pub max_entries: u64,
    /// Largest decompressed-to-compressed ratio of a stream.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_ratio)]
    pub max_ratio: u64,
    /// Seconds allowed per input image.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().max_time.as_secs())]
    pub timeout: u64,
    /// Largest single file read or written (suffixes K, M, G, T).
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Do not search archive members for images embedded at other offsets (the input and
    /// container parts are always searched).
    #[arg(long)]
    pub no_carve_members: bool,
    /// Directory for spooled decompressed data (default: the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub tmp_dir: Option<PathBuf>,
}

impl LimitArgs {
    /// Unpacking options from these flags.
    pub fn options(&self) -> Options {
        Options {
            limits: Limits {
                max_depth: self.max_depth,
                max_total_bytes: self.max_bytes,
                max_entries: self.max_entries,
                max_ratio: self.max_ratio.max(1),
                max_time: Duration::from_secs(self.timeout),
                max_file_size: self.max_file_size,
                ..Limits::default()
            },
            spooler: Spooler {
                tmp_dir: self.tmp_dir.clone(),
                ..Spooler::default()
            },
            carve_members: !self.no_carve_members,
            ..Options::default()
        }
    }
}

/// Parses `123`, `64K`, `512M`, `16G`, `1T` (binary multiples).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return Err(format!("unknown size suffix in {s:?} (use K, M, G or T)")),
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (examples: 4096, 64K, 512M, 16G)"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("16G"), Ok(16 << 30));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}

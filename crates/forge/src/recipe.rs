//! Recipes: TOML descriptions of sample devices' firmware (their files and image layout),
//! built into images by this crate. The demo's sample devices live in `examples/firmware/`.

use serde::Deserialize;

use crate::tree::{FsNode, FsTree, NodeKind};

/// Errors in a recipe.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {path}: {message}")]
    Entry {
        file: String,
        path: String,
        message: String,
    },
}

/// A sample device and its firmware.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub device: Device,
    pub image: Image,
    #[serde(default)]
    pub files: Vec<File>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub devices: Vec<DeviceNode>,
}

/// Who makes the device (always fictional for planted problems).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    pub vendor: String,
    pub product: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
}

/// How the root filesystem is packaged.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// A squashfs image alone.
    Squashfs,
    /// A NOR flash dump: LZMA kernel in a uImage at 0, squashfs at `rootfs_offset`, 0xff fill.
    Flash,
    /// A vendor update bundle: `.tar.gz` holding the flash image and a manifest.
    Bundle,
}

/// The image to build.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// File name of the built image.
    pub file: String,
    pub layout: Layout,
    /// Big-endian squashfs (as MIPS big-endian devices use).
    #[serde(default)]
    pub big_endian: bool,
    /// The kernel's version banner (put inside a generated kernel blob).
    #[serde(default)]
    pub kernel: Option<String>,
    /// U-Boot architecture number (2 ARM, 5 MIPS, 22 ARM64).
    #[serde(default = "default_arch")]
    pub arch: u8,
    #[serde(default = "default_rootfs_offset")]
    pub rootfs_offset: usize,
    #[serde(default = "default_flash_size")]
    pub flash_size: usize,
    /// File times in the image.
    #[serde(default = "default_mtime")]
    pub mtime: u32,
}

fn default_arch() -> u8 {
    2
}
fn default_rootfs_offset() -> usize {
    0x10_0000
}
fn default_flash_size() -> usize {
    0x80_0000
}
fn default_mtime() -> u32 {
    1_700_000_000
}

/// A regular file: its content is `text`, `hex`, `random` bytes (deterministic noise), or a
/// stored ZIP archive of `zip` members (a Java archive, say).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub path: String,
    #[serde(default = "default_mode")]
    pub mode: u32,
    #[serde(default)]
    pub uid: u32,
    #[serde(default)]
    pub gid: u32,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub hex: Option<String>,
    #[serde(default)]
    pub random: Option<usize>,
    /// Strings placed inside `random` content at evenly spaced offsets (version banners,
    /// indicators), each followed by a NUL as in a binary's string table.
    #[serde(default)]
    pub strings: Vec<String>,
    #[serde(default)]
    pub zip: Option<Vec<ZipMember>>,
}

/// A member of a ZIP file in a recipe.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZipMember {
    pub path: String,
    pub text: String,
}

fn default_mode() -> u32 {
    0o644
}

/// A symlink.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub path: String,
    pub target: String,
}

/// A device node.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceNode {
    pub path: String,
    /// `char` or `block`.
    pub kind: String,
    pub major: u32,
    pub minor: u32,
    #[serde(default = "default_dev_mode")]
    pub mode: u32,
}

fn default_dev_mode() -> u32 {
    0o600
}

/// Deterministic noise seeded by a string (so a file's bytes depend only on the recipe).
pub fn noise(len: usize, seed: &str) -> Vec<u8> {
    let mut x: u64 = seed.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    }) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
        .collect()
}

impl Recipe {
    /// Parses a recipe; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Recipe, RecipeError> {
        toml::from_str(text).map_err(|e| RecipeError::Parse {
            file: file.to_string(),
            message: e.to_string(),
        })
    }

    /// The root filesystem the recipe describes.
    pub fn tree(&self, file: &str) -> Result<FsTree, RecipeError> {
        let mut t = FsTree::new();
        t.default_mtime = self.image.mtime;
        let err = |path: &str, message: &str| RecipeError::Entry {
            file: file.to_string(),
            path: path.to_string(),
            message: message.to_string(),
        };
        for f in &self.files {
            let data = match (&f.text, &f.hex, f.random, &f.zip) {
                (Some(t), None, None, None) => t.as_bytes().to_vec(),
                (None, Some(h), None, None) => {
                    decode_hex(h).ok_or_else(|| err(&f.path, "bad hex"))?
                }
                (None, None, None, Some(members)) => crate::zip::write(
                    &members
                        .iter()
                        .map(|m| crate::zip::Member {
                            name: &m.path,
                            data: m.text.as_bytes(),
                        })
                        .collect::<Vec<_>>(),
                ),
                (None, None, Some(n), None) => {
                    let mut data = noise(n, &f.path);
                    let slots = f.strings.len() + 1;
                    for (i, s) in f.strings.iter().enumerate() {
                        let at = n * (i + 1) / slots;
                        let end = at + s.len() + 1;
                        if end > n {
                            return Err(err(&f.path, "strings do not fit the random content"));
                        }
                        data[at..end - 1].copy_from_slice(s.as_bytes());
                        data[end - 1] = 0;
                    }
                    data
                }
                _ => return Err(err(&f.path, "give exactly one of text, hex, random, zip")),
            };
            if f.mode > 0o7777 {
                return Err(err(&f.path, "mode above 0o7777"));
            }
            t.insert(
                &f.path,
                FsNode {
                    kind: NodeKind::File(data),
                    mode: f.mode,
                    uid: f.uid,
                    gid: f.gid,
                    mtime: self.image.mtime,
                },
            );
        }
        for l in &self.links {
            t.symlink(&l.path, &l.target);
        }
        for d in &self.devices {
            let kind = match d.kind.as_str() {
                "char" => NodeKind::CharDevice(d.major, d.minor),
                "block" => NodeKind::BlockDevice(d.major, d.minor),
                _ => return Err(err(&d.path, "device kind must be char or block")),
            };
            t.insert(
                &d.path,
                FsNode {
                    kind,
                    mode: d.mode,
                    uid: 0,
                    gid: 0,
                    mtime: self.image.mtime,
                },
            );
        }
        Ok(t)
    }

    /// Builds the image the recipe describes: (file name, bytes).
    pub fn build(&self, file: &str) -> Result<(String, Vec<u8>), RecipeError> {
        let tree = self.tree(file)?;
        let squashfs = crate::squashfs::write(
            &tree,
            crate::squashfs::Options {
                kind: if self.image.big_endian {
                    crate::squashfs::Kind::BigEndian
                } else {
                    crate::squashfs::Kind::LittleEndian
                },
                mtime: self.image.mtime,
                ..crate::squashfs::Options::default()
            },
        );
        let bytes = match self.image.layout {
            Layout::Squashfs => squashfs,
            Layout::Flash | Layout::Bundle => {
                let flash = self.flash(file, &squashfs)?;
                if self.image.layout == Layout::Flash {
                    flash
                } else {
                    let mut bundle = FsTree::new();
                    bundle.default_mtime = self.image.mtime;
                    let inner = self.image.file.trim_end_matches(".tar.gz").to_string() + ".bin";
                    bundle.file(&inner, 0o644, flash);
                    bundle.file(
                        "MANIFEST",
                        0o644,
                        format!(
                            "vendor={}\nproduct={}\nversion={}\nimage={inner}\n",
                            self.device.vendor, self.device.product, self.device.version
                        ),
                    );
                    crate::gzip(&crate::tar::write(&bundle))
                }
            }
        };
        Ok((self.image.file.clone(), bytes))
    }

    fn flash(&self, file: &str, rootfs: &[u8]) -> Result<Vec<u8>, RecipeError> {
        let banner = self
            .image
            .kernel
            .clone()
            .unwrap_or_else(|| "Linux version 5.10.0".to_string());
        let mut kernel = noise(400_000, &banner);
        kernel[4096..4096 + banner.len()].copy_from_slice(banner.as_bytes());
        let uimage = crate::uimage::kernel(
            &crate::lzma(&kernel),
            self.image.arch,
            crate::uimage::Compression::Lzma,
            &banner.chars().take(31).collect::<String>(),
            0x8000_8000,
        );
        if uimage.len() > self.image.rootfs_offset
            || self.image.rootfs_offset + rootfs.len() > self.image.flash_size
        {
            return Err(RecipeError::Parse {
                file: file.to_string(),
                message: format!(
                    "kernel ({} bytes) and rootfs ({} bytes) do not fit the flash layout",
                    uimage.len(),
                    rootfs.len()
                ),
            });
        }
        let mut flash = uimage;
        crate::pad_to(&mut flash, self.image.rootfs_offset, 0xff);
        flash.extend_from_slice(rootfs);
        crate::pad_to(&mut flash, self.image.flash_size, 0xff);
        Ok(flash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_reject_unknown_fields_and_ambiguous_content() {
        let bad = "[device]\nvendor='x'\nproduct='y'\nversion='1'\ncolour='red'\n[image]\nfile='a'\nlayout='squashfs'\n";
        let e = Recipe::parse("bad.toml", bad).unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let both = "[device]\nvendor='x'\nproduct='y'\nversion='1'\n[image]\nfile='a'\nlayout='squashfs'\n[[files]]\npath='/a'\ntext='t'\nrandom=3\n";
        let r = Recipe::parse("both.toml", both).unwrap();
        assert!(r.build("both.toml").is_err());
    }

    #[test]
    fn noise_is_deterministic_per_seed() {
        assert_eq!(noise(16, "/bin/x"), noise(16, "/bin/x"));
        assert_ne!(noise(16, "/bin/x"), noise(16, "/bin/y"));
    }
}

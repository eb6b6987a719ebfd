//! The Linux kernel, and which evidence says which version it is.
//!
//! Evidence, strongest first (the property `linux-kernel:version-evidence` names the one a
//! component's version came from):
//!
//! 1. `banner (distribution version)`: the kernel's own banner (`Linux version 6.1.0-18-amd64
//!    (debian-kernel@lists.debian.org) ... Debian 6.1.76-1 (2024-02-01)`) where the
//!    distribution states the upstream version (Debian, Ubuntu).
//! 2. `banner`: the banner's release (`Linux version 4.14.180-acme ...`), found by the
//!    `linux-kernel` classifier in a vmlinux or a decompressed payload, or read here from
//!    an ARM zImage's gzip, xz, LZMA, zstd or LZ4-legacy payload, or from the version
//!    string a bzImage's setup header points to (the same text, readable without
//!    decompressing).
//! 3. `module vermagic`: `vermagic=` of kernel modules (classifier `linux-kernel-module`).
//! 4. `uImage name`: the name a vendor wrote into a uImage header (`Linux-5.10.176`).
//! 5. `/lib/modules directory`: the name of a `/lib/modules/RELEASE/` directory.
//!
//! A release such as Debian's `6.1.0-57-cloud-amd64` or Red Hat's `4.18.0-513.el8.x86_64` is
//! an ABI name, not a version: the kernel behind it is 6.1.192 or a heavily patched 4.18.
//! Reading it as 6.1.0 reports long-fixed vulnerabilities as open. Without stronger evidence
//! such a component has no version (the ABI name is kept in `linux-kernel:abi`), so matching
//! falls back to the package database or says nothing rather than something wrong.

use std::collections::BTreeMap;

use netvet_model::EntryKind;
use netvet_model::{Component, ComponentEvidence, ComponentType};
use netvet_unpack::codec::Codec;
use netvet_unpack::{Entry, Tree};
use regex::bytes::Regex;

use crate::identity;

/// Cataloger id of `/lib/modules` directory names.
pub const ID: &str = "linux-kernel-modules-cataloger";

/// Cataloger id of kernel images read here (bzImage header, zImage payload, uImage name).
pub const IMAGE_ID: &str = "linux-kernel-image-cataloger";

/// The component name every kernel cataloger uses, so their evidence merges.
pub const NAME: &str = "linux-kernel";

/// Property naming the evidence the version came from.
pub const EVIDENCE_PROPERTY: &str = "linux-kernel:version-evidence";

/// Property holding a distribution ABI release (`6.1.0-18-amd64`).
pub const ABI_PROPERTY: &str = "linux-kernel:abi";

/// Property holding the local suffix of the release (`-acme`).
pub const RELEASE_PROPERTY: &str = "linux-kernel:release";

/// Kinds of evidence, weakest first (the order decides which wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evidence {
    ModulesDir,
    UImageName,
    Vermagic,
    Banner,
    BannerDistribution,
}

impl Evidence {
    /// The name written into `linux-kernel:version-evidence`.
    pub fn name(self) -> &'static str {
        match self {
            Evidence::ModulesDir => "/lib/modules directory",
            Evidence::UImageName => "uImage name",
            Evidence::Vermagic => "module vermagic",
            Evidence::Banner => "banner",
            Evidence::BannerDistribution => "banner (distribution version)",
        }
    }

    fn from_name(s: &str) -> Option<Evidence> {
        [
            Evidence::ModulesDir,
            Evidence::UImageName,
            Evidence::Vermagic,
            Evidence::Banner,
            Evidence::BannerDistribution,
        ]
        .into_iter()
        .find(|e| e.name() == s)
    }

    /// Confidence given to a component's evidence of this kind.
    fn confidence(self) -> f64 {
        match self {
            Evidence::ModulesDir => 0.5,
            Evidence::UImageName => 0.6,
            Evidence::Vermagic => 0.8,
            Evidence::Banner => 0.9,
            Evidence::BannerDistribution => 0.95,
        }
    }
}

/// Splits a kernel release into the version NVD uses and the local suffix
/// (`4.14.180-acme` → `4.14.180`, `-acme`). `None` when it does not start with `N.N`.
pub fn split_release(release: &str) -> Option<(&str, &str)> {
    let end = release
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(release.len());
    let version = release[..end].trim_end_matches('.');
    let mut parts = version.split('.');
    let ok =
        parts.next().is_some_and(|p| !p.is_empty()) && parts.next().is_some_and(|p| !p.is_empty());
    ok.then(|| (version, &release[version.len()..]))
}

/// True when a release is a distribution's ABI name rather than a version: `X.Y.0-N...`
/// (Debian `6.1.0-18-amd64`, Ubuntu `5.15.0-91-generic`, Red Hat `4.18.0-513.el8.x86_64`).
pub fn is_abi_name(release: &str) -> bool {
    let Some((version, local)) = split_release(release) else {
        return false;
    };
    version.split('.').count() == 3
        && version.ends_with(".0")
        && local
            .strip_prefix('-')
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

/// A kernel component for a release string, with one piece of evidence.
pub fn component(release: &str, path: &str, cataloger: &str, confidence: f64) -> Option<Component> {
    let (version, local) = split_release(release)?;
    let mut properties = BTreeMap::new();
    if !local.is_empty() {
        properties.insert(RELEASE_PROPERTY.to_string(), local.to_string());
    }
    Some(Component {
        name: NAME.to_string(),
        version: Some(version.to_string()),
        kind: ComponentType::Kernel,
        purl: Some(identity::purl("generic", None, NAME, Some(version), &[])),
        cpes: vec![identity::cpe('o', "linux", "linux_kernel", Some(version))],
        end_of_support: None,
        unsupported: false,
        evidence: vec![ComponentEvidence {
            path: path.to_string(),
            cataloger: cataloger.to_string(),
            confidence,
        }],
        ecosystem: None,
        source_package: None,
        distro: None,
        properties,
    })
}

/// The full release (`uname -r`) of a kernel component: version and local suffix, or the ABI
/// name it keeps.
fn uname(c: &Component) -> String {
    if let Some(abi) = c.properties.get(ABI_PROPERTY) {
        return abi.clone();
    }
    format!(
        "{}{}",
        c.version.as_deref().unwrap_or(""),
        c.properties
            .get(RELEASE_PROPERTY)
            .map(String::as_str)
            .unwrap_or("")
    )
}

/// Sets a kernel component's version from `evidence`: an ABI release loses its version
/// unless `upstream` (a distribution's statement of the upstream version) gives it.
fn settle(c: &mut Component, evidence: Evidence, upstream: Option<&str>) {
    let release = uname(c);
    let (version, evidence) = match upstream {
        Some(u) => (Some(u.to_string()), Evidence::BannerDistribution),
        None if is_abi_name(&release) => (None, evidence),
        None => (c.version.clone(), evidence),
    };
    if is_abi_name(&release) || upstream.is_some() {
        c.properties.insert(ABI_PROPERTY.to_string(), release);
        c.properties.remove(RELEASE_PROPERTY);
    }
    c.purl = Some(identity::purl(
        "generic",
        None,
        NAME,
        version.as_deref(),
        &[],
    ));
    c.cpes = vec![identity::cpe(
        'o',
        "linux",
        "linux_kernel",
        version.as_deref(),
    )];
    c.version = version;
    c.properties
        .insert(EVIDENCE_PROPERTY.to_string(), evidence.name().to_string());
    for e in &mut c.evidence {
        e.confidence = evidence.confidence();
    }
}

fn distribution_version(text: &[u8]) -> Option<String> {
    static RE: std::sync::LazyLock<Option<Regex>> = std::sync::LazyLock::new(|| {
        Regex::new(
            // The kernel package's version and date end the banner; the compiler's
            // `(Debian 12.2.0-14)` earlier is not it.
            r"(?-u)Debian (?P<d>[0-9]+\.[0-9]+\.[0-9]+)-[^ \x00]{1,32} \([0-9]{4}-[0-9]{2}-[0-9]{2}\)|\(Ubuntu [^ \x00)]{1,64} (?P<u>[0-9]+\.[0-9]+\.[0-9]+)\)",
        )
        .ok()
    });
    let caps = RE.as_ref()?.captures(text)?;
    caps.name("d")
        .or_else(|| caps.name("u"))
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
}

/// The banner text that starts at `start` in `content`: up to a NUL or newline, at most 512
/// bytes.
fn banner_at(content: &[u8], start: usize) -> &[u8] {
    let tail = content.get(start..).unwrap_or_default();
    let tail = &tail[..tail.len().min(512)];
    let end = tail
        .iter()
        .position(|&b| b == 0 || b == b'\n')
        .unwrap_or(tail.len());
    &tail[..end]
}

/// Step 1 for kernels: settles the version of the classifier's kernel hits in `found` (banner
/// and `vermagic`) and adds what kernel images show that the classifiers cannot read: the
/// version string of a bzImage's setup header, and the banner inside an ARM zImage's
/// compressed payload.
pub fn per_file(entry: &Entry, content: &[u8], found: &mut Vec<Component>) {
    for c in found.iter_mut().filter(|c| c.name == NAME) {
        let Some(cataloger) = c.evidence.first().map(|e| e.cataloger.clone()) else {
            continue;
        };
        if cataloger == "linux-kernel" {
            let needle = format!("Linux version {} ", uname(c));
            let upstream = memfind(content, needle.as_bytes())
                .map(|i| banner_at(content, i))
                .and_then(distribution_version);
            settle(c, Evidence::Banner, upstream.as_deref());
        } else if cataloger == "linux-kernel-module" {
            settle(c, Evidence::Vermagic, None);
        }
    }
    if found.iter().any(|c| c.name == NAME) {
        return;
    }
    let banner = bzimage_version(content)
        .map(|v| {
            let mut b = b"Linux version ".to_vec();
            b.extend(v);
            b
        })
        .or_else(|| zimage_banner(content));
    if let Some(b) = banner
        && let Some(c) = from_banner(&b, &entry.path)
    {
        found.push(c);
    }
}

/// A kernel component from banner text (`Linux version RELEASE ...`).
pub fn from_banner(banner: &[u8], path: &str) -> Option<Component> {
    let rest = banner.strip_prefix(b"Linux version ")?;
    let end = rest
        .iter()
        .position(|&b| b == b' ' || b == 0)
        .unwrap_or(rest.len());
    let release = std::str::from_utf8(rest.get(..end.min(64))?).ok()?;
    let mut c = component(release, path, IMAGE_ID, 0.9)?;
    settle(
        &mut c,
        Evidence::Banner,
        distribution_version(banner).as_deref(),
    );
    Some(c)
}

/// The version string an x86 bzImage's setup header points to (boot protocol 2.00+:
/// `HdrS` at 0x202, `kernel_version` at 0x20e is an offset from 0x200), e.g.
/// `6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP ... Debian 6.1.76-1 (2024-02-01)`.
pub fn bzimage_version(content: &[u8]) -> Option<&[u8]> {
    if content.get(0x1fe..0x200)? != [0x55, 0xaa] || content.get(0x202..0x206)? != b"HdrS" {
        return None;
    }
    let ptr = u16::from_le_bytes(content.get(0x20e..0x210)?.try_into().ok()?) as usize;
    if ptr == 0 {
        return None;
    }
    let s = banner_at(content, 0x200 + ptr);
    (!s.is_empty() && split_release(std::str::from_utf8(s).ok()?).is_some()).then_some(s)
}

/// Largest decompressed size read from a zImage payload while looking for the banner.
const MAX_ZIMAGE_OUTPUT: usize = 96 << 20;

/// Payload candidates tried per zImage (a signature can occur by chance in the stub).
const MAX_ZIMAGE_CANDIDATES: usize = 8;

/// The banner inside an ARM zImage (magic 0x016f2818 at 0x24): its self-decompressing
/// payload is gzip, xz, LZMA, zstd or LZ4 in the kernel's legacy frame format, found by its
/// signature after the stub and decompressed here (at most 96 MiB), since the unpacker does
/// not look inside a kernel image.
pub fn zimage_banner(content: &[u8]) -> Option<Vec<u8>> {
    if content.get(0x24..0x28)? != [0x18, 0x28, 0x6f, 0x01] {
        return None;
    }
    const SIGNATURES: &[&[u8]] = &[
        &[0x1f, 0x8b, 0x08],
        &[0xfd, b'7', b'z', b'X', b'Z', 0x00],
        &[0x5d, 0x00, 0x00],
        &[0x28, 0xb5, 0x2f, 0xfd],
        &[0x02, 0x21, 0x4c, 0x18],
    ];
    let mut tried = 0;
    let mut pos = 0x28;
    while tried < MAX_ZIMAGE_CANDIDATES {
        let rest = content.get(pos..)?;
        let (at, sig) = SIGNATURES
            .iter()
            .filter_map(|s| memfind(rest, s).map(|i| (i, *s)))
            .min_by_key(|(i, _)| *i)?;
        let start = pos + at;
        tried += 1;
        let data = content.get(start..)?;
        let found = match sig[0] {
            0x02 => lz4_legacy_banner(data),
            0x1f => gzip_body(data).and_then(|body| banner_in(Codec::RawDeflate, body)),
            0xfd => banner_in(Codec::Xz, data),
            0x5d => banner_in(Codec::LzmaAlone, data),
            _ => banner_in(Codec::Zstd, data),
        };
        if found.is_some() {
            return found;
        }
        pos = start + 1;
    }
    None
}

/// Decompresses a whole stream (at most `MAX_ZIMAGE_OUTPUT`) and finds the banner in what
/// came out, also when the stream ends early.
fn banner_in(codec: Codec, data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    // A truncated or oversized stream still leaves what it decoded in `out`.
    let _ = codec.decompress(data, &mut out, MAX_ZIMAGE_OUTPUT, None);
    let i = memfind(&out, b"Linux version ")?;
    Some(banner_at(&out, i).to_vec())
}

/// The deflate body of a gzip member (RFC 1952 header skipped).
fn gzip_body(data: &[u8]) -> Option<&[u8]> {
    let flags = *data.get(3)?;
    let mut pos = 10usize;
    if flags & 4 != 0 {
        let n = u16::from_le_bytes(data.get(pos..pos + 2)?.try_into().ok()?) as usize;
        pos += 2 + n;
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            pos += data.get(pos..)?.iter().position(|&b| b == 0)? + 1;
        }
    }
    if flags & 2 != 0 {
        pos += 2;
    }
    data.get(pos..)
}

/// The banner in LZ4 legacy frames (magic 0x184c2102, then blocks of up to 8 MiB, each
/// preceded by its compressed size), decoded block by block until it appears.
fn lz4_legacy_banner(data: &[u8]) -> Option<Vec<u8>> {
    let mut pos = 4;
    let mut out = Vec::new();
    let mut total = 0usize;
    // The banner may straddle two blocks: keep the end of the previous one.
    let mut carry: Vec<u8> = Vec::new();
    while total < MAX_ZIMAGE_OUTPUT {
        let n = u32::from_le_bytes(data.get(pos..pos + 4)?.try_into().ok()?) as usize;
        if n == 0x184c_2102 || n == 0 || n > (8 << 20) + (8 << 20) / 255 + 16 {
            return None;
        }
        let block = data.get(pos + 4..pos + 4 + n)?;
        Codec::Lz4Block
            .decompress(block, &mut out, 8 << 20, None)
            .ok()?;
        total += out.len();
        let mut window = std::mem::take(&mut carry);
        window.extend_from_slice(&out);
        if let Some(i) = memfind(&window, b"Linux version ") {
            let b = banner_at(&window, i);
            // A banner cut at the block's end is completed by the next block.
            if i + b.len() < window.len() {
                return Some(b.to_vec());
            }
        }
        carry = window[window.len().saturating_sub(600)..].to_vec();
        pos += 4 + n;
    }
    None
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Kernels named by `/lib/modules/VERSION/` directories that hold modules.
pub fn module_dirs(tree: &Tree) -> Vec<Component> {
    tree.entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Dir)
        .filter_map(|e| {
            let rel = e.path.rsplit_once("!/")?.1;
            let release = rel.strip_prefix("lib/modules/")?;
            if release.contains('/') || tree.children(&e.path).next().is_none() {
                return None;
            }
            let mut c = component(release, &e.path, ID, 0.5)?;
            settle(&mut c, Evidence::ModulesDir, None);
            Some(c)
        })
        .collect()
}

/// Kernels named in uImage headers (`Linux-5.10.176`), from the unpacker's layer report.
pub fn uimage_names(tree: &Tree) -> Vec<Component> {
    tree.report()
        .layers
        .iter()
        .filter(|l| l.format == "uimage")
        .filter_map(|l| {
            let name = l.description.strip_prefix("uImage \"")?.split('"').next()?;
            let lower = name.to_ascii_lowercase();
            let i = lower.find("linux")?;
            let release = name[i + 5..].trim_start_matches(['-', '_', ' ']);
            let release = release
                .strip_prefix("version ")
                .unwrap_or(release)
                .trim_start_matches('v');
            let end = release
                .find(|c: char| c.is_whitespace())
                .unwrap_or(release.len());
            let mut c = component(&release[..end], &l.path, IMAGE_ID, 0.6)?;
            settle(&mut c, Evidence::UImageName, None);
            Some(c)
        })
        .collect()
}

/// Step 2 for kernels: adds the tree-level evidence (`/lib/modules` names when `modules`,
/// uImage names when `images`) and makes one component per kernel release, whose version
/// comes from its strongest evidence and which carries all of it.
pub fn resolve(tree: &Tree, found: Vec<Component>, modules: bool, images: bool) -> Vec<Component> {
    let (kernels, mut out): (Vec<Component>, Vec<Component>) =
        found.into_iter().partition(|c| c.name == NAME);
    let mut kernels = kernels;
    if modules {
        kernels.extend(module_dirs(tree));
    }
    if images {
        kernels.extend(uimage_names(tree));
    }
    let mut by_release: BTreeMap<String, Vec<Component>> = BTreeMap::new();
    for c in kernels {
        by_release.entry(uname(&c)).or_default().push(c);
    }
    // A vendor's uImage name often drops the local suffix (`Linux-4.14.180` for
    // `4.14.180-acme`): its evidence joins the one stronger release it is the start of.
    let weak: Vec<String> = by_release
        .iter()
        .filter(|(_, g)| {
            g.iter().all(|c| {
                c.properties.get(EVIDENCE_PROPERTY).map(String::as_str)
                    == Some(Evidence::UImageName.name())
            })
        })
        .map(|(k, _)| k.clone())
        .collect();
    for release in weak {
        let targets: Vec<&String> = by_release
            .keys()
            .filter(|k| **k != release && k.starts_with(&release))
            .collect();
        if let [target] = targets.as_slice() {
            let target = (*target).clone();
            if let Some(moved) = by_release.remove(&release)
                && let Some(g) = by_release.get_mut(&target)
            {
                g.extend(moved);
            }
        }
    }
    for (_, mut group) in by_release {
        let strength = |c: &Component| {
            c.properties
                .get(EVIDENCE_PROPERTY)
                .and_then(|e| Evidence::from_name(e))
                .unwrap_or(Evidence::ModulesDir)
        };
        group.sort_by(|a, b| {
            strength(b).cmp(&strength(a)).then_with(|| {
                a.evidence
                    .first()
                    .map(|e| &e.path)
                    .cmp(&b.evidence.first().map(|e| &e.path))
            })
        });
        let mut it = group.into_iter();
        let Some(mut best) = it.next() else { continue };
        for other in it {
            for e in other.evidence {
                if !best
                    .evidence
                    .iter()
                    .any(|x| x.path == e.path && x.cataloger == e.cataloger)
                {
                    best.evidence.push(e);
                }
            }
        }
        // Evidence on an image whose unpacked content holds other evidence of this kernel
        // (the uImage around the banner) is the same kernel seen from outside: the inner
        // evidence stands for it, as `merge` expects of every component.
        let inner: Vec<String> = best.evidence.iter().map(|e| e.path.clone()).collect();
        best.evidence.retain(|e| {
            let prefix = format!("{}!/", e.path);
            !inner.iter().any(|p| p.starts_with(&prefix))
        });
        out.push(best);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_split_into_version_and_local_suffix() {
        assert_eq!(split_release("4.14.180-acme"), Some(("4.14.180", "-acme")));
        assert_eq!(
            split_release("5.15.0-91-generic"),
            Some(("5.15.0", "-91-generic"))
        );
        assert_eq!(split_release("6.1"), Some(("6.1", "")));
        assert_eq!(split_release("extra"), None);
        assert_eq!(split_release("5."), None);
    }

    #[test]
    fn abi_names_are_not_versions() {
        assert!(is_abi_name("6.1.0-57-cloud-amd64"));
        assert!(is_abi_name("5.15.0-91-generic"));
        assert!(is_abi_name("4.18.0-513.el8.x86_64"));
        assert!(!is_abi_name("6.1.76"));
        assert!(!is_abi_name("4.14.0-acme"));
        assert!(!is_abi_name("5.10.176"));
    }

    fn props(c: &Component) -> Vec<(&str, &str)> {
        c.properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn debian_banner_gives_the_upstream_version() {
        let c = from_banner(
            b"Linux version 6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) (x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-1 (2026-10-04)",
            "fw!/boot/vmlinux",
        )
        .unwrap();
        assert_eq!(c.version.as_deref(), Some("6.1.192"));
        assert_eq!(
            c.cpes,
            ["cpe:2.3:o:linux:linux_kernel:6.1.192:*:*:*:*:*:*:*"]
        );
        assert_eq!(c.purl.as_deref(), Some("pkg:generic/linux-kernel@6.1.192"));
        assert_eq!(
            props(&c),
            [
                (ABI_PROPERTY, "6.1.0-57-cloud-amd64"),
                (EVIDENCE_PROPERTY, "banner (distribution version)")
            ]
        );
    }

    #[test]
    fn ubuntu_banner_gives_the_upstream_version() {
        let c = from_banner(
            b"Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 (Ubuntu 5.15.0-91.101-generic 5.15.131)",
            "k",
        )
        .unwrap();
        assert_eq!(c.version.as_deref(), Some("5.15.131"));
    }

    #[test]
    fn vendor_banner_keeps_its_release() {
        let c = from_banner(
            b"Linux version 4.14.180-acme (builder@host) (gcc version 8.4.0) #1 SMP",
            "k",
        )
        .unwrap();
        assert_eq!(c.version.as_deref(), Some("4.14.180"));
        assert_eq!(
            props(&c),
            [(RELEASE_PROPERTY, "-acme"), (EVIDENCE_PROPERTY, "banner")]
        );
    }

    #[test]
    fn bzimage_setup_header_points_to_the_version_string() {
        let mut img = vec![0u8; 0x1000];
        img[0x1fe] = 0x55;
        img[0x1ff] = 0xaa;
        img[0x202..0x206].copy_from_slice(b"HdrS");
        img[0x20e..0x210].copy_from_slice(&0x0400u16.to_le_bytes());
        let v = b"6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\0";
        img[0x600..0x600 + v.len()].copy_from_slice(v);
        assert_eq!(bzimage_version(&img), Some(&v[..v.len() - 1]));
        // A pointer past the end or no signature: nothing, no panic.
        img[0x20e..0x210].copy_from_slice(&0xffffu16.to_le_bytes());
        assert_eq!(bzimage_version(&img), None);
        img[0x202] = b'X';
        assert_eq!(bzimage_version(&img), None);
        assert_eq!(bzimage_version(&img[..0x100]), None);
    }

    /// An ARM zImage whose payload is LZ4 legacy: blocks of the kernel's text, the banner
    /// in the second block.
    fn lz4_zimage(banner: &[u8]) -> Vec<u8> {
        let mut img = vec![0u8; 0x200];
        img[0x24..0x28].copy_from_slice(&0x016f_2818u32.to_le_bytes());
        img.extend(0x184c_2102u32.to_le_bytes());
        let mut first = vec![0x41u8; 8 << 20];
        first[..16].copy_from_slice(b"kernel text.....");
        let mut second = b"\0\0".to_vec();
        second.extend(banner);
        second.extend(b"\n\0rest of rodata");
        for block in [first, second] {
            let packed = lz4_flex::block::compress(&block);
            img.extend((packed.len() as u32).to_le_bytes());
            img.extend(packed);
        }
        img
    }

    #[test]
    fn lz4_legacy_zimage_payload_yields_the_banner() {
        let banner = b"Linux version 5.10.176 (builder@buildhost) (arm-openwrt-linux-muslgnueabi-gcc (OpenWrt GCC 11.2.0) 11.2.0) #0 SMP Mon Apr 17 2023";
        let img = lz4_zimage(banner);
        assert_eq!(zimage_banner(&img).as_deref(), Some(&banner[..]));
        // Truncated in the middle of a block: no banner, no panic.
        assert_eq!(zimage_banner(&img[..img.len() - 10]), None);
        // Not a zImage.
        assert_eq!(zimage_banner(&img[0x30..]), None);
    }
}

//! UBI images built by Debian's ubinize: a dynamic `rootfs` volume holding a UBIFS image of
//! the reference tree (made by mkfs.ubifs) and a small static volume of random bytes, in
//! several flash geometries; every entry must come out unchanged through both layers. Then
//! hostile images made by editing headers of a valid one.

#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::Arc;

use common::{Caps, assert_matches, noise, open, reference_tree, tool};
use netvet_model::{Warning, WarningCode};
use netvet_unpack::{MemSource, Options, Tree};

/// mkfs.ubifs from Debian (mtd-utils 2.1.5) is built without xattr support and stores none;
/// tests/ubifs.rs checks xattrs with an image that has them.
const CAPS: Caps = Caps {
    xattrs: false,
    ..Caps::FULL
};

/// Flash geometry: minimum I/O unit, PEB size, sub-page size (for ubinize) and the LEB size
/// that results (the PEB less the two header pages).
#[derive(Clone, Copy)]
struct Geometry {
    min_io: usize,
    peb: usize,
    sub_page: Option<usize>,
    leb: usize,
}

const NAND_2K: Geometry = Geometry {
    min_io: 2048,
    peb: 128 << 10,
    sub_page: None,
    leb: 126976,
};

struct Built {
    dir: tempfile::TempDir,
    img: PathBuf,
    blob: Vec<u8>,
}

impl Built {
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.img).unwrap()
    }
}

fn build(g: Geometry, compr: &str) -> Built {
    let dir = tempfile::tempdir().unwrap();
    let root = reference_tree(&dir.path().join("root"));
    let fs = dir.path().join("img.ubifs");
    let (m, e) = (g.min_io.to_string(), g.leb.to_string());
    let mut args: Vec<&OsStr> = vec![OsStr::new("-r"), root.as_os_str()];
    args.extend(["-m", &m, "-e", &e, "-c", "200", "-x", compr].map(OsStr::new));
    args.extend([OsStr::new("-o"), fs.as_os_str()]);
    tool("mkfs.ubifs", "mtd-utils", &args);
    let blob = noise(300_000, 42);
    let blob_path = dir.path().join("blob.bin");
    std::fs::write(&blob_path, &blob).unwrap();
    let cfg = dir.path().join("ubinize.cfg");
    std::fs::write(
        &cfg,
        format!(
            "[rootfs]\nmode=ubi\nimage={}\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\n\
             vol_flags=autoresize\n\n[blob]\nmode=ubi\nimage={}\nvol_id=1\nvol_type=static\n\
             vol_name=blob\n",
            fs.display(),
            blob_path.display()
        ),
    )
    .unwrap();
    let img = dir.path().join("img.ubi");
    let (p, s) = (
        g.peb.to_string(),
        g.sub_page.unwrap_or(g.min_io).to_string(),
    );
    let mut args: Vec<&OsStr> = vec![OsStr::new("-o"), img.as_os_str()];
    args.extend(["-m", &m, "-p", &p, "-s", &s].map(OsStr::new));
    args.push(cfg.as_os_str());
    tool("ubinize", "mtd-utils", &args);
    Built { dir, img, blob }
}

fn layer_formats(tree: &Tree) -> Vec<(String, String)> {
    tree.report()
        .layers
        .iter()
        .map(|l| (l.path.clone(), l.format.clone()))
        .collect()
}

fn all_warnings(tree: &Tree) -> Vec<Warning> {
    let r = tree.report();
    r.warnings
        .iter()
        .chain(r.layers.iter().flat_map(|l| l.warnings.iter()))
        .cloned()
        .collect()
}

fn check(g: Geometry, compr: &str) {
    let b = build(g, compr);
    let tree = open(&b.img);
    assert_eq!(
        layer_formats(&tree),
        [
            ("img.ubi", "ubi"),
            ("img.ubi!/blob", "raw"),
            ("img.ubi!/rootfs", "ubifs"),
        ]
        .map(|(p, f)| (p.to_string(), f.to_string())),
    );
    assert!(all_warnings(&tree).is_empty(), "{:?}", all_warnings(&tree));
    let ubi = &tree.report().layers[0];
    assert!(
        ubi.description.contains(&format!("of {} bytes", g.peb)),
        "{}",
        ubi.description
    );
    assert_eq!(ubi.length, std::fs::metadata(&b.img).unwrap().len());
    assert_matches(&tree, "img.ubi!/rootfs!/", &b.root(), CAPS);
    let blob = tree.get("img.ubi!/blob").unwrap();
    assert_eq!(tree.read(blob).unwrap(), b.blob);
}

#[test]
fn nand_2k_pages_lzo() {
    check(NAND_2K, "lzo");
}

#[test]
fn nand_2k_pages_zstd() {
    check(NAND_2K, "zstd");
}

#[test]
fn sub_pages_put_the_vid_header_in_the_first_page() {
    check(
        Geometry {
            min_io: 2048,
            peb: 128 << 10,
            sub_page: Some(512),
            leb: 129024,
        },
        "zlib",
    );
}

#[test]
fn nand_4k_pages_256k_eraseblocks() {
    check(
        Geometry {
            min_io: 4096,
            peb: 256 << 10,
            sub_page: None,
            leb: 253952,
        },
        "none",
    );
}

#[test]
fn nor_flash_64k_eraseblocks() {
    check(
        Geometry {
            min_io: 8,
            peb: 64 << 10,
            sub_page: None,
            leb: 65408,
        },
        "lzo",
    );
}

#[test]
fn ubi_image_carved_out_of_a_blob() {
    let b = build(NAND_2K, "lzo");
    let mut bytes = noise(100_000, 1);
    bytes.extend(b.bytes());
    bytes.extend(noise(50_000, 2));
    let path = b.dir.path().join("fw.bin");
    std::fs::write(&path, &bytes).unwrap();
    let tree = open(&path);
    let ubi = tree
        .report()
        .layers
        .iter()
        .find(|l| l.format == "ubi")
        .unwrap();
    assert_eq!(ubi.offset, 100_000);
    assert!(ubi.warnings.is_empty(), "{:?}", ubi.warnings);
    assert_matches(&tree, "fw.bin!/0x186a0.ubi!/rootfs!/", &b.root(), CAPS);
}

// ---------------------------------------------------------------------------------------
// Editing UBI headers.

const VID_AT: usize = 2048;

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn put_be32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// UBI's CRC-32 (no final inversion).
fn crc(b: &[u8]) -> u32 {
    !crc32fast::hash(b)
}

/// Recomputes the CRC of the 64-byte header at `at`.
fn fix_header(img: &mut [u8], at: usize) {
    let c = crc(&img[at..at + 60]);
    put_be32(img, at + 60, c);
}

/// The PEB holding LEB `lnum` of volume `vol`.
fn peb_of(img: &[u8], vol: u32, lnum: u32) -> usize {
    let peb = NAND_2K.peb;
    (0..img.len() / peb)
        .find(|&i| {
            let v = i * peb + VID_AT;
            &img[v..v + 4] == b"UBI!" && be32(img, v + 8) == vol && be32(img, v + 12) == lnum
        })
        .unwrap_or_else(|| panic!("no PEB for LEB {lnum} of volume {vol}"))
}

fn open_bytes(bytes: Vec<u8>) -> Tree {
    netvet_unpack::open_source(
        "img.ubi",
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        None,
    )
}

fn ubi_warnings(tree: &Tree) -> Vec<Warning> {
    tree.report()
        .layers
        .iter()
        .filter(|l| l.format == "ubi")
        .flat_map(|l| l.warnings.iter().cloned())
        .collect()
}

fn has(ws: &[Warning], code: WarningCode, offset: usize, text: &str) -> bool {
    ws.iter()
        .any(|w| w.code == code && w.offset == Some(offset as u64) && w.message.contains(text))
}

#[test]
fn bad_ec_header_crc_is_reported_and_the_peb_still_used() {
    let b = build(NAND_2K, "lzo");
    let mut img = b.bytes();
    let peb = peb_of(&img, 0, 3);
    img[peb * NAND_2K.peb + 12] ^= 0x40; // erase counter, CRC left stale
    let tree = open_bytes(img);
    let w = ubi_warnings(&tree);
    assert!(
        has(
            &w,
            WarningCode::BadChecksum,
            peb * NAND_2K.peb + 60,
            "erase-counter"
        ),
        "{w:?}"
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert_matches(&tree, "img.ubi!/rootfs!/", &b.root(), CAPS);
}

#[test]
fn bad_vid_header_crc_unmaps_the_leb() {
    let b = build(NAND_2K, "lzo");
    let mut img = b.bytes();
    let peb = peb_of(&img, 1, 1);
    img[peb * NAND_2K.peb + VID_AT + 20] ^= 1; // data_size, CRC left stale
    let tree = open_bytes(img);
    let w = ubi_warnings(&tree);
    assert!(
        has(
            &w,
            WarningCode::BadChecksum,
            peb * NAND_2K.peb + VID_AT + 60,
            "volume-identifier"
        ),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.code == WarningCode::Truncated && w.message.contains("1 of its 3 LEBs")),
        "{w:?}"
    );
    let got = tree.read(tree.get("img.ubi!/blob").unwrap()).unwrap();
    let leb = NAND_2K.leb;
    assert_eq!(got.len(), b.blob.len());
    assert_eq!(got[..leb], b.blob[..leb]);
    assert!(got[leb..2 * leb].iter().all(|&x| x == 0xff));
    assert_eq!(got[2 * leb..], b.blob[2 * leb..]);
}

/// Appends a copy of the PEB holding LEB 1 of the static volume, with new data, a higher
/// sequence number and the given data CRC (`None`: the correct one).
fn append_newer_copy(img: &mut Vec<u8>, data: &[u8], data_crc: Option<u32>) -> usize {
    let p = NAND_2K.peb;
    let old = peb_of(img, 1, 1);
    let mut copy = img[old * p..(old + 1) * p].to_vec();
    copy[4096..4096 + data.len()].copy_from_slice(data);
    put_be32(&mut copy, VID_AT + 32, data_crc.unwrap_or(crc(data)));
    copy[VID_AT + 40..VID_AT + 48].copy_from_slice(&7u64.to_be_bytes()); // sqnum
    fix_header(&mut copy, VID_AT);
    img.extend(copy);
    img.len() / p - 1
}

#[test]
fn newest_copy_of_a_leb_wins() {
    let b = build(NAND_2K, "lzo");
    let mut img = b.bytes();
    let leb = NAND_2K.leb;
    let fresh = noise(leb, 99);
    let new = append_newer_copy(&mut img, &fresh, None);
    let tree = open_bytes(img);
    let w = ubi_warnings(&tree);
    assert!(
        has(
            &w,
            WarningCode::Duplicate,
            new * NAND_2K.peb + VID_AT,
            "LEB 1 of volume 1"
        ),
        "{w:?}"
    );
    let got = tree.read(tree.get("img.ubi!/blob").unwrap()).unwrap();
    let mut want = b.blob.clone();
    want[leb..2 * leb].copy_from_slice(&fresh);
    assert!(got == want);
}

#[test]
fn newest_copy_with_bad_data_crc_loses() {
    let b = build(NAND_2K, "lzo");
    let mut img = b.bytes();
    let old_crc = be32(&img, peb_of(&img, 1, 1) * NAND_2K.peb + VID_AT + 32);
    let new = append_newer_copy(&mut img, &noise(NAND_2K.leb, 99), Some(old_crc));
    let tree = open_bytes(img);
    let w = ubi_warnings(&tree);
    assert!(
        has(
            &w,
            WarningCode::BadChecksum,
            new * NAND_2K.peb + 4096,
            "data CRC"
        ),
        "{w:?}"
    );
    let got = tree.read(tree.get("img.ubi!/blob").unwrap()).unwrap();
    assert!(got == b.blob);
}

#[test]
fn rejects_peb_claiming_leb_out_of_range() {
    let b = build(NAND_2K, "lzo");
    let mut img = b.bytes();
    let peb = peb_of(&img, 1, 2);
    let at = peb * NAND_2K.peb + VID_AT;
    put_be32(&mut img, at + 12, 1000);
    fix_header(&mut img, at);
    let tree = open_bytes(img);
    let w = ubi_warnings(&tree);
    assert!(
        has(
            &w,
            WarningCode::Corrupt,
            at + 12,
            "claims LEB 1000 of volume 1"
        ),
        "{w:?}"
    );
    let got = tree.read(tree.get("img.ubi!/blob").unwrap()).unwrap();
    assert_eq!(got[..2 * NAND_2K.leb], b.blob[..2 * NAND_2K.leb]);
}

#[test]
fn volume_missing_from_the_table_is_named_by_id() {
    let b = build(NAND_2K, "lzo");
    let mut img = b.bytes();
    let mut first = usize::MAX;
    for lnum in 0..3 {
        let at = peb_of(&img, 1, lnum) * NAND_2K.peb + VID_AT;
        first = first.min(at);
        put_be32(&mut img, at + 8, 7);
        fix_header(&mut img, at);
    }
    let tree = open_bytes(img);
    let w = ubi_warnings(&tree);
    assert!(
        has(
            &w,
            WarningCode::Corrupt,
            first,
            "volume 7 has 3 PEBs but no record"
        ),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.code == WarningCode::Truncated && w.message.contains("blob")),
        "{w:?}"
    );
    let got = tree.read(tree.get("img.ubi!/vol-7").unwrap()).unwrap();
    assert!(got == b.blob);
}

#[test]
fn hostile_volume_names_stay_one_component() {
    let b = build(NAND_2K, "lzo");
    let mut img = b.bytes();
    for lnum in 0..2 {
        let base = peb_of(&img, 0x7fff_efff, lnum) * NAND_2K.peb + 4096;
        for (slot, name) in [(0usize, &b"../../etc"[..]), (1, b"..")] {
            let r = base + slot * 172;
            img[r + 14..r + 16].copy_from_slice(&(name.len() as u16).to_be_bytes());
            img[r + 16..r + 144].fill(0);
            img[r + 16..r + 16 + name.len()].copy_from_slice(name);
            let c = crc(&img[r..r + 168]);
            put_be32(&mut img, r + 168, c);
        }
    }
    let tree = open_bytes(img);
    assert!(ubi_warnings(&tree).is_empty(), "{:?}", ubi_warnings(&tree));
    assert!(tree.get("img.ubi!/..\\x00..\\x00etc").is_some());
    assert!(tree.get("img.ubi!/vol-1").is_some());
    assert!(tree.get("img.ubi!/..\\x00..\\x00etc!/etc/passwd").is_some());
    assert!(tree.entries().iter().all(|e| !e.path.contains("/../")));
}

#[test]
fn truncated_images_give_warnings_not_panics() {
    let b = build(NAND_2K, "lzo");
    let img = b.bytes();
    let p = NAND_2K.peb;
    for cut in [100, p + 1000, 5 * p + 3000, img.len() / 2, img.len() - 1000] {
        let tree = open_bytes(img[..cut].to_vec());
        let w = all_warnings(&tree);
        assert!(
            w.iter().any(|w| w.code == WarningCode::Truncated
                && w.offset.is_some()
                && (w.message.contains("PEB") || w.message.contains("ubi"))),
            "cut at {cut}: {w:?}"
        );
        for e in tree.entries() {
            if e.is_file() {
                let _ = tree.read(e);
            }
        }
    }
}

#[test]
fn peb_size_comes_from_the_next_header() {
    // A damaged second header (bad CRC) still marks where the second PEB starts.
    let b = build(NAND_2K, "lzo");
    let mut img = b.bytes();
    img[NAND_2K.peb + 12] ^= 1;
    let tree = open_bytes(img);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("of 131072 bytes"), "{d}");
}

#[test]
fn absurd_reservations_and_leb_numbers_stay_bounded() {
    let b = build(NAND_2K, "lzo");
    let mut img = b.bytes();
    // The volume table reserves 2^31 PEBs for rootfs, and one PEB claims a LEB near the top.
    for lnum in 0..2 {
        let r = peb_of(&img, 0x7fff_efff, lnum) * NAND_2K.peb + 4096;
        put_be32(&mut img, r, 0x7fff_ffff);
        let c = crc(&img[r..r + 168]);
        put_be32(&mut img, r + 168, c);
    }
    let at = peb_of(&img, 0, 2) * NAND_2K.peb + VID_AT;
    put_be32(&mut img, at + 12, 0x7fff_fff0);
    fix_header(&mut img, at);
    let pebs = img.len() / NAND_2K.peb;
    let start = std::time::Instant::now();
    let tree = open_bytes(img);
    assert!(start.elapsed().as_secs() < 30);
    let w = ubi_warnings(&tree);
    assert!(
        w.iter()
            .any(|w| w.code == WarningCode::Corrupt
                && w.message.contains("more than the image holds")),
        "{w:?}"
    );
    let rootfs = tree.get("img.ubi!/rootfs").unwrap();
    assert!(rootfs.size <= (2 * pebs as u64 + 2) * NAND_2K.leb as u64);
}

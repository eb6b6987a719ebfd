//! Hostile and broken input: unsafe names, links out of the tree, bombs, absurd sizes,
//! truncation, cycles and exhausted limits. Each must end in a warning naming the format and
//! offset, a partial tree, bounded work, and nothing written outside the destination.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use netvet_model::{EntryKind, WarningCode};
use netvet_unpack::materialize::{WriteOptions, Writer};
use netvet_unpack::{Limits, MemSource, Options, Tree};

/// One tar header block (ustar) plus data, with a valid checksum.
fn tar_entry(name: &[u8], typeflag: u8, data: &[u8], link: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
    h[136..148].copy_from_slice(b"14000000000\0");
    h[156] = typeflag;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h.extend_from_slice(data);
    h.resize(h.len().div_ceil(512) * 512, 0);
    h
}

/// A pax extended header setting `path` for the next entry (names of any bytes).
fn pax_path(path: &[u8]) -> Vec<u8> {
    let mut rec = b" path=".to_vec();
    rec.extend_from_slice(path);
    rec.push(b'\n');
    let mut len = rec.len() + 2;
    if (len + len.to_string().len() - 2) != len {
        len += 1;
    }
    let mut full = len.to_string().into_bytes();
    full.extend_from_slice(&rec);
    assert_eq!(full.len(), len);
    tar_entry(b"PaxHeader", b'x', &full, b"")
}

fn tar(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out: Vec<u8> = entries.concat();
    out.extend([0u8; 1024]);
    out
}

fn open_bytes(name: &str, bytes: Vec<u8>, opts: &Options) -> Tree {
    netvet_unpack::open_source(name, Arc::new(MemSource::new(bytes)), opts, None)
}

fn codes(tree: &Tree) -> Vec<WarningCode> {
    let mut c: Vec<_> = tree.report().all_warnings().map(|(_, w)| w.code).collect();
    c.sort();
    c.dedup();
    c
}

/// Unpacks `bytes` into `dir/out` with the safe writer, the way `netvet unpack` does.
fn unpack_to(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    force: bool,
) -> netvet_unpack::materialize::Summary {
    let input = dir.join(name);
    std::fs::write(&input, bytes).unwrap();
    let writer = Writer::new(
        &dir.join("out"),
        WriteOptions {
            force,
            carved: false,
        },
    )
    .unwrap();
    let visit = |e: &netvet_unpack::Entry, r: &mut dyn std::io::Read| writer.write_file(e, r);
    let tree = netvet_unpack::walk_path(&input, &Options::default(), &visit).unwrap();
    writer.finish(&tree)
}

/// Every path under `dir` (not following symlinks).
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(base: &Path, p: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(p).unwrap() {
            let e = e.unwrap();
            out.push(e.path().strip_prefix(base).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                walk(base, &e.path(), out);
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn unsafe_names_are_rewritten_and_stay_inside() {
    let d = tempfile::tempdir().unwrap();
    let img = tar(&[
        tar_entry(b"../../../../escaped-dotdot", b'0', b"dotdot", b""),
        tar_entry(b"/abs/escaped-absolute", b'0', b"absolute", b""),
        pax_path(b"bin/ev\0il\n"),
        tar_entry(b"placeholder", b'0', b"nul", b""),
        pax_path(b"fake!/x"),
        tar_entry(b"placeholder2", b'0', b"bang", b""),
    ]);
    let tree = open_bytes("evil.tar", img.clone(), &Options::default());
    let paths: Vec<_> = tree.entries().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "evil.tar!/abs",
            "evil.tar!/abs/escaped-absolute",
            "evil.tar!/bin",
            "evil.tar!/bin/ev\\x00il\\x0a",
            "evil.tar!/escaped-dotdot",
            "evil.tar!/fake\\x21",
            "evil.tar!/fake\\x21/x",
        ]
    );
    let unsafe_warnings: Vec<_> = tree.report().layers[0]
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::UnsafeName)
        .map(|w| w.offset)
        .collect();
    // The offsets name each entry's header: 0, 1024, and the two pax-named ones.
    assert_eq!(
        unsafe_warnings.len(),
        3,
        "{:?}",
        tree.report().layers[0].warnings
    );
    assert!(unsafe_warnings.contains(&Some(0)) && unsafe_warnings.contains(&Some(1024)));

    let summary = unpack_to(d.path(), "evil.tar", &img, false);
    assert_eq!(summary.files, 4);
    assert_eq!(
        listing(d.path()),
        [
            "evil.tar",
            "out",
            "out/abs",
            "out/abs/escaped-absolute",
            "out/bin",
            "out/bin/ev\\x00il\\x0a",
            "out/escaped-dotdot",
            "out/fake\\x21",
            "out/fake\\x21/x",
        ]
    );
}

#[test]
fn symlink_then_file_through_it_does_not_escape() {
    let d = tempfile::tempdir().unwrap();
    let outside = d.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let img = tar(&[
        tar_entry(b"link", b'2', b"", outside.to_str().unwrap().as_bytes()),
        tar_entry(b"link/pwned", b'0', b"written through a symlink?", b""),
        tar_entry(b"up", b'2', b"", b"../../../../.."),
    ]);
    let summary = unpack_to(d.path(), "evil.tar", &img, false);
    assert!(
        std::fs::read_dir(&outside).unwrap().next().is_none(),
        "wrote outside"
    );
    // The file landed in a real directory inside; the symlink that would shadow it was not made.
    assert!(d.path().join("out/link/pwned").is_file());
    assert!(!d.path().join("out/link").is_symlink());
    assert_eq!(summary.skipped.len(), 1, "{:?}", summary.skipped);
    assert_eq!(summary.skipped[0].path, "evil.tar!/link");
    // A symlink pointing far up is created verbatim, never followed.
    assert_eq!(
        std::fs::read_link(d.path().join("out/up")).unwrap(),
        Path::new("../../../../..")
    );
}

#[test]
fn hard_link_out_of_the_archive_is_dangling() {
    let img = tar(&[tar_entry(b"x", b'1', b"", b"../../../etc/passwd")]);
    let tree = open_bytes("evil.tar", img, &Options::default());
    let x = tree.get("evil.tar!/x").unwrap();
    assert_eq!(x.kind, EntryKind::HardLink);
    assert_eq!(x.link_target.as_deref(), Some("evil.tar!/etc/passwd"));
    assert!(tree.read(x).unwrap().is_empty());
    let w = &tree.report().layers[0].warnings;
    assert!(
        w.iter()
            .any(|w| w.code == WarningCode::Corrupt && w.message.contains("hard link")),
        "{w:?}"
    );
}

#[test]
fn force_never_writes_through_an_existing_symlink() {
    let d = tempfile::tempdir().unwrap();
    let outside = d.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::create_dir(d.path().join("out")).unwrap();
    std::os::unix::fs::symlink(&outside, d.path().join("out/etc")).unwrap();
    std::os::unix::fs::symlink(outside.join("shadow"), d.path().join("out/shadow")).unwrap();
    let img = tar(&[
        tar_entry(b"etc/passwd", b'0', b"root::0:0::/:/bin/sh\n", b""),
        tar_entry(b"shadow", b'0', b"x", b""),
    ]);
    let summary = unpack_to(d.path(), "t.tar", &img, true);
    assert!(
        std::fs::read_dir(&outside).unwrap().next().is_none(),
        "wrote outside"
    );
    let skipped: Vec<_> = summary.skipped.iter().map(|s| s.path.as_str()).collect();
    // The implied directory etc is refused too: it exists as a symlink.
    assert_eq!(
        skipped,
        ["t.tar!/etc", "t.tar!/etc/passwd", "t.tar!/shadow"]
    );
}

#[test]
fn non_empty_destination_is_refused_without_force() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("keep"), b"precious").unwrap();
    let e = Writer::new(d.path(), WriteOptions::default())
        .err()
        .expect("refused");
    assert!(e.to_string().contains("not empty"), "{e}");
    assert_eq!(std::fs::read(d.path().join("keep")).unwrap(), b"precious");
}

#[test]
fn devices_are_listed_not_created_and_setuid_is_dropped() {
    let d = tempfile::tempdir().unwrap();
    let mut dev = tar_entry(b"dev/mem", b'3', b"", b"");
    dev[329..337].copy_from_slice(b"0000001\0");
    dev[337..345].copy_from_slice(b"0000001\0");
    let sum_fix = |mut h: Vec<u8>| {
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h[..512].iter().map(|&b| b as u32).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    };
    let mut su = tar_entry(b"bin/su", b'0', b"#!/bin/sh\n", b"");
    su[100..108].copy_from_slice(b"0004755\0");
    let img = tar(&[sum_fix(dev), sum_fix(su)]);
    let summary = unpack_to(d.path(), "t.tar", &img, false);
    assert_eq!(summary.not_created.len(), 1);
    assert_eq!(summary.not_created[0].reason, "char-device 1,1, mode 0644");
    assert!(!d.path().join("out/dev/mem").exists());
    assert_eq!(summary.special_bits_dropped, 1);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.path().join("out/bin/su"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o755);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn decompression_bomb_stops_at_the_ratio_limit() {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..200 {
        e.write_all(&chunk).unwrap();
    }
    let bomb = e.finish().unwrap();
    assert!(bomb.len() < 300_000);
    let opts = Options {
        limits: Limits {
            max_ratio: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    let tree = open_bytes("bomb.gz", bomb, &opts);
    let w: Vec<_> = tree
        .report()
        .all_warnings()
        .map(|(_, w)| w.clone())
        .collect();
    assert!(
        w.iter()
            .any(|w| w.code == WarningCode::LimitRatio && w.message.contains("100:1")),
        "{w:?}"
    );
}

#[test]
fn nesting_deeper_than_the_limit_is_cut() {
    let mut data = b"innermost".to_vec();
    for _ in 0..12 {
        data = gzip(&data);
    }
    let opts = Options {
        limits: Limits {
            max_depth: 5,
            ..Limits::default()
        },
        ..Options::default()
    };
    let tree = open_bytes("deep.gz", data, &opts);
    assert!(
        codes(&tree).contains(&WarningCode::LimitDepth),
        "{:?}",
        codes(&tree)
    );
    assert!(tree.report().layers.len() <= 10);
}

#[test]
fn entry_limit_gives_a_partial_listing() {
    let entries: Vec<_> = (0..500)
        .map(|i| tar_entry(format!("f{i:03}").as_bytes(), b'0', b"x", b""))
        .collect();
    let opts = Options {
        limits: Limits {
            max_entries: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    let tree = open_bytes("many.tar", tar(&entries), &opts);
    assert_eq!(tree.entries().len(), 100);
    assert_eq!(codes(&tree), [WarningCode::LimitEntries]);
}

#[test]
fn byte_limit_stops_extraction() {
    let big = gzip(&common::noise(3 << 20, 1));
    let opts = Options {
        limits: Limits {
            max_total_bytes: 1 << 20,
            ..Limits::default()
        },
        ..Options::default()
    };
    let tree = open_bytes("big.gz", big, &opts);
    assert!(
        codes(&tree).contains(&WarningCode::LimitBytes),
        "{:?}",
        codes(&tree)
    );
}

#[test]
fn time_limit_ends_work_with_a_warning() {
    let img = tar(&[tar_entry(b"a", b'0', b"x", b"")]);
    let opts = Options {
        limits: Limits {
            max_time: Duration::ZERO,
            ..Limits::default()
        },
        ..Options::default()
    };
    let tree = open_bytes("t.tar", img, &opts);
    assert!(
        codes(&tree).contains(&WarningCode::LimitTime),
        "{:?}",
        codes(&tree)
    );
}

#[test]
fn file_size_limit_caps_reads() {
    let img = tar(&[tar_entry(b"big", b'0', &vec![1u8; 5000], b"")]);
    let opts = Options {
        limits: Limits {
            max_file_size: 1000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let tree = open_bytes("t.tar", img, &opts);
    let e = tree.get("t.tar!/big").unwrap();
    let err = tree.read(e).unwrap_err();
    assert!(err.to_string().contains("single file size"), "{err}");
}

#[test]
fn absurd_declared_sizes_are_truncation_not_allocation() {
    // cpio newc entry declaring a 4 GiB file in a 200-byte archive.
    let mut cpio = b"070701".to_vec();
    for (i, v) in [1u32, 0o100644, 0, 0, 1, 0, 0xffff_ffff, 0, 0, 0, 0, 5, 0]
        .iter()
        .enumerate()
    {
        let _ = i;
        cpio.extend(format!("{v:08x}").as_bytes());
    }
    cpio.extend(b"abcd\0\0");
    cpio.extend(b"short data");
    let tree = open_bytes("a.cpio", cpio, &Options::default());
    let l = &tree.report().layers[0];
    assert_eq!(l.format, "cpio");
    assert_eq!(l.warnings[0].code, WarningCode::Truncated);
    assert_eq!(l.warnings[0].offset, Some(0));

    // tar entry declaring 8 GiB.
    let mut h = tar_entry(b"huge", b'0', b"", b"");
    h[124..136].copy_from_slice(b"77777777777\0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h[..512].iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let tree = open_bytes("a.tar", tar(&[h]), &Options::default());
    let l = &tree.report().layers[0];
    assert!(
        l.warnings.iter().any(|w| w.code == WarningCode::Truncated),
        "{:?}",
        l.warnings
    );
}

fn small_squashfs(dir: &Path, extra: &[&str]) -> Vec<u8> {
    let root = dir.join("sq");
    std::fs::create_dir_all(root.join("dir1/zzloopdirzz")).unwrap();
    std::fs::write(root.join("dir1/zzloopdirzz/file"), b"inside the loop").unwrap();
    std::fs::write(root.join("top.txt"), common::mixed(300_000, 4)).unwrap();
    let img = dir.join("sq.img");
    let mut args = vec![root.as_os_str(), img.as_os_str()];
    args.extend(["-noappend", "-quiet", "-no-progress"].map(std::ffi::OsStr::new));
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    common::tool("mksquashfs", "squashfs-tools", &args);
    std::fs::read(img).unwrap()
}

#[test]
fn truncated_squashfs_at_any_point_warns_and_never_panics() {
    let d = tempfile::tempdir().unwrap();
    let img = small_squashfs(d.path(), &[]);
    // Cut inside the filesystem proper (mksquashfs pads the file to 4 KiB after it).
    let used = u64::from_le_bytes(img[40..48].try_into().unwrap()) as usize;
    for cut in [0, 10, 96, 200, used / 4, used / 2, used - 100, used - 1] {
        let tree = open_bytes("cut.sqfs", img[..cut].to_vec(), &Options::default());
        for e in tree.entries() {
            if e.is_file() {
                let _ = tree.read(e);
            }
        }
        if cut > 96 {
            assert!(
                tree.report().all_warnings().next().is_some(),
                "cut at {cut} of {}: no warning: {:#?}",
                img.len(),
                tree.report()
            );
        }
    }
}

#[test]
fn squashfs_directory_cycle_is_detected() {
    let d = tempfile::tempdir().unwrap();
    // Uncompressed metadata so the directory table can be patched in place.
    let mut img = small_squashfs(d.path(), &["-noI", "-noD", "-noF", "-noX", "-no-fragments"]);
    let root_ref = u64::from_le_bytes(img[32..40].try_into().unwrap());
    let name = b"zzloopdirzz";
    let at = img
        .windows(name.len())
        .position(|w| w == name)
        .expect("dirent name");
    // dirent: offset u16, inode delta i16, type u16, name size u16, name; preceded by the
    // listing header: count u32, start block u32, inode number u32.
    let entry = at - 8;
    let header = entry - 12;
    img[header + 4..header + 8].copy_from_slice(&((root_ref >> 16) as u32).to_le_bytes());
    img[entry..entry + 2].copy_from_slice(&((root_ref & 0xffff) as u16).to_le_bytes());
    let tree = open_bytes("loop.sqfs", img, &Options::default());
    assert!(
        codes(&tree).contains(&WarningCode::Cycle),
        "{:?}",
        tree.report()
    );
    // The loop is listed once and not followed: a bounded tree.
    assert!(tree.entries().len() < 10, "{}", tree.entries().len());
}

#[test]
fn zip_with_overlapping_members_is_not_a_bomb() {
    // Two central-directory entries pointing at the same local member.
    let data = vec![0u8; 1000];
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflated.write_all(&data).unwrap();
    let deflated = deflated.finish().unwrap();
    let crc = crc32fast::hash(&data);
    let mut z = Vec::new();
    let local = |name: &[u8]| {
        let mut h = b"PK\x03\x04".to_vec();
        h.extend([20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
        h.extend(crc.to_le_bytes());
        h.extend((deflated.len() as u32).to_le_bytes());
        h.extend((data.len() as u32).to_le_bytes());
        h.extend((name.len() as u16).to_le_bytes());
        h.extend([0, 0]);
        h.extend(name);
        h
    };
    z.extend(local(b"a"));
    z.extend(&deflated);
    let cd_start = z.len();
    for name in [b"a", b"b"] {
        z.extend(b"PK\x01\x02");
        z.extend([20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
        z.extend(crc.to_le_bytes());
        z.extend((deflated.len() as u32).to_le_bytes());
        z.extend((data.len() as u32).to_le_bytes());
        z.extend(1u16.to_le_bytes());
        z.extend([0u8; 12]);
        z.extend(0u32.to_le_bytes()); // both at local header 0
        z.extend(name);
    }
    let cd_len = z.len() - cd_start;
    z.extend(b"PK\x05\x06");
    z.extend([0, 0, 0, 0, 2, 0, 2, 0]);
    z.extend((cd_len as u32).to_le_bytes());
    z.extend((cd_start as u32).to_le_bytes());
    z.extend([0, 0]);
    let tree = open_bytes("bomb.zip", z, &Options::default());
    let l = &tree.report().layers[0];
    assert_eq!(l.format, "zip");
    assert!(
        l.warnings.iter().any(|w| w.message.contains("overlap")),
        "{:?}",
        l.warnings
    );
    let a = tree.get("bomb.zip!/a").unwrap();
    assert_eq!(tree.read(a).unwrap(), data);
    let b = tree.get("bomb.zip!/b").unwrap();
    assert!(tree.read(b).unwrap().is_empty());
}

#[test]
fn device_tree_nested_beyond_bounds_is_an_error_not_a_stack_overflow() {
    // FDT with 10,000 nested nodes.
    let mut st = Vec::new();
    for _ in 0..10_000 {
        st.extend(1u32.to_be_bytes());
        st.extend(b"n\0\0\0");
    }
    for _ in 0..10_000 {
        st.extend(2u32.to_be_bytes());
    }
    st.extend(9u32.to_be_bytes());
    let total = 40 + st.len();
    let mut h = Vec::new();
    for v in [
        0xd00dfeed,
        total as u32,
        40,
        total as u32,
        40,
        17,
        16,
        0,
        0,
        st.len() as u32,
    ] {
        h.extend(v.to_be_bytes());
    }
    h.extend(st);
    let tree = open_bytes("deep.dtb", h, &Options::default());
    let w: Vec<_> = tree
        .report()
        .all_warnings()
        .map(|(_, w)| w.message.clone())
        .collect();
    assert!(w.iter().any(|m| m.contains("nested too deeply")), "{w:?}");
}

/// Found by the `trx` fuzz target: a squashfs superblock with block_log >= 32 made the probe
/// shift out of range (a panic in debug builds).
#[test]
fn regression_fuzz_trx_squashfs_block_log_overflow() {
    let mut sb = vec![0u8; 96];
    sb[0..4].copy_from_slice(b"hsqs");
    sb[12..16].copy_from_slice(&4096u32.to_le_bytes());
    sb[22..24].copy_from_slice(&40u16.to_le_bytes()); // block_log far beyond 31
    sb[28..30].copy_from_slice(&4u16.to_le_bytes());
    sb[40..48].copy_from_slice(&200u64.to_le_bytes());
    sb.resize(4096, 0);
    let tree = open_bytes("bad.sqfs", sb, &Options::default());
    assert!(tree.report().layers.iter().all(|l| l.format != "squashfs"));
}

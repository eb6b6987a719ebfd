//! ext2/3/4 images built by Debian's mke2fs (`-d DIR`) from the reference tree, in every
//! layout that matters (block maps and extents, 1 KiB and 4 KiB blocks, 128- and 256-byte
//! inodes, inline data, hashed directories, bigalloc, meta_bg, EA inodes): every entry's
//! content and metadata must come out unchanged. Then hostile images made by mutating small
//! valid ones.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use common::{Caps, assert_matches, open, reference_tree, tool};
use netvet_model::{EntryKind, WarningCode};
use netvet_unpack::{MemSource, Options, Tree};

/// What a fixture adds to the reference tree.
#[derive(Clone, Copy)]
struct Extras {
    /// Size of a `user.big` xattr on etc/init.d/rcS (0: none). 200 bytes overflow a 256-byte
    /// inode into the xattr block; 3000 overflow a 1 KiB block into an EA inode.
    big_xattr: usize,
    /// A sparse file whose last byte lies beyond 64 MiB (triple-indirect with 1 KiB blocks).
    far_sparse: bool,
}

const EXTRAS: Extras = Extras {
    big_xattr: 200,
    far_sparse: false,
};

fn set_mtime(path: &Path, secs: u64) {
    fs::File::options()
        .write(true)
        .open(path)
        .or_else(|_| fs::File::open(path))
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// The reference tree plus what ext stores beyond it: lost+found (mke2fs always makes one
/// and copies the metadata of the source's), a sparse file with ten extents (an extent tree
/// of depth 1, indirect blocks with holes), long symlinks, a socket, a POSIX ACL, and a
/// large xattr.
fn fixture(dir: &Path, extras: Extras) -> PathBuf {
    let root = dir.join("root");
    reference_tree(&root);
    let lf = root.join("lost+found");
    fs::create_dir(&lf).unwrap();
    fs::set_permissions(&lf, fs::Permissions::from_mode(0o700)).unwrap();
    let sparse = root.join("var/sparse");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = fs::File::create(&sparse).unwrap();
        for i in 0..10u64 {
            f.seek(SeekFrom::Start(i * 200_000)).unwrap();
            f.write_all(&common::noise(3000, i + 1)).unwrap();
        }
        if extras.far_sparse {
            f.seek(SeekFrom::Start((66 << 20) + 5)).unwrap();
            f.write_all(b"far end").unwrap();
        }
    }
    set_mtime(&sparse, 1_650_000_000);
    // Slow symlinks (targets of 60 bytes or more live in a block, or inline).
    std::os::unix::fs::symlink("t".repeat(100), root.join("bin/long-link")).unwrap();
    std::os::unix::fs::symlink(format!("/{}", "dir/".repeat(75)), root.join("bin/longer")).unwrap();
    // A socket (the reference tree has none).
    drop(std::os::unix::net::UnixListener::bind(root.join("var/control.sock")).unwrap());
    // system.posix_acl_access in the xattr interface's form: user::rw-, user:1000:r--,
    // group::r--, mask::r--, other::---.
    let acl = "0x02000000\
               01000600ffffffff\
               02000400e8030000\
               04000400ffffffff\
               10000400ffffffff\
               20000000ffffffff";
    tool(
        "setfattr",
        "attr",
        &[
            OsStr::new("-n"),
            OsStr::new("system.posix_acl_access"),
            OsStr::new("-v"),
            OsStr::new(acl),
            root.join("etc/shadow").as_os_str(),
        ],
    );
    if extras.big_xattr > 0 {
        let value = format!("0x{}", "ab".repeat(extras.big_xattr));
        tool(
            "setfattr",
            "attr",
            &[
                OsStr::new("-n"),
                OsStr::new("user.big"),
                OsStr::new("-v"),
                OsStr::new(&value),
                root.join("etc/init.d/rcS").as_os_str(),
            ],
        );
    }
    // Adding entries changed these directories' times; reference_tree fixed them all.
    for d in [&root, &root.join("var"), &root.join("bin"), &lf] {
        set_mtime(d, 1_500_000_000);
    }
    root
}

fn mkfs(root: &Path, img: &Path, args: &[&str], size: &str) {
    let mut a: Vec<&OsStr> = vec![OsStr::new("-q"), OsStr::new("-F")];
    a.extend(args.iter().map(OsStr::new));
    a.extend([
        OsStr::new("-d"),
        root.as_os_str(),
        img.as_os_str(),
        OsStr::new(size),
    ]);
    tool("mke2fs", "e2fsprogs", &a);
}

/// Rebuilds every directory as a hashed (htree) one: mke2fs -d writes linear directories.
fn index_directories(img: &Path) {
    let out = Command::new("e2fsck")
        .args(["-f", "-y", "-D"])
        .arg(img)
        .output()
        .expect("e2fsck runnable (Debian package e2fsprogs)");
    // 0: clean, 1: errors corrected (here: directories optimised).
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "e2fsck -D failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn debugfs(img: &Path, request: &str) -> String {
    let out = Command::new("debugfs")
        .args(["-R", request])
        .arg(img)
        .output()
        .expect("debugfs runnable (Debian package e2fsprogs)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn is_indexed(img: &Path, path: &str) -> bool {
    let stat = debugfs(img, &format!("stat {path}"));
    let flags = stat
        .split("Flags: ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0);
    flags & 0x1000 != 0
}

fn assert_clean(tree: &Tree) {
    let report = tree.report();
    assert_eq!(report.layers.len(), 1, "{:#?}", report.layers);
    assert_eq!(report.layers[0].format, "ext");
    assert!(
        report.layers[0].warnings.is_empty(),
        "{:#?}",
        report.layers[0].warnings
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

/// Builds the fixture with `args`, optionally indexes directories, and compares.
fn check(args: &[&str], size: &str, htree: bool, extras: Extras) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture(dir.path(), extras);
    let img = dir.path().join("fs.img");
    mkfs(&root, &img, args, size);
    if htree {
        index_directories(&img);
        assert!(is_indexed(&img, "/var/many"), "fixture lacks an htree");
    }
    let tree = open(&img);
    assert_clean(&tree);
    assert_matches(&tree, "fs.img!/", &root, Caps::FULL);
    (dir, img)
}

#[test]
fn ext2_with_1k_blocks_and_128_byte_inodes() {
    // 128-byte inodes: every xattr lives in an xattr block; the far sparse byte needs the
    // triple-indirect block.
    let extras = Extras {
        far_sparse: true,
        ..EXTRAS
    };
    let (_d, img) = check(
        &["-t", "ext2", "-b", "1024", "-I", "128"],
        "32M",
        true,
        extras,
    );
    assert!(debugfs(&img, "stat /var/sparse").contains("(TIND)"));
}

#[test]
fn ext2_with_4k_blocks() {
    check(&["-t", "ext2", "-b", "4096"], "32M", true, EXTRAS);
}

#[test]
fn ext2_without_filetype_in_directory_entries() {
    // Old ext2: 16-bit name lengths, the type only in the inode.
    check(&["-t", "ext2", "-O", "^filetype"], "32M", true, EXTRAS);
}

#[test]
fn ext3_block_maps_and_journal() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture(dir.path(), EXTRAS);
    let img = dir.path().join("fs.img");
    mkfs(&root, &img, &["-t", "ext3", "-b", "4096"], "32M");
    index_directories(&img);
    let tree = open(&img);
    assert_clean(&tree);
    assert!(
        tree.report().layers[0]
            .description
            .contains("journal not replayed"),
        "{}",
        tree.report().layers[0].description
    );
    assert_matches(&tree, "fs.img!/", &root, Caps::FULL);
}

#[test]
fn ext4_default_features() {
    // extents, 64bit, flex_bg, metadata_csum (every checksum verified), 256-byte inodes.
    let (_d, img) = check(&["-t", "ext4"], "32M", true, EXTRAS);
    assert!(debugfs(&img, "stat /var/sparse").contains("(ETB0)"));
}

#[test]
fn ext4_linear_directories() {
    let (_d, img) = check(&["-t", "ext4"], "32M", false, EXTRAS);
    assert!(!is_indexed(&img, "/var/many"));
}

#[test]
fn ext4_with_1k_blocks() {
    let extras = Extras {
        far_sparse: true,
        ..EXTRAS
    };
    check(&["-t", "ext4", "-b", "1024"], "48M", true, extras);
}

#[test]
fn ext4_without_extents() {
    check(&["-t", "ext4", "-O", "^extent,^64bit"], "32M", true, EXTRAS);
}

#[test]
fn ext4_inline_data() {
    let (_d, img) = check(&["-t", "ext4", "-O", "inline_data"], "32M", true, EXTRAS);
    // The fixture must really have inline files and directories.
    assert!(debugfs(&img, "stat /etc/passwd").contains("Size of inline data"));
    assert!(debugfs(&img, "stat /a/b").contains("Size of inline data"));
}

#[test]
fn ext4_inline_data_linear_directories() {
    check(&["-t", "ext4", "-O", "inline_data"], "32M", false, EXTRAS);
}

#[test]
fn ext4_uninit_bg_crc16_descriptors() {
    check(
        &["-t", "ext4", "-O", "^metadata_csum,uninit_bg"],
        "32M",
        true,
        EXTRAS,
    );
}

#[test]
fn ext4_bigalloc() {
    check(
        &["-t", "ext4", "-O", "bigalloc", "-C", "16384"],
        "64M",
        true,
        EXTRAS,
    );
}

#[test]
fn ext4_meta_bg_with_many_groups() {
    // 1 KiB blocks and 1024 blocks per group: 48 groups, descriptors in 3 meta groups.
    check(
        &[
            "-t",
            "ext4",
            "-b",
            "1024",
            "-g",
            "1024",
            "-O",
            "meta_bg,^resize_inode",
        ],
        "48M",
        true,
        EXTRAS,
    );
}

#[test]
fn ext4_xattr_values_in_ea_inodes() {
    let extras = Extras {
        big_xattr: 3000,
        ..EXTRAS
    };
    check(
        &["-t", "ext4", "-b", "1024", "-O", "ea_inode"],
        "32M",
        true,
        extras,
    );
}

#[test]
fn reference_tree_has_what_the_comparison_must_see() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture(dir.path(), EXTRAS);
    let img = dir.path().join("fs.img");
    mkfs(&root, &img, &["-t", "ext4"], "32M");
    let tree = open(&img);
    let get = |p: &str| tree.get(&format!("fs.img!/{p}")).unwrap();
    assert!(
        get("bin/busybox")
            .xattrs
            .iter()
            .any(|(k, _)| k == "security.capability")
    );
    assert!(
        get("etc/shadow")
            .xattrs
            .iter()
            .any(|(k, _)| k == "system.posix_acl_access")
    );
    assert_eq!(get("dev/console").kind, EntryKind::CharDevice);
    assert_eq!(get("dev/console").device, Some((5, 1)));
    assert_eq!(get("etc/passwd.hard").kind, EntryKind::HardLink);
    assert_eq!(get("bin/su").mode, 0o4755);
    assert_eq!(get("var/many/file0001").uid, 1000);
    assert!(
        tree.report().layers[0]
            .description
            .starts_with("ext4 filesystem")
    );
}

// ---- hostile images ------------------------------------------------------------------

/// A small ext2 image (1 KiB blocks, no checksums) with one directory of a few files.
fn small_image(dir: &Path, args: &[&str]) -> (PathBuf, Vec<u8>) {
    let root = dir.join("small");
    fs::create_dir_all(root.join("sub/inner")).unwrap();
    fs::write(root.join("etc-passwd"), b"root:x:0:0::/root:/bin/sh\n").unwrap();
    for i in 0..8 {
        fs::write(root.join(format!("sub/file{i:04}")), format!("file {i}\n")).unwrap();
    }
    fs::write(root.join("sub/inner/deep"), b"deep\n").unwrap();
    fs::write(root.join("sub/xx"), b"two-letter name\n").unwrap();
    fs::write(root.join("big"), common::noise(40_000, 3)).unwrap();
    let img = dir.join("small.img");
    let mut a = vec!["-t", "ext2", "-b", "1024", "-N", "64"];
    a.extend(args);
    mkfs(&root, &img, &a, "1M");
    let bytes = fs::read(&img).unwrap();
    (img, bytes)
}

fn open_bytes(bytes: Vec<u8>) -> Tree {
    netvet_unpack::open_forced(
        "bad.img",
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        "ext",
    )
}

/// All warnings of the layers and the tree, as (code, offset, message). A warning of the
/// ext layer gets `ext: ` prefixed, so every message names its format.
fn warnings(tree: &Tree) -> Vec<(WarningCode, Option<u64>, String)> {
    let r = tree.report();
    r.layers
        .iter()
        .flat_map(|l| l.warnings.iter().map(move |w| (l.format.as_str(), w)))
        .chain(r.warnings.iter().map(|w| ("", w)))
        .map(|(f, w)| {
            let m = if f.is_empty() {
                w.message.clone()
            } else {
                format!("{f}: {}", w.message)
            };
            (w.code, w.offset, m)
        })
        .collect()
}

fn has_warning(tree: &Tree, code: WarningCode, text: &str) -> bool {
    warnings(tree)
        .iter()
        .any(|(c, off, m)| *c == code && off.is_some() && m.contains(text))
}

/// Offset of the directory entry whose name is `name` (its inode field).
fn dirent_at(bytes: &[u8], name: &[u8]) -> usize {
    let mut found = None;
    for i in 8..bytes.len() - name.len() {
        if &bytes[i..i + name.len()] == name && bytes[i - 2] as usize == name.len() {
            assert!(found.is_none(), "name {name:?} is not unique");
            found = Some(i - 8);
        }
    }
    found.expect("directory entry present")
}

fn inode_number(img: &Path, path: &str) -> u32 {
    let stat = debugfs(img, &format!("stat {path}"));
    stat.split("Inode: ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("inode number")
}

/// Byte offset of an inode, from `debugfs imap`.
fn inode_offset(img: &Path, path: &str) -> usize {
    let imap = debugfs(img, &format!("imap {path}"));
    let block: usize = imap
        .split("located at block ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.trim().parse().ok())
        .expect("imap block");
    let offset = imap
        .split("offset ")
        .nth(1)
        .map(|s| s.trim())
        .and_then(|s| usize::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .expect("imap offset");
    let bs: usize = debugfs(img, "stats")
        .split("Block size:")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("block size");
    block * bs + offset
}

#[test]
fn small_image_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = small_image(dir.path(), &[]);
    let tree = open_bytes(bytes);
    assert_clean(&tree);
    assert_eq!(
        tree.read(tree.get("bad.img!/sub/file0003").unwrap())
            .unwrap(),
        b"file 3\n"
    );
}

#[test]
fn rejects_directory_entry_pointing_to_its_parent_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (img, mut bytes) = small_image(dir.path(), &[]);
    // sub/inner/deep now names sub itself: a directory that contains its parent.
    let sub = inode_number(&img, "/sub");
    let at = dirent_at(&bytes, b"deep");
    bytes[at..at + 4].copy_from_slice(&sub.to_le_bytes());
    let tree = open_bytes(bytes);
    assert!(
        has_warning(&tree, WarningCode::Cycle, "already listed"),
        "{:#?}",
        warnings(&tree)
    );
    // Everything else is still there.
    assert!(tree.get("bad.img!/sub/file0007").is_some());
    assert_eq!(
        tree.get("bad.img!/sub/inner/deep").unwrap().kind,
        EntryKind::Dir
    );
}

#[test]
fn rejects_directory_entry_pointing_to_its_own_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (img, mut bytes) = small_image(dir.path(), &[]);
    let inner = inode_number(&img, "/sub/inner");
    let at = dirent_at(&bytes, b"deep");
    bytes[at..at + 4].copy_from_slice(&inner.to_le_bytes());
    let tree = open_bytes(bytes);
    assert!(has_warning(&tree, WarningCode::Cycle, "already listed"));
}

#[test]
fn skips_inode_number_beyond_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = small_image(dir.path(), &[]);
    let at = dirent_at(&bytes, b"file0004");
    bytes[at..at + 4].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    let tree = open_bytes(bytes);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, off, m)| *c == WarningCode::Corrupt
            && *off == Some(at as u64)
            && m.contains("outside 1..=")),
        "{w:#?}"
    );
    assert!(tree.get("bad.img!/sub/file0004").is_none());
    assert!(tree.get("bad.img!/sub/file0005").is_some());
}

#[test]
fn stops_at_a_zero_record_length() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = small_image(dir.path(), &[]);
    let at = dirent_at(&bytes, b"file0005");
    bytes[at + 4..at + 6].copy_from_slice(&0u16.to_le_bytes());
    let tree = open_bytes(bytes);
    assert!(has_warning(&tree, WarningCode::Corrupt, "record length 0"));
    assert!(tree.get("bad.img!/sub/file0004").is_some());
    assert!(tree.get("bad.img!/sub/file0005").is_none());
}

#[test]
fn skips_dot_dot_and_escapes_slash_and_nul_in_names() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = small_image(dir.path(), &[]);
    let at = dirent_at(&bytes, b"xx");
    bytes[at + 8..at + 10].copy_from_slice(b"..");
    let at = dirent_at(&bytes, b"file0001");
    bytes[at + 10] = b'/';
    let at = dirent_at(&bytes, b"file0002");
    bytes[at + 10] = 0;
    let tree = open_bytes(bytes);
    assert!(has_warning(&tree, WarningCode::UnsafeName, "`..`"));
    assert!(tree.get("bad.img!/sub/fi\\x00e0001").is_some());
    assert!(tree.get("bad.img!/sub/fi\\x00e0002").is_some());
    assert!(has_warning(&tree, WarningCode::UnsafeName, "escaped"));
    // Nothing escaped the image's root.
    assert!(tree.entries().iter().all(|e| e.path.starts_with("bad.img")));
}

#[test]
fn reports_block_numbers_beyond_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let (img, mut bytes) = small_image(dir.path(), &[]);
    let at = inode_offset(&img, "/big");
    // i_block[0] of a block-mapped file.
    bytes[at + 0x28..at + 0x2c].copy_from_slice(&99_999_999u32.to_le_bytes());
    let tree = open_bytes(bytes);
    let big = tree.get("bad.img!/big").unwrap();
    let err = tree.read(big).unwrap_err().to_string();
    assert!(
        err.contains("ext at offset") && err.contains("beyond the filesystem"),
        "{err}"
    );
}

#[test]
fn rejects_extent_tree_whose_child_points_back_at_its_parent() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("src");
    fs::create_dir_all(&root).unwrap();
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = fs::File::create(root.join("sparse")).unwrap();
        for i in 0..8u64 {
            f.seek(SeekFrom::Start(i * 20_000)).unwrap();
            f.write_all(b"data").unwrap();
        }
    }
    let img = dir.path().join("x.img");
    mkfs(
        &root,
        &img,
        &[
            "-t",
            "ext4",
            "-O",
            "^metadata_csum,^has_journal",
            "-b",
            "1024",
        ],
        "2M",
    );
    let stat = debugfs(&img, "stat /sparse");
    let node: usize = stat
        .split("(ETB0):")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .expect("file has an extent index block");
    let ino = inode_offset(&img, "/sparse");
    let mut bytes = fs::read(&img).unwrap();
    // The root in the inode claims depth 2; the index block becomes an index node at
    // depth 1 whose only child is itself.
    bytes[ino + 0x28 + 6..ino + 0x28 + 8].copy_from_slice(&2u16.to_le_bytes());
    let b = node * 1024;
    let mut header = vec![0x0a, 0xf3, 1, 0, 84, 0, 1, 0, 0, 0, 0, 0];
    header.extend(0u32.to_le_bytes());
    header.extend((node as u32).to_le_bytes());
    header.extend([0u8; 4]);
    bytes[b..b + header.len()].copy_from_slice(&header);
    let tree = open_bytes(bytes);
    let e = tree.get("bad.img!/sparse").unwrap();
    let err = tree.read(e).unwrap_err().to_string();
    assert!(
        err.contains("ext at offset") && err.contains("cycle"),
        "{err}"
    );
}

#[test]
fn truncated_images_give_errors_or_warnings_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = small_image(dir.path(), &[]);
    for cut in [
        0,
        1000,
        1500,
        2048,
        3000,
        5000,
        20_000,
        100_000,
        bytes.len() - 1024,
    ] {
        let tree = open_bytes(bytes[..cut].to_vec());
        let w = warnings(&tree);
        assert!(!w.is_empty(), "cut at {cut}: no warning");
        assert!(
            w.iter().any(|(_, _, m)| m.contains("ext")),
            "cut at {cut}: {w:#?}"
        );
        for e in tree.entries().iter().filter(|e| e.is_file()) {
            let _ = tree.read(e);
        }
    }
}

#[test]
fn warns_about_bad_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("src");
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join("a"), b"a\n").unwrap();
    let img = dir.path().join("c.img");
    mkfs(&root, &img, &["-t", "ext4", "-b", "1024"], "2M");
    let mut bytes = fs::read(&img).unwrap();
    let ino = inode_offset(&img, "/a");
    bytes[ino + 0x10] ^= 1; // mtime
    bytes[1024 + 0x30] ^= 1; // s_wtime
    let tree = open_bytes(bytes);
    assert!(
        has_warning(&tree, WarningCode::BadChecksum, "superblock checksum"),
        "{:#?}",
        warnings(&tree)
    );
    assert!(has_warning(
        &tree,
        WarningCode::BadChecksum,
        "inode 12 checksum"
    ));
    // Still listed and readable.
    assert_eq!(tree.read(tree.get("bad.img!/a").unwrap()).unwrap(), b"a\n");
}

#[test]
fn rejects_absurd_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = small_image(dir.path(), &[]);
    let sb = 1024;
    for (field, value) in [
        (0x0, u32::MAX), // inodes
        (0x4, u32::MAX), // blocks
        (0x28, 1),       // inodes per group
        (0x20, 0),       // blocks per group
        (0x18, 30),      // block size
        (0x14, 100),     // first data block
    ] {
        let mut b = bytes.clone();
        b[sb + field..sb + field + 4].copy_from_slice(&value.to_le_bytes());
        let tree = open_bytes(b);
        let w = warnings(&tree);
        assert!(
            w.iter()
                .any(|(c, _, m)| *c == WarningCode::OpenFailed && m.contains("ext at offset 0x4")),
            "field {field:#x}: {w:#?}"
        );
        assert!(tree.entries().iter().all(|e| !e.path.contains("!/")));
    }
}

#[test]
fn inode_table_beyond_the_image_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = small_image(dir.path(), &[]);
    // Group 0's descriptor (block 2 with 1 KiB blocks): inode table far away.
    bytes[2048 + 8..2048 + 12].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
    let tree = open_bytes(bytes);
    let w = warnings(&tree);
    assert!(
        w.iter()
            .any(|(c, _, m)| *c == WarningCode::OpenFailed && m.contains("inode table")),
        "{w:#?}"
    );
}

#[test]
fn is_found_inside_a_blob() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = small_image(dir.path(), &[]);
    let mut blob = common::noise(4096, 5);
    blob.extend_from_slice(&bytes);
    blob.extend(common::noise(1000, 6));
    let path = dir.path().join("blob.bin");
    fs::write(&path, &blob).unwrap();
    let tree = open(&path);
    let layer = tree
        .report()
        .layers
        .iter()
        .find(|l| l.format == "ext")
        .expect("ext layer carved");
    assert_eq!(layer.offset, 4096);
    assert_eq!(layer.length, bytes.len() as u64);
}

#[test]
fn reads_inline_directory_entries_in_system_data() {
    // mke2fs keeps inline directories within i_block; the kernel continues them in the
    // system.data attribute. Move an entry there by hand.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("src");
    fs::create_dir_all(root.join("d")).unwrap();
    fs::write(root.join("d/a"), b"first\n").unwrap();
    fs::write(root.join("f"), b"elsewhere\n").unwrap();
    let img = dir.path().join("i.img");
    mkfs(
        &root,
        &img,
        &[
            "-t",
            "ext4",
            "-O",
            "inline_data,^metadata_csum,^has_journal",
            "-I",
            "256",
        ],
        "2M",
    );
    assert!(debugfs(&img, "stat /d").contains("Size of inline data"));
    let f = inode_number(&img, "/f");
    let at = inode_offset(&img, "/d");
    let mut bytes = fs::read(&img).unwrap();
    let extra = u16::from_le_bytes([bytes[at + 0x80], bytes[at + 0x81]]) as usize;
    let xa = at + 128 + extra;
    assert_eq!(&bytes[xa..xa + 4], &0xea02_0000u32.to_le_bytes());
    let e = xa + 4;
    assert_eq!((bytes[e], bytes[e + 1]), (4, 7), "system.data comes first");
    assert_eq!(&bytes[e + 16..e + 20], b"data");
    // Value: one 12-byte record for "new" -> /f, placed at the end of the inode.
    let value_offs = 256 - (128 + extra + 4) - 12;
    bytes[e + 2..e + 4].copy_from_slice(&(value_offs as u16).to_le_bytes());
    bytes[e + 8..e + 12].copy_from_slice(&12u32.to_le_bytes());
    let v = at + 256 - 12;
    bytes[v..v + 4].copy_from_slice(&f.to_le_bytes());
    bytes[v + 4..v + 6].copy_from_slice(&12u16.to_le_bytes());
    bytes[v + 6] = 3;
    bytes[v + 7] = 1;
    bytes[v + 8..v + 11].copy_from_slice(b"new");
    bytes[v + 11] = 0;
    let tree = open_bytes(bytes);
    assert_clean(&tree);
    assert_eq!(
        tree.read(tree.get("bad.img!/d/new").unwrap()).unwrap(),
        b"elsewhere\n"
    );
    assert_eq!(
        tree.read(tree.get("bad.img!/d/a").unwrap()).unwrap(),
        b"first\n"
    );
}

#[test]
fn ext4_with_64k_blocks() {
    // Whole-block directory records have their length encoded specially at 64 KiB.
    check(&["-t", "ext4", "-b", "65536"], "160M", false, EXTRAS);
}

#[test]
fn warns_about_recovery_encryption_and_unknown_features() {
    let dir = tempfile::tempdir().unwrap();
    let (img, mut bytes) = small_image(dir.path(), &[]);
    let incompat = 1024 + 0x60;
    let mut v = u32::from_le_bytes(bytes[incompat..incompat + 4].try_into().unwrap());
    v |= 0x4 | 0x10000 | 0x8000_0000; // RECOVER, ENCRYPT, an unknown bit
    bytes[incompat..incompat + 4].copy_from_slice(&v.to_le_bytes());
    let at = inode_offset(&img, "/etc-passwd");
    bytes[at + 0x21] |= 0x08; // i_flags: ENCRYPT (0x800)
    let tree = open_bytes(bytes);
    for text in [
        "not replayed",
        "ciphertext",
        "unknown incompatible features 0x80000000",
        "1 encrypted inodes",
    ] {
        assert!(
            has_warning(&tree, WarningCode::Unsupported, text),
            "{text}: {:#?}",
            warnings(&tree)
        );
    }
    // Still listed, as stored.
    assert!(tree.get("bad.img!/etc-passwd").is_some());
}

#[test]
fn stops_listing_when_names_and_xattrs_exceed_the_metadata_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = small_image(dir.path(), &[]);
    let opts = Options {
        limits: netvet_unpack::Limits {
            max_metadata: 60,
            ..netvet_unpack::Limits::default()
        },
        ..Options::default()
    };
    let tree = netvet_unpack::open_forced("bad.img", Arc::new(MemSource::new(bytes)), &opts, "ext");
    assert!(
        has_warning(&tree, WarningCode::LimitBytes, "metadata size"),
        "{:#?}",
        warnings(&tree)
    );
    let listed = tree
        .entries()
        .iter()
        .filter(|e| e.path.contains("!/"))
        .count();
    assert!((1..10).contains(&listed), "{listed} entries");
}

//! Shared test support: a reference directory tree built in code with every kind of entry
//! firmware filesystems hold, a runner for Debian's image-building tools, and a comparison of
//! an unpacked tree against the reference, entry by entry, content and metadata.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use netvet_model::EntryKind;
use netvet_unpack::{Options, Tree};

/// What a format can represent, so the comparison checks exactly that.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    pub owners: bool,
    pub mtime: bool,
    pub xattrs: bool,
    pub devices: bool,
    /// Hard links come out as one file and `hard-link` entries to it.
    pub hard_links: bool,
    /// Directory metadata (mode, owner, mtime) is stored.
    pub dir_meta: bool,
    /// Largest uid/gid stored (cramfs keeps 16/8 bits).
    pub uid_bits: u32,
    pub gid_bits: u32,
    /// Only the executable flag of the mode is stored (romfs): files and directories read as
    /// 0644 plus 0111 when any execute bit was set, devices as 0600, fifos and sockets 0644.
    pub exec_bit_only: bool,
}

impl Caps {
    pub const FULL: Caps = Caps {
        owners: true,
        mtime: true,
        xattrs: true,
        devices: true,
        hard_links: true,
        dir_meta: true,
        uid_bits: 32,
        gid_bits: 32,
        exec_bit_only: false,
    };
}

/// Deterministic pseudo-random bytes (xorshift), so content is reproducible.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Half compressible, half random: spans several blocks in any block size.
pub fn mixed(len: usize, seed: u64) -> Vec<u8> {
    let mut v = noise(len, seed);
    for (i, b) in v.iter_mut().enumerate() {
        if (i / 4096) % 2 == 0 {
            *b = b"netvet firmware fixture "[i % 24];
        }
    }
    v
}

fn write(path: &Path, data: &[u8], mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = fs::File::create(path).unwrap();
    f.write_all(data).unwrap();
    f.set_permissions(fs::Permissions::from_mode(mode)).unwrap();
}

fn set_mtime(path: &Path, secs: u64) {
    let f = fs::File::options()
        .write(true)
        .open(path)
        .or_else(|_| fs::File::open(path))
        .unwrap();
    f.set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

fn run_ok(cmd: &mut Command) -> bool {
    cmd.output().map(|o| o.status.success()).unwrap_or(false)
}

/// Builds the reference tree under `root` (which must not exist). Returns the root.
///
/// Contents: text and binary files of several sizes (empty, small, multi-block, all zeros),
/// setuid and unusual modes, owners other than root, symlinks (relative, absolute, dangling),
/// a hard link, 600 entries in one directory, deep nesting, UTF-8 and space in names, device
/// nodes and a fifo (when the test runs as root), and user and security xattrs (when the
/// filesystem and tools allow).
pub fn reference_tree(root: &Path) -> PathBuf {
    fs::create_dir_all(root).unwrap();
    write(
        &root.join("etc/passwd"),
        b"root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n",
        0o644,
    );
    write(
        &root.join("etc/shadow"),
        b"root:$1$abc$Q2wWw8vFq7Gq7b2Uq0cxm1:19000:0:99999:7:::\n",
        0o640,
    );
    write(
        &root.join("etc/init.d/rcS"),
        b"#!/bin/sh\n/usr/sbin/telnetd -l /bin/sh\n",
        0o755,
    );
    write(&root.join("etc/empty"), b"", 0o600);
    write(&root.join("etc/with space"), b"space in name\n", 0o644);
    write(
        &root.join("etc/\u{fc}ber"),
        "utf-8 name\n".as_bytes(),
        0o644,
    );
    write(&root.join("bin/busybox"), &noise(200_000, 7), 0o755);
    write(&root.join("bin/su"), &noise(3000, 9), 0o4755);
    write(
        &root.join("usr/lib/libbig.so.1"),
        &mixed(1_500_000, 11),
        0o755,
    );
    write(&root.join("usr/share/zeros"), &vec![0u8; 1 << 20], 0o644);
    write(&root.join("a/b/c/d/e/f/g/h/deep.txt"), b"deep\n", 0o444);
    // A name longer than the 100 bytes of a classic tar header.
    write(
        &root.join(format!("var/long/{}", "n".repeat(180))),
        b"long name\n",
        0o644,
    );
    for i in 0..600 {
        write(
            &root.join(format!("var/many/file{i:04}")),
            format!("entry {i}\n").as_bytes(),
            0o644,
        );
    }
    symlink("busybox", root.join("bin/sh")).unwrap();
    symlink("/bin/busybox", root.join("bin/ls")).unwrap();
    symlink("../nowhere/at/all", root.join("bin/dangling")).unwrap();
    fs::hard_link(root.join("etc/passwd"), root.join("etc/passwd.hard")).unwrap();
    // Owners other than root (only possible as root).
    let _ = std::os::unix::fs::chown(root.join("etc/shadow"), Some(0), Some(42));
    let _ = std::os::unix::fs::chown(root.join("var/many/file0001"), Some(1000), Some(1000));
    // Device nodes and a fifo (only as root).
    fs::create_dir_all(root.join("dev")).unwrap();
    let _ = run_ok(
        Command::new("mknod")
            .args(["-m", "600"])
            .arg(root.join("dev/console"))
            .args(["c", "5", "1"]),
    );
    let _ = run_ok(
        Command::new("mknod")
            .args(["-m", "660"])
            .arg(root.join("dev/sda"))
            .args(["b", "8", "0"]),
    );
    let _ = run_ok(Command::new("mkfifo").arg(root.join("dev/initctl")));
    // Extended attributes, when the filesystem takes them.
    let _ = run_ok(
        Command::new("setfattr")
            .args(["-n", "user.netvet", "-v", "fixture"])
            .arg(root.join("etc/passwd")),
    );
    let _ = run_ok(
        Command::new("setcap")
            .arg("cap_net_raw+ep")
            .arg(root.join("bin/busybox")),
    );
    // Fixed times, directories last (adding entries changes a directory's mtime).
    let mut dirs = Vec::new();
    visit(root, &mut |p, m| {
        if m.is_dir() {
            dirs.push(p.to_path_buf());
        } else if m.is_file() {
            set_mtime(p, 1_600_000_000 + (p.as_os_str().len() as u64) * 1000);
        }
    });
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        set_mtime(&d, 1_500_000_000);
    }
    root.to_path_buf()
}

fn visit(dir: &Path, f: &mut dyn FnMut(&Path, &fs::Metadata)) {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let m = fs::symlink_metadata(&p).unwrap();
        f(&p, &m);
        if m.is_dir() {
            visit(&p, f);
        }
    }
}

/// Runs a tool; panics with a message naming the Debian package when it is missing.
pub fn tool(program: &str, package: &str, args: &[&std::ffi::OsStr]) {
    tool_in(None, program, package, args);
}

/// [`tool`] in directory `dir` (the current one when `None`).
pub fn tool_in<A: AsRef<std::ffi::OsStr> + std::fmt::Debug>(
    dir: Option<&Path>,
    program: &str,
    package: &str,
    args: &[A],
) {
    let mut cmd = Command::new(program);
    cmd.args(args);
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{program} not runnable ({e}); install Debian package `{package}` (.ci/run does)")
    });
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Unpacks bytes held in memory (named `name`) with default options.
pub fn open_bytes(name: &str, data: Vec<u8>) -> Tree {
    netvet_unpack::open_source(
        name,
        std::sync::Arc::new(netvet_unpack::MemSource::new(data)),
        &Options::default(),
        None,
    )
}

/// Unpacks an image file with default options.
pub fn open(path: &Path) -> Tree {
    netvet_unpack::open_path(path, &Options::default()).expect("input readable")
}

/// Reads xattrs of a path through `getfattr` (empty when unsupported).
fn xattrs_of(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = Command::new("getfattr")
        .args(["-h", "-d", "-m", "-", "-e", "hex"])
        .arg(path)
        .output();
    let mut map = BTreeMap::new();
    let Ok(out) = out else { return map };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((k, v)) = line.split_once('=') {
            let hex = v.trim_start_matches("0x");
            let bytes = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            map.insert(k.to_string(), bytes);
        }
    }
    map
}

/// Checks that the entries under `prefix` (e.g. `img.sqfs!/`) are exactly the reference
/// tree at `dir`: same paths, kinds, modes, owners, times, sizes, link targets, device
/// numbers, xattrs and contents, as far as `caps` says the format stores them.
pub fn assert_matches(tree: &Tree, prefix: &str, dir: &Path, caps: Caps) {
    let mut expected: BTreeMap<String, (PathBuf, fs::Metadata)> = BTreeMap::new();
    visit(dir, &mut |p, m| {
        let rel = p.strip_prefix(dir).unwrap().to_str().unwrap().to_string();
        expected.insert(format!("{prefix}{rel}"), (p.to_path_buf(), m.clone()));
    });
    if !caps.devices {
        expected.retain(|_, (_, m)| {
            let t = m.file_type();
            use std::os::unix::fs::FileTypeExt;
            !(t.is_char_device() || t.is_block_device() || t.is_fifo() || t.is_socket())
        });
    }
    let actual: BTreeMap<&str, &netvet_unpack::Entry> = tree
        .entries()
        .iter()
        .filter(|e| e.path.starts_with(prefix) && !e.path[prefix.len()..].contains("!/"))
        .map(|e| (e.path.as_str(), e))
        .collect();
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !actual.contains_key(k.as_str()))
        .collect();
    let extra: Vec<_> = actual
        .keys()
        .filter(|k| !expected.contains_key(**k))
        .collect();
    assert!(missing.is_empty(), "missing from the tree: {missing:?}");
    assert!(extra.is_empty(), "not in the reference: {extra:?}");

    let mut first_of_inode: HashMap<u64, String> = HashMap::new();
    for (path, (disk, m)) in &expected {
        let e = actual[path.as_str()];
        let ft = m.file_type();
        use std::os::unix::fs::FileTypeExt;
        let want_kind = if ft.is_dir() {
            EntryKind::Dir
        } else if ft.is_symlink() {
            EntryKind::Symlink
        } else if ft.is_char_device() {
            EntryKind::CharDevice
        } else if ft.is_block_device() {
            EntryKind::BlockDevice
        } else if ft.is_fifo() {
            EntryKind::Fifo
        } else if ft.is_socket() {
            EntryKind::Socket
        } else if caps.hard_links && m.nlink() > 1 {
            match first_of_inode.get(&m.ino()) {
                Some(first) => {
                    assert_eq!(
                        e.link_target.as_deref(),
                        Some(first.as_str()),
                        "{path}: hard link target"
                    );
                    EntryKind::HardLink
                }
                None => {
                    first_of_inode.insert(m.ino(), path.clone());
                    EntryKind::File
                }
            }
        } else {
            EntryKind::File
        };
        assert_eq!(e.kind, want_kind, "{path}: kind");
        let is_dir = ft.is_dir();
        if !ft.is_symlink() && (!is_dir || caps.dir_meta) {
            let want = if !caps.exec_bit_only {
                m.mode() & 0o7777
            } else if ft.is_char_device() || ft.is_block_device() {
                0o600
            } else if ft.is_dir() || ft.is_file() {
                0o644 | if m.mode() & 0o111 != 0 { 0o111 } else { 0 }
            } else {
                0o644
            };
            assert_eq!(e.mode, want, "{path}: mode {:o} vs {want:o}", e.mode);
        }
        if caps.owners && (!is_dir || caps.dir_meta) {
            let mask = |bits: u32| {
                if bits >= 32 {
                    u32::MAX
                } else {
                    (1u32 << bits) - 1
                }
            };
            assert_eq!(e.uid, m.uid() & mask(caps.uid_bits), "{path}: uid");
            assert_eq!(e.gid, m.gid() & mask(caps.gid_bits), "{path}: gid");
        }
        if caps.mtime && !is_dir && !ft.is_symlink() {
            assert_eq!(e.mtime, m.mtime(), "{path}: mtime");
        }
        if ft.is_symlink() {
            let target = fs::read_link(disk).unwrap();
            assert_eq!(
                e.link_target.as_deref(),
                target.to_str(),
                "{path}: symlink target"
            );
        }
        if ft.is_char_device() || ft.is_block_device() {
            let rdev = m.rdev();
            let major = ((rdev >> 8) & 0xfff) as u32;
            let minor = ((rdev & 0xff) | ((rdev >> 12) & 0xfff00)) as u32;
            assert_eq!(e.device, Some((major, minor)), "{path}: device numbers");
        }
        if ft.is_file() {
            assert_eq!(e.size, m.len(), "{path}: size");
            let got = tree
                .read(e)
                .unwrap_or_else(|err| panic!("{path}: read failed: {err}"));
            let want = fs::read(disk).unwrap();
            assert!(
                got == want,
                "{path}: content differs ({} vs {} bytes)",
                got.len(),
                want.len()
            );
        }
        if caps.xattrs && !ft.is_symlink() {
            let want = xattrs_of(disk);
            let got: BTreeMap<String, Vec<u8>> = e.xattrs.iter().cloned().collect();
            assert_eq!(got, want, "{path}: xattrs");
        }
    }
}

/// Opens `count` damaged copies of `img` directly as `format`, with small limits, and reads
/// every file of each: bytes overwritten at pseudo-random places (half of them in the first
/// KiB, where the headers are), or the image cut short. The reader must end each in entries
/// and warnings, never in a panic or unbounded work. Deterministic: copy `k` is always the
/// same damage.
pub fn mutate_and_open(img: &[u8], format: &str, count: u64) {
    let opts = Options {
        limits: netvet_unpack::Limits {
            max_depth: 2,
            max_total_bytes: 64 << 20,
            max_entries: 20_000,
            max_ratio: 200,
            max_time: Duration::from_secs(5),
            max_file_size: 16 << 20,
            max_metadata: 16 << 20,
        },
        ..Options::default()
    };
    for k in 0..count {
        let r = noise(64, k * 7919 + 1);
        let at = |i: usize| {
            let v = u64::from_le_bytes(r[8 * i..8 * i + 8].try_into().unwrap()) as usize;
            if i.is_multiple_of(2) {
                v % img.len().min(1024)
            } else {
                v % img.len()
            }
        };
        let mut m = img.to_vec();
        if k.is_multiple_of(5) {
            m.truncate(at(1));
        } else {
            for i in 0..(1 + k as usize % 4) {
                let pos = at(i);
                m[pos] = r[48 + i];
            }
        }
        let tree = netvet_unpack::open_forced(
            "mutated",
            std::sync::Arc::new(netvet_unpack::MemSource::new(m)),
            &opts,
            format,
        );
        for e in tree.entries() {
            if e.is_file() {
                let _ = tree.read(e);
            }
        }
        let _ = tree.report();
    }
}

//! cpio, tar and zip archives built by Debian's tools from the reference tree, and compressed
//! streams around them; every entry's content and metadata must come out unchanged.

#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Caps, assert_matches, open, reference_tree};

fn shell(dir: &Path, script: &str) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{script}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        reference_tree(&dir.path().join("root"));
        Fixture { dir }
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// Runs `script` inside the reference root (so archive names are relative).
    fn make(&self, script: &str) {
        shell(&self.root(), script);
    }
}

fn single_layer(tree: &netvet_unpack::Tree, format: &str) {
    let r = tree.report();
    let formats: Vec<_> = r.layers.iter().map(|l| l.format.as_str()).collect();
    assert_eq!(formats, [format], "{:#?}", r.layers);
    assert!(
        r.layers[0].warnings.is_empty(),
        "{:?}",
        r.layers[0].warnings
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

const CPIO: Caps = Caps {
    xattrs: false,
    ..Caps::FULL
};

#[test]
fn cpio_newc() {
    let f = Fixture::new();
    f.make("find . | sort | cpio --quiet -o -H newc > ../img.cpio");
    let tree = open(&f.path("img.cpio"));
    single_layer(&tree, "cpio");
    assert_matches(&tree, "img.cpio!/", &f.root(), CPIO);
}

#[test]
fn cpio_crc_checksums_are_verified() {
    let f = Fixture::new();
    f.make("find . | sort | cpio --quiet -o -H crc > ../img.cpio");
    let tree = open(&f.path("img.cpio"));
    single_layer(&tree, "cpio");
    assert_matches(&tree, "img.cpio!/", &f.root(), CPIO);

    // Flip one byte of the content of etc/passwd: the crc check must notice.
    let mut bytes = std::fs::read(f.path("img.cpio")).unwrap();
    let at = memchr_find(&bytes, b"root:x:0:0").unwrap();
    bytes[at] ^= 0x20;
    std::fs::write(f.path("bad.cpio"), &bytes).unwrap();
    let tree = open(&f.path("bad.cpio"));
    let codes: Vec<_> = tree.report().layers[0]
        .warnings
        .iter()
        .map(|w| w.code)
        .collect();
    assert_eq!(codes, [netvet_model::WarningCode::BadChecksum]);
}

#[test]
fn cpio_odc() {
    let f = Fixture::new();
    f.make("find . | sort | cpio --quiet -o -H odc > ../img.cpio");
    let tree = open(&f.path("img.cpio"));
    single_layer(&tree, "cpio");
    assert_matches(&tree, "img.cpio!/", &f.root(), CPIO);
}

const TAR: Caps = Caps {
    xattrs: false,
    ..Caps::FULL
};

#[test]
fn tar_gnu_with_long_names() {
    let f = Fixture::new();
    f.make("tar --format=gnu -cf ../img.tar .");
    let tree = open(&f.path("img.tar"));
    single_layer(&tree, "tar");
    assert_matches(&tree, "img.tar!/", &f.root(), TAR);
}

#[test]
fn tar_pax_with_xattrs() {
    let f = Fixture::new();
    f.make("tar --format=pax --xattrs --xattrs-include='*' -cf ../img.tar .");
    let tree = open(&f.path("img.tar"));
    single_layer(&tree, "tar");
    assert_matches(&tree, "img.tar!/", &f.root(), Caps::FULL);
}

#[test]
fn tar_ustar() {
    let f = Fixture::new();
    // ustar cannot hold the 180-byte name; leave it out of both sides.
    std::fs::remove_dir_all(f.root().join("var/long")).unwrap();
    f.make("tar --format=ustar -cf ../img.tar .");
    let tree = open(&f.path("img.tar"));
    single_layer(&tree, "tar");
    assert_matches(&tree, "img.tar!/", &f.root(), TAR);
}

#[test]
fn zip_with_unix_extras() {
    let f = Fixture::new();
    // zip cannot store device nodes or fifos.
    std::fs::remove_dir_all(f.root().join("dev")).unwrap();
    // Info-ZIP stores unix modes, UTC times ("UT") and owners ("ux"); -y keeps symlinks.
    f.make("zip -q -r -y ../img.zip .");
    let tree = open(&f.path("img.zip"));
    single_layer(&tree, "zip");
    let caps = Caps {
        xattrs: false,
        // zip stores each name of a hard-linked file as its own member.
        hard_links: false,
        devices: false,
        ..Caps::FULL
    };
    assert_matches(&tree, "img.zip!/", &f.root(), caps);
}

#[test]
fn compressed_tarballs_are_transparent() {
    let f = Fixture::new();
    for (flag, ext, format) in [
        ("z", "tar.gz", "gzip"),
        ("J", "tar.xz", "xz"),
        ("j", "tar.bz2", "bzip2"),
        ("", "tar.zst", "zstd"),
        ("", "tar.lz4", "lz4"),
        ("", "tar.lzma", "lzma"),
    ] {
        let name = format!("img.{ext}");
        let script = match ext {
            "tar.zst" => format!("tar -cf - . | zstd -q -o ../{name}"),
            "tar.lz4" => format!("tar -cf - . | lz4 -q > ../{name}"),
            "tar.lzma" => format!("tar -cf - . | lzma > ../{name}"),
            _ => format!("tar -c{flag}f ../{name} ."),
        };
        f.make(&script);
        let tree = open(&f.path(&name));
        let r = tree.report();
        let formats: Vec<_> = r.layers.iter().map(|l| l.format.as_str()).collect();
        assert_eq!(formats, [format, "tar"], "{name}: {:#?}", r.layers);
        assert!(
            r.all_warnings().next().is_none(),
            "{name}: {:?}",
            r.all_warnings().collect::<Vec<_>>()
        );
        assert_eq!(
            r.layers[1].path, name,
            "transparent: entries sit right under {name}!/"
        );
        assert_matches(&tree, &format!("{name}!/"), &f.root(), TAR);
    }
}

#[test]
fn gzip_payload_keeps_its_stored_name() {
    let f = Fixture::new();
    f.make("gzip -c -N etc/passwd > ../blob.gz");
    let tree = open(&f.path("blob.gz"));
    // gzip -N stores the original name "passwd".
    let e = tree
        .get("blob.gz!/passwd")
        .expect("payload named from the gzip header");
    assert_eq!(
        tree.read(e).unwrap(),
        std::fs::read(f.root().join("etc/passwd")).unwrap()
    );
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn nested_bundle_gives_full_virtual_paths() {
    // update.tar.gz holds a squashfs and a gzip'd cpio: the classic vendor bundle.
    let f = Fixture::new();
    let d = f.dir.path();
    common::tool(
        "mksquashfs",
        "squashfs-tools",
        &[
            f.root().as_os_str(),
            d.join("rootfs.squashfs").as_os_str(),
            OsStr::new("-noappend"),
            OsStr::new("-quiet"),
            OsStr::new("-no-progress"),
        ],
    );
    shell(
        d,
        "cd root && find . | cpio --quiet -o -H newc | gzip > ../initrd.cpio.gz",
    );
    shell(
        d,
        "mkdir bundle && mv rootfs.squashfs initrd.cpio.gz bundle/ && tar -czf update.tar.gz -C bundle .",
    );
    let tree = open(&d.join("update.tar.gz"));
    let r = tree.report();
    let layers: Vec<_> = r
        .layers
        .iter()
        .map(|l| (l.format.as_str(), l.path.as_str()))
        .collect();
    assert_eq!(
        layers,
        [
            ("gzip", "update.tar.gz"),
            ("tar", "update.tar.gz"),
            ("gzip", "update.tar.gz!/initrd.cpio.gz"),
            ("cpio", "update.tar.gz!/initrd.cpio.gz"),
            ("squashfs", "update.tar.gz!/rootfs.squashfs"),
        ]
    );
    assert!(
        r.all_warnings().next().is_none(),
        "{:?}",
        r.all_warnings().collect::<Vec<_>>()
    );
    assert_matches(
        &tree,
        "update.tar.gz!/rootfs.squashfs!/",
        &f.root(),
        Caps::FULL,
    );
    assert_matches(&tree, "update.tar.gz!/initrd.cpio.gz!/", &f.root(), CPIO);
    // The squashfs file itself is an entry too, and says what it became.
    let sq = tree.get("update.tar.gz!/rootfs.squashfs").unwrap();
    assert_eq!(sq.nested, Some(4));
}

#[test]
fn forged_cpio_and_tar_round_trip() {
    let f = Fixture::new();
    let fs = netvet_forge::FsTree::from_dir(&f.root()).unwrap();
    for (name, bytes, format) in [
        ("forged.cpio", netvet_forge::cpio::write(&fs), "cpio"),
        ("forged.tar", netvet_forge::tar::write(&fs), "tar"),
    ] {
        std::fs::write(f.path(name), bytes).unwrap();
        let tree = open(&f.path(name));
        single_layer(&tree, format);
        // The forge writes hard links as copies in cpio; tar keeps them as links.
        let caps = Caps {
            xattrs: false,
            hard_links: format == "tar",
            ..Caps::FULL
        };
        assert_matches(&tree, &format!("{name}!/"), &f.root(), caps);
    }
}

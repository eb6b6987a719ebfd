//! Zip archives whose central directory is missing or cut, made by cutting archives built by
//! Info-ZIP's `zip`: the members come back from their local headers, content checked against
//! their CRCs, with a warning saying the listing was recovered.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;
use std::sync::Arc;

use netvet_model::{EntryKind, WarningCode};
use netvet_unpack::{MemSource, Options, Tree};

/// The files put in every archive, in the order `zip -r` stores them (sorted here for it).
fn files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("etc/config", b"option lan 192.168.1.1\n".repeat(300)),
        ("etc/empty", Vec::new()),
        ("firmware.bin", common::noise(70_000, 21)),
        ("www/index.html", b"<html>router</html>\n".to_vec()),
    ]
}

/// Builds the archive with `zip` run as `script` (in the tree, writing `../out.zip`).
fn build(script: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    for (name, data) in files() {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    let out = Command::new("sh")
        .args(["-c", script])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(dir.path().join("out.zip")).unwrap()
}

/// Where the central directory starts, from the end record.
fn central_directory(zip: &[u8]) -> usize {
    let eocd = zip.len() - 22;
    assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06");
    u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into().unwrap()) as usize
}

fn open_cut(bytes: &[u8]) -> Tree {
    netvet_unpack::open_source(
        "cut.zip",
        Arc::new(MemSource::new(bytes.to_vec())),
        &Options::default(),
        None,
    )
}

fn warnings(tree: &Tree) -> Vec<(WarningCode, String, Option<u64>)> {
    let r = tree.report();
    r.layers
        .iter()
        .flat_map(|l| l.warnings.iter())
        .chain(r.warnings.iter())
        .map(|w| (w.code, w.message.clone(), w.offset))
        .collect()
}

/// Every file of [`files`] is in the tree with its content (read through the CRC check).
fn assert_all_files(tree: &Tree) {
    for (name, data) in files() {
        let e = tree
            .get(&format!("cut.zip!/{name}"))
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(e.kind, EntryKind::File);
        assert_eq!(e.size, data.len() as u64, "{name}");
        assert_eq!(tree.read(e).unwrap(), data, "{name}");
    }
    assert_eq!(tree.get("cut.zip!/www").unwrap().kind, EntryKind::Dir);
}

fn assert_recovered(tree: &Tree, members: usize, at: usize, why: &str) {
    let r = tree.report();
    assert_eq!(r.layers[0].format, "zip");
    assert_eq!(
        r.layers[0].description,
        format!("zip archive, {members} entries recovered from local headers")
    );
    let w = warnings(tree);
    assert_eq!(
        w,
        [(
            WarningCode::Truncated,
            format!(
                "no central directory (missing or cut): {members} members recovered from \
                 local headers; stopped here because {why}"
            ),
            Some(at as u64)
        )]
    );
}

/// Entries `zip -r .` stores for [`files`]: four files and the directories `etc/`, `www/`.
const MEMBERS: usize = 6;

#[test]
fn central_directory_cut_in_the_middle() {
    let zip = build("zip -q -r ../out.zip .");
    let cd = central_directory(&zip);
    let tree = open_cut(&zip[..cd + 30]);
    assert_recovered(
        &tree,
        MEMBERS,
        cd,
        "the central directory starts and is cut",
    );
    assert_all_files(&tree);
}

#[test]
fn central_directory_missing() {
    let zip = build("zip -q -r ../out.zip .");
    let cd = central_directory(&zip);
    let tree = open_cut(&zip[..cd]);
    assert_recovered(&tree, MEMBERS, cd, "the archive ends");
    assert_all_files(&tree);
}

#[test]
fn last_member_cut_keeps_the_ones_before() {
    let zip = build("zip -q -r ../out.zip etc firmware.bin");
    // firmware.bin (random, stored deflated at about its size) is last: cut inside it.
    let at = zip.windows(12).position(|w| w == b"firmware.bin").unwrap() - 30;
    let tree = open_cut(&zip[..at + 1000]);
    let w = warnings(&tree);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].1
            .starts_with("no central directory (missing or cut): 3 members recovered")
            && w[0].1.contains(&format!("the member at {at:#x} is cut")),
        "{w:?}"
    );
    assert_eq!(w[0].2, Some(at as u64));
    assert!(tree.get("cut.zip!/firmware.bin").is_none());
    assert_eq!(
        tree.read(tree.get("cut.zip!/etc/config").unwrap()).unwrap(),
        files()[0].1
    );
}

#[test]
fn streamed_members_with_data_descriptors() {
    // Written to a pipe (not seekable), zip puts sizes and CRCs after the data.
    for (script, what) in [
        ("zip -q -r - . | cat > ../out.zip", "deflated"),
        ("zip -q -0 -r - . | cat > ../out.zip", "stored"),
    ] {
        let zip = build(script);
        let streamed = (0..zip.len() - 8)
            .filter(|&i| zip[i..].starts_with(b"PK\x03\x04"))
            .filter(|&i| u16::from_le_bytes([zip[i + 6], zip[i + 7]]) & 8 != 0)
            .count();
        // Every file member; the directories have no data to stream.
        assert_eq!(streamed, 4, "{what}: members with a data descriptor");
        let cd = central_directory(&zip);
        let tree = open_cut(&zip[..cd + 50]);
        assert_recovered(
            &tree,
            MEMBERS,
            cd,
            "the central directory starts and is cut",
        );
        assert_all_files(&tree);
    }
}

#[test]
fn no_member_at_all_is_an_error() {
    let mut junk = b"PK\x03\x04".to_vec();
    junk.extend(common::noise(20, 1));
    let tree = netvet_unpack::open_forced(
        "cut.zip",
        Arc::new(MemSource::new(junk)),
        &Options::default(),
        "zip",
    );
    let w = warnings(&tree);
    assert!(
        w.iter()
            .any(|(_, m, _)| m.contains("no end of central directory record, and no member")),
        "{w:?}"
    );
}

#[test]
fn streamed_bomb_is_stopped_by_the_ratio_limit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("zeros"), vec![0u8; 8 << 20]).unwrap();
    let out = Command::new("sh")
        .args(["-c", "zip -q -9 - zeros | cat > ../bomb.zip"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(out.status.success());
    let zip = std::fs::read(dir.path().join("bomb.zip")).unwrap();
    let cd = central_directory(&zip);
    let mut opts = Options::default();
    opts.limits.max_ratio = 20;
    let tree = netvet_unpack::open_source(
        "cut.zip",
        Arc::new(MemSource::new(zip[..cd].to_vec())),
        &opts,
        None,
    );
    let w = warnings(&tree);
    assert!(
        w.iter()
            .any(|(c, m, _)| *c == WarningCode::LimitRatio
                && m.contains("expands more than 20 times")),
        "{w:?}"
    );
    assert!(tree.get("cut.zip!/zeros").is_none());
}

#[test]
fn damaged_archives_without_central_directory_never_panic() {
    for script in ["zip -q -r ../out.zip .", "zip -q -r - . | cat > ../out.zip"] {
        let zip = build(script);
        let cd = central_directory(&zip);
        common::mutate_and_open(&zip[..cd], "zip", 300);
    }
}

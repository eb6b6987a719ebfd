//! The collector and the comparisons on hostile content: truncated and lying ELF headers,
//! PEM blocks that never end, passwd files of junk, one enormous line, many strings. Nothing
//! panics, what is kept stays bounded, and the comparison still names what differs.

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::Path;

use netvet_diff::{CollectOptions, Collector, Fingerprints};
use netvet_forge::FsTree;
use netvet_model::diff::{DifferenceClass, Side};

fn collect(path: &Path, opts: CollectOptions) -> Fingerprints {
    let c = Collector::new(opts);
    let visit = |e: &netvet_unpack::Entry, r: &mut dyn Read| -> std::io::Result<()> {
        let mut buf = Vec::new();
        r.read_to_end(&mut buf)?;
        c.file(e, &buf);
        Ok(())
    };
    let tree = netvet_unpack::walk_path(path, &netvet_unpack::Options::default(), &visit).unwrap();
    c.finish(&tree, path)
}

/// A valid 64-bit little-endian ELF header with no sections and no segments.
fn bare_elf() -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2; // 64-bit
    h[5] = 1; // little-endian
    h[6] = 1;
    h[16] = 3; // ET_DYN
    h[18] = 62; // x86-64
    h[20] = 1;
    h[52] = 64; // e_ehsize
    h[54] = 56; // e_phentsize
    h[58] = 64; // e_shentsize
    h
}

/// A 64-bit little-endian ELF header whose section table lies past the end of the file, with
/// a huge section count.
fn lying_elf() -> Vec<u8> {
    let mut h = bare_elf();
    h[16] = 2; // ET_EXEC
    h[40..48].copy_from_slice(&0xffff_ffff_0000u64.to_le_bytes()); // e_shoff
    h[60..62].copy_from_slice(&0xffffu16.to_le_bytes()); // e_shnum
    h[62..64].copy_from_slice(&0xfffeu16.to_le_bytes()); // e_shstrndx
    h
}

fn hostile_tree(variant: u8) -> FsTree {
    let mut t = FsTree::new();
    t.file("bin/truncated", 0o755, b"\x7fELF\x02\x01\x01".to_vec());
    t.file("bin/lying", 0o755, lying_elf());
    t.file(
        "etc/ssl/never-ends.pem",
        0o644,
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA".repeat(5_000),
    );
    t.file("etc/passwd", 0o644, ":::::::\n::x:y\n".repeat(20_000));
    t.file("etc/one-line.conf", 0o644, "x".repeat(3 << 20));
    let mut strings = Vec::new();
    for i in 0..200_000u32 {
        strings.extend_from_slice(format!("\0string-number-{i:08}").as_bytes());
    }
    let mut elfish = bare_elf();
    elfish.extend_from_slice(&strings);
    t.file("usr/lib/libstrings.so", 0o644, elfish);
    t.file("etc/app.conf", 0o644, format!("mode={variant}\n"));
    t
}

fn side(name: &str, f: &Fingerprints) -> Side {
    Side {
        input: name.into(),
        kind: "image".into(),
        sha256: f.image.sha256.clone(),
        size: f.image.size,
        coverage: "complete".into(),
    }
}

#[test]
fn hostile_files_are_fingerprinted_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.tar"), dir.path().join("b.tar"));
    std::fs::write(&a, netvet_forge::tar::write(&hostile_tree(1))).unwrap();
    std::fs::write(&b, netvet_forge::tar::write(&hostile_tree(2))).unwrap();
    let fa = collect(&a, CollectOptions::default());
    let fb = collect(&b, CollectOptions::default());
    // The junk passwd gives no accounts; the endless PEM at most 1,000 keys.
    assert!(fa.accounts.is_empty(), "{:?}", &fa.accounts[..1]);
    assert!(fa.keys.len() <= 1000);
    // Large texts are not kept whole.
    let big = &fa.entries["etc/one-line.conf"];
    assert!(big.content.as_ref().unwrap().text.is_none());
    let eq = netvet_diff::equivalence((&side("a.tar", &fa), &fa), (&side("b.tar", &fb), &fb));
    let material: Vec<_> = eq
        .differences
        .iter()
        .filter(|d| d.class == DifferenceClass::Material)
        .collect();
    assert_eq!(material.len(), 1, "{material:#?}");
    assert_eq!(material[0].path, "etc/app.conf");
    assert!(
        material[0].detail.contains("line 1"),
        "{}",
        material[0].detail
    );
}

#[test]
fn strings_stop_at_the_budget_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.tar");
    std::fs::write(&a, netvet_forge::tar::write(&hostile_tree(1))).unwrap();
    let f = collect(
        &a,
        CollectOptions {
            strings_budget: 1 << 20,
            ..CollectOptions::default()
        },
    );
    assert!(
        f.notes.iter().any(|n| n.contains("over the 1 MiB budget")),
        "{:?}",
        f.notes
    );
}

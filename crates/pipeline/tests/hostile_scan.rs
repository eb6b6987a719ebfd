//! Bad input for the checks: malformed passwd lines, binary garbage where text is expected,
//! corrupt ELF headers, a file larger than the scan size, a corrupt compressed block, hostile
//! key and certificate blocks. The scan reports what it could not read and goes on.

#![allow(clippy::unwrap_used)]

use netvet_forge::FsTree;
use netvet_pipeline::{AnalyseOptions, Analyser};

/// The checks alone, judged on the day the tests were written.
fn checks_only() -> AnalyseOptions {
    AnalyseOptions {
        software: false,
        ..AnalyseOptions::new("2026-12-06".parse().unwrap())
    }
}

fn scan(tree: &FsTree, opts: AnalyseOptions) -> netvet_model::ScanReport {
    let dir = tempfile::tempdir().unwrap();
    let img = netvet_forge::squashfs::write(tree, netvet_forge::squashfs::Options::default());
    let path = dir.path().join("bad.sqfs");
    std::fs::write(&path, img).unwrap();
    Analyser::new(opts).unwrap().analyse(&path, &None).unwrap()
}

#[test]
fn malformed_and_garbage_inputs_are_reported_not_fatal() {
    let mut t = FsTree::new();
    t.file(
        "etc/passwd",
        0o644,
        "root:x:0:0:root:/root:/bin/sh\nthis is not a passwd line\nbad:x:notanumber:0::/:/bin/sh\nbackup:x:0:0::/:/bin/sh\n",
    );
    t.file("etc/shadow", 0o600, "root:!:1::::::\n\0\0\0\n");
    t.file("etc/group", 0o644, vec![0u8, 159, 146, 150, 0, 1, 2, 3]);
    // ELF magic then garbage: the hardening check must say it could not read it.
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend(std::iter::repeat_n(0xffu8, 200));
    t.file("usr/bin/broken", 0o755, elf);
    // PEM blocks that are not what they claim.
    t.file(
        "etc/ssl/bad.pem",
        0o600,
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n",
    );
    // An inittab line with too few fields and a crontab of binary noise.
    t.file(
        "etc/inittab",
        0o644,
        "::respawn\n::respawn:/sbin/getty -L ttyS0 115200\n",
    );
    t.file("etc/crontabs/root", 0o600, vec![0xfe; 300]);
    let r = scan(&t, checks_only());
    let errors = r.errors.join("\n");
    assert!(
        errors.contains("etc/passwd:2: malformed passwd line"),
        "{errors}"
    );
    assert!(
        errors.contains("etc/passwd:3: malformed passwd line"),
        "{errors}"
    );
    assert!(
        errors.contains("usr/bin/broken: ELF header does not parse"),
        "{errors}"
    );
    assert!(errors.contains("etc/ssl/bad.pem"), "{errors}");
    assert!(
        errors.contains("etc/inittab:1: malformed inittab line"),
        "{errors}"
    );
    // Well-formed lines around the garbage still count.
    assert!(
        r.findings
            .iter()
            .any(|f| f.check == "nv-account-extra-uid0" && f.evidence.starts_with("backup"))
    );
}

#[test]
fn files_beyond_the_scan_size_are_scanned_in_part() {
    let mut t = FsTree::new();
    let mut big = vec![0x41u8; 3 << 20];
    big[100..130].copy_from_slice(b"xmlset_roodkcableoj28840ybtide");
    big[(2 << 20) + 5..(2 << 20) + 16].copy_from_slice(b"ACIDBITCHEZ");
    t.file("usr/sbin/webs", 0o755, big);
    let r = scan(
        &t,
        AnalyseOptions {
            max_read: 1 << 20,
            ..checks_only()
        },
    );
    let rules: Vec<_> = r
        .findings
        .iter()
        .filter_map(|f| f.details.get("rule"))
        .collect();
    // The first MiB is scanned (the D-Link string); the rest is not (ProFTPD string).
    assert!(
        rules.iter().any(|r| *r == "dlink_alpha_thttpd_user_agent"),
        "{rules:?}"
    );
    assert!(
        !rules.iter().any(|r| *r == "proftpd_acidbitchez"),
        "{rules:?}"
    );
}

#[test]
fn unreadable_content_is_reported_and_the_scan_goes_on() {
    let mut t = FsTree::new();
    t.file(
        "etc/passwd",
        0o644,
        "root:x:0:0::/root:/bin/sh\nmfgtest::0:0::/:/bin/sh\n",
    );
    // Compressible, so its first block is zlib data that corruption breaks.
    t.file("usr/lib/blob.bin", 0o644, b"firmware ".repeat(40_000));
    let img = netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default());
    // Corrupt the first data block (the first file's content follows the superblock).
    let mut img = img;
    for b in &mut img[200..260] {
        *b ^= 0x5a;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.sqfs");
    std::fs::write(&path, img).unwrap();
    let r = Analyser::new(checks_only())
        .unwrap()
        .analyse(&path, &None)
        .unwrap();
    assert!(!r.errors.is_empty(), "a corrupt block must be reported");
    // The other file was still read and checked.
    assert!(
        r.findings
            .iter()
            .any(|f| f.check == "nv-account-empty-password"),
        "{:?}",
        r.findings
    );
}

//! `diff` and `equivalence` on images built here: the same root packed twice with other
//! timestamps, compressors, block sizes, build ids, signatures and padding is equivalent; one
//! changed instruction, one added file or one changed configuration value is not, and the
//! report names it. A release with a new listener, account, key and a binary built without
//! stack protection shows each in its diff and trips the gates.
//!
//! Binaries are compiled with the system C compiler (`cc`, which every Rust toolchain links
//! with); squashfs images are written by netvet-forge and by Debian's `mksquashfs`.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use netvet_diff::Gate;
use netvet_forge::squashfs;
use netvet_forge::tree::FsTree;
use netvet_model::Date;
use netvet_model::diff::{
    Change, DiffReport, DifferenceClass, EquivalenceReport, EquivalenceVerdict,
};
use netvet_pipeline::{AnalyseOptions, Analyser};

fn as_of() -> Date {
    "2026-12-01".parse().unwrap()
}

/// Compiles C source to an executable (or an object with `-c` in `flags`).
fn cc(dir: &Path, name: &str, source: &str, flags: &[&str]) -> Vec<u8> {
    let src = dir.join(format!("{name}.c"));
    let out = dir.join(name);
    std::fs::write(&src, source).unwrap();
    let st = Command::new("cc")
        .args(flags)
        .arg("-O1")
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .expect("cc runs");
    assert!(st.success(), "cc {name}");
    std::fs::read(out).unwrap()
}

const PROG: &str =
    "#include <stdio.h>\nint main(int c, char **v){ if (c > 1) puts(v[1]); return 42; }\n";

/// What varies between builds of the test root.
#[derive(Clone)]
struct Build {
    prog: Vec<u8>,
    module: Vec<u8>,
    config: &'static str,
    stamp: &'static str,
    mtime: u32,
    extra: Option<(&'static str, &'static str)>,
}

fn module(object: &[u8], signature: u8) -> Vec<u8> {
    let mut m = object.to_vec();
    m.extend(std::iter::repeat_n(signature, 256));
    m.extend_from_slice(&[0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    m.extend_from_slice(b"~Module signature appended~\n");
    m
}

fn root(b: &Build) -> FsTree {
    let mut t = FsTree::new();
    t.default_mtime = b.mtime;
    t.dir("bin", 0o755)
        .dir("etc", 0o755)
        .dir("lib", 0o755)
        .dir("lib/modules", 0o755)
        .file("bin/prog", 0o755, b.prog.clone())
        .file("lib/modules/drv.ko", 0o644, b.module.clone())
        .file("etc/app.conf", 0o644, b.config)
        .file("etc/build-info", 0o644, b.stamp)
        .file(
            "etc/passwd",
            0o644,
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n",
        )
        .symlink("bin/sh", "prog");
    if let Some((path, text)) = b.extra {
        t.file(path, 0o644, text);
    }
    t
}

/// A flash image: a uImage kernel, the root filesystem at 64 KiB, `fill` up to `total`,
/// and an optional signature block at the very end.
fn flash(rootfs: &[u8], fill: u8, total: usize, signature: Option<u8>) -> Vec<u8> {
    let kernel = netvet_forge::recipe::noise(100_000, "kernel");
    let mut img = netvet_forge::uimage::kernel(
        &netvet_forge::lzma(&kernel),
        22,
        netvet_forge::uimage::Compression::Lzma,
        "Linux version 6.1.0",
        0x8000_8000,
    );
    netvet_forge::pad_to(&mut img, 64 * 1024, 0xff);
    img.extend_from_slice(rootfs);
    let end = total - if signature.is_some() { 512 } else { 0 };
    netvet_forge::pad_to(&mut img, end, fill);
    if let Some(s) = signature {
        img.extend(netvet_forge::recipe::noise(512, &format!("sig{s}")));
    }
    img
}

fn forge_squashfs(t: &FsTree, block_size: u32, compress: bool, mtime: u32) -> Vec<u8> {
    squashfs::write(
        t,
        squashfs::Options {
            block_size,
            compress,
            mtime,
            ..squashfs::Options::default()
        },
    )
}

/// Packs the tree with Debian's mksquashfs (`comp`, `block`).
fn mksquashfs(dir: &Path, t: &FsTree, comp: &str, block: &str) -> Vec<u8> {
    let src = dir.join(format!("src-{comp}-{block}"));
    let _ = std::fs::remove_dir_all(&src);
    t.materialize(&src).unwrap();
    let out = dir.join(format!("{comp}-{block}.sqfs"));
    let st = Command::new("mksquashfs")
        .arg(&src)
        .arg(&out)
        .args([
            "-noappend",
            "-quiet",
            "-no-progress",
            "-all-root",
            "-comp",
            comp,
            "-b",
            block,
            "-mkfs-time",
            "1800000000",
        ])
        .status()
        .expect("mksquashfs (package squashfs-tools) runs");
    assert!(st.success());
    std::fs::read(out).unwrap()
}

fn analyser() -> Analyser {
    Analyser::new(AnalyseOptions {
        software: false,
        ..AnalyseOptions::new(as_of())
    })
    .unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn equivalence(a: &Path, b: &Path) -> EquivalenceReport {
    netvet_pipeline::diff::equivalence(&analyser(), a, b, &None).unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
    base: Build,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let object = cc(d, "drv.o", "int drv_init(void){ return 7; }\n", &["-c"]);
    let base = Build {
        prog: cc(d, "prog", PROG, &["-Wl,--build-id=0x0101010101010101"]),
        module: module(&object, 1),
        config: "listen=0.0.0.0\nport=8080\n",
        stamp: "Built: 2026-11-02 10:11:12 by ci\n",
        mtime: 1_700_000_000,
        extra: None,
    };
    Fixture { dir, base }
}

fn tested(f: &Fixture) -> PathBuf {
    let rootfs = forge_squashfs(&root(&f.base), 128 * 1024, true, 1_700_000_000);
    write(
        f.dir.path(),
        "tested.bin",
        &flash(&rootfs, 0xff, 1 << 20, Some(1)),
    )
}

fn material(r: &EquivalenceReport) -> Vec<String> {
    r.differences
        .iter()
        .filter(|d| d.class == DifferenceClass::Material)
        .map(|d| format!("{} {} {}", d.path, d.aspect, d.detail))
        .collect()
}

#[test]
fn the_same_root_packed_twice_is_equivalent() {
    let f = fixture();
    let d = f.dir.path();
    let rebuilt = Build {
        prog: cc(d, "prog2", PROG, &["-Wl,--build-id=0x0202020202020202"]),
        module: module(
            &cc(d, "drv2.o", "int drv_init(void){ return 7; }\n", &["-c"]),
            2,
        ),
        stamp: "Built: 2026-12-05 23:59:01 by ci\n",
        mtime: 1_750_000_000,
        ..f.base.clone()
    };
    let a = tested(&f);
    // Other compressor, block size, timestamps, build id, signature, padding and flash size.
    let rootfs = mksquashfs(d, &root(&rebuilt), "xz", "1M");
    let b = write(d, "deployed.bin", &flash(&rootfs, 0x00, 2 << 20, Some(2)));
    let r = equivalence(&a, &b);
    assert_eq!(material(&r), Vec::<String>::new());
    assert_eq!(r.verdict, EquivalenceVerdict::Equivalent, "{r:#?}");
    let applied: Vec<&str> = r
        .normalisations
        .iter()
        .filter(|n| n.applied > 0)
        .map(|n| n.id.as_str())
        .collect();
    for n in [
        "file-timestamps",
        "container-encoding",
        "elf-build-id",
        "module-signature",
        "build-timestamp",
        "trailing-signature",
        "padding",
    ] {
        assert!(applied.contains(&n), "{n} not applied: {applied:?}");
    }
    // The same image under another name is identical, with nothing to explain.
    let c = write(d, "copy.bin", &std::fs::read(&a).unwrap());
    let same = equivalence(&a, &c);
    assert_eq!(same.verdict, EquivalenceVerdict::Equivalent);
    assert!(same.differences.is_empty(), "{:#?}", same.differences);
    assert_eq!(same.counts.identical, same.counts.entries);
    // The attestation names both images by digest.
    let statement = netvet_diff::attestation(&r, "test");
    assert_eq!(statement["subject"][0]["digest"]["sha256"], r.tested.sha256);
    assert_eq!(
        statement["subject"][1]["digest"]["sha256"],
        r.deployed.sha256
    );
    assert_eq!(statement["predicate"]["verdict"], "equivalent");
}

#[test]
fn one_changed_instruction_file_or_value_is_material() {
    let f = fixture();
    let d = f.dir.path();
    let a = tested(&f);
    let variants: Vec<(&str, Build, &str, &str)> = vec![
        (
            "instruction",
            Build {
                prog: cc(
                    d,
                    "prog43",
                    &PROG.replace("return 42", "return 43"),
                    &["-Wl,--build-id=0x0101010101010101"],
                ),
                ..f.base.clone()
            },
            "[squashfs]!/bin/prog",
            ".text",
        ),
        (
            "file",
            Build {
                extra: Some(("etc/rc.local", "telnetd -l /bin/sh\n")),
                ..f.base.clone()
            },
            "[squashfs]!/etc/rc.local",
            "only in the deployed image",
        ),
        (
            "value",
            Build {
                config: "listen=0.0.0.0\nport=8081\n",
                ..f.base.clone()
            },
            "[squashfs]!/etc/app.conf",
            "line 2",
        ),
    ];
    for (what, build, path, detail) in variants {
        let rootfs = mksquashfs(d, &root(&build), "gzip", "128K");
        let b = write(
            d,
            &format!("{what}.bin"),
            &flash(&rootfs, 0xff, 1 << 20, Some(1)),
        );
        let r = equivalence(&a, &b);
        assert_eq!(r.verdict, EquivalenceVerdict::NotEquivalent, "{what}");
        let m = material(&r);
        assert_eq!(m.len(), 1, "{what}: {m:?}");
        assert!(
            m[0].starts_with(path) && m[0].contains(detail),
            "{what}: {m:?}"
        );
    }
}

fn diff(a: &Path, b: &Path) -> DiffReport {
    netvet_pipeline::diff::diff(&analyser(), a, b, &None).unwrap()
}

#[test]
fn a_release_with_a_new_listener_account_key_and_weaker_binary() {
    let f = fixture();
    let d = f.dir.path();
    let old = {
        let mut t = root(&f.base);
        t.file("etc/inittab", 0o644, "::sysinit:/etc/init.d/rcS\n");
        t.file(
            "usr/bin/tool",
            0o755,
            cc(
                d,
                "tool",
                "#include <stdio.h>\nint main(void){ puts(\"legacy banner text\"); return 0; }\n",
                &["-fstack-protector-all"],
            ),
        );
        t.file("usr/share/doc.txt", 0o644, "documentation that moves\n");
        forge_squashfs(&t, 128 * 1024, true, 1)
    };
    let new = {
        let mut t = root(&f.base);
        t.file(
            "etc/inittab",
            0o644,
            "::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -F -l /bin/sh -p 2323\n",
        );
        t.file(
            "usr/sbin/telnetd",
            0o755,
            b"#!/bin/sh\nexec busybox telnetd \"$@\"\n".to_vec(),
        );
        t.file(
            "etc/passwd",
            0o644,
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\nsupport:x:0:0::/:/bin/sh\n",
        );
        t.file(
            "etc/ssl/private/device.key",
            0o600,
            "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIO1n2dQwVbXw8Qy3GJ1JX0Ye4lm2wJkH8l0U2c1g0PQeoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n",
        );
        t.file(
            "usr/bin/tool",
            0o755,
            cc(
                d,
                "tool2",
                "#include <stdlib.h>\nint main(int c, char **v){ if (c > 1) return system(v[1]); return system(\"diagnostic shell enabled\"); }\n",
                &["-fno-stack-protector"],
            ),
        );
        t.file(
            "usr/share/moved/doc.txt",
            0o644,
            "documentation that moves\n",
        );
        forge_squashfs(&t, 128 * 1024, true, 2)
    };
    let a = write(d, "v1.bin", &flash(&old, 0xff, 1 << 20, None));
    let b = write(d, "v2.bin", &flash(&new, 0xff, 1 << 20, None));
    let r = diff(&a, &b);
    assert!(r.files_compared);
    let listeners: Vec<u16> = r.listeners.added.iter().map(|l| l.port.number).collect();
    assert_eq!(listeners, vec![2323], "{:#?}", r.services);
    assert_eq!(
        r.accounts
            .added
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec!["support"]
    );
    assert_eq!(r.keys.added.len(), 1);
    assert_eq!(r.keys.added[0].kind, "EC PRIVATE KEY");
    assert_eq!(
        r.keys.added[0].path,
        "[squashfs]!/etc/ssl/private/device.key"
    );
    let renamed: Vec<(&str, Option<&str>)> = r
        .files
        .iter()
        .filter(|f| f.change == Change::Renamed)
        .map(|f| (f.path.as_str(), f.old_path.as_deref()))
        .collect();
    assert_eq!(
        renamed,
        vec![(
            "[squashfs]!/usr/share/moved/doc.txt",
            Some("[squashfs]!/usr/share/doc.txt")
        )]
    );
    let tool = r
        .files
        .iter()
        .find(|f| f.path == "[squashfs]!/usr/bin/tool")
        .unwrap();
    let binary = tool.binary.as_ref().expect("tool compared as a binary");
    assert!(
        binary.imports_added.iter().any(|s| s == "system"),
        "{binary:#?}"
    );
    assert!(binary.imports_added.iter().all(|s| s != "__stack_chk_fail"));
    assert!(
        binary
            .imports_removed
            .iter()
            .any(|s| s == "__stack_chk_fail")
    );
    assert!(binary.sections.iter().any(|s| s.name == ".text"));
    assert!(
        binary
            .strings_added
            .iter()
            .any(|s| s == "diagnostic shell enabled"),
        "{binary:#?}"
    );
    assert!(
        binary
            .strings_removed
            .iter()
            .any(|s| s == "legacy banner text"),
        "{binary:#?}"
    );
    assert!(
        r.hardening
            .regressions
            .iter()
            .any(|h| h.path == "[squashfs]!/usr/bin/tool" && h.property == "canary"),
        "{:#?}",
        r.hardening
    );
    assert!(
        r.findings
            .new
            .iter()
            .any(|f| f.check.starts_with("nv-account"))
    );
    let gates: Vec<Gate> = [
        "new-listener",
        "new-account",
        "new-key",
        "hardening",
        "finding=high",
    ]
    .iter()
    .map(|g| g.parse().unwrap())
    .collect();
    let tripped = netvet_diff::tripped(&r, &gates);
    assert_eq!(tripped.len(), 5, "{tripped:#?}");
    // Nothing trips when the release is compared with itself.
    let same = diff(&a, &a);
    assert!(netvet_diff::tripped(&same, &gates).is_empty());
    assert!(same.files.is_empty() && same.layers.is_empty());
}

#[test]
fn a_stored_analysis_is_compared_through_its_findings() {
    let f = fixture();
    let a = tested(&f);
    let scan = analyser().analyse(&a, &None).unwrap();
    let stored = f.dir.path().join("tested.scan.json");
    std::fs::write(
        &stored,
        netvet_model::json::to_canonical_string(&scan).unwrap(),
    )
    .unwrap();
    let r = diff(&stored, &a);
    assert_eq!(r.old.kind, "analysis");
    assert_eq!(r.new.kind, "image");
    assert!(!r.files_compared);
    assert!(r.findings.new.is_empty() && r.findings.resolved.is_empty());
    let err = netvet_pipeline::diff::equivalence(&analyser(), &stored, &a, &None)
        .err()
        .unwrap();
    assert!(err.to_string().contains("stored analysis"), "{err}");
    // A JSON file that is not a scan is refused by name, not unpacked as an image.
    let bad = f.dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema\": \"netvet.scan/1\", \"image\": 3}").unwrap();
    let err = netvet_pipeline::diff::diff(&analyser(), &bad, &a, &None)
        .err()
        .unwrap();
    assert!(err.to_string().contains("bad.json"), "{err}");
}

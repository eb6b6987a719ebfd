//! rpm databases made by rpm itself: small packages built with Debian's `rpmbuild` from spec
//! files written here, installed with `rpm --root` into a scratch root (SQLite backend), packed
//! with `mksquashfs` and catalogued. The components must be exactly what `rpm -qa` reports
//! (name, epoch, version, release, arch, source rpm), with their files merged.
//!
//! The same header blobs are then loaded into Berkeley DB hash `Packages` files by Berkeley
//! DB's own `db5.3_load` (both byte orders, 512-byte to 64 KiB pages; rpm's read-only `bdb_ro`
//! backend must list the same packages from them), and into an NDB `Packages.db` written as
//! rpm's `rpmpkg.c` writes one; each must give the same components. Then hostile variants of
//! each format: every damage is a problem naming the file, never a panic, and the undamaged
//! packages are still catalogued.
//!
//! Needs `rpm`, `rpmbuild`, `db5.3_load` (Debian packages `rpm`, `db5.3-util`) and
//! `mksquashfs`; `.ci/run` installs them.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::program;

use netvet_model::Component;

fn run(program: &str, package: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} not runnable ({e}); install Debian package `{package}` (.ci/run does)"
            )
        });
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A spec file: its name, its text, and payload files it copies from SOURCES.
type Spec = (&'static str, String, Vec<(&'static str, Vec<u8>)>);

/// The packages of the test root.
fn specs() -> Vec<Spec> {
    let common = "%global debug_package %{nil}\n%global __os_install_post %{nil}\n\
                  %global _build_id_links none\nAutoReqProv: no\n";
    let many: String = (0..400)
        .map(|i| {
            format!(
                "echo {i} > %{{buildroot}}/usr/share/netvet-many/d{}/file-{i}.txt\n",
                i % 7
            )
        })
        .collect();
    vec![
        (
            "netvet-tool.spec",
            format!(
                "{common}Name: netvet-tool\nVersion: 1.2.3\nRelease: 4.el9\nEpoch: 2\n\
                 Summary: a tool\nLicense: MIT\nVendor: Netvet Test\nBuildArch: x86_64\n\
                 %description\ntool\n\
                 %package libs\nSummary: its library\n%description libs\nlib\n\
                 %install\nmkdir -p %{{buildroot}}/usr/bin %{{buildroot}}/usr/lib64\n\
                 cp %{{_sourcedir}}/netvet-tool %{{buildroot}}/usr/bin/netvet-tool\n\
                 echo lib > %{{buildroot}}/usr/lib64/libnetvet.so.1\n\
                 %files\n/usr/bin/netvet-tool\n%files libs\n/usr/lib64/libnetvet.so.1\n"
            ),
            vec![("netvet-tool", b"#!/bin/sh\necho tool\n".to_vec())],
        ),
        (
            "busybox.spec",
            format!(
                "{common}Name: busybox\nVersion: 1.36.1\nRelease: 2.el9\nSummary: bb\n\
                 License: GPLv2\nBuildArch: x86_64\n%description\nbb\n\
                 %install\nmkdir -p %{{buildroot}}/usr/sbin\n\
                 cp %{{_sourcedir}}/busybox %{{buildroot}}/usr/sbin/busybox\n\
                 %files\n/usr/sbin/busybox\n"
            ),
            vec![(
                "busybox",
                program(&["BusyBox v1.36.1 (2023-11-07 00:00:00 UTC) multi-call binary."]),
            )],
        ),
        (
            "netvet-rc.spec",
            format!(
                "{common}Name: netvet-rc\nVersion: 2.0~rc1\nRelease: 1.el9\nSummary: rc\n\
                 License: MIT\nBuildArch: noarch\n%description\nrc\n\
                 %install\nmkdir -p %{{buildroot}}/usr/share/netvet-rc\n\
                 echo rc > %{{buildroot}}/usr/share/netvet-rc/README\n\
                 %files\n/usr/share/netvet-rc\n"
            ),
            vec![],
        ),
        (
            "netvet-snap.spec",
            format!(
                "{common}Name: netvet-snap\nVersion: 1.0^git20240101.abc\nRelease: 1\n\
                 Summary: snapshot\nLicense: MIT\nBuildArch: noarch\n%description\nsnap\n\
                 %install\nmkdir -p %{{buildroot}}/etc\necho x > %{{buildroot}}/etc/netvet-snap.conf\n\
                 %files\n%config /etc/netvet-snap.conf\n"
            ),
            vec![],
        ),
        (
            "netvet-many.spec",
            format!(
                "{common}Name: netvet-many\nVersion: 0.9\nRelease: 3.el9\nSummary: many files\n\
                 License: MIT\nBuildArch: noarch\n%description\nmany\n\
                 %install\nfor d in 0 1 2 3 4 5 6; do mkdir -p %{{buildroot}}/usr/share/netvet-many/d$d; done\n\
                 {many}%files\n/usr/share/netvet-many\n"
            ),
            vec![],
        ),
    ]
}

const OS_RELEASE: &str = "NAME=\"AlmaLinux\"\nVERSION=\"9.4 (Seafoam Ocelot)\"\nID=\"almalinux\"\n\
    ID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"AlmaLinux 9.4 (Seafoam Ocelot)\"\n\
    CPE_NAME=\"cpe:/o:almalinux:almalinux:9::baseos\"\n";

/// A scratch root with the packages installed by rpm (SQLite database), and what
/// `rpm -qa` says about it.
struct Fixture {
    dir: tempfile::TempDir,
    /// (name, epoch or "(none)", version, release, arch, source rpm), sorted.
    expected: BTreeSet<[String; 6]>,
    /// `rpm -ql` of each package.
    files: Vec<(String, BTreeSet<String>)>,
}

impl Fixture {
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn sqlite(&self) -> PathBuf {
        self.root().join("var/lib/rpm/rpmdb.sqlite")
    }

    /// (hnum, header blob) of every package, read from the SQLite database.
    fn blobs(&self) -> Vec<(u32, Vec<u8>)> {
        let conn = rusqlite::Connection::open_with_flags(
            self.sqlite(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let mut stmt = conn
            .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }
}

const QF: &str = "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n";

fn query(root: &Path, backend: &str) -> BTreeSet<[String; 6]> {
    let root = root.to_str().unwrap();
    let define = format!("_db_backend {backend}");
    run(
        "rpm",
        "rpm",
        &[
            "--root",
            root,
            "--dbpath",
            "/var/lib/rpm",
            "--define",
            &define,
            "-qa",
            "--qf",
            QF,
        ],
    )
    .lines()
    .map(|l| {
        let f: Vec<String> = l.split('\t').map(str::to_string).collect();
        f.try_into().unwrap()
    })
    .collect()
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("build");
    for d in ["SPECS", "SOURCES"] {
        std::fs::create_dir_all(top.join(d)).unwrap();
    }
    let topdir = format!("_topdir {}", top.display());
    for (name, spec, payload) in specs() {
        for (f, bytes) in payload {
            std::fs::write(top.join("SOURCES").join(f), bytes).unwrap();
        }
        let path = top.join("SPECS").join(name);
        std::fs::write(&path, spec).unwrap();
        run(
            "rpmbuild",
            "rpm",
            &[
                "--define",
                &topdir,
                "--quiet",
                "-bb",
                path.to_str().unwrap(),
            ],
        );
    }
    let mut rpms: Vec<String> = Vec::new();
    for arch in std::fs::read_dir(top.join("RPMS")).unwrap() {
        for f in std::fs::read_dir(arch.unwrap().path()).unwrap() {
            rpms.push(f.unwrap().path().display().to_string());
        }
    }
    rpms.sort();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), OS_RELEASE).unwrap();
    let root_s = root.to_str().unwrap();
    let mut args = vec![
        "--root",
        root_s,
        "--dbpath",
        "/var/lib/rpm",
        "--define",
        "_db_backend sqlite",
        "-i",
        "--nodeps",
        "--noscripts",
        "--ignorearch",
        "--ignoreos",
    ];
    args.extend(rpms.iter().map(String::as_str));
    run("rpm", "rpm", &args);
    let expected = query(&root, "sqlite");
    assert_eq!(expected.len(), 6, "{expected:#?}");
    let files = expected
        .iter()
        .map(|p| {
            let list = run(
                "rpm",
                "rpm",
                &["--root", root_s, "--dbpath", "/var/lib/rpm", "-ql", &p[0]],
            );
            (p[0].clone(), list.lines().map(str::to_string).collect())
        })
        .collect();
    Fixture {
        dir,
        expected,
        files,
    }
}

/// Packs `root` with mksquashfs and catalogs it.
fn catalog(root: &Path, name: &str) -> netvet_sbom::Catalog {
    let img = root.parent().unwrap().join(name);
    run(
        "mksquashfs",
        "squashfs-tools",
        &[
            root.to_str().unwrap(),
            img.to_str().unwrap(),
            "-noappend",
            "-quiet",
            "-no-progress",
        ],
    );
    let tree = netvet_unpack::open_path(&img, &netvet_unpack::Options::default()).unwrap();
    netvet_sbom::catalog(&tree).unwrap()
}

fn rpm_components(cat: &netvet_sbom::Catalog) -> Vec<&Component> {
    cat.components
        .iter()
        .filter(|c| c.evidence.iter().any(|e| e.cataloger == "rpm-db-cataloger"))
        .collect()
}

/// What rpm -qa would print for the catalogued components.
fn as_queried(cs: &[&Component]) -> BTreeSet<[String; 6]> {
    cs.iter()
        .map(|c| {
            let v = c.version.clone().unwrap();
            let (epoch, vr) = match v.split_once(':') {
                Some((e, r)) => (e.to_string(), r.to_string()),
                None => ("(none)".to_string(), v),
            };
            let (ver, rel) = vr.rsplit_once('-').unwrap();
            let arch = qualifier(c, "arch").unwrap_or_else(|| "(none)".to_string());
            [
                c.name.clone(),
                epoch,
                ver.to_string(),
                rel.to_string(),
                arch,
                c.properties["rpm:sourcerpm"].clone(),
            ]
        })
        .collect()
}

fn qualifier(c: &Component, key: &str) -> Option<String> {
    c.purl
        .as_deref()?
        .split_once('?')?
        .1
        .split('&')
        .find_map(|q| q.strip_prefix(&format!("{key}=")))
        .map(netvet_sbom::identity::purl_decode)
}

fn by_name<'a>(cs: &[&'a Component], name: &str) -> &'a Component {
    cs.iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no component {name}"))
}

/// The components of an image must be what rpm reported, with the PURLs, properties and
/// merged binaries of the SQLite case.
fn check_same_packages(f: &Fixture, cat: &netvet_sbom::Catalog, db: &str) {
    let cs = rpm_components(cat);
    assert_eq!(as_queried(&cs), f.expected, "{db}");
    for c in &cs {
        assert_eq!(
            c.evidence
                .iter()
                .filter(|e| e.cataloger == "rpm-db-cataloger")
                .count(),
            1
        );
        assert!(
            c.evidence.iter().any(|e| e.path.ends_with(db)),
            "{db}: {:?}",
            c.evidence
        );
        assert_eq!(c.ecosystem.as_deref().unwrap_or_default(), "AlmaLinux:9");
        assert_eq!(c.distro.as_deref().unwrap_or_default(), "almalinux-9.4");
    }
    let tool = by_name(&cs, "netvet-tool");
    assert_eq!(tool.version.as_deref(), Some("2:1.2.3-4.el9"));
    assert_eq!(
        tool.purl.as_deref(),
        Some(
            "pkg:rpm/almalinux/netvet-tool@1.2.3-4.el9?arch=x86_64&distro=almalinux-9.4&epoch=2&upstream=netvet-tool-1.2.3-4.el9.src.rpm"
        )
    );
    assert_eq!(tool.properties["license"], "MIT");
    assert_eq!(tool.properties["rpm:vendor"], "Netvet Test");
    let libs = by_name(&cs, "netvet-tool-libs");
    assert_eq!(
        libs.source_package.as_deref().unwrap_or_default(),
        "netvet-tool"
    );
    assert_eq!(
        by_name(&cs, "netvet-rc").version.as_deref(),
        Some("2.0~rc1-1.el9")
    );
    assert_eq!(
        by_name(&cs, "netvet-snap").purl.as_deref(),
        Some(
            "pkg:rpm/almalinux/netvet-snap@1.0%5Egit20240101.abc-1?arch=noarch&distro=almalinux-9.4&upstream=netvet-snap-1.0%5Egit20240101.abc-1.src.rpm"
        )
    );
    // The package and the program it installed are one component: database evidence, the
    // classifier's evidence on the file the package lists, the classifier's CPE.
    let bb = by_name(&cs, "busybox");
    let mut catalogers: Vec<&str> = bb.evidence.iter().map(|e| e.cataloger.as_str()).collect();
    catalogers.sort();
    assert_eq!(catalogers, ["busybox-binary", "rpm-db-cataloger"], "{db}");
    assert!(
        bb.evidence
            .iter()
            .any(|e| e.path.ends_with("!/usr/sbin/busybox"))
    );
    assert_eq!(bb.cpes, ["cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*"]);
    assert!(
        !cat.components
            .iter()
            .any(|c| c.name == "busybox" && c.kind != netvet_model::ComponentType::Package),
        "no stray busybox binary"
    );
    let os = cat
        .components
        .iter()
        .find(|c| c.name == "almalinux")
        .unwrap();
    assert_eq!(os.cpes, ["cpe:2.3:o:almalinux:almalinux:9.4:*:*:*:*:*:*:*"]);
}

#[test]
fn sqlite_bdb_and_ndb_databases_give_what_rpm_reports() {
    let f = fixture();
    // SQLite, as rpm wrote it (WAL mode, an empty -wal file beside it).
    let cat = catalog(&f.root(), "sqlite.sqfs");
    assert!(cat.problems.is_empty(), "{:?}", cat.problems);
    check_same_packages(&f, &cat, "var/lib/rpm/rpmdb.sqlite");

    // The header parser gives rpm -ql's file list for every package.
    let blobs = f.blobs();
    for (_, blob) in &blobs {
        let p = netvet_sbom::rpm::header::package(blob, &mut unlimited()).unwrap();
        let want = &f.files.iter().find(|(n, _)| *n == p.name).unwrap().1;
        let got: BTreeSet<String> = p.files.iter().cloned().collect();
        assert_eq!(&got, want, "{}", p.name);
    }
    assert!(
        f.files
            .iter()
            .any(|(n, fs)| n == "netvet-many" && fs.len() > 400)
    );

    // Berkeley DB hash, loaded by Berkeley DB itself, in both byte orders and page sizes
    // from 512 bytes (headers on chains of overflow pages) to 64 KiB (headers on the page).
    for (order, page) in [
        ("1234", 512),
        ("4321", 4096),
        ("4321", 1024),
        ("1234", 65536),
    ] {
        let root = f.dir.path().join(format!("bdb-{order}-{page}"));
        let dbdir = root.join("var/lib/rpm");
        std::fs::create_dir_all(&dbdir).unwrap();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/os-release"), OS_RELEASE).unwrap();
        copy_payload(&f.root(), &root);
        let dump = f.dir.path().join(format!("dump-{order}-{page}.txt"));
        std::fs::write(&dump, db_dump(&blobs, order == "4321", page)).unwrap();
        run(
            "db5.3_load",
            "db5.3-util",
            &[
                "-f",
                dump.to_str().unwrap(),
                dbdir.join("Packages").to_str().unwrap(),
            ],
        );
        // rpm reads the same packages from it.
        assert_eq!(
            query(&root, "bdb_ro"),
            f.expected,
            "rpm bdb_ro, {order} {page}"
        );
        // The variants cover what they are meant to: the byte order, and headers on overflow
        // chains (small pages) or, but for the largest, on the hash page itself (64 KiB).
        let bytes = std::fs::read(dbdir.join("Packages")).unwrap();
        let magic = [0x00, 0x06, 0x15, 0x61];
        let mut want = magic;
        if order == "1234" {
            want.reverse();
        }
        assert_eq!(bytes[12..16], want);
        let overflow = bytes.chunks(page).filter(|p| p[25] == 7).count();
        if page == 65536 {
            assert!(
                overflow < blobs.len(),
                "{order} {page}: {overflow} overflow pages"
            );
        } else {
            assert!(
                overflow >= blobs.len(),
                "{order} {page}: {overflow} overflow pages"
            );
        }
        let cat = catalog(&root, &format!("bdb-{order}-{page}.sqfs"));
        assert!(
            cat.problems.is_empty(),
            "{order} {page}: {:?}",
            cat.problems
        );
        check_same_packages(&f, &cat, "var/lib/rpm/Packages");
    }

    // NDB, written as rpm's rpmpkg.c writes it.
    let root = f.dir.path().join("ndb");
    let dbdir = root.join("usr/lib/sysimage/rpm");
    std::fs::create_dir_all(&dbdir).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), OS_RELEASE).unwrap();
    copy_payload(&f.root(), &root);
    std::fs::write(dbdir.join("Packages.db"), ndb(&blobs)).unwrap();
    let cat = catalog(&root, "ndb.sqfs");
    assert!(cat.problems.is_empty(), "{:?}", cat.problems);
    check_same_packages(&f, &cat, "usr/lib/sysimage/rpm/Packages.db");
}

/// Copies the installed files (not the database) of the rpm root to `to`.
fn copy_payload(from: &Path, to: &Path) {
    for rel in ["usr", "etc/netvet-snap.conf"] {
        run(
            "cp",
            "coreutils",
            &[
                "-a",
                from.join(rel).to_str().unwrap(),
                to.join(rel).parent().unwrap().to_str().unwrap(),
            ],
        );
    }
}

/// A `db_dump` text file of a hash database: record 0 holds the next record number, as in
/// rpm's `Packages`; keys in the database's byte order, as the host that wrote it had them.
fn db_dump(blobs: &[(u32, Vec<u8>)], big_endian: bool, page: usize) -> String {
    let order = if big_endian { "4321" } else { "1234" };
    let key = |k: u32| {
        let b = if big_endian {
            k.to_be_bytes()
        } else {
            k.to_le_bytes()
        };
        hex(&b)
    };
    let next = blobs.iter().map(|(k, _)| *k).max().unwrap_or(0) + 1;
    let mut s = format!(
        "VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize={page}\ndb_lorder={order}\nHEADER=END\n"
    );
    s.push_str(&format!(" {}\n {}\n", key(0), key(next)));
    for (k, b) in blobs {
        s.push_str(&format!(" {}\n {}\n", key(*k), hex(b)));
    }
    s.push_str("DATA=END\n");
    s
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// An NDB `Packages.db` as rpm's `rpmpkg.c` lays it out: header, one 4 KiB slot page (a free
/// slot first), then each blob on 16-byte blocks with head, padding and checksummed tail.
fn ndb(blobs: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let le = |x: u32| x.to_le_bytes();
    let mut file = vec![0u8; 4096];
    file[..4].copy_from_slice(b"RpmP");
    file[8..12].copy_from_slice(&le(7));
    file[12..16].copy_from_slice(&le(1));
    file[16..20].copy_from_slice(&le(blobs.len() as u32 + 1));
    for slot in (32..4096).step_by(16) {
        file[slot..slot + 4].copy_from_slice(b"Slot");
    }
    for (i, (idx, blob)) in blobs.iter().enumerate() {
        let start = file.len();
        let blocks = (16 + blob.len() + 12).div_ceil(16);
        let mut area = Vec::with_capacity(blocks * 16);
        area.extend_from_slice(b"BlbS");
        area.extend_from_slice(&le(*idx));
        area.extend_from_slice(&le(1_700_000_000));
        area.extend_from_slice(&le(blob.len() as u32));
        area.extend_from_slice(blob);
        area.resize(blocks * 16 - 12, 0);
        let sum = adler32(&area);
        area.extend_from_slice(&le(sum));
        area.extend_from_slice(&le(blob.len() as u32));
        area.extend_from_slice(b"BlbE");
        file.extend_from_slice(&area);
        // Slot 2 is left free: the first package takes slot 3.
        let slot = 32 + 16 * (i + 1);
        file[slot + 4..slot + 8].copy_from_slice(&le(*idx));
        file[slot + 8..slot + 12].copy_from_slice(&le((start / 16) as u32));
        file[slot + 12..slot + 16].copy_from_slice(&le(blocks as u32));
    }
    file
}

/// An image holding `files` (image-relative path, bytes) and AlmaLinux's os-release, catalogued.
fn image(name: &str, files: &[(&str, Vec<u8>)]) -> netvet_sbom::Catalog {
    let mut t = netvet_forge::FsTree::new();
    t.file("etc/os-release", 0o644, OS_RELEASE);
    for (path, bytes) in files {
        t.file(path, 0o644, bytes.clone());
    }
    let bytes = netvet_forge::squashfs::write(
        &t,
        netvet_forge::squashfs::Options {
            compress: false,
            ..Default::default()
        },
    );
    let tree = netvet_unpack::open_source(
        name,
        std::sync::Arc::new(netvet_unpack::MemSource::new(bytes)),
        &netvet_unpack::Options::default(),
        None,
    );
    netvet_sbom::catalog(&tree).unwrap()
}

fn names(cat: &netvet_sbom::Catalog) -> BTreeSet<String> {
    rpm_components(cat).iter().map(|c| c.name.clone()).collect()
}

/// Asserts a problem names `path` and says `what`.
fn reported(cat: &netvet_sbom::Catalog, path: &str, what: &str) {
    assert!(
        cat.problems
            .iter()
            .any(|p| p.starts_with(&format!("{path}: ")) && p.contains(what)),
        "no problem on {path} saying {what:?}: {:#?}",
        cat.problems
    );
}

/// An rpm SQLite database with rpm's schema and these rows.
fn sqlite_db(dir: &Path, rows: &[(i64, Vec<u8>)], extra: &str) -> Vec<u8> {
    let path = dir.join(format!("db-{}.sqlite", rows.len() + extra.len()));
    let _ = std::fs::remove_file(&path);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL);",
    )
    .unwrap();
    for (h, b) in rows {
        conn.execute(
            "INSERT INTO Packages VALUES (?1, ?2)",
            rusqlite::params![h, b],
        )
        .unwrap();
    }
    conn.execute_batch(extra).unwrap();
    drop(conn);
    std::fs::read(&path).unwrap()
}

/// Patches field `k` (0 tag, 1 type, 2 offset, 3 count) of the index entry of `tag`.
fn patch_tag(blob: &mut [u8], tag: u32, k: usize, v: u32) {
    let il = u32::from_be_bytes(blob[..4].try_into().unwrap()) as usize;
    let i = (0..il)
        .find(|i| blob[8 + 16 * i..12 + 16 * i] == tag.to_be_bytes())
        .unwrap();
    let at = 8 + 16 * i + 4 * k;
    blob[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn unlimited() -> netvet_sbom::rpm::header::Budget {
    netvet_sbom::rpm::header::Budget {
        entries: usize::MAX,
        bytes: usize::MAX,
    }
}

fn name_of(blob: &[u8]) -> String {
    netvet_sbom::rpm::header::package(blob, &mut unlimited())
        .unwrap()
        .name
}

#[test]
fn hostile_sqlite_databases_are_problems_naming_the_file() {
    let f = fixture();
    let blobs = f.blobs();
    let all: BTreeSet<String> = f.expected.iter().map(|p| p[0].clone()).collect();
    let dir = f.dir.path();
    let db = "bad.img!/var/lib/rpm/rpmdb.sqlite";
    let rows = |edit: &dyn Fn(u32, &mut Vec<u8>)| -> Vec<(i64, Vec<u8>)> {
        blobs
            .iter()
            .map(|(h, b)| {
                let mut b = b.clone();
                edit(*h, &mut b);
                (*h as i64, b)
            })
            .collect()
    };
    let (h2, h3) = (blobs[1].0, blobs[2].0);
    let (n2, n3) = (name_of(&blobs[1].1), name_of(&blobs[2].1));

    // A truncated header and one whose NAME points past its data store: those two packages
    // are problems, the others are components.
    let bad = rows(&|h, b| {
        if h == h2 {
            b.truncate(100);
        }
        if h == h3 {
            patch_tag(b, 1000, 2, 0x00ff_ffff);
        }
    });
    let cat = image(
        "bad.img",
        &[("var/lib/rpm/rpmdb.sqlite", sqlite_db(dir, &bad, ""))],
    );
    reported(
        &cat,
        db,
        &format!("package record {h2}: header blob offset 0: truncated"),
    );
    reported(
        &cat,
        db,
        &format!("package record {h3}: header blob offset"),
    );
    reported(&cat, db, "points at data offset 16777215, past the");
    let mut want = all.clone();
    want.remove(&n2);
    want.remove(&n3);
    assert_eq!(names(&cat), want);

    // Headers declaring a gigabyte of data, or more entries than rpm allows, in a few bytes.
    let mut gig = vec![0, 0, 0, 1, 0x40, 0, 0, 0];
    gig.extend([0u8; 16]);
    let mut entries = vec![0, 1, 0, 0, 0, 0, 0, 16];
    entries.extend([0u8; 32]);
    let mut tight = vec![0, 0, 0, 1, 0x0f, 0xff, 0, 0];
    tight.extend([0u8; 24]);
    let mut r = rows(&|_, _| {});
    r.extend([(100, gig), (101, entries), (102, tight)]);
    let cat = image(
        "bad.img",
        &[("var/lib/rpm/rpmdb.sqlite", sqlite_db(dir, &r, ""))],
    );
    reported(
        &cat,
        db,
        "package record 100: header blob offset 4: 1073741824 data bytes",
    );
    reported(
        &cat,
        db,
        "package record 101: header blob offset 0: 65536 index entries",
    );
    reported(
        &cat,
        db,
        "package record 102: header blob offset 0: truncated",
    );
    assert_eq!(names(&cat), all);

    // A stored value larger than a header may be: skipped before SQLite loads it.
    let mut r = rows(&|_, _| {});
    r.push((9, Vec::new()));
    let big = sqlite_db(
        dir,
        &r,
        "UPDATE Packages SET blob = zeroblob(64 * 1024 * 1024 + 1) WHERE hnum = 9;",
    );
    let cat = image("bad.img", &[("var/lib/rpm/rpmdb.sqlite", big)]);
    reported(
        &cat,
        db,
        "package 9: a 67108865-byte header blob (at most 67108864 bytes are read)",
    );
    assert_eq!(names(&cat), all);

    // SQLite files that are not rpm databases, and a file that is no database at all.
    let other = |sql: &str| {
        let p = dir.join("other.sqlite");
        let _ = std::fs::remove_file(&p);
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch(sql).unwrap();
        drop(c);
        std::fs::read(&p).unwrap()
    };
    let cat = image(
        "bad.img",
        &[
            (
                "var/lib/rpm/rpmdb.sqlite",
                other("CREATE TABLE Foo(x); INSERT INTO Foo VALUES (1);"),
            ),
            (
                "usr/lib/sysimage/rpm/rpmdb.sqlite",
                other("CREATE TABLE t(hnum, blob); CREATE VIEW Packages AS SELECT * FROM t;"),
            ),
            (
                "usr/share/rpm/Packages",
                b"#!/bin/sh\necho not a database\n".to_vec(),
            ),
            ("var/lib/rpm/Packages.db", vec![0xff; 4096]),
        ],
    );
    reported(&cat, db, "a SQLite database without rpm's Packages table");
    reported(
        &cat,
        "bad.img!/usr/lib/sysimage/rpm/rpmdb.sqlite",
        "Packages is a view, not rpm's table",
    );
    reported(
        &cat,
        "bad.img!/usr/share/rpm/Packages",
        "not an rpm database",
    );
    reported(
        &cat,
        "bad.img!/var/lib/rpm/Packages.db",
        "not an rpm database",
    );
    assert!(names(&cat).is_empty());

    // A write-ahead log rpm did not checkpoint is reported.
    let cat = image(
        "bad.img",
        &[
            (
                "var/lib/rpm/rpmdb.sqlite",
                std::fs::read(f.sqlite()).unwrap(),
            ),
            (
                "var/lib/rpm/rpmdb.sqlite-wal",
                vec![0x37, 0x7f, 0x06, 0x82, 0, 0, 0, 0],
            ),
        ],
    );
    reported(
        &cat,
        "bad.img!/var/lib/rpm/rpmdb.sqlite-wal",
        "write-ahead log",
    );
    assert_eq!(names(&cat), all);
}

/// A Berkeley DB hash database of the blobs (little-endian, 512-byte pages), by db5.3_load.
fn bdb(dir: &Path, blobs: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let dump = dir.join("hostile-dump.txt");
    let out = dir.join("hostile-Packages");
    let _ = std::fs::remove_file(&out);
    std::fs::write(&dump, db_dump(blobs, false, 512)).unwrap();
    run(
        "db5.3_load",
        "db5.3-util",
        &["-f", dump.to_str().unwrap(), out.to_str().unwrap()],
    );
    std::fs::read(&out).unwrap()
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn set_le32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Page numbers of the pages of `kind` (7 overflow, 13 hash).
fn pages_of(b: &[u8], kind: u8) -> Vec<usize> {
    (1..b.len() / 512)
        .filter(|p| b[p * 512 + 25] == kind)
        .collect()
}

#[test]
fn hostile_berkeley_databases_are_problems_naming_the_file() {
    let f = fixture();
    let blobs = f.blobs();
    let all: BTreeSet<String> = f.expected.iter().map(|p| p[0].clone()).collect();
    let good = bdb(f.dir.path(), &blobs);
    let db = "bad.img!/var/lib/rpm/Packages";
    let catalog = |bytes: Vec<u8>| image("bad.img", &[("var/lib/rpm/Packages", bytes)]);
    assert_eq!(names(&catalog(good.clone())), all);

    // An overflow chain that loops back on itself: that package is lost, the rest are read.
    let mut b = good.clone();
    let p = pages_of(&b, 7)
        .into_iter()
        .find(|&p| le32(&b, p * 512 + 16) != 0)
        .unwrap();
    set_le32(&mut b, p * 512 + 16, p as u32);
    let cat = catalog(b);
    reported(
        &cat,
        db,
        &format!("is page {p}, which was already read (a loop or a shared page)"),
    );
    assert_eq!(names(&cat).len(), all.len() - 1);

    // A hash page whose next page is far outside the file.
    let mut b = good.clone();
    let p = pages_of(&b, 13)
        .into_iter()
        .find(|&p| le32(&b, p * 512 + 16) == 0)
        .unwrap();
    set_le32(&mut b, p * 512 + 16, 0x00ff_ffff);
    let cat = catalog(b);
    reported(&cat, db, "is page 16777215, outside the file");
    assert_eq!(names(&cat), all);

    // An overflow item declaring a gigabyte.
    let mut b = good.clone();
    let (p, item) = pages_of(&b, 13)
        .into_iter()
        .find_map(|p| {
            let page = &b[p * 512..(p + 1) * 512];
            let n = u16::from_le_bytes([page[20], page[21]]) as usize;
            (0..n)
                .map(|i| u16::from_le_bytes([page[26 + 2 * i], page[27 + 2 * i]]) as usize)
                .find(|&off| page[off] == 3)
                .map(|off| (p, off))
        })
        .unwrap();
    set_le32(&mut b, p * 512 + item + 8, 1 << 30);
    let cat = catalog(b);
    reported(&cat, db, "overflow item of 1073741824 bytes");
    assert_eq!(names(&cat).len(), all.len() - 1);

    // Metadata declaring more buckets than the file has pages; a btree; a checksummed file.
    let mut b = good.clone();
    set_le32(&mut b, 72, u32::MAX - 1);
    reported(&catalog(b), db, "offset 72: 4294967295 buckets declared");
    let mut b = good.clone();
    set_le32(&mut b, 12, 0x0005_3162);
    reported(&catalog(b), db, "a Berkeley DB btree");
    let mut b = good.clone();
    b[26] |= 1;
    reported(&catalog(b), db, "checksummed pages; not read");
    let mut b = good.clone();
    set_le32(&mut b, 20, 3000);
    reported(&catalog(b), db, "page size 3000");
    // Truncated to its metadata page and one more.
    reported(&catalog(good[..1024].to_vec()), db, "outside the file");
}

#[test]
fn hostile_ndb_databases_are_problems_naming_the_file() {
    let f = fixture();
    let blobs = f.blobs();
    let all: BTreeSet<String> = f.expected.iter().map(|p| p[0].clone()).collect();
    let good = ndb(&blobs);
    let db = "bad.img!/usr/lib/sysimage/rpm/Packages.db";
    let catalog = |bytes: Vec<u8>| image("bad.img", &[("usr/lib/sysimage/rpm/Packages.db", bytes)]);
    assert_eq!(names(&catalog(good.clone())), all);
    let slot = |i: usize| 32 + 16 * (i + 1);
    let blob_at = |b: &[u8], i: usize| le32(b, slot(i) + 8) as usize * 16;

    let mut b = good.clone();
    // Package 0's slot runs past the end of the file.
    set_le32(&mut b, slot(0) + 12, 0x0100_0000);
    // Package 1's blob claims a gigabyte.
    let at = blob_at(&b, 1);
    set_le32(&mut b, at + 12, 1 << 30);
    // Package 2's header is altered after its checksum was written.
    let at = blob_at(&b, 2);
    b[at + 40] ^= 0xff;
    // Package 3's slot lost its magic.
    b[slot(3)] = b'X';
    let cat = catalog(b);
    reported(&cat, db, "are not inside the data area");
    reported(&cat, db, "a blob of 1073741824 bytes in a slot of");
    reported(&cat, db, "Adler-32");
    reported(&cat, db, "slot without its Slot magic");
    assert_eq!(names(&cat).len(), all.len() - 4);

    let mut b = good.clone();
    set_le32(&mut b, 12, 100_000);
    reported(&catalog(b), db, "100000 slot pages");
    reported(
        &catalog(good[..100].to_vec()),
        db,
        "slot pages need 4096 bytes",
    );
}

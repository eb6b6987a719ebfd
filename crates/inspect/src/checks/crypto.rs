//! Crypto material: private keys (PEM PKCS#1/PKCS#8/SEC1, OpenSSH, PuTTY, dropbear, DER by
//! structure) with type, size and a fingerprint, certificates (expiry, weak keys and
//! signatures, self-signed), and pre-installed SSH `authorized_keys`. Fingerprints are the
//! SHA-256 of the SSH public key blob where one can be derived (as `ssh-keygen -l` prints),
//! so the same key can be recognised across images and vendors.
//!
//! Trust stores (CA bundles such as `/etc/ssl/certs/ca-certificates.crt`, the directories
//! `/etc/ssl/certs`, `/usr/share/ca-certificates`, `/etc/pki/ca-trust`) are inventoried: one
//! informational finding per store with its count of roots and the weak ones, instead of a
//! finding per root. A root's self-signature is never verified, so SHA-1 there is no
//! weakness; a short root key is.

use std::collections::BTreeMap;
use std::sync::Mutex;

use base64::Engine;
use netvet_model::{Category, Severity};
use sha2::{Digest, Sha256};

use super::{Check, Extras};
use crate::check::{CheckInfo, Hit, Sink};
use crate::content::{ContentKind, FileCtx};
use netvet_unpack::Tree;

const TAGS: &[&str] = &["crypto"];

pub const PRIVATE_KEY: CheckInfo = CheckInfo {
    id: "nv-crypto-private-key",
    title: "Private key in the image",
    tags: TAGS,
    category: Category::CryptoMaterial,
    severity: Severity::High,
    cwe: &[321, 798],
    references: &["3gpp:33.117:4.2.3.4.2.3", "3gpp:33.117:4.2.3.2.2"],
    remediation: "Generate keys on each device at first boot or provisioning; never ship private keys in firmware.",
    description: "A private key shipped in firmware is shared by every device running it; anyone with the image can impersonate or decrypt them.",
};

pub const KNOWN_TEST_KEY: CheckInfo = CheckInfo {
    id: "nv-crypto-known-test-key",
    title: "Publicly known test key",
    tags: TAGS,
    category: Category::CryptoMaterial,
    severity: Severity::Info,
    cwe: &[321],
    references: &[],
    remediation: "Make sure nothing on the device uses this key for anything but the test it ships for: it is published.",
    description: "A private key that its project publishes for tests or benchmarks (such as the RSA keys `openssl speed` embeds). It protects nothing; it matters only if the product uses it.",
};

/// Private keys published with their projects, by SSH-style fingerprint: recognised and
/// reported as test keys rather than as a shipped device key.
const KNOWN_TEST_KEYS: &[(&str, &str)] = &[
    // OpenSSL apps/testrsa.h: the RSA keys `openssl speed` signs with (512 to 15360 bits),
    // embedded in the `openssl` binary (Debian 12, openssl 3.0).
    (
        "SHA256:x+U6OVBaIdlaFbUiWI90MjMHPIHdE7DMAt+tlFeZ/Fc",
        "OpenSSL speed test key (RSA 512)",
    ),
    (
        "SHA256:Q0xDjNozUCpOWB7a1K+07d4jNvWDJmeEfRqPuSyXlYA",
        "OpenSSL speed test key (RSA 1024)",
    ),
    (
        "SHA256:AP4bkr/Qd3/2z22huCg9onxvnwKhFMVu06QfqBuXWxI",
        "OpenSSL speed test key (RSA 2048)",
    ),
    (
        "SHA256:/WS7UDGwqcfezjmNb1mhsSRLbglH1/YvX1qWtimKFmI",
        "OpenSSL speed test key (RSA 3072)",
    ),
    (
        "SHA256:K2tMiR0MsT7+2HwqVr9Ne9y3X6mwZ/XDXDAAgriM4hg",
        "OpenSSL speed test key (RSA 4096)",
    ),
    (
        "SHA256:G9n1dyGImyFoFIWYkfnfk2jFlcnHZlRfrXk3scPJV/E",
        "OpenSSL speed test key (RSA 7680)",
    ),
    (
        "SHA256:1PQUJIouzC7Gnb+ilp2UBrN99VsfJrs8IK2MJTonMus",
        "OpenSSL speed test key (RSA 15360)",
    ),
];

pub const HOST_KEY: CheckInfo = CheckInfo {
    id: "nv-crypto-ssh-host-key",
    title: "SSH host key shipped in the image",
    tags: TAGS,
    category: Category::CryptoMaterial,
    severity: Severity::High,
    cwe: &[321],
    references: &["3gpp:33.117:4.2.3.4.2.3"],
    remediation: "Remove host keys from the image; generate them on first boot.",
    description: "Every device has the same SSH host key, so one extracted key allows impersonating all of them.",
};

pub const AUTHORIZED_KEY: CheckInfo = CheckInfo {
    id: "nv-crypto-authorized-key",
    title: "Pre-installed SSH authorized key",
    tags: &["crypto", "backdoor"],
    category: Category::Backdoor,
    severity: Severity::High,
    cwe: &[798],
    references: &["3gpp:33.117:4.2.3.4.2.2", "3gpp:33.117:4.2.3.4.2.3"],
    remediation: "Ship no authorized keys; operators install their own.",
    description: "Whoever holds the matching private key (the vendor) can log in to every device.",
};

pub const CERT_EXPIRED: CheckInfo = CheckInfo {
    id: "nv-crypto-cert-expired",
    title: "Expired certificate",
    tags: TAGS,
    category: Category::CryptoMaterial,
    severity: Severity::Low,
    cwe: &[298],
    references: &["3gpp:33.117:4.2.3.2.4"],
    remediation: "Replace the certificate; check why an expired one is shipped.",
    description: "The certificate's validity ended before the scan date.",
};

pub const CERT_WEAK: CheckInfo = CheckInfo {
    id: "nv-crypto-cert-weak",
    title: "Certificate with a weak key or signature",
    tags: TAGS,
    category: Category::CryptoMaterial,
    severity: Severity::Medium,
    cwe: &[326, 327],
    references: &["3gpp:33.117:4.2.3.2.4"],
    remediation: "Use RSA of at least 2048 bits (3072 preferred) or ECDSA P-256+, signed with SHA-256 or better.",
    description: "RSA keys under 2048 bits and MD5 or SHA-1 signatures no longer give the protection they claim.",
};

pub const CERT_SELF_SIGNED: CheckInfo = CheckInfo {
    id: "nv-crypto-cert-self-signed",
    title: "Self-signed certificate",
    tags: TAGS,
    category: Category::CryptoMaterial,
    severity: Severity::Info,
    cwe: &[295],
    references: &["3gpp:33.117:4.2.3.2.4"],
    remediation: "Use certificates from the operator's PKI, provisioned per device.",
    description: "Issuer equals subject: clients cannot validate it without trusting it blindly.",
};

pub const TRUST_STORE: CheckInfo = CheckInfo {
    id: "nv-crypto-trust-store",
    title: "Trust store",
    tags: TAGS,
    category: Category::CryptoMaterial,
    severity: Severity::Info,
    cwe: &[295],
    references: &["3gpp:33.117:4.2.3.2.4"],
    remediation: "Keep the store to the roots the product needs and update it with the product; remove roots with keys under 2048 bits.",
    description: "Inventory of a store of trusted root certificates: how many roots it holds and which are weak (RSA or DSA keys under 2048 bits, MD2/MD5 self-signatures). Every TLS client of the image trusts them all.",
};

const INFOS: &[&CheckInfo] = &[
    &PRIVATE_KEY,
    &KNOWN_TEST_KEY,
    &HOST_KEY,
    &AUTHORIZED_KEY,
    &CERT_EXPIRED,
    &CERT_WEAK,
    &CERT_SELF_SIGNED,
    &TRUST_STORE,
];

/// Weak roots listed per store at most (the count is always exact).
const MAX_LISTED_WEAK_ROOTS: usize = 100;

/// What one trust store holds.
#[derive(Default)]
struct TrustStore {
    roots: u64,
    expired: u64,
    /// Roots whose self-signature uses SHA-1 (harmless for a root; counted for the record).
    sha1_signed: u64,
    weak_count: u64,
    /// (subject, reason, file), at most `MAX_LISTED_WEAK_ROOTS`.
    weak: Vec<(String, String, String)>,
}

/// The crypto-material check; `now` (seconds since the epoch) decides expiry.
pub struct Crypto {
    now: i64,
    stores: Mutex<BTreeMap<String, TrustStore>>,
}

impl Crypto {
    /// A check that judges expiry as of `now` (seconds since the epoch).
    pub fn new(now: i64) -> Crypto {
        Crypto {
            now,
            stores: Mutex::new(BTreeMap::new()),
        }
    }
}

/// File names of CA bundles (Debian, Red Hat, Alpine, OpenWrt, FreeBSD, curl).
const BUNDLE_NAMES: &[&str] = &[
    "ca-certificates.crt",
    "ca-bundle.crt",
    "ca-bundle.pem",
    "ca-bundle.trust.crt",
    "tls-ca-bundle.pem",
    "cacert.pem",
    "ca-root-nss.crt",
    "curl-ca-bundle.crt",
];

/// Directories whose certificates are trust anchors.
const STORE_DIRS: &[&str] = &[
    "/etc/ssl/certs/",
    "/usr/share/ca-certificates/",
    "/usr/local/share/ca-certificates/",
    "/etc/pki/ca-trust/",
    "/usr/share/pki/ca-trust-source/",
    "/etc/pki/tls/certs/",
    "/etc/ca-certificates/",
];

/// The trust store a file belongs to (a bundle's own path, or the store directory's virtual
/// path), or `None` when the file is not in one.
fn trust_store(vpath: &str, fs_path: &str) -> Option<String> {
    let name = fs_path.rsplit('/').next().unwrap_or("");
    // The decoded content of a compressed member is not a store file.
    let root = vpath.strip_suffix(fs_path)?;
    if BUNDLE_NAMES.contains(&name) {
        return Some(vpath.to_string());
    }
    STORE_DIRS
        .iter()
        .find(|d| fs_path.starts_with(*d))
        .map(|d| format!("{root}{}", d.trim_end_matches('/')))
}

/// What was learnt about a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// `rsa`, `ec`, `dsa`, `ed25519`, `unknown`.
    pub kind: String,
    pub bits: Option<u32>,
    /// `SHA256:<base64>` of the SSH public blob, or `sha256:<hex>` of the key material.
    pub fingerprint: String,
    pub encrypted: bool,
    pub format: &'static str,
}

mod der {
    //! Just enough DER to read keys: tag-length-value, nested sequences, integers.

    /// One element: tag, content, and the rest after it.
    pub fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let tag = *b.first()?;
        let l0 = *b.get(1)? as usize;
        let (len, hdr) = if l0 < 0x80 {
            (l0, 2)
        } else {
            let n = l0 & 0x7f;
            if n == 0 || n > 4 {
                return None;
            }
            let mut len = 0usize;
            for i in 0..n {
                len = len << 8 | *b.get(2 + i)? as usize;
            }
            (len, 2 + n)
        };
        let end = hdr.checked_add(len)?;
        Some((tag, b.get(hdr..end)?, b.get(end..)?))
    }

    /// The elements of a SEQUENCE's content.
    pub fn items(mut b: &[u8]) -> Option<Vec<(u8, &[u8])>> {
        let mut out = Vec::new();
        while !b.is_empty() {
            let (t, v, rest) = tlv(b)?;
            out.push((t, v));
            b = rest;
            if out.len() > 64 {
                return None;
            }
        }
        Some(out)
    }

    /// Significant bits of an unsigned big-endian integer.
    pub fn int_bits(v: &[u8]) -> u32 {
        let v = trim(v);
        match v.first() {
            None => 0,
            Some(&b) => (v.len() as u32 - 1) * 8 + (8 - b.leading_zeros()),
        }
    }

    pub fn trim(v: &[u8]) -> &[u8] {
        let z = v.iter().take_while(|&&b| b == 0).count();
        &v[z..]
    }
}

/// SSH wire-format helpers.
fn ssh_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend((s.len() as u32).to_be_bytes());
    out.extend(s);
}

fn ssh_mpint(out: &mut Vec<u8>, v: &[u8]) {
    let v = der::trim(v);
    if v.first().is_some_and(|&b| b & 0x80 != 0) {
        out.extend((v.len() as u32 + 1).to_be_bytes());
        out.push(0);
        out.extend(v);
    } else {
        ssh_string(out, v);
    }
}

fn ssh_fingerprint(blob: &[u8]) -> String {
    let h = Sha256::digest(blob);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(h)
    )
}

fn material_fingerprint(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// An RSA key's SSH fingerprint from its modulus and public exponent.
fn rsa_fingerprint(n: &[u8], e: &[u8]) -> String {
    let mut blob = Vec::new();
    ssh_string(&mut blob, b"ssh-rsa");
    ssh_mpint(&mut blob, e);
    ssh_mpint(&mut blob, n);
    ssh_fingerprint(&blob)
}

/// PKCS#1 RSAPrivateKey: version, n, e, d, p, q, ...
fn pkcs1_rsa(body: &[u8]) -> Option<KeyInfo> {
    let (0x30, seq, _) = der::tlv(body)? else {
        return None;
    };
    let it = der::items(seq)?;
    if it.len() < 9 || it.iter().take(9).any(|(t, _)| *t != 0x02) {
        return None;
    }
    Some(KeyInfo {
        kind: "rsa".into(),
        bits: Some(der::int_bits(it[1].1)),
        fingerprint: rsa_fingerprint(it[1].1, it[2].1),
        encrypted: false,
        format: "pkcs1",
    })
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

fn curve_bits(oid: &[u8]) -> Option<u32> {
    match oid {
        OID_P256 => Some(256),
        OID_P384 => Some(384),
        OID_P521 => Some(521),
        _ => None,
    }
}

/// SEC1 ECPrivateKey: version 1, private key, [0] curve, [1] public key.
fn sec1_ec(body: &[u8]) -> Option<KeyInfo> {
    let (0x30, seq, _) = der::tlv(body)? else {
        return None;
    };
    let it = der::items(seq)?;
    if it.len() < 2 || it[0] != (0x02, &[1][..]) || it[1].0 != 0x04 {
        return None;
    }
    let bits = it
        .iter()
        .find(|(t, _)| *t == 0xa0)
        .and_then(|(_, v)| der::tlv(v))
        .and_then(|(_, oid, _)| curve_bits(oid));
    Some(KeyInfo {
        kind: "ec".into(),
        bits,
        fingerprint: material_fingerprint(body),
        encrypted: false,
        format: "sec1",
    })
}

/// PKCS#8 PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING key.
fn pkcs8(body: &[u8]) -> Option<KeyInfo> {
    let (0x30, seq, _) = der::tlv(body)? else {
        return None;
    };
    let it = der::items(seq)?;
    if it.len() < 3 || it[0].0 != 0x02 || it[1].0 != 0x30 || it[2].0 != 0x04 {
        return None;
    }
    let alg = der::items(it[1].1)?;
    let oid = alg.first().filter(|(t, _)| *t == 0x06)?.1;
    let inner = it[2].1;
    let mut info = match oid {
        OID_RSA => pkcs1_rsa(inner)?,
        OID_EC => {
            let mut k = sec1_ec(inner).unwrap_or(KeyInfo {
                kind: "ec".into(),
                bits: None,
                fingerprint: material_fingerprint(inner),
                encrypted: false,
                format: "pkcs8",
            });
            if let Some((_, curve)) = alg.get(1).filter(|(t, _)| *t == 0x06) {
                k.bits = curve_bits(curve).or(k.bits);
            }
            k
        }
        OID_DSA => KeyInfo {
            kind: "dsa".into(),
            bits: alg
                .get(1)
                .and_then(|(_, p)| der::items(p))
                .and_then(|ps| ps.first().map(|(_, p)| der::int_bits(p))),
            fingerprint: material_fingerprint(inner),
            encrypted: false,
            format: "pkcs8",
        },
        OID_ED25519 => KeyInfo {
            kind: "ed25519".into(),
            bits: Some(256),
            fingerprint: material_fingerprint(inner),
            encrypted: false,
            format: "pkcs8",
        },
        _ => KeyInfo {
            kind: "unknown".into(),
            bits: None,
            fingerprint: material_fingerprint(inner),
            encrypted: false,
            format: "pkcs8",
        },
    };
    info.format = "pkcs8";
    Some(info)
}

/// Reads SSH wire-format fields.
struct SshReader<'a> {
    r: &'a [u8],
}

impl<'a> SshReader<'a> {
    fn u32(&mut self) -> Option<u32> {
        let v = u32::from_be_bytes(self.r.get(..4)?.try_into().ok()?);
        self.r = &self.r[4..];
        Some(v)
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        let v = self.r.get(..n)?;
        self.r = &self.r[n..];
        Some(v)
    }
}

/// OpenSSH `openssh-key-v1`: the public key blob is stored in clear, even for encrypted keys.
fn openssh(body: &[u8]) -> Option<KeyInfo> {
    let mut r = SshReader {
        r: body.strip_prefix(b"openssh-key-v1\0")?,
    };
    let cipher = r.string()?;
    let _kdf = r.string()?;
    let _opts = r.string()?;
    let _count = r.u32()?;
    let blob = r.string()?;
    Some(public_blob_info(blob, cipher != b"none", "openssh"))
}

/// Key type and size from an SSH public key blob.
fn public_blob_info(blob: &[u8], encrypted: bool, format: &'static str) -> KeyInfo {
    let mut r = SshReader { r: blob };
    let kind = r.string().unwrap_or_default();
    let (kind, bits) = match kind {
        b"ssh-rsa" => {
            let _e = r.string();
            ("rsa", r.string().map(der::int_bits))
        }
        b"ssh-dss" => ("dsa", r.string().map(der::int_bits)),
        b"ssh-ed25519" => ("ed25519", Some(256)),
        k if k.starts_with(b"ecdsa-sha2-nistp") => (
            "ec",
            std::str::from_utf8(&k[16..])
                .ok()
                .and_then(|b| b.parse().ok()),
        ),
        _ => ("unknown", None),
    };
    KeyInfo {
        kind: kind.into(),
        bits,
        fingerprint: ssh_fingerprint(blob),
        encrypted,
        format,
    }
}

/// Dropbear's own key files: string type, then the key's integers (rsa: e, n, d, p, q).
fn dropbear(data: &[u8]) -> Option<KeyInfo> {
    let n = u32::from_be_bytes(data.get(..4)?.try_into().ok()?) as usize;
    let kind = data.get(4..4 + n)?;
    if !matches!(kind, b"ssh-rsa" | b"ssh-dss" | b"ssh-ed25519")
        && !kind.starts_with(b"ecdsa-sha2-")
    {
        return None;
    }
    // The public blob is the prefix: type and public integers (rsa: e, n).
    let mut pos = 4 + n;
    let publics = match kind {
        b"ssh-rsa" => 2,
        b"ssh-dss" => 4,
        _ => 1,
    };
    for _ in 0..publics {
        let l = u32::from_be_bytes(data.get(pos..pos + 4)?.try_into().ok()?) as usize;
        pos = pos.checked_add(4 + l)?;
        if pos > data.len() {
            return None;
        }
    }
    Some(public_blob_info(&data[..pos], false, "dropbear"))
}

fn decode_b64(lines: &str) -> Option<Vec<u8>> {
    let s: String = lines.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

/// Whether a certificate is signed with SHA-1 (RSA, DSA or ECDSA).
fn sha1_signed(cert: &x509_parser::certificate::X509Certificate<'_>) -> bool {
    matches!(
        cert.signature_algorithm.algorithm.to_id_string().as_str(),
        "1.2.840.113549.1.1.5" | "1.2.840.10040.4.3" | "1.2.840.10045.4.1"
    )
}

/// Whether `data` is exactly one DER certificate (nothing after it).
fn is_der_certificate(data: &[u8]) -> bool {
    data.len() < 64 << 10
        && matches!(
            x509_parser::parse_x509_certificate(data),
            Ok((rest, _)) if rest.is_empty()
        )
}

/// Every PEM block in text: (label, offset, body lines, header lines present).
fn pem_blocks(text: &str) -> Vec<(String, usize, String, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut base = 0;
    while let Some(i) = rest.find("-----BEGIN ") {
        let after = &rest[i + 11..];
        let Some(end_label) = after.find("-----") else {
            break;
        };
        let label = after[..end_label].to_string();
        let body_start = i + 11 + end_label + 5;
        let end_marker = format!("-----END {label}-----");
        let Some(j) = rest[body_start..].find(&end_marker) else {
            break;
        };
        let body = &rest[body_start..body_start + j];
        let headers = body.contains("Proc-Type:") || body.contains("DEK-Info:");
        let clean: String = body
            .lines()
            .filter(|l| !l.contains(':'))
            .collect::<Vec<_>>()
            .join("\n");
        out.push((label, base + i, clean, headers));
        let advance = body_start + j + end_marker.len();
        base += advance;
        rest = &rest[advance..];
        if out.len() > 1000 {
            break;
        }
    }
    out
}

/// Identifies a private key from a PEM label and its decoded body.
fn pem_key(label: &str, der: &[u8], headers: bool) -> Option<KeyInfo> {
    let mut info = match label {
        "RSA PRIVATE KEY" => pkcs1_rsa(der),
        "EC PRIVATE KEY" => sec1_ec(der),
        "PRIVATE KEY" => pkcs8(der),
        "OPENSSH PRIVATE KEY" => openssh(der),
        "DSA PRIVATE KEY" => Some(KeyInfo {
            kind: "dsa".into(),
            bits: der::tlv(der)
                .and_then(|(_, s, _)| der::items(s))
                .and_then(|it| it.get(1).map(|(_, p)| der::int_bits(p))),
            fingerprint: material_fingerprint(der),
            encrypted: false,
            format: "dsa",
        }),
        "ENCRYPTED PRIVATE KEY" => Some(KeyInfo {
            kind: "unknown".into(),
            bits: None,
            fingerprint: material_fingerprint(der),
            encrypted: true,
            format: "pkcs8-encrypted",
        }),
        _ => None,
    };
    // Legacy PEM encryption (Proc-Type: 4,ENCRYPTED) leaves the body unparseable.
    if info.is_none() && headers && label.ends_with("PRIVATE KEY") {
        info = Some(KeyInfo {
            kind: label
                .split_whitespace()
                .next()
                .unwrap_or("unknown")
                .to_ascii_lowercase(),
            bits: None,
            fingerprint: material_fingerprint(der),
            encrypted: true,
            format: "pem-encrypted",
        });
    }
    if headers && let Some(i) = info.as_mut() {
        i.encrypted = true;
    }
    info
}

fn is_host_key_name(name: &str) -> bool {
    (name.starts_with("ssh_host_") && name.ends_with("_key"))
        || (name.starts_with("dropbear_") && name.ends_with("_host_key"))
}

impl Crypto {
    fn key_hit(&self, ctx: &FileCtx<'_>, sink: &Sink, k: KeyInfo, offset: usize) {
        self.key_hit_in(ctx, sink, k, offset, None);
    }

    /// A key; `hidden` says how it was hidden when it was not a key file of its own (inside
    /// a binary, base64 or hex in a text, nested encodings).
    fn key_hit_in(
        &self,
        ctx: &FileCtx<'_>,
        sink: &Sink,
        k: KeyInfo,
        offset: usize,
        hidden: Option<&str>,
    ) {
        let name = ctx.entry.name();
        let host = is_host_key_name(name);
        let known = KNOWN_TEST_KEYS
            .iter()
            .find(|(fp, _)| *fp == k.fingerprint)
            .map(|(_, what)| *what);
        let info = match known {
            Some(_) => &KNOWN_TEST_KEY,
            None if host => &HOST_KEY,
            None => &PRIVATE_KEY,
        };
        let size = k.bits.map(|b| format!(" {b}-bit")).unwrap_or_default();
        let mut hit = Hit::new(
            info,
            &ctx.entry.path,
            &k.fingerprint,
            format!(
                "{}{size} {} key ({}{}), {}",
                k.kind,
                if k.encrypted {
                    "encrypted"
                } else {
                    "unencrypted"
                },
                k.format,
                hidden.map(|h| format!(", {h}")).unwrap_or_default(),
                k.fingerprint
            ),
        )
        .offset(offset as u64)
        .title(format!(
            "{}{size} {} {}",
            k.kind.to_uppercase(),
            if known.is_some() {
                "published test key"
            } else if host {
                "SSH host key"
            } else {
                "private key"
            },
            if k.encrypted {
                "(encrypted)"
            } else {
                "(unencrypted)"
            }
        ))
        .detail("key_type", k.kind.clone())
        .detail("fingerprint", k.fingerprint.clone())
        .detail("encrypted", k.encrypted)
        .detail("format", k.format);
        if let Some(b) = k.bits {
            hit = hit.detail("bits", b);
        }
        if let Some(how) = hidden {
            hit = hit.detail("embedded", how.to_string());
        }
        if let Some(what) = known {
            hit = hit.detail("known_as", what);
        }
        if k.encrypted && known.is_none() {
            hit = hit.severity(Severity::Medium);
        }
        sink.hit(hit);
    }

    fn certificate(
        &self,
        ctx: &FileCtx<'_>,
        sink: &Sink,
        der: &[u8],
        offset: usize,
        store: Option<&str>,
    ) {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            sink.error(format!(
                "{}: certificate at offset {offset} does not parse",
                ctx.entry.path
            ));
            return;
        };
        let subject = cert.subject().to_string();
        let issuer = cert.issuer().to_string();
        let not_after = cert.validity().not_after.timestamp();
        // A CA certificate in a trust store is a root to inventory, not a finding of its own
        // (version 1 roots predate basicConstraints).
        let root = cert.is_ca()
            || (subject == issuer && cert.basic_constraints().ok().flatten().is_none());
        if let Some(store) = store
            && root
        {
            self.record_root(store, &cert, &ctx.entry.path);
            return;
        }
        let key = hex::encode(&Sha256::digest(der)[..16]);
        let path = &ctx.entry.path;
        let base = |info, ev: String| {
            Hit::new(info, path, &key, ev)
                .offset(offset as u64)
                .detail("subject", subject.clone())
                .detail("issuer", issuer.clone())
                .detail("not_after", not_after)
                .detail("sha256", hex::encode(Sha256::digest(der)))
        };
        if not_after < self.now {
            sink.hit(base(
                &CERT_EXPIRED,
                format!("{subject}: expired {}", cert.validity().not_after),
            ));
        }
        let sig = cert.signature_algorithm.algorithm.to_id_string();
        // md5WithRSA, sha1WithRSA, dsa-with-sha1, ecdsa-with-SHA1.
        let weak_sig = matches!(
            sig.as_str(),
            "1.2.840.113549.1.1.4"
                | "1.2.840.113549.1.1.5"
                | "1.2.840.10040.4.3"
                | "1.2.840.10045.4.1"
        );
        let spki = cert.public_key();
        let rsa_bits = (spki.algorithm.algorithm.to_id_string() == "1.2.840.113549.1.1.1")
            .then(|| {
                der::tlv(&spki.subject_public_key.data)
                    .and_then(|(_, s, _)| der::items(s))
                    .and_then(|it| it.first().map(|(_, n)| der::int_bits(n)))
            })
            .flatten();
        if weak_sig || rsa_bits.is_some_and(|b| b < 2048) {
            let what = match (weak_sig, rsa_bits) {
                (true, Some(b)) if b < 2048 => format!("{b}-bit RSA key, weak signature {sig}"),
                (true, _) => format!("weak signature algorithm {sig}"),
                (false, Some(b)) => format!("{b}-bit RSA key"),
                _ => String::new(),
            };
            sink.hit(base(&CERT_WEAK, format!("{subject}: {what}")));
        }
        if subject == issuer {
            sink.hit(base(&CERT_SELF_SIGNED, format!("{subject} (self-signed)")));
        }
    }
}

/// Why a root certificate is weak, if it is: a key under 2048 bits (RSA, DSA) or an MD2/MD5
/// self-signature.
fn weak_root(cert: &x509_parser::certificate::X509Certificate<'_>) -> Option<String> {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    let key_bits = match alg.as_str() {
        "1.2.840.113549.1.1.1" => der::tlv(&spki.subject_public_key.data)
            .and_then(|(_, s, _)| der::items(s))
            .and_then(|it| it.first().map(|(_, n)| ("RSA", der::int_bits(n)))),
        "1.2.840.10040.4.1" => spki.algorithm.parameters.as_ref().and_then(|p| {
            der::items(p.data).and_then(|it| it.first().map(|(_, p)| ("DSA", der::int_bits(p))))
        }),
        _ => None,
    };
    if let Some((kind, bits)) = key_bits
        && bits < 2048
    {
        return Some(format!("{bits}-bit {kind} key"));
    }
    match cert.signature_algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.2" => Some("MD2 signature".to_string()),
        "1.2.840.113549.1.1.4" => Some("MD5 signature".to_string()),
        _ => None,
    }
}

impl Crypto {
    fn record_root(
        &self,
        store: &str,
        cert: &x509_parser::certificate::X509Certificate<'_>,
        file: &str,
    ) {
        let weak = weak_root(cert);
        let expired = cert.validity().not_after.timestamp() < self.now;
        let sha1 = matches!(
            cert.signature_algorithm.algorithm.to_id_string().as_str(),
            "1.2.840.113549.1.1.5" | "1.2.840.10040.4.3" | "1.2.840.10045.4.1"
        );
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        let s = stores.entry(store.to_string()).or_default();
        s.roots += 1;
        s.expired += expired as u64;
        s.sha1_signed += sha1 as u64;
        if let Some(reason) = weak {
            s.weak_count += 1;
            if s.weak.len() < MAX_LISTED_WEAK_ROOTS {
                s.weak
                    .push((cert.subject().to_string(), reason, file.to_string()));
            }
        }
    }
}

/// Candidates looked at per file at most, by each way of hiding a key.
const MAX_EMBEDDED: usize = 256;
/// Encoded text runs shorter than this are not decoded (a 256-bit EC key in DER is 121 bytes,
/// 164 in base64).
const MIN_ENCODED: usize = 100;
/// Nested encodings followed at most (base64 of base64 of PEM is two).
const MAX_NESTING: usize = 3;

/// DER private keys start so: PKCS#8 (version 0, then an AlgorithmIdentifier), PKCS#1 RSA
/// (version 0, then the modulus), SEC1 EC (version 1, then a 32/48/66-byte octet string).
fn der_key_at(data: &[u8], at: usize) -> Option<(KeyInfo, usize)> {
    let b = data.get(at..)?;
    let (0x30, body, rest) = der::tlv(b)? else {
        return None;
    };
    let len = b.len() - rest.len();
    // Quick shape test before parsing: version INTEGER 0 or 1 first.
    if !(body.starts_with(&[0x02, 0x01, 0x00]) || body.starts_with(&[0x02, 0x01, 0x01])) {
        return None;
    }
    let whole = &b[..len];
    let k = pkcs8(whole)
        .or_else(|| pkcs1_rsa(whole))
        .or_else(|| sec1_ec(whole))?;
    Some((k, len))
}

/// Offsets where a DER private key may start: `30 82 xx xx 02 01 0x` (long form) and
/// `30 81 xx 02 01 0x` / `30 xx 02 01 0x` (short keys, EC).
fn der_candidates(data: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    for pat in [&b"\x02\x01\x00"[..], &b"\x02\x01\x01"[..]] {
        for i in memchr::memmem::find_iter(data, pat) {
            for back in [4usize, 3, 2] {
                if i >= back && data[i - back] == 0x30 {
                    let ok = match back {
                        4 => data[i - 3] == 0x82,
                        3 => data[i - 2] == 0x81,
                        _ => data[i - 1] < 0x80,
                    };
                    if ok {
                        out.push(i - back);
                    }
                }
            }
            if out.len() >= MAX_EMBEDDED * 4 {
                break;
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_')
}

/// Runs of base64 (with `\n` escapes or line breaks inside) or hex digits, at least
/// `MIN_ENCODED` long: (offset, text).
fn encoded_runs(text: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() && out.len() < MAX_EMBEDDED {
        if !is_b64(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut run = Vec::new();
        while i < text.len() {
            let c = text[i];
            if c == b'=' && text.get(i + 1).is_some_and(|&n| n != b'=' && is_b64(n)) {
                // `KEY=value`: an assignment, not padding.
                i += 1;
                break;
            } else if is_b64(c) {
                run.push(c);
                i += 1;
            } else if c == b'\n' || c == b'\r' {
                i += 1;
            } else if c == b'\\' && text.get(i + 1).is_some_and(|&n| n == b'n' || n == b'r') {
                // A JSON or shell string's escaped line break.
                i += 2;
            } else {
                break;
            }
        }
        if run.len() >= MIN_ENCODED {
            out.push((start, run));
        }
    }
    out
}

/// Decodes a run as hex, or as base64 (standard or URL-safe).
fn decode_run(run: &[u8]) -> Option<(Vec<u8>, &'static str)> {
    if run.len().is_multiple_of(2) && run.iter().all(u8::is_ascii_hexdigit) {
        return hex::decode(run).ok().map(|d| (d, "hex"));
    }
    let s: Vec<u8> = run.iter().copied().filter(|&c| c != b'=').collect();
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    STANDARD_NO_PAD
        .decode(&s)
        .or_else(|_| URL_SAFE_NO_PAD.decode(&s))
        .ok()
        .map(|d| (d, "base64"))
}

/// A key found hidden inside something else: the key, where, and how it was hidden.
type HiddenKey = (KeyInfo, usize, String);

/// Keys inside a binary: PEM blocks among its bytes and DER keys by structure.
fn keys_in_binary(data: &[u8]) -> Vec<HiddenKey> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for at in memchr::memmem::find_iter(data, b"-----BEGIN ").take(MAX_EMBEDDED) {
        // The block's text: printable bytes from here.
        let end = data[at..]
            .iter()
            .position(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t')))
            .map_or(data.len(), |n| at + n);
        let text = String::from_utf8_lossy(&data[at..end]);
        for (label, _, body, headers) in pem_blocks(&text) {
            if !label.contains("PRIVATE KEY") {
                continue;
            }
            let Some(der) = decode_b64(&body).filter(|d| d.len() >= 64) else {
                continue;
            };
            if let Some(k) = pem_key(&label, &der, headers)
                && seen.insert(k.fingerprint.clone())
            {
                out.push((k, at, "PEM inside a binary file".to_string()));
            }
        }
    }
    for at in der_candidates(data).into_iter().take(MAX_EMBEDDED) {
        if let Some((k, _)) = der_key_at(data, at)
            && seen.insert(k.fingerprint.clone())
        {
            out.push((k, at, "DER inside a binary file".to_string()));
        }
    }
    out
}

/// Keys encoded in text: base64 or hex runs (JSON, XML, INI, environment values) that decode
/// to a PEM block or a DER key, following nested encodings. `chain` is the encodings outside.
fn keys_in_encodings(text: &[u8], chain: &[&'static str], out: &mut Vec<HiddenKey>) {
    if chain.len() >= MAX_NESTING {
        return;
    }
    // PEM in a JSON or shell string, its line breaks escaped as `\n`.
    if chain.is_empty()
        && memchr::memmem::find(text, b"-----BEGIN ").is_some()
        && memchr::memmem::find(text, b"\\n").is_some()
    {
        let unescaped = String::from_utf8_lossy(text)
            .replace("\\r\\n", "\n")
            .replace("\\n", "\n");
        for (label, offset, body, headers) in pem_blocks(&unescaped) {
            if label.contains("PRIVATE KEY")
                && body.contains('\n')
                && let Some(k) = decode_b64(&body).and_then(|d| pem_key(&label, &d, headers))
            {
                out.push((
                    k,
                    offset,
                    "PEM with escaped line breaks in text".to_string(),
                ));
            }
        }
    }
    for (offset, run) in encoded_runs(text) {
        // The body of a PEM block is read as PEM, not again as base64.
        let before = text[..offset].trim_ascii_end();
        let before = before.strip_suffix(b"\\").unwrap_or(before);
        if before.ends_with(b"-----") {
            continue;
        }
        let Some((bytes, how)) = decode_run(&run) else {
            continue;
        };
        let mut inner_chain = chain.to_vec();
        inner_chain.push(how);
        let said = {
            let mut c = inner_chain.clone();
            c.reverse();
            format!("{} in text", c.join(" of "))
        };
        if let Some((k, _)) = der_key_at(&bytes, 0) {
            out.push((k, offset, format!("DER as {said}")));
            continue;
        }
        let inner = String::from_utf8_lossy(&bytes);
        if inner.contains("-----BEGIN ") {
            for (label, _, body, headers) in pem_blocks(&inner) {
                if !label.contains("PRIVATE KEY") {
                    continue;
                }
                if let Some(k) = decode_b64(&body).and_then(|d| pem_key(&label, &d, headers)) {
                    out.push((k, offset, format!("PEM as {said}")));
                }
            }
            continue;
        }
        if bytes
            .iter()
            .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        {
            keys_in_encodings(&bytes, &inner_chain, out);
        }
    }
}

impl Crypto {
    fn embedded_keys(&self, ctx: &FileCtx<'_>, sink: &Sink) {
        for (k, at, how) in keys_in_binary(ctx.data) {
            self.key_hit_in(ctx, sink, k, at, Some(&how));
        }
    }

    /// PEM certificates inside a binary (a program's compiled-in TLS certificate, a
    /// configuration store), each parsed where it starts.
    fn embedded_certificates(&self, ctx: &FileCtx<'_>, sink: &Sink, store: Option<&str>) {
        const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
        const END: &[u8] = b"-----END CERTIFICATE-----";
        let data = ctx.data;
        let mut from = 0;
        for _ in 0..64 {
            let Some(i) = memchr::memmem::find(&data[from..], BEGIN).map(|i| from + i) else {
                break;
            };
            let body_start = i + BEGIN.len();
            // A certificate's PEM stays well under 64 KiB.
            let window = &data[body_start..data.len().min(body_start + (64 << 10))];
            let Some(len) = memchr::memmem::find(window, END) else {
                break;
            };
            // Compiled-in strings keep their line ends as bytes; anything but base64 and
            // white space between the markers is not a PEM body.
            let raw = &window[..len];
            let body: Option<String> = raw
                .iter()
                .filter(|b| !b.is_ascii_whitespace())
                .map(|&b| {
                    (b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
                        .then_some(b as char)
                })
                .collect();
            from = body_start + len + END.len();
            // A sound CA certificate compiled into a program is a root it trusts (a cloud
            // service's root CA), nothing to report; a weak or expired one, or the device's own
            // certificate, is examined like any other.
            if let Some(der) = body.as_deref().and_then(decode_b64)
                && let Ok((_, cert)) = x509_parser::parse_x509_certificate(&der)
                && !(cert.is_ca()
                    && weak_root(&cert).is_none()
                    && !sha1_signed(&cert)
                    && cert.validity().not_after.timestamp() >= self.now)
            {
                self.certificate(ctx, sink, &der, i, store);
            }
        }
    }

    fn encoded_keys(&self, ctx: &FileCtx<'_>, sink: &Sink) {
        let mut found = Vec::new();
        keys_in_encodings(ctx.data, &[], &mut found);
        for (k, at, how) in found {
            self.key_hit_in(ctx, sink, k, at, Some(&how));
        }
    }
}

impl Check for Crypto {
    fn area(&self) -> &'static str {
        "crypto"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        INFOS.to_vec()
    }

    fn file(&self, ctx: &FileCtx<'_>, sink: &Sink) {
        let name = ctx.entry.name();
        let store = trust_store(&ctx.entry.path, ctx.fs_path());
        match ctx.kind {
            ContentKind::Text => {
                let text = ctx.lossy();
                if text.contains("-----BEGIN ") {
                    for (label, offset, body, headers) in pem_blocks(text) {
                        let Some(der) = decode_b64(&body) else {
                            sink.error(format!(
                                "{}: PEM block {label} at offset {offset} is not base64",
                                ctx.entry.path
                            ));
                            continue;
                        };
                        if label == "CERTIFICATE"
                            || label == "X509 CERTIFICATE"
                            || label == "TRUSTED CERTIFICATE"
                        {
                            self.certificate(ctx, sink, &der, offset, store.as_deref());
                        } else if label.contains("PRIVATE KEY") {
                            match pem_key(&label, &der, headers) {
                                Some(k) => self.key_hit(ctx, sink, k, offset),
                                None => sink.error(format!(
                                    "{}: {label} at offset {offset} does not parse",
                                    ctx.entry.path
                                )),
                            }
                        }
                    }
                }
                self.encoded_keys(ctx, sink);
                if let Some(rest) = text.strip_prefix("PuTTY-User-Key-File-") {
                    let encrypted = !text.contains("Encryption: none");
                    let mut lines = rest.lines();
                    let blob = lines
                        .by_ref()
                        .find_map(|l| l.strip_prefix("Public-Lines: "))
                        .and_then(|n| n.trim().parse::<usize>().ok())
                        .and_then(|n| decode_b64(&lines.take(n).collect::<Vec<_>>().join("")));
                    if let Some(blob) = blob {
                        self.key_hit(ctx, sink, public_blob_info(&blob, encrypted, "putty"), 0);
                    }
                }
                if name == "authorized_keys" || name == "authorized_keys2" {
                    for (n, line) in text.lines().enumerate() {
                        let w: Vec<&str> = line.split_whitespace().collect();
                        let Some(i) = w
                            .iter()
                            .position(|t| t.starts_with("ssh-") || t.starts_with("ecdsa-"))
                        else {
                            continue;
                        };
                        let Some(blob) = w.get(i + 1).and_then(|b| decode_b64(b)) else {
                            continue;
                        };
                        let k = public_blob_info(&blob, false, "authorized_keys");
                        let comment = w.get(i + 2..).map(|c| c.join(" ")).unwrap_or_default();
                        sink.hit(
                            Hit::new(
                                &AUTHORIZED_KEY,
                                &ctx.entry.path,
                                &k.fingerprint,
                                format!("{} {} {comment}", w[i], k.fingerprint),
                            )
                            .line(n + 1)
                            .detail("fingerprint", k.fingerprint.clone())
                            .detail("key_type", k.kind.clone())
                            .detail("comment", comment.clone()),
                        );
                    }
                }
            }
            ContentKind::Binary if ctx.data.len() < 64 * 1024 => {
                // DER keys by structure, and dropbear key files.
                let k = if ctx.data.first() == Some(&0x30) {
                    pkcs8(ctx.data)
                        .or_else(|| pkcs1_rsa(ctx.data))
                        .or_else(|| sec1_ec(ctx.data))
                        .map(|mut k| {
                            k.format = "der";
                            k
                        })
                } else {
                    dropbear(ctx.data)
                };
                if let Some(k) = k {
                    self.key_hit(ctx, sink, k, 0);
                } else if ctx.data.first() == Some(&0x30)
                    && (name.ends_with(".crt")
                        || name.ends_with(".cer")
                        || name.ends_with(".der")
                        || is_der_certificate(ctx.data))
                {
                    // By name, or (under any name) when the whole file is one certificate.
                    self.certificate(ctx, sink, ctx.data, 0, store.as_deref());
                } else {
                    self.embedded_keys(ctx, sink);
                    self.embedded_certificates(ctx, sink, store.as_deref());
                }
            }
            ContentKind::Binary | ContentKind::Elf => {
                self.embedded_keys(ctx, sink);
                self.embedded_certificates(ctx, sink, store.as_deref());
            }
            _ => {}
        }
    }

    fn finish(&self, _tree: &Tree, sink: &Sink, _extras: &mut Extras) {
        let stores = std::mem::take(&mut *self.stores.lock().unwrap_or_else(|p| p.into_inner()));
        for (path, mut s) in stores {
            s.weak.sort();
            let weak: Vec<serde_json::Value> = s
                .weak
                .iter()
                .map(|(subject, reason, file)| {
                    serde_json::json!({ "subject": subject, "reason": reason, "file": file })
                })
                .collect();
            let plural =
                |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
            sink.hit(
                Hit::new(
                    &TRUST_STORE,
                    &path,
                    "trust-store",
                    format!(
                        "{}, {} weak, {} expired",
                        plural(s.roots, "root certificate", "root certificates"),
                        s.weak_count,
                        s.expired
                    ),
                )
                .title(format!(
                    "Trust store with {} ({} weak)",
                    plural(s.roots, "root", "roots"),
                    s.weak_count
                ))
                .detail("roots", s.roots)
                .detail("weak_roots", s.weak_count)
                .detail("weak", weak)
                .detail("expired_roots", s.expired)
                .detail("sha1_self_signed_roots", s.sha1_signed),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAL5BO1Eu15/J46yZ
eas6ELcBzRXRFNWYYFazZaR9F2Gh0kV5K77ID1qnPkhTAVqmreQC+XhMuXGcC4mo
iLdqBeggBzuRICbZ5E0YKP1F+kgsNczYLtMq9dDPjzhQrkIfoz927YHuiv38hR4m
J/8GHbQkruTQ5K0nmMpe30oM7lq7AgMBAAECgYAPlJn9+P8Rh+AMR3lOS3AI/K3F
5px1LYheMUzWnqPmi/EDXXv2oL2ZJ+8SzzFiMho1fQTfFDFvm17ahCHGG3mmN6GU
HujoHN2J4/Jc+qK8DYtzWCyr8zKzv4+TOqLjCTgmulSP8yz0+4yvQnhyXq5ltBfz
+oEqr8h11wBoe62qKQJBAOc/NW/vTswAQf5tytMrsSPjx88FptB0IJ5O+0JSW0Zp
GRZlP0DOLl3lOno+Wsw5ILun3WL56EtNQ1p5TTDYHo8CQQDSnrqA69KUaxcxYLc+
BJmYTKKOMTp6h3ZeaAeHIIhBrcZJ3IfzMQuyMm3xeL7ucb8IBjb2nXzWa8oz8T7S
uxcVAkBNOmffRR2cta1UilhFY/8ZzFWLhwip706BcEErahO/lRPizddtDi6f/xEj
iDWMpLuQ0EP4bRuuIlSPH5mu6U5zAkEApFeITUo1MOvy1+uQb8rlEkpR2MOezrbe
bMGdhhmjWCRBAacbSW4uoyfoU6+Uw7driNZYksvF+gV3bFpEW+fyFQJAAcOGVmc9
eGvrlm+BroWT2l6Y730UT4ePTjoduZ3ZLTJ/ks6s7h7XtjfoIm+JnXGElk/ohnMg
GHxyWB9wwQa5uw==
-----END PRIVATE KEY-----
";

    #[test]
    fn pkcs8_rsa_key_type_size_and_ssh_fingerprint() {
        let blocks = pem_blocks(RSA_PKCS8);
        assert_eq!(blocks.len(), 1);
        let der = decode_b64(&blocks[0].2).unwrap();
        let k = pem_key(&blocks[0].0, &der, false).unwrap();
        assert_eq!(
            (k.kind.as_str(), k.bits, k.encrypted),
            ("rsa", Some(1024), false)
        );
        // `ssh-keygen -lf` on this key prints the same SHA256 fingerprint.
        assert!(k.fingerprint.starts_with("SHA256:"), "{}", k.fingerprint);
        assert_eq!(k.fingerprint.len(), 7 + 43);
    }

    const WEAK_ROOT: &str = include_str!("../../../pipeline/tests/corpus/weak-selfsigned.crt");

    #[test]
    fn trust_store_locations() {
        assert_eq!(
            trust_store(
                "fw!/etc/ssl/certs/ca-certificates.crt",
                "/etc/ssl/certs/ca-certificates.crt"
            )
            .as_deref(),
            Some("fw!/etc/ssl/certs/ca-certificates.crt")
        );
        assert_eq!(
            trust_store(
                "fw!/usr/share/ca-certificates/mozilla/X.crt",
                "/usr/share/ca-certificates/mozilla/X.crt"
            )
            .as_deref(),
            Some("fw!/usr/share/ca-certificates")
        );
        assert_eq!(
            trust_store("fw!/etc/lighttpd/server.pem", "/etc/lighttpd/server.pem"),
            None
        );
        // A decoded member's path does not end with its file's path: not a store file.
        assert_eq!(trust_store("fw!/a.gz!/a", "/etc/ssl/certs/a.gz"), None);
    }

    #[test]
    fn roots_are_counted_and_weak_ones_named() {
        let der = decode_b64(&pem_blocks(WEAK_ROOT)[0].2).unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        // RSA-1024 is weak; its SHA-1 self-signature alone would not be.
        assert_eq!(weak_root(&cert).as_deref(), Some("1024-bit RSA key"));
        let c = Crypto::new(1_893_456_000);
        c.record_root("fw!/etc/ssl/certs", &cert, "fw!/etc/ssl/certs/gw.crt");
        c.record_root("fw!/etc/ssl/certs", &cert, "fw!/etc/ssl/certs/gw2.crt");
        let sink = Sink::new();
        let tree = netvet_unpack::open_source(
            "x",
            std::sync::Arc::new(netvet_unpack::MemSource::new(vec![0u8; 16])),
            &netvet_unpack::Options::default(),
            None,
        );
        c.finish(&tree, &sink, &mut Extras::default());
        let f = sink.into_parts().0;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].check, "nv-crypto-trust-store");
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(f[0].evidence, "2 root certificates, 2 weak, 2 expired");
        assert_eq!(f[0].details["sha1_self_signed_roots"], 2);
        assert_eq!(f[0].details["weak"][0]["file"], "fw!/etc/ssl/certs/gw.crt");
    }

    #[test]
    fn garbage_in_pem_is_an_error_not_a_panic() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\n!!!notbase64\n-----END RSA PRIVATE KEY-----\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n";
        for (label, _, body, headers) in pem_blocks(text) {
            if let Some(der) = decode_b64(&body) {
                assert!(pem_key(&label, &der, headers).is_none());
            }
        }
        assert!(der::tlv(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
    }

    fn der_of(pem: &str) -> Vec<u8> {
        let (_, _, body, _) = pem_blocks(pem).remove(0);
        decode_b64(&body).unwrap()
    }

    fn fingerprint_of(pem: &str) -> String {
        pkcs8(&der_of(pem)).unwrap().fingerprint
    }

    #[test]
    fn keys_inside_binaries_are_found_by_pem_and_by_der_structure() {
        let fp = fingerprint_of(RSA_PKCS8);
        let mut blob = crate::checks::tests_noise(4096);
        blob.push(0);
        blob.extend_from_slice(RSA_PKCS8.as_bytes());
        blob.push(0);
        let found = keys_in_binary(&blob);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.fingerprint, fp);
        assert_eq!(found[0].1, 4097);
        assert_eq!(found[0].2, "PEM inside a binary file");
        let mut blob = crate::checks::tests_noise(1000);
        blob.extend_from_slice(&der_of(RSA_PKCS8));
        blob.extend(crate::checks::tests_noise(500));
        let found = keys_in_binary(&blob);
        assert_eq!(
            found.len(),
            1,
            "{:?}",
            found.iter().map(|f| f.1).collect::<Vec<_>>()
        );
        assert_eq!(
            (found[0].0.fingerprint.as_str(), found[0].1),
            (fp.as_str(), 1000)
        );
        assert_eq!(found[0].0.kind, "rsa");
        assert_eq!(found[0].0.bits, Some(1024));
    }

    #[test]
    fn a_pem_writers_format_strings_are_not_keys() {
        let lib = b"\0-----BEGIN %s-----\n\0-----BEGIN PRIVATE KEY-----\n\0-----END PRIVATE KEY-----\n\0\x30\x82\x01\x00\x02\x01\x00\x02\x81";
        assert!(keys_in_binary(lib).is_empty());
    }

    #[test]
    fn keys_encoded_in_text_are_found_through_nested_encodings() {
        use base64::engine::general_purpose::STANDARD;
        let fp = fingerprint_of(RSA_PKCS8);
        let der = der_of(RSA_PKCS8);
        let b64 = STANDARD.encode(&der);
        let cases = [
            (
                format!("{{\"tls\": {{\"key\": \"{b64}\"}}}}"),
                "DER as base64 in text",
            ),
            (
                format!("[tls]\nkey = {}\n", hex::encode(&der)),
                "DER as hex in text",
            ),
            (
                format!("<key>{}</key>", STANDARD.encode(RSA_PKCS8)),
                "PEM as base64 in text",
            ),
            (
                format!("TLS_KEY={}\n", STANDARD.encode(STANDARD.encode(RSA_PKCS8))),
                "PEM as base64 of base64 in text",
            ),
            (
                format!("{{\"key\": \"{}\"}}", RSA_PKCS8.replace('\n', "\\n")),
                "PEM with escaped line breaks in text",
            ),
        ];
        for (text, how) in cases {
            let mut found = Vec::new();
            keys_in_encodings(text.as_bytes(), &[], &mut found);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].0.fingerprint, fp, "{text}");
            assert_eq!(found[0].2, how, "{text}");
        }
        // Long base64 that is not a key, and the body of a PEM key in clear, give nothing.
        let mut found = Vec::new();
        let noise = STANDARD.encode(crate::checks::tests_noise(300));
        keys_in_encodings(
            format!("blob={noise}\n{RSA_PKCS8}").as_bytes(),
            &[],
            &mut found,
        );
        assert!(
            found.is_empty(),
            "{:?}",
            found.iter().map(|f| &f.2).collect::<Vec<_>>()
        );
    }
}

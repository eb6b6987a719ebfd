//! Findings: what a check saw in an image, with where, why it matters and what to do.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Severity, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "info" | "none" => Severity::Info,
            "low" => Severity::Low,
            "medium" | "moderate" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => {
                return Err(format!(
                    "unknown severity {s:?} (info, low, medium, high, critical)"
                ));
            }
        })
    }
}

/// What kind of problem a finding is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// A published or structural back door: magic credentials, hidden listeners, debug shells.
    Backdoor,
    /// Accounts and credentials: empty or default passwords, hard-coded secrets.
    Credential,
    /// Private keys, certificates, host keys.
    CryptoMaterial,
    /// Network services and how they are started and authenticated.
    Service,
    /// Hard-coded addresses, domains and URLs; beacons.
    NetworkIndicator,
    /// Binary and system hardening.
    Hardening,
    /// Known vulnerabilities of components.
    Vulnerability,
    /// Unsupported (end-of-life) components and software inventory problems.
    Component,
    /// Image integrity: unsigned updates, SBOM mismatches, bad checksums.
    Integrity,
    /// Insecure configuration not covered above.
    Configuration,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Backdoor => "backdoor",
            Category::Credential => "credential",
            Category::CryptoMaterial => "crypto-material",
            Category::Service => "service",
            Category::NetworkIndicator => "network-indicator",
            Category::Hardening => "hardening",
            Category::Vulnerability => "vulnerability",
            Category::Component => "component",
            Category::Integrity => "integrity",
            Category::Configuration => "configuration",
        }
    }
}

/// Where in the image a finding is.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct Location {
    /// Virtual path (`fw.bin!/rootfs.squashfs!/etc/shadow`).
    pub path: String,
    /// Byte offset in the file, when the finding is at one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub offset: Option<u64>,
    /// 1-based line in a text file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
}

/// One finding of one check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable id: a fingerprint of the check, the location and what was found, so the same
    /// problem has the same id across scans (for baselines and SARIF).
    pub id: String,
    /// Id of the check that found it, e.g. `nv-account-empty-password`.
    pub check: String,
    pub title: String,
    pub severity: Severity,
    pub category: Category,
    /// CWE numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<u32>,
    pub location: Location,
    /// What was seen, with secrets redacted.
    pub evidence: String,
    pub remediation: String,
    /// Requirement clauses and advisories the finding bears on, as `scheme:document:clause`
    /// (`3gpp:33.117:4.2.3.4.2.3`) or `cve:CVE-2020-29583`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Structured details (key type and fingerprint, port, CVE data...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, serde_json::Value>,
    /// Set when an entry of a suppression file (`scan --suppress`) matched the finding: JSON
    /// and SARIF keep it, marked; tables leave it out and count it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

/// Why a finding is suppressed: the reason its entry gives, where that entry is, and until
/// when it holds.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct Suppression {
    /// The entry's mandatory reason.
    pub reason: String,
    /// The entry: `FILE:LINE`.
    pub source: String,
    /// The last day the entry holds (`YYYY-MM-DD`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The id of a finding of `check` at the virtual path `path`, told apart by `parts`. The
/// input's own file name (the first component of the path) is left out, so the same image
/// under another name gives the same ids (baselines match by content, not by file name).
pub fn finding_id(check: &str, path: &str, parts: &[&str]) -> String {
    let inside = path.split_once("!/").map_or("", |(_, rest)| rest);
    let mut all = Vec::with_capacity(parts.len() + 1);
    all.push(inside);
    all.extend_from_slice(parts);
    fingerprint(check, &all)
}

/// A stable id from a check id and the parts that identify one occurrence.
pub fn fingerprint(check: &str, parts: &[&str]) -> String {
    // FNV-1a 128 is stable across platforms and versions, unlike std's hasher.
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for part in std::iter::once(check).chain(parts.iter().copied()) {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= b as u128;
            h = h.wrapping_mul(0x0000000001000000000000000000013B);
        }
    }
    format!("{:032x}", h)[..20].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_ids_do_not_depend_on_the_input_name() {
        let a = finding_id("nv-x", "fw-1.0.bin!/rootfs!/etc/shadow", &["root"]);
        assert_eq!(
            a,
            finding_id("nv-x", "renamed.img!/rootfs!/etc/shadow", &["root"])
        );
        assert_ne!(
            a,
            finding_id("nv-x", "fw-1.0.bin!/rootfs!/etc/passwd", &["root"])
        );
        assert_ne!(
            a,
            finding_id("nv-x", "fw-1.0.bin!/rootfs!/etc/shadow", &["admin"])
        );
        // A single file given as input: its location is the file itself, whatever its name.
        assert_eq!(
            finding_id("nv-x", "a.elf", &["k"]),
            finding_id("nv-x", "b.elf", &["k"])
        );
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("urgent".parse::<Severity>().is_err());
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = fingerprint("nv-x", &["fw!/etc/shadow", "root"]);
        assert_eq!(a, fingerprint("nv-x", &["fw!/etc/shadow", "root"]));
        assert_ne!(a, fingerprint("nv-x", &["fw!/etc/shadowroot"]));
        assert_eq!(a.len(), 20);
    }
}

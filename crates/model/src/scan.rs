//! The result of scanning one firmware image: findings, the service inventory, components and
//! their vulnerabilities, and a hardening summary. This is the evidence the assessment stage
//! reads (`netvet assess --evidence DIR` takes files of this schema).

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Location, Severity};
use crate::image::{Coverage, ImageReport};

/// Schema identifier of [`ScanReport`].
pub const SCAN_REPORT_SCHEMA: &str = "netvet.scan/1";

/// Everything `netvet scan` learnt about one image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScanReport {
    /// Always [`SCAN_REPORT_SCHEMA`].
    #[schemars(extend("const" = SCAN_REPORT_SCHEMA))]
    pub schema: String,
    /// The layer report of the image (its `sha256` links the scan to product records).
    pub image: ImageReport,
    pub findings: Vec<Finding>,
    /// Network services the image starts.
    pub services: Vec<Service>,
    /// Software components found (the SBOM).
    #[serde(default)]
    pub components: Vec<Component>,
    /// Known vulnerabilities of those components.
    #[serde(default)]
    pub vulnerabilities: Vec<Vulnerability>,
    /// Hardening of the ELF binaries, per filesystem.
    #[serde(default)]
    pub hardening: Vec<Hardening>,
    /// Problems checks had reading parts of the image (the scan went on).
    #[serde(default)]
    pub errors: Vec<String>,
    /// The advisory data the vulnerabilities were matched against, and its age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory_data: Option<AdvisoryData>,
    /// How much of the image the findings cover (see [`ScanReport::assess_coverage`]).
    #[serde(default = "complete")]
    pub coverage: Coverage,
}

fn complete() -> Coverage {
    Coverage::Complete
}

/// Schema identifier of [`ScanSet`].
pub const SCAN_SET_SCHEMA: &str = "netvet.scan-set/1";

/// Several scans in one document (`netvet scan` of more than one image).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScanSet {
    /// Always [`SCAN_SET_SCHEMA`].
    #[schemars(extend("const" = SCAN_SET_SCHEMA))]
    pub schema: String,
    pub scans: Vec<ScanReport>,
}

impl ScanSet {
    /// The set of `scans`, in the order given.
    pub fn new(scans: Vec<ScanReport>) -> ScanSet {
        ScanSet {
            schema: SCAN_SET_SCHEMA.to_string(),
            scans,
        }
    }
}

impl ScanReport {
    /// The coverage of the image's layers, lowered to partial when checks or catalogers
    /// could not read something.
    pub fn assess_coverage(&self) -> Coverage {
        match self.image.coverage() {
            Coverage::Complete if !self.errors.is_empty() => Coverage::Partial,
            c => c,
        }
    }

    /// The highest severity among the findings, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// A network service an image starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Service {
    /// Daemon name, e.g. `telnetd`, `dropbear`.
    pub name: String,
    /// Virtual path of the binary, when resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
    /// Listening ports, when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// How it is started: `inittab`, `init.d`, `systemd`, `inetd`, `procd`, `cron`...
    pub started_by: String,
    /// When it is started: `boot`, `respawn`, `hourly`, `cron 0 3 * * *`, `on connection to
    /// port 23`, `not started`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// The chain from the start point to the script that starts it, e.g.
    /// `/etc/inittab:1 (sysinit) → /etc/init.d/rcS:12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Who may use it: `none`, `password`, `key`, `unknown`.
    pub authentication: String,
    /// The file and line that start it.
    pub location: Location,
}

/// A transport port.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct Port {
    pub number: u16,
    pub protocol: Protocol,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    /// The lowercase name, as in the JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

/// What kind of thing a component is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentType {
    /// Installed by a package manager (dpkg, opkg, apk).
    Package,
    /// Recognised from a program's bytes.
    Binary,
    Library,
    Kernel,
    Firmware,
    OperatingSystem,
}

/// A piece of software in an image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Component {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "type")]
    pub kind: ComponentType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    /// End of support, when known (ISO date), and whether it has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_of_support: Option<String>,
    #[serde(default)]
    pub unsupported: bool,
    pub evidence: Vec<ComponentEvidence>,
    /// The OSV ecosystem its advisories are published under (`Debian:12`, `Alpine:v3.19`,
    /// `Maven`), when the catalogers know it; the matcher then searches that ecosystem with
    /// its version scheme instead of CPEs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// The source package it was built from (dpkg `Source`, rpm source name, apk origin),
    /// when the package database says; distributions publish advisories under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_package: Option<String>,
    /// The distribution release it belongs to, as in the PURL's `distro` qualifier
    /// (`debian-12`, `alpine-3.19`); end of support follows that release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<String>,
    /// Other facts catalogers recorded, keyed `namespace:name`: `busybox:applets`,
    /// `kernel:release`, `rpm:sourcerpm`, `license`...
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
}

impl Component {
    /// A component with only a name, version and type; the other fields empty.
    pub fn new(name: impl Into<String>, version: Option<String>, kind: ComponentType) -> Component {
        Component {
            name: name.into(),
            version,
            kind,
            purl: None,
            cpes: Vec::new(),
            end_of_support: None,
            unsupported: false,
            evidence: Vec::new(),
            ecosystem: None,
            source_package: None,
            distro: None,
            properties: BTreeMap::new(),
        }
    }
}

/// Why a component is believed present.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ComponentEvidence {
    pub path: String,
    /// Cataloger or classifier id, e.g. `opkg-status-cataloger`, `busybox-binary`.
    pub cataloger: String,
    /// 0 to 1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub confidence: f64,
}

// The strings many matches have in common (the component, the advisory's summary, the
// lookup, scheme and source of the evidence) are shared (`Arc<str>`, serialised as strings):
// 10,000 components can match 180,000 times.
/// A known vulnerability matched to a component.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Vulnerability {
    /// Advisory id (CVE, GHSA, OSV id).
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The component's PURL or `name@version`.
    pub component: Arc<str>,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_in: Option<String>,
    /// Listed in CISA's Known Exploited Vulnerabilities catalogue.
    #[serde(default)]
    pub known_exploited: bool,
    /// How the match was made (ecosystem and range, or CPE).
    pub matched_by: String,
    /// The advisory's one-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Arc<str>>,
    /// What was searched and what matched, for explaining (and disputing) the match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<MatchEvidence>,
}

/// The advisory data a match ran against: which feeds, how old, and the warnings a reader of
/// the results must see (sample data only, stale feeds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AdvisoryData {
    /// The index file, or `built-in advisories` for the samples compiled into netvet.
    pub index: String,
    /// Only the repository's sample advisories were available: absent matches mean nothing.
    pub samples_only: bool,
    /// Advisories in the index (KEV entries not counted).
    #[serde(default)]
    pub advisories: u64,
    /// The index holds vulnerability feeds (OSV, NVD), not only samples: a clean match can
    /// mean something, subject to the feeds' age.
    #[serde(default)]
    pub full_feeds: bool,
    /// CISA's Known Exploited Vulnerabilities catalogue is loaded, so `known_exploited` flags
    /// mean something.
    #[serde(default)]
    pub kev: bool,
    /// One entry per feed (`osv`, `nvd`, `kev`, `built-in`), sorted by feed.
    pub feeds: Vec<FeedAge>,
    /// Warnings to show next to the results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// How old one feed's data in the index is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FeedAge {
    /// `osv`, `nvd`, `kev` or `built-in`.
    pub feed: String,
    /// Files or downloads imported for it.
    pub sources: u64,
    /// Advisories or KEV entries.
    pub records: u64,
    /// The newest modification time among its records (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<String>,
    /// When it was last downloaded by `netvet db update` (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched: Option<String>,
    /// When it was last imported into the index (RFC 3339, UTC).
    pub imported: String,
    /// Whole days from `newest` (else `imported`) to the matching date.
    pub age_days: u64,
    /// Older than the staleness threshold.
    pub stale: bool,
}

/// What a matcher searched for and what it found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MatchEvidence {
    /// The lookup: `osv Debian:12 openssl 3.0.11-1~deb12u2` or a CPE such as
    /// `cpe:2.3:a:openssl:openssl:1.0.1e:*:*:*:*:*:*:*`.
    pub searched: Arc<str>,
    /// The advisory's range or version that contained the component's version:
    /// `>=1.0.1, <1.0.1g` or `=1.0.1e`.
    pub matched: String,
    /// The version scheme that compared them: `dpkg`, `apk`, `semver`, `generic`.
    pub scheme: Arc<str>,
    /// Where the advisory came from (the imported file or `builtin:...`).
    pub source: Arc<str>,
}

/// Hardening of the ELF binaries of one filesystem: counts, and each binary's properties.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Hardening {
    /// Virtual path of the filesystem (`fw.bin!/0x100000.squashfs`).
    pub root: String,
    pub binaries: u64,
    pub executables: u64,
    pub libraries: u64,
    pub nx: u64,
    pub pie: u64,
    pub relro_full: u64,
    pub relro_partial: u64,
    pub canary: u64,
    pub fortify: u64,
    pub rpath: u64,
    pub stripped: u64,
    pub setuid: u64,
    pub capabilities: u64,
    pub with_dangerous_imports: u64,
    pub details: Vec<BinaryHardening>,
}

/// The hardening properties of one ELF binary.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct BinaryHardening {
    pub path: String,
    /// `executable`, `library` (shared object without an interpreter) or `relocatable`.
    pub kind: String,
    pub machine: String,
    pub nx: bool,
    pub pie: bool,
    /// `none`, `partial` or `full`.
    pub relro: String,
    pub canary: bool,
    pub fortify: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rpath: Vec<String>,
    pub stripped: bool,
    pub setuid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dangerous_imports: Vec<String>,
}

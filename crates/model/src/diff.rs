//! What changed between two releases (`netvet.diff/1`) and whether two images are the same
//! build (`netvet.equivalence/1`).
//!
//! Paths in both documents are *logical*: the virtual path without the input's own name, with
//! carved layers named by format rather than by offset (`[squashfs]!/etc/passwd`, the second
//! squashfs of the same container `[squashfs#2]!/…`), so that a root filesystem that moved
//! inside the flash image is still compared with itself.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::finding::Severity;
use crate::scan::{Port, Service};

/// Schema id of [`DiffReport`].
pub const DIFF_SCHEMA: &str = "netvet.diff/1";
/// Schema id of [`EquivalenceReport`].
pub const EQUIVALENCE_SCHEMA: &str = "netvet.equivalence/1";

/// One side of a comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Side {
    /// The input's file name.
    pub input: String,
    /// `image` (unpacked and read) or `analysis` (a stored `netvet.scan/1` report: no file
    /// contents to compare).
    pub kind: String,
    /// SHA-256 of the input image (from the analysis for a stored one).
    pub sha256: String,
    pub size: u64,
    /// How much of the image was read (`complete`, `partial`, `unreadable`).
    pub coverage: String,
}

/// Counts of every kind of change, for a headline and for gates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DiffSummary {
    pub layers_changed: u64,
    pub files_added: u64,
    pub files_removed: u64,
    pub files_changed: u64,
    pub files_renamed: u64,
    /// Files whose content is the same but whose mode, owner or link target changed.
    pub metadata_changed: u64,
    /// Changed files that are ELF binaries (their sections, symbols and strings compared).
    pub binaries_changed: u64,
    pub services_added: u64,
    pub services_removed: u64,
    pub listeners_added: u64,
    pub listeners_removed: u64,
    pub accounts_added: u64,
    pub accounts_removed: u64,
    pub accounts_changed: u64,
    pub keys_added: u64,
    pub keys_removed: u64,
    pub certificates_added: u64,
    pub certificates_removed: u64,
    pub components_added: u64,
    pub components_removed: u64,
    pub components_changed: u64,
    pub vulnerabilities_fixed: u64,
    pub vulnerabilities_introduced: u64,
    pub findings_new: u64,
    pub findings_resolved: u64,
    pub hardening_regressions: u64,
    pub hardening_improvements: u64,
}

/// What changed between two releases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DiffReport {
    /// Always [`DIFF_SCHEMA`].
    #[schemars(extend("const" = DIFF_SCHEMA))]
    pub schema: String,
    pub old: Side,
    pub new: Side,
    /// False when either side is a stored analysis: layers, files, binaries, accounts, keys
    /// and certificates are then taken from findings only, or not compared.
    pub files_compared: bool,
    pub summary: DiffSummary,
    pub layers: Vec<LayerChange>,
    pub files: Vec<FileChange>,
    pub services: ServiceChanges,
    pub listeners: ListenerChanges,
    pub accounts: AccountChanges,
    pub keys: MaterialChanges,
    pub certificates: MaterialChanges,
    pub components: ComponentChanges,
    pub vulnerabilities: VulnerabilityChanges,
    pub findings: FindingChanges,
    pub hardening: HardeningChanges,
    /// What limited the comparison (budgets met, parts not read).
    pub notes: Vec<String>,
}

/// How an item changed.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Added,
    Removed,
    Changed,
    Renamed,
    /// Same content; mode, owner or link target changed.
    Metadata,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
            Change::Renamed => "renamed",
            Change::Metadata => "metadata",
        }
    }
}

/// A layer (filesystem, archive, container) added, removed or re-encoded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LayerChange {
    pub change: Change,
    /// Logical path of the layer.
    pub path: String,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new: Option<String>,
}

/// A file (or link, directory, device) added, removed, changed or renamed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileChange {
    pub change: Change,
    /// Logical path in the new release (the old one for a removed file).
    pub path: String,
    /// The old path of a renamed file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old_path: Option<String>,
    /// `file`, `symlink`, `dir`, … (of the new release when it changed kind).
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new_sha256: Option<String>,
    /// Metadata that changed, as `mode 0755 → 4755`, `owner 0:0 → 1000:1000`,
    /// `target a → b`, `kind file → symlink`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<String>,
    /// For a changed ELF binary: what changed inside.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub binary: Option<BinaryChange>,
}

/// What changed inside an ELF binary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BinaryChange {
    /// Sections added, removed or with other content.
    pub sections: Vec<SectionChange>,
    pub imports_added: Vec<String>,
    pub imports_removed: Vec<String>,
    pub exports_added: Vec<String>,
    pub exports_removed: Vec<String>,
    /// Printable strings (6 or more characters) added, at most the first 200.
    pub strings_added: Vec<String>,
    pub strings_removed: Vec<String>,
    /// All strings added and removed, when the lists above were cut.
    pub strings_added_total: u64,
    pub strings_removed_total: u64,
}

/// A section of an ELF binary that changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SectionChange {
    pub change: Change,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new_size: Option<u64>,
}

/// Services started by one release and not the other.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceChanges {
    pub added: Vec<Service>,
    pub removed: Vec<Service>,
}

/// A port a service listens on, with the program.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Listener {
    pub service: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub program: Option<String>,
    pub port: Port,
    pub authentication: String,
}

/// Listeners opened and closed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListenerChanges {
    pub added: Vec<Listener>,
    pub removed: Vec<Listener>,
}

/// A login account of one root filesystem (`/etc/passwd`, with `/etc/shadow`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Account {
    /// Logical path of the passwd file.
    pub file: String,
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub shell: String,
    /// `locked`, `empty`, `set`, or `unknown` (no shadow entry).
    pub password: String,
}

/// A changed account: its old and new record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AccountChange {
    pub old: Account,
    pub new: Account,
}

/// Accounts added, removed and changed (uid, shell, password state).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AccountChanges {
    pub added: Vec<Account>,
    pub removed: Vec<Account>,
    pub changed: Vec<AccountChange>,
}

/// A key or certificate, by where it is and what it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Material {
    /// Logical path of the file holding it.
    pub path: String,
    /// `RSA PRIVATE KEY`, `OPENSSH PRIVATE KEY`, `CERTIFICATE`, `ssh-ed25519`, … or the check
    /// that reported it when only findings were compared.
    pub kind: String,
    /// SHA-256 of its encoded form (first 16 hex digits), so a replaced key shows as one
    /// removed and one added even at the same path.
    pub fingerprint: String,
}

/// Keys or certificates added and removed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MaterialChanges {
    pub added: Vec<Material>,
    pub removed: Vec<Material>,
}

/// A software component, as the comparison keys it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct ComponentRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ecosystem: Option<String>,
}

/// A component whose version changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VersionChange {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ecosystem: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new_version: Option<String>,
}

/// Components added, removed and upgraded or downgraded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ComponentChanges {
    pub added: Vec<ComponentRef>,
    pub removed: Vec<ComponentRef>,
    pub changed: Vec<VersionChange>,
}

/// A vulnerability of a component.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct VulnerabilityRef {
    pub id: String,
    pub component: String,
    pub severity: Severity,
    pub known_exploited: bool,
}

/// Vulnerabilities fixed by the new release and introduced by it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VulnerabilityChanges {
    pub fixed: Vec<VulnerabilityRef>,
    pub introduced: Vec<VulnerabilityRef>,
}

/// A finding, by its stable id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct FindingRef {
    pub id: String,
    pub check: String,
    pub severity: Severity,
    pub title: String,
    /// Logical path.
    pub path: String,
}

/// Findings only the new release has, and findings it no longer has.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingChanges {
    pub new: Vec<FindingRef>,
    pub resolved: Vec<FindingRef>,
}

/// One hardening property of one binary that got worse or better.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct HardeningChange {
    /// Logical path of the binary.
    pub path: String,
    /// `nx`, `pie`, `relro`, `canary`, `fortify`, `rpath`, `setuid`, `capabilities`,
    /// `dangerous-imports`.
    pub property: String,
    pub old: String,
    pub new: String,
}

/// Hardening regressions and improvements of binaries present in both releases.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HardeningChanges {
    pub regressions: Vec<HardeningChange>,
    pub improvements: Vec<HardeningChange>,
}

/// Whether two images are the same build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EquivalenceVerdict {
    /// Every difference is explained by a normalisation that does not change behaviour.
    Equivalent,
    /// At least one material difference.
    NotEquivalent,
    /// No material difference found, but part of an image could not be read, so equality
    /// cannot be claimed.
    Undetermined,
}

impl EquivalenceVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            EquivalenceVerdict::Equivalent => "equivalent",
            EquivalenceVerdict::NotEquivalent => "not-equivalent",
            EquivalenceVerdict::Undetermined => "undetermined",
        }
    }
}

/// Whether a difference matters.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DifferenceClass {
    /// Can change behaviour.
    Material,
    /// Does not change behaviour; `normalisation` says why.
    Explained,
}

/// One difference between the tested and the deployed image.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Difference {
    pub class: DifferenceClass,
    /// Logical path of the file or layer.
    pub path: String,
    /// `layer`, `added`, `removed`, `content`, `section`, `metadata`, `unread`.
    pub aspect: String,
    pub detail: String,
    /// The normalisation that explains it (ids of [`Normalisation`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub normalisation: Option<String>,
}

/// A rule that lets two different byte strings count as the same build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Normalisation {
    pub id: String,
    pub description: String,
    /// Differences it explained in this comparison.
    pub applied: u64,
}

/// Counts of the comparison.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EquivalenceCounts {
    /// Entries (files, links, directories, devices) compared by logical path.
    pub entries: u64,
    /// Entries byte-identical with the same metadata.
    pub identical: u64,
    pub explained: u64,
    pub material: u64,
}

/// Whether a deployed image is the build that was tested.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EquivalenceReport {
    /// Always [`EQUIVALENCE_SCHEMA`].
    #[schemars(extend("const" = EQUIVALENCE_SCHEMA))]
    pub schema: String,
    pub tested: Side,
    pub deployed: Side,
    pub verdict: EquivalenceVerdict,
    pub counts: EquivalenceCounts,
    /// Every normalisation netvet knows, with how often it applied here.
    pub normalisations: Vec<Normalisation>,
    /// Every difference, material first.
    pub differences: Vec<Difference>,
}

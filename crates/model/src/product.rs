//! Product records: what a product is (vendor, name, version, network functions), how it was
//! certified, which services it is declared to run, and which firmware images it ships — whose
//! digests link it to scan reports.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::dossier::SourceStatus;
use crate::network::NetworkFunction;
use crate::scan::Port;

/// Schema identifier of the JSON form of a [`Product`].
pub const PRODUCT_SCHEMA: &str = "netvet.product/1";

/// A product (or a product line when `version` is `*`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Unique lowercase id (`huawei-5g-core`).
    pub id: String,
    /// The id of the vendor's dossier.
    pub vendor: String,
    pub name: String,
    /// Other names the product is known by (for matching inventories).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The release this record describes; `*` for every release of a product line.
    pub version: String,
    /// What the product can do in a network.
    pub functions: Vec<NetworkFunction>,
    /// A fictional sample product (its weaknesses are planted for demonstration).
    #[serde(default)]
    pub fictional: bool,
    /// Where the facts of this record come from.
    #[serde(default, rename = "source", skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<RecordSource>,
    #[serde(
        default,
        rename = "certification",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub certifications: Vec<Certification>,
    /// Services the vendor documents (anything else a scan finds is undocumented).
    #[serde(default, rename = "service", skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<DeclaredService>,
    /// Firmware images of this release.
    #[serde(default, rename = "firmware", skip_serializing_if = "Vec::is_empty")]
    pub firmware: Vec<Firmware>,
    /// The id of the record of the release this one follows (same vendor). A certification
    /// of a predecessor counts for this release only where a catalogue rule accepts the
    /// comparison evidence (`netvet equivalence`, `netvet diff`) linking the tested images to
    /// this release's images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predecessor: Option<String>,
}

impl Product {
    /// True when this record describes `version` (exactly, or every version with `*`).
    pub fn covers_version(&self, version: &str) -> bool {
        self.version == "*" || self.version == version
    }
}

/// Provenance of a product record's facts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordSource {
    /// The row of the research notes (`H7`) or another short reference.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Web address or `repo:`/`doc:` citation.
    pub url: String,
    pub status: SourceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A product certification or evaluation (NESAS CCS-GI, Common Criteria, BSZ…).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    /// `NESAS-CCS-GI`, `CC`, `BSZ`, `NESAS-evaluation`…
    pub scheme: String,
    /// The certification body or test laboratory.
    pub lab: String,
    /// Certificate or report id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    pub date: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<Date>,
    /// The release evaluated.
    pub release: String,
    /// SHA-256 digests of the images tested (to prove the deployed build is the tested one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firmware_sha256: Vec<String>,
}

/// A documented network service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclaredService {
    /// Daemon or protocol name (`sshd`, `netconf`, `gtp-u`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// What it is for (`OAM`, `user plane`).
    pub purpose: String,
    /// `none`, `password`, `key`, `certificate`.
    pub authentication: String,
}

/// A firmware image of the release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Firmware {
    /// The image file name as shipped.
    pub image: String,
    pub sha256: String,
    /// The vendor declares that updates are cryptographically signed and verified on
    /// installation (a declaration, not a verification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_updates: Option<bool>,
}

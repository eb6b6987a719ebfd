//! Requirements catalogues: the metadata of a catalogue and of each requirement. The rule that
//! decides a requirement is Rego (in the catalogue's `policy/` directory); this is everything
//! around it — sources, scope, consequence, deadline, the evidence it needs.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::date::Date;
use crate::dossier::SourceStatus;
use crate::network::{Domain, NetworkFunction, Role};

/// `catalogue.toml`: what a catalogue is and on what it rests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueInfo {
    /// Short id (`de-2024`).
    pub id: String,
    pub version: String,
    pub title: String,
    /// ISO 3166 alpha-2 (`DE`, `GB`) or `EU`; an operator's overlay names its operator.
    pub jurisdiction: String,
    /// When the catalogue takes effect; requirements without a deadline apply from then.
    pub effective: Date,
    /// The laws, regulations and decisions the catalogue rests on.
    pub legal_basis: Vec<String>,
    /// First day on which the catalogue states the law (or the draft) it encodes; without one,
    /// the effective date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Date>,
    /// Last day on which it does: the day before the law it encodes was repealed or replaced.
    /// None while that law is in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
    /// Whether the catalogue encodes law that binds anyone (false for drafts, advice and
    /// operators' own policies). Defaults to true.
    #[serde(default = "binding_default", skip_serializing_if = "is_binding")]
    pub binding: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The catalogue this one extends (a built-in id, or a directory relative to this one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// Requirements of the extended catalogue that this one drops.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// Which roles count as critical in this jurisdiction. Replaces the extended catalogue's
    /// when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<Criticality>,
    /// Catalogue-wide parameters for the policies (merged over the extended catalogue's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, serde_json::Value>,
    /// Licences whose conditions the catalogue's requirements encode (merged over the extended
    /// catalogue's, by id).
    #[serde(default, rename = "licence", skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<Licence>,
}

fn binding_default() -> bool {
    true
}

fn is_binding(b: &bool) -> bool {
    *b
}

impl CatalogueInfo {
    /// The first day of the catalogue's validity (`valid_from`, else `effective`).
    pub fn valid_from(&self) -> Date {
        self.valid_from.unwrap_or(self.effective)
    }

    /// True when `date` lies within the catalogue's validity period.
    pub fn valid_on(&self, date: Date) -> bool {
        self.valid_from() <= date && self.valid_until.is_none_or(|u| date <= u)
    }

    /// Why an assessment as of `date` under this catalogue needs a caveat: the date lies
    /// outside its validity, or the catalogue binds no one. None when neither holds.
    pub fn validity_warning(&self, date: Date) -> Option<String> {
        let mut parts = Vec::new();
        if date < self.valid_from() {
            parts.push(format!(
                "the as-of date {date} is before catalogue {} is valid (from {})",
                self.id,
                self.valid_from()
            ));
        }
        if let Some(until) = self.valid_until
            && date > until
        {
            parts.push(format!(
                "the as-of date {date} is after catalogue {} ceased to be valid ({until}): the law it encodes was replaced",
                self.id
            ));
        }
        if !self.binding {
            parts.push(format!(
                "catalogue {} is not binding (a draft or advice): its verdicts say what it would require, not what the law requires",
                self.id
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// The critical roles of a jurisdiction, with the source of the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criticality {
    /// Role patterns: `core:AMF`, `core:*` (every role of a domain), `*:router`.
    pub critical: Vec<RolePattern>,
    #[serde(rename = "source")]
    pub sources: Vec<SourceRef>,
}

impl Criticality {
    /// True when `role` matches one of the critical patterns.
    pub fn is_critical(&self, role: Role) -> bool {
        self.critical.iter().any(|p| p.matches(role))
    }
}

/// `domain:function` with `*` for either part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RolePattern {
    pub domain: Option<Domain>,
    pub function: Option<NetworkFunction>,
}

impl RolePattern {
    pub fn matches(&self, role: Role) -> bool {
        self.domain.is_none_or(|d| d == role.domain)
            && self.function.is_none_or(|f| f == role.function)
    }
}

impl FromStr for RolePattern {
    type Err = String;
    fn from_str(s: &str) -> Result<RolePattern, String> {
        let Some((d, f)) = s.split_once(':') else {
            return Err(format!(
                "{s:?} is not a role pattern (domain:function, * for any)"
            ));
        };
        let domain = (d != "*").then(|| d.parse()).transpose()?;
        let function = (f != "*").then(|| f.parse()).transpose()?;
        if let (Some(d), Some(f)) = (domain, function)
            && Role::new(d, f).is_none()
        {
            return Err(format!("{f} is not deployed in the {d} domain"));
        }
        Ok(RolePattern { domain, function })
    }
}

impl fmt::Display for RolePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.domain {
            Some(d) => write!(f, "{d}:")?,
            None => f.write_str("*:")?,
        }
        match self.function {
            Some(func) => write!(f, "{func}"),
            None => f.write_str("*"),
        }
    }
}

impl Serialize for RolePattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A string `domain:function`, either part `*`.
impl schemars::JsonSchema for RolePattern {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RolePattern".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let alternatives = |names: Vec<&str>| {
            let mut all: Vec<String> = names.iter().map(|n| regex_escape(n)).collect();
            all.push(r"\*".to_string());
            all.join("|")
        };
        let domains = alternatives(Domain::ALL.iter().map(|d| d.as_str()).collect());
        let functions = alternatives(NetworkFunction::ALL.iter().map(|f| f.as_str()).collect());
        let pattern = format!("^({domains}):({functions})$");
        schemars::json_schema!({ "type": "string", "pattern": pattern })
    }
}

/// `name` with the characters a regular expression gives meaning to escaped.
fn regex_escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if r"\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl<'de> Deserialize<'de> for RolePattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RolePattern, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What failing a requirement means for the verdict.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Consequence {
    /// The product may not be used in the role (from the deadline on).
    Prohibit,
    /// The product may be used if the condition is met.
    Condition,
    /// Reported, no effect on the verdict.
    Advisory,
}

impl Consequence {
    pub fn as_str(self) -> &'static str {
        match self {
            Consequence::Prohibit => "prohibit",
            Consequence::Condition => "condition",
            Consequence::Advisory => "advisory",
        }
    }
}

/// Whether a requirement applies to critical roles only.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum CriticalityScope {
    #[default]
    Any,
    Critical,
}

/// Where a requirement applies. Empty lists mean every domain or function.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    #[serde(default)]
    pub domains: Vec<Domain>,
    #[serde(default)]
    pub functions: Vec<NetworkFunction>,
    #[serde(default)]
    pub criticality: CriticalityScope,
    /// The licences (ids declared in the catalogue's `[[licence]]` tables) whose conditions
    /// the requirement is: it applies only where the product is used under one of them.
    /// Empty: it applies whatever the licence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<String>,
}

impl Scope {
    /// True when the scope covers `role` (of the given criticality).
    pub fn covers(&self, role: Role, critical: bool) -> bool {
        (self.domains.is_empty() || self.domains.contains(&role.domain))
            && (self.functions.is_empty() || self.functions.contains(&role.function))
            && (self.criticality == CriticalityScope::Any || critical)
    }

    /// True when the requirement applies to a use under `licences` (sorted ids): it names no
    /// licence, or one of them.
    pub fn under(&self, licences: &[String]) -> bool {
        self.licences.is_empty()
            || self
                .licences
                .iter()
                .any(|l| licences.binary_search(l).is_ok())
    }
}

/// A licence whose conditions a catalogue encodes (`[[licence]]` in `catalogue.toml`): a
/// spectrum licence whose award terms bind the licensee to security conditions. Inventory
/// rows name the licences an element is used under (column `licences`) by these ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// Short id, lower case (`se-pts-3.5ghz-2021`).
    pub id: String,
    pub title: String,
    /// Who granted it (`PTS`).
    pub authority: String,
    /// Frequency bands it covers (`3.5 GHz`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<String>,
    /// When the licences were awarded, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded: Option<Date>,
    /// Who holds such licences, as published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holders: Vec<String>,
}

/// The evidence a requirement reads. Listed so users see what to supply and so a policy that
/// reads something else is caught by its tests.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum EvidenceKind {
    #[serde(rename = "product.certifications")]
    ProductCertifications,
    #[serde(rename = "product.services")]
    ProductServices,
    #[serde(rename = "product.firmware")]
    ProductFirmware,
    /// Comparison evidence (`netvet equivalence`, `netvet diff`) that links a certified build
    /// of this release or of a predecessor to a shipped image:
    /// `input.product.carried_certifications`.
    #[serde(rename = "product.lineage")]
    ProductLineage,
    #[serde(rename = "scan.findings")]
    ScanFindings,
    #[serde(rename = "scan.services")]
    ScanServices,
    #[serde(rename = "scan.components")]
    ScanComponents,
    #[serde(rename = "scan.vulnerabilities")]
    ScanVulnerabilities,
    #[serde(rename = "dossier.facts")]
    DossierFacts,
    #[serde(rename = "dossier.jurisdiction")]
    DossierJurisdiction,
    #[serde(rename = "inventory.shares")]
    InventoryShares,
}

/// A source a requirement rests on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// `law`, `regulation`, `decision`, `catalogue`, `toolbox`, `3gpp`, `advice`, `report`.
    pub kind: String,
    /// A compact reference: `3gpp:33.117:4.2.3.4.2.3`, `de:bsig:9b(3)`, `eu:5g-toolbox:SM03`.
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    pub url: String,
    pub status: SourceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One requirement (`requirements/<ID>.toml`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Stable id (`DE.KAT.CERT`); its rule is the Rego package
    /// `netvet.requirements.<id lowercased, non-alphanumerics as _>`.
    pub id: String,
    pub title: String,
    pub rationale: String,
    /// The provision whose breach gives the consequence (`§165(4) TKG`).
    pub legal_basis: String,
    pub consequence: Consequence,
    /// From when the consequence bites; without one, from the catalogue's effective date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    pub evidence: Vec<EvidenceKind>,
    #[serde(default)]
    pub scope: Scope,
    /// Parameters for the rule (vendor lists, thresholds, accepted schemes).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "source")]
    pub sources: Vec<SourceRef>,
}

/// The Rego package that decides requirement `id`.
pub fn requirement_package(id: &str) -> String {
    let slug: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("netvet.requirements.{slug}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_patterns_match_by_domain_and_function() {
        let core_any: RolePattern = "core:*".parse().expect("valid");
        let router: RolePattern = "*:router".parse().expect("valid");
        let amf: Role = "core:AMF".parse().expect("valid");
        let transport_router: Role = "transport:router".parse().expect("valid");
        assert!(core_any.matches(amf) && !core_any.matches(transport_router));
        assert!(router.matches(transport_router) && !router.matches(amf));
        assert!("RAN:AMF".parse::<RolePattern>().is_err());
        assert!("AMF".parse::<RolePattern>().is_err());
    }

    #[test]
    fn packages_are_derived_from_ids() {
        assert_eq!(
            requirement_package("DE.KAT.CERT"),
            "netvet.requirements.de_kat_cert"
        );
        assert_eq!(
            requirement_package("UK.HW-5G"),
            "netvet.requirements.uk_hw_5g"
        );
    }

    #[test]
    fn scopes_cover_roles() {
        let scope = Scope {
            domains: vec![Domain::Core],
            functions: vec![],
            criticality: CriticalityScope::Critical,
            licences: vec![],
        };
        let amf: Role = "core:AMF".parse().expect("valid");
        assert!(scope.covers(amf, true));
        assert!(!scope.covers(amf, false));
        assert!(!scope.covers("RAN:gNB".parse().expect("valid"), true));
        // No licences named: it applies under any, or none.
        assert!(scope.under(&[]) && scope.under(&["se-pts-3.5ghz".to_string()]));
        let licensed = Scope {
            licences: vec!["se-pts-2.3ghz".into(), "se-pts-3.5ghz".into()],
            ..Scope::default()
        };
        assert!(!licensed.under(&[]));
        assert!(!licensed.under(&["de-bnetza-2019".to_string()]));
        assert!(licensed.under(&["de-bnetza-2019".to_string(), "se-pts-3.5ghz".to_string()]));
    }
}

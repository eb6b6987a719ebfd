//! Vendor dossiers: who a vendor is and what is known about it — home jurisdiction and its
//! laws, ownership and state control, listings, sanctions, legal cases, national restrictions,
//! certifications, declarations — every fact with a date, sources and how well it is sourced.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::FactDate;

/// Schema identifier of the JSON form of a [`Dossier`].
pub const DOSSIER_SCHEMA: &str = "netvet.dossier/1";

/// How well a fact is sourced (the scale of `shared/reference/vendors.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceStatus {
    /// A primary or reputable source states the fact.
    Sourced,
    /// Only a secondary, mirror, blog or generated page states it.
    Sourced2,
    /// Could not be confirmed; the row records a gap, not a claim.
    Unverified,
    /// The researcher's analysis or caveat, not a sourced fact.
    Note,
}

impl SourceStatus {
    pub const ALL: [SourceStatus; 4] = [
        SourceStatus::Sourced,
        SourceStatus::Sourced2,
        SourceStatus::Unverified,
        SourceStatus::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceStatus::Sourced => "SOURCED",
            SourceStatus::Sourced2 => "SOURCED-2",
            SourceStatus::Unverified => "UNVERIFIED",
            SourceStatus::Note => "NOTE",
        }
    }
}

impl fmt::Display for SourceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SourceStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<SourceStatus, String> {
        SourceStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown status {s:?} (SOURCED, SOURCED-2, UNVERIFIED, NOTE)"))
    }
}

/// What a fact is about. Policies select facts by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    /// Where the vendor is incorporated and headquartered.
    Incorporation,
    /// A shareholder or owner, with its share and whether it is a state.
    Ownership,
    /// A link to a state or its armed forces other than ownership.
    StateLink,
    /// A law of a jurisdiction and the obligations it imposes on companies.
    Law,
    /// Presence on a government list (export controls, covered equipment, military companies).
    Listing,
    /// Penalties, denial orders and other sanctions.
    Sanction,
    /// Indictments, pleas, settlements, judgments.
    LegalCase,
    /// A country's restriction or exclusion of the vendor's equipment.
    NationalRestriction,
    /// Certifications and audits (NESAS process audits, ISO/IEC 27001).
    Certification,
    /// Statements by the vendor or a government about the vendor.
    Declaration,
    /// Independent security evaluations and incidents.
    SecurityRecord,
    /// Ability to supply: finances, export bans, restructuring.
    Supply,
    /// Product lines and customers.
    Business,
    /// Findings of a public inquiry, a parliamentary committee or a press investigation: not a
    /// legal case, and not a statement of the government.
    Inquiry,
    /// A network operator's own decision about the vendor's equipment (removal, exclusion,
    /// a vendor review), binding only that operator.
    OperatorDecision,
}

impl FactKind {
    pub const ALL: [FactKind; 15] = [
        FactKind::Incorporation,
        FactKind::Ownership,
        FactKind::StateLink,
        FactKind::Law,
        FactKind::Listing,
        FactKind::Sanction,
        FactKind::LegalCase,
        FactKind::NationalRestriction,
        FactKind::Certification,
        FactKind::Declaration,
        FactKind::SecurityRecord,
        FactKind::Supply,
        FactKind::Business,
        FactKind::Inquiry,
        FactKind::OperatorDecision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Incorporation => "incorporation",
            FactKind::Ownership => "ownership",
            FactKind::StateLink => "state-link",
            FactKind::Law => "law",
            FactKind::Listing => "listing",
            FactKind::Sanction => "sanction",
            FactKind::LegalCase => "legal-case",
            FactKind::NationalRestriction => "national-restriction",
            FactKind::Certification => "certification",
            FactKind::Declaration => "declaration",
            FactKind::SecurityRecord => "security-record",
            FactKind::Supply => "supply",
            FactKind::Business => "business",
            FactKind::Inquiry => "inquiry",
            FactKind::OperatorDecision => "operator-decision",
        }
    }
}

impl FromStr for FactKind {
    type Err = String;
    fn from_str(s: &str) -> Result<FactKind, String> {
        FactKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = FactKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown fact kind {s:?} (known: {})", known.join(", "))
            })
    }
}

string_serde!(SourceStatus);
string_serde!(FactKind);
names_schema!(SourceStatus, SourceStatus::ALL);
names_schema!(FactKind, FactKind::ALL);

/// One dated, sourced fact about a vendor or a jurisdiction.
///
/// Beside the text, a fact carries the few structured attributes policies decide on; which
/// attributes a kind allows is checked when dossiers are loaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// Stable id, unique in its dossier (the row id of the research notes, e.g. `H14`).
    pub id: String,
    pub kind: FactKind,
    /// The fact, paraphrased.
    pub summary: String,
    /// When it happened (or the date of the source, when the event date is not given).
    pub date: FactDate,
    /// Web addresses (`https://…`), repository files (`repo:owner/name:path`) or documents
    /// (`doc:…`). Empty only for UNVERIFIED gaps and NOTEs.
    #[serde(default)]
    pub sources: Vec<String>,
    pub status: SourceStatus,
    /// A qualifier of the status (`current percentage UNVERIFIED`, `company statement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The country concerned: the state that lists or restricts, the state owning a share,
    /// the jurisdiction of a law or case (ISO 3166 alpha-2; `EU` for the Union).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The body acting: `US-BIS`, `FCC`, `DoD`, `BMI`, `NCSC`, `GSMA`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Listing: which list (`entity-list`, `fcc-covered-list`, `ndaa-889`, `dod-1260h`,
    /// `dod-1237`, `ns-cmic`). Restriction: which measure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// Why: `national-security`, `human-rights`, `export-control`, `military`, `bribery`,
    /// `trade-secrets`, `fraud`, `antitrust`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounds: Option<String>,
    /// Ownership: the holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// Ownership: the share in percent, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_percent: Option<f64>,
    /// Ownership or state link: the holder is a state, a state body or state-owned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<bool>,
    /// Law: it obliges companies to assist state intelligence or security work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compels_assistance: Option<bool>,
    /// Law: whom its duties bind: `all-organisations` (manufacturers included),
    /// `service-providers` (providers of communication, hosting or cloud services),
    /// `network-operators`. A duty that binds only providers or operators reaches an
    /// equipment maker only where it runs such services itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binds: Option<String>,
    /// Law: it obliges companies to keep that assistance secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrecy: Option<bool>,
    /// Law: independent oversight of requests: `none-found`, `programme-level`,
    /// `court-per-request`, `unverified`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversight: Option<String>,
    /// Certification: the scheme (`NESAS-process-audit`, `ISO-27001`); declaration: its
    /// subject (`ownership`, `government-requests`, `guarantee-9b`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Certification or restriction: what it covers (product lines, network parts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Declaration: who declares (`vendor`, `government`, `regulator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// A vendor: identity and home jurisdiction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    /// Lowercase id products refer to (`huawei`, `ericsson`).
    pub id: String,
    pub name: String,
    /// Other names it is known by (for matching inventories).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Home jurisdiction (ISO 3166 alpha-2; `X?` codes for fictional ones).
    pub jurisdiction: String,
    /// A fictional sample vendor (never a real company).
    #[serde(default)]
    pub fictional: bool,
}

/// A vendor dossier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dossier {
    pub vendor: Vendor,
    #[serde(default, rename = "fact")]
    pub facts: Vec<Fact>,
}

/// The laws and other facts of one jurisdiction, shared by all its vendors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    /// ISO 3166 alpha-2 code (`CN`, `US`), or `X?` for a fictional one.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub fictional: bool,
}

/// A jurisdiction file: the jurisdiction and its facts (mostly laws).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionFile {
    pub jurisdiction: Jurisdiction,
    #[serde(default, rename = "fact")]
    pub facts: Vec<Fact>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_kinds_round_trip_their_names() {
        for s in ["SOURCED", "SOURCED-2", "UNVERIFIED", "NOTE"] {
            assert_eq!(s.parse::<SourceStatus>().expect("valid").as_str(), s);
        }
        assert!("sourced".parse::<SourceStatus>().is_err());
        for k in FactKind::ALL {
            assert_eq!(k.as_str().parse::<FactKind>(), Ok(k));
        }
    }
}

//! Writers for netvet's results: terminal tables, Markdown, SARIF and the HTML network report,
//! with one module for how numbers and sizes are written. Every writer is deterministic: the
//! same report gives the same bytes.

pub mod diff;
pub mod html;
pub mod markdown;
pub mod network_summary;
pub mod sarif;
pub mod terminal;
pub mod text;

/// What a SARIF rule (or a Markdown legend) says about a kind of finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub description: String,
    pub remediation: String,
    pub severity: netvet_model::Severity,
    pub tags: Vec<String>,
    pub cwe: Vec<u32>,
    pub references: Vec<String>,
}

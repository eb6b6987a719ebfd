//! Re-matching a stored scan report against the advisory index as it is now, without the
//! image: the report's components (its SBOM) go through the same matcher `netvet scan` and
//! `netvet vulns` use, and the report's vulnerabilities, their findings and the
//! end-of-support findings are replaced by the new results.

use std::collections::BTreeSet;
use std::path::Path;

use netvet_model::{Date, ScanReport};

/// What a re-match changed. A vulnerability is told by its id, component, severity and
/// whether it is known exploited (`CVE-… openssl@1.1.1 high exploited`), so a severity
/// rescored or a KEV listing counts as one removed and one added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rematched {
    /// Vulnerabilities the new index adds.
    pub added: Vec<String>,
    /// Vulnerabilities the new index no longer gives.
    pub removed: Vec<String>,
}

impl Rematched {
    /// True when the vulnerabilities did not change.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

fn keys(report: &ScanReport) -> BTreeSet<String> {
    report
        .vulnerabilities
        .iter()
        .map(|v| {
            format!(
                "{} {} {}{}",
                v.id,
                v.component,
                v.severity.as_str(),
                if v.known_exploited { " exploited" } else { "" }
            )
        })
        .collect()
}

/// Re-matches `report`'s components against the index at `index` (default: see
/// [`crate::index::location`]) on day `as_of`, in place.
pub fn rematch(
    report: &mut ScanReport,
    index: Option<&Path>,
    as_of: Date,
) -> crate::Result<Rematched> {
    let before = keys(report);
    let opened = crate::index::open_for_matching(index)?;
    let (matches, findings) = netvet_vuln::assess(
        &mut report.components,
        &opened.index,
        &[],
        &as_of.to_string(),
    )?;
    report.vulnerabilities = matches.vulnerabilities;
    report.advisory_data = matches.advisory_data;
    report
        .findings
        .retain(|f| f.check != netvet_vuln::findings::CHECK && f.check != netvet_vuln::eos::CHECK);
    report.findings.extend(findings);
    crate::analyse::sort_findings(&mut report.findings);
    report.findings.dedup_by(|a, b| a.id == b.id);
    report.coverage = report.assess_coverage();
    let after = keys(report);
    Ok(Rematched {
        added: after.difference(&before).cloned().collect(),
        removed: before.difference(&after).cloned().collect(),
    })
}

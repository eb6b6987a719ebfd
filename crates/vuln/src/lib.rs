//! Offline vulnerability matching for firmware components.
//!
//! - [`store::Index`]: the advisory index (SQLite), built by importing OSV JSON, NVD CVE JSON
//!   2.0 and the CISA KEV catalogue ([`advisory`]), with a schema version and build date.
//!   [`store::Index::builtin`] holds the real advisories of the repository's `advisories/`.
//!   Changes are all-or-nothing ([`staged`]); [`update`] downloads the feeds; [`age`] says
//!   how old the data is and warns when it is stale or only the samples.
//! - [`version`]: one comparator per scheme (dpkg, apk, semver, generic).
//! - [`matcher::Matcher`]: components → [`netvet_model::Vulnerability`]s, recording what was
//!   searched and what matched; versions no scheme parses are reported.
//! - [`vex`]: CycloneDX VEX and OpenVEX statements mark matches not affected.
//! - [`eos`]: end-of-support data and findings; [`findings`]: vulnerabilities as findings.
//! - [`assess`]: all of it for one image's components, as `netvet scan` calls it.

pub mod advisory;
pub mod age;
pub mod builtin;
pub mod cpe;
pub mod cvss;
pub mod eos;
pub mod error;
pub mod findings;
pub mod matcher;
pub mod report;
pub mod staged;
pub mod store;
pub mod update;
pub mod version;
pub mod vex;
mod zip;

pub use error::{Error, Result};
pub use matcher::{MatchReport, Matcher};
pub use store::Index;

use netvet_model::{Component, Finding};

/// What `netvet scan` needs from this crate for one image: marks end of support on the
/// components (as of `today`, `YYYY-MM-DD`), matches them against `index`, applies the VEX
/// `statements`, and returns the match report with its findings (category `vulnerability`
/// for each match, `component` for each component past its end of support). The report's
/// `advisory_data` says how old the index's data is on `today` (stale after
/// [`age::DEFAULT_STALE_DAYS`]), with warnings for sample-only or stale data.
pub fn assess(
    components: &mut [Component],
    index: &Index,
    statements: &[vex::Statement],
    today: &str,
) -> Result<(MatchReport, Vec<Finding>)> {
    let (report, end_of_support) = match_components(components, index, statements, today)?;
    let mut findings = findings::findings(&report.vulnerabilities, components);
    findings.extend(end_of_support);
    Ok((report, findings))
}

/// [`assess`] without making the vulnerabilities' findings: returns the match report and the
/// end-of-support findings only. For many matches, whose findings are better made one at a
/// time as they are written ([`findings::finding`]).
pub fn match_components(
    components: &mut [Component],
    index: &Index,
    statements: &[vex::Statement],
    today: &str,
) -> Result<(MatchReport, Vec<Finding>)> {
    let eos = eos::EndOfSupport::builtin()?;
    eos.annotate(components, today);
    let mut report = Matcher::new(index).match_all(components)?;
    report.suppressed = vex::apply(&mut report.vulnerabilities, statements);
    report.advisory_data = Some(age::data_age(index, today, age::DEFAULT_STALE_DAYS)?);
    let end_of_support = eos.findings(components, today);
    Ok((report, end_of_support))
}

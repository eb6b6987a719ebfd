//! What every check declares about itself, and where findings go.

use std::collections::BTreeMap;
use std::sync::Mutex;

use netvet_model::{Category, Finding, Location, Severity, finding_id};

/// The description of one kind of finding a check can emit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInfo {
    /// Stable id, `nv-<area>-<what>`.
    pub id: &'static str,
    pub title: &'static str,
    /// Selection tags (`--checks TAGS`): the area first, then more.
    pub tags: &'static [&'static str],
    pub category: Category,
    pub severity: Severity,
    pub cwe: &'static [u32],
    /// Requirement clauses, `3gpp:33.117:<clause>`.
    pub references: &'static [&'static str],
    pub remediation: &'static str,
    /// Longer explanation for SARIF rule help.
    pub description: &'static str,
}

/// One occurrence of a check's finding, before it gets its id.
pub struct Hit<'a> {
    pub info: &'a CheckInfo,
    pub path: String,
    pub offset: Option<u64>,
    pub line: Option<u32>,
    /// Distinguishes occurrences at the same location (account name, key fingerprint...).
    pub key: String,
    /// What was seen, already redacted.
    pub evidence: String,
    /// Overrides the check's default severity.
    pub severity: Option<Severity>,
    /// A title more specific than the check's.
    pub title: Option<String>,
    pub extra_references: Vec<String>,
    pub details: BTreeMap<String, serde_json::Value>,
}

impl<'a> Hit<'a> {
    /// A hit of `info` at `path`, identified by `key`.
    pub fn new(
        info: &'a CheckInfo,
        path: &str,
        key: impl Into<String>,
        evidence: impl Into<String>,
    ) -> Hit<'a> {
        Hit {
            info,
            path: path.to_string(),
            offset: None,
            line: None,
            key: key.into(),
            evidence: evidence.into(),
            severity: None,
            title: None,
            extra_references: Vec::new(),
            details: BTreeMap::new(),
        }
    }

    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(line as u32);
        self
    }

    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = Some(s);
        self
    }

    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = Some(t.into());
        self
    }

    pub fn reference(mut self, r: impl Into<String>) -> Self {
        self.extra_references.push(r.into());
        self
    }

    pub fn detail(mut self, k: &str, v: impl Into<serde_json::Value>) -> Self {
        self.details.insert(k.to_string(), v.into());
        self
    }

    fn into_finding(self) -> Finding {
        let mut references: Vec<String> =
            self.info.references.iter().map(|s| s.to_string()).collect();
        references.extend(self.extra_references);
        references.sort();
        references.dedup();
        Finding {
            id: finding_id(self.info.id, &self.path, &[&self.key]),
            check: self.info.id.to_string(),
            title: self.title.unwrap_or_else(|| self.info.title.to_string()),
            severity: self.severity.unwrap_or(self.info.severity),
            category: self.info.category,
            cwe: self.info.cwe.to_vec(),
            location: Location {
                path: self.path,
                offset: self.offset,
                line: self.line,
            },
            evidence: self.evidence,
            remediation: self.info.remediation.to_string(),
            references,
            tags: self.info.tags.iter().map(|s| s.to_string()).collect(),
            details: self.details,
            suppressed: None,
        }
    }
}

/// Collects findings and read errors from checks running in parallel.
#[derive(Default)]
pub struct Sink {
    findings: Mutex<Vec<Finding>>,
    errors: Mutex<Vec<String>>,
}

impl Sink {
    pub fn new() -> Sink {
        Sink::default()
    }

    /// Records a hit.
    pub fn hit(&self, hit: Hit<'_>) {
        let f = hit.into_finding();
        self.findings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(f);
    }

    /// Records something a check could not read (the scan goes on).
    pub fn error(&self, message: impl Into<String>) {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message.into());
    }

    /// The findings (deduplicated by id, sorted by severity then location) and errors.
    pub fn into_parts(self) -> (Vec<Finding>, Vec<String>) {
        let mut f = self
            .findings
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        f.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.location.cmp(&b.location))
                .then_with(|| a.check.cmp(&b.check))
                .then_with(|| a.id.cmp(&b.id))
        });
        f.dedup_by(|a, b| a.id == b.id);
        let mut e = self.errors.into_inner().unwrap_or_else(|p| p.into_inner());
        e.sort();
        e.dedup();
        (f, e)
    }
}

/// Masks a secret, keeping enough to recognise it: `Pr******_fXp` style.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    match chars.len() {
        0 => String::new(),
        1..=4 => "*".repeat(chars.len()),
        n => {
            let keep = (n / 6).clamp(1, 3);
            let mut s: String = chars[..keep].iter().collect();
            s.push_str(&"*".repeat(n - 2 * keep));
            s.extend(&chars[n - keep..]);
            s
        }
    }
}

/// Bytes shown as text: printable ASCII as is, anything else as `\xNN`.
pub fn printable(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'\\' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_edges_only() {
        assert_eq!(redact("PrOw!aN_fXp"), "P*********p");
        assert_eq!(redact("abc"), "***");
        assert_eq!(redact("0123456789abcdefghij"), "012**************hij");
    }
}

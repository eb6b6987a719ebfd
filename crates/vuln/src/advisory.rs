//! Advisories as the index stores them, read from OSV JSON, NVD CVE JSON 2.0 and the CISA
//! KEV catalogue. Readers are bounded: advisory files are untrusted input (see [`Bounds`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use netvet_model::Severity;

use crate::cpe;
use crate::cvss;
use crate::error::{Error, Result};

/// Limits on reading one advisory file.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Largest file read.
    pub max_file_bytes: u64,
    /// Most records (advisories or KEV entries) in one file.
    pub max_records: usize,
    /// Most affected packages, ranges, events, versions or CPE matches in one advisory.
    pub max_items: usize,
    /// Longest string kept (ids, names, versions); longer ones reject the record.
    pub max_string: usize,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds {
            max_file_bytes: 1 << 30,
            max_records: 2_000_000,
            max_items: 10_000,
            max_string: 4096,
        }
    }
}

/// One advisory.
#[derive(Clone, Debug, PartialEq)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub severity: Option<Severity>,
    pub cvss: Option<f64>,
    pub url: Option<String>,
    pub affected: Vec<Affected>,
    pub cpes: Vec<CpeRange>,
}

/// A package of an ecosystem that an advisory affects (OSV `affected[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    pub ecosystem: String,
    pub name: String,
    /// Ranges of the scheme of the ecosystem (`ECOSYSTEM`) or `SEMVER`; `GIT` ranges are not
    /// kept (they need the source history).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Exact affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// One OSV range: events in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// `SEMVER` or `ECOSYSTEM`.
    #[serde(rename = "type")]
    pub kind: String,
    pub events: Vec<Event>,
}

/// A range event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// An NVD configuration match: a CPE with an optional version range, and the platforms an
/// AND configuration requires next to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpeRange {
    pub part: String,
    pub vendor: String,
    pub product: String,
    /// Exact version (with update, `9.2p1`) when the criteria names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_including: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_excluding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_including: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_excluding: Option<String>,
    /// `vendor:product` of platforms an AND configuration needs (`linux:linux_kernel`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
}

impl CpeRange {
    /// `>=1.0.1, <1.0.1g` or `=1.0.1e` or `*`.
    pub fn describe(&self) -> String {
        if let Some(v) = &self.version {
            return format!("={v}");
        }
        let mut parts = Vec::new();
        if let Some(v) = &self.start_including {
            parts.push(format!(">={v}"));
        }
        if let Some(v) = &self.start_excluding {
            parts.push(format!(">{v}"));
        }
        if let Some(v) = &self.end_including {
            parts.push(format!("<={v}"));
        }
        if let Some(v) = &self.end_excluding {
            parts.push(format!("<{v}"));
        }
        if parts.is_empty() {
            "*".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// A CISA KEV entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KevEntry {
    pub cve: String,
    pub date_added: String,
    pub name: String,
    pub ransomware: bool,
}

/// What one advisory file holds.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// `osv`, `nvd` or `kev`.
    pub kind: &'static str,
    pub advisories: Vec<Advisory>,
    pub kev: Vec<KevEntry>,
    /// Records skipped, with why (bounds exceeded, missing fields).
    pub skipped: Vec<String>,
    /// The newest modification time in the file (`YYYY-MM-DDTHH:MM:SSZ`): OSV `modified`,
    /// NVD `lastModified`, the KEV catalogue's `dateReleased` (else its newest `dateAdded`).
    pub newest: Option<String>,
}

impl Parsed {
    /// Adds another file's records (the members of an OSV `all.zip` make one source).
    pub fn merge(&mut self, other: Parsed) {
        if self.kind.is_empty() {
            self.kind = other.kind;
        }
        self.advisories.extend(other.advisories);
        self.kev.extend(other.kev);
        self.skipped.extend(other.skipped);
        self.note_time(other.newest.as_deref());
    }

    /// Keeps `t` when it is a time newer than the newest seen.
    fn note_time(&mut self, t: Option<&str>) {
        if let Some(t) = t.and_then(normal_time)
            && self.newest.as_ref().is_none_or(|n| *n < t)
        {
            self.newest = Some(t);
        }
    }
}

/// A source's time (`2024-05-01T14:00:00.0000Z`, `2024-01-02T03:04:05.123`, `2024-05-01`) as
/// `YYYY-MM-DDTHH:MM:SSZ`, which sorts chronologically; `None` when it is not one. Offsets
/// other than UTC are not converted (sources publish UTC; a day's precision is what counts).
pub fn normal_time(t: &str) -> Option<String> {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let date_ok = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10);
    if !date_ok {
        return None;
    }
    let date = t.get(0..10)?;
    let time = if b.get(10).is_some_and(|c| *c == b'T' || *c == b' ')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19)
    {
        t.get(11..19)?
    } else {
        "00:00:00"
    };
    Some(format!("{date}T{time}Z"))
}

fn text(v: &Value, key: &str, b: &Bounds) -> std::result::Result<Option<String>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= b.max_string => Ok(Some(s.clone())),
        Some(Value::String(s)) => Err(format!(
            "{key} longer than {} bytes ({})",
            b.max_string,
            s.len()
        )),
        Some(_) => Err(format!("{key} is not a string")),
    }
}

fn array<'a>(v: &'a Value, key: &str, b: &Bounds) -> std::result::Result<&'a [Value], String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) if a.len() <= b.max_items => Ok(a),
        Some(Value::Array(a)) => Err(format!(
            "{key} has {} items, more than {}",
            a.len(),
            b.max_items
        )),
        Some(_) => Err(format!("{key} is not an array")),
    }
}

/// Parses an advisory file by its content: an OSV record or list of records, an NVD CVE API
/// 2.0 response or feed (`vulnerabilities[].cve`), or the CISA KEV catalogue.
pub fn parse(file: &str, bytes: &[u8], b: &Bounds) -> Result<Parsed> {
    if bytes.len() as u64 > b.max_file_bytes {
        return Err(Error::Advisory {
            file: file.to_string(),
            message: format!(
                "{} bytes, more than the {} allowed",
                bytes.len(),
                b.max_file_bytes
            ),
        });
    }
    // serde_json refuses nesting deeper than 128 levels, which bounds recursion.
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| Error::Advisory {
        file: file.to_string(),
        message: format!("not JSON: {e}"),
    })?;
    let bad = |m: String| Error::Advisory {
        file: file.to_string(),
        message: m,
    };
    let records = |key: &str| -> Result<&[Value]> {
        let a = doc
            .get(key)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        if a.len() > b.max_records {
            return Err(bad(format!(
                "{} records, more than {}",
                a.len(),
                b.max_records
            )));
        }
        Ok(a)
    };
    let mut out = Parsed::default();
    if doc.get("catalogVersion").is_some() && doc.get("vulnerabilities").is_some() {
        out.kind = "kev";
        for (i, r) in records("vulnerabilities")?.iter().enumerate() {
            match kev_entry(r, b) {
                Ok(k) => out.kev.push(k),
                Err(m) => out.skipped.push(format!("entry {i}: {m}")),
            }
        }
        match doc.get("dateReleased").and_then(Value::as_str) {
            Some(t) => out.note_time(Some(t)),
            None => {
                let added: Vec<String> = out.kev.iter().map(|k| k.date_added.clone()).collect();
                for t in added {
                    out.note_time(Some(&t));
                }
            }
        }
    } else if doc.get("vulnerabilities").is_some() {
        out.kind = "nvd";
        for (i, r) in records("vulnerabilities")?.iter().enumerate() {
            let cve = r.get("cve").unwrap_or(r);
            out.note_time(cve.get("lastModified").and_then(Value::as_str));
            match nvd_record(cve, b) {
                Ok(a) => out.advisories.push(a),
                Err(m) => out.skipped.push(format!("record {i}: {m}")),
            }
        }
    } else if doc.is_array() || doc.get("id").is_some() {
        out.kind = "osv";
        let list: Vec<&Value> = match &doc {
            Value::Array(a) if a.len() > b.max_records => {
                return Err(bad(format!(
                    "{} records, more than {}",
                    a.len(),
                    b.max_records
                )));
            }
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        for (i, r) in list.into_iter().enumerate() {
            out.note_time(r.get("modified").and_then(Value::as_str));
            match osv_record(r, b) {
                Ok(a) => out.advisories.push(a),
                Err(m) => out.skipped.push(format!("record {i}: {m}")),
            }
        }
    } else {
        return Err(bad(
            "neither OSV (id), NVD CVE 2.0 (vulnerabilities[].cve) nor CISA KEV (catalogVersion)"
                .to_string(),
        ));
    }
    Ok(out)
}

fn kev_entry(r: &Value, b: &Bounds) -> std::result::Result<KevEntry, String> {
    let cve = text(r, "cveID", b)?.ok_or("no cveID")?;
    Ok(KevEntry {
        cve,
        date_added: text(r, "dateAdded", b)?.unwrap_or_default(),
        name: text(r, "vulnerabilityName", b)?.unwrap_or_default(),
        ransomware: text(r, "knownRansomwareCampaignUse", b)?.as_deref() == Some("Known"),
    })
}

fn osv_record(r: &Value, b: &Bounds) -> std::result::Result<Advisory, String> {
    let id = text(r, "id", b)?.ok_or("no id")?;
    let mut aliases: Vec<String> = array(r, "aliases", b)?
        .iter()
        .filter_map(|a| {
            a.as_str()
                .filter(|s| s.len() <= b.max_string)
                .map(str::to_string)
        })
        .collect();
    aliases.extend(array(r, "upstream", b)?.iter().filter_map(|a| {
        a.as_str()
            .filter(|s| s.len() <= b.max_string)
            .map(str::to_string)
    }));
    aliases.sort();
    aliases.dedup();
    let mut cvss_score = None;
    for s in array(r, "severity", b)? {
        if let Some(vector) = s.get("score").and_then(Value::as_str)
            && let Some(score) = cvss::base_score(vector)
        {
            cvss_score = Some(cvss_score.map_or(score, |x: f64| x.max(score)));
        }
    }
    let mut severity = cvss_score.map(cvss::severity);
    if severity.is_none()
        && let Some(s) = r
            .pointer("/database_specific/severity")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Severity>().ok())
    {
        severity = Some(s);
    }
    let mut affected = Vec::new();
    for a in array(r, "affected", b)? {
        let Some(pkg) = a.get("package") else {
            continue;
        };
        let (Some(ecosystem), Some(name)) = (text(pkg, "ecosystem", b)?, text(pkg, "name", b)?)
        else {
            continue;
        };
        let mut ranges = Vec::new();
        for rg in array(a, "ranges", b)? {
            let kind = text(rg, "type", b)?.unwrap_or_default();
            if kind == "GIT" {
                continue;
            }
            let mut events = Vec::new();
            for e in array(rg, "events", b)? {
                let ev = if let Some(v) = text(e, "introduced", b)? {
                    Event::Introduced(v)
                } else if let Some(v) = text(e, "fixed", b)? {
                    Event::Fixed(v)
                } else if let Some(v) = text(e, "last_affected", b)? {
                    Event::LastAffected(v)
                } else if let Some(v) = text(e, "limit", b)? {
                    Event::Limit(v)
                } else {
                    continue;
                };
                events.push(ev);
            }
            ranges.push(Range { kind, events });
        }
        let versions = array(a, "versions", b)?
            .iter()
            .filter_map(|v| {
                v.as_str()
                    .filter(|s| s.len() <= b.max_string)
                    .map(str::to_string)
            })
            .collect();
        affected.push(Affected {
            ecosystem,
            name,
            ranges,
            versions,
        });
    }
    let url = array(r, "references", b)?
        .iter()
        .find_map(|x| {
            x.get("url")
                .and_then(Value::as_str)
                .filter(|s| s.len() <= b.max_string)
        })
        .map(str::to_string);
    Ok(Advisory {
        id,
        aliases,
        summary: text(r, "summary", b).ok().flatten().or_else(|| {
            text(r, "details", b)
                .ok()
                .flatten()
                .map(|d| d.lines().next().unwrap_or("").chars().take(200).collect())
        }),
        severity,
        cvss: cvss_score,
        url,
        affected,
        cpes: Vec::new(),
    })
}

fn nvd_record(cve: &Value, b: &Bounds) -> std::result::Result<Advisory, String> {
    let id = text(cve, "id", b)?.ok_or("no id")?;
    let summary = array(cve, "descriptions", b)?
        .iter()
        .find(|d| d.get("lang").and_then(Value::as_str) == Some("en"))
        .and_then(|d| d.get("value").and_then(Value::as_str))
        .map(|s| s.chars().take(300).collect::<String>());
    let mut score = None;
    let mut severity = None;
    if let Some(metrics) = cve.get("metrics") {
        for key in [
            "cvssMetricV40",
            "cvssMetricV31",
            "cvssMetricV30",
            "cvssMetricV2",
        ] {
            let list = array(metrics, key, b)?;
            let primary = list
                .iter()
                .find(|m| m.get("type").and_then(Value::as_str) == Some("Primary"))
                .or_else(|| list.first());
            if let Some(m) = primary {
                score = m.pointer("/cvssData/baseScore").and_then(Value::as_f64);
                severity = m
                    .pointer("/cvssData/baseSeverity")
                    .or_else(|| m.get("baseSeverity"))
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<Severity>().ok())
                    .or(score.map(cvss::severity));
                break;
            }
        }
    }
    let mut cpes = Vec::new();
    for config in array(cve, "configurations", b)? {
        let nodes = array(config, "nodes", b)?;
        let and = config.get("operator").and_then(Value::as_str) == Some("AND");
        // Platforms of an AND configuration: the non-vulnerable matches of its nodes.
        let mut platforms = Vec::new();
        if and {
            for n in nodes {
                for m in array(n, "cpeMatch", b)? {
                    if m.get("vulnerable").and_then(Value::as_bool) == Some(false)
                        && let Some(c) = m
                            .get("criteria")
                            .and_then(Value::as_str)
                            .and_then(cpe::parse)
                    {
                        platforms.push(format!("{}:{}", c.vendor, c.product));
                    }
                }
            }
            platforms.sort();
            platforms.dedup();
        }
        for n in nodes {
            if n.get("negate").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            for m in array(n, "cpeMatch", b)? {
                if m.get("vulnerable").and_then(Value::as_bool) != Some(true) {
                    continue;
                }
                let Some(criteria) = text(m, "criteria", b)? else {
                    continue;
                };
                let Some(c) = cpe::parse(&criteria) else {
                    return Err(format!("bad CPE {criteria:?}"));
                };
                if cpes.len() >= b.max_items {
                    return Err(format!("more than {} CPE matches", b.max_items));
                }
                cpes.push(CpeRange {
                    version: c.full_version(),
                    part: c.part,
                    vendor: c.vendor,
                    product: c.product,
                    start_including: text(m, "versionStartIncluding", b)?,
                    start_excluding: text(m, "versionStartExcluding", b)?,
                    end_including: text(m, "versionEndIncluding", b)?,
                    end_excluding: text(m, "versionEndExcluding", b)?,
                    platforms: platforms.clone(),
                });
            }
        }
    }
    let url = array(cve, "references", b)?
        .iter()
        .find_map(|x| x.get("url").and_then(Value::as_str))
        .map(str::to_string);
    Ok(Advisory {
        id,
        aliases: Vec::new(),
        summary,
        severity,
        cvss: score,
        url,
        affected: Vec::new(),
        cpes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvd_and_configurations_keep_their_platforms() {
        let doc = serde_json::json!({"vulnerabilities": [{"cve": {
            "id": "CVE-X",
            "configurations": [{"operator": "AND", "nodes": [
                {"operator": "OR", "cpeMatch": [{"vulnerable": true, "criteria": "cpe:2.3:a:v:p:*:*:*:*:*:*:*:*", "versionEndExcluding": "2.0"}]},
                {"operator": "OR", "cpeMatch": [{"vulnerable": false, "criteria": "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}]}
            ]}]
        }}]});
        let p = parse("t.json", doc.to_string().as_bytes(), &Bounds::default()).unwrap();
        assert_eq!(p.kind, "nvd");
        let c = &p.advisories[0].cpes[0];
        assert_eq!(c.platforms, ["microsoft:windows"]);
        assert_eq!(c.describe(), "<2.0");
    }

    #[test]
    fn hostile_files_are_bounded() {
        let b = Bounds {
            max_items: 3,
            max_string: 16,
            max_file_bytes: 10_000,
            max_records: 2,
        };
        let many = serde_json::json!({"id": "X", "affected": [{}, {}, {}, {}]});
        let p = parse("t", many.to_string().as_bytes(), &b).unwrap();
        assert!(p.advisories.is_empty() && p.skipped[0].contains("more than 3"));
        let long = serde_json::json!({"id": "X".repeat(40)});
        assert!(parse("t", long.to_string().as_bytes(), &b).unwrap().skipped[0].contains("longer"));
        let records = serde_json::json!([{"id": "A"}, {"id": "B"}, {"id": "C"}]);
        assert!(parse("t", records.to_string().as_bytes(), &b).is_err());
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        assert!(parse("t", deep.as_bytes(), &Bounds::default()).is_err());
        assert!(parse("t", &vec![b' '; 20_000], &b).is_err());
        assert!(parse("t", b"{\"neither\": 1}", &b).is_err());
        let wrong = serde_json::json!({"id": 5});
        assert!(
            parse("t", wrong.to_string().as_bytes(), &b)
                .unwrap()
                .skipped[0]
                .contains("not a string")
        );
    }
}

//! Vendor dossiers (`dossiers/<vendor>.toml`) and jurisdiction files
//! (`dossiers/jurisdictions/<code>.toml`): loading and validation.

use std::collections::BTreeMap;
use std::path::Path;

use netvet_model::{Dossier, Fact, FactKind, JurisdictionFile, SourceStatus};
use serde::Deserialize;

use crate::catalogue::{key_line, parse_toml, valid_source};
use crate::error::{Diagnostic, Error, Result, line_of};
use crate::files::{FileSet, SourceFile};
use crate::limits::Limits;

/// A dossier and the file it came from.
#[derive(Clone, Debug)]
pub struct LoadedDossier {
    pub dossier: Dossier,
    pub file: String,
}

/// A jurisdiction and the file it came from.
#[derive(Clone, Debug)]
pub struct LoadedJurisdiction {
    pub jurisdiction: JurisdictionFile,
    pub file: String,
}

/// Every dossier and jurisdiction of a directory, validated.
#[derive(Clone, Debug)]
pub struct DossierSet {
    pub root: String,
    /// By vendor id.
    pub vendors: BTreeMap<String, LoadedDossier>,
    /// By jurisdiction code.
    pub jurisdictions: BTreeMap<String, LoadedJurisdiction>,
}

impl DossierSet {
    /// The dossiers in `dir`, or the built-in ones.
    pub fn load(dir: Option<&Path>, limits: &Limits) -> Result<DossierSet> {
        let files = match dir {
            Some(d) => FileSet::read_dir(d, &["toml"], limits)?,
            None => FileSet::builtin("dossiers")
                .ok_or_else(|| Error::at("builtin:dossiers", None, "no built-in dossiers"))?,
        };
        DossierSet::from_files(&files)
    }

    /// Validates a set of dossier files.
    pub fn from_files(files: &FileSet) -> Result<DossierSet> {
        let mut diags = Vec::new();
        let mut vendors: BTreeMap<String, LoadedDossier> = BTreeMap::new();
        let mut jurisdictions: BTreeMap<String, LoadedJurisdiction> = BTreeMap::new();
        let mut names: BTreeMap<String, (String, String)> = BTreeMap::new();
        for f in &files.files {
            if f.rel.starts_with("jurisdictions/") {
                let Some(j) = parse(f, &mut diags, |j: &JurisdictionFile| &j.facts) else {
                    continue;
                };
                let code = j.jurisdiction.code.clone();
                let line = key_line(f, "code");
                if !valid_country(&code) {
                    diags.push(Diagnostic::new(&f.name, line, format!("jurisdiction code {code:?}: ISO 3166 alpha-2 (or X? for a fictional one)")));
                }
                check_fictional_name(
                    f,
                    &j.jurisdiction.name,
                    j.jurisdiction.fictional,
                    &mut diags,
                );
                if let Some(prev) = jurisdictions.get(&code) {
                    diags.push(Diagnostic::new(
                        &f.name,
                        line,
                        format!("duplicate jurisdiction {code}: also in {}", prev.file),
                    ));
                    continue;
                }
                jurisdictions.insert(
                    code,
                    LoadedJurisdiction {
                        jurisdiction: j,
                        file: f.name.clone(),
                    },
                );
                continue;
            }
            let Some(d) = parse(f, &mut diags, |d: &Dossier| &d.facts) else {
                continue;
            };
            let v = &d.vendor;
            let line = key_line(f, "id");
            if v.id.is_empty()
                || !v
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                diags.push(Diagnostic::new(
                    &f.name,
                    line,
                    format!("vendor id {:?}: lowercase letters, digits and - only", v.id),
                ));
            }
            if !valid_country(&v.jurisdiction) {
                diags.push(Diagnostic::new(
                    &f.name,
                    key_line(f, "jurisdiction"),
                    format!(
                        "jurisdiction {:?}: ISO 3166 alpha-2 (or X? for a fictional one)",
                        v.jurisdiction
                    ),
                ));
            }
            check_fictional_name(f, &v.name, v.fictional, &mut diags);
            if let Some(prev) = vendors.get(&v.id) {
                diags.push(Diagnostic::new(
                    &f.name,
                    line,
                    format!("duplicate vendor {}: also in {}", v.id, prev.file),
                ));
                continue;
            }
            for name in std::iter::once(&v.name).chain(&v.aliases) {
                let key = name.to_lowercase();
                if let Some((other, file)) = names.get(&key)
                    && other != &v.id
                {
                    diags.push(Diagnostic::new(
                        &f.name,
                        key_line(f, "aliases").or(line),
                        format!("name {name:?} is also vendor {other}'s ({file})"),
                    ));
                }
                names.insert(key, (v.id.clone(), f.name.clone()));
            }
            vendors.insert(
                v.id.clone(),
                LoadedDossier {
                    dossier: d,
                    file: f.name.clone(),
                },
            );
        }
        for d in vendors.values() {
            if !jurisdictions.contains_key(&d.dossier.vendor.jurisdiction) {
                diags.push(Diagnostic::new(
                    &d.file,
                    None,
                    format!(
                        "no jurisdictions/{}.toml for vendor {}'s home jurisdiction",
                        d.dossier.vendor.jurisdiction.to_lowercase(),
                        d.dossier.vendor.id
                    ),
                ));
            }
        }
        if !diags.is_empty() {
            diags.sort();
            return Err(Error::Invalid(diags));
        }
        Ok(DossierSet {
            root: files.root.clone(),
            vendors,
            jurisdictions,
        })
    }

    /// The vendor whose id, name or alias is `name` (case-insensitive).
    pub fn find_vendor(&self, name: &str) -> Option<&LoadedDossier> {
        let name = name.trim();
        self.vendors.get(name).or_else(|| {
            self.vendors.values().find(|d| {
                let v = &d.dossier.vendor;
                v.id.eq_ignore_ascii_case(name)
                    || v.name.eq_ignore_ascii_case(name)
                    || v.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
            })
        })
    }
}

fn valid_country(code: &str) -> bool {
    code == "EU" || (code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()))
}

/// Fictional entities say so in their names; real ones must not claim it.
fn check_fictional_name(f: &SourceFile, name: &str, fictional: bool, diags: &mut Vec<Diagnostic>) {
    let says = name.ends_with("(fictional)");
    if fictional != says {
        let msg = if fictional {
            format!("{name:?} is fictional: its name must end with \"(fictional)\"")
        } else {
            format!("{name:?} ends with \"(fictional)\" but fictional is not true")
        };
        diags.push(Diagnostic::new(&f.name, key_line(f, "name"), msg));
    }
}

#[derive(Deserialize)]
struct FactLines {
    #[serde(default)]
    fact: Vec<toml::Spanned<IgnoreRest>>,
}

#[derive(Deserialize)]
struct IgnoreRest {}

/// Parses a dossier or jurisdiction file and checks its facts.
fn parse<T: serde::de::DeserializeOwned>(
    f: &SourceFile,
    diags: &mut Vec<Diagnostic>,
    facts: impl Fn(&T) -> &Vec<Fact>,
) -> Option<T> {
    let value: T = match parse_toml(f) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let lines: Vec<usize> = toml::from_str::<FactLines>(&f.text)
        .map(|p| {
            p.fact
                .iter()
                .map(|s| line_of(&f.text, s.span().start))
                .collect()
        })
        .unwrap_or_default();
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    let start = diags.len();
    for (i, fact) in facts(&value).iter().enumerate() {
        let line = lines.get(i).copied();
        if let Some(prev) = ids.insert(&fact.id, i)
            && let Some(l) = lines.get(prev)
        {
            diags.push(Diagnostic::new(
                &f.name,
                line,
                format!("duplicate fact id {} (first at line {l})", fact.id),
            ));
        }
        for problem in check_fact(fact) {
            diags.push(Diagnostic::new(
                &f.name,
                line,
                format!("fact {}: {problem}", fact.id),
            ));
        }
    }
    (diags.len() == start).then_some(value)
}

/// Structural rules for one fact: sources, and the attributes its kind allows and needs.
pub fn check_fact(f: &Fact) -> Vec<String> {
    let mut out = Vec::new();
    if f.id.trim().is_empty() {
        out.push("empty id".into());
    }
    if f.summary.trim().is_empty() {
        out.push("empty summary".into());
    }
    let needs_source = matches!(f.status, SourceStatus::Sourced | SourceStatus::Sourced2);
    if needs_source && f.sources.is_empty() {
        out.push(format!("status {} needs at least one source", f.status));
    }
    for s in &f.sources {
        if !valid_source(s) {
            out.push(format!(
                "source {s:?}: must be https://…, repo:owner/name:path or doc:…"
            ));
        }
    }
    if let Some(c) = &f.country
        && !valid_country(c)
    {
        out.push(format!("country {c:?}: ISO 3166 alpha-2 or EU"));
    }
    // (attribute, kinds that allow it)
    let set = [
        ("authority", f.authority.is_some()),
        ("list", f.list.is_some()),
        ("grounds", f.grounds.is_some()),
        ("holder", f.holder.is_some()),
        ("share_percent", f.share_percent.is_some()),
        ("state", f.state.is_some()),
        ("compels_assistance", f.compels_assistance.is_some()),
        ("binds", f.binds.is_some()),
        ("secrecy", f.secrecy.is_some()),
        ("oversight", f.oversight.is_some()),
        ("subject", f.subject.is_some()),
        ("scope", f.scope.is_some()),
        ("by", f.by.is_some()),
    ];
    let (allowed, required): (&[&str], &[&str]) = match f.kind {
        FactKind::Incorporation => (&[], &[]),
        FactKind::Ownership => (&["holder", "share_percent", "state", "scope"], &["holder"]),
        FactKind::StateLink => (&["state", "authority"], &[]),
        FactKind::Law => (
            &[
                "compels_assistance",
                "binds",
                "secrecy",
                "oversight",
                "scope",
            ],
            &[],
        ),
        FactKind::Listing => (&["authority", "list", "grounds"], &["list"]),
        FactKind::Sanction => (&["authority", "list", "grounds"], &[]),
        FactKind::LegalCase => (&["authority", "grounds"], &["grounds"]),
        FactKind::NationalRestriction => (&["authority", "list", "scope", "grounds"], &[]),
        FactKind::Certification => (&["authority", "subject", "scope"], &["subject"]),
        FactKind::Declaration => (&["by", "subject", "authority", "scope"], &["subject"]),
        FactKind::SecurityRecord => (&["authority", "scope", "grounds"], &[]),
        FactKind::Supply => (&[], &[]),
        FactKind::Business => (&["scope"], &[]),
        FactKind::Inquiry => (&["authority", "scope", "grounds"], &["authority"]),
        FactKind::OperatorDecision => (&["authority", "scope"], &["authority"]),
    };
    for (name, present) in set {
        if present && !allowed.contains(&name) {
            out.push(format!(
                "attribute {name} does not belong to a {} fact",
                f.kind.as_str()
            ));
        }
    }
    // Gaps and notes record absence; they need not carry the attributes.
    if matches!(f.status, SourceStatus::Sourced | SourceStatus::Sourced2) {
        for name in required {
            if !set.iter().any(|(n, present)| n == name && *present) {
                out.push(format!("a {} fact needs {name}", f.kind.as_str()));
            }
        }
    }
    if let Some(p) = f.share_percent
        && !(0.0..=100.0).contains(&p)
    {
        out.push(format!("share_percent {p} is not between 0 and 100"));
    }
    if let Some(o) = &f.oversight
        && ![
            "none-found",
            "programme-level",
            "court-per-request",
            "unverified",
        ]
        .contains(&o.as_str())
    {
        out.push(format!(
            "oversight {o:?}: none-found, programme-level, court-per-request or unverified"
        ));
    }
    if let Some(b) = &f.binds
        && ![
            "all-organisations",
            "service-providers",
            "network-operators",
        ]
        .contains(&b.as_str())
    {
        out.push(format!(
            "binds {b:?}: all-organisations, service-providers or network-operators"
        ));
    }
    if f.kind == FactKind::Law
        && f.compels_assistance == Some(true)
        && f.binds.is_none()
        && matches!(f.status, SourceStatus::Sourced | SourceStatus::Sourced2)
    {
        out.push("a law that compels assistance needs binds (whom the duty binds)".into());
    }
    if let Some(b) = &f.by
        && !["vendor", "government", "regulator"].contains(&b.as_str())
    {
        out.push(format!("by {b:?}: vendor, government or regulator"));
    }
    out
}

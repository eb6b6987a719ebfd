//! Requirements catalogues: loading a catalogue directory (or a built-in one), validating every
//! file, and composing a catalogue with the catalogues it extends.
//!
//! A catalogue directory holds `catalogue.toml`, `requirements/<ID>.toml` (one requirement per
//! file), `policy/*.rego` (one package `netvet.requirements.<id>` per requirement, optional
//! `netvet.verdict` and `netvet.helpers.*`) and `tests/*.rego` (packages `netvet.tests.*`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use netvet_model::catalogue::requirement_package;
use netvet_model::{
    CatalogueInfo, CatalogueRef, Consequence, Criticality, Date, Licence, Requirement, Role,
};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::{Diagnostic, Error, Result, rego_diagnostic, toml_diagnostic};
use crate::files::{FileSet, SourceFile};
use crate::limits::Limits;
use crate::rego_scan::{self, ModuleInfo};

/// Packages netvet itself defines; catalogues may not.
const RESERVED_PACKAGES: &[&str] = &["netvet.lib", "netvet.assessment", "netvet.testing"];

/// The Rego modules netvet loads with every catalogue.
pub(crate) const BUILTIN_MODULES: &[(&str, &str)] = &[
    ("builtin:netvet/lib.rego", include_str!("../rego/lib.rego")),
    (
        "builtin:netvet/assessment.rego",
        include_str!("../rego/assessment.rego"),
    ),
    (
        "builtin:netvet/verdict.rego",
        include_str!("../rego/verdict.rego"),
    ),
];

/// Test fixtures, loaded only when running catalogue tests.
pub(crate) const TESTING_MODULE: (&str, &str) = (
    "builtin:netvet/testing.rego",
    include_str!("../rego/testing.rego"),
);

/// The rule that cites the product under assessment (`data.netvet.lib.product_ref`).
pub const PRODUCT_REF: (&str, &str) = ("netvet.lib", "product_ref");

/// A requirement with where it was defined.
#[derive(Clone, Debug)]
pub struct CatalogueRequirement {
    pub requirement: Requirement,
    /// Its Rego package (`netvet.requirements.de_kat_cert`).
    pub package: String,
    pub file: String,
    pub line: usize,
    /// The id of the catalogue layer that defined it.
    pub layer: String,
    /// What its rules can read of the evaluation input (`input.vendor.by_kind`…), found by
    /// [`rego_scan::input_reads`] when the catalogue is composed; `None` when they may read
    /// any of it.
    pub input_reads: Option<BTreeSet<String>>,
    /// What its rules read apart from `data.netvet.lib.product_ref` (the product's citation):
    /// without `input.product.id`, they use the product's id only to cite it.
    pub reads_beside_product_ref: Option<BTreeSet<String>>,
}

/// A Rego module of a catalogue.
#[derive(Clone, Debug)]
pub struct PolicyModule {
    pub file: String,
    pub text: String,
    pub package: String,
    pub layer: String,
    pub info: ModuleInfo,
}

/// One catalogue directory, parsed and checked on its own.
#[derive(Clone, Debug)]
struct Layer {
    info: CatalogueInfo,
    file: String,
    /// The line of `remove = …` in catalogue.toml.
    remove_line: Option<usize>,
    requirements: Vec<CatalogueRequirement>,
    policies: Vec<PolicyModule>,
    tests: Vec<PolicyModule>,
    /// SHA-256 of the layer's files.
    digest: [u8; 32],
}

/// A catalogue composed with the catalogues it extends, validated and ready to evaluate.
#[derive(Clone, Debug)]
pub struct Catalogue {
    /// The top catalogue's metadata; `legal_basis`, `criticality` and `params` merged over the
    /// extended catalogues'.
    pub info: CatalogueInfo,
    pub criticality: Criticality,
    /// Layer ids, base first.
    pub layers: Vec<String>,
    pub requirements: BTreeMap<String, CatalogueRequirement>,
    /// Effective modules after overrides, sorted by file.
    pub policies: Vec<PolicyModule>,
    /// The top layer's tests.
    pub tests: Vec<PolicyModule>,
    /// Where the catalogue was loaded from (`builtin:catalogue/de-2024` or a directory).
    pub root: String,
    /// SHA-256 (hex) of everything an evaluation under the catalogue reads from it: netvet's
    /// own policy modules and the files of every layer, base first. Equal digests evaluate
    /// alike; a stored assessment records it.
    pub digest: String,
}

/// Where a catalogue comes from.
#[derive(Clone, Debug)]
enum Origin {
    Builtin(String),
    Dir(PathBuf),
    /// Files held in memory; what they extend resolves to built-ins only.
    Memory(FileSet),
}

impl Catalogue {
    /// The ids of the licences whose conditions the catalogue encodes, sorted.
    pub fn licences(&self) -> crate::assess::Licences {
        self.info.licences.iter().map(|l| l.id.clone()).collect()
    }

    /// The ids of the built-in catalogues.
    pub fn builtin_ids() -> Vec<String> {
        FileSet::builtin_children("catalogue")
    }

    /// Loads a catalogue by built-in id or directory, with every catalogue it extends.
    pub fn load(spec: &str, limits: &Limits) -> Result<Catalogue> {
        let chain = load_chain(spec, limits)?;
        compose(&chain)
    }

    /// The catalogue and each catalogue it extends, base first, each composed up to itself
    /// (for running every layer's tests against its own composition).
    pub fn load_layers(spec: &str, limits: &Limits) -> Result<Vec<Catalogue>> {
        let chain = load_chain(spec, limits)?;
        (1..=chain.len()).map(|n| compose(&chain[..n])).collect()
    }

    /// Loads a catalogue held in memory (an overlay uploaded to the service). What it extends
    /// must be a built-in catalogue: a file set has no directory to resolve a path against,
    /// and must not name the server's directories.
    pub fn load_files(files: FileSet, limits: &Limits) -> Result<Catalogue> {
        let chain = load_chain_from(Origin::Memory(files), limits)?;
        compose(&chain)
    }

    /// [`Catalogue::load_layers`] of a catalogue held in memory.
    pub fn load_layers_files(files: FileSet, limits: &Limits) -> Result<Vec<Catalogue>> {
        let chain = load_chain_from(Origin::Memory(files), limits)?;
        (1..=chain.len()).map(|n| compose(&chain[..n])).collect()
    }

    /// The built-in catalogue that states the binding law of `jurisdiction` (`DE`, `GB`) on
    /// `date`: of the binding catalogues whose validity covers the date, the one valid from
    /// the latest day. None when no built-in catalogue of that jurisdiction is in force then
    /// (drafts and advice are never picked).
    pub fn in_force(jurisdiction: &str, date: Date, limits: &Limits) -> Result<Option<String>> {
        let mut best: Option<CatalogueInfo> = None;
        for id in Catalogue::builtin_ids() {
            let files = files_of(&Origin::Builtin(id), limits)?;
            let info = parse_layer(&files)?.info;
            if info.binding
                && info.jurisdiction.eq_ignore_ascii_case(jurisdiction)
                && info.valid_on(date)
                && best
                    .as_ref()
                    .is_none_or(|b| (b.valid_from(), &b.id) < (info.valid_from(), &info.id))
            {
                best = Some(info);
            }
        }
        Ok(best.map(|b| b.id))
    }

    /// A short reference for reports.
    pub fn reference(&self) -> CatalogueRef {
        CatalogueRef {
            id: self.info.id.clone(),
            version: self.info.version.clone(),
            title: self.info.title.clone(),
            jurisdiction: self.info.jurisdiction.clone(),
            effective: self.info.effective,
            layers: self.layers.clone(),
        }
    }

    /// True when the catalogue counts `role` as critical.
    pub fn is_critical(&self, role: Role) -> bool {
        self.criticality.is_critical(role)
    }

    /// Requirements of the top layer (defined or overridden there) that no test file of the
    /// top layer covers (`tests/<ID>_test.rego`).
    pub fn untested(&self) -> Vec<&CatalogueRequirement> {
        let top = self.layers.last().cloned().unwrap_or_default();
        let covered: BTreeSet<&str> = self
            .tests
            .iter()
            .filter_map(|t| file_stem(&t.file).strip_suffix("_test"))
            .collect();
        let rego_layer: BTreeMap<&str, &str> = self
            .policies
            .iter()
            .map(|m| (m.package.as_str(), m.layer.as_str()))
            .collect();
        self.requirements
            .values()
            .filter(|r| {
                let defined_here = r.layer == top
                    || rego_layer
                        .get(r.package.as_str())
                        .is_some_and(|l| *l == top);
                defined_here && !covered.contains(r.requirement.id.as_str())
            })
            .collect()
    }
}

fn file_stem(name: &str) -> &str {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.rsplit_once('.').map_or(base, |(s, _)| s)
}

fn resolve(spec: &str, relative_to: Option<&Origin>) -> Result<Origin> {
    match relative_to {
        Some(Origin::Dir(base)) => {
            let candidate = base.join(spec);
            if candidate.is_dir() {
                return Ok(Origin::Dir(candidate));
            }
        }
        Some(Origin::Memory(_)) => {}
        _ => {
            let path = Path::new(spec);
            if path.is_dir() {
                return Ok(Origin::Dir(path.to_path_buf()));
            }
        }
    }
    let ids = Catalogue::builtin_ids();
    if ids.iter().any(|id| id == spec) {
        Ok(Origin::Builtin(spec.to_string()))
    } else {
        Err(Error::UnknownCatalogue {
            name: spec.to_string(),
            available: ids,
        })
    }
}

fn files_of(origin: &Origin, limits: &Limits) -> Result<FileSet> {
    match origin {
        Origin::Builtin(id) => {
            FileSet::builtin(&format!("catalogue/{id}")).ok_or_else(|| Error::UnknownCatalogue {
                name: id.clone(),
                available: Catalogue::builtin_ids(),
            })
        }
        Origin::Dir(dir) => FileSet::read_dir(dir, &["toml", "rego"], limits),
        Origin::Memory(files) => Ok(files.clone()),
    }
}

const MAX_EXTENDS: usize = 8;

fn load_chain(spec: &str, limits: &Limits) -> Result<Vec<(Layer, String)>> {
    load_chain_from(resolve(spec, None)?, limits)
}

fn load_chain_from(mut origin: Origin, limits: &Limits) -> Result<Vec<(Layer, String)>> {
    let mut chain: Vec<(Layer, String)> = Vec::new();
    loop {
        let files = files_of(&origin, limits)?;
        let layer = parse_layer(&files)?;
        if chain.iter().any(|(l, _)| l.info.id == layer.info.id) {
            return Err(Error::at(
                layer.file.clone(),
                None,
                format!(
                    "catalogue {} extends itself (through {})",
                    layer.info.id,
                    chain_ids(&chain)
                ),
            ));
        }
        let extends = layer.info.extends.clone();
        let file = layer.file.clone();
        chain.push((layer, files.root.clone()));
        match extends {
            None => break,
            Some(next) => {
                if chain.len() >= MAX_EXTENDS {
                    return Err(Error::at(
                        file,
                        None,
                        format!("more than {MAX_EXTENDS} catalogues extend each other"),
                    ));
                }
                origin = resolve(&next, Some(&origin)).map_err(|e| match e {
                    Error::UnknownCatalogue { name, available } => Error::at(
                        file.clone(),
                        None,
                        format!("extends {name:?}: not a directory next to this catalogue and not a built-in catalogue ({})", available.join(", ")),
                    ),
                    other => other,
                })?;
            }
        }
    }
    chain.reverse();
    Ok(chain)
}

fn chain_ids(chain: &[(Layer, String)]) -> String {
    chain
        .iter()
        .map(|(l, _)| l.info.id.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Parses TOML into `T`, reporting errors with the file and line.
pub(crate) fn parse_toml<T: DeserializeOwned>(
    file: &SourceFile,
) -> std::result::Result<T, Diagnostic> {
    toml::from_str(&file.text).map_err(|e| toml_diagnostic(&file.name, &file.text, &e))
}

/// The first line assigning `key` (`key = …`), for errors about its value.
pub(crate) fn key_line(file: &SourceFile, key: &str) -> Option<usize> {
    file.text
        .lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// A source is a web address, a repository file (`repo:owner/name:path`) or a document
/// citation (`doc:…`).
pub(crate) fn valid_source(url: &str) -> bool {
    ["https://", "http://", "repo:", "doc:"]
        .iter()
        .any(|p| url.starts_with(p) && url.len() > p.len())
}

fn parse_layer(files: &FileSet) -> Result<Layer> {
    let mut diags = Vec::new();
    let Some(cat_file) = files.get("catalogue.toml") else {
        return Err(Error::at(files.root.clone(), None, "no catalogue.toml"));
    };
    let info: CatalogueInfo = match parse_toml(cat_file) {
        Ok(i) => i,
        Err(d) => return Err(Error::Invalid(vec![d])),
    };
    let id_ok = !info.id.is_empty()
        && info
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        diags.push(Diagnostic::new(
            &cat_file.name,
            key_line(cat_file, "id"),
            format!(
                "catalogue id {:?} must be lowercase letters, digits and -",
                info.id
            ),
        ));
    }
    if info.legal_basis.is_empty() {
        diags.push(Diagnostic::new(
            &cat_file.name,
            key_line(cat_file, "legal_basis"),
            "legal_basis is empty",
        ));
    }
    let mut seen = BTreeSet::new();
    for l in &info.licences {
        let ok = !l.id.is_empty()
            && l.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.'));
        if !ok {
            diags.push(Diagnostic::new(
                &cat_file.name,
                key_line(cat_file, "licence"),
                format!(
                    "licence id {:?} must be lowercase letters, digits, - and .",
                    l.id
                ),
            ));
        }
        if !seen.insert(l.id.as_str()) {
            diags.push(Diagnostic::new(
                &cat_file.name,
                key_line(cat_file, "licence"),
                format!("licence {:?} is declared twice", l.id),
            ));
        }
    }
    if let Some(until) = info.valid_until
        && until < info.valid_from()
    {
        diags.push(Diagnostic::new(
            &cat_file.name,
            key_line(cat_file, "valid_until"),
            format!(
                "valid_until {until} is before the catalogue is valid (from {})",
                info.valid_from()
            ),
        ));
    }
    if let Some(c) = &info.criticality {
        for s in &c.sources {
            if !valid_source(&s.url) {
                diags.push(Diagnostic::new(
                    &cat_file.name,
                    None,
                    format!(
                        "criticality source {:?}: url must be https://…, repo:… or doc:…",
                        s.reference
                    ),
                ));
            }
        }
    }

    let mut requirements = Vec::new();
    let mut seen = BTreeMap::new();
    for f in files.in_dir("requirements", ".toml") {
        let req: Requirement = match parse_toml(f) {
            Ok(r) => r,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let line = key_line(f, "id").unwrap_or(1);
        let at = |msg: String| Diagnostic::new(&f.name, Some(line), msg);
        let id_ok = req
            .id
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && req
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c));
        if !id_ok {
            diags.push(at(format!(
                "requirement id {:?}: letters, digits, '.', '-' and '_' only",
                req.id
            )));
        }
        if file_stem(&f.rel) != req.id {
            diags.push(at(format!(
                "requirement {} is in {}: the file must be named {}.toml",
                req.id, f.rel, req.id
            )));
        }
        if let Some(prev) = seen.insert(requirement_package(&req.id), f.name.clone()) {
            diags.push(at(format!(
                "requirement {} has the same rule package as the one in {prev}",
                req.id
            )));
        }
        for (field, value) in [
            ("title", &req.title),
            ("rationale", &req.rationale),
            ("legal_basis", &req.legal_basis),
        ] {
            if value.trim().is_empty() {
                diags.push(Diagnostic::new(
                    &f.name,
                    key_line(f, field),
                    format!("{field} is empty"),
                ));
            }
        }
        // A duty of the operator whatever the product reads no evidence: only an advisory
        // may name none (its rule is checked to read no input).
        if req.evidence.is_empty() && req.consequence != Consequence::Advisory {
            diags.push(Diagnostic::new(
                &f.name,
                key_line(f, "evidence"),
                "evidence is empty: name the evidence the rule reads (only an advisory, such as \
                 a duty of the operator whose rule reads no input, may name none)",
            ));
        }
        if req.sources.is_empty() {
            diags.push(at(format!("requirement {} has no [[source]]", req.id)));
        }
        for s in &req.sources {
            if !valid_source(&s.url) {
                diags.push(at(format!(
                    "source {:?}: url must be https://…, repo:… or doc:…",
                    s.reference
                )));
            }
        }
        let covers_some = Role::all().any(|role| {
            (req.scope.domains.is_empty() || req.scope.domains.contains(&role.domain))
                && (req.scope.functions.is_empty() || req.scope.functions.contains(&role.function))
        });
        if !covers_some {
            diags.push(Diagnostic::new(
                &f.name,
                key_line(f, "functions").or(Some(line)),
                "scope covers no role: none of its functions is deployed in its domains",
            ));
        }
        requirements.push(CatalogueRequirement {
            package: requirement_package(&req.id),
            requirement: req,
            file: f.name.clone(),
            line,
            layer: info.id.clone(),
            input_reads: None,
            reads_beside_product_ref: None,
        });
    }

    let policies = parse_modules(files.in_dir("policy", ".rego"), &info.id, &mut diags);
    let tests = parse_modules(files.in_dir("tests", ".rego"), &info.id, &mut diags);
    for m in &policies {
        let line = Some(m.info.package_line.max(1));
        if RESERVED_PACKAGES.contains(&m.package.as_str()) || m.package.starts_with("netvet.tests.")
        {
            diags.push(Diagnostic::new(&m.file, line, format!("package {} is reserved; a catalogue's policies use netvet.requirements.<id>, netvet.verdict or netvet.helpers.<name>", m.package)));
        } else if !(m.package.starts_with("netvet.requirements.")
            || m.package == "netvet.verdict"
            || m.package.starts_with("netvet.helpers."))
        {
            diags.push(Diagnostic::new(&m.file, line, format!("unexpected package {}; a catalogue's policies use netvet.requirements.<id>, netvet.verdict or netvet.helpers.<name>", m.package)));
        }
    }
    for t in &tests {
        if !t.package.starts_with("netvet.tests.") {
            diags.push(Diagnostic::new(
                &t.file,
                Some(t.info.package_line.max(1)),
                format!("test package {} must be under netvet.tests.", t.package),
            ));
        }
    }
    if !diags.is_empty() {
        diags.sort();
        return Err(Error::Invalid(diags));
    }
    Ok(Layer {
        info,
        file: cat_file.name.clone(),
        remove_line: key_line(cat_file, "remove"),
        requirements,
        policies,
        tests,
        digest: files_digest(files),
    })
}

/// SHA-256 over each file's path and text (each length-prefixed), in path order.
fn files_digest(files: &FileSet) -> [u8; 32] {
    let mut sorted: Vec<&SourceFile> = files.files.iter().collect();
    sorted.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut h = Sha256::new();
    for f in sorted {
        for part in [f.rel.as_bytes(), f.text.as_bytes()] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
    }
    h.finalize().into()
}

/// The digest of a composed catalogue: netvet's built-in modules, then each layer's files.
fn catalogue_digest(chain: &[(Layer, String)]) -> String {
    let mut h = Sha256::new();
    h.update(b"netvet-catalogue/1");
    for (file, text) in BUILTIN_MODULES {
        for part in [file.as_bytes(), text.as_bytes()] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
    }
    for (layer, _) in chain {
        h.update(layer.digest);
    }
    hex::encode(h.finalize())
}

/// Parses each module with regorus (for syntax errors with their lines) and scans it.
fn parse_modules<'a>(
    files: impl Iterator<Item = &'a SourceFile>,
    layer: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<PolicyModule> {
    let mut out = Vec::new();
    for f in files {
        let mut engine = regorus::Engine::new();
        if let Err(e) = engine.add_policy(f.name.clone(), f.text.clone()) {
            diags.push(rego_diagnostic(&f.name, &e));
            continue;
        }
        let info = rego_scan::scan(&f.text);
        out.push(PolicyModule {
            file: f.name.clone(),
            text: f.text.clone(),
            package: info.package.clone(),
            layer: layer.to_string(),
            info,
        });
    }
    out
}

fn compose(chain: &[(Layer, String)]) -> Result<Catalogue> {
    let mut diags = Vec::new();
    let mut requirements: BTreeMap<String, CatalogueRequirement> = BTreeMap::new();
    let mut modules: Vec<PolicyModule> = Vec::new();
    let mut legal_basis: Vec<String> = Vec::new();
    let mut params = BTreeMap::new();
    let mut criticality: Option<Criticality> = None;
    let mut licences: BTreeMap<String, Licence> = BTreeMap::new();
    for (layer, _) in chain {
        for id in &layer.info.remove {
            match requirements.remove(id) {
                Some(r) => modules.retain(|m| m.package != r.package),
                None => diags.push(Diagnostic::new(
                    &layer.file,
                    layer.remove_line,
                    format!("remove {id:?}: no such requirement in the extended catalogue"),
                )),
            }
        }
        let replaced: BTreeSet<&str> = layer.policies.iter().map(|m| m.package.as_str()).collect();
        modules.retain(|m| !replaced.contains(m.package.as_str()));
        modules.extend(layer.policies.iter().cloned());
        for r in &layer.requirements {
            requirements.insert(r.requirement.id.clone(), r.clone());
        }
        for b in &layer.info.legal_basis {
            if !legal_basis.contains(b) {
                legal_basis.push(b.clone());
            }
        }
        params.extend(layer.info.params.clone());
        for l in &layer.info.licences {
            licences.insert(l.id.clone(), l.clone());
        }
        if let Some(c) = &layer.info.criticality {
            criticality = Some(c.clone());
        }
    }
    let (top, root) = chain.last().expect("a chain has at least one layer");
    let Some(criticality) = criticality else {
        return Err(Error::at(
            &top.file,
            None,
            "no [criticality]: a catalogue (or one it extends) must say which roles are critical",
        ));
    };

    // Every rule decides a known requirement; every requirement has a rule.
    let packages: BTreeMap<&str, &PolicyModule> =
        modules.iter().map(|m| (m.package.as_str(), m)).collect();
    let by_package: BTreeMap<&str, &CatalogueRequirement> = requirements
        .values()
        .map(|r| (r.package.as_str(), r))
        .collect();
    for m in &modules {
        if m.package.starts_with("netvet.requirements.")
            && !by_package.contains_key(m.package.as_str())
        {
            let known: Vec<&str> = requirements.keys().map(String::as_str).collect();
            diags.push(Diagnostic::new(
                &m.file,
                Some(m.info.package_line.max(1)),
                format!(
                    "rule for an unknown requirement: package {} matches no requirements/<ID>.toml (known: {})",
                    m.package,
                    known.join(", ")
                ),
            ));
        }
    }
    for r in requirements.values() {
        if !packages.contains_key(r.package.as_str()) {
            diags.push(Diagnostic::new(
                &r.file,
                Some(r.line),
                format!(
                    "requirement {} has no rule: no policy/*.rego declares package {}",
                    r.requirement.id, r.package
                ),
            ));
        }
    }
    // A requirement scoped to licences names licences the catalogue declares.
    for r in requirements.values() {
        for l in &r.requirement.scope.licences {
            if !licences.contains_key(l) {
                let known: Vec<&str> = licences.keys().map(String::as_str).collect();
                diags.push(Diagnostic::new(
                    &r.file,
                    Some(r.line),
                    format!(
                        "scope names licence {l:?}, which no [[licence]] of the catalogue declares (declared: {})",
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    ),
                ));
            }
        }
    }
    // Builtins and recursion, over the catalogue's modules and netvet's own.
    let mut scanned: Vec<(String, ModuleInfo)> = BUILTIN_MODULES
        .iter()
        .map(|(f, t)| (f.to_string(), rego_scan::scan(t)))
        .collect();
    scanned.extend(modules.iter().map(|m| (m.file.clone(), m.info.clone())));
    if !top.tests.is_empty() {
        let (file, text) = TESTING_MODULE;
        scanned.push((file.to_string(), rego_scan::scan(text)));
        scanned.extend(top.tests.iter().map(|m| (m.file.clone(), m.info.clone())));
    }
    let index = rego_scan::Reads::new(&scanned);
    for p in rego_scan::check(&scanned) {
        diags.push(Diagnostic::new(p.file, Some(p.line), p.message));
    }
    // netvet composes each distinct set of results once (see assessment.rego), so a verdict
    // may depend on nothing else.
    if let Some(m) = modules.iter().find(|m| m.package == "netvet.verdict") {
        let reads = index.of("netvet.verdict", &[]);
        if reads.as_ref().is_none_or(|r| !r.is_empty()) {
            let what = match reads {
                Some(r) => r.into_iter().collect::<Vec<_>>().join(", "),
                None => "input".to_string(),
            };
            diags.push(Diagnostic::new(
                &m.file,
                Some(m.info.package_line.max(1)),
                format!(
                    "the verdict composition reads {what} (directly or through the rules it \
                     uses): verdict(results) may depend only on the results and \
                     data.netvet.catalogue"
                ),
            ));
        }
    }
    for r in requirements.values() {
        if !r.requirement.evidence.is_empty() {
            continue;
        }
        let reads = index.of(&r.package, &[]);
        if reads.as_ref().is_none_or(|reads| !reads.is_empty()) {
            let what = match reads {
                Some(reads) => reads.into_iter().collect::<Vec<_>>().join(", "),
                None => "input".to_string(),
            };
            diags.push(Diagnostic::new(
                &r.file,
                Some(r.line),
                format!(
                    "requirement {} names no evidence, but its rule reads {what}: name the evidence",
                    r.requirement.id
                ),
            ));
        }
    }
    if !diags.is_empty() {
        diags.sort();
        diags.dedup();
        return Err(Error::Invalid(diags));
    }
    // Requirement parameters fall back to catalogue-wide ones.
    for r in requirements.values_mut() {
        r.input_reads = index.of(&r.package, &[]);
        r.reads_beside_product_ref = index.of(&r.package, &[PRODUCT_REF]);
        for (k, v) in &params {
            r.requirement
                .params
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
    }
    modules.sort_by(|a, b| a.file.cmp(&b.file));
    let mut info = top.info.clone();
    info.legal_basis = legal_basis;
    info.params = params;
    info.licences = licences.into_values().collect();
    info.criticality = Some(criticality.clone());
    Ok(Catalogue {
        info,
        criticality,
        layers: chain.iter().map(|(l, _)| l.info.id.clone()).collect(),
        requirements,
        policies: modules,
        tests: top.tests.clone(),
        root: root.clone(),
        digest: catalogue_digest(chain),
    })
}

//! `netvet diff`: what changed between two releases.

use std::collections::{BTreeMap, BTreeSet};

use netvet_model::diff::{
    Account, AccountChange, AccountChanges, BinaryChange, Change, ComponentChanges, ComponentRef,
    DIFF_SCHEMA, DiffReport, DiffSummary, FileChange, FindingChanges, FindingRef, HardeningChange,
    HardeningChanges, LayerChange, Listener, ListenerChanges, Material, MaterialChanges,
    SectionChange, ServiceChanges, Side, VersionChange, VulnerabilityChanges, VulnerabilityRef,
};
use netvet_model::scan::BinaryHardening;
use netvet_model::{Category, EntryKind, ScanReport, Severity};

use crate::collect::{ElfPrint, EntryPrint, Fingerprints};
use crate::logical::Namer;

/// Added and removed strings listed per binary at most.
const MAX_LISTED_STRINGS: usize = 200;

/// One release: its analysis and, when it was read as an image, its fingerprints.
pub struct Release<'a> {
    /// What the release is, as the document names it.
    pub side: Side,
    /// Its analysis (findings, services, components, vulnerabilities, hardening).
    pub scan: &'a ScanReport,
    /// Its fingerprints; `None` for a stored analysis (no file contents).
    pub prints: Option<&'a Fingerprints>,
}

/// Compares two releases.
pub fn diff(old: &Release<'_>, new: &Release<'_>) -> DiffReport {
    let (on, nn) = (Namer::new(&old.scan.image), Namer::new(&new.scan.image));
    let mut notes = Vec::new();
    let mut report = DiffReport {
        schema: DIFF_SCHEMA.to_string(),
        old: old.side.clone(),
        new: new.side.clone(),
        files_compared: false,
        summary: DiffSummary::default(),
        layers: Vec::new(),
        files: Vec::new(),
        services: ServiceChanges::default(),
        listeners: ListenerChanges::default(),
        accounts: AccountChanges::default(),
        keys: MaterialChanges::default(),
        certificates: MaterialChanges::default(),
        components: components(old.scan, new.scan),
        vulnerabilities: vulnerabilities(old.scan, new.scan),
        findings: findings(old.scan, &on, new.scan, &nn),
        hardening: hardening(old.scan, &on, new.scan, &nn),
        notes: Vec::new(),
    };
    (report.services, report.listeners) = services(old.scan, new.scan);
    match (old.prints, new.prints) {
        (Some(o), Some(n)) => {
            report.files_compared = true;
            report.layers = layers(o, n);
            report.files = files(o, n);
            report.accounts = accounts(&o.accounts, &n.accounts);
            report.keys = materials(&o.keys, &n.keys);
            report.certificates = materials(&o.certificates, &n.certificates);
            notes.extend(o.notes.iter().map(|m| format!("old: {m}")));
            notes.extend(n.notes.iter().map(|m| format!("new: {m}")));
        }
        _ => {
            notes.push(
                "a stored analysis holds no file contents: layers, files and binaries are not \
                 compared, and keys and certificates are compared through the findings"
                    .to_string(),
            );
            report.keys = materials(
                &finding_materials(old.scan, &on, is_key),
                &finding_materials(new.scan, &nn, is_key),
            );
            report.certificates = materials(
                &finding_materials(old.scan, &on, is_certificate),
                &finding_materials(new.scan, &nn, is_certificate),
            );
        }
    }
    for (name, side) in [("old", &old.side), ("new", &new.side)] {
        if side.coverage != "complete" {
            notes.push(format!(
                "the {name} release ({}) was not read completely ({}): what could not be read \
                 is not compared",
                side.input, side.coverage
            ));
        }
    }
    report.notes = notes;
    report.summary = summarise(&report);
    report
}

fn summarise(r: &DiffReport) -> DiffSummary {
    let n = |c: Change| r.files.iter().filter(|f| f.change == c).count() as u64;
    DiffSummary {
        layers_changed: r.layers.len() as u64,
        files_added: n(Change::Added),
        files_removed: n(Change::Removed),
        files_changed: n(Change::Changed),
        files_renamed: n(Change::Renamed),
        metadata_changed: n(Change::Metadata),
        binaries_changed: r.files.iter().filter(|f| f.binary.is_some()).count() as u64,
        services_added: r.services.added.len() as u64,
        services_removed: r.services.removed.len() as u64,
        listeners_added: r.listeners.added.len() as u64,
        listeners_removed: r.listeners.removed.len() as u64,
        accounts_added: r.accounts.added.len() as u64,
        accounts_removed: r.accounts.removed.len() as u64,
        accounts_changed: r.accounts.changed.len() as u64,
        keys_added: r.keys.added.len() as u64,
        keys_removed: r.keys.removed.len() as u64,
        certificates_added: r.certificates.added.len() as u64,
        certificates_removed: r.certificates.removed.len() as u64,
        components_added: r.components.added.len() as u64,
        components_removed: r.components.removed.len() as u64,
        components_changed: r.components.changed.len() as u64,
        vulnerabilities_fixed: r.vulnerabilities.fixed.len() as u64,
        vulnerabilities_introduced: r.vulnerabilities.introduced.len() as u64,
        findings_new: r.findings.new.len() as u64,
        findings_resolved: r.findings.resolved.len() as u64,
        hardening_regressions: r.hardening.regressions.len() as u64,
        hardening_improvements: r.hardening.improvements.len() as u64,
    }
}

fn layers(o: &Fingerprints, n: &Fingerprints) -> Vec<LayerChange> {
    let mut out = Vec::new();
    for (path, l) in &o.layers {
        match n.layers.get(path) {
            None => out.push(LayerChange {
                change: Change::Removed,
                path: path.clone(),
                format: l.format.clone(),
                old: Some(l.description.clone()),
                new: None,
            }),
            Some(m) if m.digest != l.digest || m.format != l.format => {
                // Same description (a raw blob of the same size): tell them apart by digest.
                let same = m.description == l.description && m.format == l.format;
                let text = |x: &crate::collect::LayerPrint| {
                    if same {
                        format!(
                            "{}: {} (sha256 {})",
                            x.format,
                            x.description,
                            &x.digest[..x.digest.len().min(12)]
                        )
                    } else {
                        format!("{}: {}", x.format, x.description)
                    }
                };
                out.push(LayerChange {
                    change: Change::Changed,
                    path: path.clone(),
                    format: m.format.clone(),
                    old: Some(text(l)),
                    new: Some(text(m)),
                })
            }
            Some(_) => {}
        }
    }
    for (path, l) in &n.layers {
        if !o.layers.contains_key(path) {
            out.push(LayerChange {
                change: Change::Added,
                path: path.clone(),
                format: l.format.clone(),
                old: None,
                new: Some(l.description.clone()),
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn hex(h: &[u8]) -> String {
    hex::encode(h)
}

fn entry_change(change: Change, path: &str, e: &EntryPrint, old: bool) -> FileChange {
    let digest = e.content.as_ref().map(|c| hex(&c.digest));
    let size = e.kind == EntryKind::File || e.kind == EntryKind::HardLink;
    FileChange {
        change,
        path: path.to_string(),
        old_path: None,
        kind: e.kind.as_str().to_string(),
        old_size: (old && size).then_some(e.size),
        new_size: (!old && size).then_some(e.size),
        old_sha256: if old { digest.clone() } else { None },
        new_sha256: if old { None } else { digest },
        metadata: Vec::new(),
        binary: None,
    }
}

/// Metadata differences of two entries, for people: `mode 0755 → 4755`.
pub fn metadata_changes(o: &EntryPrint, n: &EntryPrint) -> Vec<String> {
    let mut out = Vec::new();
    if o.kind != n.kind {
        out.push(format!("kind {} → {}", o.kind.as_str(), n.kind.as_str()));
    }
    if o.mode & 0o7777 != n.mode & 0o7777 {
        out.push(format!(
            "mode {:04o} → {:04o}",
            o.mode & 0o7777,
            n.mode & 0o7777
        ));
    }
    if (o.uid, o.gid) != (n.uid, n.gid) {
        out.push(format!("owner {}:{} → {}:{}", o.uid, o.gid, n.uid, n.gid));
    }
    if o.link_target != n.link_target {
        out.push(format!(
            "target {} → {}",
            o.link_target.as_deref().unwrap_or("-"),
            n.link_target.as_deref().unwrap_or("-")
        ));
    }
    if o.device != n.device {
        out.push(format!("device {:?} → {:?}", o.device, n.device));
    }
    out
}

fn files(o: &Fingerprints, n: &Fingerprints) -> Vec<FileChange> {
    let mut out = Vec::new();
    let mut removed: Vec<(&String, &EntryPrint)> = Vec::new();
    let mut added: Vec<(&String, &EntryPrint)> = Vec::new();
    for (path, oe) in &o.entries {
        let Some(ne) = n.entries.get(path) else {
            if !oe.container {
                removed.push((path, oe));
            }
            continue;
        };
        if oe.container && ne.container {
            continue;
        }
        let metadata = metadata_changes(oe, ne);
        let content_changed = match (&oe.content, &ne.content) {
            (Some(a), Some(b)) => a.digest != b.digest,
            (None, None) => false,
            _ => oe.kind == EntryKind::File && ne.kind == EntryKind::File,
        };
        if !content_changed && metadata.is_empty() {
            continue;
        }
        let mut c = entry_change(
            if content_changed {
                Change::Changed
            } else {
                Change::Metadata
            },
            path,
            ne,
            false,
        );
        let old = entry_change(Change::Removed, path, oe, true);
        c.old_size = old.old_size;
        c.old_sha256 = old.old_sha256;
        c.metadata = metadata;
        if content_changed
            && let (Some(a), Some(b)) = (
                oe.content.as_ref().and_then(|c| c.elf.as_ref()),
                ne.content.as_ref().and_then(|c| c.elf.as_ref()),
            )
        {
            c.binary = Some(binary_change(a, b));
        }
        out.push(c);
    }
    for (path, ne) in &n.entries {
        if !o.entries.contains_key(path) && !ne.container {
            added.push((path, ne));
        }
    }
    // Renames: a removed file whose content an added file has (empty files excepted).
    let mut by_digest: BTreeMap<[u8; 32], Vec<usize>> = BTreeMap::new();
    for (i, (_, e)) in removed.iter().enumerate() {
        if let Some(c) = &e.content
            && e.size > 0
        {
            by_digest.entry(c.digest).or_default().push(i);
        }
    }
    let mut renamed = vec![false; removed.len()];
    for (path, ne) in added {
        let from = ne
            .content
            .as_ref()
            .filter(|_| ne.size > 0)
            .and_then(|c| by_digest.get_mut(&c.digest))
            .and_then(|v| (!v.is_empty()).then(|| v.remove(0)));
        match from {
            Some(i) => {
                renamed[i] = true;
                let (old_path, oe) = removed[i];
                let mut c = entry_change(Change::Renamed, path, ne, false);
                c.old_path = Some(old_path.clone());
                c.old_size = Some(oe.size);
                c.metadata = metadata_changes(oe, ne);
                out.push(c);
            }
            None => out.push(entry_change(Change::Added, path, ne, false)),
        }
    }
    for (i, (path, oe)) in removed.iter().enumerate() {
        if !renamed[i] {
            out.push(entry_change(Change::Removed, path, oe, true));
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path).then(a.change.cmp(&b.change)));
    out
}

fn set_diff<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<T> {
    a.difference(b).cloned().collect()
}

fn binary_change(o: &ElfPrint, n: &ElfPrint) -> BinaryChange {
    let mut sections = Vec::new();
    let os: BTreeMap<&str, &crate::collect::Section> =
        o.sections.iter().map(|s| (s.name.as_str(), s)).collect();
    let ns: BTreeMap<&str, &crate::collect::Section> =
        n.sections.iter().map(|s| (s.name.as_str(), s)).collect();
    for (name, s) in &os {
        match ns.get(name) {
            None => sections.push(SectionChange {
                change: Change::Removed,
                name: name.to_string(),
                old_size: Some(s.size),
                new_size: None,
            }),
            Some(t) if t.digest != s.digest => sections.push(SectionChange {
                change: Change::Changed,
                name: name.to_string(),
                old_size: Some(s.size),
                new_size: Some(t.size),
            }),
            Some(_) => {}
        }
    }
    for (name, t) in &ns {
        if !os.contains_key(name) {
            sections.push(SectionChange {
                change: Change::Added,
                name: name.to_string(),
                old_size: None,
                new_size: Some(t.size),
            });
        }
    }
    let mut c = BinaryChange {
        sections,
        imports_added: set_diff(&n.imports, &o.imports),
        imports_removed: set_diff(&o.imports, &n.imports),
        exports_added: set_diff(&n.exports, &o.exports),
        exports_removed: set_diff(&o.exports, &n.exports),
        ..BinaryChange::default()
    };
    if let (Some(a), Some(b)) = (&o.strings, &n.strings) {
        let (a, b): (BTreeSet<&String>, BTreeSet<&String>) =
            (a.iter().collect(), b.iter().collect());
        let added: Vec<&String> = b.difference(&a).copied().collect();
        let removed: Vec<&String> = a.difference(&b).copied().collect();
        c.strings_added_total = added.len() as u64;
        c.strings_removed_total = removed.len() as u64;
        c.strings_added = added
            .into_iter()
            .take(MAX_LISTED_STRINGS)
            .cloned()
            .collect();
        c.strings_removed = removed
            .into_iter()
            .take(MAX_LISTED_STRINGS)
            .cloned()
            .collect();
    }
    c
}

fn services(o: &ScanReport, n: &ScanReport) -> (ServiceChanges, ListenerChanges) {
    // A service is the same across releases whatever line of which script starts it.
    let key = |s: &netvet_model::scan::Service| {
        (
            s.name.clone(),
            s.binary.clone(),
            s.ports.clone(),
            s.authentication.clone(),
            s.started_by.clone(),
        )
    };
    let ok: BTreeSet<_> = o.services.iter().map(key).collect();
    let nk: BTreeSet<_> = n.services.iter().map(key).collect();
    let mut sc = ServiceChanges {
        added: n
            .services
            .iter()
            .filter(|s| !ok.contains(&key(s)))
            .cloned()
            .collect(),
        removed: o
            .services
            .iter()
            .filter(|s| !nk.contains(&key(s)))
            .cloned()
            .collect(),
    };
    sc.added.sort();
    sc.added.dedup_by(|a, b| key(a) == key(b));
    sc.removed.sort();
    sc.removed.dedup_by(|a, b| key(a) == key(b));
    let listeners = |r: &ScanReport| -> BTreeSet<Listener> {
        r.services
            .iter()
            .flat_map(|s| {
                s.ports.iter().map(|p| Listener {
                    service: s.name.clone(),
                    program: s.binary.clone(),
                    port: *p,
                    authentication: s.authentication.clone(),
                })
            })
            .collect()
    };
    let (ol, nl) = (listeners(o), listeners(n));
    let lc = ListenerChanges {
        added: set_diff(&nl, &ol),
        removed: set_diff(&ol, &nl),
    };
    (sc, lc)
}

fn accounts(o: &[Account], n: &[Account]) -> AccountChanges {
    let key = |a: &Account| (a.file.clone(), a.name.clone());
    let om: BTreeMap<_, &Account> = o.iter().map(|a| (key(a), a)).collect();
    let nm: BTreeMap<_, &Account> = n.iter().map(|a| (key(a), a)).collect();
    let mut c = AccountChanges::default();
    for (k, a) in &om {
        match nm.get(k) {
            None => c.removed.push((*a).clone()),
            Some(b) if a != b => c.changed.push(AccountChange {
                old: (*a).clone(),
                new: (*b).clone(),
            }),
            Some(_) => {}
        }
    }
    for (k, b) in &nm {
        if !om.contains_key(k) {
            c.added.push((*b).clone());
        }
    }
    c
}

fn materials(o: &[Material], n: &[Material]) -> MaterialChanges {
    let (os, ns): (BTreeSet<Material>, BTreeSet<Material>) =
        (o.iter().cloned().collect(), n.iter().cloned().collect());
    MaterialChanges {
        added: set_diff(&ns, &os),
        removed: set_diff(&os, &ns),
    }
}

fn is_key(check: &str) -> bool {
    matches!(
        check,
        "nv-crypto-private-key" | "nv-crypto-ssh-host-key" | "nv-crypto-authorized-key"
    )
}

fn is_certificate(check: &str) -> bool {
    check.starts_with("nv-crypto-cert-")
}

fn finding_materials(r: &ScanReport, namer: &Namer, which: fn(&str) -> bool) -> Vec<Material> {
    r.findings
        .iter()
        .filter(|f| f.category == Category::CryptoMaterial && which(&f.check))
        .map(|f| Material {
            path: namer.name(&f.location.path),
            kind: f.check.clone(),
            fingerprint: crate::collect::short(f.evidence.as_bytes()),
        })
        .collect()
}

fn components(o: &ScanReport, n: &ScanReport) -> ComponentChanges {
    type Key = (String, Option<String>);
    let index = |r: &ScanReport| -> BTreeMap<Key, BTreeSet<Option<String>>> {
        let mut m: BTreeMap<Key, BTreeSet<Option<String>>> = BTreeMap::new();
        for c in &r.components {
            m.entry((c.name.clone(), c.ecosystem.clone()))
                .or_default()
                .insert(c.version.clone());
        }
        m
    };
    let (om, nm) = (index(o), index(n));
    let refs = |k: &Key, vs: &mut dyn Iterator<Item = &Option<String>>| -> Vec<ComponentRef> {
        vs.map(|v| ComponentRef {
            name: k.0.clone(),
            version: v.clone(),
            ecosystem: k.1.clone(),
        })
        .collect()
    };
    let mut c = ComponentChanges::default();
    for (k, ov) in &om {
        match nm.get(k) {
            None => c.removed.extend(refs(k, &mut ov.iter())),
            Some(nv) if nv != ov => {
                if ov.len() == 1 && nv.len() == 1 {
                    c.changed.push(VersionChange {
                        name: k.0.clone(),
                        ecosystem: k.1.clone(),
                        old_version: ov.first().cloned().flatten(),
                        new_version: nv.first().cloned().flatten(),
                    });
                } else {
                    c.removed.extend(refs(k, &mut ov.difference(nv)));
                    c.added.extend(refs(k, &mut nv.difference(ov)));
                }
            }
            Some(_) => {}
        }
    }
    for (k, nv) in &nm {
        if !om.contains_key(k) {
            c.added.extend(refs(k, &mut nv.iter()));
        }
    }
    c.added.sort();
    c.removed.sort();
    c
}

fn vulnerabilities(o: &ScanReport, n: &ScanReport) -> VulnerabilityChanges {
    let set = |r: &ScanReport| -> BTreeSet<VulnerabilityRef> {
        r.vulnerabilities
            .iter()
            .map(|v| VulnerabilityRef {
                id: v.id.clone(),
                component: v.component.to_string(),
                severity: v.severity,
                known_exploited: v.known_exploited,
            })
            .collect()
    };
    // Keyed by advisory and component: a re-scored advisory is neither fixed nor new.
    let key = |v: &VulnerabilityRef| (v.id.clone(), v.component.clone());
    let (os, ns) = (set(o), set(n));
    let (ok, nk): (BTreeSet<_>, BTreeSet<_>) =
        (os.iter().map(key).collect(), ns.iter().map(key).collect());
    VulnerabilityChanges {
        fixed: os
            .iter()
            .filter(|v| !nk.contains(&key(v)))
            .cloned()
            .collect(),
        introduced: ns
            .iter()
            .filter(|v| !ok.contains(&key(v)))
            .cloned()
            .collect(),
    }
}

fn findings(o: &ScanReport, on: &Namer, n: &ScanReport, nn: &Namer) -> FindingChanges {
    let refs = |r: &ScanReport, namer: &Namer| -> Vec<(FindingRef, String)> {
        r.findings
            .iter()
            .map(|f| {
                let path = namer.name(&f.location.path);
                let content = format!("{}\u{0}{path}\u{0}{}", f.check, f.evidence);
                (
                    FindingRef {
                        id: f.id.clone(),
                        check: f.check.clone(),
                        severity: f.severity,
                        title: f.title.clone(),
                        path,
                    },
                    content,
                )
            })
            .collect()
    };
    let (or, nr) = (refs(o, on), refs(n, nn));
    // By stable id first; then by check, logical path and evidence, so that a root filesystem
    // that moved inside the image does not turn every finding into a new one.
    let (oid, nid): (BTreeSet<&str>, BTreeSet<&str>) = (
        or.iter().map(|(f, _)| f.id.as_str()).collect(),
        nr.iter().map(|(f, _)| f.id.as_str()).collect(),
    );
    let (oc, nc): (BTreeSet<&str>, BTreeSet<&str>) = (
        or.iter().map(|(_, c)| c.as_str()).collect(),
        nr.iter().map(|(_, c)| c.as_str()).collect(),
    );
    let mut c = FindingChanges {
        new: nr
            .iter()
            .filter(|(f, k)| !oid.contains(f.id.as_str()) && !oc.contains(k.as_str()))
            .map(|(f, _)| f.clone())
            .collect(),
        resolved: or
            .iter()
            .filter(|(f, k)| !nid.contains(f.id.as_str()) && !nc.contains(k.as_str()))
            .map(|(f, _)| f.clone())
            .collect(),
    };
    let order = |a: &FindingRef, b: &FindingRef| {
        b.severity
            .cmp(&a.severity)
            .then(a.path.cmp(&b.path))
            .then(a.check.cmp(&b.check))
            .then(a.id.cmp(&b.id))
    };
    c.new.sort_by(order);
    c.resolved.sort_by(order);
    c
}

/// Hardening properties of a binary as (name, value, rank): a higher rank is better.
fn properties(b: &BinaryHardening) -> Vec<(&'static str, String, i32)> {
    let yes = |v: bool| (if v { "yes" } else { "no" }.to_string(), i32::from(v));
    let relro = match b.relro.as_str() {
        "full" => 2,
        "partial" => 1,
        _ => 0,
    };
    vec![
        ("nx", yes(b.nx).0, yes(b.nx).1),
        ("pie", yes(b.pie).0, yes(b.pie).1),
        ("relro", b.relro.clone(), relro),
        ("canary", yes(b.canary).0, yes(b.canary).1),
        ("fortify", yes(b.fortify).0, yes(b.fortify).1),
        (
            "rpath",
            if b.rpath.is_empty() {
                "none".to_string()
            } else {
                b.rpath.join(":")
            },
            -(b.rpath.len() as i32),
        ),
        ("setuid", yes(b.setuid).0, -yes(b.setuid).1),
        (
            "capabilities",
            b.capabilities.clone().unwrap_or_else(|| "none".into()),
            -i32::from(b.capabilities.is_some()),
        ),
        (
            "dangerous-imports",
            if b.dangerous_imports.is_empty() {
                "none".to_string()
            } else {
                b.dangerous_imports.join(", ")
            },
            -(b.dangerous_imports.len() as i32),
        ),
    ]
}

fn hardening(o: &ScanReport, on: &Namer, n: &ScanReport, nn: &Namer) -> HardeningChanges {
    let index = |r: &ScanReport, namer: &Namer| -> BTreeMap<String, BinaryHardening> {
        r.hardening
            .iter()
            .flat_map(|h| h.details.iter())
            .map(|b| (namer.name(&b.path), b.clone()))
            .collect()
    };
    let (om, nm) = (index(o, on), index(n, nn));
    let mut c = HardeningChanges::default();
    for (path, ob) in &om {
        let Some(nb) = nm.get(path) else { continue };
        for ((name, ov, orank), (_, nv, nrank)) in properties(ob).into_iter().zip(properties(nb)) {
            if ov == nv {
                continue;
            }
            let change = HardeningChange {
                path: path.clone(),
                property: name.to_string(),
                old: ov,
                new: nv,
            };
            if nrank < orank {
                c.regressions.push(change);
            } else if nrank > orank {
                c.improvements.push(change);
            }
        }
    }
    c
}

/// What `--fail-on` can gate on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    NewListener,
    NewAccount,
    NewKey,
    Hardening,
    /// A new finding at or above this severity.
    Finding(Severity),
    /// A vulnerability introduced at or above this severity.
    Vulnerability(Severity),
}

impl std::str::FromStr for Gate {
    type Err = String;
    fn from_str(s: &str) -> Result<Gate, String> {
        Ok(match s {
            "new-listener" => Gate::NewListener,
            "new-account" => Gate::NewAccount,
            "new-key" => Gate::NewKey,
            "hardening" => Gate::Hardening,
            _ => {
                if let Some(level) = s.strip_prefix("finding=") {
                    Gate::Finding(level.parse()?)
                } else if let Some(level) = s.strip_prefix("vulnerability=") {
                    Gate::Vulnerability(level.parse()?)
                } else if let Ok(level) = s.parse::<Severity>() {
                    Gate::Finding(level)
                } else {
                    return Err(format!(
                        "unknown gate {s:?} (new-listener, new-account, new-key, hardening, \
                         finding=SEVERITY, vulnerability=SEVERITY)"
                    ));
                }
            }
        })
    }
}

/// The gates a diff trips, each with what tripped it.
pub fn tripped(r: &DiffReport, gates: &[Gate]) -> Vec<String> {
    let mut out = Vec::new();
    for g in gates {
        match *g {
            Gate::NewListener if !r.listeners.added.is_empty() => out.push(format!(
                "new listener: {}",
                r.listeners
                    .added
                    .iter()
                    .map(|l| format!(
                        "{}/{} ({})",
                        l.port.number,
                        l.port.protocol.as_str(),
                        l.service
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Gate::NewAccount
                if !r.accounts.added.is_empty()
                    || r.accounts
                        .changed
                        .iter()
                        .any(|c| c.new.uid == 0 && c.old.uid != 0) =>
            {
                out.push(format!(
                    "new account: {}",
                    r.accounts
                        .added
                        .iter()
                        .map(|a| a.name.as_str())
                        .chain(
                            r.accounts
                                .changed
                                .iter()
                                .filter(|c| c.new.uid == 0 && c.old.uid != 0)
                                .map(|c| c.new.name.as_str())
                        )
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            Gate::NewKey if !r.keys.added.is_empty() => out.push(format!(
                "new key: {}",
                r.keys
                    .added
                    .iter()
                    .map(|k| format!("{} in {}", k.kind, k.path))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Gate::Hardening if !r.hardening.regressions.is_empty() => out.push(format!(
                "hardening regression: {}",
                r.hardening
                    .regressions
                    .iter()
                    .map(|h| format!("{} {} {} → {}", h.path, h.property, h.old, h.new))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Gate::Finding(level) => {
                let hits: Vec<String> = r
                    .findings
                    .new
                    .iter()
                    .filter(|f| f.severity >= level)
                    .map(|f| format!("{} ({}) at {}", f.check, f.severity, f.path))
                    .collect();
                if !hits.is_empty() {
                    out.push(format!(
                        "new finding at or above {level}: {}",
                        hits.join(", ")
                    ));
                }
            }
            Gate::Vulnerability(level) => {
                let hits: Vec<String> = r
                    .vulnerabilities
                    .introduced
                    .iter()
                    .filter(|v| v.severity >= level)
                    .map(|v| format!("{} in {}", v.id, v.component))
                    .collect();
                if !hits.is_empty() {
                    out.push(format!(
                        "vulnerability introduced at or above {level}: {}",
                        hits.join(", ")
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

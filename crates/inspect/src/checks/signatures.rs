//! Back-door signatures: every file scanned with the YARA-X rule packs (the built-in
//! `rules/backdoors.yar` and `rules/heuristics.yar`, and the user's own). Each worker thread
//! keeps one scanner per rule set.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use netvet_model::{Category, Severity};

use super::{Check, is_documentation};
use crate::check::{CheckInfo, Hit, Sink};
use crate::content::{ContentKind, FileCtx};
use crate::rules::{RulePack, USER_NAMESPACE, metadata};

pub const BACKDOOR: CheckInfo = CheckInfo {
    id: "nv-backdoor-signature",
    title: "Published back-door signature",
    tags: &["backdoor", "signatures"],
    category: Category::Backdoor,
    severity: Severity::Critical,
    cwe: &[912, 798],
    references: &[],
    remediation: "Remove the component or update to a release without the back door; treat deployed devices as compromised.",
    description: "The file holds an indicator published for a back door or hard-coded credential in network equipment (rule metadata names the advisory).",
};

pub const HEURISTIC: CheckInfo = CheckInfo {
    id: "nv-backdoor-heuristic",
    title: "Back-door heuristic",
    tags: &["backdoor", "signatures"],
    category: Category::Backdoor,
    severity: Severity::Medium,
    cwe: &[912],
    references: &[],
    remediation: "Review the file: explain or remove the behaviour.",
    description: "A pattern common to published back doors (magic strings, shells handed to network peers).",
};

pub const USER_RULE: CheckInfo = CheckInfo {
    id: "nv-user-rule",
    title: "User rule matched",
    tags: &["signatures", "user-rules"],
    category: Category::Backdoor,
    severity: Severity::Medium,
    cwe: &[],
    references: &[],
    remediation: "See the rule's description.",
    description: "A rule from a file given with --rules matched.",
};

const INFOS: &[&CheckInfo] = &[&BACKDOOR, &HEURISTIC, &USER_RULE];

/// Per-file scan time limit (a pathological rule or file cannot stall the scan).
const TIMEOUT: Duration = Duration::from_secs(30);

thread_local! {
    static SCANNER: RefCell<Option<(u64, yara_x::Scanner<'static>)>> = const { RefCell::new(None) };
}

/// The signature check.
pub struct Signatures {
    pack: Arc<RulePack>,
}

impl Signatures {
    pub fn new(pack: Arc<RulePack>) -> Signatures {
        Signatures { pack }
    }
}

impl Check for Signatures {
    fn area(&self) -> &'static str {
        "signatures"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        INFOS.to_vec()
    }

    fn file(&self, ctx: &FileCtx<'_>, sink: &Sink) {
        if ctx.kind == ContentKind::Empty {
            return;
        }
        SCANNER.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|(id, _)| *id != self.pack.id) {
                let mut s = yara_x::Scanner::new(self.pack.rules);
                s.set_timeout(TIMEOUT);
                s.max_matches_per_pattern(16);
                *slot = Some((self.pack.id, s));
            }
            let Some((_, scanner)) = slot.as_mut() else {
                return;
            };
            let results = match scanner.scan(ctx.data) {
                Ok(r) => r,
                Err(e) => {
                    sink.error(format!("{}: signature scan: {e}", ctx.entry.path));
                    return;
                }
            };
            for rule in results.matching_rules() {
                let meta = metadata(&rule);
                let ns = rule.namespace();
                let info = match ns {
                    "backdoors" => &BACKDOOR,
                    "heuristics" => &HEURISTIC,
                    _ => &USER_RULE,
                };
                let first = rule
                    .patterns()
                    .flat_map(|p| {
                        p.matches()
                            .map(move |m| (p.identifier().to_string(), m.range()))
                    })
                    .min_by_key(|(_, r)| r.start);
                let evidence = match &first {
                    Some((id, r)) => {
                        let bytes = &ctx.data[r.start..r.end.min(r.start + 64)];
                        format!(
                            "{id} at offset {}: {}",
                            r.start,
                            crate::check::printable(bytes)
                        )
                    }
                    None => "condition matched".to_string(),
                };
                let name = if ns == USER_NAMESPACE {
                    format!("{USER_NAMESPACE}.{}", rule.identifier())
                } else {
                    rule.identifier().to_string()
                };
                let mut hit = Hit::new(info, &ctx.entry.path, &name, evidence)
                    .title(
                        meta.get("description")
                            .cloned()
                            .unwrap_or_else(|| format!("Rule {name} matched")),
                    )
                    .detail("rule", name.clone());
                if let Some((_, r)) = &first {
                    hit = hit.offset(r.start as u64);
                }
                if let Some(s) = meta
                    .get("severity")
                    .and_then(|s| s.parse::<Severity>().ok())
                {
                    hit = hit.severity(s);
                }
                // Heuristics judge behaviour; in documentation a word is mostly only a word.
                if ns == "heuristics" && is_documentation(ctx.fs_path()) {
                    hit = hit.severity(Severity::Info).detail("documentation", true);
                }
                for key in ["id", "cve", "vendor", "product", "source", "confidence"] {
                    if let Some(v) = meta.get(key).filter(|v| !v.is_empty() && *v != "none") {
                        hit = hit.detail(key, v.clone());
                    }
                }
                if let Some(cve) = meta.get("cve").filter(|c| c.starts_with("CVE-")) {
                    hit = hit.reference(format!("cve:{cve}"));
                }
                if let Some(refs) = meta.get("references") {
                    for r in refs.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                        hit = hit.reference(r.to_string());
                    }
                }
                sink.hit(hit);
            }
        });
    }
}

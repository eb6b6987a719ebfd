//! YARA-X rule packs: the built-in packs under `rules/` (embedded) plus users' own rule files
//! or folders. Compiled once per distinct rule set and shared by every scanning thread; a
//! syntax error names the file and line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::Error;

/// The built-in packs: (origin shown in errors, namespace, source).
pub const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "rules/backdoors.yar",
        "backdoors",
        include_str!("../../../rules/backdoors.yar"),
    ),
    (
        "rules/heuristics.yar",
        "heuristics",
        include_str!("../../../rules/heuristics.yar"),
    ),
];

/// Namespace of users' rules.
pub const USER_NAMESPACE: &str = "user";

/// A compiled rule set shared by all scans that use the same sources.
pub struct RulePack {
    pub rules: &'static yara_x::Rules,
    /// Identifies the rule set (hash of its sources), for per-thread scanner reuse.
    pub id: u64,
    /// Files the user rules came from.
    pub user_files: Vec<PathBuf>,
}

/// Collects `.yar`/`.yara` files from files and folders (recursively, sorted).
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::RulePath {
            path: p.display().to_string(),
            error: e,
        })?;
        if meta.is_dir() {
            let mut stack = vec![p.clone()];
            while let Some(d) = stack.pop() {
                let rd = std::fs::read_dir(&d).map_err(|e| Error::RulePath {
                    path: d.display().to_string(),
                    error: e,
                })?;
                for e in rd.flatten() {
                    let path = e.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|x| x == "yar" || x == "yara") {
                        out.push(path);
                    }
                }
            }
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    Ok(out)
}

/// Turns a YARA-X compile error into one naming file and line.
fn rule_error(origin: &str, e: &yara_x::errors::CompileError) -> Error {
    let json = serde_json::to_value(e).unwrap_or_default();
    let label = json.get("labels").and_then(|l| l.get(0));
    let line = label
        .and_then(|l| l.get("line"))
        .and_then(|l| l.as_u64())
        .unwrap_or(0) as usize;
    let file = label
        .and_then(|l| l.get("code_origin"))
        .and_then(|o| o.as_str())
        .unwrap_or(origin)
        .to_string();
    let title = json
        .get("title")
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| e.to_string());
    let detail = label
        .and_then(|l| l.get("text"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .map(|t| format!(": {t}"))
        .unwrap_or_default();
    Error::Rule {
        file,
        line,
        message: format!("{title}{detail}"),
    }
}

/// Compiles the built-in packs (unless `builtin` is false) and the user's rule files.
/// Identical rule sets compile once per process.
pub fn compile(builtin: bool, user: &[PathBuf]) -> Result<Arc<RulePack>, Error> {
    let files = collect(user)?;
    let mut sources: Vec<(String, String, String)> = Vec::new();
    if builtin {
        for (origin, ns, src) in BUILTIN {
            sources.push((origin.to_string(), ns.to_string(), src.to_string()));
        }
    }
    for f in &files {
        let text = std::fs::read_to_string(f).map_err(|e| Error::RulePath {
            path: f.display().to_string(),
            error: e,
        })?;
        sources.push((f.display().to_string(), USER_NAMESPACE.to_string(), text));
    }
    let id = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        sources.hash(&mut h);
        h.finish()
    };
    static CACHE: OnceLock<Mutex<HashMap<u64, &'static yara_x::Rules>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(rules) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
        return Ok(Arc::new(RulePack {
            rules,
            id,
            user_files: files,
        }));
    }
    let mut compiler = yara_x::Compiler::new();
    for (origin, ns, src) in &sources {
        compiler.new_namespace(ns);
        let code = yara_x::SourceCode::from(src.as_str()).with_origin(origin.as_str());
        compiler
            .add_source(code)
            .map_err(|e| rule_error(origin, &e))?;
    }
    // Rules live for the rest of the process: scanners on worker threads borrow them, and
    // the cache above keeps one copy per distinct rule set.
    let rules: &'static yara_x::Rules = Box::leak(Box::new(compiler.build()));
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, rules);
    Ok(Arc::new(RulePack {
        rules,
        id,
        user_files: files,
    }))
}

/// The metadata of a rule as strings.
pub fn metadata(rule: &yara_x::Rule<'_, '_>) -> HashMap<String, String> {
    rule.metadata()
        .map(|(k, v)| {
            let v = match v {
                yara_x::MetaValue::Integer(i) => i.to_string(),
                yara_x::MetaValue::Float(f) => f.to_string(),
                yara_x::MetaValue::Bool(b) => b.to_string(),
                yara_x::MetaValue::String(s) => s.to_string(),
                yara_x::MetaValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            };
            (k.to_string(), v)
        })
        .collect()
}

/// True when `p` names a rule file that exists (for argument checking).
pub fn exists(p: &Path) -> bool {
    p.exists()
}

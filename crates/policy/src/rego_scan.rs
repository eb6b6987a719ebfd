//! A light scan of Rego sources (after regorus has parsed them) for what the engine does not
//! check or expose: each module's package and imports, its rule heads with their lines, and
//! the functions each rule calls.
//!
//! Two checks rest on it. Recursive functions: OPA rejects them when compiling, but regorus
//! evaluates them until the thread's stack overflows, which aborts the process — so a cycle in
//! the call graph is refused here, with the file and line of each function in it. Builtins:
//! catalogue policies may call only builtins that are deterministic and bounded (the spirit of
//! OPA's capabilities files), so the same inputs always give the same assessment and no single
//! call can allocate without limit before the evaluation timer looks.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Builtins catalogue policies may call. Not allowed: time, randomness, UUIDs, `http.send`,
/// `opa.runtime` (not reproducible), `numbers.range`/`range_step` (one call can build an
/// arbitrarily large array), `walk` and `graph.*` (unneeded), `trace`/`print` (output is data).
pub const ALLOWED_BUILTINS: &[&str] = &[
    "abs",
    "array.concat",
    "array.reverse",
    "array.slice",
    "ceil",
    "concat",
    "contains",
    "count",
    "endswith",
    "floor",
    "format_int",
    "indexof",
    "intersection",
    "is_array",
    "is_boolean",
    "is_null",
    "is_number",
    "is_object",
    "is_set",
    "is_string",
    "json.marshal",
    "lower",
    "max",
    "min",
    "object.filter",
    "object.get",
    "object.keys",
    "object.remove",
    "object.subset",
    "object.union",
    "replace",
    "round",
    "set",
    "sort",
    "split",
    "sprintf",
    "startswith",
    "strings.any_prefix_match",
    "strings.any_suffix_match",
    "strings.count",
    "substring",
    "sum",
    "to_number",
    "trim",
    "trim_left",
    "trim_prefix",
    "trim_right",
    "trim_space",
    "trim_suffix",
    "type_name",
    "union",
    "upper",
];

const KEYWORDS: &[&str] = &[
    "as", "contains", "default", "else", "every", "false", "if", "import", "in", "not", "null",
    "package", "some", "true", "with",
];

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str,
    Punct(char),
    Other,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
    /// First token of its line.
    line_start: bool,
    depth: usize,
}

fn lex(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line, mut depth) = (0, 1, 0usize);
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        let start_line = line;
        let tok = match c {
            b'\n' => {
                line += 1;
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    if i < b.len() && b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 1;
                Tok::Str
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 1;
                Tok::Str
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Tok::Ident(src[s..i].to_string())
            }
            c if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                Tok::Other
            }
            b'(' | b'[' | b'{' | b')' | b']' | b'}' | b'.' => {
                i += 1;
                Tok::Punct(c as char)
            }
            _ => {
                // Skip the rest of a multi-byte character.
                i += 1;
                while i < b.len() && (b[i] & 0xC0) == 0x80 {
                    i += 1;
                }
                Tok::Other
            }
        };
        if matches!(tok, Tok::Punct(')' | ']' | '}')) {
            depth = depth.saturating_sub(1);
        }
        out.push(Token {
            tok: tok.clone(),
            line: start_line,
            line_start,
            depth,
        });
        if matches!(tok, Tok::Punct('(' | '[' | '{')) {
            depth += 1;
        }
        line_start = false;
    }
    out
}

/// A rule head of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHead {
    pub name: String,
    pub line: usize,
    pub function: bool,
}

/// A call inside a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// As written: `count`, `object.get`, `lib.reason`, `data.netvet.lib.reason`.
    pub name: String,
    pub line: usize,
    /// The rule it appears in (None before the first rule).
    pub caller: Option<String>,
}

/// What the scan learnt about one module.
#[derive(Clone, Debug, Default)]
pub struct ModuleInfo {
    /// `netvet.requirements.de_kat_cert` (without `data.`).
    pub package: String,
    pub package_line: usize,
    /// Import alias → imported path (without `data.`).
    pub imports: BTreeMap<String, String>,
    pub rules: Vec<RuleHead>,
    pub calls: Vec<Call>,
}

/// Scans one module.
pub fn scan(src: &str) -> ModuleInfo {
    let toks = lex(src);
    let mut info = ModuleInfo::default();
    let mut current: Option<String> = None;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.depth == 0 && t.line_start {
            if let Tok::Ident(word) = &t.tok {
                match word.as_str() {
                    "package" => {
                        let (path, next) = read_ref(&toks, i + 1);
                        info.package = path;
                        info.package_line = t.line;
                        current = None;
                        i = next;
                        continue;
                    }
                    "import" => {
                        let (path, mut next) = read_ref(&toks, i + 1);
                        let mut alias = path.rsplit('.').next().unwrap_or_default().to_string();
                        if let Some(Tok::Ident(a)) = toks.get(next).map(|t| &t.tok)
                            && a == "as"
                            && let Some(Tok::Ident(name)) = toks.get(next + 1).map(|t| &t.tok)
                        {
                            alias = name.clone();
                            next += 2;
                        }
                        if let Some(rest) = path.strip_prefix("data.") {
                            info.imports.insert(alias, rest.to_string());
                        }
                        i = next;
                        continue;
                    }
                    _ => {}
                }
                let head = if word == "default" {
                    toks.get(i + 1).and_then(|n| match &n.tok {
                        Tok::Ident(name) => Some((name.clone(), i + 2)),
                        _ => None,
                    })
                } else if !KEYWORDS.contains(&word.as_str()) {
                    Some((word.clone(), i + 1))
                } else {
                    None
                };
                if let Some((name, next)) = head {
                    let function = matches!(toks.get(next).map(|t| &t.tok), Some(Tok::Punct('(')));
                    info.rules.push(RuleHead {
                        name: name.clone(),
                        line: t.line,
                        function,
                    });
                    current = Some(name);
                    i = next;
                    continue;
                }
            }
        }
        // A call: a reference `a.b.c` directly followed by `(`.
        if let Tok::Ident(word) = &t.tok
            && !KEYWORDS.contains(&word.as_str())
            && !matches!(i.checked_sub(1).map(|p| &toks[p].tok), Some(Tok::Punct('.')))
        {
            let (path, next) = read_ref(&toks, i);
            if matches!(toks.get(next).map(|t| &t.tok), Some(Tok::Punct('('))) {
                info.calls.push(Call {
                    name: path,
                    line: t.line,
                    caller: current.clone(),
                });
            }
            i = next;
            continue;
        }
        i += 1;
    }
    info
}

/// Reads `a.b.c` from `start`; returns the dotted text and the index after it.
fn read_ref(toks: &[Token], start: usize) -> (String, usize) {
    let mut parts = Vec::new();
    let mut i = start;
    while let Some(Tok::Ident(name)) = toks.get(i).map(|t| &t.tok) {
        parts.push(name.as_str());
        i += 1;
        if matches!(toks.get(i).map(|t| &t.tok), Some(Tok::Punct('.')))
            && matches!(toks.get(i + 1).map(|t| &t.tok), Some(Tok::Ident(_)))
        {
            i += 1;
        } else {
            break;
        }
    }
    (parts.join("."), i)
}

/// A problem found by [`check`], at a file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Checks a set of modules (file name, scan) for calls to builtins outside
/// [`ALLOWED_BUILTINS`] and for recursive functions.
pub fn check(modules: &[(String, ModuleInfo)]) -> Vec<Problem> {
    // Functions defined per package, with where.
    let mut functions: HashMap<(&str, &str), (&str, usize)> = HashMap::new();
    for (file, m) in modules {
        for r in m.rules.iter().filter(|r| r.function) {
            functions
                .entry((m.package.as_str(), r.name.as_str()))
                .or_insert((file.as_str(), r.line));
        }
    }
    let mut problems = Vec::new();
    let mut edges: BTreeMap<(String, String), BTreeSet<(String, String)>> = BTreeMap::new();
    for (file, m) in modules {
        for call in &m.calls {
            let target = resolve(m, &call.name);
            match target {
                Target::Package(pkg, name) => {
                    if let Some(caller) = &call.caller
                        && functions.contains_key(&(pkg.as_str(), name.as_str()))
                    {
                        edges
                            .entry((m.package.clone(), caller.clone()))
                            .or_default()
                            .insert((pkg, name));
                    }
                }
                Target::Local(name) => {
                    if functions.contains_key(&(m.package.as_str(), name.as_str())) {
                        if let Some(caller) = &call.caller {
                            edges
                                .entry((m.package.clone(), caller.clone()))
                                .or_default()
                                .insert((m.package.clone(), name));
                        }
                    } else if !ALLOWED_BUILTINS.contains(&name.as_str()) {
                        problems.push(Problem {
                            file: file.clone(),
                            line: call.line,
                            message: not_allowed(&name),
                        });
                    }
                }
                Target::Builtin(name) => {
                    if !ALLOWED_BUILTINS.contains(&name.as_str()) {
                        problems.push(Problem {
                            file: file.clone(),
                            line: call.line,
                            message: not_allowed(&name),
                        });
                    }
                }
            }
        }
    }
    // Cycles among functions (depth-first search with colours).
    let mut state: HashMap<(String, String), u8> = HashMap::new();
    let mut reported = BTreeSet::new();
    for start in edges.keys() {
        let mut stack: Vec<(String, String)> = Vec::new();
        visit(start, &edges, &mut state, &mut stack, &mut |cycle| {
            let mut key: Vec<_> = cycle.to_vec();
            key.sort();
            if !reported.insert(key) {
                return;
            }
            let (pkg, name) = &cycle[0];
            let (file, line) = functions
                .get(&(pkg.as_str(), name.as_str()))
                .copied()
                .unwrap_or(("?", 0));
            let path: Vec<String> = cycle
                .iter()
                .chain(std::iter::once(&cycle[0]))
                .map(|(p, n)| match functions.get(&(p.as_str(), n.as_str())) {
                    Some((f, l)) => format!("{p}.{n} ({f}:{l})"),
                    None => format!("{p}.{n}"),
                })
                .collect();
            problems.push(Problem {
                file: file.to_string(),
                line,
                message: format!(
                    "recursive function: {}; Rego does not allow recursion",
                    path.join(" calls ")
                ),
            });
        });
    }
    problems.sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
    problems
}

fn not_allowed(name: &str) -> String {
    format!(
        "call to {name}: not a function of this catalogue nor an allowed builtin (catalogue \
         policies may call only deterministic, bounded builtins; see docs/catalogue.md)"
    )
}

type Node = (String, String);

fn visit(
    node: &Node,
    edges: &BTreeMap<Node, BTreeSet<Node>>,
    state: &mut HashMap<Node, u8>,
    stack: &mut Vec<Node>,
    on_cycle: &mut dyn FnMut(&[Node]),
) {
    match state.get(node) {
        Some(2) => return,
        Some(1) => {
            if let Some(pos) = stack.iter().position(|n| n == node) {
                on_cycle(&stack[pos..]);
            }
            return;
        }
        _ => {}
    }
    state.insert(node.clone(), 1);
    stack.push(node.clone());
    if let Some(next) = edges.get(node) {
        for n in next {
            visit(n, edges, state, stack, on_cycle);
        }
    }
    stack.pop();
    state.insert(node.clone(), 2);
}

enum Target {
    /// A function in another package (`data.pkg.f`, or through an import).
    Package(String, String),
    /// An unqualified name: a function of this package, or a builtin.
    Local(String),
    /// A dotted builtin (`object.get`).
    Builtin(String),
}

fn resolve(m: &ModuleInfo, name: &str) -> Target {
    let split = |path: &str| -> Target {
        match path.rsplit_once('.') {
            Some((pkg, f)) => Target::Package(pkg.to_string(), f.to_string()),
            None => Target::Package(String::new(), path.to_string()),
        }
    };
    if let Some(rest) = name.strip_prefix("data.") {
        return split(rest);
    }
    match name.split_once('.') {
        None => Target::Local(name.to_string()),
        Some((first, rest)) => match m.imports.get(first) {
            Some(target) => split(&format!("{target}.{rest}")),
            None => Target::Builtin(name.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(srcs: &[(&str, &str)]) -> Vec<(String, ModuleInfo)> {
        srcs.iter().map(|(f, s)| (f.to_string(), scan(s))).collect()
    }

    #[test]
    fn finds_package_imports_rules_and_calls() {
        let m = scan(
            "package netvet.requirements.x\n\nimport data.netvet.lib\nimport data.a.b as c\n\n\
             # a comment with f(x)\nfail contains lib.reason(\"no (call)\", []) if {\n  \
             some s in input.scans\n  count(s.findings) > 0\n}\n\ndefault ok := false\n\
             g(x) := y if { y := object.get(x, \"k\", 0) }\n",
        );
        assert_eq!(m.package, "netvet.requirements.x");
        assert_eq!(m.package_line, 1);
        assert_eq!(m.imports.get("lib").map(String::as_str), Some("netvet.lib"));
        assert_eq!(m.imports.get("c").map(String::as_str), Some("a.b"));
        let heads: Vec<(&str, usize, bool)> =
            m.rules.iter().map(|r| (r.name.as_str(), r.line, r.function)).collect();
        assert_eq!(heads, vec![("fail", 7, false), ("ok", 12, false), ("g", 13, true)]);
        let calls: Vec<(&str, usize)> = m.calls.iter().map(|c| (c.name.as_str(), c.line)).collect();
        assert_eq!(calls, vec![("lib.reason", 7), ("count", 9), ("object.get", 13)]);
    }

    #[test]
    fn rejects_recursive_functions_with_their_lines() {
        let ms = modules(&[
            ("a.rego", "package a\n\nf(x) := y if {\n  y := g(x)\n}\n"),
            ("b.rego", "package a\ng(x) := y if { y := f(x) }\n"),
        ]);
        let problems = check(&ms);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].file.as_str(), problems[0].line), ("a.rego", 3));
        assert!(
            problems[0].message.contains("a.f (a.rego:3) calls a.g (b.rego:2) calls a.f (a.rego:3)"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn resolves_calls_through_imports_and_data_refs() {
        let ms = modules(&[
            ("lib.rego", "package netvet.lib\nh(x) := data.x.k(x)\n"),
            ("x.rego", "package x\nimport data.netvet.lib\nk(x) := lib.h(x)\n"),
        ]);
        let problems = check(&ms);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("recursive function"));
    }

    #[test]
    fn rejects_builtins_outside_the_allowed_set() {
        let ms = modules(&[(
            "p.rego",
            "package p\nr := count([x | some x in numbers.range(1, 1000000000)])\nt := time.now_ns()\n",
        )]);
        let problems = check(&ms);
        let got: Vec<(usize, bool)> = problems
            .iter()
            .map(|p| (p.line, p.message.starts_with("call to ")))
            .collect();
        assert_eq!(got, vec![(2, true), (3, true)]);
        assert!(problems[0].message.contains("numbers.range"));
        assert!(problems[1].message.contains("time.now_ns"));
    }

    #[test]
    fn non_recursive_helpers_pass() {
        let ms = modules(&[(
            "p.rego",
            "package p\nf(x) := g(x) + 1\ng(x) := x * 2\nr := f(1)\nempty := set()\n",
        )]);
        assert_eq!(check(&ms), vec![]);
    }
}

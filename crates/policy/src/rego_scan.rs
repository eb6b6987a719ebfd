//! A light scan of Rego sources (after regorus has parsed them) for what the engine does not
//! check or expose: each module's package and imports, its rule heads with their lines, and
//! the rules and functions each rule refers to.
//!
//! Two checks rest on it, and one analysis. Recursion: OPA rejects recursive rules and functions when compiling,
//! but regorus compiles or evaluates them until the thread's stack overflows, which aborts the
//! process — so a cycle among rules and functions is refused here, with the file and line of
//! each member. Builtins: catalogue policies may call only builtins that are deterministic and
//! bounded (the spirit of OPA's capabilities files), so the same inputs always give the same
//! assessment and no single call can allocate without limit before the evaluation timer looks.
//! Input reads ([`input_reads`]): which parts of `input` a package's rules can read, directly or
//! through the rules and functions they use, so that a requirement whose rules read only the
//! vendor's side of the input is decided once per vendor rather than once per product.
//!
//! The scan is conservative: a name is a reference to a rule of the same package unless the
//! rule declares a local variable of that name (`x :=`, `some x`, `every x`, a parameter).

use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    "regex.find_all_string_submatch_n",
    "regex.find_n",
    "regex.is_valid",
    "regex.match",
    "regex.split",
    "replace",
    "round",
    "semver.compare",
    "semver.is_valid",
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
    /// `:=`
    Assign,
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
            b'(' | b'[' | b'{' | b')' | b']' | b'}' | b'.' | b',' | b'|' => {
                i += 1;
                Tok::Punct(c as char)
            }
            b':' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Assign
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

/// A reference inside a rule: to a rule, a function, a builtin or a data document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// As written: `count`, `object.get`, `lib.reason`, `data.netvet.lib.has_scan`, `decided`.
    pub name: String,
    pub line: usize,
    /// Followed by `(`: a call.
    pub call: bool,
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
    /// The module imports `input` or a part of it (`import input.product as p`): its rules
    /// are taken to read all of `input`.
    pub imports_input: bool,
    pub rules: Vec<RuleHead>,
    pub references: Vec<Reference>,
}

impl ModuleInfo {
    /// The calls among the references.
    pub fn calls(&self) -> impl Iterator<Item = &Reference> {
        self.references.iter().filter(|r| r.call)
    }
}

/// Scans one module.
pub fn scan(src: &str) -> ModuleInfo {
    let toks = lex(src);
    let mut info = ModuleInfo::default();
    // Rule heads and the token range of each rule.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.depth == 0
            && t.line_start
            && let Tok::Ident(word) = &t.tok
        {
            match word.as_str() {
                "package" => {
                    let (path, next) = read_ref(&toks, i + 1);
                    info.package = path;
                    info.package_line = t.line;
                    close(&mut spans, i);
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
                    } else if path == "input" || path.starts_with("input.") {
                        info.imports_input = true;
                    }
                    close(&mut spans, i);
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
                    name,
                    line: t.line,
                    function,
                });
                close(&mut spans, i);
                spans.push((next, usize::MAX));
                i = next;
                continue;
            }
        }
        i += 1;
    }
    close(&mut spans, toks.len());
    for (rule, &(start, end)) in info.rules.iter().zip(&spans) {
        let body = &toks[start..end];
        let locals = locals(body, rule.function);
        let mut j = 0;
        while j < body.len() {
            let Tok::Ident(word) = &body[j].tok else {
                j += 1;
                continue;
            };
            let after_dot = j > 0 && matches!(body[j - 1].tok, Tok::Punct('.'));
            if KEYWORDS.contains(&word.as_str()) || after_dot {
                j += 1;
                continue;
            }
            let (path, next) = read_ref(body, j);
            let call = matches!(body.get(next).map(|t| &t.tok), Some(Tok::Punct('(')));
            let first = path.split('.').next().unwrap_or_default();
            if call || !locals.contains(first) {
                info.references.push(Reference {
                    name: path,
                    line: body[j].line,
                    call,
                    caller: Some(rule.name.clone()),
                });
            }
            j = next;
        }
    }
    info
}

/// Ends the open rule span at token `at`.
fn close(spans: &mut [(usize, usize)], at: usize) {
    if let Some(last) = spans.last_mut()
        && last.1 == usize::MAX
    {
        last.1 = at;
    }
}

/// Variables a rule declares: assigned with `:=`, introduced by `some` or `every`, and a
/// function's parameters.
fn locals(body: &[Token], function: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |t: &Token| match &t.tok {
        Tok::Ident(w) if !KEYWORDS.contains(&w.as_str()) => Some(w.clone()),
        _ => None,
    };
    if function {
        let mut depth = 0;
        for t in body {
            match t.tok {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            if depth == 1
                && let Some(w) = ident(t)
            {
                out.insert(w);
            }
        }
    }
    for (k, t) in body.iter().enumerate() {
        match &t.tok {
            Tok::Assign => {
                // `x := …` or `[a, b] := …`: the names before `:=` back to the statement start.
                let mut m = k;
                while m > 0 {
                    m -= 1;
                    match &body[m].tok {
                        Tok::Ident(w) if !KEYWORDS.contains(&w.as_str()) => {
                            out.insert(w.clone());
                        }
                        Tok::Punct(',' | '[' | ']') => {}
                        _ => break,
                    }
                }
            }
            Tok::Ident(w) if w == "some" || w == "every" => {
                for n in &body[k + 1..] {
                    match &n.tok {
                        Tok::Ident(w) if w == "in" => break,
                        Tok::Punct(',') => {}
                        _ => match ident(n) {
                            Some(w) => {
                                out.insert(w);
                            }
                            None => break,
                        },
                    }
                }
            }
            _ => {}
        }
    }
    out
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

/// Every rule and function, by (package, name), with where it is first defined: file, line,
/// and whether it is a function.
type RuleIndex<'m> = BTreeMap<(&'m str, &'m str), (&'m str, usize, bool)>;

fn rule_index(modules: &[(String, ModuleInfo)]) -> RuleIndex<'_> {
    let mut rules = RuleIndex::new();
    for (file, m) in modules {
        for r in &m.rules {
            rules
                .entry((m.package.as_str(), r.name.as_str()))
                .or_insert((file.as_str(), r.line, r.function));
        }
    }
    rules
}

/// The rules and functions each rule refers to. `unresolved_call` sees every call that names
/// no rule or function of the modules (a builtin, or a mistake), with the caller's file.
fn edges(
    modules: &[(String, ModuleInfo)],
    rules: &RuleIndex,
    mut unresolved_call: impl FnMut(&str, &Reference),
) -> BTreeMap<Node, BTreeSet<Node>> {
    let mut edges: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    for (file, m) in modules {
        for r in &m.references {
            let Some(caller) = &r.caller else { continue };
            let from = (m.package.clone(), caller.clone());
            let targets = resolve(m, &r.name, r.call, rules);
            if targets.is_empty() && r.call {
                unresolved_call(file, r);
            }
            edges.entry(from).or_default().extend(targets);
        }
    }
    edges
}

/// What the rules of `package` and its sub-packages can read of `input`, directly or through
/// the rules and functions they refer to: each path as written (`input.vendor.by_kind`), or
/// `None` when they may read any of it — `input` read whole or by a computed key
/// (`input[k]`), a module that imports `input`, or `data` read whole (it holds every rule).
pub fn input_reads(modules: &[(String, ModuleInfo)], package: &str) -> Option<BTreeSet<String>> {
    Reads::new(modules).of(package, &[])
}

/// [`input_reads`], not following the rules in `beside` (package, rule name): what the rules
/// of `package` read apart from what those rules read. netvet uses it with
/// `data.netvet.lib.product_ref` to find requirements that use the product's id only to cite it.
pub fn input_reads_beside(
    modules: &[(String, ModuleInfo)],
    package: &str,
    beside: &[(&str, &str)],
) -> Option<BTreeSet<String>> {
    Reads::new(modules).of(package, beside)
}

/// The rules of a set of modules, what each reads of `input` directly and which rules it
/// refers to: built once, then asked for the reads of many packages ([`Reads::of`]).
pub struct Reads<'m> {
    rules: RuleIndex<'m>,
    edges: BTreeMap<Node, BTreeSet<Node>>,
    direct: BTreeMap<Node, BTreeSet<&'m str>>,
    whole: BTreeSet<Node>,
}

impl<'m> Reads<'m> {
    /// The index of `modules` (file name, scan).
    pub fn new(modules: &'m [(String, ModuleInfo)]) -> Reads<'m> {
        let rules = rule_index(modules);
        let edges = edges(modules, &rules, |_, _| {});
        let mut direct: BTreeMap<Node, BTreeSet<&str>> = BTreeMap::new();
        let mut whole: BTreeSet<Node> = BTreeSet::new();
        for (_, m) in modules {
            if m.imports_input {
                whole.extend(m.rules.iter().map(|r| (m.package.clone(), r.name.clone())));
            }
            for r in &m.references {
                let Some(caller) = &r.caller else { continue };
                let from = (m.package.clone(), caller.clone());
                if r.name == "input" || r.name == "data" {
                    whole.insert(from);
                } else if r.name.starts_with("input.") {
                    direct.entry(from).or_default().insert(&r.name);
                }
            }
        }
        Reads {
            rules,
            edges,
            direct,
            whole,
        }
    }

    /// [`input_reads_beside`] of `package`.
    pub fn of(&self, package: &str, beside: &[(&str, &str)]) -> Option<BTreeSet<String>> {
        let sub = format!("{package}.");
        let mut todo: Vec<Node> = self
            .rules
            .keys()
            .filter(|(p, _)| *p == package || p.starts_with(&sub))
            .map(|(p, r)| (p.to_string(), r.to_string()))
            .collect();
        let mut seen: BTreeSet<Node> = todo.iter().cloned().collect();
        seen.extend(beside.iter().map(|(p, r)| (p.to_string(), r.to_string())));
        let mut reads = BTreeSet::new();
        while let Some(n) = todo.pop() {
            if self.whole.contains(&n) {
                return None;
            }
            if let Some(paths) = self.direct.get(&n) {
                reads.extend(paths.iter().map(|p| p.to_string()));
            }
            for next in self.edges.get(&n).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        Some(reads)
    }
}

/// Checks a set of modules (file name, scan) for calls to builtins outside
/// [`ALLOWED_BUILTINS`] and for cycles among rules and functions.
pub fn check(modules: &[(String, ModuleInfo)]) -> Vec<Problem> {
    let rules = rule_index(modules);
    let mut problems = Vec::new();
    let edges = edges(modules, &rules, |file, r| {
        if !ALLOWED_BUILTINS.contains(&r.name.as_str()) {
            problems.push(Problem {
                file: file.to_string(),
                line: r.line,
                message: not_allowed(&r.name),
            });
        }
    });
    // Cycles (depth-first search with colours).
    let mut state: HashMap<Node, u8> = HashMap::new();
    let mut reported = BTreeSet::new();
    let where_ = |n: &Node| rules.get(&(n.0.as_str(), n.1.as_str())).copied();
    for start in edges.keys() {
        let mut stack: Vec<Node> = Vec::new();
        visit(start, &edges, &mut state, &mut stack, &mut |cycle| {
            let mut key: Vec<_> = cycle.to_vec();
            key.sort();
            if !reported.insert(key) {
                return;
            }
            let (file, line, _) = where_(&cycle[0]).unwrap_or(("?", 0, false));
            let functions = cycle.iter().all(|n| where_(n).is_some_and(|w| w.2));
            let path: Vec<String> = cycle
                .iter()
                .chain(std::iter::once(&cycle[0]))
                .map(|n| match where_(n) {
                    Some((f, l, _)) => format!("{}.{} ({f}:{l})", n.0, n.1),
                    None => format!("{}.{}", n.0, n.1),
                })
                .collect();
            problems.push(Problem {
                file: file.to_string(),
                line,
                message: format!(
                    "{}: {}; Rego does not allow recursion",
                    if functions {
                        "recursive function"
                    } else {
                        "recursive rules"
                    },
                    path.join(" → ")
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

/// The rules and functions a reference can reach: an exact rule (`pkg.rule`, or a longer path
/// into its value), or every rule under a package prefix (`data.netvet.requirements[x]`).
/// Empty for builtins, local data and unknown names.
fn resolve(m: &ModuleInfo, name: &str, call: bool, rules: &RuleIndex) -> BTreeSet<Node> {
    let node = |p: &str, r: &str| (p.to_string(), r.to_string());
    let path = if let Some(rest) = name.strip_prefix("data.") {
        rest.to_string()
    } else {
        let first = name.split('.').next().unwrap_or_default();
        if let Some(target) = m.imports.get(first) {
            format!("{target}{}", &name[first.len()..])
        } else if rules.contains_key(&(m.package.as_str(), first)) {
            return BTreeSet::from([node(&m.package, first)]);
        } else {
            return BTreeSet::new();
        }
    };
    // The longest package prefix with a rule named by the next part.
    let parts: Vec<&str> = path.split('.').collect();
    for k in (1..parts.len()).rev() {
        let pkg = parts[..k].join(".");
        if rules.contains_key(&(pkg.as_str(), parts[k])) {
            return BTreeSet::from([node(&pkg, parts[k])]);
        }
    }
    if call {
        return BTreeSet::new();
    }
    // A package or a prefix of packages: every rule under it.
    rules
        .keys()
        .filter(|(p, _)| *p == path || p.starts_with(&format!("{path}.")))
        .map(|(p, r)| node(p, r))
        .collect()
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
        let heads: Vec<(&str, usize, bool)> = m
            .rules
            .iter()
            .map(|r| (r.name.as_str(), r.line, r.function))
            .collect();
        assert_eq!(
            heads,
            vec![("fail", 7, false), ("ok", 12, false), ("g", 13, true)]
        );
        let calls: Vec<(&str, usize)> = m.calls().map(|c| (c.name.as_str(), c.line)).collect();
        assert_eq!(
            calls,
            vec![("lib.reason", 7), ("count", 9), ("object.get", 13)]
        );
        let refs: Vec<&str> = m
            .references
            .iter()
            .filter(|r| !r.call)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            refs,
            vec!["input.scans"],
            "locals (s, the parameter x) are not references"
        );
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
            problems[0]
                .message
                .contains("a.f (a.rego:3) → a.g (b.rego:2) → a.f (a.rego:3)"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn resolves_calls_through_imports_and_data_refs() {
        let ms = modules(&[
            ("lib.rego", "package netvet.lib\nh(x) := data.x.k(x)\n"),
            (
                "x.rego",
                "package x\nimport data.netvet.lib\nk(x) := lib.h(x)\n",
            ),
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
    fn rejects_rules_depending_on_each_other_through_packages() {
        let ms = modules(&[
            (
                "a.rego",
                "package netvet.assessment\n\ndecided := {k: v | some k, v in data.netvet.requirements}\n",
            ),
            (
                "b.rego",
                "package netvet.requirements.x\n\nfail := data.netvet.assessment.decided\n",
            ),
        ]);
        let problems = check(&ms);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].message.starts_with("recursive rules: "),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn local_variables_do_not_count_as_rule_references() {
        let ms = modules(&[(
            "p.rego",
            "package p\n\nx := y\n\ny if {\n\tx := 1\n\tsome z in [x]\n\tz > 0\n}\n\nf(x) := x + 1\n",
        )]);
        assert_eq!(check(&ms), vec![]);
    }

    #[test]
    fn non_recursive_helpers_pass() {
        let ms = modules(&[(
            "p.rego",
            "package p\nf(x) := g(x) + 1\ng(x) := x * 2\nr := f(1)\nempty := set()\n",
        )]);
        assert_eq!(check(&ms), vec![]);
    }

    fn reads(srcs: &[(&str, &str)], package: &str) -> Option<Vec<String>> {
        input_reads(&modules(srcs), package).map(|r| r.into_iter().collect())
    }

    #[test]
    fn input_reads_follow_rules_and_functions_across_packages() {
        let lib = (
            "lib.rego",
            "package netvet.lib\n\nvendor_name := input.vendor.name\n\nproduct_ref := sprintf(\"product:%s\", [input.product.id])\n\nfacts(kind) := object.get(input.vendor.by_kind, kind, [])\n",
        );
        let vendor_only = (
            "v.rego",
            "package netvet.requirements.v\n\nfail contains x if {\n\tsome f in data.netvet.lib.facts(\"listing\")\n\tx := data.netvet.lib.vendor_name\n}\n",
        );
        let with_product = (
            "p.rego",
            "package netvet.requirements.p\n\nimport data.netvet.lib\n\nunknown contains lib.product_ref if not input.scans\n",
        );
        let srcs = [lib, vendor_only, with_product];
        assert_eq!(
            reads(&srcs, "netvet.requirements.v"),
            Some(vec![
                "input.vendor.by_kind".to_string(),
                "input.vendor.name".to_string()
            ])
        );
        assert_eq!(
            reads(&srcs, "netvet.requirements.p"),
            Some(vec![
                "input.product.id".to_string(),
                "input.scans".to_string()
            ]),
            "through the import alias"
        );
        let beside = |package| {
            input_reads_beside(&modules(&srcs), package, &[("netvet.lib", "product_ref")])
                .map(|r| r.into_iter().collect::<Vec<_>>())
        };
        assert_eq!(
            beside("netvet.requirements.p"),
            Some(vec!["input.scans".to_string()]),
            "the id only through product_ref"
        );
        let direct = (
            "d.rego",
            "package netvet.requirements.d\n\nfail contains data.netvet.lib.product_ref if startswith(input.product.id, \"x\")\n",
        );
        let srcs = [lib, direct];
        assert_eq!(
            input_reads_beside(
                &modules(&srcs),
                "netvet.requirements.d",
                &[("netvet.lib", "product_ref")]
            )
            .map(|r| r.into_iter().collect::<Vec<_>>()),
            Some(vec!["input.product.id".to_string()]),
            "the id read directly too"
        );
    }

    #[test]
    fn input_read_whole_or_by_a_computed_key_or_through_data_reads_everything() {
        let whole = "package r.a\n\nfail contains 1 if { x := input; x.product.id }\n";
        let keyed = "package r.a\n\nfail contains 1 if { k := \"product\"; input[k].id }\n";
        let imported = "package r.a\n\nimport input.product as p\n\nfail contains 1 if p.id\n";
        let all_data =
            "package r.a\n\nfail contains 1 if { d := data; d.netvet.lib.product_ref }\n";
        for src in [whole, keyed, imported, all_data] {
            assert_eq!(reads(&[("a.rego", src)], "r.a"), None, "{src}");
        }
    }

    #[test]
    fn input_reads_cover_sub_packages_and_nothing_else() {
        let srcs = [
            ("a.rego", "package r.a\n\nx := input.as_of\n"),
            ("b.rego", "package r.a.b\n\ny := input.network.operators\n"),
            ("c.rego", "package r.ab\n\nz := input.scans\n"),
        ];
        assert_eq!(
            reads(&srcs, "r.a"),
            Some(vec![
                "input.as_of".to_string(),
                "input.network.operators".to_string()
            ])
        );
        assert_eq!(reads(&srcs, "r.none"), Some(vec![]));
    }
}

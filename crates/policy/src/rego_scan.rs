//! A light scan of Rego sources (after regorus has parsed them) for what the engine does not
//! check or expose: each module's package and imports, its rule heads with their lines, and
//! the rules and functions each rule refers to.
//!
//! Two checks rest on it. Recursion: OPA rejects recursive rules and functions when compiling,
//! but regorus compiles or evaluates them until the thread's stack overflows, which aborts the
//! process — so a cycle among rules and functions is refused here, with the file and line of
//! each member. Builtins: catalogue policies may call only builtins that are deterministic and
//! bounded (the spirit of OPA's capabilities files), so the same inputs always give the same
//! assessment and no single call can allocate without limit before the evaluation timer looks.
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

/// Checks a set of modules (file name, scan) for calls to builtins outside
/// [`ALLOWED_BUILTINS`] and for cycles among rules and functions.
pub fn check(modules: &[(String, ModuleInfo)]) -> Vec<Problem> {
    // Every rule and function, by package, with where it is first defined.
    let mut rules: BTreeMap<(&str, &str), (&str, usize, bool)> = BTreeMap::new();
    for (file, m) in modules {
        for r in &m.rules {
            rules
                .entry((m.package.as_str(), r.name.as_str()))
                .or_insert((file.as_str(), r.line, r.function));
        }
    }
    let mut problems = Vec::new();
    let mut edges: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    for (file, m) in modules {
        for r in &m.references {
            let Some(caller) = &r.caller else { continue };
            let from = (m.package.clone(), caller.clone());
            let targets = resolve(m, &r.name, r.call, &rules);
            if targets.is_empty() && r.call && !ALLOWED_BUILTINS.contains(&r.name.as_str()) {
                problems.push(Problem {
                    file: file.clone(),
                    line: r.line,
                    message: not_allowed(&r.name),
                });
            }
            edges.entry(from).or_default().extend(targets);
        }
    }
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
fn resolve(
    m: &ModuleInfo,
    name: &str,
    call: bool,
    rules: &BTreeMap<(&str, &str), (&str, usize, bool)>,
) -> BTreeSet<Node> {
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
}

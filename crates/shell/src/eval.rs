//! What a parsed script runs: every simple command reached through subshells, groups,
//! conditionals, loops, pipelines, `&&`/`||`, backgrounding, calls of the script's own
//! functions (with their arguments as `$1`…), `eval`, `sh -c '…'`, command substitutions and
//! `. file`/`source file` of other scripts, with variables that hold constant values
//! substituted (`D=/usr/sbin/telnetd; $D -l /bin/sh`).
//!
//! This is a static reading, not an execution: both branches of an `if` and every `case` arm
//! are followed (either may run on a device), a loop body once per listed item. Work is
//! bounded by a step budget and a nesting depth; what is cut short is reported as a warning.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::syntax::{Command, Limits, List, Part, Simple, Word, parse_at};

/// Where a command's standard output goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Not redirected.
    Inherited,
    /// Written to a file (`> path`, `>> path`).
    File(String),
    /// Piped into the next command, whose words are given.
    Pipe(Vec<String>),
    /// Captured by a command substitution in the words of this command.
    Captured(Vec<String>),
}

/// One simple command that the script runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The words after expansion; an unknown expansion stays as its text (`$X`, `$(…)`).
    pub argv: Vec<String>,
    /// Virtual path of the script the command is written in.
    pub file: String,
    /// 1-based line in that file.
    pub line: usize,
    /// Run with `&` (directly or inside a backgrounded list).
    pub background: bool,
    pub output: Output,
    /// How it was reached: `function start`, `subshell`, `. /lib/x.sh`, `$(…)`, `sh -c`.
    pub via: Vec<String>,
}

/// Longest variable value followed, in bytes.
const MAX_VALUE: usize = 16 << 10;

/// Largest total of a command's expanded words, in bytes.
const MAX_WORDS: usize = 64 << 10;

/// Bounds of one evaluation.
#[derive(Clone, Copy, Debug)]
pub struct EvalLimits {
    pub syntax: Limits,
    /// Simple commands visited, over all files and calls.
    pub max_steps: usize,
    /// Items of one `for` list followed.
    pub max_loop_items: usize,
    /// Bytes of invocations recorded (words, file names, how each was reached).
    pub max_recorded: usize,
}

impl Default for EvalLimits {
    fn default() -> Self {
        EvalLimits {
            syntax: Limits::default(),
            max_steps: 50_000,
            max_loop_items: 32,
            max_recorded: 16 << 20,
        }
    }
}

/// Reads another script of the image for `. file`: (virtual path, text), by its path on the
/// device.
pub type Loader<'a> = &'a dyn Fn(&str) -> Option<(String, String)>;

/// Walks scripts, collecting their invocations; variables and functions persist across the
/// scripts given to one evaluator (as they do for `.`-sourced files).
pub struct Evaluator<'a> {
    limits: EvalLimits,
    load: Loader<'a>,
    vars: BTreeMap<String, String>,
    /// Functions by name, with the file that defines them.
    funcs: BTreeMap<String, (Rc<Command>, String)>,
    positional: Vec<String>,
    active: Vec<String>,
    /// Functions called so far.
    called: BTreeSet<String>,
    sourced: BTreeSet<String>,
    file: String,
    via: Vec<String>,
    depth: usize,
    steps: usize,
    /// Bytes of invocations recorded.
    recorded: usize,
    /// What was found.
    pub invocations: Vec<Invocation>,
    /// Parse errors and cut-short work, each naming the file and line.
    pub warnings: Vec<String>,
}

impl<'a> Evaluator<'a> {
    pub fn new(limits: EvalLimits, load: Loader<'a>) -> Self {
        Evaluator {
            limits,
            load,
            vars: BTreeMap::new(),
            funcs: BTreeMap::new(),
            positional: Vec::new(),
            active: Vec::new(),
            called: BTreeSet::new(),
            sourced: BTreeSet::new(),
            file: String::new(),
            via: Vec::new(),
            depth: 0,
            steps: 0,
            recorded: 0,
            invocations: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Parses and walks one script file; `args` become `$1`….
    pub fn run_file(&mut self, path: &str, text: &str, args: &[String]) {
        let file = std::mem::replace(&mut self.file, path.to_string());
        self.sourced.insert(path.to_string());
        let positional = std::mem::replace(&mut self.positional, args.to_vec());
        match parse_at(text, &self.limits.syntax, self.depth) {
            Ok(list) => self.list(&list, false),
            Err(e) => {
                self.warnings.push(format!("{path}: shell syntax: {e}"));
                // What can be read is still read: each line that parses alone.
                if text.len() <= self.limits.syntax.max_bytes {
                    for (i, line) in text.lines().enumerate() {
                        if let Ok(list) = parse_at(line, &self.limits.syntax, self.depth) {
                            let start = self.invocations.len();
                            self.list(&list, false);
                            for inv in &mut self.invocations[start..] {
                                if inv.file == path {
                                    inv.line = i + 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        self.positional = positional;
        self.file = file;
    }

    /// Parses and walks a command line found at `line` of `path` (an inittab entry, a
    /// crontab line, a unit's `ExecStart=`).
    pub fn run_text(&mut self, path: &str, line: usize, text: &str) {
        let file = std::mem::replace(&mut self.file, path.to_string());
        match parse_at(text, &self.limits.syntax, self.depth) {
            Ok(list) => {
                let start = self.invocations.len();
                self.list(&list, false);
                for inv in &mut self.invocations[start..] {
                    if inv.file == path {
                        inv.line = line + inv.line.saturating_sub(1);
                    }
                }
            }
            Err(e) => self
                .warnings
                .push(format!("{path}:{line}: shell syntax: {e}")),
        }
        self.file = file;
    }

    /// Whether the walked scripts defined a function of this name.
    pub fn defines(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// Whether the walked scripts called a function of this name.
    pub fn called(&self, name: &str) -> bool {
        self.called.contains(name)
    }

    /// Calls a function the scripts defined, as an init system does (`start`, `boot`).
    pub fn call(&mut self, name: &str, args: &[String]) {
        let argv: Vec<String> = std::iter::once(name.to_string())
            .chain(args.iter().cloned())
            .collect();
        self.call_function(&argv, false);
    }

    fn budget(&mut self) -> bool {
        self.steps += 1;
        if self.steps == self.limits.max_steps {
            self.warnings.push(format!(
                "{}: shell evaluation stopped after {} commands",
                self.file, self.limits.max_steps
            ));
        }
        self.steps <= self.limits.max_steps
    }

    fn list(&mut self, list: &List, background: bool) {
        for and_or in list {
            let bg = background || and_or.background;
            self.pipeline(&and_or.first.commands, bg);
            for (_, p) in &and_or.rest {
                self.pipeline(&p.commands, bg);
            }
        }
    }

    fn pipeline(&mut self, commands: &[Command], background: bool) {
        for (i, c) in commands.iter().enumerate() {
            let output = match commands.get(i + 1) {
                Some(Command::Simple(s)) => Output::Pipe(self.words(&s.words)),
                Some(_) => Output::Pipe(vec!["(compound)".into()]),
                None => Output::Inherited,
            };
            self.command(c, background, output);
        }
    }

    fn nested(&mut self, via: String, f: impl FnOnce(&mut Self)) {
        if self.depth >= self.limits.syntax.max_depth {
            self.warnings
                .push(format!("{}: shell nesting too deep at {via}", self.file));
            return;
        }
        self.depth += 1;
        self.via.push(via);
        f(self);
        self.via.pop();
        self.depth -= 1;
    }

    fn command(&mut self, c: &Command, background: bool, output: Output) {
        // Every command visited counts, compound ones too, so nested loops and definitions
        // cannot run on without bound.
        if !self.budget() {
            return;
        }
        match c {
            Command::Simple(s) => self.simple(s, background, output),
            Command::Subshell(l) => {
                // Assignments in a subshell do not outlive it.
                let vars = self.vars.clone();
                self.nested("subshell".into(), |e| e.list(l, background));
                self.vars = vars;
            }
            Command::Group(l) => self.list(l, background),
            Command::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    self.list(cond, background);
                    self.list(body, background);
                }
                self.list(otherwise, background);
            }
            Command::Loop { condition, body } => {
                self.list(condition, background);
                self.list(body, background);
            }
            Command::For { var, items, body } => {
                let values: Option<Vec<String>> = items.as_ref().map(|w| self.words(w));
                match values {
                    Some(values) if !values.is_empty() => {
                        for v in values.into_iter().take(self.limits.max_loop_items) {
                            self.vars.insert(var.clone(), v);
                            self.list(body, background);
                        }
                    }
                    _ => {
                        self.vars.remove(var);
                        self.list(body, background);
                    }
                }
            }
            Command::Case { arms, .. } => {
                for (_, body) in arms {
                    self.list(body, background);
                }
            }
            Command::Function { name, body, .. } => {
                self.funcs
                    .insert(name.clone(), (Rc::new((**body).clone()), self.file.clone()));
            }
        }
    }

    fn simple(&mut self, s: &Simple, background: bool, output: Output) {
        let argv = self.words(&s.words);
        // Command substitutions run before the command; their output is its words.
        for w in s.words.iter().chain(s.assignments.iter().map(|(_, w)| w)) {
            for p in &w.parts {
                if let Part::Command(inner) = p {
                    let captured = Output::Captured(if argv.is_empty() {
                        s.assignments.iter().map(|(n, _)| format!("{n}=")).collect()
                    } else {
                        argv.clone()
                    });
                    self.script_text(inner, "$(…)".into(), background, Some(captured), s.line);
                }
            }
        }
        if argv.is_empty() {
            for (name, value) in &s.assignments {
                self.assign(name, value);
            }
            return;
        }
        let output = s
            .redirects
            .iter()
            .rev()
            .find(|r| {
                let to_file = matches!(r.op.as_str(), ">" | ">>" | ">|" | "&>")
                    || (r.op == ">&"
                        && r.target
                            .plain()
                            .is_none_or(|t| !t.chars().all(|c| c.is_ascii_digit() || c == '-')));
                to_file && matches!(r.fd, None | Some(1))
            })
            .and_then(|r| {
                let t = self.words(std::slice::from_ref(&r.target));
                t.first().cloned()
            })
            .map_or(output, Output::File);
        let name = argv[0].as_str();
        match name {
            "export" | "readonly" | "local" | "typeset" | "declare" => {
                for w in &s.words[1..] {
                    if let Some((n, v)) = super::syntax_assignment(w) {
                        self.assign(&n, &v);
                    }
                }
                return;
            }
            "unset" => {
                for n in &argv[1..] {
                    self.vars.remove(n);
                    self.funcs.remove(n);
                }
                return;
            }
            _ => {}
        }
        if self.funcs.contains_key(name) {
            self.call_function(&argv, background);
            return;
        }
        let inv = Invocation {
            argv: argv.clone(),
            file: self.file.clone(),
            line: s.line,
            background,
            output,
            via: self.via.clone(),
        };
        // What is recorded is bounded in bytes, not only in commands.
        self.recorded += inv
            .argv
            .iter()
            .chain(&inv.via)
            .map(String::len)
            .sum::<usize>()
            + inv.file.len();
        if self.recorded > self.limits.max_recorded {
            self.warnings.push(format!(
                "{}: shell evaluation stopped after recording {} bytes of commands",
                self.file, self.limits.max_recorded
            ));
            self.steps = self.limits.max_steps + 1;
            return;
        }
        self.invocations.push(inv);
        match name {
            "." | "source" => {
                if let Some(target) = argv.get(1) {
                    self.source(target, &argv[2..], s.line);
                }
            }
            "eval" => {
                let text = argv[1..].join(" ");
                self.script_text(&text, "eval".into(), background, None, s.line);
            }
            _ => {
                // `sh -c 'script'` (and other shells) runs the string as a script.
                if super::is_shell(name)
                    && let Some(i) = argv.iter().position(|a| a == "-c")
                    && let Some(text) = argv.get(i + 1)
                {
                    let text = text.clone();
                    self.script_text(&text, format!("{name} -c"), background, None, s.line);
                }
            }
        }
    }

    fn assign(&mut self, name: &str, value: &Word) {
        // `A=$A$A` repeated would double without end: long values are not followed.
        match self.constant(value).filter(|v| v.len() <= MAX_VALUE) {
            Some(v) => {
                self.vars.insert(name.to_string(), v);
            }
            None => {
                self.vars.remove(name);
            }
        }
    }

    fn call_function(&mut self, argv: &[String], background: bool) {
        let name = &argv[0];
        // A function that calls itself (directly or not) is followed once.
        if self.active.contains(name) {
            return;
        }
        let Some((body, file)) = self.funcs.get(name).cloned() else {
            return;
        };
        self.active.push(name.clone());
        self.called.insert(name.clone());
        let positional = std::mem::replace(&mut self.positional, argv[1..].to_vec());
        let caller = std::mem::replace(&mut self.file, file);
        self.nested(format!("function {name}"), |e| {
            e.command(&body, background, Output::Inherited)
        });
        self.file = caller;
        self.positional = positional;
        self.active.pop();
    }

    fn source(&mut self, target: &str, args: &[String], line: usize) {
        if target.contains('$') || target.len() > 4096 || self.sourced.contains(target) {
            return;
        }
        let Some((path, text)) = (self.load)(target) else {
            return;
        };
        if self.sourced.contains(&path) {
            return;
        }
        let shown: String = target.chars().take(120).collect();
        let via = format!(". {shown} ({}:{line})", self.file);
        self.nested(via, |e| {
            e.sourced.insert(target.to_string());
            let args = if args.is_empty() {
                e.positional.clone()
            } else {
                args.to_vec()
            };
            e.run_file(&path, &text, &args);
        });
    }

    /// Walks script text found inside a command (`$(…)`, `eval`, `sh -c`) as if written at
    /// `line` of the current file.
    fn script_text(
        &mut self,
        text: &str,
        via: String,
        background: bool,
        captured: Option<Output>,
        line: usize,
    ) {
        let depth = self.depth + 1;
        let list = match parse_at(text, &self.limits.syntax, depth) {
            Ok(l) => l,
            Err(e) => {
                self.warnings.push(format!(
                    "{}:{line}: shell syntax inside {via}: {e}",
                    self.file
                ));
                return;
            }
        };
        let start = self.invocations.len();
        self.nested(via, |e| e.list(&list, background));
        for inv in &mut self.invocations[start..] {
            // Lines inside the text are relative to it; the command is on `line` of the file.
            if inv.file == self.file {
                inv.line = line + inv.line.saturating_sub(1);
            }
            if let Some(c) = &captured
                && inv.output == Output::Inherited
            {
                inv.output = c.clone();
            }
        }
    }

    /// A word's value when every part is known.
    fn constant(&self, w: &Word) -> Option<String> {
        let mut out = String::new();
        for p in &w.parts {
            match p {
                Part::Lit { text, .. } => out.push_str(text),
                Part::Param { name, op, .. } => out.push_str(&self.param(name, op.as_deref())?),
                Part::Command(_) | Part::Arith => return None,
            }
        }
        Some(out)
    }

    fn param(&self, name: &str, op: Option<&str>) -> Option<String> {
        let value = if let Ok(n) = name.parse::<usize>() {
            n.checked_sub(1)
                .and_then(|i| self.positional.get(i))
                .cloned()
        } else {
            match name {
                "@" | "*" => Some(self.positional.join(" ")),
                _ => self.vars.get(name).cloned(),
            }
        };
        match (value, op) {
            (Some(v), None) => Some(v),
            (v, Some(op)) if op.starts_with(":-") || op.starts_with(":=") => match v {
                Some(v) if !v.is_empty() => Some(v),
                _ => Some(op[2..].to_string()),
            },
            (v, Some(op)) if op.starts_with('-') || op.starts_with('=') => {
                v.or_else(|| Some(op[1..].to_string()))
            }
            (Some(v), Some(op)) if op.starts_with(":+") || op.starts_with('+') => {
                let alt = op.trim_start_matches(':');
                Some(if v.is_empty() && op.starts_with(':') {
                    String::new()
                } else {
                    alt[1..].to_string()
                })
            }
            _ => None,
        }
    }

    /// Expands words into fields: constants substituted, unquoted values split at blanks,
    /// unknown expansions kept as their text.
    fn words(&self, words: &[Word]) -> Vec<String> {
        let mut out = Vec::new();
        for w in words {
            let mut fields: Vec<String> = vec![String::new()];
            let mut any = false;
            for p in &w.parts {
                match p {
                    Part::Lit { text, quoted } => {
                        any |= *quoted || !text.is_empty();
                        if let Some(f) = fields.last_mut() {
                            f.push_str(text);
                        }
                    }
                    // "$@": each positional parameter is a field of its own.
                    Part::Param { name, op, quoted } if *quoted && name == "@" && op.is_none() => {
                        any = true;
                        let mut params = self.positional.iter();
                        if let Some(first) = params.next()
                            && let Some(f) = fields.last_mut()
                        {
                            f.push_str(first);
                        }
                        for p in params {
                            fields.push(p.clone());
                        }
                    }
                    Part::Param { name, op, quoted } => {
                        let value = self.param(name, op.as_deref());
                        match value {
                            Some(v) if !quoted => {
                                let mut pieces = v.split_whitespace();
                                if v.starts_with(char::is_whitespace)
                                    && fields.last().is_some_and(|f| !f.is_empty())
                                {
                                    fields.push(String::new());
                                }
                                if let Some(first) = pieces.next() {
                                    any = true;
                                    if let Some(f) = fields.last_mut() {
                                        f.push_str(first);
                                    }
                                }
                                for piece in pieces {
                                    fields.push(piece.to_string());
                                }
                            }
                            Some(v) => {
                                any = true;
                                if let Some(f) = fields.last_mut() {
                                    f.push_str(&v);
                                }
                            }
                            None => {
                                any = true;
                                if let Some(f) = fields.last_mut() {
                                    f.push('$');
                                    f.push_str(name);
                                }
                            }
                        }
                    }
                    Part::Command(_) => {
                        any = true;
                        if let Some(f) = fields.last_mut() {
                            f.push_str("$(…)");
                        }
                    }
                    Part::Arith => {
                        any = true;
                        if let Some(f) = fields.last_mut() {
                            f.push_str("$((…))");
                        }
                    }
                }
            }
            if any {
                out.extend(fields.into_iter().filter(|f| !f.is_empty()));
            }
            // A command's words are bounded however its variables expand.
            let total: usize = out.iter().map(String::len).sum();
            if total > MAX_WORDS {
                while out.iter().map(String::len).sum::<usize>() > MAX_WORDS {
                    out.pop();
                }
                break;
            }
        }
        out
    }
}

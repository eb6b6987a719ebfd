//! A bounded recursive-descent parser of the POSIX shell command language (XCU 2.10):
//! lists, `&&`/`||`, pipelines, `!`, subshells, brace groups, `if`, `while`/`until`, `for`,
//! `case`, function definitions (also bash's `function NAME`), assignments, redirections,
//! here-documents, quoting, parameter expansion, command substitution.
//!
//! The input is untrusted (init scripts of firmware built by others): the text is bounded in
//! size, nesting is bounded in depth (so hostile nesting cannot exhaust the stack), and the
//! parser is linear in the number of tokens. An error names the byte offset and line.

use std::fmt;

/// Bounds for parsing one script.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest script accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of compound commands and command substitutions.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 1 << 20,
            max_depth: 48,
        }
    }
}

/// Why a script could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the script.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} (offset {}): {}",
            self.line, self.offset, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// One piece of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text after quote removal; `quoted` when it came from quotes.
    Lit { text: String, quoted: bool },
    /// `$NAME`, `${NAME}`, `${NAME:-default}` (`op` holds what follows the name).
    Param {
        name: String,
        op: Option<String>,
        quoted: bool,
    },
    /// `$(…)` or `` `…` ``: the text of the inner script, parsed on demand.
    Command(String),
    /// Arithmetic `$((…))`: its value is not known statically.
    Arith,
}

/// A word: the concatenation of its parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word {
    pub parts: Vec<Part>,
}

impl Word {
    /// The text when the word is one unquoted literal (reserved words, names).
    pub fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [
                Part::Lit {
                    text,
                    quoted: false,
                },
            ] => Some(text),
            _ => None,
        }
    }
}

/// A redirection such as `> /tmp/x` or `2>&1`; here-documents keep their body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The descriptor written before the operator (`2>`), if any.
    pub fd: Option<u32>,
    pub op: String,
    pub target: Word,
}

/// A simple command: assignments, words and redirections, with its line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Simple {
    pub assignments: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    pub line: usize,
}

/// A command of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Simple(Simple),
    /// `( … )`
    Subshell(List),
    /// `{ …; }`
    Group(List),
    /// `if c; then b; elif c; then b; else e; fi`
    If {
        branches: Vec<(List, List)>,
        otherwise: List,
    },
    /// `while`/`until` condition and body.
    Loop {
        condition: List,
        body: List,
    },
    /// `for var in items; do body; done` (`items` None: the positional parameters).
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: List,
    },
    /// `case word in pattern) list;; esac`
    Case {
        word: Word,
        arms: Vec<(Vec<Word>, List)>,
    },
    /// `name() compound`
    Function {
        name: String,
        body: Box<Command>,
        line: usize,
    },
}

/// `a | b | c`, optionally negated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    pub negated: bool,
    pub commands: Vec<Command>,
}

/// `&&` or `||`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connector {
    And,
    Or,
}

/// Pipelines joined by `&&`/`||`, run in the background when it ends with `&`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
    pub background: bool,
}

/// A sequence of and-or lists: a whole script or a compound command's body.
pub type List = Vec<AndOr>;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(Word),
    /// Digits right before a redirection (`2>`), which are not an argument.
    IoNumber(u32),
    Op(&'static str),
    Newline,
    Eof,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    offset: usize,
    line: usize,
}

const OPS: &[&str] = &[
    "&&", "||", ";;", "<<-", "<<", ">>", "<&", ">&", "<>", ">|", "&>", "|", "&", ";", "<", ">",
    "(", ")",
];

struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    line: usize,
    /// Here-documents whose bodies start after the next newline: (delimiter, strip tabs).
    pending: Vec<(String, bool)>,
    /// The next word is a here-document delimiter (after `<<` or `<<-`).
    delimiter_next: Option<bool>,
    depth: usize,
    limits: Limits,
}

impl<'a> Lexer<'a> {
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            offset: self.pos,
            line: self.line,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// One UTF-8 character starting at the current byte, consumed.
    fn bump_char(&mut self) -> Option<char> {
        let Some(rest) = self.text.get(self.pos..) else {
            // Never inside a character by construction; step a byte rather than stall.
            self.pos += 1;
            return Some(char::REPLACEMENT_CHARACTER);
        };
        let c = rest.chars().next()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn tokens(mut self) -> Result<Vec<Token>, ParseError> {
        let mut out = Vec::new();
        loop {
            // Blanks, line continuations and comments.
            loop {
                match self.peek() {
                    Some(b' ' | b'\t' | b'\r') => {
                        self.pos += 1;
                    }
                    Some(b'\\') if self.src.get(self.pos + 1) == Some(&b'\n') => {
                        self.bump();
                        self.bump();
                    }
                    Some(b'#') => {
                        while self.peek().is_some_and(|c| c != b'\n') {
                            self.pos += 1;
                        }
                    }
                    _ => break,
                }
            }
            let (offset, line) = (self.pos, self.line);
            let tok = match self.peek() {
                None => Tok::Eof,
                Some(b'\n') => {
                    self.bump();
                    self.here_documents()?;
                    Tok::Newline
                }
                Some(_) => {
                    if let Some(op) = OPS
                        .iter()
                        .find(|op| self.src[self.pos..].starts_with(op.as_bytes()))
                    {
                        self.pos += op.len();
                        if matches!(*op, "<<" | "<<-") {
                            self.delimiter_next = Some(*op == "<<-");
                        }
                        Tok::Op(op)
                    } else {
                        let word = self.word()?;
                        if let Some(strip) = self.delimiter_next.take() {
                            let delim: String = word
                                .parts
                                .iter()
                                .map(|p| match p {
                                    Part::Lit { text, .. } => text.clone(),
                                    Part::Param { name, .. } => format!("${name}"),
                                    _ => String::new(),
                                })
                                .collect();
                            self.pending.push((delim, strip));
                        }
                        let digits = word
                            .plain()
                            .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()));
                        if digits && matches!(self.peek(), Some(b'<' | b'>')) {
                            Tok::IoNumber(
                                word.plain()
                                    .and_then(|t| t.parse().ok())
                                    .unwrap_or(u32::MAX),
                            )
                        } else {
                            Tok::Word(word)
                        }
                    }
                }
            };
            let end = tok == Tok::Eof;
            out.push(Token { tok, offset, line });
            if end {
                return Ok(out);
            }
        }
    }

    /// Skips the bodies of pending here-documents (the line after their operator).
    fn here_documents(&mut self) -> Result<(), ParseError> {
        for (delim, strip) in std::mem::take(&mut self.pending) {
            loop {
                if self.peek().is_none() {
                    // An unterminated here-document ends at the end of the script (as in
                    // most shells, with a warning there).
                    return Ok(());
                }
                let start = self.pos;
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.pos += 1;
                }
                let line = &self.text[start..self.pos];
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                self.bump();
                if line.trim_end_matches('\r') == delim {
                    break;
                }
            }
        }
        Ok(())
    }

    fn word(&mut self) -> Result<Word, ParseError> {
        let mut parts: Vec<Part> = Vec::new();
        let mut lit = String::new();
        fn flush(parts: &mut Vec<Part>, lit: &mut String, quoted: bool) {
            if !lit.is_empty() {
                parts.push(Part::Lit {
                    text: std::mem::take(lit),
                    quoted,
                });
            }
        }
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b'|' | b'&' | b';' | b'<' | b'>' | b'(' | b')' => {
                    break;
                }
                b'\\' => {
                    self.bump();
                    match self.bump_char() {
                        Some('\n') | None => {}
                        Some(ch) => {
                            flush(&mut parts, &mut lit, false);
                            parts.push(Part::Lit {
                                text: ch.to_string(),
                                quoted: true,
                            });
                        }
                    }
                }
                b'\'' => {
                    flush(&mut parts, &mut lit, false);
                    self.bump();
                    let start = self.pos;
                    while self.peek().is_some_and(|c| c != b'\'') {
                        self.bump();
                    }
                    if self.peek().is_none() {
                        return Err(self.error("unterminated single quote"));
                    }
                    parts.push(Part::Lit {
                        text: self.text[start..self.pos].to_string(),
                        quoted: true,
                    });
                    self.bump();
                }
                b'"' => {
                    flush(&mut parts, &mut lit, false);
                    self.bump();
                    self.double_quoted(&mut parts)?;
                }
                b'$' | b'`' => {
                    flush(&mut parts, &mut lit, false);
                    if let Some(p) = self.dollar(false)? {
                        parts.push(p);
                    } else {
                        lit.push('$');
                    }
                }
                _ => {
                    if let Some(ch) = self.bump_char() {
                        lit.push(ch);
                    }
                }
            }
        }
        flush(&mut parts, &mut lit, false);
        if parts.is_empty() {
            // `""` is an empty word, not nothing.
            parts.push(Part::Lit {
                text: String::new(),
                quoted: true,
            });
        }
        Ok(Word { parts })
    }

    fn double_quoted(&mut self, parts: &mut Vec<Part>) -> Result<(), ParseError> {
        let mut lit = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated double quote")),
                Some(b'"') => {
                    self.bump();
                    break;
                }
                Some(b'\\') => {
                    self.bump();
                    match self.peek() {
                        Some(b'$' | b'`' | b'"' | b'\\') => {
                            if let Some(ch) = self.bump_char() {
                                lit.push(ch);
                            }
                        }
                        Some(b'\n') => {
                            self.bump();
                        }
                        _ => lit.push('\\'),
                    }
                }
                Some(b'$' | b'`') => {
                    let part = self.dollar(true)?;
                    match part {
                        Some(p) => {
                            if !lit.is_empty() {
                                parts.push(Part::Lit {
                                    text: std::mem::take(&mut lit),
                                    quoted: true,
                                });
                            }
                            parts.push(p);
                        }
                        None => lit.push('$'),
                    }
                }
                Some(_) => {
                    if let Some(ch) = self.bump_char() {
                        lit.push(ch);
                    }
                }
            }
        }
        parts.push(Part::Lit {
            text: lit,
            quoted: true,
        });
        Ok(())
    }

    /// An expansion at `$` or a backquote; `None` for a lone `$`.
    fn dollar(&mut self, quoted: bool) -> Result<Option<Part>, ParseError> {
        if self.peek() == Some(b'`') {
            self.bump();
            let start = self.pos;
            loop {
                match self.bump() {
                    None => return Err(self.error("unterminated backquote")),
                    Some(b'\\') => {
                        self.bump();
                    }
                    Some(b'`') => break,
                    Some(_) => {}
                }
            }
            return Ok(Some(Part::Command(
                self.text[start..self.pos - 1].replace("\\`", "`"),
            )));
        }
        self.bump();
        match self.peek() {
            Some(b'(') if self.src.get(self.pos + 1) == Some(&b'(') => {
                self.pos += 2;
                self.balanced(b'(', b')', 2)?;
                Ok(Some(Part::Arith))
            }
            Some(b'(') => {
                self.pos += 1;
                let start = self.pos;
                self.balanced(b'(', b')', 1)?;
                Ok(Some(Part::Command(
                    self.text[start..self.pos - 1].to_string(),
                )))
            }
            Some(b'{') => {
                self.pos += 1;
                let start = self.pos;
                self.balanced(b'{', b'}', 1)?;
                let inner = &self.text[start..self.pos - 1];
                // `${#X}` is a length: its value is not a constant we follow.
                let (inner, length) = match inner.strip_prefix('#') {
                    Some(rest) if !rest.is_empty() => (rest, true),
                    _ => (inner, false),
                };
                let n = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let n = if n == 0 {
                    inner.chars().next().map_or(0, char::len_utf8)
                } else {
                    n
                };
                let (name, op) = inner.split_at(n);
                let op = if length { "#" } else { op };
                Ok(Some(Part::Param {
                    name: name.to_string(),
                    op: (!op.is_empty()).then(|| op.to_string()),
                    quoted,
                }))
            }
            Some(c) if c.is_ascii_digit() || b"@*#?$!-".contains(&c) => {
                self.bump();
                Ok(Some(Part::Param {
                    name: (c as char).to_string(),
                    op: None,
                    quoted,
                }))
            }
            Some(b'\'') if !quoted => {
                // bash's $'…': ANSI-C quoting, kept literal.
                Ok(None)
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    self.pos += 1;
                }
                Ok(Some(Part::Param {
                    name: self.text[start..self.pos].to_string(),
                    op: None,
                    quoted,
                }))
            }
            _ => Ok(None),
        }
    }

    /// Consumes up to the close that balances `depth` opens, minding quotes.
    fn balanced(&mut self, open: u8, close: u8, mut depth: usize) -> Result<(), ParseError> {
        let start = self.pos;
        while depth > 0 {
            match self.bump() {
                None => {
                    self.pos = start;
                    return Err(self.error(format!("unterminated `{}`", open as char)));
                }
                Some(b'\\') => {
                    self.bump();
                }
                Some(b'\'') if open == b'(' => while self.bump().is_some_and(|c| c != b'\'') {},
                Some(b'"') => loop {
                    match self.bump() {
                        None | Some(b'"') => break,
                        Some(b'\\') => {
                            self.bump();
                        }
                        _ => {}
                    }
                },
                Some(c) if c == open => {
                    depth += 1;
                    if depth > self.limits.max_depth.saturating_sub(self.depth) {
                        return Err(self.error("nesting too deep"));
                    }
                }
                Some(c) if c == close => depth -= 1,
                _ => {}
            }
        }
        // Keep the position on a character boundary for slicing.
        while !self.text.is_char_boundary(self.pos) {
            self.pos += 1;
        }
        Ok(())
    }
}

struct Parser {
    toks: Vec<Token>,
    at: usize,
    depth: usize,
    limits: Limits,
}

const TERMINATORS: &[&str] = &["then", "else", "elif", "fi", "do", "done", "esac", "}"];

impl Parser {
    fn peek(&self) -> &Token {
        // The token list always ends with Eof, which is never consumed.
        &self.toks[self.at.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            self.at += 1;
        }
        t
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        let t = self.peek();
        ParseError {
            offset: t.offset,
            line: t.line,
            message: message.into(),
        }
    }

    fn is_op(&self, op: &str) -> bool {
        self.peek().tok
            == Tok::Op(match OPS.iter().find(|o| **o == op) {
                Some(o) => o,
                None => return false,
            })
    }

    fn is_reserved(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.plain() == Some(word))
    }

    fn expect_reserved(&mut self, word: &str) -> Result<(), ParseError> {
        if self.is_reserved(word) {
            self.next();
            Ok(())
        } else {
            Err(self.error(format!("expected `{word}`")))
        }
    }

    fn linebreak(&mut self) {
        while self.peek().tok == Tok::Newline {
            self.next();
        }
    }

    fn at_list_end(&self) -> bool {
        match &self.peek().tok {
            Tok::Eof => true,
            Tok::Op(op) => matches!(*op, ")" | ";;"),
            Tok::Word(w) => w.plain().is_some_and(|t| TERMINATORS.contains(&t)),
            _ => false,
        }
    }

    fn list(&mut self) -> Result<List, ParseError> {
        let mut out = Vec::new();
        loop {
            while self.peek().tok == Tok::Newline || self.is_op(";") {
                self.next();
            }
            if self.at_list_end() {
                return Ok(out);
            }
            let mut and_or = self.and_or()?;
            if self.is_op("&") {
                self.next();
                and_or.background = true;
            } else if self.is_op(";") || self.peek().tok == Tok::Newline {
                self.next();
            } else if !self.at_list_end() {
                return Err(self.error("unexpected token"));
            }
            out.push(and_or);
        }
    }

    fn and_or(&mut self) -> Result<AndOr, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let c = if self.is_op("&&") {
                Connector::And
            } else if self.is_op("||") {
                Connector::Or
            } else {
                break;
            };
            self.next();
            self.linebreak();
            rest.push((c, self.pipeline()?));
        }
        Ok(AndOr {
            first,
            rest,
            background: false,
        })
    }

    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let negated = self.is_reserved("!");
        if negated {
            self.next();
        }
        let mut commands = vec![self.command()?];
        while self.is_op("|") {
            self.next();
            self.linebreak();
            commands.push(self.command()?);
        }
        Ok(Pipeline { negated, commands })
    }

    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= self.limits.max_depth {
            return Err(self.error("nesting too deep"));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn command(&mut self) -> Result<Command, ParseError> {
        let line = self.peek().line;
        if self.is_op("(") {
            self.next();
            let body = self.nested(Self::list)?;
            if !self.is_op(")") {
                return Err(self.error("expected `)`"));
            }
            self.next();
            self.redirects();
            return Ok(Command::Subshell(body));
        }
        let Tok::Word(w) = self.peek().tok.clone() else {
            return Err(self.error("expected a command"));
        };
        let plain = w.plain().map(str::to_string);
        let compound = match plain.as_deref() {
            Some("{") => {
                self.next();
                let body = self.nested(Self::list)?;
                self.expect_reserved("}")?;
                Some(Command::Group(body))
            }
            Some("if") => Some(self.nested(Self::if_clause)?),
            Some(k @ ("while" | "until")) => {
                let _ = k;
                self.next();
                let condition = self.nested(Self::list)?;
                self.expect_reserved("do")?;
                let body = self.nested(Self::list)?;
                self.expect_reserved("done")?;
                Some(Command::Loop { condition, body })
            }
            Some("for") => Some(self.nested(Self::for_clause)?),
            Some("case") => Some(self.nested(Self::case_clause)?),
            Some("function") => {
                self.next();
                let Tok::Word(name) = self.next().tok else {
                    return Err(self.error("expected a function name"));
                };
                if self.is_op("(") {
                    self.next();
                    if !self.is_op(")") {
                        return Err(self.error("expected `)`"));
                    }
                    self.next();
                }
                return self.function_body(name, line);
            }
            _ => None,
        };
        if let Some(c) = compound {
            self.redirects();
            return Ok(c);
        }
        // `name ( )` defines a function.
        if plain.is_some()
            && self
                .toks
                .get(self.at + 1)
                .is_some_and(|t| t.tok == Tok::Op("("))
            && self
                .toks
                .get(self.at + 2)
                .is_some_and(|t| t.tok == Tok::Op(")"))
        {
            self.next();
            self.next();
            self.next();
            return self.function_body(w, line);
        }
        self.simple()
    }

    fn function_body(&mut self, name: Word, line: usize) -> Result<Command, ParseError> {
        self.linebreak();
        let body = self.nested(Self::command)?;
        let name = name.plain().unwrap_or_default().to_string();
        Ok(Command::Function {
            name,
            body: Box::new(body),
            line,
        })
    }

    fn if_clause(&mut self) -> Result<Command, ParseError> {
        self.next();
        let mut branches = Vec::new();
        let mut otherwise = Vec::new();
        loop {
            let cond = self.list()?;
            self.expect_reserved("then")?;
            let body = self.list()?;
            branches.push((cond, body));
            if self.is_reserved("elif") {
                self.next();
                continue;
            }
            if self.is_reserved("else") {
                self.next();
                otherwise = self.list()?;
            }
            self.expect_reserved("fi")?;
            return Ok(Command::If {
                branches,
                otherwise,
            });
        }
    }

    fn for_clause(&mut self) -> Result<Command, ParseError> {
        self.next();
        let Tok::Word(var) = self.next().tok else {
            return Err(self.error("expected a variable name after `for`"));
        };
        let var = var.plain().unwrap_or_default().to_string();
        self.linebreak();
        let mut items = None;
        if self.is_reserved("in") {
            self.next();
            let mut v = Vec::new();
            while let Tok::Word(w) = &self.peek().tok {
                v.push(w.clone());
                self.next();
            }
            items = Some(v);
        }
        if self.is_op(";") {
            self.next();
        }
        self.linebreak();
        self.expect_reserved("do")?;
        let body = self.list()?;
        self.expect_reserved("done")?;
        Ok(Command::For { var, items, body })
    }

    fn case_clause(&mut self) -> Result<Command, ParseError> {
        self.next();
        let Tok::Word(word) = self.next().tok else {
            return Err(self.error("expected a word after `case`"));
        };
        self.linebreak();
        self.expect_reserved("in")?;
        let mut arms = Vec::new();
        loop {
            self.linebreak();
            if self.is_reserved("esac") {
                self.next();
                return Ok(Command::Case { word, arms });
            }
            if self.is_op("(") {
                self.next();
            }
            let mut patterns = Vec::new();
            loop {
                let Tok::Word(p) = self.next().tok else {
                    return Err(self.error("expected a case pattern"));
                };
                patterns.push(p);
                if self.is_op("|") {
                    self.next();
                    continue;
                }
                break;
            }
            if !self.is_op(")") {
                return Err(self.error("expected `)` after a case pattern"));
            }
            self.next();
            let body = self.list()?;
            arms.push((patterns, body));
            if self.is_op(";;") {
                self.next();
            } else if !self.is_reserved("esac") {
                return Err(self.error("expected `;;` or `esac`"));
            }
        }
    }

    /// Redirections after a compound command (their targets do not matter here).
    fn redirects(&mut self) -> Vec<Redirect> {
        let mut out = Vec::new();
        loop {
            let mut fd = None;
            if let Tok::IoNumber(n) = self.peek().tok {
                fd = Some(n);
                self.next();
            }
            let Tok::Op(op) = self.peek().tok else { break };
            if !matches!(
                op,
                "<" | ">" | ">>" | "<<" | "<<-" | "<&" | ">&" | "<>" | ">|" | "&>"
            ) {
                break;
            }
            self.next();
            if let Tok::Word(target) = self.peek().tok.clone() {
                self.next();
                out.push(Redirect {
                    fd,
                    op: op.to_string(),
                    target,
                });
            }
        }
        out
    }

    fn simple(&mut self) -> Result<Command, ParseError> {
        let mut s = Simple {
            line: self.peek().line,
            ..Simple::default()
        };
        loop {
            s.redirects.extend(self.redirects());
            let Tok::Word(w) = self.peek().tok.clone() else {
                break;
            };
            if s.words.is_empty()
                && let Some((name, value)) = assignment(&w)
            {
                s.assignments.push((name, value));
            } else {
                s.words.push(w);
            }
            self.next();
        }
        if s.words.is_empty() && s.assignments.is_empty() && s.redirects.is_empty() {
            return Err(self.error("expected a command"));
        }
        Ok(Command::Simple(s))
    }
}

/// `NAME=value` at the start of a word (the `=` unquoted).
pub(crate) fn assignment(w: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit {
        text,
        quoted: false,
    }) = w.parts.first()
    else {
        return None;
    };
    let (name, rest) = text.split_once('=')?;
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return None;
    }
    let mut parts = Vec::new();
    if !rest.is_empty() {
        parts.push(Part::Lit {
            text: rest.to_string(),
            quoted: false,
        });
    }
    parts.extend(w.parts[1..].iter().cloned());
    Some((name.to_string(), Word { parts }))
}

/// Parses a script within `limits`, at nesting `depth` (0 for a file; command substitutions
/// are parsed one deeper).
pub fn parse_at(text: &str, limits: &Limits, depth: usize) -> Result<List, ParseError> {
    if text.len() > limits.max_bytes {
        return Err(ParseError {
            offset: limits.max_bytes,
            line: 0,
            message: format!(
                "script of {} bytes is over the limit of {}",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    if depth >= limits.max_depth {
        return Err(ParseError {
            offset: 0,
            line: 1,
            message: "nesting too deep".into(),
        });
    }
    let lexer = Lexer {
        src: text.as_bytes(),
        text,
        pos: 0,
        line: 1,
        pending: Vec::new(),
        delimiter_next: None,
        depth,
        limits: *limits,
    };
    let toks = lexer.tokens()?;
    let mut p = Parser {
        toks,
        at: 0,
        depth,
        limits: *limits,
    };
    let list = p.list()?;
    if p.peek().tok != Tok::Eof {
        return Err(p.error("unexpected token"));
    }
    Ok(list)
}

/// Parses a whole script within `limits`.
pub fn parse(text: &str, limits: &Limits) -> Result<List, ParseError> {
    parse_at(text, limits, 0)
}

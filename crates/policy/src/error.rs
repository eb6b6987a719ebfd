//! The one error type of netvet-policy. Every problem with an input names the file and, where
//! there is one, the line.

use std::fmt;
use std::path::PathBuf;

/// A problem at a place in an input file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file as the user knows it (a path, or `builtin:catalogue/de-2024/…` for embedded data).
    pub file: String,
    /// 1-based line, when the problem is at one.
    pub line: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Everything that can go wrong loading, validating and evaluating catalogues, dossiers,
/// product records and evidence.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Inputs that failed validation; every problem found, sorted by file and line.
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
    /// `--catalogue NAME` is neither a built-in catalogue nor a directory.
    #[error("no catalogue {name:?}: not a directory and not a built-in catalogue ({})", available.join(", "))]
    UnknownCatalogue {
        name: String,
        available: Vec<String>,
    },
    /// Evaluating a product failed (a Rego runtime error or an exhausted limit).
    #[error("evaluating product {product}: {diagnostic}")]
    Evaluation {
        product: String,
        diagnostic: Diagnostic,
    },
}

fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.to_string());
    }
    if diags.len() > 1 {
        out.push_str(&format!("\n{} problems", diags.len()));
    }
    out
}

impl Error {
    /// One validation problem.
    pub fn at(file: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Error {
        Error::Invalid(vec![Diagnostic::new(file, line, message)])
    }

    /// The diagnostics of a validation error (empty for other errors).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Invalid(d) => d,
            _ => &[],
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A TOML syntax or schema error as a diagnostic with its line.
pub fn toml_diagnostic(file: &str, text: &str, err: &toml::de::Error) -> Diagnostic {
    let line = err.span().map(|s| line_of(text, s.start));
    Diagnostic::new(file, line, err.message().trim_end().to_string())
}

/// A regorus error (an `anyhow` string that embeds `--> file:line:col`) as a diagnostic.
pub fn rego_diagnostic(default_file: &str, err: &anyhow::Error) -> Diagnostic {
    let text = format!("{err:#}");
    let mut file = default_file.to_string();
    let mut line = None;
    let mut message = None;
    for l in text.lines() {
        let l = l.trim();
        if let Some(loc) = l.strip_prefix("--> ")
            && line.is_none()
        {
            let mut parts = loc.rsplitn(3, ':');
            let (_col, ln, f) = (parts.next(), parts.next(), parts.next());
            if let (Some(ln), Some(f)) = (ln.and_then(|n| n.parse().ok()), f) {
                line = Some(ln);
                file = f.to_string();
            }
        } else if let Some(m) = l.strip_prefix("error: ") {
            message.get_or_insert_with(|| m.to_string());
        }
    }
    let message = message.unwrap_or_else(|| {
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("Rego error")
            .to_string()
    });
    Diagnostic::new(file, line, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regorus_messages_become_file_and_line() {
        let err = anyhow::anyhow!(
            "\n--> policy/x.rego:3:1\n  |\n3 | \n  | ^\nerror: expecting expression"
        );
        let d = rego_diagnostic("fallback", &err);
        assert_eq!(d.to_string(), "policy/x.rego:3: expecting expression");
    }

    #[test]
    fn several_problems_are_listed_and_counted() {
        let e = Error::Invalid(vec![
            Diagnostic::new("a.toml", Some(2), "bad"),
            Diagnostic::new("b.toml", None, "worse"),
        ]);
        assert_eq!(e.to_string(), "a.toml:2: bad\nb.toml: worse\n2 problems");
    }
}

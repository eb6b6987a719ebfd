//! Output formats and helpers shared by subcommands.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};

use serde::Serialize;

/// How results are printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A table for people (default on a terminal).
    Table,
    /// Stable, versioned JSON with sorted keys.
    Json,
}

/// The format asked for, else a table on a terminal and JSON otherwise.
pub fn choose(f: Option<Format>) -> Format {
    f.unwrap_or(if io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    })
}

/// How reports (assessments, impact) are printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// A table for people (default on a terminal).
    Table,
    /// Stable, versioned JSON with sorted keys.
    Json,
    /// Markdown, for reports and reviews.
    Markdown,
}

impl ReportFormat {
    /// The format asked for, else a table on a terminal and JSON otherwise.
    pub fn or_default(f: Option<ReportFormat>) -> ReportFormat {
        f.unwrap_or(if io::stdout().is_terminal() {
            ReportFormat::Table
        } else {
            ReportFormat::Json
        })
    }
}

/// Writes text to stdout at once (a closed pipe surfaces as an error main ignores).
pub fn print_text(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

impl Format {
    /// The format asked for, else a table on a terminal and JSON otherwise.
    pub fn or_default(f: Option<Format>) -> Format {
        f.unwrap_or(if io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        })
    }
}

/// Rows as left-aligned columns (the last column is not padded).
pub fn columns(rows: &[Vec<String>]) -> String {
    let mut widths = vec![0; rows.iter().map(Vec::len).max().unwrap_or(0)];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                let _ = write!(line, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `|` and line breaks would break a Markdown table cell.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Prints `value` as canonical JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    netvet_model::json::write_canonical(out, value).map_err(|e| match e.io_error_kind() {
        // Keeps the I/O error (a broken pipe is not an error to report).
        Some(kind) => anyhow::Error::new(io::Error::new(kind, e)),
        None => anyhow::Error::new(e),
    })?;
    Ok(())
}

/// True when stderr is a terminal (progress bars go there).
pub fn stderr_is_tty() -> bool {
    io::stderr().is_terminal()
}

/// A broken pipe (output piped into `head`) is not an error.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `1.5 MiB`-style sizes.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 << 30), "3.0 GiB");
    }
}

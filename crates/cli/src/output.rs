//! Where and how results are printed: the format chosen (one rule for every command), text
//! and canonical JSON to stdout or a file.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::OnceLock;

use anyhow::Context;
use serde::Serialize;

/// How results are printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A table for people (default on a terminal).
    Table,
    /// Stable, versioned JSON with sorted keys.
    Json,
}

/// When tables colour severities (`--color`).
#[derive(clap::ValueEnum, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set to something.
    #[default]
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// The style of every table this process prints, decided once in `main`.
static STYLE: OnceLock<netvet_report::terminal::Style> = OnceLock::new();

/// Decides the tables' style from `--color` and the environment: the width is `$COLUMNS`
/// when set, else the terminal's when stdout is one, else unlimited (a pipe or a file).
pub fn set_style(color: ColorChoice) {
    let tty = io::stdout().is_terminal();
    let terminal_width = if tty {
        terminal_size::terminal_size_of(io::stdout()).map(|(w, _)| w.0 as usize)
    } else {
        None
    };
    let _ = STYLE.set(decide_style(
        color,
        tty,
        std::env::var("COLUMNS").ok().as_deref(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        terminal_width,
    ));
}

/// The style for tables written to `output` (plain when that is a file).
pub fn style(output: Option<&Path>) -> netvet_report::terminal::Style {
    match output {
        Some(_) => netvet_report::terminal::Style::PLAIN,
        None => STYLE.get().copied().unwrap_or_default(),
    }
}

/// The style rule, apart from where its inputs come from: colour when asked for always, or on
/// a terminal without `NO_COLOR` (https://no-color.org); the width `COLUMNS` says, else the
/// terminal's (80 when it cannot be read), else none.
fn decide_style(
    color: ColorChoice,
    tty: bool,
    columns: Option<&str>,
    no_color: bool,
    terminal_width: Option<usize>,
) -> netvet_report::terminal::Style {
    let from_env = columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w > 0);
    netvet_report::terminal::Style {
        width: from_env.or(if tty {
            Some(terminal_width.filter(|&w| w > 0).unwrap_or(80))
        } else {
            None
        }),
        color: match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        },
    }
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

/// The format asked for; otherwise `table` when the output is a terminal (stdout, no
/// `--output` file) and `json` when it goes to a pipe or a file.
pub fn choose<F: Copy>(asked: Option<F>, output: Option<&Path>, table: F, json: F) -> F {
    asked.unwrap_or(if output.is_none() && io::stdout().is_terminal() {
        table
    } else {
        json
    })
}

/// Writes text to `output`, or to stdout at once (a closed pipe surfaces as an error main
/// ends quietly on).
pub fn emit(text: &str, output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Writes a table for people: its long sentences wrapped to the style's width (see
/// [`netvet_report::terminal::Style::fit`]), then as [`emit`] does.
pub fn emit_table(text: &str, output: Option<&Path>) -> anyhow::Result<()> {
    emit(&style(output).fit(text), output)
}

/// Prints `value` as canonical JSON on stdout, or writes it to `output`, as it is serialised
/// (a report of hundreds of megabytes is never held as one string). A file left half written
/// by an error is removed.
pub fn emit_json<T: Serialize>(value: &T, output: Option<&Path>) -> anyhow::Result<()> {
    let written = match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let written = netvet_model::json::write_canonical(
                io::BufWriter::with_capacity(1 << 16, file),
                value,
            );
            if written.is_err() {
                let _ = std::fs::remove_file(path);
            }
            return written.with_context(|| format!("cannot write {}", path.display()));
        }
        None => netvet_model::json::write_canonical(
            io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            value,
        ),
    };
    written.map_err(|e| match e.io_error_kind() {
        // Keeps the I/O error (a broken pipe is not an error to report).
        Some(kind) => anyhow::Error::new(io::Error::new(kind, e)),
        None => anyhow::Error::new(e),
    })
}

/// The error of a job on the input `name`, told as "cannot VERB NAME: why" — or just "why"
/// when that already starts with the input's name (an unreadable file), so that no message
/// says its cause twice.
pub fn about<T>(
    result: Result<T, netvet_pipeline::Error>,
    verb: &str,
    name: &str,
) -> anyhow::Result<T> {
    result.map_err(|e| {
        if e.to_string().starts_with(name) {
            anyhow::Error::new(e)
        } else {
            anyhow::Error::new(e).context(format!("cannot {verb} {name}"))
        }
    })
}

/// Prints a warning on stderr.
pub fn warn(message: &str) {
    eprintln!("netvet: warning: {message}");
}

/// Prints a note on stderr.
pub fn note(message: &str) {
    eprintln!("netvet: {message}");
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
            || c.downcast_ref::<netvet_pipeline::Error>()
                .and_then(netvet_pipeline::Error::io_kind)
                == Some(io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color_unless_forced() {
        let d = |c, tty, nc| decide_style(c, tty, None, nc, Some(120)).color;
        assert!(d(ColorChoice::Auto, true, false));
        assert!(!d(ColorChoice::Auto, true, true));
        assert!(!d(ColorChoice::Auto, false, false));
        assert!(d(ColorChoice::Always, false, true));
        assert!(!d(ColorChoice::Never, true, false));
    }

    #[test]
    fn width_from_columns_else_the_terminal_else_none() {
        let w = |tty, cols, term| decide_style(ColorChoice::Auto, tty, cols, false, term).width;
        assert_eq!(w(false, None, None), None);
        assert_eq!(w(false, Some("100"), None), Some(100));
        assert_eq!(w(true, None, Some(132)), Some(132));
        assert_eq!(w(true, None, None), Some(80));
        assert_eq!(w(true, Some("nonsense"), Some(132)), Some(132));
        assert_eq!(w(true, Some("60"), Some(132)), Some(60));
    }
}

//! Shell semantics for the scripts a firmware image runs (init scripts, crontabs, unit
//! commands): a bounded parser of the POSIX shell
//! language ([`syntax`]) and a static walk of what a parsed script runs ([`eval`]).
//!
//! Why not a crate: `yash-syntax` is GPL-3.0 (netvet is Apache-2.0) and its parser is
//! async; `brush-parser` (MIT, bash) pulls `insta`, `cached` and `bon` as normal dependencies
//! and its PEG parser has no nesting bound, so a hostile script can overflow the stack, which
//! no panic containment can catch; `conch-parser` is unmaintained. The POSIX grammar is small
//! enough to parse here with explicit bounds on size and depth.

pub mod eval;
pub mod syntax;

pub use eval::{EvalLimits, Evaluator, Invocation, Output};
pub use syntax::{Limits, ParseError, parse};

pub(crate) use syntax::assignment as syntax_assignment;

/// The last path component of a command word.
pub fn base(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// A shell interpreter (`/bin/sh`, `-sh` as login shell, `bash`, `busybox`'s `ash`…).
pub fn is_shell(word: &str) -> bool {
    matches!(
        base(word.trim_start_matches('-')),
        "sh" | "ash" | "bash" | "dash" | "hush" | "ksh" | "mksh" | "zsh" | "msh"
    )
}

#[cfg(test)]
mod tests;

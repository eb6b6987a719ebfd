//! `netvet product init|check`: write a documented product-record template for a real product,
//! and check records written by hand against the dossiers.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use netvet_policy::{DossierSet, Limits, ProductSet};

use crate::output;

/// The template, with `{id}`, `{vendor}`, `{name}`, `{version}` and `{functions}` to fill.
const TEMPLATE: &str = include_str!("templates/product.toml");

/// Write and check product records (what a product is, its certifications, services and
/// firmware) for `netvet assess --products DIR`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Write a documented product-record template (TOML) to fill for a real product.
    Init(InitArgs),
    /// Check the product records of a directory against the dossiers.
    Check(CheckArgs),
}

#[derive(clap::Args)]
struct InitArgs {
    /// Where to write the record (default: standard output).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// The vendor's dossier id (e.g. ericsson, nokia).
    #[arg(long, value_name = "ID", default_value = "VENDOR-ID")]
    vendor: String,
    /// The product's name as the vendor writes it.
    #[arg(long, default_value = "Product name")]
    name: String,
    /// The record's id (default: made from the vendor and the name).
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// The release the record describes (its `version`; "*": every release).
    #[arg(long, value_name = "VERSION", default_value = "*")]
    release: String,
    /// Network functions (comma separated: gNB, AMF, UPF, router …).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    functions: Vec<String>,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Directory of product records (`*.toml`).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Vendor dossiers (default: the built-in dossiers).
    #[arg(long, value_name = "DIR")]
    dossiers: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::Init(a) => init(a),
        Command::Check(a) => check(a),
    }
}

/// A TOML basic string's content: quotes, backslashes and control characters escaped.
fn toml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// An id from free text: lowercase letters and digits, other runs become one `-`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The template filled with what the flags say.
fn template(a: &InitArgs) -> String {
    let id =
        a.id.clone()
            .unwrap_or_else(|| slug(&format!("{} {}", a.vendor, a.name)));
    let functions: Vec<String> = a
        .functions
        .iter()
        .map(|f| format!("\"{}\"", toml_escape(f.trim())))
        .collect();
    TEMPLATE
        .replace("{id}", &toml_escape(&id))
        .replace("{vendor}", &toml_escape(&a.vendor))
        .replace("{name}", &toml_escape(&a.name))
        .replace("{version}", &toml_escape(&a.release))
        .replace("{functions}", &functions.join(", "))
}

fn init(a: InitArgs) -> anyhow::Result<u8> {
    let text = template(&a);
    match &a.file {
        None => output::emit(&text, None)?,
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .create_new(!a.force)
                .open(path)
                .with_context(|| {
                    format!(
                        "cannot write {}{}",
                        path.display(),
                        if path.exists() && !a.force {
                            " (it exists; --force replaces it)"
                        } else {
                            ""
                        }
                    )
                })?;
            file.write_all(text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            output::note(&format!(
                "wrote {}; fill it, then `netvet product check {}`",
                path.display(),
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or(".".into(), |p| p.display().to_string())
            ));
        }
    }
    Ok(crate::EXIT_OK)
}

fn check(a: CheckArgs) -> anyhow::Result<u8> {
    let limits = Limits::default();
    let dossiers = DossierSet::load(a.dossiers.as_deref(), &limits)?;
    let set = ProductSet::load(Some(&a.dir), &dossiers, &limits)?;
    output::emit(
        &format!(
            "{}: {}: valid\n",
            set.root,
            netvet_report::terminal::counted(
                set.products.len(),
                "product record",
                "product records"
            )
        ),
        None,
    )?;
    Ok(crate::EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_strings_are_made_safe_for_toml() {
        assert_eq!(slug("Nokia AirScale gNB (23R1)"), "nokia-airscale-gnb-23r1");
        assert_eq!(toml_escape("a \"b\" \\ c\n"), "a \\\"b\\\" \\\\ c\\u000A");
    }
}

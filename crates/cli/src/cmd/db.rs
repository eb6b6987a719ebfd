//! `netvet db import PATH...` and `netvet db status`: the local advisory index.

use std::path::{Path, PathBuf};

use anyhow::Context;
use netvet_pipeline::index::location;
use netvet_vuln::Index;
use netvet_vuln::advisory::Bounds;
use serde::Serialize;

use crate::output::{self, Format};

/// What `db import` prints as JSON (`netvet.db-import/1`).
#[derive(Serialize)]
struct ImportDoc<'a> {
    schema: &'static str,
    imported: Vec<Imported<'a>>,
    status: &'a netvet_vuln::store::Status,
}

#[derive(Serialize)]
struct Imported<'a> {
    file: &'a str,
    result: &'a netvet_vuln::store::ImportStats,
}

/// What `db status` prints as JSON (`netvet.db-status/1`).
#[derive(Serialize)]
struct StatusDoc<'a> {
    schema: &'static str,
    status: &'a netvet_vuln::store::Status,
}

/// Manage the local advisory index.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Import OSV JSON, NVD CVE JSON 2.0 and CISA KEV files (or directories of them).
    Import(ImportArgs),
    /// Show the index's schema version, build date, sources and counts.
    Status(StatusArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// Advisory files or directories (searched for *.json).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Index file (default: NETVET_DB, else $XDG_CACHE_HOME/netvet/advisories.db).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Do not add the built-in advisories to a new index.
    #[arg(long)]
    no_builtin: bool,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(clap::Args)]
pub struct StatusArgs {
    /// Index file (default: NETVET_DB, else $XDG_CACHE_HOME/netvet/advisories.db).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

fn json_files(p: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if p.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
            .with_context(|| format!("cannot list {}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() || e.extension().is_some_and(|x| x == "json") {
                json_files(&e, out)?;
            }
        }
    } else {
        out.push(p.to_path_buf());
    }
    Ok(())
}

pub fn run(cmd: Command) -> anyhow::Result<u8> {
    match cmd {
        Command::Import(a) => import(a),
        Command::Status(a) => status(a),
    }
}

fn import(a: ImportArgs) -> anyhow::Result<u8> {
    let (path, _) = location(a.db.as_deref());
    let fresh = !path.exists();
    let mut idx = Index::create(&path)?;
    if fresh {
        idx.bulk_mode()?;
    }
    let mut results = Vec::new();
    if fresh && !a.no_builtin {
        for s in idx.import_builtin()? {
            results.push(("built-in".to_string(), s));
        }
    }
    let mut files = Vec::new();
    for p in &a.paths {
        json_files(p, &mut files)?;
    }
    let bounds = Bounds::default();
    for f in &files {
        let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        let name = f.display().to_string();
        let stats = idx.import(&name, &bytes, &bounds)?;
        results.push((name, stats));
    }
    let status = idx.status()?;
    match output::choose(a.format, None, Format::Table, Format::Json) {
        Format::Json => output::emit_json(
            &ImportDoc {
                schema: "netvet.db-import/1",
                imported: results
                    .iter()
                    .map(|(file, result)| Imported { file, result })
                    .collect(),
                status: &status,
            },
            None,
        )?,
        Format::Table => output::emit(
            &netvet_report::terminal::db::import(&results, &status),
            None,
        )?,
    }
    Ok(crate::EXIT_OK)
}

fn status(a: StatusArgs) -> anyhow::Result<u8> {
    let (path, chosen) = location(a.db.as_deref());
    let idx = if !chosen && !path.exists() {
        output::note(&format!(
            "no advisory index at {}; showing the built-in advisories",
            path.display()
        ));
        Index::builtin()?
    } else {
        Index::open(&path)?
    };
    let status = idx.status()?;
    match output::choose(a.format, None, Format::Table, Format::Json) {
        Format::Json => output::emit_json(
            &StatusDoc {
                schema: "netvet.db-status/1",
                status: &status,
            },
            None,
        )?,
        Format::Table => output::emit(&netvet_report::terminal::db::status(&status), None)?,
    }
    Ok(crate::EXIT_OK)
}

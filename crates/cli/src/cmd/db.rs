//! `netvet db import PATH...` and `netvet db status`: the local advisory index.

use std::path::{Path, PathBuf};

use anyhow::Context;
use netvet_vuln::Index;
use netvet_vuln::advisory::Bounds;

use crate::output::{self, Format};

/// Where the index is: `--db`, else `NETVET_DB`, else `$XDG_CACHE_HOME/netvet/advisories.db`
/// (`~/.cache/netvet/advisories.db`). The flag says whether the user chose it.
pub fn db_path(flag: Option<&Path>) -> (PathBuf, bool) {
    if let Some(p) = flag {
        return (p.to_path_buf(), true);
    }
    if let Some(p) = std::env::var_os("NETVET_DB").filter(|v| !v.is_empty()) {
        return (PathBuf::from(p), true);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    (cache.join("netvet").join("advisories.db"), false)
}

/// Opens the index to match against: the chosen one, or the built-in advisories when the
/// default location holds none.
pub fn open_for_matching(flag: Option<&Path>) -> anyhow::Result<Index> {
    let (path, chosen) = db_path(flag);
    if !chosen && !path.exists() {
        eprintln!(
            "netvet: no advisory index at {}; using the built-in advisories (netvet db import builds one)",
            path.display()
        );
        return Ok(Index::builtin()?);
    }
    Ok(Index::open(&path)?)
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
    let (path, _) = db_path(a.db.as_deref());
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
    match output::choose(a.format) {
        Format::Json => output::print_json(&serde_json::json!({
            "schema": "netvet.db-import/1",
            "imported": results.iter().map(|(n, s)| serde_json::json!({"file": n, "result": s})).collect::<Vec<_>>(),
            "status": status,
        }))?,
        Format::Table => {
            for (n, s) in &results {
                println!(
                    "{n}: {} {} advisories, {} KEV entries{}",
                    s.kind,
                    s.advisories,
                    s.kev,
                    if s.skipped.is_empty() {
                        String::new()
                    } else {
                        format!(", {} skipped ({})", s.skipped.len(), s.skipped[0])
                    }
                );
            }
            print_status(&status);
        }
    }
    Ok(crate::EXIT_OK)
}

fn status(a: StatusArgs) -> anyhow::Result<u8> {
    let (path, chosen) = db_path(a.db.as_deref());
    let idx = if !chosen && !path.exists() {
        eprintln!(
            "netvet: no advisory index at {}; showing the built-in advisories",
            path.display()
        );
        Index::builtin()?
    } else {
        Index::open(&path)?
    };
    let status = idx.status()?;
    match output::choose(a.format) {
        Format::Json => output::print_json(
            &serde_json::json!({"schema": "netvet.db-status/1", "status": status}),
        )?,
        Format::Table => print_status(&status),
    }
    Ok(crate::EXIT_OK)
}

fn print_status(s: &netvet_vuln::store::Status) {
    println!("index {}", s.path);
    println!(
        "  schema {}  built {}  by netvet {}",
        s.schema_version, s.built, s.netvet_version
    );
    println!(
        "  {} advisories, {} package ranges, {} CPE ranges, {} KEV entries",
        s.advisories, s.package_ranges, s.cpe_ranges, s.kev_entries
    );
    for src in &s.sources {
        println!(
            "  {:<6} {:>8} records {:>4} skipped  {}  {}",
            src.kind, src.records, src.skipped, src.imported, src.name
        );
    }
}

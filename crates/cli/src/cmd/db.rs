//! `netvet db import PATH...`, `netvet db update` and `netvet db status`: the local advisory
//! index.

use std::path::{Path, PathBuf};

use anyhow::Context;
use netvet_vuln::advisory::Bounds;
use netvet_vuln::{Index, age, update};

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

/// Today (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    netvet_vuln::store::now_rfc3339()
        .get(0..10)
        .unwrap_or("1970-01-01")
        .to_string()
}

/// Opens the index to match against: the chosen one, or the built-in advisories when the
/// default location holds none. Warns on stderr when the data is only the samples or stale.
pub fn open_for_matching(flag: Option<&Path>) -> anyhow::Result<Index> {
    let (path, chosen) = db_path(flag);
    let index = if !chosen && !path.exists() {
        eprintln!("netvet: no advisory index at {}", path.display());
        Index::builtin()?
    } else {
        Index::open(&path)?
    };
    for w in age::data_age(&index, &today(), age::DEFAULT_STALE_DAYS)?.warnings {
        eprintln!("netvet: {w}");
    }
    Ok(index)
}

/// Manage the local advisory index.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Import OSV JSON, NVD CVE JSON 2.0 and CISA KEV files (or directories of them).
    Import(ImportArgs),
    /// Download OSV ecosystems, NVD CVE 2.0 and CISA KEV and import them (all or nothing).
    Update(UpdateArgs),
    /// Show the index's schema version, sources, counts and the age of each feed's data.
    Status(StatusArgs),
}

#[derive(clap::Args)]
pub struct UpdateArgs {
    /// Index file (default: NETVET_DB, else $XDG_CACHE_HOME/netvet/advisories.db).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// OSV ecosystem to download, as OSV names it (Debian, Alpine, Ubuntu, "Red Hat"...).
    #[arg(long = "ecosystem", value_name = "NAME")]
    ecosystems: Vec<String>,
    /// Download the OSV ecosystems this SBOM's distribution packages need (CycloneDX or SPDX).
    #[arg(long = "sbom", value_name = "PATH")]
    sboms: Vec<PathBuf>,
    /// First year of NVD's yearly feeds to download.
    #[arg(long, value_name = "YEAR", default_value_t = update::NVD_FIRST_YEAR)]
    nvd_from: u16,
    /// Do not download NVD.
    #[arg(long)]
    no_nvd: bool,
    /// Do not download the CISA KEV catalogue.
    #[arg(long)]
    no_kev: bool,
    /// Proxy URL (default: HTTPS_PROXY, HTTP_PROXY or ALL_PROXY, with NO_PROXY).
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// A mirror of the feeds: BASE/osv/ECOSYSTEM/all.zip, BASE/nvd/nvdcve-2.0-YEAR.json.gz
    /// (and .meta), BASE/kev/known_exploited_vulnerabilities.json.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Directory for downloads in progress (default: beside the index).
    #[arg(long, value_name = "DIR")]
    downloads: Option<PathBuf>,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
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

pub fn run(cmd: Command) -> anyhow::Result<u8> {
    match cmd {
        Command::Import(a) => import(a),
        Command::Update(a) => update_feeds(a),
        Command::Status(a) => status(a),
    }
}

fn import(a: ImportArgs) -> anyhow::Result<u8> {
    let (path, _) = db_path(a.db.as_deref());
    let outcome =
        netvet_vuln::staged::import_paths(&path, &a.paths, !a.no_builtin, &Bounds::default())?;
    let data_age = age::summarise(
        &outcome.status.path,
        &outcome.status.sources,
        &today(),
        age::DEFAULT_STALE_DAYS,
    );
    match output::choose(a.format) {
        Format::Json => output::print_json(&serde_json::json!({
            "schema": "netvet.db-import/1",
            "imported": outcome.imported.iter().map(|(n, s)| serde_json::json!({"file": n, "result": s})).collect::<Vec<_>>(),
            "status": outcome.status,
            "data_age": data_age,
        }))?,
        Format::Table => {
            for (n, s) in &outcome.imported {
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
            print_status(&outcome.status, &data_age);
        }
    }
    Ok(crate::EXIT_OK)
}

fn update_feeds(a: UpdateArgs) -> anyhow::Result<u8> {
    let (path, _) = db_path(a.db.as_deref());
    let mut ecosystems = a.ecosystems.clone();
    for f in &a.sboms {
        let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        ecosystems.extend(update::ecosystems_in_sbom(
            &f.display().to_string(),
            &bytes,
        )?);
    }
    let today = today();
    let year = today
        .get(0..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(update::NVD_FIRST_YEAR);
    let select = update::selection(
        &ecosystems,
        (!a.no_nvd).then_some(a.nvd_from),
        year,
        !a.no_kev,
    );
    if ecosystems.is_empty() {
        eprintln!(
            "netvet: no OSV ecosystem named (--ecosystem NAME or --sbom FILE); distribution packages will not be matched"
        );
    }
    let downloads = a.downloads.clone().unwrap_or_else(|| {
        let mut d = path.clone().into_os_string();
        d.push(".downloads");
        PathBuf::from(d)
    });
    let mut opts = update::Options::new(select, downloads);
    if let Some(base) = &a.base_url {
        opts.feeds = update::Feeds::mirror(base);
    }
    if let Some(p) = &a.proxy {
        opts.proxy = update::Proxy::Url(p.clone());
    }
    let report = update::update(&path, &opts, &mut |m| eprintln!("netvet: {m}"))?;
    let data_age = age::summarise(
        &report.status.path,
        &report.status.sources,
        &today,
        age::DEFAULT_STALE_DAYS,
    );
    match output::choose(a.format) {
        Format::Json => output::print_json(&serde_json::json!({
            "schema": "netvet.db-update/1",
            "feeds": report.feeds,
            "status": report.status,
            "data_age": data_age,
        }))?,
        Format::Table => {
            for f in &report.feeds {
                match &f.imported {
                    Some(s) => println!(
                        "{}: {} bytes{}, verified {}: {} advisories, {} KEV entries",
                        f.name,
                        f.bytes,
                        if f.resumed_from > 0 {
                            format!(" (resumed at {})", f.resumed_from)
                        } else {
                            String::new()
                        },
                        f.verified,
                        s.advisories,
                        s.kev
                    ),
                    None => println!("{}: {}", f.name, f.outcome),
                }
            }
            print_status(&report.status, &data_age);
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
    let data_age = age::summarise(
        &status.path,
        &status.sources,
        &today(),
        age::DEFAULT_STALE_DAYS,
    );
    match output::choose(a.format) {
        Format::Json => output::print_json(&serde_json::json!({
            "schema": "netvet.db-status/1",
            "status": status,
            "data_age": data_age,
        }))?,
        Format::Table => print_status(&status, &data_age),
    }
    Ok(crate::EXIT_OK)
}

fn print_status(s: &netvet_vuln::store::Status, data: &netvet_model::AdvisoryData) {
    println!("index {}", s.path);
    println!(
        "  schema {}  changed {}  by netvet {}",
        s.schema_version, s.built, s.netvet_version
    );
    println!(
        "  {} advisories, {} package ranges, {} CPE ranges, {} KEV entries",
        s.advisories, s.package_ranges, s.cpe_ranges, s.kev_entries
    );
    println!("  data age:");
    for f in &data.feeds {
        println!(
            "    {:<8} {:>8} records  newest {}  fetched {}  imported {}  {} days old{}",
            f.feed,
            f.records,
            f.newest
                .as_deref()
                .and_then(|t| t.get(0..10))
                .unwrap_or("unknown"),
            f.fetched
                .as_deref()
                .and_then(|t| t.get(0..10))
                .unwrap_or("never"),
            f.imported.get(0..10).unwrap_or(&f.imported),
            f.age_days,
            if f.stale { "  STALE" } else { "" }
        );
    }
    for src in &s.sources {
        println!(
            "  {:<6} {:>8} records {:>4} skipped  newest {}  {}",
            src.kind,
            src.records,
            src.skipped,
            src.newest
                .as_deref()
                .and_then(|t| t.get(0..10))
                .unwrap_or("unknown"),
            src.name
        );
    }
    for w in &data.warnings {
        eprintln!("netvet: {w}");
    }
}

//! `netvet db import PATH...`, `netvet db update` and `netvet db status`: the local advisory
//! index.

use std::path::PathBuf;

use anyhow::Context;
use netvet_model::AdvisoryData;
use netvet_pipeline::index::location;
use netvet_report::terminal;
use netvet_vuln::advisory::Bounds;
use netvet_vuln::report::{DbImportReport, DbStatusReport, DbUpdateReport};
use netvet_vuln::{Index, age, update};

use crate::output::{self, Format};

/// Today (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    netvet_pipeline::today().to_string()
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
    /// Create or upgrade the service's database (`netvet serve` does this at every start).
    Migrate(MigrateArgs),
}

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// The service's data directory (its SQLite file is DATA_DIR/netvet.sqlite).
    #[arg(long, value_name = "DIR", default_value = "./netvet-data")]
    data_dir: PathBuf,
    /// Database URL (postgres://… or sqlite:…) instead of the data directory's SQLite file.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
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
        Command::Migrate(a) => migrate(a),
    }
}

fn migrate(a: MigrateArgs) -> anyhow::Result<u8> {
    let config = netvet_server::Config {
        database: a.database,
        ..netvet_server::Config::new(a.data_dir)
    };
    if config.database.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    }
    let url = config.database_url();
    let applied = netvet_server::migrate(&url)?;
    let versions: Vec<String> = applied.iter().map(i64::to_string).collect();
    eprintln!("netvet: {url}: migrations applied: {}", versions.join(", "));
    Ok(crate::EXIT_OK)
}

fn import(a: ImportArgs) -> anyhow::Result<u8> {
    let (path, _) = location(crate::config::db(a.db.as_deref()).as_deref());
    let outcome =
        netvet_vuln::staged::import_paths(&path, &a.paths, !a.no_builtin, &Bounds::default())?;
    let data_age = age::summarise(
        &outcome.status.path,
        &outcome.status.sources,
        &today(),
        age::DEFAULT_STALE_DAYS,
    );
    warn_age(&data_age);
    match output::choose(a.format, None, Format::Table, Format::Json) {
        Format::Json => output::emit_json(
            &DbImportReport::new(&outcome.imported, &outcome.status, &data_age),
            None,
        )?,
        Format::Table => output::emit_table(
            &terminal::db::import(&outcome.imported, &outcome.status, &data_age),
            None,
        )?,
    }
    Ok(crate::EXIT_OK)
}

fn update_feeds(a: UpdateArgs) -> anyhow::Result<u8> {
    let (path, _) = location(crate::config::db(a.db.as_deref()).as_deref());
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
        output::warn(
            "no OSV ecosystem named (--ecosystem NAME or --sbom FILE); distribution packages will not be matched",
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
    let report = update::update(&path, &opts, &mut |m| output::note(m))?;
    let data_age = age::summarise(
        &report.status.path,
        &report.status.sources,
        &today,
        age::DEFAULT_STALE_DAYS,
    );
    warn_age(&data_age);
    match output::choose(a.format, None, Format::Table, Format::Json) {
        Format::Json => output::emit_json(
            &DbUpdateReport::new(&report.feeds, &report.status, &data_age),
            None,
        )?,
        Format::Table => output::emit_table(
            &terminal::db::update(&report.feeds, &report.status, &data_age),
            None,
        )?,
    }
    Ok(crate::EXIT_OK)
}

fn status(a: StatusArgs) -> anyhow::Result<u8> {
    let (path, chosen) = location(crate::config::db(a.db.as_deref()).as_deref());
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
    let data_age = age::summarise(
        &status.path,
        &status.sources,
        &today(),
        age::DEFAULT_STALE_DAYS,
    );
    warn_age(&data_age);
    match output::choose(a.format, None, Format::Table, Format::Json) {
        Format::Json => output::emit_json(&DbStatusReport::new(&status, &data_age), None)?,
        Format::Table => output::emit_table(&terminal::db::status(&status, &data_age), None)?,
    }
    Ok(crate::EXIT_OK)
}

/// The data's warnings (samples only, stale feeds) go to stderr whatever the format.
fn warn_age(data: &AdvisoryData) {
    for w in &data.warnings {
        output::warn(w);
    }
}

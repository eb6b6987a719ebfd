//! The configuration file: defaults for flags people set every time. `--config FILE`, else
//! `$XDG_CONFIG_HOME/netvet/config.toml`, else `~/.config/netvet/config.toml`; a missing
//! default file is no configuration, a missing `--config` file is an error. Flags on the
//! command line win over the file; an unknown key is an error naming the file, line and key.
//!
//! ```toml
//! color = "auto"              # auto | always | never
//! db = "/srv/netvet/advisories.db"   # the advisory index (NETVET_DB and --db win)
//! currency = "EUR"            # money in network reports
//!
//! log_format = "text"        # text | json (NETVET_LOG_FORMAT and --log-format win)
//!
//! [scan]
//! fail_on = "high"
//! min_severity = "low"
//! suppress = ["netvet-suppress.toml"]   # relative to this file
//!
//! [serve]                     # `netvet serve`: flag > NETVET_* variable > this > default
//! listen = "127.0.0.1:8080"   # NETVET_LISTEN
//! data_dir = "/srv/netvet"    # NETVET_DATA_DIR; relative to this file
//! database = "postgres://netvet@localhost/netvet"   # NETVET_DATABASE
//! admin_password_file = "admin.pw"                  # NETVET_ADMIN_PASSWORD_FILE
//! workers = 2                 # NETVET_WORKERS
//! max_upload = "4G"           # NETVET_MAX_UPLOAD
//! ```

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Context;
use netvet_model::Severity;
use serde::Deserialize;

use crate::output::ColorChoice;

/// The largest configuration file read.
const MAX_BYTES: u64 = 1 << 20;

/// Defaults read from the configuration file.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `--color`.
    pub color: Option<ColorChoice>,
    /// `--db` of scan, vulns and db (after `NETVET_DB`).
    pub db: Option<PathBuf>,
    /// `--currency` of network reports (ISO 4217 code).
    pub currency: Option<String>,
    /// `--log-format` (after `NETVET_LOG_FORMAT`).
    pub log_format: Option<LogFormat>,
    /// Defaults of `netvet scan`.
    #[serde(default)]
    pub scan: ScanConfig,
    /// Settings of `netvet serve`.
    #[serde(default)]
    pub serve: ServeConfig,
    /// The file read, for messages (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// How logs are written on stderr.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON object per line (time, level, target, message, fields, request id).
    Json,
}

/// Settings of `netvet serve` (`[serve]`); each has a flag and a `NETVET_*` variable that win.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// `--listen`, `NETVET_LISTEN`.
    pub listen: Option<String>,
    /// `--data-dir`, `NETVET_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--database`, `NETVET_DATABASE`.
    pub database: Option<String>,
    /// `--admin-password-file`, `NETVET_ADMIN_PASSWORD_FILE`.
    pub admin_password_file: Option<PathBuf>,
    /// `--workers`, `NETVET_WORKERS`.
    pub workers: Option<usize>,
    /// `--max-upload`, `NETVET_MAX_UPLOAD` (a size: 4096, 512M, 4G).
    pub max_upload: Option<String>,
}

/// Defaults of `netvet scan`.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// `--fail-on`.
    pub fail_on: Option<Severity>,
    /// `--min-severity`.
    pub min_severity: Option<Severity>,
    /// `--suppress` files, used when none is given on the command line.
    #[serde(default)]
    pub suppress: Vec<PathBuf>,
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// Where the configuration is read from when `--config` is not given.
fn default_path() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })
        .map(|d| d.join("netvet").join("config.toml"))
}

/// Reads the configuration (`explicit` from `--config`, else the default place) and keeps it
/// for [`get`].
pub fn load(explicit: Option<&Path>) -> anyhow::Result<()> {
    let config = match explicit {
        Some(p) => read(p)?,
        None => match default_path() {
            Some(p) if p.is_file() => read(&p)?,
            _ => Config::default(),
        },
    };
    let _ = CONFIG.set(config);
    Ok(())
}

/// The configuration read by [`load`] (empty before).
pub fn get() -> &'static Config {
    CONFIG.get_or_init(Config::default)
}

/// Reads and checks one configuration file; relative paths in it are taken from its folder.
pub fn read(path: &Path) -> anyhow::Result<Config> {
    let file = path.display().to_string();
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {file}"))?;
    if meta.len() > MAX_BYTES {
        anyhow::bail!(
            "{file}: a configuration file of {} bytes is larger than the {MAX_BYTES} accepted",
            meta.len()
        );
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {file}"))?;
    let mut config = parse(&file, &text)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    if let Some(db) = &config.db {
        config.db = Some(dir.join(db));
    }
    for s in &mut config.scan.suppress {
        *s = dir.join(&*s);
    }
    if let Some(d) = &config.serve.data_dir {
        config.serve.data_dir = Some(dir.join(d));
    }
    if let Some(f) = &config.serve.admin_password_file {
        config.serve.admin_password_file = Some(dir.join(f));
    }
    config.path = Some(path.to_path_buf());
    if let Some(c) = &config.currency
        && (c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        anyhow::bail!("{file}: currency {c:?} is not an ISO 4217 code such as EUR or USD");
    }
    Ok(config)
}

/// Parses configuration text; errors name `file`, the line and the key.
fn parse(file: &str, text: &str) -> anyhow::Result<Config> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text.as_bytes()
                .iter()
                .take(s.start)
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        });
        anyhow::anyhow!("{file}:{line}: {}", e.message())
    })
}

/// The advisory index to use: the flag, else `NETVET_DB` (left to the pipeline), else the
/// configuration's.
pub fn db(flag: Option<&Path>) -> Option<PathBuf> {
    match flag {
        Some(p) => Some(p.to_path_buf()),
        None if std::env::var_os("NETVET_DB").is_some_and(|v| !v.is_empty()) => None,
        None => get().db.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn keys_are_read_and_unknown_ones_are_named() {
        let c = parse(
            "c.toml",
            "color = \"never\"\ncurrency = \"USD\"\n[scan]\nfail_on = \"high\"\nmin_severity = \"low\"\nsuppress = [\"s.toml\"]\n",
        )
        .unwrap();
        assert_eq!(c.color, Some(ColorChoice::Never));
        assert_eq!(c.scan.fail_on, Some(Severity::High));
        assert_eq!(c.scan.min_severity, Some(Severity::Low));
        assert_eq!(c.scan.suppress, vec![PathBuf::from("s.toml")]);
        let e = parse("c.toml", "color = \"never\"\ncolour = \"never\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml:2: ") && e.contains("colour"), "{e}");
        let e = parse("c.toml", "[scan]\nfail-on = \"high\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml:2: ") && e.contains("fail-on"), "{e}");
        let e = parse("c.toml", "[serve]\nlisten = \"127.0.0.1:1\"\nport = 8080\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml:3: ") && e.contains("port"), "{e}");
        let c = parse(
            "c.toml",
            "log_format = \"json\"\n[serve]\nworkers = 3\nmax_upload = \"1G\"\n",
        )
        .unwrap();
        assert_eq!(c.log_format, Some(LogFormat::Json));
        assert_eq!(c.serve.workers, Some(3));
        assert_eq!(c.serve.max_upload.as_deref(), Some("1G"));
        let e = parse("c.toml", "[scan]\nfail_on = \"severe\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml:2: "), "{e}");
    }
}

//! `netvet serve`: the REST API, the store and the analysis workers in one process.
//!
//! Every setting comes from, in this order of precedence: its flag, its `NETVET_*`
//! environment variable, the `[serve]` table of the configuration file (`--config`), and
//! the default (`./netvet-data`, 127.0.0.1:8080, SQLite in the data directory, one worker,
//! 4 GiB uploads). An empty variable counts as unset.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

use super::limits::{LimitArgs, parse_size};
use crate::config::{self, ServeConfig};

/// Serve the REST API (/api/v1, OpenAPI at /api/v1/openapi.json) with SQLite and a local
/// object store in the data directory; analyses run in-process. Settings: flag, else
/// NETVET_* variable, else the configuration file's [serve] table, else the default.
#[derive(clap::Args)]
pub struct Args {
    /// Where the database, the uploaded images and scratch space live [env: NETVET_DATA_DIR;
    /// default: ./netvet-data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Address to listen on (plain HTTP; put TLS in front for anything but loopback) [env:
    /// NETVET_LISTEN; default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,
    /// Database URL (postgres://… or sqlite:…) [env: NETVET_DATABASE; default:
    /// DATA_DIR/netvet.sqlite].
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// The first admin's password, read from this file (first start only) [env:
    /// NETVET_ADMIN_PASSWORD_FILE; default: a random one-time password printed on stderr].
    #[arg(long, value_name = "FILE")]
    admin_password_file: Option<PathBuf>,
    /// Analyses run at once [env: NETVET_WORKERS; default: 1].
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// On the first start (a new database), load the demo data set: organisations of every
    /// kind, a user per role (passwords printed once), the fictional product records and their
    /// firmware, analysed through the job queue.
    #[arg(long)]
    demo: bool,
    /// Run each analysis's unpack-and-scan step in a child process (this binary) with the
    /// limits below, so a crash or runaway on a hostile image fails that analysis only.
    #[arg(long)]
    analyse_in_child: bool,
    /// Address space of an analysis child process (RLIMIT_AS).
    #[arg(long, value_name = "SIZE", default_value = "8G", value_parser = parse_size)]
    child_max_memory: u64,
    /// CPU seconds of an analysis child process (RLIMIT_CPU).
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    child_max_cpu: u64,
    /// Wall-clock seconds before an analysis child process is killed (default: twice the
    /// unpacking --timeout, plus a minute).
    #[arg(long, value_name = "SECONDS")]
    child_timeout: Option<u64>,
    /// Largest firmware upload [env: NETVET_MAX_UPLOAD; default: 4G].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_upload: Option<u64>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The settings in effect, after flags, environment, file and defaults.
#[derive(Debug, PartialEq)]
struct Settings {
    data_dir: PathBuf,
    listen: SocketAddr,
    database: Option<String>,
    admin_password_file: Option<PathBuf>,
    workers: usize,
    max_upload: u64,
}

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = "./netvet-data";
const DEFAULT_WORKERS: usize = 1;
const DEFAULT_MAX_UPLOAD: u64 = 4 << 30;
/// More workers than this is a typing error, not a machine.
const MAX_WORKERS: usize = 256;

/// Where one setting's value came from, for error messages.
fn from_file(file: Option<&std::path::Path>, key: &str) -> String {
    match file {
        Some(f) => format!("{} [serve] {key}", f.display()),
        None => format!("[serve] {key}"),
    }
}

/// Resolves the settings: `args` (flags), else `env(NAME)`, else `file`, else the default.
/// Errors name the variable or the file and key that holds the bad value; the database URL
/// is never repeated (it may hold a password).
fn resolve(
    args: &Args,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ServeConfig,
    file_path: Option<&std::path::Path>,
) -> anyhow::Result<Settings> {
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let listen = match (args.listen, env("NETVET_LISTEN"), &file.listen) {
        (Some(a), _, _) => a,
        (None, Some(v), _) => v.parse().map_err(|_| {
            anyhow::anyhow!("NETVET_LISTEN={v:?} is not an address such as {DEFAULT_LISTEN}")
        })?,
        (None, None, Some(v)) => v.parse().map_err(|_| {
            anyhow::anyhow!(
                "{}: {v:?} is not an address such as {DEFAULT_LISTEN}",
                from_file(file_path, "listen")
            )
        })?,
        (None, None, None) => DEFAULT_LISTEN.parse().context("the default address")?,
    };
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| env("NETVET_DATA_DIR").map(PathBuf::from))
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let database = args
        .database
        .clone()
        .or_else(|| env("NETVET_DATABASE"))
        .or_else(|| file.database.clone());
    let admin_password_file = args
        .admin_password_file
        .clone()
        .or_else(|| env("NETVET_ADMIN_PASSWORD_FILE").map(PathBuf::from))
        .or_else(|| file.admin_password_file.clone());
    let workers = match (args.workers, env("NETVET_WORKERS"), file.workers) {
        (Some(n), _, _) => n,
        (None, Some(v), _) => v
            .parse()
            .map_err(|_| anyhow::anyhow!("NETVET_WORKERS={v:?} is not a number"))?,
        (None, None, Some(n)) => n,
        (None, None, None) => DEFAULT_WORKERS,
    };
    if workers == 0 || workers > MAX_WORKERS {
        anyhow::bail!("workers {workers}: between 1 and {MAX_WORKERS}");
    }
    let max_upload = match (args.max_upload, env("NETVET_MAX_UPLOAD"), &file.max_upload) {
        (Some(n), _, _) => n,
        (None, Some(v), _) => {
            parse_size(&v).map_err(|e| anyhow::anyhow!("NETVET_MAX_UPLOAD: {e}"))?
        }
        (None, None, Some(v)) => parse_size(v)
            .map_err(|e| anyhow::anyhow!("{}: {e}", from_file(file_path, "max_upload")))?,
        (None, None, None) => DEFAULT_MAX_UPLOAD,
    };
    Ok(Settings {
        data_dir,
        listen,
        database,
        admin_password_file,
        workers,
        max_upload,
    })
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let file = config::get();
    let settings = resolve(
        &args,
        &|name| std::env::var(name).ok(),
        &file.serve,
        file.path.as_deref(),
    )?;
    let admin_password = match &settings.admin_password_file {
        Some(f) => Some(
            std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        ),
        None => None,
    };
    let unpack = args.limits.options();
    let child_analysis = if args.analyse_in_child {
        let wall = args.child_timeout.unwrap_or_else(|| {
            unpack
                .limits
                .max_time
                .as_secs()
                .saturating_mul(2)
                .saturating_add(60)
        });
        Some(netvet_server::ChildAnalysis {
            program: std::env::current_exe().context("cannot find this program to re-run")?,
            max_memory: args.child_max_memory,
            max_cpu: std::time::Duration::from_secs(args.child_max_cpu),
            wall: std::time::Duration::from_secs(wall),
        })
    } else {
        None
    };
    let demo = if args.demo {
        Some(std::sync::Arc::new(super::demo::service_data()?))
    } else {
        None
    };
    let config = netvet_server::Config {
        demo,
        child_analysis,
        database: settings.database.clone(),
        admin_password,
        secure_cookies: netvet_server::secure_cookies_for(&settings.listen),
        max_upload: settings.max_upload,
        workers: settings.workers,
        unpack,
        ..netvet_server::Config::new(settings.data_dir.clone())
    };
    tracing::info!(
        listen = %settings.listen,
        data_dir = %settings.data_dir.display(),
        database = %netvet_server::redact_database_url(&config.database_url()),
        workers = settings.workers,
        max_upload = settings.max_upload,
        "starting"
    );
    netvet_server::run(config, settings.listen, |started| {
        if let Some(pw) = &started.admin_password {
            eprintln!(
                "netvet: created user \"admin\" with the one-time password {pw}\n        (shown only now; log in and create your own users)"
            );
        }
        if let Some(demo) = &started.demo {
            eprintln!(
                "netvet: loaded the demo data set: {} product records, {} firmware images queued for analysis; its users (passwords shown only now):",
                demo.products.len(),
                demo.analyses.len()
            );
            for u in &demo.users {
                eprintln!(
                    "        {:<10} {:<9} {:<36} {}",
                    u.name, u.role, u.organisation, u.password
                );
            }
        }
        if started.demo_skipped {
            eprintln!(
                "netvet: --demo: the database already holds users; the demo data set is loaded only into a new one"
            );
        }
        eprintln!(
            "netvet: serving http://{}/api/v1 (OpenAPI: /api/v1/openapi.json)",
            started.address
        );
    })?;
    Ok(crate::EXIT_OK)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    /// The arguments `flags` parse to.
    fn flags(flags: &[&str]) -> Args {
        use clap::Parser;
        let mut argv = vec!["serve"];
        argv.extend_from_slice(flags);
        Cli::try_parse_from(argv).unwrap().args
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn file() -> ServeConfig {
        ServeConfig {
            listen: Some("127.0.0.1:7000".into()),
            data_dir: Some("/file/data".into()),
            database: Some("postgres://file@localhost/netvet".into()),
            admin_password_file: Some("/file/pw".into()),
            workers: Some(3),
            max_upload: Some("1G".into()),
        }
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = resolve(&flags(&[]), &env_of(&[]), &ServeConfig::default(), None).unwrap();
        assert_eq!(
            s,
            Settings {
                data_dir: PathBuf::from("./netvet-data"),
                listen: "127.0.0.1:8080".parse().unwrap(),
                database: None,
                admin_password_file: None,
                workers: 1,
                max_upload: 4 << 30,
            }
        );
    }

    #[test]
    fn flag_beats_environment_beats_file_beats_default() {
        let env = env_of(&[
            ("NETVET_LISTEN", "127.0.0.1:7001"),
            ("NETVET_DATA_DIR", "/env/data"),
            ("NETVET_WORKERS", "5"),
            ("NETVET_MAX_UPLOAD", "2M"),
        ]);
        // File only where the environment is silent (database, password file).
        let s = resolve(&flags(&[]), &env, &file(), None).unwrap();
        assert_eq!(s.listen, "127.0.0.1:7001".parse().unwrap());
        assert_eq!(s.data_dir, PathBuf::from("/env/data"));
        assert_eq!(s.workers, 5);
        assert_eq!(s.max_upload, 2 << 20);
        assert_eq!(
            s.database.as_deref(),
            Some("postgres://file@localhost/netvet")
        );
        assert_eq!(s.admin_password_file, Some(PathBuf::from("/file/pw")));
        // Flags beat both.
        let args = flags(&[
            "--listen",
            "127.0.0.1:7002",
            "--data-dir",
            "/flag/data",
            "--database",
            "sqlite:/flag/db",
            "--workers",
            "2",
            "--max-upload",
            "10",
        ]);
        let s = resolve(&args, &env, &file(), None).unwrap();
        assert_eq!(s.listen, "127.0.0.1:7002".parse().unwrap());
        assert_eq!(s.data_dir, PathBuf::from("/flag/data"));
        assert_eq!(s.database.as_deref(), Some("sqlite:/flag/db"));
        assert_eq!((s.workers, s.max_upload), (2, 10));
        // The file beats the defaults; an empty variable counts as unset.
        let env = env_of(&[("NETVET_LISTEN", ""), ("NETVET_WORKERS", "")]);
        let s = resolve(&flags(&[]), &env, &file(), None).unwrap();
        assert_eq!(s.listen, "127.0.0.1:7000".parse().unwrap());
        assert_eq!((s.workers, s.max_upload), (3, 1 << 30));
    }

    #[test]
    fn bad_values_name_their_source_and_never_the_database_url() {
        let e = resolve(
            &flags(&[]),
            &env_of(&[("NETVET_LISTEN", "localhost")]),
            &ServeConfig::default(),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("NETVET_LISTEN=\"localhost\""), "{e}");
        let e = resolve(
            &flags(&[]),
            &env_of(&[("NETVET_WORKERS", "many")]),
            &ServeConfig::default(),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("NETVET_WORKERS="), "{e}");
        let bad = ServeConfig {
            max_upload: Some("4X".into()),
            database: Some("postgres://u:hunter2@db/netvet".into()),
            ..ServeConfig::default()
        };
        let e = resolve(
            &flags(&[]),
            &env_of(&[]),
            &bad,
            Some(Path::new("/etc/nv.toml")),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("/etc/nv.toml [serve] max_upload: "), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let zero = ServeConfig {
            workers: Some(0),
            ..ServeConfig::default()
        };
        let e = resolve(&flags(&[]), &env_of(&[]), &zero, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("between 1 and"), "{e}");
    }
}

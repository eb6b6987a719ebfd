//! `netvet serve`: the REST API, the store and the analysis workers in one process.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

use super::limits::{LimitArgs, parse_size};

/// Serve the REST API (/api/v1, OpenAPI at /api/v1/openapi.json) with SQLite and a local
/// object store in the data directory; analyses run in-process.
#[derive(clap::Args)]
pub struct Args {
    /// Where the database, the uploaded images and scratch space live.
    #[arg(long, value_name = "DIR", default_value = "./netvet-data")]
    data_dir: PathBuf,
    /// Address to listen on (plain HTTP; put TLS in front for anything but loopback).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Database URL (postgres://… or sqlite:…); default: DATA_DIR/netvet.sqlite.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// The first admin's password, read from this file (first start only); default: a
    /// random one-time password printed on stderr.
    #[arg(long, value_name = "FILE")]
    admin_password_file: Option<PathBuf>,
    /// Analyses run at once.
    #[arg(long, value_name = "N", default_value_t = 1)]
    workers: usize,
    /// Largest firmware upload.
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    max_upload: u64,
    #[command(flatten)]
    limits: LimitArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let admin_password = match &args.admin_password_file {
        Some(f) => Some(
            std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        ),
        None => None,
    };
    let config = netvet_server::Config {
        database: args.database.clone(),
        admin_password,
        secure_cookies: netvet_server::secure_cookies_for(&args.listen),
        max_upload: args.max_upload,
        workers: args.workers.max(1),
        unpack: args.limits.options(),
        ..netvet_server::Config::new(args.data_dir.clone())
    };
    netvet_server::run(config, args.listen, |started| {
        if let Some(pw) = &started.admin_password {
            eprintln!(
                "netvet: created user \"admin\" with the one-time password {pw}\n        (shown only now; log in and create your own users)"
            );
        }
        eprintln!(
            "netvet: serving http://{}/api/v1 (OpenAPI: /api/v1/openapi.json)",
            started.address
        );
    })?;
    Ok(crate::EXIT_OK)
}

//! Test support: a throwaway PostgreSQL cluster in a temporary directory, on a unix socket in
//! that directory (no TCP listener), stopped when dropped. Tests of this crate and of the
//! server run their suite against it as well as against SQLite.
//!
//! The binaries come from `PATH` or Debian's `/usr/lib/postgresql/*/bin`. When they are
//! missing, [`PgCluster::start`] returns `Ok(None)` and the caller skips with the reason printed
//! — unless `NETVET_REQUIRE_POSTGRES=1`, when it is an error. `initdb` refuses to run as
//! root, so as root the cluster runs as the `postgres` user (`runuser`), its directory
//! handed to that user.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A running throwaway cluster; dropped, it is stopped and its directory removed.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// Why the cluster could not start.
pub type StartError = String;

fn find_bin() -> Option<PathBuf> {
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_ctl").is_file())
        .collect();
    debian.sort();
    if let Some(b) = debian.pop() {
        return Some(b);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn id_of(flag: &str) -> Result<u32, StartError> {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .map_err(|e| format!("id {flag} postgres: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| "no postgres user to run the cluster as (initdb refuses root)".to_string())
}

fn free_port() -> Result<u16, StartError> {
    // The port only names the socket file (`.s.PGSQL.<port>`); TCP is off. Still pick one no
    // one listens on, in case a test turns TCP on.
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

impl PgCluster {
    /// Starts a cluster, or `Ok(None)` (reason printed) when PostgreSQL is not installed and
    /// `NETVET_REQUIRE_POSTGRES` is not `1`.
    pub fn start() -> Result<Option<PgCluster>, StartError> {
        let Some(bin) = find_bin() else {
            let why = "PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin";
            if std::env::var("NETVET_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                return Err(format!("{why}, and NETVET_REQUIRE_POSTGRES=1"));
            }
            eprintln!("skipping the PostgreSQL part: {why}");
            return Ok(None);
        };
        let dir = tempfile::Builder::new()
            .prefix("netvet-pg-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        let as_postgres = is_root();
        if as_postgres {
            let (uid, gid) = (id_of("-u")?, id_of("-g")?);
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", dir.path().display()))?;
        }
        let cluster = PgCluster {
            port: free_port()?,
            dir,
            bin,
            as_postgres,
        };
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        let options = format!(
            "-p {} -k {} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            cluster.port,
            cluster.socket_dir()
        );
        let log = cluster.dir.path().join("log").display().to_string();
        cluster.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        )?;
        Ok(Some(cluster))
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn socket_dir(&self) -> String {
        self.dir.path().display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), StartError> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .map_err(|e| format!("{}: {e}", exe.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
            Err(format!(
                "{tool} failed ({}): {}{}\n{log}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// The URL of database `name` in this cluster.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://postgres@localhost:{}/{name}?host={}",
            self.port,
            self.socket_dir()
        )
    }

    /// Creates a fresh, empty database and returns its URL.
    pub async fn fresh_database(&self) -> Result<String, StartError> {
        use sqlx::Connection;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed));
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url("postgres"))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .map_err(|e| format!("create database: {e}"))?;
        let _ = conn.close().await;
        Ok(self.url(&name))
    }

    /// The directory holding the cluster (its data, log and socket).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        if let Err(e) = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]) {
            eprintln!("stopping the test cluster: {e}");
        }
    }
}

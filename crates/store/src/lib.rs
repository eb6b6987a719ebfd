//! netvet's record: organisations, users, API tokens, sessions, product records, artifacts,
//! analyses, kept assessments, operator inventories, dossier revisions, catalogue overlays, verdict changes and the job queue, on SQLite (the default: one file, no server) or PostgreSQL
//! (for teams).
//!
//! Queries are written once with `$N` placeholders, which both SQLite and PostgreSQL accept,
//! and run through sqlx's `Any` driver; only the job claim differs by backend
//! ([`jobs`]). Each backend has its own migrations (`migrations/sqlite`, `migrations/postgres`),
//! embedded in the binary and applied by [`Store::open`].
//!
//! **Tenancy is enforced here**, not by callers: every method that touches an organisation's
//! objects takes the [`Actor`] asking and filters by it. Operators, vendors and labs see their
//! own organisation's objects; the regulator's roles (admin, analyst, decider, auditor) see
//! all; an auditor only reads. Another tenant's id gives [`Error::NotFound`], exactly as an id
//! that does not exist, so existence never leaks.

mod analyses;
mod assessments;
mod auth;
mod directory;
mod dossiers;
mod error;
mod housekeeping;
mod inventories;
pub mod jobs;
mod migrate;
mod overlays;
mod products;
mod rematch;
mod roles;
mod secret;
pub mod testing;

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

pub use analyses::{Analysis, AnalysisStatus, NewAnalysis};
pub use assessments::{
    AssessmentFilter, DECISIONS, DecisionCounts, NewAssessment, RoleDecision, StoredAssessment,
};
pub use auth::{ApiToken, NewSession, NewToken, SessionInfo, TokenScope};
pub use directory::{NewUser, Organisation, User};
pub use dossiers::{DossierChange, DossierEdit, DossierRevision, MAX_STORED_DOSSIERS};
pub use error::{Error, Result};
pub use housekeeping::{Pruned, QueueCounts, REVOKED_TOKEN_RETENTION};
pub use inventories::{
    Inventory, MAX_INVENTORY_BYTES, MAX_NETWORK_PRODUCTS, NetworkInputs, NewInventory,
};
pub use jobs::{Claim, Outcome};
pub use overlays::{NewOverlay, Overlay};
pub use products::{NewProduct, Product};
pub use rematch::{NewVerdictChange, REMATCH, VerdictChange};
pub use roles::{Actor, OrgKind, Role};
pub use secret::random_secret;

/// The database behind a [`Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A page of a list: at most `limit` rows after skipping `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub offset: u64,
}

impl Page {
    /// The most rows one page may hold.
    pub const MAX_LIMIT: u32 = 500;

    fn bounds(&self) -> (i64, i64) {
        (
            i64::from(self.limit.min(Page::MAX_LIMIT)),
            i64::try_from(self.offset).unwrap_or(i64::MAX),
        )
    }
}

impl Default for Page {
    fn default() -> Page {
        Page {
            limit: 50,
            offset: 0,
        }
    }
}

/// The record, shared by every request and worker (cheap to clone: a pool handle).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// How long a connection waits for SQLite's write lock before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

impl Store {
    /// Opens (and for SQLite creates) the database at `url_or_path` — a `postgres://` or
    /// `sqlite:` URL, or a path to an SQLite file — and applies the migrations.
    pub async fn open(url_or_path: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (options, backend) = connect_options(url_or_path)?;
        let options = options.disable_statement_logging();
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers go on while one writer writes; foreign keys are
                            // off by default in SQLite; the busy timeout queues writers.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute(sqlx::AssertSqlSafe(format!(
                                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"
                            )))
                            .await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await?
            }
        };
        let store = Store { pool, backend };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// True when the database answers (for readiness probes).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (waits for those in use to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Connection options for a URL or an SQLite path.
fn connect_options(url_or_path: &str) -> Result<(AnyConnectOptions, Backend)> {
    if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
        return Ok((AnyConnectOptions::from_str(url_or_path)?, Backend::Postgres));
    }
    let sqlite = if url_or_path.starts_with("sqlite:") {
        sqlx::sqlite::SqliteConnectOptions::from_str(url_or_path)?
    } else if url_or_path.contains("://") {
        return Err(Error::Invalid(format!(
            "database {url_or_path:?}: use a postgres:// or sqlite: URL, or a file path"
        )));
    } else {
        sqlx::sqlite::SqliteConnectOptions::new().filename(Path::new(url_or_path))
    };
    // The Any driver takes a URL; SQLite's own options render theirs (percent-encoding the
    // path), and the pragmas are set on each new connection (see `Store::open`).
    let url = sqlite.create_if_missing(true).to_url_lossy();
    Ok((AnyConnectOptions::from_url(&url)?, Backend::Sqlite))
}

/// Now, in Unix seconds.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Now, in Unix milliseconds (job leases).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

//! The advisory index: SQLite with indexed lookup rows (ecosystem + package name, CPE vendor +
//! product) pointing to advisories, their ranges kept as small JSON documents (grype's
//! handle-and-blob design). The `meta` table holds the schema version, build date and netvet
//! version; `sources` lists what was imported.
//!
//! Schema changelog (bump [`SCHEMA_VERSION`] on any change; old indexes must be re-imported):
//! - 1: advisories, packages, cpes, kev, sources, meta.
//! - 2: packages and cpes clustered by their lookup key (`WITHOUT ROWID`), so a product's
//!   ranges are read in one sequential scan (`seq`: the range's position in its advisory).
//! - 3: sources record the data's age: the newest modification time in their records, when
//!   and where `netvet db update` fetched them, and the SHA-256 of the imported content.
//!
//! Changes go through [`Staged`]: a copy of the index beside it, moved into place only when
//! every import succeeded, so a failed import never creates or changes the index.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use netvet_model::Severity;

use crate::advisory::{self, Advisory, Affected, Bounds, CpeRange, KevEntry, Parsed};
use crate::error::{Error, Result};

/// Schema version of indexes this build reads and writes.
pub const SCHEMA_VERSION: u32 = 3;

const SCHEMA: &str = "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources(name TEXT PRIMARY KEY, kind TEXT NOT NULL, records INTEGER NOT NULL,
                     skipped INTEGER NOT NULL, imported TEXT NOT NULL, newest TEXT,
                     fetched TEXT, origin TEXT, sha256 TEXT);
CREATE TABLE advisories(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, aliases TEXT NOT NULL,
                        summary TEXT, severity TEXT, cvss REAL, url TEXT, source TEXT NOT NULL);
CREATE TABLE packages(ecosystem TEXT NOT NULL, name TEXT NOT NULL, advisory INTEGER NOT NULL,
                      source TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
                      PRIMARY KEY(ecosystem, name, advisory, source, seq)) WITHOUT ROWID;
CREATE INDEX packages_by_advisory ON packages(advisory, source);
CREATE TABLE cpes(vendor TEXT NOT NULL, product TEXT NOT NULL, advisory INTEGER NOT NULL,
                  source TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
                  PRIMARY KEY(vendor, product, advisory, source, seq)) WITHOUT ROWID;
CREATE INDEX cpes_by_advisory ON cpes(advisory, source);
CREATE TABLE kev(cve TEXT PRIMARY KEY, date_added TEXT NOT NULL, name TEXT NOT NULL,
                 ransomware INTEGER NOT NULL);
";

/// An advisory's header as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct AdvisoryRow {
    pub id: String,
    pub aliases: Vec<String>,
    /// Shared with every match of the advisory.
    pub summary: Option<std::sync::Arc<str>>,
    pub severity: Option<Severity>,
    pub cvss: Option<f64>,
    pub url: Option<String>,
    /// The file (or `builtin:...`) it came from.
    pub source: String,
}

/// What `db status` shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Status {
    pub path: String,
    pub schema_version: u32,
    pub built: String,
    pub netvet_version: String,
    pub advisories: u64,
    pub package_ranges: u64,
    pub cpe_ranges: u64,
    pub kev_entries: u64,
    pub sources: Vec<SourceRow>,
}

/// One imported file or download.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct SourceRow {
    pub name: String,
    pub kind: String,
    pub records: u64,
    pub skipped: u64,
    /// When it was imported (RFC 3339, UTC).
    pub imported: String,
    /// The newest modification time among its records.
    pub newest: Option<String>,
    /// When `netvet db update` downloaded it.
    pub fetched: Option<String>,
    /// The URL it was downloaded from.
    pub origin: Option<String>,
    /// SHA-256 of the imported content (hex, lower case).
    pub sha256: Option<String>,
}

/// Where imported data came from, when it was downloaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The URL.
    pub origin: Option<String>,
    /// When the download finished (RFC 3339, UTC).
    pub fetched: Option<String>,
    /// SHA-256 of the content (hex, lower case).
    pub sha256: Option<String>,
}

/// What one import did.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct ImportStats {
    pub kind: String,
    pub advisories: u64,
    pub kev: u64,
    pub skipped: Vec<String>,
}

/// An opened advisory index.
pub struct Index {
    conn: Connection,
    path: String,
    /// The file of a read-only index ([`Index::open`]), which another connection may open.
    file: Option<std::path::PathBuf>,
}

fn db_err(path: &str) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |source| Error::Db {
        path: path.to_string(),
        source,
    }
}

/// Now as `YYYY-MM-DDTHH:MM:SSZ` (UTC), or `SOURCE_DATE_EPOCH` when set, for reproducible
/// builds of the index.
pub fn now_rfc3339() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    rfc3339(secs)
}

/// Seconds since 1970 as an RFC 3339 UTC time.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil conversion.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl Index {
    /// Opens an existing index read-only, checking its schema version.
    pub fn open(path: &Path) -> Result<Index> {
        let p = path.display().to_string();
        if !path.exists() {
            return Err(Error::Missing { path: p });
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(db_err(&p))?;
        // Pages are read into a page cache of at most 8 MiB per connection, not mapped: a
        // mapped index of 200,000 advisories (170 MB) counts, once touched, in the memory of a
        // process that runs up to four matching connections.
        conn.execute_batch("PRAGMA mmap_size = 0; PRAGMA cache_size = -8192;")
            .map_err(db_err(&p))?;
        let idx = Index {
            conn,
            path: p,
            file: Some(path.to_path_buf()),
        };
        idx.check_schema()?;
        Ok(idx)
    }

    /// A second read-only connection to the same file, for a matching worker; `None` for an
    /// index in memory or one opened for importing.
    pub fn reopen(&self) -> Option<Result<Index>> {
        self.file.as_deref().map(Index::open)
    }

    /// What identifies the index's content within a read transaction: its build date and
    /// last advisory. Two connections that see the same token read the same data.
    pub fn snapshot_token(&self) -> Result<(String, i64)> {
        let built = self.meta("built")?.unwrap_or_default();
        let last = self
            .conn
            .query_row("SELECT coalesce(max(rowid), 0) FROM advisories", [], |r| {
                r.get(0)
            })
            .map_err(db_err(&self.path))?;
        Ok((built, last))
    }

    /// Opens an index for importing, creating it (with its schema) when absent.
    pub fn create(path: &Path) -> Result<Index> {
        let p = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let fresh = !path.exists();
        let conn = Connection::open(path).map_err(db_err(&p))?;
        let idx = Index {
            conn,
            path: p,
            file: None,
        };
        if fresh {
            idx.init()?;
        } else {
            idx.check_schema()?;
        }
        Ok(idx)
    }

    /// An empty index in memory.
    pub fn in_memory() -> Result<Index> {
        let conn = Connection::open_in_memory().map_err(db_err(":memory:"))?;
        let idx = Index {
            conn,
            path: ":memory:".to_string(),
            file: None,
        };
        idx.init()?;
        Ok(idx)
    }

    /// An in-memory index of the built-in advisories (`advisories/` of the repository).
    pub fn builtin() -> Result<Index> {
        let mut idx = Index::in_memory()?;
        idx.path = "built-in advisories".to_string();
        idx.import_builtin()?;
        Ok(idx)
    }

    /// Imports the built-in advisories.
    pub fn import_builtin(&mut self) -> Result<Vec<ImportStats>> {
        crate::builtin::FILES
            .iter()
            .map(|(name, text)| {
                self.import(
                    &format!("builtin:{name}"),
                    text.as_bytes(),
                    &Bounds::default(),
                )
            })
            .collect()
    }

    /// The path it was opened from.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn init(&self) -> Result<()> {
        let e = db_err(&self.path);
        self.conn.execute_batch(SCHEMA).map_err(&e)?;
        let meta = [
            ("schema_version", SCHEMA_VERSION.to_string()),
            ("built", now_rfc3339()),
            ("netvet_version", env!("CARGO_PKG_VERSION").to_string()),
        ];
        for (k, v) in meta {
            self.conn
                .execute(
                    "INSERT INTO meta(key, value) VALUES (?1, ?2)",
                    params![k, v],
                )
                .map_err(&e)?;
        }
        Ok(())
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(db_err(&self.path))
    }

    fn check_schema(&self) -> Result<()> {
        let found = match self.meta("schema_version") {
            Ok(v) => v.unwrap_or_else(|| "none".to_string()),
            // Not our database at all, or a layout without a meta table.
            Err(_) => "unknown (no netvet meta table)".to_string(),
        };
        if found != SCHEMA_VERSION.to_string() {
            return Err(Error::Schema {
                path: self.path.clone(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    /// Parses and imports one advisory file (OSV, NVD CVE 2.0 or CISA KEV, by content).
    pub fn import(&mut self, name: &str, bytes: &[u8], bounds: &Bounds) -> Result<ImportStats> {
        let parsed = advisory::parse(name, bytes, bounds)?;
        self.import_parsed(name, parsed)
    }

    /// Imports already-parsed records, in one transaction. Re-importing a file replaces what
    /// it gave before; the same advisory from different files keeps the ranges of both.
    pub fn import_parsed(&mut self, name: &str, parsed: Parsed) -> Result<ImportStats> {
        self.import_with(name, parsed, &Provenance::default())
    }

    /// Imports parsed records with where they were downloaded from (see
    /// [`Index::import_parsed`]).
    pub fn import_with(
        &mut self,
        name: &str,
        parsed: Parsed,
        from: &Provenance,
    ) -> Result<ImportStats> {
        let path = self.path.clone();
        let e = db_err(&path);
        let tx = self.conn.transaction().map_err(&e)?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO advisories(id, aliases, summary, severity, cvss, url, source)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(id) DO UPDATE SET
                       aliases = excluded.aliases,
                       summary = coalesce(excluded.summary, summary),
                       severity = coalesce(excluded.severity, severity),
                       cvss = coalesce(excluded.cvss, cvss),
                       url = coalesce(excluded.url, url)
                     RETURNING rowid",
                )
                .map_err(&e)?;
            let mut del_pkg = tx
                .prepare_cached("DELETE FROM packages WHERE advisory = ?1 AND source = ?2")
                .map_err(&e)?;
            let mut del_cpe = tx
                .prepare_cached("DELETE FROM cpes WHERE advisory = ?1 AND source = ?2")
                .map_err(&e)?;
            let mut ins_pkg = tx
                .prepare_cached("INSERT OR REPLACE INTO packages(advisory, source, ecosystem, name, seq, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(&e)?;
            let mut ins_cpe = tx
                .prepare_cached("INSERT OR REPLACE INTO cpes(advisory, source, vendor, product, seq, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(&e)?;
            let mut ins_kev = tx
                .prepare_cached("INSERT OR REPLACE INTO kev(cve, date_added, name, ransomware) VALUES (?1, ?2, ?3, ?4)")
                .map_err(&e)?;
            for a in &parsed.advisories {
                let aliases = serde_json::to_string(&a.aliases).unwrap_or_else(|_| "[]".into());
                let rowid: i64 = upsert
                    .query_row(
                        params![
                            a.id,
                            aliases,
                            a.summary,
                            a.severity.map(|s| s.as_str()),
                            a.cvss,
                            a.url,
                            name
                        ],
                        |r| r.get(0),
                    )
                    .map_err(&e)?;
                del_pkg.execute(params![rowid, name]).map_err(&e)?;
                del_cpe.execute(params![rowid, name]).map_err(&e)?;
                for (seq, p) in a.affected.iter().enumerate() {
                    let data = serde_json::to_string(p).unwrap_or_default();
                    ins_pkg
                        .execute(params![rowid, name, p.ecosystem, p.name, seq as i64, data])
                        .map_err(&e)?;
                }
                for (seq, c) in a.cpes.iter().enumerate() {
                    let data = serde_json::to_string(c).unwrap_or_default();
                    ins_cpe
                        .execute(params![rowid, name, c.vendor, c.product, seq as i64, data])
                        .map_err(&e)?;
                }
            }
            for k in &parsed.kev {
                ins_kev
                    .execute(params![k.cve, k.date_added, k.name, k.ransomware])
                    .map_err(&e)?;
            }
            let records = parsed.advisories.len() + parsed.kev.len();
            tx.execute(
                "INSERT OR REPLACE INTO sources(name, kind, records, skipped, imported, newest, fetched, origin, sha256)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    name,
                    parsed.kind,
                    records as i64,
                    parsed.skipped.len() as i64,
                    now_rfc3339(),
                    parsed.newest,
                    from.fetched,
                    from.origin,
                    from.sha256
                ],
            )
            .map_err(&e)?;
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'built'",
                params![now_rfc3339()],
            )
            .map_err(&e)?;
        }
        tx.commit().map_err(&e)?;
        Ok(ImportStats {
            kind: parsed.kind.to_string(),
            advisories: parsed.advisories.len() as u64,
            kev: parsed.kev.len() as u64,
            skipped: parsed.skipped,
        })
    }

    /// Closes the connection, reporting what SQLite reports on closing.
    pub fn close(self) -> Result<()> {
        let path = self.path;
        self.conn
            .close()
            .map_err(|(_, source)| Error::Db { path, source })
    }

    /// The SHA-256 recorded for an imported source, if any (to skip unchanged downloads).
    pub fn source_sha256(&self, name: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT sha256 FROM sources WHERE name = ?1", [name], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(db_err(&self.path))
    }

    /// Speeds up a bulk build (no journal, no fsync): for a fresh index that can be rebuilt.
    pub fn bulk_mode(&self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .map_err(db_err(&self.path))
    }

    /// Runs `f` inside one read transaction: SQLite then takes its file lock once instead of
    /// once per query (matching makes tens of thousands of small queries).
    pub fn read<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let e = db_err(&self.path);
        self.conn.execute_batch("BEGIN DEFERRED").map_err(&e)?;
        let out = f();
        self.conn.execute_batch("COMMIT").map_err(&e)?;
        out
    }

    /// What is in the index.
    pub fn status(&self) -> Result<Status> {
        let e = db_err(&self.path);
        let count = |sql: &str| -> Result<u64> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(&e)
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, kind, records, skipped, imported, newest, fetched, origin, sha256
                 FROM sources ORDER BY name",
            )
            .map_err(&e)?;
        let sources = stmt
            .query_map([], |r| {
                Ok(SourceRow {
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    records: r.get::<_, i64>(2)? as u64,
                    skipped: r.get::<_, i64>(3)? as u64,
                    imported: r.get(4)?,
                    newest: r.get(5)?,
                    fetched: r.get(6)?,
                    origin: r.get(7)?,
                    sha256: r.get(8)?,
                })
            })
            .map_err(&e)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(&e)?;
        Ok(Status {
            path: self.path.clone(),
            schema_version: SCHEMA_VERSION,
            built: self.meta("built")?.unwrap_or_default(),
            netvet_version: self.meta("netvet_version")?.unwrap_or_default(),
            advisories: count("SELECT count(*) FROM advisories")?,
            package_ranges: count("SELECT count(*) FROM packages")?,
            cpe_ranges: count("SELECT count(*) FROM cpes")?,
            kev_entries: count("SELECT count(*) FROM kev")?,
            sources,
        })
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AdvisoryRow, String)> {
        let aliases: String = r.get(1)?;
        let severity: Option<String> = r.get(3)?;
        Ok((
            AdvisoryRow {
                id: r.get(0)?,
                aliases: serde_json::from_str(&aliases).unwrap_or_default(),
                summary: r.get::<_, Option<String>>(2)?.map(Into::into),
                severity: severity.and_then(|s| s.parse().ok()),
                cvss: r.get(4)?,
                url: r.get(5)?,
                source: r.get(6)?,
            },
            r.get(7)?,
        ))
    }

    /// CPE ranges for `vendor:product` without their advisories' headers: (advisory rowid,
    /// source file, range). The matcher fetches a header only when a range matches.
    pub fn cpe_ranges(&self, vendor: &str, product: &str) -> Result<Vec<(i64, String, CpeRange)>> {
        self.ranges(
            "SELECT advisory, source, data FROM cpes WHERE vendor = ?1 AND product = ?2",
            vendor,
            product,
        )
    }

    /// Ranges of package `name` of `ecosystem` without their advisories' headers: (advisory
    /// rowid, source file, affected entry).
    pub fn package_ranges(
        &self,
        ecosystem: &str,
        name: &str,
    ) -> Result<Vec<(i64, String, Affected)>> {
        self.ranges(
            "SELECT advisory, source, data FROM packages WHERE ecosystem = ?1 AND name = ?2",
            ecosystem,
            name,
        )
    }

    /// The ecosystems stored under a family: `Red Hat:enterprise_linux:9` has
    /// `Red Hat:enterprise_linux:9::baseos`, `...::appstream`... (Red Hat's ecosystems are its
    /// CPEs, one per product stream; a RHEL 9 image's packages come from several).
    pub fn ecosystems_under(&self, family: &str) -> Result<Vec<String>> {
        let e = db_err(&self.path);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT ecosystem FROM packages WHERE ecosystem >= ?1 AND ecosystem < ?2",
            )
            .map_err(&e)?;
        // Every string that starts with "F::" sorts in ["F::", "F:;").
        let rows = stmt
            .query_map(params![format!("{family}::"), format!("{family}:;")], |r| {
                r.get::<_, String>(0)
            })
            .map_err(&e)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(&e)?;
        Ok(rows)
    }

    /// Rows of (advisory, source, JSON data) for a two-column key; undecodable data is
    /// skipped.
    fn ranges<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        a: &str,
        b: &str,
    ) -> Result<Vec<(i64, String, T)>> {
        let e = db_err(&self.path);
        let mut stmt = self.conn.prepare_cached(sql).map_err(&e)?;
        let rows = stmt
            .query_map(params![a, b], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(&e)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(&e)?;
        Ok(rows
            .into_iter()
            .filter_map(|(a, s, d)| serde_json::from_str(&d).ok().map(|x| (a, s, x)))
            .collect())
    }

    /// The header of the advisory with this rowid.
    pub fn advisory_row(&self, rowid: i64) -> Result<Option<AdvisoryRow>> {
        let e = db_err(&self.path);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, aliases, summary, severity, cvss, url, source, '' FROM advisories WHERE rowid = ?1",
            )
            .map_err(&e)?;
        stmt.query_row([rowid], Index::row)
            .optional()
            .map(|r| r.map(|(a, _)| a))
            .map_err(e)
    }

    /// The KEV entry for a CVE id.
    pub fn kev(&self, cve: &str) -> Result<Option<KevEntry>> {
        let e = db_err(&self.path);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT cve, date_added, name, ransomware FROM kev WHERE cve = ?1")
            .map_err(&e)?;
        stmt.query_row([cve], |r| {
            Ok(KevEntry {
                cve: r.get(0)?,
                date_added: r.get(1)?,
                name: r.get(2)?,
                ransomware: r.get(3)?,
            })
        })
        .optional()
        .map_err(e)
    }

    /// Every CVE id in the KEV table (a small table, read once per match run).
    pub fn kev_ids(&self) -> Result<std::collections::HashSet<String>> {
        let e = db_err(&self.path);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT cve FROM kev")
            .map_err(&e)?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(&e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(&e)?;
        Ok(ids)
    }

    /// One advisory's header (for tests and tools).
    pub fn advisory(&self, id: &str) -> Result<Option<Advisory>> {
        let e = db_err(&self.path);
        let row = self
            .conn
            .query_row(
                "SELECT id, aliases, summary, severity, cvss, url, source, '' FROM advisories WHERE id = ?1",
                [id],
                Index::row,
            )
            .optional()
            .map_err(&e)?;
        Ok(row.map(|(a, _)| Advisory {
            id: a.id,
            aliases: a.aliases,
            summary: a.summary.map(|s| s.to_string()),
            severity: a.severity,
            cvss: a.cvss,
            url: a.url,
            affected: Vec::new(),
            cpes: Vec::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn another_schema_version_says_to_reimport() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        drop(Index::create(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE meta SET value = '0' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
        drop(conn);
        let err = Index::open(&path).err().unwrap().to_string();
        assert!(
            err.contains("schema 0") && err.contains("re-import"),
            "{err}"
        );
        assert!(Index::create(&path).is_err());

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE x(y)")
            .unwrap();
        let err = Index::open(&other).err().unwrap().to_string();
        assert!(
            err.contains("no netvet meta table") && err.contains("re-import"),
            "{err}"
        );

        let err = Index::open(&dir.path().join("none.db"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("netvet db import"), "{err}");
    }

    #[test]
    fn reimporting_a_file_replaces_its_rows() {
        let mut idx = Index::in_memory().unwrap();
        let osv = br#"{"id":"OSV-1","affected":[{"package":{"ecosystem":"Debian:12","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-1"}]}]}]}"#;
        idx.import("a.json", osv, &Bounds::default()).unwrap();
        idx.import("a.json", osv, &Bounds::default()).unwrap();
        assert_eq!(idx.package_ranges("Debian:12", "x").unwrap().len(), 1);
        idx.import("b.json", osv, &Bounds::default()).unwrap();
        assert_eq!(idx.package_ranges("Debian:12", "x").unwrap().len(), 2);
        let s = idx.status().unwrap();
        assert_eq!((s.advisories, s.package_ranges, s.sources.len()), (1, 2, 2));
    }
}

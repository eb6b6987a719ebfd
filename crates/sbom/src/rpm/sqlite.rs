//! rpm's SQLite database, `rpmdb.sqlite` (RHEL 9, Fedora 33+, openEuler, Yocto with rpm 4.16+):
//! the header blobs are the rows of `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`.
//!
//! The file is copied into memory and opened there (SQLite's `sqlite3_deserialize`, read-only);
//! nothing is written to disk and SQLite never sees a path. Only one fixed statement runs
//! (`SELECT hnum, blob FROM Packages`), and only after the schema says `Packages` is a plain
//! table; views, triggers and schema-defined functions are disabled (`DEFENSIVE`,
//! `TRUSTED_SCHEMA` off), and no value longer than [`MAX_BLOB`] is materialised (SQLite's
//! length limit, checked before it allocates).
//!
//! rpm keeps the database in WAL mode: the header says so (bytes 18 and 19 are 2), which an
//! in-memory copy cannot honour, so the copy is marked as a rollback-journal database. A
//! write-ahead log left next to the database (`rpmdb.sqlite-wal`, not empty) holds changes
//! not yet in the main file; the cataloger reports it.

use std::io::Read;
use std::ops::ControlFlow;

use rusqlite::limits::Limit;
use rusqlite::{Connection, MAIN_DB, config::DbConfig, types::ValueRef};

use super::{MAX_PROBLEMS, Malformed};

/// The SQLite file signature.
pub const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Longest value read from the database: far above any real header (the largest packages'
/// headers are a few MiB), far below what an allocation should be.
pub const MAX_BLOB: usize = 64 << 20;

fn bad(message: impl Into<String>) -> Malformed {
    Malformed {
        offset: None,
        message: message.into(),
    }
}

fn sql(e: rusqlite::Error) -> Malformed {
    bad(format!("SQLite: {e}"))
}

/// Opens the `size` bytes of `reader` as a read-only in-memory database.
fn open(mut reader: impl Read, size: usize) -> Result<Connection, Malformed> {
    let mut head = [0u8; 100];
    if size < head.len() {
        return Err(bad(format!("{size} bytes, too short for SQLite")));
    }
    reader
        .read_exact(&mut head)
        .map_err(|e| bad(format!("cannot read: {e}")))?;
    if &head[..16] != MAGIC {
        return Err(bad("no SQLite signature"));
    }
    // WAL (2) → rollback journal (1): the in-memory copy has no shared-memory index.
    for b in &mut head[18..20] {
        if *b == 2 {
            *b = 1;
        }
    }
    let mut conn = Connection::open_in_memory().map_err(sql)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_BLOB as i32)
        .map_err(sql)?;
    for (option, on) in [
        (DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        (DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false),
    ] {
        conn.set_db_config(option, on).map_err(sql)?;
    }
    conn.deserialize_read_exact(
        MAIN_DB,
        std::io::Cursor::new(head).chain(reader),
        size,
        true,
    )
    .map_err(|e| bad(format!("cannot load the database: {e}")))?;
    Ok(conn)
}

/// Calls `visit` with (hnum, header blob) of every row of `Packages` (at most `max_rows`);
/// returns the problems met on the way, or why the database cannot be read.
pub fn for_each(
    reader: impl Read,
    size: usize,
    max_rows: usize,
    mut visit: impl FnMut(u32, &[u8]) -> ControlFlow<()>,
) -> Result<Vec<Malformed>, Malformed> {
    let conn = open(reader, size)?;
    let kind: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT type, sql FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(sql)?;
    match kind {
        None => return Err(bad("a SQLite database without rpm's Packages table")),
        Some((t, s))
            if t != "table"
                || s.as_deref().is_some_and(|s| {
                    s.trim_start()
                        .to_ascii_uppercase()
                        .starts_with("CREATE VIRTUAL")
                }) =>
        {
            return Err(bad(format!("Packages is a {t}, not rpm's table")));
        }
        Some(_) => {}
    }
    // Sizes first (SQLite answers length() without loading the value), so an oversized or
    // unreadable row is skipped and the others are still read.
    let mut problems = Vec::new();
    let mut rows_found: Vec<(i64, i64, String)> = Vec::new();
    {
        let mut stmt = conn
            .prepare("SELECT hnum, length(blob), typeof(blob) FROM Packages")
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        loop {
            match rows.next() {
                Ok(Some(r)) => {
                    if rows_found.len() >= max_rows {
                        problems.push(bad(format!(
                            "more than {max_rows} packages; the rest not read"
                        )));
                        break;
                    }
                    let get = |i| r.get_ref(i).ok().and_then(|v| v.as_i64().ok());
                    let kind = r
                        .get_ref(2)
                        .ok()
                        .and_then(|v| v.as_str().ok())
                        .unwrap_or("")
                        .to_string();
                    match (get(0), get(1)) {
                        (Some(h), Some(n)) => rows_found.push((h, n, kind)),
                        _ => problems.push(bad("a Packages row without a number and a length")),
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    problems.push(bad(format!("SQLite, reading Packages: {e}")));
                    break;
                }
            }
        }
    }
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages WHERE hnum = ?1")
        .map_err(sql)?;
    for (hnum, len, kind) in rows_found {
        if problems.len() >= MAX_PROBLEMS {
            problems.push(bad(format!(
                "more than {MAX_PROBLEMS} problems; the rest of the database not read"
            )));
            break;
        }
        let Ok(key) = u32::try_from(hnum) else {
            problems.push(bad(format!("package {hnum}: hnum is not a 32-bit number")));
            continue;
        };
        if kind != "blob" {
            problems.push(bad(format!("package {hnum}: blob is a {kind}, not a BLOB")));
            continue;
        }
        if len as u64 > MAX_BLOB as u64 {
            problems.push(bad(format!(
                "package {hnum}: a {len}-byte header blob (at most {MAX_BLOB} bytes are read)"
            )));
            continue;
        }
        let flow = stmt.query_row([hnum], |r| {
            Ok(match r.get_ref(0)? {
                ValueRef::Blob(b) => Some(visit(key, b)),
                _ => None,
            })
        });
        match flow {
            Ok(Some(ControlFlow::Break(()))) => break,
            Ok(Some(ControlFlow::Continue(()))) => {}
            Ok(None) => problems.push(bad(format!("package {hnum}: blob is not a BLOB"))),
            Err(e) => problems.push(bad(format!("package {hnum}: SQLite: {e}"))),
        }
    }
    Ok(problems)
}

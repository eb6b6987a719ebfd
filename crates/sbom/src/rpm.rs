//! `rpm-db-cataloger`: the packages in every rpm database of the image, in the three formats
//! rpm has used, recognised by content wherever they sit in `/var/lib/rpm`,
//! `/usr/lib/sysimage/rpm` or `/usr/share/rpm`:
//!
//! - SQLite `rpmdb.sqlite` (rpm 4.16+: RHEL 9, Fedora 33+, openEuler, recent Yocto), [`sqlite`];
//! - Berkeley DB hash `Packages` (RHEL/CentOS up to 8, SUSE before 2021, older Yocto and Wind
//!   River Linux), read natively, [`bdb`];
//! - NDB `Packages.db` (SUSE since 2021), [`ndb`].
//!
//! Each record is a header blob ([`header`]): name, epoch, version, release, arch, source rpm,
//! licence, vendor, and the files the package installed, which merging (`merge.rs`) uses to make
//! the package and its binaries one component. Components follow syft's and the PURL spec's
//! rpm conventions: version `[epoch:]version-release`, PURL
//! `pkg:rpm/<namespace>/<name>@<version>-<release>?arch=&epoch=&upstream=<source rpm>&distro=<id>-<version_id>`
//! (namespace from [`crate::os::Distro::purl_namespace`]), the source package name as
//! the source package, and the distribution's OSV ecosystem when OSV has one
//! ([`crate::os`]).
//!
//! Databases are untrusted input: each is bounded by [`MAX_RPMDB_BYTES`], its packages by
//! [`MAX_PACKAGES`], file-list entries by [`MAX_FILES`] and the bytes of their paths by
//! [`MAX_FILE_BYTES`] (charged before a path is made); a damaged record is a problem naming
//! the file and offset, and cataloging goes on. `gpg-pubkey` entries (imported signing
//! keys, not software) are not components.

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::ops::ControlFlow;

use netvet_unpack::{Entry, Tree};

use crate::classifier::Classifiers;
use crate::installed::{Installed, Record, package};
use crate::os::Distro;

/// Cataloger id.
pub const ID: &str = "rpm-db-cataloger";

/// Largest rpm database read (bytes). Larger than other package databases: a RHEL 8 server's
/// Berkeley DB `Packages` is commonly 60-200 MB, an `rpmdb.sqlite` 10-60 MB.
pub const MAX_RPMDB_BYTES: u64 = 256 << 20;
/// Most packages read from one database.
pub const MAX_PACKAGES: usize = 200_000;
/// Most file-list entries kept from one database (a full server install has a few hundred
/// thousand); packages past the limit keep no file list.
pub const MAX_FILES: usize = 2_000_000;
/// Most bytes of file paths made from one database (a full server install makes some tens of
/// MiB).
pub const MAX_FILE_BYTES: usize = 256 << 20;
/// Most problems reported for one database; a file this damaged is not read further.
pub const MAX_PROBLEMS: usize = 1000;

/// Directories rpm keeps its database in (`%_dbpath`), image-relative.
const DB_DIRS: &[&str] = &["var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm"];
/// Database file names, one per format.
const DB_NAMES: &[&str] = &["rpmdb.sqlite", "Packages", "Packages.db"];

/// Why part of an rpm database cannot be read, and where (offset in the file, or in a header
/// blob for [`header`]; none when SQLite reports it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub offset: Option<u64>,
    pub message: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(o) => write!(f, "offset {o}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The database formats, told apart by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Sqlite,
    BerkeleyHash,
    Ndb,
}

/// The format of a file from its first 16 bytes, or why it is not an rpm database.
pub fn sniff(head: &[u8]) -> Result<Format, String> {
    if head.starts_with(sqlite::MAGIC) {
        return Ok(Format::Sqlite);
    }
    if head.starts_with(b"RpmP") {
        return Ok(Format::Ndb);
    }
    if let Some(m) = head.get(12..16) {
        let m = [m[0], m[1], m[2], m[3]];
        for v in [u32::from_le_bytes(m), u32::from_be_bytes(m)] {
            match v {
                0x0006_1561 => return Ok(Format::BerkeleyHash),
                0x0005_3162 => {
                    return Err(
                        "a Berkeley DB btree, not the hash database rpm keeps packages in".into(),
                    );
                }
                _ => {}
            }
        }
    }
    Err("not an rpm database (no SQLite, Berkeley DB hash or NDB signature)".into())
}

/// Package records of one database file: (record key, offset, header blob) to `visit`.
/// Returns the problems met, or why the file cannot be read at all.
pub fn read_db(
    tree: &Tree,
    e: &Entry,
    mut visit: impl FnMut(u32, u64, &[u8]) -> ControlFlow<()>,
) -> Result<Vec<Malformed>, String> {
    if e.size > MAX_RPMDB_BYTES {
        return Err(format!(
            "{} bytes, larger than the {MAX_RPMDB_BYTES} bytes an rpm database may have; not read",
            e.size
        ));
    }
    let head = tree.read_head(e, 16).map_err(|err| err.to_string())?;
    let malformed = |m: Malformed| m.to_string();
    match sniff(&head)? {
        Format::Sqlite => {
            let reader: Box<dyn Read + Send + '_> = tree.open(e).map_err(|err| err.to_string())?;
            sqlite::for_each(
                reader.take(e.size),
                e.size as usize,
                MAX_PACKAGES,
                |k, b| visit(k, 0, b),
            )
            .map_err(malformed)
        }
        Format::BerkeleyHash => {
            let data = tree.read(e).map_err(|err| err.to_string())?;
            let db = bdb::Db::open(&data).map_err(malformed)?;
            let mut odd_keys = Vec::new();
            let mut problems = db.for_each(|item| {
                let Ok(key) = <[u8; 4]>::try_from(&item.key[..]) else {
                    odd_keys.push(Malformed {
                        offset: Some(item.offset),
                        message: format!("a {}-byte key, not an rpm record number", item.key.len()),
                    });
                    return ControlFlow::Continue(());
                };
                // The database's byte order is the writer's, and so is its keys'.
                let key = if db.swapped() {
                    u32::from_be_bytes(key)
                } else {
                    u32::from_le_bytes(key)
                };
                // Record 0 holds the next free record number, not a package.
                if key == 0 {
                    return ControlFlow::Continue(());
                }
                visit(key, item.offset, &item.value)
            });
            problems.append(&mut odd_keys);
            Ok(problems)
        }
        Format::Ndb => {
            let data = tree.read(e).map_err(|err| err.to_string())?;
            ndb::for_each(&data, &mut visit).map_err(malformed)
        }
    }
}

/// Packages installed in every rpm database of the tree.
pub fn catalog(
    tree: &Tree,
    distros: &BTreeMap<String, Distro>,
    classifiers: &Classifiers,
    problems: &mut Vec<String>,
) -> Vec<Installed> {
    let mut out = Vec::new();
    for db in databases(tree) {
        let root = db.image_root();
        let distro = distros.get(root);
        let mut packages: Vec<(u32, header::Package)> = Vec::new();
        let mut bad_headers = Vec::new();
        let mut records = 0usize;
        let mut budget = header::Budget {
            entries: MAX_FILES,
            bytes: MAX_FILE_BYTES,
        };
        let result = read_db(tree, db, |key, offset, blob| {
            records += 1;
            if records > MAX_PACKAGES {
                bad_headers.push(format!(
                    "{}: more than {MAX_PACKAGES} package records; the rest not read",
                    db.path
                ));
                return ControlFlow::Break(());
            }
            if bad_headers.len() >= MAX_PROBLEMS {
                bad_headers.push(format!(
                    "{}: more than {MAX_PROBLEMS} damaged package records; the rest not read",
                    db.path
                ));
                return ControlFlow::Break(());
            }
            match header::package(blob, &mut budget) {
                Ok(p) => packages.push((key, p)),
                Err(m) => bad_headers.push(format!(
                    "{}: package record {key}{}: header blob {m}",
                    db.path,
                    if offset > 0 {
                        format!(" at offset {offset}")
                    } else {
                        String::new()
                    },
                )),
            }
            ControlFlow::Continue(())
        });
        match result {
            Ok(ps) => problems.extend(ps.into_iter().map(|m| format!("{}: {m}", db.path))),
            Err(why) => problems.push(format!("{}: {why}", db.path)),
        }
        problems.append(&mut bad_headers);
        let wal = format!("{}-wal", db.path);
        if let Some(w) = tree.get(&wal).filter(|w| w.size > 0) {
            problems.push(format!(
                "{}: {} bytes of write-ahead log not yet in the database; packages changed since rpm's last checkpoint are not read",
                w.path, w.size
            ));
        }
        packages.sort_by_key(|(k, _)| *k);
        if let Some((_, p)) = packages.iter().find(|(_, p)| p.files_over_budget) {
            problems.push(format!(
                "{}: more than {MAX_FILES} file-list entries or {MAX_FILE_BYTES} bytes of paths; {} and other packages keep no file list",
                db.path, p.name
            ));
        }
        for (_, p) in packages {
            if p.name == "gpg-pubkey" {
                continue;
            }
            let component = component(classifiers, &db.path, distro, &p);
            let files = p
                .files
                .iter()
                .map(|f| f.trim_start_matches('/'))
                .filter(|f| !f.is_empty())
                .map(|f| format!("{root}!/{f}"))
                .collect();
            out.push(Installed { component, files });
        }
    }
    out
}

/// The rpm database files of the tree (every image root, every known location).
fn databases(tree: &Tree) -> Vec<&Entry> {
    tree.entries()
        .iter()
        .filter(|e| {
            e.is_file()
                && e.path.rsplit_once("!/").is_some_and(|(_, rel)| {
                    DB_DIRS.iter().any(|d| {
                        rel.strip_prefix(d)
                            .and_then(|r| r.strip_prefix('/'))
                            .is_some_and(|n| DB_NAMES.contains(&n))
                    })
                })
        })
        .collect()
}

/// The component of one package.
fn component(
    classifiers: &Classifiers,
    db_path: &str,
    distro: Option<&Distro>,
    p: &header::Package,
) -> netvet_model::Component {
    let version = p.evr();
    let purl_version = format!("{}-{}", p.version, p.release);
    let epoch = p.epoch.map(|e| e.to_string()).unwrap_or_default();
    let upstream = p.source_rpm.clone().unwrap_or_default();
    let qualifiers = [("epoch", epoch.as_str()), ("upstream", upstream.as_str())];
    let mut props = BTreeMap::new();
    if let Some(v) = &p.vendor {
        props.insert("rpm:vendor".to_string(), v.clone());
    }
    if let Some(m) = &p.modularity_label {
        props.insert("rpm:modularitylabel".to_string(), m.clone());
    }
    if let Some(s) = &p.source_rpm {
        props.insert("rpm:sourcerpm".to_string(), s.clone());
    }
    let record = Record {
        cataloger: ID,
        db_path,
        purl_type: "rpm",
        default_namespace: "",
        name: &p.name,
        version: &version,
        arch: p.arch.as_deref().unwrap_or(""),
        source: p.source_name(),
        license: p.license.as_deref(),
        distro,
        purl_version: Some(&purl_version),
        qualifiers: &qualifiers,
    };
    package(classifiers, &record, props)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_by_content() {
        assert_eq!(sniff(b"SQLite format 3\0"), Ok(Format::Sqlite));
        assert_eq!(sniff(b"RpmP\0\0\0\0"), Ok(Format::Ndb));
        let mut bdb = [0u8; 16];
        bdb[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
        assert_eq!(sniff(&bdb), Ok(Format::BerkeleyHash));
        bdb[12..16].copy_from_slice(&0x0006_1561u32.to_be_bytes());
        assert_eq!(sniff(&bdb), Ok(Format::BerkeleyHash));
        bdb[12..16].copy_from_slice(&0x0005_3162u32.to_le_bytes());
        assert!(sniff(&bdb).unwrap_err().contains("btree"));
        assert!(sniff(b"hello").unwrap_err().contains("not an rpm database"));
    }
}

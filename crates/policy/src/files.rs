//! Sets of input files — a directory on disk or the data built into the binary — read with
//! size limits, in a stable order.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::limits::Limits;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// One input file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// How errors name the file: a path, or `builtin:<path in the workspace>`.
    pub name: String,
    /// Path relative to the set's root, `/`-separated.
    pub rel: String,
    pub text: String,
}

/// Files under one root, sorted by relative path.
#[derive(Clone, Debug)]
pub struct FileSet {
    /// The root as users know it (a directory, or `builtin:catalogue/de-2024`).
    pub root: String,
    pub files: Vec<SourceFile>,
}

impl FileSet {
    /// The built-in files under `prefix` (`catalogue/de-2024`, `dossiers`).
    pub fn builtin(prefix: &str) -> Option<FileSet> {
        let dir = format!("{prefix}/");
        let files: Vec<SourceFile> = embedded::FILES
            .iter()
            .filter_map(|(path, text)| {
                path.strip_prefix(&dir).map(|rel| SourceFile {
                    name: format!("builtin:{path}"),
                    rel: rel.to_string(),
                    text: text.to_string(),
                })
            })
            .collect();
        (!files.is_empty()).then(|| FileSet {
            root: format!("builtin:{prefix}"),
            files,
        })
    }

    /// Names of the built-in directories directly under `prefix` (`catalogue` → `de-2019`, …).
    pub fn builtin_children(prefix: &str) -> Vec<String> {
        let dir = format!("{prefix}/");
        let mut names: Vec<String> = embedded::FILES
            .iter()
            .filter_map(|(path, _)| {
                path.strip_prefix(&dir)?
                    .split_once('/')
                    .map(|(d, _)| d.to_string())
            })
            .collect();
        names.dedup();
        names
    }

    /// The files under `dir` whose names end in one of `extensions`, recursively.
    pub fn read_dir(dir: &Path, extensions: &[&str], limits: &Limits) -> Result<FileSet> {
        let mut paths = Vec::new();
        walk(dir, dir, extensions, &mut paths, limits)?;
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        let mut total = 0u64;
        for rel in paths {
            let path = dir.join(&rel);
            let file = read_text(&path, limits.max_file_bytes)?;
            total += file.len() as u64;
            if total > limits.max_total_bytes {
                return Err(Error::at(
                    dir.display().to_string(),
                    None,
                    format!(
                        "more than {} bytes of input files (limit)",
                        limits.max_total_bytes
                    ),
                ));
            }
            files.push(SourceFile {
                name: path.display().to_string(),
                rel,
                text: file,
            });
        }
        Ok(FileSet {
            root: dir.display().to_string(),
            files,
        })
    }

    /// Files whose relative path starts with `dir/` and ends with `.ext`, directly in `dir`.
    pub fn in_dir<'a>(
        &'a self,
        dir: &'a str,
        ext: &'a str,
    ) -> impl Iterator<Item = &'a SourceFile> {
        self.files.iter().filter(move |f| {
            f.rel
                .strip_prefix(dir)
                .and_then(|r| r.strip_prefix('/'))
                .is_some_and(|name| !name.contains('/') && name.ends_with(ext))
        })
    }

    pub fn get(&self, rel: &str) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.rel == rel)
    }
}

/// Reads a UTF-8 file of at most `max` bytes.
pub fn read_text(path: &Path, max: u64) -> Result<String> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > max {
        return Err(Error::at(
            path.display().to_string(),
            None,
            format!("file is {} bytes; the limit is {max}", meta.len()),
        ));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    String::from_utf8(bytes)
        .map_err(|e| Error::at(path.display().to_string(), None, format!("not UTF-8: {e}")))
}

fn walk(
    root: &Path,
    dir: &Path,
    extensions: &[&str],
    out: &mut Vec<String>,
    limits: &Limits,
) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path: PathBuf = entry.path();
        let kind = entry.file_type().map_err(io)?;
        // Symlinks are not followed: a data directory is a tree of plain files.
        if kind.is_dir() {
            walk(root, &path, extensions, out, limits)?;
        } else if kind.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
        {
            if out.len() >= limits.max_files {
                return Err(Error::at(
                    root.display().to_string(),
                    None,
                    format!("more than {} input files (limit)", limits.max_files),
                ));
            }
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
    Ok(())
}

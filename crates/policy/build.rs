//! Embeds the built-in data — `catalogue/`, `dossiers/` and `examples/products/` at the top of
//! the workspace — so `netvet assess --catalogue de-2024` works from any directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

const ROOTS: &[&str] = &["catalogue", "dossiers", "examples/products"];
const EXTENSIONS: &[&str] = &["toml", "rego"];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest.join("../..");
    let mut files = Vec::new();
    for root in ROOTS {
        let dir = workspace.join(root);
        println!("cargo:rerun-if-changed={}", dir.display());
        collect(&workspace, &dir, &mut files);
    }
    files.sort();
    let mut out = String::from(
        "/// Built-in data files: (path relative to the workspace, contents), sorted by path.\n\
         pub static FILES: &[(&str, &str)] = &[\n",
    );
    for rel in &files {
        let abs = workspace.join(rel);
        let abs = abs.canonicalize().unwrap_or(abs);
        writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .expect("writing to a String");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("embedded.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(workspace: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(workspace, &path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            let rel = path.strip_prefix(workspace).expect("under the workspace");
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
}

//! ELF hardening read by netvet against binutils' `readelf` on real Debian 12 binaries: every
//! ELF file of the packages `crates/sbom/tests/debian/fetch.sh` downloads (executables, shared
//! libraries, glibc's relocatable start files) must get the same kind, NX, PIE, RELRO, stack
//! canary and FORTIFY from `netvet_inspect::checks::hardening::analyse` as from readelf's
//! headers, program headers, dynamic section and symbol tables.
//!
//! The same files are the clean gate of the compiled-password check (`checks::authcmp`), and
//! so are Debian's 32-bit MIPS (mipsel) and ARM (armhf) builds of network daemons and libraries
//! (`mipsel/`, `armhf/`).
//!
//! The packages live in `target/debian-debs` (or `$NETVET_DEBIAN_DEBS`). Without them the test
//! says so and passes, unless `NETVET_REQUIRE_DEBS` is set (as `.ci/run` sets it).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use netvet_inspect::checks::hardening::analyse;

fn debs_dir() -> PathBuf {
    std::env::var_os("NETVET_DEBIAN_DEBS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debian-debs")
        })
}

/// What readelf says about one file, in netvet's terms.
#[derive(Debug, PartialEq, Eq)]
struct Properties {
    kind: String,
    nx: bool,
    pie: bool,
    relro: String,
    canary: bool,
    fortify: bool,
}

fn readelf(path: &Path) -> Properties {
    let out = Command::new("readelf")
        .args(["-W", "-h", "-l", "-d", "-s"])
        .arg(path)
        .env("LC_ALL", "C")
        .output()
        .expect("readelf (binutils) runs");
    assert!(out.status.success(), "readelf {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut e_type = "";
    let (mut interp, mut relro, mut stack) = (false, false, None::<bool>);
    let (mut bind_now, mut pie_flag) = (false, false);
    let mut table = "";
    let (mut dyn_imports, mut symtab) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if let Some(rest) = line.trim_start().strip_prefix("Type:") {
            e_type = rest.split_whitespace().next().unwrap_or("");
            continue;
        }
        if line.starts_with("Symbol table '") {
            table = if line.contains("'.dynsym'") {
                "dynsym"
            } else {
                "symtab"
            };
            continue;
        }
        match t.first().copied() {
            Some("INTERP") => interp = true,
            Some("GNU_RELRO") => relro = true,
            Some("GNU_STACK") => {
                // Type, offset, vaddr, paddr, filesz, memsz, flags (may hold spaces), align.
                let flags = t[6..t.len() - 1].concat();
                stack = Some(!flags.contains('E'));
            }
            _ => {}
        }
        if t.len() >= 3 && t[0].starts_with("0x") {
            match t[1] {
                "(FLAGS)" => bind_now |= t[2..].contains(&"BIND_NOW"),
                "(FLAGS_1)" => {
                    bind_now |= t[3..].contains(&"NOW");
                    pie_flag |= t[3..].contains(&"PIE");
                }
                _ => {}
            }
        }
        // Num: Value Size Type Bind Vis Ndx Name
        if !table.is_empty() && t.len() >= 8 && t[0].ends_with(':') && t[0] != "Num:" {
            let name = t[7].split('@').next().unwrap_or("").to_string();
            if name.is_empty() {
                continue;
            }
            if table == "dynsym" {
                if t[6] == "UND" && t[4] != "LOCAL" {
                    dyn_imports.push(name);
                }
            } else {
                symtab.push(name);
            }
        }
    }
    let kind = match e_type {
        "EXEC" => "executable",
        "DYN" if interp || pie_flag => "executable",
        "DYN" => "library",
        "REL" => "relocatable",
        _ => "other",
    };
    let imports = if dyn_imports.is_empty() {
        symtab
    } else {
        dyn_imports
    };
    let canary = imports.iter().any(|n| {
        matches!(
            n.as_str(),
            "__stack_chk_fail"
                | "__stack_chk_guard"
                | "__stack_smash_handler"
                | "__intel_security_cookie"
        )
    });
    let fortify = imports
        .iter()
        .any(|n| n.starts_with("__") && n.ends_with("_chk") && n != "__stack_chk_fail");
    Properties {
        kind: kind.to_string(),
        nx: stack.unwrap_or(false),
        pie: e_type == "DYN" && (interp || pie_flag),
        relro: match (relro, bind_now) {
            (false, _) => "none",
            (true, true) => "full",
            (true, false) => "partial",
        }
        .to_string(),
        canary,
        fortify,
    }
}

fn elf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            elf_files(&e.path(), out);
        } else if ft.is_file() {
            let mut magic = [0u8; 4];
            let is_elf = std::fs::File::open(e.path())
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
                .is_ok()
                && magic == *b"\x7fELF";
            if is_elf {
                out.push(e.path());
            }
        }
    }
}

/// Every ELF file of the fetched packages, unpacked into a temporary directory; `None` (the
/// test passes, saying so) without the packages unless `NETVET_REQUIRE_DEBS` is set.
fn debian_elf_files() -> Option<(tempfile::TempDir, Vec<PathBuf>, usize)> {
    elf_files_of(&debs_dir())
}

/// Every ELF file of the packages in `dir`, unpacked into a temporary directory.
fn elf_files_of(dir: &Path) -> Option<(tempfile::TempDir, Vec<PathBuf>, usize)> {
    let mut debs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "deb"))
                .collect()
        })
        .unwrap_or_default();
    if debs.is_empty() {
        assert!(
            std::env::var_os("NETVET_REQUIRE_DEBS").is_none(),
            "Debian packages missing in {}: run crates/sbom/tests/debian/fetch.sh",
            dir.display()
        );
        eprintln!("skipped: no Debian packages in {}", dir.display());
        return None;
    }
    debs.sort();
    let root = tempfile::tempdir().unwrap();
    for deb in &debs {
        let ok = Command::new("dpkg-deb")
            .arg("-x")
            .arg(deb)
            .arg(root.path())
            .status()
            .unwrap();
        assert!(ok.success(), "dpkg-deb -x {}", deb.display());
    }
    let mut files = Vec::new();
    elf_files(root.path(), &mut files);
    files.sort();
    Some((root, files, debs.len()))
}

#[test]
fn hardening_agrees_with_readelf_on_every_debian_elf_file() {
    let Some((root, files, deb_count)) = debian_elf_files() else {
        return;
    };
    let mut disagreements = Vec::new();
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    let mut with = [0usize; 5];
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let name = f.strip_prefix(root.path()).unwrap().display().to_string();
        let ours = match analyse(&name, &data, 0o755, None) {
            Ok(b) => Properties {
                kind: b.kind,
                nx: b.nx,
                pie: b.pie,
                relro: b.relro,
                canary: b.canary,
                fortify: b.fortify,
            },
            Err(e) => {
                disagreements.push(format!("{name}: netvet cannot parse it: {e}"));
                continue;
            }
        };
        let theirs = readelf(f);
        *kinds.entry(theirs.kind.clone()).or_default() += 1;
        for (i, p) in [
            theirs.nx,
            theirs.pie,
            theirs.relro == "full",
            theirs.canary,
            theirs.fortify,
        ]
        .into_iter()
        .enumerate()
        {
            with[i] += p as usize;
        }
        if ours != theirs {
            disagreements.push(format!("{name}:\n  netvet  {ours:?}\n  readelf {theirs:?}"));
        }
    }
    println!(
        "{} ELF files from {} packages: {kinds:?}; NX {}, PIE {}, full RELRO {}, canary {}, FORTIFY {}",
        files.len(),
        deb_count,
        with[0],
        with[1],
        with[2],
        with[3],
        with[4]
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(files.len() >= 200, "only {} ELF files", files.len());
    // Both answers of every property occur, so agreement is not agreement on a constant.
    for (i, n) in with.iter().enumerate() {
        assert!(
            *n > 0 && *n < files.len(),
            "property {i}: {n} of {}",
            files.len()
        );
    }
    for k in ["executable", "library", "relocatable"] {
        assert!(kinds.contains_key(k), "no {k} among {kinds:?}");
    }
}

/// The clean gate of the compiled-password check: no Debian program or library compares a
/// literal that could be a password beside its login strings (Debian's `login`, `su`,
/// `passwd`, `sshd`, PAM modules and OpenSSL are among them).
#[test]
fn no_compiled_password_in_debian_binaries() {
    let Some((root, files, _)) = debian_elf_files() else {
        return;
    };
    no_compiled_password_in(&root, &files, 200);
}

/// The same gate for 32-bit MIPS code: Debian's mipsel packages that `fetch.sh` downloads
/// into `mipsel/` (busybox, dropbear, OpenSSH, lighttpd, hostapd, `login`, `passwd`, libc…).
#[test]
fn no_compiled_password_in_debian_mipsel_binaries() {
    let Some((root, files, _)) = elf_files_of(&debs_dir().join("mipsel")) else {
        return;
    };
    no_compiled_password_in(&root, &files, 100);
}

/// And for 32-bit ARM code: Debian's armhf packages (Thumb-2) in `armhf/`.
#[test]
fn no_compiled_password_in_debian_armhf_binaries() {
    let Some((root, files, _)) = elf_files_of(&debs_dir().join("armhf")) else {
        return;
    };
    no_compiled_password_in(&root, &files, 100);
}

fn no_compiled_password_in(root: &tempfile::TempDir, files: &[PathBuf], at_least: usize) {
    let mut found = Vec::new();
    for f in files {
        let data = std::fs::read(f).unwrap();
        for c in netvet_inspect::checks::authcmp::compared_literals(&data) {
            found.push(format!(
                "{}: {c:?}",
                f.strip_prefix(root.path()).unwrap().display()
            ));
        }
    }
    assert!(files.len() >= at_least, "only {} ELF files", files.len());
    assert!(found.is_empty(), "{}", found.join("\n"));
}

//! Golden outputs of every subcommand on the sample devices (`examples/firmware/`) and the
//! built-in data, as of a fixed day: JSON documents and terminal tables. A change to any of
//! them shows as a diff here; `NETVET_BLESS=1` rewrites the files after a reviewed change.
//!
//! Every JSON document printed here, golden or not, is checked against its published schema
//! (`schemas/netvet/`); further runs cover the documents that have no golden file.
//!
//! The files were first written by the CLI before the pipeline moved into its own crate, and
//! the moved code had to reproduce them byte for byte (bar the differences the commit lists).

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

const AS_OF: &str = "2026-12-01";

/// Builds a sample device from its recipe into `dir`.
fn device(dir: &Path, recipe: &str, text: &str) -> PathBuf {
    let recipe = netvet_forge::recipe::Recipe::parse(recipe, text).unwrap();
    let (name, bytes) = recipe.build("sample").unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs netvet in `dir` with no advisory index configured (the built-in advisories).
fn netvet(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(args)
        .current_dir(dir)
        .env_remove("NETVET_DB")
        .env("XDG_CACHE_HOME", dir.join("cache"))
        // No configuration file and no terminal width from the caller's environment.
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("COLUMNS")
        .env("SOURCE_DATE_EPOCH", "1796083200")
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "netvet {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    support::validate_if_document(&format!("netvet {args:?}"), &text);
    text
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `actual` with the golden file `name` (or rewrites it when blessing); returns a
/// description of the difference.
fn check(name: &str, actual: &str) -> Option<String> {
    let path = golden_dir().join(name);
    if std::env::var_os("NETVET_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{name}: differs from line {}:\n  golden: {:?}\n  now:    {:?}",
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    ))
}

#[test]
fn every_subcommand_matches_its_golden_output() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let acme = device(
        dir,
        "acme-ru4400.toml",
        include_str!("../../../examples/firmware/acme-ru4400.toml"),
    );
    let northwind = device(
        dir,
        "northwind-nc5000.toml",
        include_str!("../../../examples/firmware/northwind-nc5000.toml"),
    );
    let (acme, northwind) = (
        acme.file_name().unwrap().to_str().unwrap().to_string(),
        northwind.file_name().unwrap().to_str().unwrap().to_string(),
    );
    let mut runs: Vec<(String, Vec<&str>)> = Vec::new();
    for (tag, img) in [("acme", acme.as_str()), ("northwind", northwind.as_str())] {
        for (what, args) in [
            ("identify.json", vec!["identify", img, "--format", "json"]),
            ("identify.txt", vec!["identify", img, "--format", "table"]),
            (
                "identify-entries.json",
                vec!["identify", img, "--entries", "--format", "json"],
            ),
            (
                "sbom.json",
                vec!["sbom", img, "--format", "json", "--as-of", AS_OF],
            ),
            (
                "sbom.txt",
                vec!["sbom", img, "--format", "table", "--as-of", AS_OF],
            ),
            (
                "sbom.cdx.json",
                vec!["sbom", img, "--format", "cyclonedx", "--as-of", AS_OF],
            ),
            (
                "vulns.json",
                vec!["vulns", img, "--format", "json", "--as-of", AS_OF],
            ),
            (
                "vulns.txt",
                vec!["vulns", img, "--format", "table", "--as-of", AS_OF],
            ),
            (
                "scan.json",
                vec!["scan", img, "--format", "json", "--as-of", AS_OF],
            ),
            (
                "scan.txt",
                vec!["scan", img, "--format", "table", "--as-of", AS_OF],
            ),
            (
                "scan.md",
                vec!["scan", img, "--format", "markdown", "--as-of", AS_OF],
            ),
        ] {
            runs.push((format!("{tag}-{what}"), args));
        }
    }
    for (name, args) in [
        (
            "catalogue-list.json",
            vec!["catalogue", "list", "--format", "json"],
        ),
        (
            "catalogue-list.txt",
            vec!["catalogue", "list", "--format", "table"],
        ),
        (
            "catalogue-check-uk-2022.json",
            vec!["catalogue", "check", "uk-2022", "--format", "json"],
        ),
        (
            "catalogue-check-uk-2022.txt",
            vec!["catalogue", "check", "uk-2022", "--format", "table"],
        ),
        (
            "dossier-check.json",
            vec!["dossier", "check", "--format", "json"],
        ),
        (
            "dossier-check.txt",
            vec!["dossier", "check", "--format", "table"],
        ),
        (
            "assess-uk-2022.txt",
            vec![
                "assess",
                "--catalogue",
                "uk-2022",
                "--as-of",
                AS_OF,
                "--format",
                "table",
            ],
        ),
        (
            "explain-uk-hw-5g.txt",
            vec![
                "assess",
                "--catalogue",
                "uk-2022",
                "--as-of",
                AS_OF,
                "--explain",
                "UK.HW.5G",
                "--format",
                "table",
            ],
        ),
        (
            "impact-de-2019-de-2024.json",
            vec![
                "impact", "--from", "de-2019", "--to", "de-2024", "--as-of", AS_OF, "--format",
                "json",
            ],
        ),
        (
            "impact-de-2019-de-2024.txt",
            vec![
                "impact", "--from", "de-2019", "--to", "de-2024", "--as-of", AS_OF, "--format",
                "table",
            ],
        ),
    ] {
        runs.push((name.to_string(), args));
    }
    let failures: Vec<String> = runs
        .iter()
        .filter_map(|(name, args)| {
            let text = netvet(dir, args);
            // Every golden JSON file but CycloneDX is a netvet document.
            if name.ends_with(".json") && !name.ends_with(".cdx.json") {
                support::assert_valid(name, &text);
            }
            check(name, &text)
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} outputs differ (NETVET_BLESS=1 rewrites them after review):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The documents without a golden file (large, or written elsewhere too): each is printed by
/// its subcommand on the sample devices and the built-in data, and must be valid against its
/// schema.
#[test]
fn documents_without_golden_files_match_their_schemas() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let acme = device(
        dir,
        "acme-ru4400.toml",
        include_str!("../../../examples/firmware/acme-ru4400.toml"),
    );
    let northwind = device(
        dir,
        "northwind-nc5000.toml",
        include_str!("../../../examples/firmware/northwind-nc5000.toml"),
    );
    let repo = support::repo_root();
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let (acme, northwind) = (path(&acme), path(&northwind));
    let unpacked = path(&dir.join("unpacked"));
    let evidence = path(&dir.join("evidence"));
    let index = path(&dir.join("index.db"));
    let advisories = path(&repo.join("advisories"));
    let inventory = path(&repo.join("examples/inventory/operators.csv"));
    let runs: Vec<(&str, Vec<&str>)> = vec![
        (
            "netvet.scan-set/1",
            vec![
                "scan",
                &acme,
                &northwind,
                "--format",
                "json",
                "--as-of",
                AS_OF,
                "--evidence-dir",
                &evidence,
            ],
        ),
        (
            "netvet.unpack/1",
            vec!["unpack", &acme, "--out", &unpacked, "--format", "json"],
        ),
        (
            "netvet.assessment/2",
            vec![
                "assess",
                "--catalogue",
                "uk-2022",
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
        ),
        (
            "netvet.explanation/1",
            vec![
                "assess",
                "--catalogue",
                "uk-2022",
                "--as-of",
                AS_OF,
                "--explain",
                "UK.HW.5G",
                "--format",
                "json",
            ],
        ),
        (
            "netvet.catalogue-tests/1",
            vec!["catalogue", "test", "uk-2022", "--format", "json"],
        ),
        (
            "netvet.network/1",
            vec![
                "network",
                "--inventory",
                &inventory,
                "--catalogue",
                "uk-2022",
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
        ),
        (
            "netvet.db-import/1",
            vec![
                "db",
                "import",
                &advisories,
                "--db",
                &index,
                "--format",
                "json",
            ],
        ),
        (
            "netvet.db-status/1",
            vec!["db", "status", "--db", &index, "--format", "json"],
        ),
    ];
    for (schema, args) in runs {
        let text = netvet(dir, &args);
        support::assert_valid(schema, &text);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["schema"], schema, "netvet {args:?}");
    }
    // The evidence `scan --evidence-dir` wrote: one scan report per image.
    let mut written = 0;
    for entry in std::fs::read_dir(&evidence).unwrap() {
        let file = entry.unwrap().path();
        let text = std::fs::read_to_string(&file).unwrap();
        support::assert_valid(&file.display().to_string(), &text);
        written += 1;
    }
    assert_eq!(written, 2);
}

//! End-to-end tests of `netvet diff` and `netvet equivalence` on the sample devices: every
//! format, the gates and their exit codes, the in-toto statement, and errors naming the file.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn device(dir: &Path, recipe: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/firmware")
        .join(recipe);
    let recipe =
        netvet_forge::recipe::Recipe::parse(recipe, &std::fs::read_to_string(path).unwrap())
            .unwrap();
    let (name, bytes) = recipe.build("sample").unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn netvet(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(args)
        .current_dir(dir)
        .env_remove("NETVET_DB")
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .unwrap();
    support::validate_if_document(
        &format!("netvet {args:?}"),
        &String::from_utf8_lossy(&out.stdout),
    );
    out
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn diff_of_two_releases_in_every_format_with_gates() {
    let d = tempfile::tempdir().unwrap();
    let clean = device(d.path(), "cobalt-gnb-7.0.toml");
    let planted = device(d.path(), "acme-gnb-4.2.toml");
    let (old, new) = (clean.to_str().unwrap(), planted.to_str().unwrap());
    let args = ["diff", old, new, "--as-of", "2026-12-01"];

    let json = netvet(d.path(), &[&args[..], &["--format", "json"]].concat());
    assert_eq!(
        json.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["schema"], "netvet.diff/1");
    assert_eq!(v["summary"]["listeners_added"], 2);
    assert!(
        v["listeners"]["added"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["port"]["number"] == 2323)
    );
    assert_eq!(v["accounts"]["added"][0]["name"], "service");

    let gated = netvet(
        d.path(),
        &[
            &args[..],
            &[
                "--format",
                "table",
                "--fail-on",
                "new-listener,new-account,finding=critical",
            ],
        ]
        .concat(),
    );
    assert_eq!(gated.status.code(), Some(1));
    let t = text(&gated);
    assert!(
        t.contains("FAIL: new listener: ") && t.contains("2323/tcp (telnet)"),
        "{t}"
    );
    assert!(t.contains("FAIL: new account: service"), "{t}");
    assert!(t.contains("Listeners (2)"), "{t}");

    // The other direction fixes what the first introduced: no gate trips.
    let back = netvet(
        d.path(),
        &[
            "diff",
            new,
            old,
            "--format",
            "json",
            "--fail-on",
            "new-listener,new-account",
        ],
    );
    assert_eq!(back.status.code(), Some(0));

    let md = text(&netvet(
        d.path(),
        &[&args[..], &["--format", "markdown"]].concat(),
    ));
    assert!(
        md.starts_with("# What changed: cobalt-gnb-7.0.bin → acme-gnb-4.2.bin"),
        "{md}"
    );
    assert!(md.contains("## Listeners (2)"), "{md}");

    let html = text(&netvet(
        d.path(),
        &[&args[..], &["--format", "html"]].concat(),
    ));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<th>old: cobalt-gnb-7.0.bin</th>"), "{html}");
    assert!(!html.contains("<script"));

    // A gate that does not exist is refused before any work.
    let bad = netvet(d.path(), &[&args[..], &["--fail-on", "new-thing"]].concat());
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown gate"));
}

#[test]
fn equivalence_verdicts_exit_codes_and_statement() {
    let d = tempfile::tempdir().unwrap();
    let a = device(d.path(), "acme-gnb-4.2.toml");
    let copy = d.path().join("deployed.bin");
    std::fs::copy(&a, &copy).unwrap();
    let statement = d.path().join("statement.json");
    let same = netvet(
        d.path(),
        &[
            "equivalence",
            a.to_str().unwrap(),
            copy.to_str().unwrap(),
            "--format",
            "json",
            "--attestation",
            statement.to_str().unwrap(),
        ],
    );
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&same.stdout).unwrap();
    assert_eq!(v["verdict"], "equivalent");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&statement).unwrap()).unwrap();
    assert_eq!(s["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(s["subject"][0]["digest"]["sha256"], v["tested"]["sha256"]);
    assert_eq!(s["predicate"]["verdict"], "equivalent");

    let other = device(d.path(), "cobalt-gnb-7.0.toml");
    let differs = netvet(
        d.path(),
        &[
            "equivalence",
            a.to_str().unwrap(),
            other.to_str().unwrap(),
            "--format",
            "table",
        ],
    );
    assert_eq!(differs.status.code(), Some(1));
    let t = text(&differs);
    assert!(t.contains("verdict: NOT-EQUIVALENT"), "{t}");
    assert!(t.contains("MATERIAL"), "{t}");
    assert!(t.contains("[squashfs]!/etc/passwd"), "{t}");

    let missing = netvet(d.path(), &["equivalence", a.to_str().unwrap(), "nope.bin"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.bin"));
}

fn sha256_of(path: &Path) -> String {
    let v: serde_json::Value = serde_json::from_slice(
        &Command::new(env!("CARGO_BIN_EXE_netvet"))
            .args(["identify", "--format", "json", path.to_str().unwrap()])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    v["images"][0]["sha256"].as_str().unwrap().to_string()
}

fn record(id: &str, version: &str, sha: &str, extra: &str) -> String {
    format!(
        "id = \"{id}\"\nvendor = \"acme\"\nname = \"Acme AR-5000 gNB (fictional)\"\nversion = \"{version}\"\n\
functions = [\"gNB\", \"AMF\"]\nfictional = true\n{extra}\n\n[[firmware]]\nimage = \"{id}.bin\"\nsha256 = \"{sha}\"\n"
    )
}

/// A release whose image an equivalence check proved equal to the certified predecessor's is
/// a tested build under DE.KAT.SUPPLYCHAIN; the assessment names the proof. Without the proof
/// it is not; a predecessor that does not exist is refused by name.
#[test]
fn a_certified_build_carries_forward_to_an_equivalent_release() {
    let d = tempfile::tempdir().unwrap();
    let certified = device(d.path(), "acme-gnb-4.2.toml");
    let mut bytes = std::fs::read(&certified).unwrap();
    bytes.extend(netvet_forge::recipe::noise(512, "release 4.3 signature"));
    let next = d.path().join("acme-gnb-4.3.bin");
    std::fs::write(&next, &bytes).unwrap();
    let (sha_a, sha_b) = (sha256_of(&certified), sha256_of(&next));

    let products = d.path().join("products");
    std::fs::create_dir_all(&products).unwrap();
    std::fs::write(
        products.join("a.toml"),
        record(
            "acme-gnb-4.2",
            "4.2",
            &sha_a,
            &format!(
                "\n[[certification]]\nscheme = \"NESAS-CCS-GI\"\nlab = \"Test Lab (fictional)\"\n\
date = 2026-01-10\nexpiry = 2028-01-10\nrelease = \"4.2\"\nfirmware_sha256 = [\"{sha_a}\"]"
            ),
        ),
    )
    .unwrap();
    std::fs::write(
        products.join("b.toml"),
        record(
            "acme-gnb-4.3",
            "4.3",
            &sha_b,
            "predecessor = \"acme-gnb-4.2\"",
        ),
    )
    .unwrap();
    let evidence = d.path().join("evidence");
    std::fs::create_dir_all(&evidence).unwrap();
    let assess = |dir: &Path| -> serde_json::Value {
        let out = netvet(
            d.path(),
            &[
                "assess",
                "--catalogue",
                "de-2025",
                "--products",
                products.to_str().unwrap(),
                "--evidence",
                dir.to_str().unwrap(),
                "--product",
                "acme-gnb-4.3",
                "--as-of",
                "2026-06-30",
                "--format",
                "json",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let supplychain = |v: &serde_json::Value| -> String {
        // netvet.assessment/2 stores each distinct result once; find the requirement's.
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["id"] == "DE.KAT.SUPPLYCHAIN")
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let before = supplychain(&assess(&evidence));
    assert!(before.contains("DE.KAT.SUPPLYCHAIN"), "{before}");
    assert!(!before.contains("proved equivalent"), "{before}");

    let eq = netvet(
        d.path(),
        &[
            "equivalence",
            certified.to_str().unwrap(),
            next.to_str().unwrap(),
            "-o",
            evidence.join("4.2-to-4.3.json").to_str().unwrap(),
        ],
    );
    assert_eq!(
        eq.status.code(),
        Some(0),
        "{}",
        std::fs::read_to_string(evidence.join("4.2-to-4.3.json")).unwrap_or_default()
    );
    let after = supplychain(&assess(&evidence));
    assert!(after.contains("\"pass\""), "{after}");
    assert!(
        after.contains("proved equivalent to the build tested for acme-gnb-4.2 release 4.2"),
        "{after}"
    );

    std::fs::write(
        products.join("b.toml"),
        record(
            "acme-gnb-4.3",
            "4.3",
            &sha_b,
            "predecessor = \"acme-gnb-4.1\"",
        ),
    )
    .unwrap();
    let bad = netvet(
        d.path(),
        &[
            "assess",
            "--products",
            products.to_str().unwrap(),
            "--catalogue",
            "de-2025",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("b.toml") && err.contains("acme-gnb-4.1"),
        "{err}"
    );
}

//! End-to-end tests of `netvet scan`: formats (JSON, SARIF valid against the OASIS schema,
//! Markdown), determinism, --fail-on, --checks, --baseline, --rules and rule errors.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs netvet; a netvet JSON document it prints is checked against its schema.
fn netvet(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(args)
        // No configuration file and no terminal width from the caller's environment.
        .env("XDG_CONFIG_HOME", "/nonexistent/netvet-test-config")
        .env_remove("COLUMNS")
        .output()
        .expect("netvet runs");
    support::validate_if_document(
        &format!("netvet {args:?}"),
        &String::from_utf8_lossy(&out.stdout),
    );
    out
}

/// Builds the fictional Acme sample device (planted problems) into `dir`.
fn acme(dir: &Path) -> PathBuf {
    let text = include_str!("../../../examples/firmware/acme-ru4400.toml");
    let recipe = netvet_forge::recipe::Recipe::parse("acme-ru4400.toml", text).unwrap();
    let (name, bytes) = recipe.build("acme-ru4400.toml").unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn scan_json(img: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "scan",
        "--format",
        "json",
        "--as-of",
        "2026-11-28",
        img.to_str().unwrap(),
    ];
    args.extend(extra);
    let out = netvet(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn checks(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn json_report_is_versioned_complete_and_deterministic() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let args = [
        "scan",
        "--format",
        "json",
        "--as-of",
        "2026-11-28",
        img.to_str().unwrap(),
    ];
    let a = netvet(&args);
    let b = netvet(&args);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout, "same input, same bytes");
    let doc: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(doc["schema"], "netvet.scan/1");
    let c = checks(&doc);
    for want in [
        "nv-service-unauthenticated-shell",
        "nv-account-default-password",
        "nv-account-extra-uid0",
        "nv-backdoor-signature",
        "nv-net-beacon",
        "nv-crypto-ssh-host-key",
        "nv-web-command-execution",
        "nv-secret-snmp-write-community",
    ] {
        assert!(c.iter().any(|x| x == want), "{want} missing from {c:?}");
    }
    // The SBOM and vulnerability stage ran in the same pass.
    let comps = doc["components"].as_array().unwrap();
    let openssl = comps.iter().find(|c| c["name"] == "openssl").unwrap();
    assert_eq!(openssl["version"], "1.0.1e");
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    let heartbleed = vulns.iter().find(|v| v["id"] == "CVE-2014-0160").unwrap();
    assert_eq!(heartbleed["known_exploited"], true);
    assert!(c.iter().any(|x| x == "nv-known-vulnerability"), "{c:?}");
    let telnet = doc["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "telnet")
        .unwrap();
    assert_eq!(telnet["authentication"], "none");
    assert_eq!(telnet["ports"][0]["number"], 2323);
}

/// What the official SARIF 2.1.0 schema says is wrong with `sarif`.
fn sarif_errors(sarif: &serde_json::Value) -> Vec<String> {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../report/tests/schemas/sarif-schema-2.1.0.json");
    // The published schema's `run.language` pattern ends in a stray `]?`, which JavaScript
    // engines tolerate and Rust's regex does not; use the pattern it means.
    let text = std::fs::read_to_string(schema_path).unwrap().replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let out = netvet(&[
        "scan",
        "--format",
        "sarif",
        "--as-of",
        "2026-11-28",
        img.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = sarif_errors(&sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    let json = scan_json(&img, &[]);
    assert_eq!(results.len(), json["findings"].as_array().unwrap().len());
    // Every result points at a rule of the run and says how bad it is.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["partialFingerprints"]["netvetFindingId/v1"].is_string());
    }
}

#[test]
fn markdown_lists_findings_and_services() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let out = netvet(&["scan", "--format", "markdown", img.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# netvet scan: acme-ru4400-2.1.7.bin"));
    assert!(
        text.contains("| critical | `nv-service-unauthenticated-shell` |"),
        "{text}"
    );
    assert!(text.contains("## Services"));
}

#[test]
fn fail_on_checks_baseline_and_evidence_dir() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let s = img.to_str().unwrap();
    assert_eq!(
        netvet(&["scan", "--format", "json", "--fail-on", "critical", s])
            .status
            .code(),
        Some(1)
    );
    // Only account checks.
    let doc = scan_json(&img, &["--checks", "accounts"]);
    assert!(
        checks(&doc).iter().all(|c| c.starts_with("nv-account-")),
        "{:?}",
        checks(&doc)
    );
    assert_eq!(
        netvet(&["scan", "--checks", "nonsense", s]).status.code(),
        Some(2)
    );
    // A baseline of the same image hides everything; the evidence file is a scan report.
    let ev = d.path().join("evidence");
    let out = netvet(&[
        "scan",
        "--format",
        "json",
        "--evidence-dir",
        ev.to_str().unwrap(),
        s,
    ]);
    let base = d.path().join("base.json");
    std::fs::write(&base, &out.stdout).unwrap();
    let again = scan_json(&img, &["--baseline", base.to_str().unwrap()]);
    assert!(again["findings"].as_array().unwrap().is_empty());
    // The same bytes under another name are the same image: the baseline still applies.
    let renamed = d.path().join("ru4400-as-delivered.img");
    std::fs::copy(&img, &renamed).unwrap();
    let again = scan_json(&renamed, &["--baseline", base.to_str().unwrap()]);
    assert!(
        again["findings"].as_array().unwrap().is_empty(),
        "{:?}",
        checks(&again)
    );
    let evidence_text =
        std::fs::read_to_string(ev.join("acme-ru4400-2.1.7.bin.scan.json")).unwrap();
    let evidence: serde_json::Value = serde_json::from_str(&evidence_text).unwrap();
    assert_eq!(evidence["schema"], "netvet.scan/1");
    support::assert_valid("the evidence file", &evidence_text);
}

#[test]
fn user_rules_match_and_broken_rules_name_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let rules = d.path().join("mine.yar");
    std::fs::write(
        &rules,
        "rule ru_oam_factory_reset {\n  meta:\n    description = \"ru-oam exposes factory_reset\"\n    severity = \"high\"\n  strings:\n    $a = \"factory_reset\"\n  condition:\n    $a\n}\n",
    )
    .unwrap();
    let doc = scan_json(
        &img,
        &["--rules", rules.to_str().unwrap(), "--checks", "user-rules"],
    );
    let f = &doc["findings"][0];
    assert_eq!(f["check"], "nv-user-rule");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["details"]["rule"], "user.ru_oam_factory_reset");
    assert!(
        f["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("/usr/bin/ru-oam")
    );

    let bad = d.path().join("bad.yar");
    std::fs::write(
        &bad,
        "rule broken {\n  strings:\n    $a = \"x\"\n  condition:\n    $a and\n}\n",
    )
    .unwrap();
    let out = netvet(&[
        "scan",
        "--rules",
        bad.to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yar:6:"), "{err}");
}

#[test]
fn unreadable_input_is_shown_in_every_format_and_fails_a_gate() {
    let d = tempfile::tempdir().unwrap();
    let empty = d.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    // Random bytes: compressed or encrypted by something no reader opens.
    let sealed = d.path().join("sealed.bin");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(&sealed, noise).unwrap();
    for img in [&empty, &sealed] {
        let s = img.to_str().unwrap();
        let table = netvet(&["scan", "--format", "table", "--fail-on", "low", s]);
        assert_eq!(table.status.code(), Some(3), "{s}");
        let text = String::from_utf8_lossy(&table.stdout);
        assert!(text.contains("NOT READ"), "{text}");
        assert!(
            String::from_utf8_lossy(&table.stderr).contains("covers nothing"),
            "{}",
            String::from_utf8_lossy(&table.stderr)
        );
        assert_eq!(scan_json(img, &[])["coverage"], "unreadable", "{s}");
        let md = netvet(&["scan", "--format", "markdown", s]);
        assert_eq!(md.status.code(), Some(0), "no gate, no failure");
        assert!(
            String::from_utf8_lossy(&md.stdout).contains("Nothing inside this input could be read")
        );
        let sarif: serde_json::Value =
            serde_json::from_slice(&netvet(&["scan", "--format", "sarif", s]).stdout).unwrap();
        assert_eq!(
            sarif["runs"][0]["invocations"][0]["executionSuccessful"],
            false
        );
    }
    // A gzip stream damaged a third of the way in: what was decoded is scanned, and the
    // table and JSON say the rest was not read.
    let text: String = (0..20_000)
        .map(|i| format!("line {i} of the update\n"))
        .collect();
    std::fs::write(d.path().join("update"), text).unwrap();
    let gz = Command::new("gzip")
        .args(["-n", "-k", "-9"])
        .arg(d.path().join("update"))
        .status()
        .unwrap();
    assert!(gz.success());
    let damaged = d.path().join("update.gz");
    let mut bytes = std::fs::read(&damaged).unwrap();
    let mid = bytes.len() / 3;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0xa5;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let s = damaged.to_str().unwrap();
    let table = netvet(&["scan", "--format", "table", s]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("NOT FULLY READ"), "{text}");
    assert!(text.contains("[truncated] layer 0: gzip"), "{text}");
    assert_eq!(scan_json(&damaged, &[])["coverage"], "partial");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    // About a megabyte of JSON: far more than a pipe holds, so the writer meets the closed end.
    let mut child = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(["assess", "--catalogue", "de-2024", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_missing_input_is_named_once_and_exits_2() {
    let o = netvet(&["scan", "/nonexistent/fw.bin"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("netvet: error:"))
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(line.matches("/nonexistent/fw.bin").count(), 1, "{line}");
    assert_eq!(
        line.matches("No such file or directory").count(),
        1,
        "{line}"
    );
    // A date that does not exist is a usage error.
    let o = netvet(&["scan", "--as-of", "2026-02-31", "/nonexistent/fw.bin"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such day"));
}

/// Runs `netvet scan` on `img` as a table with `env` set (and `NO_COLOR`, `COLUMNS` unset
/// unless given).
fn scan_table(img: &Path, extra: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netvet"));
    cmd.args(["scan", "--format", "table", "--as-of", "2026-11-28"])
        .arg(img)
        .args(extra)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .env("XDG_CONFIG_HOME", "/nonexistent/netvet-test-config");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn tables_fit_columns_and_colour_only_when_asked() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    // Piped with no COLUMNS: no width limit, so some lines are long; no colour.
    let piped = scan_table(&img, &[], &[]);
    assert!(piped.lines().any(|l| l.chars().count() > 100));
    assert!(!piped.contains('\x1b'));
    // COLUMNS=80: every line fits, long paths are cut in the middle, nothing is lost from
    // the findings' checks.
    let narrow = scan_table(&img, &[], &[("COLUMNS", "80")]);
    for line in narrow.lines() {
        assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
    }
    assert!(narrow.contains('…'), "{narrow}");
    for check in ["nv-backdoor-signature", "nv-account-empty-password"] {
        assert!(narrow.contains(check), "{check} missing at 80 columns");
    }
    // --color always colours severities even into a pipe and even with NO_COLOR (the flag
    // wins); auto never colours a pipe.
    let forced = scan_table(&img, &["--color", "always"], &[("NO_COLOR", "1")]);
    assert!(forced.contains("\x1b[1;31mCRITICAL\x1b[0m"), "{forced}");
    let never = scan_table(&img, &["--color", "never"], &[]);
    assert_eq!(never, piped);
}

#[test]
fn min_severity_hides_and_counts_what_it_hides() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let all = scan_json(&img, &[]);
    let all = all["findings"].as_array().unwrap();
    let high = scan_json(&img, &["--min-severity", "high"]);
    let shown = high["findings"].as_array().unwrap();
    let expected = all
        .iter()
        .filter(|f| ["critical", "high"].contains(&f["severity"].as_str().unwrap()))
        .count();
    assert_eq!(shown.len(), expected);
    assert!(shown.len() < all.len());
    let table = scan_table(&img, &["--min-severity", "high"], &[]);
    let n = all.len() - expected;
    assert!(
        table.contains(&format!(
            "{n} findings below high are not shown (--min-severity)"
        )),
        "{table}"
    );
    assert!(!table.contains("MEDIUM "));
}

#[test]
fn suppression_file_marks_findings_in_json_and_sarif_and_hides_them_in_tables() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let all = scan_json(&img, &[]);
    let findings = all["findings"].as_array().unwrap();
    let by_id = findings
        .iter()
        .find(|f| f["check"] == "nv-account-empty-password")
        .unwrap();
    let id = by_id["id"].as_str().unwrap();
    let shells = findings
        .iter()
        .filter(|f| f["check"] == "nv-web-command-execution")
        .count();
    assert!(shells > 0);
    let file = d.path().join("suppress.toml");
    std::fs::write(
        &file,
        format!(
            "# reviewed\n[[suppress]]\nid = \"{id}\"\nreason = \"factory account, removed by provisioning\"\n\n\
             [[suppress]]\ncheck = \"nv-web-command-execution\"\npath = \"/www/**\"\n\
             reason = \"debug CGI not installed\"\nexpires = \"2027-01-31\"\n\n\
             [[suppress]]\ncheck = \"nv-account-default-password\"\npath = \"/etc/shadow\"\n\
             reason = \"old waiver\"\nexpires = \"2026-01-01\"\n"
        ),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    // JSON: every finding kept, the suppressed ones marked with reason and place.
    let json = scan_json(&img, &["--suppress", f]);
    let marked: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("suppressed").is_some())
        .collect();
    assert_eq!(json["findings"].as_array().unwrap().len(), findings.len());
    assert_eq!(marked.len(), 1 + shells);
    let first = marked.iter().find(|m| m["id"] == id).unwrap();
    assert_eq!(
        first["suppressed"]["reason"],
        "factory account, removed by provisioning"
    );
    assert_eq!(first["suppressed"]["source"], format!("{f}:2"));
    // The expired entry suppresses nothing and is reported.
    let out = netvet(&[
        "scan",
        "--format",
        "json",
        "--as-of",
        "2026-11-28",
        "--suppress",
        f,
        img.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{f}:12: the suppression of nv-account-default-password at /etc/shadow expired on 2026-01-01")),
        "{stderr}"
    );
    // SARIF: the same results, the suppressed ones with an external suppression, valid.
    let out = netvet(&[
        "scan",
        "--format",
        "sarif",
        "--as-of",
        "2026-11-28",
        "--suppress",
        f,
        img.to_str().unwrap(),
    ]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = sarif_errors(&sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let suppressed: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1 + shells);
    for r in &suppressed {
        assert_eq!(r["suppressions"][0]["kind"], "external");
        assert!(r["suppressions"][0]["justification"].is_string());
    }
    // Table: left out and counted; a gate does not fire on them.
    let table = scan_table(&img, &["--suppress", f], &[]);
    assert!(!table.contains("nv-account-empty-password"), "{table}");
    let n = 1 + shells;
    assert!(
        table.contains(&format!(
            "{n} findings suppressed by the suppression file are not shown"
        )),
        "{table}"
    );
}

#[test]
fn a_bad_suppression_file_is_named_with_its_line() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let file = d.path().join("bad.toml");
    std::fs::write(
        &file,
        "[[suppress]]\ncheck = \"nv-net-url\"\nreason = \"docs\"\n",
    )
    .unwrap();
    let out = netvet(&[
        "scan",
        "--suppress",
        file.to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:1: an entry names either", file.display())),
        "{stderr}"
    );
}

#[test]
fn informational_findings_in_source_files_are_grouped_unless_verbose() {
    let d = tempfile::tempdir().unwrap();
    let mut recipe = String::from(
        "[device]\nvendor = \"Test (fictional)\"\nproduct = \"P\"\nversion = \"1\"\n\
         description = \"grouping\"\n\n[image]\nfile = \"grouping.bin\"\nlayout = \"flash\"\n\
         kernel = \"Linux version 4.19.90 (b@h) (gcc version 8.3.0) #1 SMP\"\narch = 22\n\n\
         [[files]]\npath = \"/etc/app.conf\"\ntext = \"server = http://conf.vendor.example/api\\n\"\n",
    );
    for i in 0..6 {
        recipe.push_str(&format!(
            "\n[[files]]\npath = \"/usr/lib/python3/mod{i}.py\"\n\
             text = \"# see http://docs{i}.python.example/ref\\n\"\n"
        ));
    }
    let recipe = netvet_forge::recipe::Recipe::parse("grouping.toml", &recipe).unwrap();
    let (name, bytes) = recipe.build("grouping.toml").unwrap();
    let img = d.path().join(name);
    std::fs::write(&img, bytes).unwrap();
    let urls = |doc: &serde_json::Value| -> Vec<serde_json::Value> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check"] == "nv-net-url")
            .cloned()
            .collect()
    };
    let all = urls(&scan_json(&img, &["--verbose"]));
    assert_eq!(all.len(), 7, "{all:#?}");
    let grouped = urls(&scan_json(&img, &[]));
    assert_eq!(grouped.len(), 2, "{grouped:#?}");
    let group = grouped
        .iter()
        .find(|f| f["details"]["grouped"] == 6)
        .unwrap();
    assert_eq!(group["details"]["files"], 6);
    assert_eq!(group["severity"], "info");
    assert!(grouped.iter().any(|f| {
        f["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("/etc/app.conf")
    }));
    // Suppressed findings are taken out before grouping: what is left is too few to group.
    let file = d.path().join("s.toml");
    std::fs::write(
        &file,
        "[[suppress]]\ncheck = \"nv-net-url\"\npath = \"/usr/lib/python3/mod?.py\"\nreason = \"vendored docs\"\n",
    )
    .unwrap();
    let kept = urls(&scan_json(&img, &["--suppress", file.to_str().unwrap()]));
    assert_eq!(kept.len(), 7);
    assert_eq!(
        kept.iter()
            .filter(|f| f.get("suppressed").is_some())
            .count(),
        6
    );
}

#[test]
fn configuration_file_gives_defaults_flags_win_and_unknown_keys_fail() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let home = d.path().join("xdg");
    std::fs::create_dir_all(home.join("netvet")).unwrap();
    std::fs::write(
        home.join("netvet/config.toml"),
        "color = \"always\"\n[scan]\nmin_severity = \"critical\"\n",
    )
    .unwrap();
    let xdg = home.to_str().unwrap();
    // From $XDG_CONFIG_HOME: only critical findings, coloured even into a pipe.
    let table = scan_table(&img, &[], &[("XDG_CONFIG_HOME", xdg)]);
    assert!(table.contains("\x1b[1;31mCRITICAL"), "{table}");
    assert!(!table.contains("HIGH"), "{table}");
    assert!(table.contains("below critical are not shown"), "{table}");
    // Flags win.
    let table = scan_table(
        &img,
        &["--min-severity", "high", "--color", "never"],
        &[("XDG_CONFIG_HOME", xdg)],
    );
    assert!(
        table.contains("HIGH ") && !table.contains('\x1b'),
        "{table}"
    );
    // --config names another file; an unknown key there is an error naming file and key.
    let bad = d.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[scan]\nmin_severity = \"low\"\nfail_one = \"high\"\n",
    )
    .unwrap();
    let out = netvet(&[
        "--config",
        bad.to_str().unwrap(),
        "scan",
        img.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:3: unknown field `fail_one`", bad.display())),
        "{stderr}"
    );
    // A missing --config file is an error too.
    let out = netvet(&[
        "--config",
        "/nonexistent/netvet.toml",
        "scan",
        img.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn identify_table_fits_80_columns_and_shows_dates_not_epoch_seconds() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let out = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(["identify", "--entries", "--format", "table"])
        .arg(&img)
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    for line in table.lines() {
        assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
    }
    assert!(table.contains("2023-11-14"), "{table}");
    assert!(!table.contains("created 1700000000"), "{table}");
}

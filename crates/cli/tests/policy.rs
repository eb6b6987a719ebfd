//! End-to-end tests of `netvet assess`, `impact`, `dossier check` and `catalogue`: the built
//! binary on the built-in data and on files written here.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs netvet; a netvet JSON document it prints is checked against its schema.
fn netvet(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .output()
        .expect("netvet runs");
    support::validate_if_document(
        &format!("netvet {args:?}"),
        &String::from_utf8_lossy(&out.stdout),
    );
    out
}

fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .display()
        .to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(o), stderr(o)))
}

#[test]
fn assess_runs_from_any_directory_on_built_in_data() {
    let o = netvet(&[
        "assess",
        "--catalogue",
        "de-2024",
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["schema"], "netvet.assessment/2");
    assert_eq!(
        r["catalogue"]["layers"],
        serde_json::json!(["de-2019", "de-2024"])
    );
    let verdict = |product: &str, role: &str| {
        r["assessments"]
            .as_array()
            .expect("array")
            .iter()
            .find(|a| a["product"] == product && a["role"] == role)
            .map(|a| {
                let v = &r["verdicts"][a["verdict"].as_u64().expect("verdict") as usize];
                (
                    v["decision"].as_str().unwrap_or("").to_string(),
                    v["deadline"].as_str().unwrap_or("").to_string(),
                )
            })
            .expect("assessment")
    };
    assert_eq!(
        verdict("huawei-5g-core", "core:AMF"),
        ("prohibit".into(), "2026-12-31".into())
    );
    assert_eq!(
        verdict("zte-management", "management:EMS"),
        ("prohibit".into(), "2029-12-31".into())
    );
    assert_eq!(
        verdict("ericsson-ran", "RAN:gNB").0,
        "allow-with-conditions"
    );
}

#[test]
fn evidence_makes_the_back_door_a_prohibition_and_fail_on_sets_the_exit_code() {
    let args = [
        "assess",
        "--catalogue",
        "de-2019",
        "--as-of",
        "2025-06-30",
        "--evidence",
    ];
    let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    a.push(repo("examples/evidence"));
    a.extend(
        [
            "--product",
            "acme-gnb-4.2",
            "--format",
            "json",
            "--fail-on",
            "prohibit",
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let o = netvet(&refs);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = json(&o);
    let a = &r["assessments"][0];
    assert_eq!(a["product"], "acme-gnb-4.2");
    assert_eq!(
        r["verdicts"][a["verdict"].as_u64().expect("verdict") as usize]["decision"],
        "prohibit"
    );
    let auth = a["requirements"]
        .as_array()
        .expect("array")
        .iter()
        .map(|i| &r["results"][i.as_u64().expect("position") as usize])
        .find(|q| q["id"] == "DE.KAT.AUTH")
        .expect("requirement");
    assert_eq!(auth["status"], "fail");
    let reasons = auth["reasons"].as_array().expect("reasons");
    let shell = reasons
        .iter()
        .find(|r| {
            r["message"]
                .as_str()
                .unwrap_or("")
                .contains("telnet gives a shell without authentication on port 2323")
        })
        .unwrap_or_else(|| panic!("{auth}"));
    // The reason points at the scan of the image, by its digest.
    let scan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("examples/evidence/acme-gnb-4.2.json")).expect("evidence"),
    )
    .expect("json");
    let digest = scan["image"]["sha256"].as_str().expect("digest");
    assert!(
        shell["evidence"][0]
            .as_str()
            .expect("ref")
            .starts_with(&format!("scan:{}", &digest[..8])),
        "{auth}"
    );
}

#[test]
fn the_document_written_to_a_file_is_the_one_printed_and_reads_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a.json");
    let args = [
        "assess",
        "--catalogue",
        "de-2024",
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
    ];
    let printed = netvet(&args);
    assert_eq!(printed.status.code(), Some(0), "{}", stderr(&printed));
    let mut to_file: Vec<&str> = args.to_vec();
    let path = file.display().to_string();
    to_file.extend(["-o", &path]);
    let o = netvet(&to_file);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let written = std::fs::read(&file).expect("written");
    assert_eq!(written, printed.stdout);
    // Each distinct result is written once: fewer results than requirement references.
    let r = json(&printed);
    let references: usize = r["assessments"]
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["requirements"].as_array().expect("list").len())
        .sum();
    let results = r["results"].as_array().expect("results").len();
    assert!(
        results * 2 < references,
        "{results} results, {references} references"
    );
    let report: netvet_model::AssessmentReport =
        serde_json::from_slice(&written).expect("reads back");
    assert_eq!(
        report.assessments.len(),
        r["assessments"].as_array().map_or(0, Vec::len)
    );
    assert_eq!(
        netvet_model::json::to_canonical_string(&report).expect("written again"),
        stdout(&printed)
    );
}

#[test]
fn the_same_inputs_give_byte_identical_json() {
    let a = netvet(&[
        "assess",
        "--catalogue",
        "uk-2022",
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
    ]);
    let b = netvet(&[
        "assess",
        "--catalogue",
        "uk-2022",
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
    ]);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn table_markdown_and_explain_outputs() {
    let o = netvet(&[
        "assess",
        "--catalogue",
        "de-2024",
        "--as-of",
        "2025-06-30",
        "--vendor",
        "huawei",
        "--format",
        "table",
    ]);
    let t = stdout(&o);
    assert!(
        t.contains("huawei-5g-core") && t.contains("prohibit") && t.contains("2026-12-31"),
        "{t}"
    );
    assert!(!t.contains("ericsson"), "filtered to huawei: {t}");

    let o = netvet(&[
        "assess",
        "--catalogue",
        "de-2024",
        "--as-of",
        "2025-06-30",
        "--product",
        "zte-zxun-uspp",
        "--format",
        "markdown",
    ]);
    let m = stdout(&o);
    assert!(m.starts_with("# Assessment under de-2024"), "{m}");
    assert!(
        m.contains("### core:UDM (critical): prohibit from 2026-12-31"),
        "{m}"
    );
    assert!(m.contains("| DE.BSIG.9b.2 | condition | fail |"), "{m}");

    let o = netvet(&[
        "assess",
        "--catalogue",
        "de-2024",
        "--as-of",
        "2025-06-30",
        "--product",
        "cobalt-gnb-7.0",
        "--explain",
        "DE.BSIG.9b.3",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = json(&o);
    assert_eq!(e["schema"], "netvet.explanation/1");
    assert_eq!(e["requirement"]["id"], "DE.BSIG.9b.3");
    assert!(
        e["rule"][0]["text"]
            .as_str()
            .expect("rule text")
            .contains("package netvet.requirements.de_bsig_9b_3")
    );
    // §9b(3) asks for the declaration; a home law that compels assistance is a risk
    // indicator for a ministry finding under §9b(4) and (5), never a failure by itself.
    assert_eq!(e["results"][0]["status"], "pass");
    let reasons: Vec<&str> = e["results"][0]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r["message"].as_str())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|m| m.contains("Risk indicators for a ministry finding under §9b(4) and (5)")),
        "{reasons:?}"
    );

    let o = netvet(&["assess", "--catalogue", "de-2024", "--explain", "DE.NOPE"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no requirement \"DE.NOPE\" in catalogue de-2024"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn impact_with_an_inventory_counts_elements_per_operator() {
    let inv = repo("examples/inventory/operators.csv");
    let o = netvet(&[
        "impact",
        "--from",
        "de-2019",
        "--to",
        "de-2024",
        "--inventory",
        &inv,
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
        "--fail-on-exclusion",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["schema"], "netvet.impact/1");
    let ops = r["inventory"]["operators"].as_array().expect("operators");
    let nordnetz = ops
        .iter()
        .find(|o| o["operator"] == "Nordnetz (fictional)")
        .expect("operator");
    assert_eq!(nordnetz["newly_prohibited"], 10);
    assert_eq!(r["inventory"]["unmatched"][0]["vendor"], "Acme");
    let t = netvet(&[
        "impact",
        "--from",
        "de-2019",
        "--to",
        "de-2024",
        "--inventory",
        &inv,
        "--as-of",
        "2025-06-30",
        "--format",
        "table",
    ]);
    assert!(stdout(&t).contains("Newly excluded:"), "{}", stdout(&t));
}

#[test]
fn impact_reports_bad_inventory_rows_and_strict_stops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p: PathBuf = dir.path().join("inv.csv");
    std::fs::write(&p, "operator,element_id,site,region,domain,function,vendor,product,version,installation_date\nOp,e1,s,r,core,AMF,Huawei,huawei-5g-core,1,2021-01-01\nOp,e2,s,r,core,gNB,Huawei,huawei-5g-core,1,2021-01-01\n").expect("write");
    let p = p.display().to_string();
    let o = netvet(&[
        "impact",
        "--from",
        "de-2019",
        "--to",
        "de-2024",
        "--inventory",
        &p,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("inv.csv:3: function: gNB is not deployed in the core domain"),
        "{}",
        stderr(&o)
    );
    assert_eq!(json(&o)["inventory"]["rejected_rows"], 1);
    let o = netvet(&[
        "impact",
        "--from",
        "de-2019",
        "--to",
        "de-2024",
        "--inventory",
        &p,
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("inv.csv:3: function"), "{}", stderr(&o));
}

#[test]
fn dossier_check_validates_and_reports_file_and_line() {
    let o = netvet(&["dossier", "check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json(&o);
    assert!(r["vendors"].as_array().expect("vendors").len() >= 16);

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("jurisdictions")).expect("mkdir");
    std::fs::write(
        dir.path().join("jurisdictions/xa.toml"),
        "[jurisdiction]\ncode = \"XA\"\nname = \"A (fictional)\"\nfictional = true\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("v.toml"), "[vendor]\nid = \"v\"\nname = \"V (fictional)\"\njurisdiction = \"XA\"\nfictional = true\nowner = \"nobody\"\n").expect("write");
    let o = netvet(&["dossier", "check", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("v.toml:6: unknown field `owner`"), "{e}");
}

#[test]
fn catalogue_commands() {
    let o = netvet(&["catalogue", "list", "--format", "json"]);
    let ids: Vec<String> = json(&o)["catalogues"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["reference"]["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(ids, ["de-2019", "de-2024", "de-2025", "se-2020", "uk-2022"]);

    // The catalogue in force: §9b BSIG (de-2024) until §41 BSIG (de-2025) replaced it.
    let in_force = |day: &str| {
        let o = netvet(&[
            "assess",
            "--jurisdiction",
            "DE",
            "--as-of",
            day,
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        json(&o)["catalogue"]["id"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(in_force("2025-06-30"), "de-2024");
    assert_eq!(in_force("2026-06-30"), "de-2025");
    let o = netvet(&["assess", "--jurisdiction", "FR", "--as-of", "2026-06-30"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no binding built-in catalogue"),
        "{}",
        stderr(&o)
    );

    let o = netvet(&["catalogue", "test", "de-2024", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let r = json(&o);
    assert_eq!(r["passed"], true);
    assert_eq!(
        r["catalogues"].as_array().expect("layers").len(),
        2,
        "de-2019 and de-2024 are tested"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("catalogue.toml"), "id = \"x\"\nversion = \"1\"\ntitle = \"x\"\njurisdiction = \"DE\"\neffective = 2025-01-01\nlegal_basis = [\"x\"]\nextends = \"de-2019\"\n").expect("write");
    std::fs::create_dir(dir.path().join("policy")).expect("mkdir");
    std::fs::write(
        dir.path().join("policy/bad.rego"),
        "package netvet.requirements.nope\n\nfail contains x if {\n",
    )
    .expect("write");
    let o = netvet(&["catalogue", "check", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.rego:"), "{}", stderr(&o));
}

#[test]
fn product_init_writes_a_template_that_checks_once_filled() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("products");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("airscale.toml");
    let f = file.to_str().unwrap();
    let out = netvet(&[
        "product",
        "init",
        f,
        "--vendor",
        "nokia",
        "--name",
        "Nokia AirScale \"BTS\"",
        "--functions",
        "gNB,DU",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("id = \"nokia-nokia-airscale-bts\""), "{text}");
    assert!(text.contains("functions = [\"gNB\", \"DU\"]"), "{text}");
    // A real vendor's record without sources is accepted: the sourcing rule is for the data
    // shipped with netvet.
    let out = netvet(&["product", "check", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 product record: valid"),
        "{}",
        stdout(&out)
    );
    // It can be assessed.
    let out = netvet(&[
        "assess",
        "--catalogue",
        "de-2024",
        "--products",
        dir.to_str().unwrap(),
        "--as-of",
        "2026-12-01",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Not overwritten without --force.
    let out = netvet(&["product", "init", f]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--force replaces it"),
        "{}",
        stderr(&out)
    );
    // The unfilled template does not pass for a product: it names what to fill.
    let out = netvet(&["product", "init", f, "--force"]);
    assert!(out.status.success());
    let out = netvet(&["product", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("vendor \"VENDOR-ID\" has no dossier"), "{err}");
    assert!(err.contains("functions is empty"), "{err}");
}

#[test]
fn every_table_fits_80_columns_when_columns_says_so() {
    let d = tempfile::tempdir().unwrap();
    let inv = repo("examples/inventory/operators.csv");
    let runs: [&[&str]; 8] = [
        &["catalogue", "list"],
        &["catalogue", "check", "de-2024"],
        &["dossier", "check"],
        &["assess", "--catalogue", "de-2024", "--as-of", "2026-12-01"],
        &[
            "assess",
            "--catalogue",
            "de-2024",
            "--as-of",
            "2026-12-01",
            "--explain",
            "DE.KAT.SUPPLYCHAIN",
        ],
        &[
            "impact",
            "--from",
            "de-2019",
            "--to",
            "de-2024",
            "--as-of",
            "2026-12-01",
        ],
        &["db", "status"],
        &[
            "network",
            "--inventory",
            &inv,
            "--catalogue",
            "uk-2022",
            "--as-of",
            "2026-12-01",
        ],
    ];
    for args in runs {
        let out = Command::new(env!("CARGO_BIN_EXE_netvet"))
            .args(args)
            .args(["--format", "table"])
            .env("COLUMNS", "80")
            .env("XDG_CACHE_HOME", d.path())
            .env("XDG_CONFIG_HOME", d.path())
            .env_remove("NETVET_DB")
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {}",
            stderr(&out)
        );
        let text = stdout(&out);
        assert!(!text.is_empty(), "{args:?}");
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: wider than 80: {line:?}"
            );
        }
    }
}

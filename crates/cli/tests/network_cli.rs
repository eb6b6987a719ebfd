//! End-to-end tests of `netvet network`: the built binary on the example inventory, on
//! inventories with bad rows written here, and the HTML report against the JSON.

mod support;

use std::path::Path;
use std::process::{Command, Output};

/// Runs netvet; a netvet JSON document it prints is checked against its schema.
fn netvet(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(args)
        .current_dir(std::env::temp_dir())
        // No configuration file (a configured currency) and no width from the environment.
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

fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .display()
        .to_string()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", text(&o.stdout), text(&o.stderr)))
}

const AS_OF: &str = "2026-12-02";

fn network(inventory: &str, catalogue: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "network",
        "--inventory",
        inventory,
        "--catalogue",
        catalogue,
        "--as-of",
        AS_OF,
    ];
    args.extend_from_slice(extra);
    netvet(&args)
}

#[test]
fn example_inventory_exposure_under_uk_2022() {
    let inv = repo("examples/inventory/operators.csv");
    let o = network(&inv, "uk-2022", &["--format", "json", "--no-plan"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["schema"], "netvet.network/1");
    assert_eq!(r["inventory"]["accepted"], 205);
    let t = &r["totals"];
    let sum = ["allowed", "conditional", "prohibited", "unassessed"]
        .iter()
        .map(|k| t[*k].as_u64().expect("count"))
        .sum::<u64>();
    assert_eq!(sum, t["elements"].as_u64().expect("elements"));
    // The operators add up to the totals.
    let ops = r["operators"].as_array().expect("operators");
    let prohibited: u64 = ops
        .iter()
        .map(|o| o["exposure"]["prohibited"].as_u64().expect("count"))
        .sum();
    assert_eq!(prohibited, t["prohibited"].as_u64().expect("count"));
    assert!(
        prohibited > 0,
        "uk-2022 excludes Huawei and ZTE from the core"
    );
    // Nordnetz's core is all Huawei: a single-vendor dependency with an HHI of 10,000.
    let nordnetz = ops
        .iter()
        .find(|o| o["operator"] == "Nordnetz (fictional)")
        .expect("Nordnetz");
    let core = nordnetz["slices"]
        .as_array()
        .expect("slices")
        .iter()
        .find(|s| s["dimension"] == "domain" && s["key"] == "core")
        .expect("core slice");
    assert_eq!(core["single_vendor"], "huawei");
    assert_eq!(core["hhi"], 10000.0);
    // The 35 % cap is a share rule that fails for Nordnetz's 40 % Huawei RAN.
    let cap = r["share_rules"]
        .as_array()
        .expect("share rules")
        .iter()
        .find(|s| s["requirement"] == "UK.HRV.CAP" && s["vendor"] == "huawei")
        .expect("the cap fails for huawei");
    assert!(
        cap["reasons"][0]["message"]
            .as_str()
            .expect("message")
            .contains("40 of 100 RAN elements"),
        "{cap}"
    );
    // The unknown product is counted, not dropped.
    let unassessed: u64 = r["unassessed"]
        .as_array()
        .expect("unassessed")
        .iter()
        .map(|u| u["elements"].as_u64().expect("count"))
        .sum();
    assert_eq!(unassessed, t["unassessed"].as_u64().expect("count"));
    assert!(unassessed > 0);
    // Verdicts name their evidence.
    let huawei_core = r["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .find(|v| v["product"]["id"] == "huawei-5g-core" && v["role"] == "core:AMF")
        .expect("huawei core verdict");
    assert_eq!(huawei_core["decision"], "prohibit");
    assert!(
        huawei_core["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|x| x["evidence"].as_array().is_some_and(|e| !e.is_empty())),
        "{huawei_core}"
    );
}

#[test]
fn plan_output_is_deterministic_and_fail_on_sets_the_exit_code() {
    let inv = repo("examples/inventory/operators.csv");
    let plan = repo("examples/inventory/plan.toml");
    let args = ["--format", "json", "--plan", plan.as_str()];
    let a = network(&inv, "uk-2022", &args);
    let b = network(&inv, "uk-2022", &args);
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert_eq!(a.stdout, b.stdout, "byte-identical output");
    let r = json(&a);
    let p = &r["plan"];
    assert_eq!(p["feasible"], true, "{}", p["shortfalls"]);
    assert_eq!(p["elements"], r["totals"]["prohibited"]);
    let steps: u64 = p["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["elements"].as_u64().expect("count"))
        .sum();
    assert_eq!(steps, p["elements"].as_u64().expect("count"));
    // No step is due after its deadline.
    for s in p["steps"].as_array().expect("steps") {
        let q = s["quarter"].as_str().expect("quarter");
        let d = s["deadline"].as_str().expect("deadline");
        let due = format!(
            "{}-Q{}",
            &d[..4],
            (d[5..7].parse::<u32>().expect("month") - 1) / 3 + 1
        );
        assert!(q <= due.as_str() || q == p["start"], "{s}");
    }
    let fail = network(
        &inv,
        "uk-2022",
        &["--format", "json", "--fail-on", "prohibited"],
    );
    assert_eq!(fail.status.code(), Some(1));
    let ok = network(
        &inv,
        "de-2019",
        &["--format", "json", "--fail-on", "prohibited"],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
}

#[test]
fn too_few_crews_make_the_plan_infeasible_and_say_what_is_short() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[[capacity]]\noperator = \"*\"\nelements_per_quarter = 1\n",
    )
    .expect("write");
    let inv = repo("examples/inventory/operators.csv");
    let o = network(
        &inv,
        "uk-2022",
        &[
            "--format",
            "json",
            "--plan",
            plan.to_str().expect("utf-8"),
            "--fail-on",
            "infeasible",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["plan"]["feasible"], false);
    let short = r["plan"]["shortfalls"].as_array().expect("shortfalls");
    assert!(
        short.iter().any(|s| s["resource"] == "crews"
            && s["message"]
                .as_str()
                .is_some_and(|m| m.contains("short by"))),
        "{short:?}"
    );
}

#[test]
fn html_report_is_self_contained_and_shows_the_json_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("report.html");
    let inv = repo("examples/inventory/operators.csv");
    let o = network(&inv, "de-2024", &["-o", html.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let page = std::fs::read_to_string(&html).expect("page written");
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..80]);
    assert!(!page.contains("<script"));
    let r = json(&network(&inv, "de-2024", &["--format", "json"]));
    let prohibited = r["totals"]["prohibited"].as_u64().expect("count");
    assert!(
        page.contains(&format!(
            "data-key=\"totals.prohibited\" data-value=\"{prohibited}\""
        )),
        "the page shows the JSON's prohibited count {prohibited}"
    );
}

#[test]
fn bad_rows_are_reported_counted_and_strict_stops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("inv.csv");
    let mut csv = String::from(
        "operator,element_id,site,region,domain,function,vendor,product,version,installation_date\n",
    );
    for i in 0..500 {
        csv.push_str(&format!(
            "Op,e{i},s,North,RAN,gNB,Ericsson,ericsson-ran,23.Q4,2022-01-01\n"
        ));
        if i == 250 {
            // A malformed line in the middle, a duplicate id and an unknown vendor.
            csv.push_str("Op,bad,s,North,RAN,gNB,Ericsson,ericsson-ran,23.Q4,not-a-date\n");
            csv.push_str("Op,e3,s,North,RAN,gNB,Ericsson,ericsson-ran,23.Q4,2022-01-01\n");
            csv.push_str("Op,x1,s,North,RAN,gNB,Unheard Of Ltd,radio-9,1.0,2022-01-01\n");
        }
    }
    std::fs::write(&inv, csv).expect("write");
    let path = inv.to_str().expect("utf-8");
    let o = network(path, "de-2024", &["--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("inv.csv:253: installation_date"), "{err}");
    assert!(err.contains("duplicate element id"), "{err}");
    let r = json(&o);
    assert_eq!(r["inventory"]["rows"], 503);
    assert_eq!(r["inventory"]["rejected"], 2);
    assert_eq!(r["totals"]["elements"], 501);
    assert_eq!(
        r["totals"]["unassessed"], 1,
        "the unknown vendor is counted"
    );
    let strict = network(path, "de-2024", &["--format", "json", "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(text(&strict.stderr).contains("inv.csv:253"));
    // An empty file and a broken plan file are clear errors.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").expect("write");
    let e = network(empty.to_str().expect("utf-8"), "de-2024", &[]);
    assert_eq!(e.status.code(), Some(2));
    assert!(text(&e.stderr).contains("empty.csv"), "{}", text(&e.stderr));
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, "max_vendor_share_percent = 50\ncrews = 3\n").expect("write");
    let p = network(path, "de-2024", &["--plan", plan.to_str().expect("utf-8")]);
    assert_eq!(p.status.code(), Some(2));
    assert!(
        text(&p.stderr).contains("plan.toml:2"),
        "{}",
        text(&p.stderr)
    );
}

#[test]
fn table_says_money_in_its_currency_splits_conditional_and_names_overdue() {
    let inv = repo("examples/inventory/operators.csv");
    let out = network(&inv, "uk-2022", &["--format", "table", "--currency", "GBP"]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&out.stderr)
    );
    let table = text(&out.stdout);
    assert!(table.contains("missing evidence"), "{table}");
    assert!(table.contains("under conditions only"), "{table}");
    assert!(!table.contains("every deadline met"), "{table}");
    assert!(table.contains(" GBP"), "{table}");
    assert!(!table.contains(" EUR"), "{table}");
    // Every sum is whole units: the number before each " GBP" has no decimal point.
    let n = table.matches(" GBP").count();
    let sums: Vec<&str> = table
        .split(" GBP")
        .take(n)
        .filter_map(|before| before.rsplit(' ').next())
        .collect();
    assert_eq!(sums.len(), n);
    for s in &sums {
        assert!(
            !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b','),
            "{s:?} in {table}"
        );
    }
    assert!(table.contains("3,700,000 GBP"), "{table}");
    assert!(table.contains("no deadline can be met any more"), "{table}");
    let out = network(
        &inv,
        "uk-2022",
        &["--format", "table", "--currency", "pounds"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not an ISO 4217 currency code"));
}

#[test]
fn markdown_report_opens_with_the_overview() {
    let inv = repo("examples/inventory/operators.csv");
    let out = network(&inv, "uk-2022", &["--format", "markdown"]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&out.stderr)
    );
    let md = text(&out.stdout);
    let glance = md.find("## At a glance").expect("an overview");
    let operators = md.find("## Per operator").expect("operators");
    let plan = md.find("## Replacement plan").expect("the plan");
    assert!(glance < operators && operators < plan, "{md}");
    assert!(md.contains("missing evidence"), "{md}");
    assert!(md.contains("all 50 elements are overdue"), "{md}");
    assert!(md.contains("3,700,000 EUR"), "{md}");
    assert!(!md.contains("every deadline met"), "{md}");
}

/// Licence conditions bind only the elements used under the licence: the same Huawei gNBs are
/// prohibited under a PTS 3.5 GHz licence and untouched without one; the verdict row names
/// the licence and the grounds say whose conditions are breached.
#[test]
fn licence_conditions_bind_the_elements_used_under_the_licence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("se.csv");
    let mut rows = String::from(
        "operator,element_id,site,region,domain,function,vendor,product,version,installation_date,licences\n",
    );
    for i in 0..3 {
        rows.push_str(&format!(
            "Nordnetz (fictional),gnb-l{i},S{i},North,RAN,gNB,Huawei,Huawei 5G gNodeB,V100R021,2020-06-01,SE-PTS-3.5GHZ-2021\n"
        ));
    }
    for i in 0..2 {
        rows.push_str(&format!(
            "Nordnetz (fictional),gnb-u{i},S{i},North,RAN,gNB,Huawei,Huawei 5G gNodeB,V100R021,2020-06-01,\n"
        ));
    }
    rows.push_str(
        "Nordnetz (fictional),gnb-x,S9,North,RAN,gNB,Huawei,Huawei 5G gNodeB,V100R021,2020-06-01,de-bnetza-2019\n",
    );
    std::fs::write(&inv, rows).expect("write inventory");
    let o = network(
        &inv.display().to_string(),
        "se-2020",
        &["--format", "json", "--no-plan"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    let verdicts = r["verdicts"].as_array().expect("verdicts");
    let under = |licences: &[&str]| {
        verdicts
            .iter()
            .find(|v| {
                let got: Vec<&str> = v["licences"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
                    .unwrap_or_default();
                got == licences
            })
            .unwrap_or_else(|| panic!("a verdict under {licences:?}: {verdicts:?}"))
    };
    let licensed = under(&["se-pts-3.5ghz-2021"]);
    assert_eq!(licensed["decision"], "prohibit", "{licensed}");
    assert_eq!(licensed["elements"], 3);
    assert_eq!(licensed["deadline"], "2021-01-19");
    let grounds = licensed["grounds"].as_array().expect("grounds");
    assert!(
        grounds
            .iter()
            .any(|g| g["requirement"] == "SE.PTS.NEW" && g["licences"][1] == "se-pts-3.5ghz-2021"),
        "{grounds:?}"
    );
    // Without a licence (and under one the catalogue does not declare) the conditions do not
    // bind: nothing in se-2020 applies.
    let plain = under(&[]);
    assert_eq!(plain["decision"], "allow", "{plain}");
    assert_eq!(plain["elements"], 2);
    assert_eq!(under(&["de-bnetza-2019"])["decision"], "allow");
    let warnings: Vec<&str> = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("licence \"de-bnetza-2019\"") && w.contains("does not declare")),
        "{warnings:?}"
    );
    // The 2.3 GHz licence is named by no element, but every condition is also one of the
    // 3.5 GHz licence, which binds: no warning that conditions bind nothing.
    assert!(
        !warnings.iter().any(|w| w.contains("bind none")),
        "{warnings:?}"
    );
    // An inventory that names no licence: the catalogue's conditions bind no element.
    let plain = dir.path().join("plain.csv");
    let content = std::fs::read_to_string(&inv).expect("read");
    let first: Vec<&str> = content.lines().take(1).collect();
    let rows: Vec<&str> = content.lines().filter(|l| l.ends_with(',')).collect();
    std::fs::write(&plain, [first, rows].concat().join("\n") + "\n").expect("write");
    let o = network(
        &plain.display().to_string(),
        "se-2020",
        &["--format", "json", "--no-plan"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert!(
        r["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w
                .contains("SE.PTS.LOCALISE, SE.PTS.NEW, SE.PTS.PHASEOUT")
                && w.contains("bind none"))),
        "{}",
        r["warnings"]
    );
}

/// `assess --licence` picks the licences products are judged as used under; one the catalogue
/// does not declare is a usage error.
#[test]
fn assess_under_a_named_licence() {
    let o = netvet(&[
        "assess",
        "--catalogue",
        "se-2020",
        "--as-of",
        AS_OF,
        "--product",
        "huawei-5g-ran",
        "--licence",
        "se-pts-2.3ghz-2021",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["assessments"][0]["licences"][0], "se-pts-2.3ghz-2021");
    assert_eq!(r["summary"]["prohibit"], 1);
    let o = netvet(&[
        "assess",
        "--catalogue",
        "se-2020",
        "--licence",
        "fr-arcep-2020",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("declares no licence \"fr-arcep-2020\""),
        "{}",
        text(&o.stderr)
    );
}

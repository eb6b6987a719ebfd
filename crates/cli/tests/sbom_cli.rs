//! End-to-end tests of `netvet sbom`, `netvet vulns` and `netvet db` as users run them, on the
//! demo's sample devices.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Runs netvet; a netvet JSON document it prints is checked against its schema.
fn netvet(args: &[&str], cache: &Path) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(args)
        .env_remove("NETVET_DB")
        .env("XDG_CACHE_HOME", cache)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .output()
        .expect("netvet runs");
    support::validate_if_document(
        &format!("netvet {args:?}"),
        &String::from_utf8_lossy(&out.stdout),
    );
    out
}

fn json(o: &Output) -> Value {
    assert!(o.status.code().is_some(), "{o:?}");
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

/// The sample radio unit's firmware, built from its recipe.
fn acme(dir: &Path) -> PathBuf {
    sample(dir, "acme-ru4400.toml")
}

/// A sample device's firmware (`examples/firmware/FILE`), built from its recipe.
fn sample(dir: &Path, file: &str) -> PathBuf {
    let path = format!(
        "{}/../../examples/firmware/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let r =
        netvet_forge::recipe::Recipe::parse(file, &std::fs::read_to_string(path).unwrap()).unwrap();
    let (name, bytes) = r.build(file).unwrap();
    let out = dir.join(name);
    std::fs::write(&out, bytes).unwrap();
    out
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ids(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> = doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn sbom_lists_components_and_writes_valid_deterministic_cyclonedx() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let img = img.to_str().unwrap();
    let doc = json(&netvet(
        &["sbom", img, "--format", "json", "--as-of", "2026-06-01"],
        d.path(),
    ));
    assert_eq!(doc["schema"], "netvet.sbom/1");
    let names: Vec<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["busybox", "dropbear", "thttpd", "openssl", "linux-kernel"]
    );
    let eos: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        eos,
        ["nv-component-end-of-support", "nv-component-end-of-support"]
    );

    let a = netvet(&["sbom", img, "--format", "cyclonedx"], d.path());
    let b = netvet(&["sbom", img, "--format", "cyclonedx"], d.path());
    assert_eq!(a.stdout, b.stdout, "same image, same bytes");
    let cdx = json(&a);
    assert_eq!(cdx["specVersion"], "1.6");
    assert_eq!(cdx["metadata"]["timestamp"], "2026-01-01T00:00:00Z");
    let spdx = json(&netvet(&["sbom", img, "--format", "spdx"], d.path()));
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
    let schema: Value = serde_json::from_slice(
        &std::fs::read(repo().join("schemas/spdx/spdx-schema-2.3.json")).unwrap(),
    )
    .unwrap();
    assert!(jsonschema::is_valid(&schema, &spdx));
}

#[test]
fn vulns_work_offline_from_the_built_in_advisories_and_from_an_sbom() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let img = img.to_str().unwrap();
    let out = netvet(
        &["vulns", img, "--format", "json", "--fail-on", "critical"],
        d.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "critical vulnerabilities reach --fail-on"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("built-in advisories"));
    let doc = json(&out);
    assert_eq!(doc["schema"], "netvet.vulns/1");
    let found = ids(&doc);
    assert_eq!(found.len(), 12, "{found:?}");
    assert!(
        !found.contains(&"CVE-2016-7406".to_string()),
        "fixed in 2016.74"
    );
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["category"] == "vulnerability")
            .count(),
        12
    );
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["category"] == "component")
            .count(),
        2
    );

    // The same components read back from the CycloneDX SBOM give the same matches.
    let cdx = netvet(&["sbom", img, "--format", "cyclonedx"], d.path());
    let sbom = d.path().join("acme.cdx.json");
    std::fs::write(&sbom, &cdx.stdout).unwrap();
    let from_sbom = json(&netvet(
        &["vulns", sbom.to_str().unwrap(), "--format", "json"],
        d.path(),
    ));
    assert_eq!(ids(&from_sbom), found);
    let ok = netvet(&["vulns", img, "--format", "json"], d.path());
    assert_eq!(ok.status.code(), Some(0));
}

#[test]
fn vex_marks_matches_not_affected() {
    let d = tempfile::tempdir().unwrap();
    let img = acme(d.path());
    let vex = d.path().join("vendor.openvex.json");
    std::fs::write(
        &vex,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
            {"vulnerability": {"name": "CVE-2016-2148"}, "products": [{"@id": "pkg:generic/busybox@1.24.1"}],
             "status": "not_affected", "justification": "vulnerable_code_not_present"}]}"#,
    )
    .unwrap();
    let doc = json(&netvet(
        &[
            "vulns",
            img.to_str().unwrap(),
            "--vex",
            vex.to_str().unwrap(),
            "--format",
            "json",
        ],
        d.path(),
    ));
    assert!(!ids(&doc).contains(&"CVE-2016-2148".to_string()));
    assert_eq!(
        doc["suppressed"][0]["statement"]["justification"],
        "vulnerable_code_not_present"
    );
}

#[test]
fn db_import_status_and_schema_mismatch() {
    let d = tempfile::tempdir().unwrap();
    let db = d.path().join("idx/advisories.db");
    let db_s = db.to_str().unwrap();
    let adv = repo().join("advisories");
    let out = netvet(
        &[
            "db",
            "import",
            adv.to_str().unwrap(),
            "--db",
            db_s,
            "--no-builtin",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = json(&netvet(
        &["db", "status", "--db", db_s, "--format", "json"],
        d.path(),
    ));
    assert_eq!(
        status["status"]["schema_version"],
        netvet_vuln::store::SCHEMA_VERSION
    );
    assert_eq!(status["status"]["built"], "2026-01-01T00:00:00Z");
    assert_eq!(status["status"]["kev_entries"], 6);
    assert_eq!(status["status"]["sources"].as_array().unwrap().len(), 10);

    // NETVET_DB chooses the index too; matching against it equals the built-in set.
    let img = acme(d.path());
    let via_env = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(["vulns", img.to_str().unwrap(), "--format", "json"])
        .env("NETVET_DB", &db)
        .output()
        .unwrap();
    assert_eq!(ids(&json(&via_env)).len(), 12);

    // A hostile file: refused with its name, nothing else changes.
    let bad = d.path().join("bad.json");
    std::fs::write(&bad, "[".repeat(10_000)).unwrap();
    let out = netvet(
        &["db", "import", bad.to_str().unwrap(), "--db", db_s],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.json"));

    // An index of another schema version: a clear error saying to re-import.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(conn);
    let out = netvet(&["vulns", img.to_str().unwrap(), "--db", db_s], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schema 99") && err.contains("re-import"),
        "{err}"
    );
    // A missing index that the user named is an error, not a silent fallback.
    let out = netvet(
        &["vulns", img.to_str().unwrap(), "--db", "/nonexistent/x.db"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn catalogers_are_listed_chosen_by_tag_and_unknown_tags_refused() {
    let d = tempfile::tempdir().unwrap();
    let o = netvet(&["sbom", "--catalogers", "list"], d.path());
    assert_eq!(o.status.code(), Some(0));
    let list = String::from_utf8_lossy(&o.stdout);
    for id in [
        "java-archive-cataloger",
        "dpkg-db-cataloger",
        "binary-classifier-cataloger",
    ] {
        assert!(list.contains(id), "{list}");
    }

    // The UPF bundles Log4j 2.14.1 in a Java archive: the Java cataloger alone finds it,
    // and nothing else (no kernel, no OpenSSL).
    let img = sample(d.path(), "acme-upf-2.0.toml");
    let img = img.to_str().unwrap();
    let doc = json(&netvet(
        &["sbom", img, "--catalogers", "java", "--format", "json"],
        d.path(),
    ));
    let names: Vec<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["log4j-core", "upf-agent"], "{doc}");
    assert_eq!(doc["components"][0]["ecosystem"], "Maven");
    let all = json(&netvet(&["sbom", img, "--format", "json"], d.path()));
    assert!(all["components"].as_array().unwrap().len() > names.len());

    // And `vulns` finds Log4Shell through it, flagged as exploited.
    let v = json(&netvet(&["vulns", img, "--format", "json"], d.path()));
    assert!(ids(&v).contains(&"GHSA-jfh8-c2jp-5v3q".to_string()), "{v}");

    let o = netvet(&["sbom", img, "--catalogers", "pakages"], d.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("pakages") && err.contains("packages"), "{err}");
}

/// Serves `body` at `path` (404 elsewhere) on 127.0.0.1, one request per connection, until
/// `stop` is set or a minute has passed; the server's address.
fn serve_one_file(
    path: &'static str,
    body: Vec<u8>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::net::SocketAddr {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let _ = (|| -> std::io::Result<()> {
                stream.set_nonblocking(false)?;
                stream.set_read_timeout(Some(Duration::from_secs(5)))?;
                let mut reader = BufReader::new(stream.try_clone()?);
                let mut request = String::new();
                reader.read_line(&mut request)?;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                        break;
                    }
                }
                let found = request.split(' ').nth(1) == Some(path);
                let (status, content): (&str, &[u8]) = if found {
                    ("200 OK", &body)
                } else {
                    ("404 Not Found", b"")
                };
                let mut out = stream;
                write!(
                    out,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    content.len()
                )?;
                out.write_all(content)
            })();
        }
    });
    addr
}

#[test]
fn db_update_from_a_mirror_prints_a_valid_document() {
    let d = tempfile::tempdir().unwrap();
    let kev = std::fs::read(
        support::repo_root().join("advisories/kev/known_exploited_vulnerabilities.json"),
    )
    .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let addr = serve_one_file(
        "/kev/known_exploited_vulnerabilities.json",
        kev,
        stop.clone(),
    );
    let db = d.path().join("index.db");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netvet"));
    cmd.args([
        "db",
        "update",
        "--db",
        db.to_str().unwrap(),
        "--no-nvd",
        "--base-url",
        &format!("http://{addr}"),
        "--format",
        "json",
    ])
    .env("XDG_CACHE_HOME", d.path())
    .env("SOURCE_DATE_EPOCH", "1767225600");
    // Only 127.0.0.1 is asked: no proxy from the environment.
    for var in ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"] {
        cmd.env_remove(var).env_remove(var.to_ascii_lowercase());
    }
    let out = cmd.output().unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    support::assert_valid("netvet db update", &text);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["schema"], "netvet.db-update/1");
    assert_eq!(doc["feeds"][0]["name"], "kev");
    assert_eq!(doc["feeds"][0]["outcome"], "imported");
    assert!(doc["status"]["kev_entries"].as_u64().unwrap() > 0, "{text}");
}

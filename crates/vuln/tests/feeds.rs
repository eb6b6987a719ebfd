//! `netvet db update` against a local HTTP server that serves feed files built here (an OSV
//! `all.zip` made by Debian's `zip`, a gzipped NVD year with its `.meta`, a KEV catalogue),
//! and the all-or-nothing import: interrupted downloads resume, checksum mismatches and server
//! errors are refused, and a failed import never creates or changes the index. No test leaves
//! 127.0.0.1.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netvet_vuln::Index;
use netvet_vuln::advisory::Bounds;
use netvet_vuln::update::{Feed, Feeds, Options, Proxy, update};
use sha2::{Digest, Sha256};

/// One file the server serves.
#[derive(Clone)]
struct Route {
    status: u16,
    body: Vec<u8>,
    etag: &'static str,
    /// Close the connection after this many body bytes, on the first request only.
    cut_first: Option<usize>,
    /// Then wait this long before closing (a stalled server).
    stall: Duration,
}

fn ok(body: Vec<u8>, etag: &'static str) -> Route {
    Route {
        status: 200,
        body,
        etag,
        cut_first: None,
        stall: Duration::ZERO,
    }
}

/// A small HTTP/1.1 server on 127.0.0.1 for one test: GET with `Range`/`If-Range`, CONNECT
/// (as a proxy), scripted failures. It logs each request line with its range headers, serves
/// one request per connection, and stops when dropped or after a minute.
struct Server {
    addr: SocketAddr,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let server = Server {
            addr: listener.local_addr().unwrap(),
            routes: Arc::default(),
            log: Arc::default(),
            stop: Arc::default(),
        };
        let (routes, log, stop) = (
            server.routes.clone(),
            server.log.clone(),
            server.stop.clone(),
        );
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut cut_done = std::collections::HashSet::new();
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = serve(stream, &routes, &log, &mut cut_done);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        server
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn route(&self, path: &str, r: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), r);
    }

    fn log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(
    stream: TcpStream,
    routes: &Mutex<HashMap<String, Route>>,
    log: &Mutex<Vec<String>>,
    cut_done: &mut std::collections::HashSet<String>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let request = line.trim().to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            if h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let mut entry = request.clone();
        for k in ["range", "if-range"] {
            if let Some(v) = headers.get(k) {
                entry.push_str(&format!(" [{k}: {v}]"));
            }
        }
        log.lock().unwrap().push(entry);
        let mut parts = request.split(' ');
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if method == "CONNECT" {
            // A tunnel: the client's real request follows on this connection.
            out.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
            continue;
        }
        // Absolute-form targets (through a proxy) name the path after the host.
        let path = match target.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => target,
        };
        let route = routes.lock().unwrap().get(path).cloned();
        let Some(r) = route else {
            out.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )?;
            return Ok(());
        };
        if r.status != 200 {
            let reason = if r.status == 500 {
                "Internal Server Error"
            } else {
                "Error"
            };
            write!(
                out,
                "HTTP/1.1 {} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                r.status
            )?;
            return Ok(());
        }
        let len = r.body.len();
        let range = headers
            .get("range")
            .and_then(|v| v.strip_prefix("bytes="))
            .and_then(|v| v.strip_suffix('-'))
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|_| headers.get("if-range").map(String::as_str) == Some(r.etag));
        match range {
            Some(start) if start >= len => write!(
                out,
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?,
            Some(start) => {
                write!(
                    out,
                    "HTTP/1.1 206 Partial Content\r\nETag: {}\r\nContent-Range: bytes {start}-{}/{len}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    r.etag,
                    len - 1,
                    len - start
                )?;
                out.write_all(&r.body[start..])?;
            }
            None => {
                write!(
                    out,
                    "HTTP/1.1 200 OK\r\nETag: {}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n",
                    r.etag
                )?;
                match r.cut_first {
                    Some(n) if cut_done.insert(path.to_string()) => {
                        out.write_all(&r.body[..n])?;
                        out.flush()?;
                        std::thread::sleep(r.stall);
                        // The connection drops mid-body.
                        return Ok(());
                    }
                    _ => out.write_all(&r.body)?,
                }
            }
        }
        out.flush()?;
        return Ok(());
    }
}

fn osv_record(id: &str, modified: &str, fixed: &str) -> String {
    serde_json::json!({
        "id": id,
        "modified": modified,
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }]
    })
    .to_string()
}

/// An OSV `all.zip` made by Debian's `zip` from the records.
fn osv_zip(dir: &Path, records: &[(&str, String)]) -> Vec<u8> {
    let src = dir.join("osv-src");
    std::fs::create_dir_all(&src).unwrap();
    for (name, text) in records {
        std::fs::write(src.join(name), text).unwrap();
    }
    let zip = dir.join("all.zip");
    let _ = std::fs::remove_file(&zip);
    let st = std::process::Command::new("zip")
        .arg("-q")
        .arg("-X")
        .arg(&zip)
        .args(records.iter().map(|(n, _)| *n))
        .current_dir(&src)
        .status()
        .expect("Debian's zip (apt-get install zip)");
    assert!(st.success());
    std::fs::read(zip).unwrap()
}

fn nvd_year() -> Vec<u8> {
    serde_json::json!({
        "resultsPerPage": 1, "startIndex": 0, "totalResults": 1,
        "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-12-01T03:00:00.000",
        "vulnerabilities": [{"cve": {
            "id": "CVE-2026-0001",
            "lastModified": "2026-11-30T10:15:00.123",
            "descriptions": [{"lang": "en", "value": "A flaw in dnsmasq."}],
            "configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [{
                "vulnerable": true,
                "criteria": "cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*",
                "versionEndExcluding": "2.90"
            }]}]}]
        }}]
    })
    .to_string()
    .into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn meta(json: &[u8], sha256: &str) -> Vec<u8> {
    format!(
        "lastModifiedDate:2026-12-01T03:00:01-04:00\r\nsize:{}\r\ngzSize:1\r\nsha256:{}\r\n",
        json.len(),
        sha256.to_ascii_uppercase()
    )
    .into_bytes()
}

fn kev() -> Vec<u8> {
    serde_json::json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2026.12.01",
        "dateReleased": "2026-12-01T14:00:00.0000Z",
        "count": 1,
        "vulnerabilities": [{
            "cveID": "CVE-2026-0001", "vendorProject": "Thekelleys", "product": "dnsmasq",
            "vulnerabilityName": "dnsmasq flaw", "dateAdded": "2026-12-01",
            "knownRansomwareCampaignUse": "Unknown"
        }]
    })
    .to_string()
    .into_bytes()
}

/// A server with an OSV Debian zip, NVD 2026 and KEV; returns it and the NVD JSON.
fn feeds_server(dir: &Path) -> (Server, Vec<u8>) {
    let s = Server::start();
    let zip = osv_zip(
        dir,
        &[
            (
                "DSA-1.json",
                osv_record("DSA-1", "2026-11-20T00:00:00Z", "3.0.1-1"),
            ),
            (
                "DSA-2.json",
                osv_record("DSA-2", "2026-11-25T08:00:00Z", "3.0.9-1"),
            ),
        ],
    );
    s.route("/osv/Debian/all.zip", ok(zip, "\"osv-1\""));
    let json = nvd_year();
    let sha = hex::encode(Sha256::digest(&json));
    s.route("/nvd/nvdcve-2.0-2026.json.gz", ok(gzip(&json), "\"nvd-1\""));
    s.route(
        "/nvd/nvdcve-2.0-2026.meta",
        ok(meta(&json, &sha), "\"meta-1\""),
    );
    s.route(
        "/kev/known_exploited_vulnerabilities.json",
        ok(kev(), "\"kev-1\""),
    );
    (s, json)
}

fn options(s: &Server, dir: &Path, select: Vec<Feed>) -> Options {
    let mut o = Options::new(select, dir.join("downloads"));
    o.feeds = Feeds::mirror(&s.base());
    o.proxy = Proxy::Direct;
    o.timeout = Duration::from_secs(10);
    o
}

fn all() -> Vec<Feed> {
    vec![Feed::Osv("Debian".into()), Feed::Nvd(2026), Feed::Kev]
}

fn quiet(_: &str) {}

#[test]
fn update_downloads_verifies_and_imports_every_feed_with_its_age() {
    let dir = tempfile::tempdir().unwrap();
    let (s, json) = feeds_server(dir.path());
    let db = dir.path().join("advisories.db");
    let report = update(&db, &options(&s, dir.path(), all()), &mut quiet).unwrap();
    let got: Vec<_> = report
        .feeds
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.outcome,
                f.verified.as_str(),
                f.resumed_from,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("osv:Debian", "imported", "size, crc32", 0),
            ("nvd:2026", "imported", "size, sha256", 0),
            ("kev", "imported", "size, parsed", 0)
        ]
    );
    assert_eq!(report.feeds[1].sha256, hex::encode(Sha256::digest(&json)));

    let idx = Index::open(&db).unwrap();
    let st = idx.status().unwrap();
    let sources: Vec<_> = st
        .sources
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.kind.as_str(),
                r.records,
                r.newest.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("kev", "kev", 1, Some("2026-12-01T14:00:00Z")),
            ("nvd:2026", "nvd", 1, Some("2026-11-30T10:15:00Z")),
            ("osv:Debian", "osv", 2, Some("2026-11-25T08:00:00Z")),
        ]
    );
    let osv = &st.sources[2];
    assert_eq!(
        osv.origin.as_deref(),
        Some(format!("{}/osv/Debian/all.zip", s.base()).as_str())
    );
    assert!(osv.fetched.is_some());
    assert_eq!(idx.package_ranges("Debian:12", "openssl").unwrap().len(), 2);
    assert_eq!(idx.cpe_ranges("thekelleys", "dnsmasq").unwrap().len(), 1);
    assert!(idx.kev("CVE-2026-0001").unwrap().is_some());

    // The age as a scan reports it: every feed fresh on 2026-12-02, all stale a week later.
    let age = netvet_vuln::age::data_age(&idx, "2026-12-02", 7).unwrap();
    assert!(
        !age.samples_only && age.warnings.is_empty(),
        "{:?}",
        age.warnings
    );
    let days: Vec<_> = age
        .feeds
        .iter()
        .map(|f| (f.feed.as_str(), f.age_days, f.stale))
        .collect();
    assert_eq!(
        days,
        [("kev", 1, false), ("nvd", 2, false), ("osv", 7, false)]
    );
    let later = netvet_vuln::age::data_age(&idx, "2026-12-09", 7).unwrap();
    assert_eq!(
        later.warnings,
        [
            "WARNING: kev data is 8 days old (newest record 2026-12-01), older than 7 days; run `netvet db update`.",
            "WARNING: nvd data is 9 days old (newest record 2026-11-30), older than 7 days; run `netvet db update`.",
            "WARNING: osv data is 14 days old (newest record 2026-11-25), older than 7 days; run `netvet db update`."
        ]
    );
    drop(idx);

    // Downloads are gone once imported; an unchanged NVD year is not fetched again.
    assert_eq!(
        std::fs::read_dir(dir.path().join("downloads"))
            .unwrap()
            .count(),
        0
    );
    s.log();
    let again = update(
        &db,
        &options(&s, dir.path(), vec![Feed::Nvd(2026)]),
        &mut quiet,
    )
    .unwrap();
    assert_eq!(again.feeds[0].outcome, "unchanged");
    assert_eq!(s.log(), ["GET /nvd/nvdcve-2.0-2026.meta HTTP/1.1"]);
}

#[test]
fn an_interrupted_download_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = feeds_server(dir.path());
    let body = kev();
    s.route(
        "/kev/known_exploited_vulnerabilities.json",
        Route {
            cut_first: Some(100),
            ..ok(body.clone(), "\"kev-1\"")
        },
    );
    let db = dir.path().join("advisories.db");
    let opts = options(&s, dir.path(), vec![Feed::Kev]);
    let err = update(&db, &opts, &mut quiet).unwrap_err().to_string();
    assert!(err.contains("interrupted after 100 bytes"), "{err}");
    assert!(!db.exists(), "a failed update creates no index");
    let part = dir
        .path()
        .join("downloads/known_exploited_vulnerabilities.json.part");
    assert_eq!(std::fs::read(&part).unwrap(), &body[..100]);

    s.log();
    let report = update(&db, &opts, &mut quiet).unwrap();
    assert_eq!(
        s.log(),
        [
            "GET /kev/known_exploited_vulnerabilities.json HTTP/1.1 [range: bytes=100-] [if-range: \"kev-1\"]"
        ]
    );
    assert_eq!(
        (report.feeds[0].resumed_from, report.feeds[0].bytes),
        (100, body.len() as u64)
    );
    assert_eq!(report.feeds[0].sha256, hex::encode(Sha256::digest(&body)));
    assert_eq!(Index::open(&db).unwrap().status().unwrap().kev_entries, 1);
    assert!(!part.exists());
}

#[test]
fn a_stalled_download_times_out_and_resumes_later() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = feeds_server(dir.path());
    let body = kev();
    s.route(
        "/kev/known_exploited_vulnerabilities.json",
        Route {
            cut_first: Some(10),
            stall: Duration::from_secs(3),
            ..ok(body.clone(), "\"kev-1\"")
        },
    );
    let db = dir.path().join("advisories.db");
    let mut opts = options(&s, dir.path(), vec![Feed::Kev]);
    opts.body_timeout = Duration::from_millis(500);
    let err = update(&db, &opts, &mut quiet).unwrap_err().to_string();
    assert!(
        err.contains("interrupted after 10 bytes") && err.contains("timeout"),
        "{err}"
    );
    assert!(!db.exists());
    // The server is free again once its stall ends; the rest of the file arrives.
    opts.body_timeout = Duration::from_secs(10);
    let report = update(&db, &opts, &mut quiet).unwrap();
    assert_eq!(report.feeds[0].resumed_from, 10);
}

#[test]
fn a_changed_file_is_downloaded_whole_instead_of_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = feeds_server(dir.path());
    let body = kev();
    s.route(
        "/kev/known_exploited_vulnerabilities.json",
        Route {
            cut_first: Some(50),
            ..ok(body.clone(), "\"kev-1\"")
        },
    );
    let db = dir.path().join("advisories.db");
    let opts = options(&s, dir.path(), vec![Feed::Kev]);
    assert!(update(&db, &opts, &mut quiet).is_err());
    // A new version of the catalogue: its ETag differs, so If-Range gets the whole file.
    s.route(
        "/kev/known_exploited_vulnerabilities.json",
        ok(body.clone(), "\"kev-2\""),
    );
    let report = update(&db, &opts, &mut quiet).unwrap();
    assert_eq!(
        (report.feeds[0].resumed_from, report.feeds[0].bytes),
        (0, body.len() as u64)
    );
}

#[test]
fn a_checksum_mismatch_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (s, json) = feeds_server(dir.path());
    let db = dir.path().join("advisories.db");
    update(&db, &options(&s, dir.path(), vec![Feed::Kev]), &mut quiet).unwrap();
    let before = std::fs::read(&db).unwrap();

    let wrong = "00".repeat(32);
    s.route(
        "/nvd/nvdcve-2.0-2026.meta",
        ok(meta(&json, &wrong), "\"meta-2\""),
    );
    let err = update(&db, &options(&s, dir.path(), all()), &mut quiet)
        .unwrap_err()
        .to_string();
    let sha = hex::encode(Sha256::digest(&json));
    assert_eq!(
        err,
        format!(
            "{}/nvd/nvdcve-2.0-2026.json.gz: content does not match its .meta: {} bytes, sha256 {sha}; published {} bytes, sha256 {wrong}",
            s.base(),
            json.len(),
            json.len()
        )
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the index is unchanged"
    );
    // The corrupt download is not kept for resuming.
    assert!(
        !dir.path()
            .join("downloads/nvdcve-2.0-2026.json.gz.part")
            .exists()
    );
}

#[test]
fn a_server_error_is_reported_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = feeds_server(dir.path());
    s.route(
        "/osv/Debian/all.zip",
        Route {
            status: 500,
            ..ok(Vec::new(), "\"x\"")
        },
    );
    let db = dir.path().join("advisories.db");
    let err = update(&db, &options(&s, dir.path(), all()), &mut quiet)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "{}/osv/Debian/all.zip: HTTP 500 Internal Server Error",
            s.base()
        )
    );
    assert!(!db.exists());

    // A file that is not what the feed publishes (an HTML page) is refused by the importer.
    s.route(
        "/osv/Debian/all.zip",
        ok(b"<html>maintenance</html>".to_vec(), "\"y\""),
    );
    let err = update(&db, &options(&s, dir.path(), all()), &mut quiet)
        .unwrap_err()
        .to_string();
    assert!(err.contains("osv-Debian.zip.part: offset "), "{err}");
    assert!(!db.exists());

    // Nothing selected is an error too, not an empty index.
    let err = update(&db, &options(&s, dir.path(), vec![]), &mut quiet)
        .unwrap_err()
        .to_string();
    assert_eq!(err, format!("{}: no feed selected to update", db.display()));
    assert!(!db.exists());
}

#[test]
fn feeds_are_fetched_through_the_configured_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = feeds_server(dir.path());
    let db = dir.path().join("advisories.db");
    let mut opts = options(&s, dir.path(), vec![Feed::Kev]);
    // A host name that does not resolve: only the proxy can reach it.
    opts.feeds = Feeds::mirror("http://feeds.invalid");
    opts.proxy = Proxy::Url(s.base());
    update(&db, &opts, &mut quiet).unwrap();
    assert_eq!(
        s.log(),
        [
            "CONNECT feeds.invalid:80 HTTP/1.1",
            "GET /kev/known_exploited_vulnerabilities.json HTTP/1.1"
        ]
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_failed_import_creates_no_index_and_leaves_an_existing_one_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache/netvet/advisories.db");
    let b = Bounds::default();
    let missing = dir.path().join("none.json");
    let err = netvet_vuln::staged::import_paths(&db, &[missing], true, &b)
        .unwrap_err()
        .to_string();
    assert!(err.contains("none.json"), "{err}");
    assert!(!db.exists());
    let not_advisory = write(dir.path(), "x.json", r#"{"hello": 1}"#);
    let err = netvet_vuln::staged::import_paths(&db, std::slice::from_ref(&not_advisory), true, &b)
        .unwrap_err()
        .to_string();
    assert!(err.contains("neither OSV"), "{err}");
    assert!(!db.exists());

    let good = write(
        dir.path(),
        "a.json",
        &osv_record("DSA-9", "2026-10-01T00:00:00Z", "1.0-1"),
    );
    let out =
        netvet_vuln::staged::import_paths(&db, std::slice::from_ref(&good), false, &b).unwrap();
    assert_eq!(out.imported.len(), 1);
    assert_eq!(out.status.path, db.display().to_string());
    assert_eq!(
        out.status.sources[0].newest.as_deref(),
        Some("2026-10-01T00:00:00Z")
    );
    let before = std::fs::read(&db).unwrap();
    // The good file first, then a bad one: nothing of the attempt stays.
    assert!(netvet_vuln::staged::import_paths(&db, &[good, not_advisory], false, &b).is_err());
    assert_eq!(std::fs::read(&db).unwrap(), before);
    // No temporary copies are left beside it.
    let names: Vec<_> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["advisories.db"]);
}

#[test]
fn matching_against_only_the_samples_warns_loudly() {
    let idx = Index::builtin().unwrap();
    let age = netvet_vuln::age::data_age(&idx, "2026-12-06", 7).unwrap();
    assert!(age.samples_only);
    assert_eq!(age.feeds.len(), 1);
    assert_eq!(age.feeds[0].feed, "built-in");
    assert!(!age.feeds[0].stale);
    assert_eq!(age.warnings.len(), 1);
    assert!(
        age.warnings[0].starts_with(
            "WARNING: matched only against netvet's built-in advisories (29 SAMPLE records"
        ),
        "{}",
        age.warnings[0]
    );
}

#[test]
fn the_sbom_names_the_osv_ecosystems_to_download() {
    let sbom = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [
            {"type": "library", "name": "openssl", "version": "3.0.11-1~deb12u2",
             "purl": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"},
            {"type": "library", "name": "musl", "version": "1.2.4-r2",
             "purl": "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1"},
            {"type": "library", "name": "zlib", "version": "1.2.13",
             "purl": "pkg:deb/debian/zlib@1.2.13?distro=debian-12"},
            {"type": "library", "name": "busybox", "version": "1.36.1"}
        ]
    });
    let got =
        netvet_vuln::update::ecosystems_in_sbom("bom.json", sbom.to_string().as_bytes()).unwrap();
    assert_eq!(got, ["Alpine", "Debian"]);
    assert!(netvet_vuln::update::ecosystems_in_sbom("x", b"{}").is_err());
}

//! `netvet db update`: downloads the advisory feeds from where their publishers put them and
//! imports them into the index, all or nothing.
//!
//! - OSV: one `all.zip` per ecosystem (`<base>/<ecosystem>/all.zip`), a JSON record per member.
//! - NVD: the yearly CVE JSON 2.0 feeds (`<base>/nvdcve-2.0-<year>.json.gz`), each with a
//!   `.meta` file whose `sha256` is the digest of the uncompressed JSON and `size` its length.
//!   A feed whose `sha256` equals the one recorded at its last import is not downloaded again.
//! - CISA KEV: one JSON catalogue.
//!
//! Downloads go to `<downloads>/<file>.part` next to a `.validator` file holding the server's
//! `ETag` (or `Last-Modified`). An interrupted download resumes with `Range` and `If-Range`, so
//! a file that changed in between is fetched whole again. Sizes are checked against
//! `Content-Length`/`Content-Range`, NVD content against its published SHA-256, and every file
//! is parsed by the importers ([`crate::advisory`]) before anything replaces the index
//! ([`crate::staged`]). Partial files stay for the next run until the index is replaced.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::advisory::{self, Bounds, Parsed};
use crate::error::{Error, Result};
use crate::staged::Staged;
use crate::store::{ImportStats, Provenance, Status, now_rfc3339};

/// Where the feeds are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feeds {
    /// OSV's bucket: `<osv>/<ecosystem>/all.zip`.
    pub osv: String,
    /// NVD's JSON 2.0 feed directory: `<nvd>/nvdcve-2.0-<year>.json.gz` and `.meta`.
    pub nvd: String,
    /// The CISA KEV catalogue (JSON).
    pub kev: String,
}

impl Feeds {
    /// The publishers' own locations.
    pub fn official() -> Feeds {
        Feeds {
            osv: "https://osv-vulnerabilities.storage.googleapis.com".to_string(),
            nvd: "https://nvd.nist.gov/feeds/json/cve/2.0".to_string(),
            kev: "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
                .to_string(),
        }
    }

    /// A mirror of the same files under one base URL: `<base>/osv/<ecosystem>/all.zip`,
    /// `<base>/nvd/nvdcve-2.0-<year>.json.gz` (and `.meta`),
    /// `<base>/kev/known_exploited_vulnerabilities.json`.
    pub fn mirror(base: &str) -> Feeds {
        let base = base.trim_end_matches('/');
        Feeds {
            osv: format!("{base}/osv"),
            nvd: format!("{base}/nvd"),
            kev: format!("{base}/kev/known_exploited_vulnerabilities.json"),
        }
    }
}

/// One feed to fetch.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feed {
    /// An OSV ecosystem, as OSV names it (`Debian`, `Alpine`, `PyPI`).
    Osv(String),
    /// One year of NVD's CVE feed.
    Nvd(u16),
    /// The CISA KEV catalogue.
    Kev,
}

impl Feed {
    /// Its source name in the index: `osv:Debian`, `nvd:2024`, `kev`.
    pub fn name(&self) -> String {
        match self {
            Feed::Osv(e) => format!("osv:{e}"),
            Feed::Nvd(y) => format!("nvd:{y}"),
            Feed::Kev => "kev".to_string(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Feed::Osv(_) => "osv",
            Feed::Nvd(_) => "nvd",
            Feed::Kev => "kev",
        }
    }

    fn url(&self, feeds: &Feeds) -> String {
        match self {
            Feed::Osv(e) => format!(
                "{}/{}/all.zip",
                feeds.osv.trim_end_matches('/'),
                path_segment(e)
            ),
            Feed::Nvd(y) => format!("{}/nvdcve-2.0-{y}.json.gz", feeds.nvd.trim_end_matches('/')),
            Feed::Kev => feeds.kev.clone(),
        }
    }

    /// The download's file name (distinct per feed).
    fn file(&self) -> String {
        match self {
            Feed::Osv(e) => format!(
                "osv-{}.zip",
                e.chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '.' {
                        c
                    } else {
                        '_'
                    })
                    .collect::<String>()
            ),
            Feed::Nvd(y) => format!("nvdcve-2.0-{y}.json.gz"),
            Feed::Kev => "known_exploited_vulnerabilities.json".to_string(),
        }
    }
}

/// `Red Hat:enterprise_linux:9` as a URL path segment.
fn path_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The first year of NVD's yearly feeds (it holds the CVEs of 1999-2002).
pub const NVD_FIRST_YEAR: u16 = 2002;

/// The OSV ecosystems (as OSV's bucket names them: `Debian`, `Red Hat`) that an SBOM's
/// distribution packages need: its PURLs' `distro` qualifiers, as the matcher maps them
/// (`Debian:12` is in `Debian/all.zip`). Sorted, without duplicates.
pub fn ecosystems_in_sbom(file: &str, bytes: &[u8]) -> Result<Vec<String>> {
    let limits = netvet_sbom::cyclonedx::ReadLimits::default();
    let sbom =
        netvet_sbom::compare::read_sbom(file, bytes, &limits).map_err(|e| Error::Advisory {
            file: file.to_string(),
            message: format!("not an SBOM netvet reads: {e}"),
        })?;
    let mut out: Vec<String> = sbom
        .components
        .iter()
        .filter_map(|c| c.purl.as_deref())
        .filter_map(netvet_sbom::os::Distro::from_purl)
        .filter_map(|d| d.osv_ecosystem())
        .map(|e| e.split(':').next().unwrap_or(&e).to_string())
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// The feeds to fetch: the named OSV ecosystems, NVD from `nvd_from` to `year` (none when
/// `nvd_from` is `None`), and KEV when `kev`.
pub fn selection(ecosystems: &[String], nvd_from: Option<u16>, year: u16, kev: bool) -> Vec<Feed> {
    let mut out: Vec<Feed> = ecosystems.iter().map(|e| Feed::Osv(e.clone())).collect();
    out.sort();
    out.dedup();
    if let Some(from) = nvd_from {
        out.extend((from.max(NVD_FIRST_YEAR)..=year).map(Feed::Nvd));
    }
    if kev {
        out.push(Feed::Kev);
    }
    out
}

/// How to reach the feeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proxy {
    /// `ALL_PROXY`, `HTTPS_PROXY` or `HTTP_PROXY` when set (and `NO_PROXY`), else direct.
    FromEnvironment,
    /// No proxy.
    Direct,
    /// This proxy (`http://host:port`, `socks5://host:port`).
    Url(String),
}

/// What to update and how.
#[derive(Clone, Debug)]
pub struct Options {
    pub feeds: Feeds,
    /// The feeds to fetch, in this order.
    pub select: Vec<Feed>,
    pub proxy: Proxy,
    /// Directory for downloads in progress (kept between runs until the index is replaced).
    pub downloads: PathBuf,
    /// Limits on each file's content (the uncompressed JSON).
    pub bounds: Bounds,
    /// Largest download.
    pub max_download: u64,
    /// Time allowed to connect and to receive response headers.
    pub timeout: Duration,
    /// Time allowed to receive one file (a stalled server ends the update; the part stays).
    pub body_timeout: Duration,
}

impl Options {
    /// The official feeds, the environment's proxy, downloads in `downloads`.
    pub fn new(select: Vec<Feed>, downloads: PathBuf) -> Options {
        Options {
            feeds: Feeds::official(),
            select,
            proxy: Proxy::FromEnvironment,
            downloads,
            bounds: Bounds::default(),
            max_download: 4 << 30,
            timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(3600),
        }
    }
}

/// What happened to one feed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct FeedReport {
    /// Source name in the index (`osv:Debian`).
    pub name: String,
    pub url: String,
    /// `imported`, or `unchanged` when the published SHA-256 equals the imported one.
    #[schemars(extend("enum" = ["imported", "unchanged"]))]
    pub outcome: &'static str,
    /// Bytes of the downloaded file.
    pub bytes: u64,
    /// Bytes already present from an interrupted download.
    pub resumed_from: u64,
    /// SHA-256 of the imported content (the uncompressed JSON for NVD, the file otherwise).
    pub sha256: String,
    /// What was checked: `size` (the server's `Content-Length` or `Content-Range`), `sha256`
    /// (NVD's `.meta`: size and digest of the JSON), `crc32` (OSV's zip members), `parsed`
    /// (the importer read every record; always done).
    pub verified: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported: Option<ImportStats>,
}

/// What `netvet db update` did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UpdateReport {
    pub feeds: Vec<FeedReport>,
    /// The index afterwards.
    pub status: Status,
}

fn download_err(url: &str, message: impl Into<String>) -> Error {
    Error::Download {
        url: url.to_string(),
        message: message.into(),
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

fn agent(opts: &Options) -> Result<ureq::Agent> {
    let proxy = match &opts.proxy {
        Proxy::FromEnvironment => ureq::Proxy::try_from_env(),
        Proxy::Direct => None,
        Proxy::Url(u) => {
            Some(ureq::Proxy::new(u).map_err(|e| download_err(u, format!("bad proxy: {e}")))?)
        }
    };
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(proxy)
        .timeout_connect(Some(opts.timeout))
        .timeout_recv_response(Some(opts.timeout))
        .timeout_recv_body(Some(opts.body_timeout))
        .user_agent(concat!("netvet/", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(config.new_agent())
}

/// Downloads and imports the selected feeds into the index at `index`; the index changes only
/// if every feed was fetched, verified and imported. `progress` hears each step.
pub fn update(
    index: &Path,
    opts: &Options,
    progress: &mut dyn FnMut(&str),
) -> Result<UpdateReport> {
    if opts.select.is_empty() {
        return Err(Error::Data {
            file: index.display().to_string(),
            message: "no feed selected to update".to_string(),
        });
    }
    let agent = agent(opts)?;
    std::fs::create_dir_all(&opts.downloads).map_err(io_err(&opts.downloads))?;
    let mut staged = match Staged::begin(index) {
        Err(Error::Schema { found, .. }) => {
            progress(&format!(
                "{}: index schema {found} is not this netvet's; building a new one",
                index.display()
            ));
            Staged::begin_empty(index)?
        }
        other => other?,
    };
    let mut reports = Vec::new();
    let mut parts = Vec::new();
    for feed in &opts.select {
        let name = feed.name();
        let url = feed.url(&opts.feeds);
        let part = opts.downloads.join(format!("{}.part", feed.file()));
        let expect = match feed {
            Feed::Nvd(_) => {
                let meta = nvd_meta(
                    &agent,
                    &format!("{}.meta", url.trim_end_matches(".json.gz")),
                )?;
                if staged.index().source_sha256(&name)?.as_deref() == Some(meta.sha256.as_str()) {
                    progress(&format!("{name}: unchanged (sha256 {})", meta.sha256));
                    reports.push(FeedReport {
                        name,
                        url,
                        outcome: "unchanged",
                        bytes: 0,
                        resumed_from: 0,
                        sha256: meta.sha256,
                        verified: "sha256".to_string(),
                        imported: None,
                    });
                    continue;
                }
                Some(meta)
            }
            _ => None,
        };
        progress(&format!("{name}: downloading {url}"));
        let got = download(&agent, &url, &part, opts.max_download)?;
        if got.resumed_from > 0 {
            progress(&format!("{name}: resumed at byte {}", got.resumed_from));
        }
        parts.push(part.clone());
        let fetched = now_rfc3339();
        let checked = verify(feed, expect, &url, &name, &part, &opts.bounds);
        let (parsed, sha256, verified) = match checked {
            Ok(c) => c,
            Err(e) => {
                // What failed verification must not be resumed next time.
                remove_download(&part);
                return Err(e);
            }
        };
        progress(&format!("{name}: importing"));
        let from = Provenance {
            origin: Some(url.clone()),
            fetched: Some(fetched),
            sha256: Some(sha256.clone()),
        };
        let stats = staged.index().import_with(&name, parsed, &from)?;
        reports.push(FeedReport {
            name,
            url,
            outcome: "imported",
            bytes: got.bytes,
            resumed_from: got.resumed_from,
            sha256,
            verified: if got.sized {
                format!("size, {verified}")
            } else {
                verified.to_string()
            },
            imported: Some(stats),
        });
    }
    let status = staged.commit()?;
    for p in &parts {
        remove_download(p);
    }
    Ok(UpdateReport {
        feeds: reports,
        status,
    })
}

/// Checks a finished download against what its publisher says (NVD's `.meta`; sizes and
/// CRC-32 inside OSV's zip) and parses it: the records, the SHA-256 of the content, and what
/// was checked.
fn verify(
    feed: &Feed,
    expect: Option<Meta>,
    url: &str,
    name: &str,
    part: &Path,
    bounds: &Bounds,
) -> Result<(Parsed, String, &'static str)> {
    let (parsed, sha256, verified) = match (feed, expect) {
        (Feed::Nvd(_), Some(meta)) => {
            let json = gunzip(part, bounds.max_file_bytes)?;
            let sha = hex::encode(Sha256::digest(&json));
            if json.len() as u64 != meta.size || sha != meta.sha256 {
                return Err(download_err(
                    url,
                    format!(
                        "content does not match its .meta: {} bytes, sha256 {sha}; published {} bytes, sha256 {}",
                        json.len(),
                        meta.size,
                        meta.sha256
                    ),
                ));
            }
            (advisory::parse(name, &json, bounds)?, sha, "sha256")
        }
        (Feed::Osv(_), _) => (osv_zip(name, part, bounds)?, file_sha256(part)?, "crc32"),
        _ => {
            let bytes = crate::staged::read_bounded(part, bounds.max_file_bytes)?;
            let sha = hex::encode(Sha256::digest(&bytes));
            (advisory::parse(name, &bytes, bounds)?, sha, "parsed")
        }
    };
    if parsed.kind != feed.kind() {
        return Err(download_err(
            url,
            format!(
                "expected {} data, the file holds {} data",
                feed.kind(),
                parsed.kind
            ),
        ));
    }
    Ok((parsed, sha256, verified))
}

/// What an NVD `.meta` file says.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Meta {
    size: u64,
    /// Lower-case hex.
    sha256: String,
}

fn nvd_meta(agent: &ureq::Agent, url: &str) -> Result<Meta> {
    let resp = agent
        .get(url)
        .call()
        .map_err(|e| download_err(url, e.to_string()))?;
    if resp.status() != 200 {
        return Err(download_err(url, format!("HTTP {}", resp.status())));
    }
    let text = resp
        .into_body()
        .into_with_config()
        .limit(64 << 10)
        .read_to_string()
        .map_err(|e| download_err(url, e.to_string()))?;
    parse_meta(&text).map_err(|m| download_err(url, m))
}

/// `key:value` lines; `size` and a 64-digit hex `sha256` are required.
fn parse_meta(text: &str) -> std::result::Result<Meta, String> {
    let mut size = None;
    let mut sha256 = None;
    for line in text.lines() {
        match line.trim().split_once(':') {
            Some(("size", v)) => size = v.trim().parse::<u64>().ok(),
            Some(("sha256", v)) => {
                let v = v.trim();
                if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    sha256 = Some(v.to_ascii_lowercase());
                }
            }
            _ => {}
        }
    }
    match (size, sha256) {
        (Some(size), Some(sha256)) => Ok(Meta { size, sha256 }),
        _ => Err("not an NVD .meta file (no size and sha256 lines)".to_string()),
    }
}

/// A finished download.
#[derive(Debug)]
struct Downloaded {
    bytes: u64,
    resumed_from: u64,
    /// The server said the file's size (`Content-Length` or `Content-Range`) and it matched.
    sized: bool,
}

fn validator_path(part: &Path) -> PathBuf {
    let mut p = part.as_os_str().to_owned();
    p.push(".validator");
    PathBuf::from(p)
}

fn remove_download(part: &Path) {
    // Already gone is fine; anything else leaves a file the next run resumes or replaces.
    let _ = std::fs::remove_file(part);
    let _ = std::fs::remove_file(validator_path(part));
}

/// `bytes START-END/TOTAL` or `bytes */TOTAL`: (start, total).
fn content_range(v: &str) -> Option<(Option<u64>, u64)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let total = total.trim().parse().ok()?;
    if range == "*" {
        return Some((None, total));
    }
    let (start, _) = range.split_once('-')?;
    Some((Some(start.trim().parse().ok()?), total))
}

/// Fetches `url` into `part`, resuming what an earlier run left there when the server still
/// has the same file (its validator matches).
fn download(agent: &ureq::Agent, url: &str, part: &Path, max: u64) -> Result<Downloaded> {
    let have = std::fs::metadata(part).map_or(0, |m| m.len());
    let validator = std::fs::read_to_string(validator_path(part)).ok();
    let mut req = agent.get(url);
    let resuming = match validator.as_deref() {
        Some(v) if have > 0 => {
            req = req
                .header("Range", format!("bytes={have}-"))
                .header("If-Range", v.trim());
            true
        }
        _ => false,
    };
    let resp = req.call().map_err(|e| download_err(url, e.to_string()))?;
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let status = resp.status().as_u16();
    let (start, total) = match status {
        200 => (
            0,
            header("content-length").and_then(|v| v.trim().parse::<u64>().ok()),
        ),
        206 if resuming => match header("content-range").as_deref().and_then(content_range) {
            Some((Some(s), t)) if s == have => (have, Some(t)),
            _ => {
                remove_download(part);
                return Err(download_err(
                    url,
                    "the server resumed at another offset; the partial file was removed, run again",
                ));
            }
        },
        416 if resuming => match header("content-range").as_deref().and_then(content_range) {
            // The earlier run had already received all of it.
            Some((None, t)) if t == have => {
                return Ok(Downloaded {
                    bytes: have,
                    resumed_from: have,
                    sized: true,
                });
            }
            _ => {
                remove_download(part);
                return Err(download_err(
                    url,
                    "the server refused to resume; the partial file was removed, run again",
                ));
            }
        },
        s => {
            let reason = resp.status().canonical_reason().unwrap_or("");
            return Err(download_err(
                url,
                format!("HTTP {s} {reason}").trim_end().to_string(),
            ));
        }
    };
    if let Some(t) = total.filter(|t| *t > max) {
        return Err(download_err(
            url,
            format!("{t} bytes, more than the {max} allowed"),
        ));
    }
    // Remember what identifies this version of the file, so a later run may resume it.
    match header("etag").or_else(|| header("last-modified")) {
        Some(v) => std::fs::write(validator_path(part), v).map_err(io_err(part))?,
        None => {
            let _ = std::fs::remove_file(validator_path(part));
        }
    }
    let mut file = if start == 0 {
        std::fs::File::create(part)
    } else {
        std::fs::OpenOptions::new().append(true).open(part)
    }
    .map_err(io_err(part))?;
    let mut body = resp
        .into_body()
        .into_with_config()
        .limit(max.saturating_sub(start))
        .reader();
    let mut received = start;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        // Written as it arrives: what came before an interruption stays for the next run.
        let n = body
            .read(&mut buf)
            .map_err(|e| download_err(url, format!("interrupted after {received} bytes: {e}")))?;
        if n == 0 {
            break;
        }
        file.write_all(&buf[..n]).map_err(io_err(part))?;
        received += n as u64;
    }
    file.sync_all().map_err(io_err(part))?;
    if let Some(t) = total
        && t != received
    {
        return Err(download_err(
            url,
            format!("received {received} of {t} bytes"),
        ));
    }
    Ok(Downloaded {
        bytes: received,
        resumed_from: start,
        sized: total.is_some(),
    })
}

/// The gzip file's content, at most `max` bytes.
fn gunzip(path: &Path, max: u64) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(std::io::BufReader::new(f))
        .take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| Error::Advisory {
            file: path.display().to_string(),
            message: format!("bad gzip data: {e}"),
        })?;
    if out.len() as u64 > max {
        return Err(Error::Advisory {
            file: path.display().to_string(),
            message: format!("decompresses to more than the {max} bytes allowed"),
        });
    }
    Ok(out)
}

fn file_sha256(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Every member of an OSV `all.zip`, parsed and merged into one source.
fn osv_zip(name: &str, path: &Path, bounds: &Bounds) -> Result<Parsed> {
    let f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut r = std::io::BufReader::new(f);
    let zip_err = |e: crate::zip::ZipError| Error::Advisory {
        file: path.display().to_string(),
        message: format!("offset {}: {}", e.offset, e.message),
    };
    let limits = crate::zip::Limits {
        members: bounds.max_records,
        member_bytes: bounds.max_file_bytes.min(64 << 20),
        total_bytes: bounds.max_file_bytes.saturating_mul(8),
    };
    let members = crate::zip::members(&mut r, &limits).map_err(zip_err)?;
    let mut all = Parsed {
        kind: "osv",
        ..Parsed::default()
    };
    for m in &members {
        if !m.name.ends_with(".json") {
            continue;
        }
        let bytes = crate::zip::read(&mut r, m).map_err(zip_err)?;
        let one = advisory::parse(&format!("{name}!/{}", m.name), &bytes, bounds)?;
        if one.kind != "osv" {
            return Err(Error::Advisory {
                file: format!("{}!/{}", path.display(), m.name),
                message: format!("expected an OSV record, found {} data", one.kind),
            });
        }
        all.merge(one);
        if all.advisories.len() > bounds.max_records {
            return Err(Error::Advisory {
                file: path.display().to_string(),
                message: format!("more than {} records", bounds.max_records),
            });
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvd_meta_files_give_size_and_digest() {
        let meta = "lastModifiedDate:2026-12-01T03:00:01-04:00\r\nsize:1234\r\nzipSize:100\r\ngzSize:90\r\nsha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789\r\n";
        assert_eq!(
            parse_meta(meta),
            Ok(Meta {
                size: 1234,
                sha256: "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789".into()
            })
        );
        assert!(parse_meta("<html>not found</html>").is_err());
        assert!(parse_meta("size:1\nsha256:abc").is_err());
    }

    #[test]
    fn content_ranges_parse() {
        assert_eq!(content_range("bytes 100-199/200"), Some((Some(100), 200)));
        assert_eq!(content_range("bytes */200"), Some((None, 200)));
        assert_eq!(content_range("items 1-2/3"), None);
    }

    #[test]
    fn feeds_have_their_official_and_mirror_locations() {
        let f = Feeds::official();
        assert_eq!(
            Feed::Osv("Red Hat:enterprise_linux:9".into()).url(&f),
            "https://osv-vulnerabilities.storage.googleapis.com/Red%20Hat:enterprise_linux:9/all.zip"
        );
        assert_eq!(
            Feed::Nvd(2024).url(&f),
            "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-2024.json.gz"
        );
        let m = Feeds::mirror("http://127.0.0.1:8080/");
        assert_eq!(
            Feed::Kev.url(&m),
            "http://127.0.0.1:8080/kev/known_exploited_vulnerabilities.json"
        );
        assert_eq!(Feed::Osv("Debian".into()).file(), "osv-Debian.zip");
        assert_eq!(
            selection(
                &["Debian".into(), "Alpine".into(), "Debian".into()],
                Some(1999),
                2003,
                true
            ),
            [
                Feed::Osv("Alpine".into()),
                Feed::Osv("Debian".into()),
                Feed::Nvd(2002),
                Feed::Nvd(2003),
                Feed::Kev
            ]
        );
    }
}

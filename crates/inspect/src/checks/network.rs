//! Network indicators: IPv4 addresses, URLs and their hosts hard-coded in scripts,
//! configuration and binaries. Addresses are classified (public, private, loopback,
//! link-local, documentation, shared/CGNAT, multicast, unspecified); public ones and URLs to
//! real hosts are findings, the others are counted only. Documentation is scanned too; its
//! indicators are grouped into one informational finding per file.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Mutex;

use netvet_model::{Category, Severity};
use regex::Regex;

use super::{Check, Extras, is_documentation};
use crate::check::{CheckInfo, Hit, Sink};
use crate::content::{ContentKind, FileCtx, strings};
use netvet_unpack::Tree;

const TAGS: &[&str] = &["network"];

pub const PUBLIC_IP: CheckInfo = CheckInfo {
    id: "nv-net-public-address",
    title: "Hard-coded public IP address",
    tags: TAGS,
    category: Category::NetworkIndicator,
    severity: Severity::Low,
    cwe: &[1188],
    references: &["3gpp:33.117:4.3.2.2", "3gpp:33.117:4.3.2.4"],
    remediation: "Make remote endpoints operator configuration; document every address the product contacts.",
    description: "The image contacts or trusts a fixed address on the Internet; an analyst must know whose it is and why.",
};

pub const URL: CheckInfo = CheckInfo {
    id: "nv-net-url",
    title: "Hard-coded URL",
    tags: TAGS,
    category: Category::NetworkIndicator,
    severity: Severity::Info,
    cwe: &[1188],
    references: &["3gpp:33.117:4.3.2.4"],
    remediation: "Document the endpoints the product contacts; make them configurable.",
    description: "A fixed URL in a script, configuration or binary: update servers, telemetry, or command and control.",
};

const INFOS: &[&CheckInfo] = &[&PUBLIC_IP, &URL];

/// What kind of address an IPv4 address is.
pub fn classify(ip: Ipv4Addr) -> &'static str {
    let o = ip.octets();
    if ip.is_unspecified() {
        "unspecified"
    } else if ip.is_loopback() {
        "loopback"
    } else if ip.is_private() {
        "private"
    } else if ip.is_link_local() {
        "link-local"
    } else if matches!(o, [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]) {
        "documentation"
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        "shared"
    } else if ip.is_multicast() {
        "multicast"
    } else if ip.is_broadcast() || o[0] >= 240 || o[0] == 0 {
        "reserved"
    } else {
        "public"
    }
}

/// True when the text around a dotted quad marks it as a version, an object identifier or
/// an example (`v1.2.3.4`, `version 2.0.0.1`, `testoid1=1.2.3.4`, `e.g. "1.2.3.4:int:5"`,
/// `pkg-1.0.2.3`), not an address. The quad itself is never the reason: `1.1.1.1` and
/// `9.9.9.9` are public resolvers.
fn version_or_oid(before: &str, after: &str) -> bool {
    // The last few characters before the quad are enough (and keep this linear).
    let start = before.char_indices().rev().nth(15).map_or(0, |(i, _)| i);
    let near = before[start..].to_ascii_lowercase();
    let trimmed = near.trim_end_matches([' ', '=', ':', '"', '\'', '\t']);
    let word: String = trimmed
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let marked = matches!(
        word.as_str(),
        "v" | "ver" | "rev" | "release" | "build" | "firmware" | "fw" | "e.g." | "eg" | "example"
    ) || ["oid", "version", "revision", "policy"]
        .iter()
        .any(|w| word.contains(w));
    // `name-1.0.2.3` is a package version; `1.0.2.3-1` and `1.0.2.3~rc1` too.
    let package = near
        .strip_suffix('-')
        .is_some_and(|rest| rest.ends_with(|c: char| c.is_ascii_alphabetic()));
    let suffix = after.starts_with(['-', '~', '+'])
        && after[1..].starts_with(|c: char| c.is_ascii_alphanumeric());
    marked || package || suffix
}

/// True when a dotted quad has the shape of an object identifier (first arc 1 or 2, second
/// below 40: `1.3.101.110`, `2.5.4.3`). Binaries' string tables hold such OIDs alone, with no
/// context to tell them from addresses, so in binaries they are read as OIDs; in text the
/// context decides ([`version_or_oid`]).
fn oid_shaped(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    matches!(o[0], 1 | 2) && o[1] < 40
}

/// Hosts that appear everywhere and mean nothing (standards bodies, licence texts).
fn is_boring_host(host: &str) -> bool {
    const BORING: &[&str] = &[
        "www.w3.org",
        "w3.org",
        "www.gnu.org",
        "gnu.org",
        "fsf.org",
        "www.fsf.org",
        "opensource.org",
        "www.apache.org",
        "apache.org",
        "creativecommons.org",
        "schemas.xmlsoap.org",
        "www.openssl.org",
        "purl.org",
        "xmlns.com",
        "ns.adobe.com",
        "localhost",
        "example.com",
        "example.org",
        "example.net",
        "www.example.com",
        "busybox.net",
        "bugs.debian.org",
        "www.debian.org",
        "tools.ietf.org",
        "www.ietf.org",
        "www.iana.org",
        "www.kernel.org",
        "kernel.org",
    ];
    BORING.contains(&host)
        || host.ends_with(".example.com")
        || host.ends_with(".invalid")
        || host.ends_with(".local")
}

/// Hosts listed per documentation tree at most (the counts are exact).
const MAX_LISTED_DOC_HOSTS: usize = 50;

/// What the documentation of one tree (`/usr/share/doc` of one filesystem...) quotes.
#[derive(Default)]
struct DocIndicators {
    files: u64,
    indicators: u64,
    public_addresses: bool,
    hosts: BTreeSet<String>,
}

/// The documentation tree a file belongs to: the standard documentation directory of its
/// filesystem, or else the file's own directory (`examples/`, Markdown).
fn doc_group(vpath: &str, fs_path: &str) -> String {
    const TREES: &[&str] = &[
        "/usr/share/doc",
        "/usr/share/man",
        "/usr/share/info",
        "/usr/share/locale",
        "/usr/share/common-licenses",
        "/usr/share/gtk-doc",
        "/usr/include",
    ];
    let root = vpath
        .strip_suffix(fs_path)
        .or_else(|| netvet_unpack::tree::image_root(vpath).strip_suffix(fs_path))
        .unwrap_or(vpath);
    match TREES.iter().find(|t| fs_path.starts_with(&format!("{t}/"))) {
        Some(t) => format!("{root}{t}"),
        None => format!(
            "{root}{}",
            fs_path.rsplit_once('/').map_or("", |(dir, _)| dir)
        ),
    }
}

/// The network-indicator check.
pub struct Network {
    ip: Regex,
    url: Regex,
    docs: Mutex<BTreeMap<String, DocIndicators>>,
}

impl Default for Network {
    fn default() -> Self {
        Network::new()
    }
}

impl Network {
    pub fn new() -> Network {
        Network {
            ip: Regex::new(r"(?:^|[^0-9.])((?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})(?:[^0-9.]|$)").expect("ip regex"),
            url: Regex::new(r#"(?i)\b(https?|ftp|tftp|wss?|mqtts?)://([A-Za-z0-9._~\-]+|\[[0-9a-f:]+\])(?::[0-9]{1,5})?(?:/[^\s"'<>)\\]*)?"#).expect("url regex"),
            docs: Mutex::new(BTreeMap::new()),
        }
    }

    /// The indicators in one piece of text; `base_offset` is set for strings of a binary.
    fn scan_text(
        &self,
        text: &str,
        base_offset: Option<usize>,
        budget: &mut usize,
        out: &mut Vec<Indicator>,
    ) {
        let at = |start: usize| match base_offset {
            Some(o) => Place::Offset((o + start) as u64),
            None => Place::Line(text[..start].matches('\n').count() + 1),
        };
        for c in self.url.captures_iter(text) {
            if *budget == 0 {
                return;
            }
            let (Some(m), Some(host)) = (c.get(0), c.get(2)) else {
                continue;
            };
            let host = host.as_str().to_ascii_lowercase();
            let class = host.parse::<Ipv4Addr>().map(classify).unwrap_or("domain");
            if is_boring_host(&host) || !matches!(class, "public" | "domain") {
                continue;
            }
            *budget -= 1;
            out.push(Indicator {
                info: &URL,
                value: m.as_str().to_string(),
                host,
                class,
                place: at(m.start()),
            });
        }
        for c in self.ip.captures_iter(text) {
            if *budget == 0 {
                return;
            }
            let Some(m) = c.get(1) else { continue };
            let Ok(ip) = m.as_str().parse::<Ipv4Addr>() else {
                continue;
            };
            let class = classify(ip);
            let before = &text[..m.start()];
            // Addresses inside URLs are already reported with the URL.
            if class != "public"
                || before.ends_with("://")
                || version_or_oid(before, &text[m.end()..])
                || (base_offset.is_some() && oid_shaped(ip))
            {
                continue;
            }
            *budget -= 1;
            out.push(Indicator {
                info: &PUBLIC_IP,
                value: m.as_str().to_string(),
                host: m.as_str().to_string(),
                class,
                place: at(m.start()),
            });
        }
    }
}

/// Where in a file an indicator is.
enum Place {
    Line(usize),
    Offset(u64),
}

/// One address or URL found.
struct Indicator {
    info: &'static CheckInfo,
    value: String,
    host: String,
    class: &'static str,
    place: Place,
}

impl Check for Network {
    fn area(&self) -> &'static str {
        "network"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        INFOS.to_vec()
    }

    fn file(&self, ctx: &FileCtx<'_>, sink: &Sink) {
        // At most this many indicators per file: a binary full of URLs is reported, not dumped.
        let mut budget = 25;
        let mut found = Vec::new();
        match ctx.kind {
            ContentKind::Text => {
                let text = ctx.lossy();
                self.scan_text(text, None, &mut budget, &mut found);
            }
            ContentKind::Elf | ContentKind::Binary => {
                for (off, s) in strings(ctx.data, 7).take(500_000) {
                    if budget == 0 {
                        break;
                    }
                    if s.contains("://") || s.bytes().filter(|&b| b == b'.').count() >= 3 {
                        self.scan_text(s, Some(off), &mut budget, &mut found);
                    }
                }
            }
            ContentKind::Empty => {}
        }
        if found.is_empty() {
            return;
        }
        if is_documentation(ctx.fs_path()) {
            // Documentation quotes addresses and links by the hundred: one informational
            // finding per documentation tree lists them (see `finish`).
            let group = doc_group(&ctx.entry.path, ctx.fs_path());
            let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
            let d = docs.entry(group).or_default();
            d.files += 1;
            d.indicators += found.len() as u64;
            d.public_addresses |= found.iter().any(|i| i.info.id == PUBLIC_IP.id);
            for i in found {
                if d.hosts.len() < MAX_LISTED_DOC_HOSTS {
                    d.hosts.insert(i.host);
                }
            }
            return;
        }
        for i in found {
            let mut hit = Hit::new(i.info, &ctx.entry.path, &i.value, i.value.clone());
            hit = if i.info.id == URL.id {
                hit.detail("host", i.host).detail("host_class", i.class)
            } else {
                hit.detail("class", i.class)
            };
            hit = match i.place {
                Place::Offset(o) => hit.offset(o),
                Place::Line(l) => hit.line(l),
            };
            if i.info.id == URL.id && i.class == "public" {
                hit = hit.severity(Severity::Low);
            }
            sink.hit(hit);
        }
    }

    fn finish(&self, _tree: &Tree, sink: &Sink, _extras: &mut Extras) {
        let docs = std::mem::take(&mut *self.docs.lock().unwrap_or_else(|p| p.into_inner()));
        for (group, d) in docs {
            let info = if d.public_addresses { &PUBLIC_IP } else { &URL };
            let hosts: Vec<String> = d.hosts.into_iter().collect();
            let shown: Vec<&str> = hosts.iter().take(12).map(String::as_str).collect();
            sink.hit(
                Hit::new(
                    info,
                    &group,
                    "documentation",
                    format!(
                        "{} address{} and URL{} in {} documentation file{}: {}{}",
                        d.indicators,
                        if d.indicators == 1 { "" } else { "es" },
                        if d.indicators == 1 { "" } else { "s" },
                        d.files,
                        if d.files == 1 { "" } else { "s" },
                        shown.join(", "),
                        if hosts.len() > shown.len() {
                            ", …"
                        } else {
                            ""
                        }
                    ),
                )
                .title("Addresses and URLs quoted in documentation")
                .severity(Severity::Info)
                .detail("documentation", true)
                .detail("files", d.files)
                .detail("indicators", d.indicators)
                .detail("hosts", hosts),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_classes() {
        let c = |s: &str| classify(s.parse().unwrap());
        assert_eq!(c("8.8.8.8"), "public");
        assert_eq!(c("10.1.2.3"), "private");
        assert_eq!(c("192.168.1.1"), "private");
        assert_eq!(c("127.0.0.1"), "loopback");
        assert_eq!(c("169.254.1.1"), "link-local");
        assert_eq!(c("203.0.113.50"), "documentation");
        assert_eq!(c("100.64.0.1"), "shared");
        assert_eq!(c("0.0.0.0"), "unspecified");
        assert_eq!(c("224.0.0.1"), "multicast");
    }

    #[test]
    fn small_octets_are_addresses_unless_marked_as_versions() {
        let n = Network::new();
        let found = |text: &str| {
            let mut out = Vec::new();
            n.scan_text(text, None, &mut 25, &mut out);
            out.into_iter().map(|i| i.value).collect::<Vec<_>>()
        };
        assert_eq!(
            found("nameserver 9.9.9.9\nserver 1.2.3.4\n"),
            ["9.9.9.9", "1.2.3.4"]
        );
        assert_eq!(found("server=4.3.2.1 # beacon"), ["4.3.2.1"]);
        assert!(found("v1.2.3.4 version 2.0.0.1 OID 2.5.4.3 libfoo-1.0.2.3").is_empty());
        assert!(found("# testoid1=1.2.3.4\ne.g. \"1.2.3.4:int:56789\"").is_empty());
        // In a binary's strings an OID-shaped quad is an OID; other small quads are addresses.
        let mut out = Vec::new();
        n.scan_text("1.3.101.110", Some(0), &mut 25, &mut out);
        n.scan_text("9.9.9.9", Some(100), &mut 25, &mut out);
        assert_eq!(
            out.iter().map(|i| i.value.as_str()).collect::<Vec<_>>(),
            ["9.9.9.9"]
        );
        assert_eq!(found("7.7.7.7-1\n"), Vec::<String>::new());
    }

    #[test]
    fn ip_regex_needs_whole_quads() {
        let n = Network::new();
        let found: Vec<_> =
            n.ip.captures_iter("server 8.8.8.8 and version 1.2.3.4.5 and 300.1.1.1 x")
                .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
                .collect();
        assert_eq!(found, ["8.8.8.8"]);
    }
}

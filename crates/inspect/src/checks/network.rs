//! Network indicators: IPv4 addresses, URLs and their hosts hard-coded in scripts,
//! configuration and binaries. Addresses are classified (public, private, loopback,
//! link-local, documentation, shared/CGNAT, multicast, unspecified); public ones and URLs to
//! real hosts are findings, the others are counted only. Documentation is scanned too; its
//! indicators are grouped into one informational finding per file.

use std::net::Ipv4Addr;

use netvet_model::{Category, Severity};
use regex::Regex;

use super::{Check, is_documentation};
use crate::check::{CheckInfo, Hit, Sink};
use crate::content::{ContentKind, FileCtx, strings};

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

/// True when the text around a dotted quad marks it as a version or an object identifier
/// (`v1.2.3.4`, `version 2.0.0.1`, `OID 2.5.4.3`, `pkg-1.0.2.3`), not an address. The
/// quad itself is never the reason: `1.1.1.1` and `9.9.9.9` are public resolvers.
fn version_or_oid(before: &str, after: &str) -> bool {
    // The last few characters before the quad are enough (and keep this linear).
    let start = before
        .char_indices()
        .rev()
        .nth(15)
        .map_or(0, |(i, _)| i);
    let near = before[start..].to_ascii_lowercase();
    let word = near.trim_end_matches([' ', '=', ':', '"', '\'']);
    let marked = [
        "v", "ver", "version", "rev", "revision", "release", "oid", "build", "firmware", "fw",
    ]
    .iter()
    .any(|w| {
        word.strip_suffix(w)
            .is_some_and(|rest| !rest.ends_with(|c: char| c.is_ascii_alphanumeric()))
    });
    // `name-1.0.2.3` is a package version; `1.0.2.3-1` and `1.0.2.3~rc1` too.
    let package = near
        .strip_suffix('-')
        .is_some_and(|rest| rest.ends_with(|c: char| c.is_ascii_alphabetic()));
    let suffix = after.starts_with(['-', '~', '+'])
        && after[1..].starts_with(|c: char| c.is_ascii_alphanumeric());
    marked || package || suffix
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

/// The network-indicator check.
pub struct Network {
    ip: Regex,
    url: Regex,
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
                let text = String::from_utf8_lossy(ctx.data);
                self.scan_text(&text, None, &mut budget, &mut found);
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
            // Documentation quotes addresses and links by the dozen: one informational
            // finding per file lists them.
            let mut hosts: Vec<String> = found.iter().map(|i| i.host.clone()).collect();
            hosts.sort();
            hosts.dedup();
            let info = if found.iter().any(|i| i.info.id == PUBLIC_IP.id) {
                &PUBLIC_IP
            } else {
                &URL
            };
            sink.hit(
                Hit::new(
                    info,
                    &ctx.entry.path,
                    "documentation",
                    format!(
                        "{} network indicator{} in documentation: {}",
                        found.len(),
                        if found.len() == 1 { "" } else { "s" },
                        hosts.join(", ")
                    ),
                )
                .title("Addresses and URLs in documentation")
                .severity(Severity::Info)
                .detail("documentation", true)
                .detail("hosts", hosts)
                .detail("count", found.len()),
            );
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
        assert_eq!(found("nameserver 9.9.9.9\nserver 1.2.3.4\n"), ["9.9.9.9", "1.2.3.4"]);
        assert_eq!(found("server=4.3.2.1 # beacon"), ["4.3.2.1"]);
        assert!(found("v1.2.3.4 version 2.0.0.1 OID 2.5.4.3 libfoo-1.0.2.3").is_empty());
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

//! Network indicators: IPv4 addresses, URLs and their hosts hard-coded in scripts,
//! configuration and binaries. Addresses are classified (public, private, loopback,
//! link-local, documentation, shared/CGNAT, multicast, unspecified); public ones and URLs to
//! real hosts are findings, the others are counted only. Documentation trees are skipped.

use std::net::Ipv4Addr;

use netvet_model::{Category, Severity};
use regex::Regex;

use super::Check;
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

/// Dotted quads of single digits (1.2.3.4, 2.5.4.3) are examples, OIDs and versions far more
/// often than addresses; the public resolvers among them are kept.
fn placeholder(ip: Ipv4Addr) -> bool {
    const RESOLVERS: &[[u8; 4]] = &[
        [8, 8, 8, 8],
        [8, 8, 4, 4],
        [1, 1, 1, 1],
        [1, 0, 0, 1],
        [9, 9, 9, 9],
        [4, 2, 2, 1],
        [4, 2, 2, 2],
    ];
    let o = ip.octets();
    o.iter().all(|&b| b < 10) && !RESOLVERS.contains(&o)
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

/// Paths whose URLs are documentation rather than behaviour.
fn skip_path(fs_path: &str) -> bool {
    [
        "/usr/share/doc/",
        "/usr/share/man/",
        "/usr/share/info/",
        "/usr/share/locale/",
        "/usr/share/common-licenses/",
        "/usr/include/",
    ]
    .iter()
    .any(|p| fs_path.starts_with(p))
        || fs_path.ends_with(".html") && fs_path.contains("/doc")
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

    fn scan_text(
        &self,
        text: &str,
        ctx: &FileCtx<'_>,
        sink: &Sink,
        base_offset: Option<usize>,
        budget: &mut usize,
    ) {
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
            let mut hit = Hit::new(&URL, &ctx.entry.path, m.as_str(), m.as_str().to_string())
                .detail("host", host.clone())
                .detail("host_class", class);
            hit = match base_offset {
                Some(o) => hit.offset((o + m.start()) as u64),
                None => hit.line(text[..m.start()].matches('\n').count() + 1),
            };
            if class == "public" {
                hit = hit.severity(Severity::Low);
            }
            sink.hit(hit);
        }
        for c in self.ip.captures_iter(text) {
            if *budget == 0 {
                return;
            }
            let Some(m) = c.get(1) else { continue };
            let Ok(ip) = m.as_str().parse::<Ipv4Addr>() else {
                continue;
            };
            // Version numbers like 1.2.3.4 in binaries look like addresses; public ones with a
            // leading component below 11 are mostly versions, so binaries need a dotted quad
            // that stands alone.
            let class = classify(ip);
            if class != "public"
                || (base_offset.is_some() && ip.octets()[0] < 11)
                || placeholder(ip)
            {
                continue;
            }
            // Skip addresses inside URLs (already reported).
            let before = &text[..m.start()];
            if before.ends_with("://") {
                continue;
            }
            *budget -= 1;
            let mut hit = Hit::new(
                &PUBLIC_IP,
                &ctx.entry.path,
                m.as_str(),
                m.as_str().to_string(),
            )
            .detail("class", class);
            hit = match base_offset {
                Some(o) => hit.offset((o + m.start()) as u64),
                None => hit.line(before.matches('\n').count() + 1),
            };
            sink.hit(hit);
        }
    }
}

impl Check for Network {
    fn area(&self) -> &'static str {
        "network"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        INFOS.to_vec()
    }

    fn file(&self, ctx: &FileCtx<'_>, sink: &Sink) {
        if skip_path(ctx.fs_path()) {
            return;
        }
        // At most this many indicators per file: a binary full of URLs is reported, not dumped.
        let mut budget = 25;
        match ctx.kind {
            ContentKind::Text => {
                let text = String::from_utf8_lossy(ctx.data);
                self.scan_text(&text, ctx, sink, None, &mut budget);
            }
            ContentKind::Elf | ContentKind::Binary => {
                for (off, s) in strings(ctx.data, 7).take(500_000) {
                    if budget == 0 {
                        break;
                    }
                    if s.contains("://") || s.bytes().filter(|&b| b == b'.').count() >= 3 {
                        self.scan_text(s, ctx, sink, Some(off), &mut budget);
                    }
                }
            }
            ContentKind::Empty => {}
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
    fn ip_regex_needs_whole_quads() {
        let n = Network::new();
        let found: Vec<_> =
            n.ip.captures_iter("server 8.8.8.8 and version 1.2.3.4.5 and 300.1.1.1 x")
                .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
                .collect();
        assert_eq!(found, ["8.8.8.8"]);
    }
}

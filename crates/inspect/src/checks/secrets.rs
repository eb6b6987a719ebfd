//! Secrets in configuration: cloud and API tokens, SNMP communities (write access above all),
//! Wi-Fi keys and hard-coded passwords in the configuration formats network gear uses, and
//! passwords compiled into programs (`authcmp`).

use netvet_model::{Category, Severity};
use regex::Regex;

use super::{Check, authcmp, is_documentation};
use crate::check::{CheckInfo, Hit, Sink, printable, redact};
use crate::content::{ContentKind, FileCtx, strings};

const TAGS: &[&str] = &["secrets", "credentials"];

pub const CLOUD_KEY: CheckInfo = CheckInfo {
    id: "nv-secret-cloud-token",
    title: "Cloud or API token in the image",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::High,
    cwe: &[798],
    references: &["3gpp:33.117:4.2.3.2.2", "3gpp:33.117:4.2.3.4.2.3"],
    remediation: "Revoke the token; provision per-device credentials at run time.",
    description: "A token for a cloud or vendor service, shared by every device and readable by anyone with the image.",
};

pub const SNMP_WRITE: CheckInfo = CheckInfo {
    id: "nv-secret-snmp-write-community",
    title: "SNMP community with write access",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::High,
    cwe: &[798, 1392],
    references: &["3gpp:33.117:4.2.3.4.2.3", "3gpp:33.117:4.2.3.2.4"],
    remediation: "Remove write communities; use SNMPv3 with per-operator credentials.",
    description: "Anyone who knows the community string can change the device's configuration over SNMP, in clear text.",
};

pub const SNMP_DEFAULT: CheckInfo = CheckInfo {
    id: "nv-secret-snmp-default-community",
    title: "SNMP default community",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::Medium,
    cwe: &[1392],
    references: &["3gpp:33.117:4.2.3.4.2.3"],
    remediation: "Remove the `public` community; use SNMPv3.",
    description: "`public` is the first community every scanner tries; it discloses configuration and topology.",
};

pub const WIFI_KEY: CheckInfo = CheckInfo {
    id: "nv-secret-wifi-key",
    title: "Hard-coded Wi-Fi key",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::Medium,
    cwe: &[798],
    references: &["3gpp:33.117:4.2.3.4.2.3"],
    remediation: "Generate a per-device key at manufacturing or first boot.",
    description: "Every device shares the same wireless key.",
};

pub const CONFIG_PASSWORD: CheckInfo = CheckInfo {
    id: "nv-secret-config-password",
    title: "Password in a configuration file",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::Medium,
    cwe: &[260, 798],
    references: &["3gpp:33.117:4.2.3.2.3", "3gpp:33.117:4.2.3.4.2.3"],
    remediation: "Do not ship passwords; store only salted hashes and provision secrets per device.",
    description: "A clear-text password in shipped configuration is shared by every device.",
};

pub const BINARY_PASSWORD: CheckInfo = CheckInfo {
    id: "nv-secret-binary-password",
    title: "Password compiled into a program",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::High,
    cwe: &[259, 798],
    references: &["3gpp:33.117:4.2.3.4.2.3"],
    remediation: "Remove the built-in password; authenticate against per-device credentials that the operator sets.",
    description: "The program compares input with a string constant next to its login or password handling: a password that every copy of the firmware accepts. Found by decoding the comparison's call site (x86-64 and AArch64).",
};

const INFOS: &[&CheckInfo] = &[
    &CLOUD_KEY,
    &SNMP_WRITE,
    &SNMP_DEFAULT,
    &WIFI_KEY,
    &CONFIG_PASSWORD,
    &BINARY_PASSWORD,
];

struct Pattern {
    info: &'static CheckInfo,
    name: &'static str,
    re: Regex,
    /// Capture group holding the secret.
    group: usize,
    /// Also searched in binaries' strings.
    binary: bool,
}

/// The secrets check with its compiled patterns.
pub struct Secrets {
    patterns: Vec<Pattern>,
    /// Any of the binary patterns, over raw bytes: a file where it finds nothing has no string
    /// they can match (a match inside a printable string is a match in the bytes around it),
    /// so its strings are not extracted and searched one by one.
    binary_any: Option<regex::bytes::Regex>,
}

impl Default for Secrets {
    fn default() -> Self {
        Secrets::new()
    }
}

impl Secrets {
    pub fn new() -> Secrets {
        let p = |info, name, re: &str, group, binary| Pattern {
            info,
            name,
            re: Regex::new(re).expect("built-in secret pattern compiles"),
            group,
            binary,
        };
        let patterns = vec![
            p(
                &CLOUD_KEY,
                "aws-access-key-id",
                r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b",
                1,
                true,
            ),
            p(
                &CLOUD_KEY,
                "aws-secret-access-key",
                r#"(?i)aws_?secret_?access_?key\s*[=:]\s*["']?([A-Za-z0-9/+=]{40})\b"#,
                1,
                true,
            ),
            p(
                &CLOUD_KEY,
                "github-token",
                r"\b(gh[pousr]_[A-Za-z0-9]{36,})\b",
                1,
                true,
            ),
            p(
                &CLOUD_KEY,
                "slack-token",
                r"\b(xox[abprs]-[A-Za-z0-9-]{10,})\b",
                1,
                true,
            ),
            p(
                &CLOUD_KEY,
                "google-api-key",
                r"\b(AIza[0-9A-Za-z_-]{35})\b",
                1,
                true,
            ),
            p(
                &CLOUD_KEY,
                "azure-storage-key",
                r"AccountKey=([A-Za-z0-9+/]{86}==)",
                1,
                true,
            ),
            p(
                &CLOUD_KEY,
                "generic-api-token",
                r#"(?i)\b(?:api[_-]?key|api[_-]?token|access[_-]?token|auth[_-]?token|client[_-]?secret)\b\s*[=:]\s*["']?([A-Za-z0-9_\-./+]{20,})"#,
                1,
                false,
            ),
            p(
                &SNMP_WRITE,
                "snmp-rwcommunity",
                r"(?m)^\s*rwcommunity6?\s+(\S+)",
                1,
                false,
            ),
            p(
                &SNMP_WRITE,
                "snmp-com2sec-write",
                r#"(?m)^\s*option\s+(?:rw|write)community\s+'?([^'\s]+)"#,
                1,
                false,
            ),
            p(
                &SNMP_WRITE,
                "snmp-server-community-rw",
                r"(?im)^\s*snmp-server\s+community\s+(\S+)(?:\s+view\s+\S+)?\s+RW\b",
                1,
                false,
            ),
            p(
                &SNMP_DEFAULT,
                "snmp-public",
                r"(?m)^\s*rocommunity6?\s+(public)\b",
                1,
                false,
            ),
            p(
                &SNMP_DEFAULT,
                "snmp-com2sec-public",
                r"(?m)^\s*com2sec6?\s+\S+\s+\S+\s+(public)\b",
                1,
                false,
            ),
            p(
                &SNMP_DEFAULT,
                "snmp-server-community-public",
                r"(?im)^\s*snmp-server\s+community\s+(public)\b",
                1,
                false,
            ),
            p(
                &WIFI_KEY,
                "wpa-passphrase",
                r"(?m)^\s*wpa_passphrase\s*=\s*(\S+)",
                1,
                false,
            ),
            p(
                &WIFI_KEY,
                "wpa-psk",
                r#"(?m)^\s*psk\s*=\s*"?([^"\s]{8,})"#,
                1,
                false,
            ),
            p(
                &WIFI_KEY,
                "wpa-psk-hex",
                r"(?m)^\s*wpa_psk\s*=\s*([0-9A-Fa-f]{64})\b",
                1,
                false,
            ),
            p(
                &WIFI_KEY,
                "nvram-wpa-psk",
                r"(?m)^\s*wl\d*(?:\.\d+)?_wpa_psk\s*=\s*(\S{8,})",
                1,
                false,
            ),
            p(
                &WIFI_KEY,
                "uci-wifi-key",
                r#"(?m)^\s*option\s+key\s+'([^']{8,})'"#,
                1,
                false,
            ),
            p(
                &CONFIG_PASSWORD,
                "xml-password",
                r"(?i)<(?:password|passwd|adminpassword|userpassword)>([^<\s]{4,})</",
                1,
                false,
            ),
            p(
                &CONFIG_PASSWORD,
                "uci-password",
                r#"(?m)^\s*option\s+(?:password|passwd)\s+'([^']{4,})'"#,
                1,
                false,
            ),
        ];
        let any: Vec<String> = patterns
            .iter()
            .filter(|p| p.binary)
            .map(|p| format!("(?:{})", p.re.as_str()))
            .collect();
        Secrets {
            binary_any: regex::bytes::Regex::new(&any.join("|")).ok(),
            patterns,
        }
    }
}

/// A `config com2sec` section of OpenWrt's snmpd configuration, as read so far.
#[derive(Default)]
struct Com2sec {
    secname: Option<String>,
    /// The community and its line.
    community: Option<(String, usize)>,
}

impl Com2sec {
    /// What the section grants: a security name `rw` is write access; a `public` community
    /// is the default. (info, kind, community, line).
    fn hit(self) -> Option<(&'static CheckInfo, &'static str, String, usize)> {
        let (community, line) = self.community?;
        if self.secname?.eq_ignore_ascii_case("rw") {
            Some((&SNMP_WRITE, "uci-com2sec-rw", community, line))
        } else if community == "public" {
            Some((&SNMP_DEFAULT, "uci-com2sec-public", community, line))
        } else {
            None
        }
    }
}

/// OpenWrt's snmpd configuration names communities in `com2sec` sections.
fn uci_com2sec(text: &str) -> Vec<(&'static CheckInfo, &'static str, String, usize)> {
    let unquote = |v: &str| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string();
    let mut out = Vec::new();
    let mut section: Option<Com2sec> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(rest) = line.strip_prefix("config ") {
            out.extend(section.take().and_then(Com2sec::hit));
            if rest.split_whitespace().next().map(unquote).as_deref() == Some("com2sec") {
                section = Some(Com2sec::default());
            }
        } else if let Some(s) = section.as_mut() {
            let mut words = line.split_whitespace();
            if words.next() != Some("option") {
                continue;
            }
            match (words.next(), words.next()) {
                (Some("secname"), Some(v)) => s.secname = Some(unquote(v)),
                (Some("community"), Some(v)) => s.community = Some((unquote(v), i + 1)),
                _ => {}
            }
        }
    }
    out.extend(section.and_then(Com2sec::hit));
    out
}

impl Check for Secrets {
    fn area(&self) -> &'static str {
        "secrets"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        INFOS.to_vec()
    }

    fn file(&self, ctx: &FileCtx<'_>, sink: &Sink) {
        // Secrets quoted in documentation are examples far more often than configuration:
        // reported, at informational severity.
        let doc = is_documentation(ctx.fs_path());
        let mark = |hit: Hit<'static>| {
            if doc {
                hit.severity(Severity::Info).detail("documentation", true)
            } else {
                hit
            }
        };
        match ctx.kind {
            ContentKind::Text => {
                let text = ctx.lossy();
                if text.contains("com2sec") {
                    for (info, kind, community, line) in uci_com2sec(text) {
                        sink.hit(mark(
                            Hit::new(
                                info,
                                &ctx.entry.path,
                                format!("{kind}:{line}"),
                                format!("{kind}: {}", redact(&community)),
                            )
                            .line(line)
                            .detail("kind", kind),
                        ));
                    }
                }
                for p in &self.patterns {
                    for c in p.re.captures_iter(text).take(20) {
                        let Some(m) = c.get(p.group) else { continue };
                        let line = text[..m.start()].matches('\n').count() + 1;
                        let secret = m.as_str();
                        if secret.starts_with('$') || secret.contains("${") {
                            continue; // a variable, not a value
                        }
                        sink.hit(mark(
                            Hit::new(
                                p.info,
                                &ctx.entry.path,
                                format!("{}:{line}", p.name),
                                format!("{}: {}", p.name, redact(secret)),
                            )
                            .line(line)
                            .detail("kind", p.name),
                        ));
                    }
                }
            }
            ContentKind::Elf | ContentKind::Binary => {
                if ctx.kind == ContentKind::Elf && ctx.complete {
                    for c in authcmp::compared_literals(ctx.data) {
                        sink.hit(mark(
                            Hit::new(
                                &BINARY_PASSWORD,
                                &ctx.entry.path,
                                format!("compare:{}", c.literal),
                                format!(
                                    "{}(…, \"{}\") at 0x{:x}, near \"{}\"",
                                    c.function,
                                    redact(&c.literal),
                                    c.call_at,
                                    printable(c.context.as_bytes())
                                ),
                            )
                            .offset(c.offset)
                            .detail("function", c.function)
                            .detail("call_address", format!("0x{:x}", c.call_at))
                            .detail("architecture", c.arch)
                            .detail("context", c.context.clone())
                            .detail("confidence", "call site decoded"),
                        ));
                    }
                }
                if self
                    .binary_any
                    .as_ref()
                    .is_some_and(|re| !re.is_match(ctx.data))
                {
                    return;
                }
                for (off, s) in strings(ctx.data, 16).take(200_000) {
                    for p in self.patterns.iter().filter(|p| p.binary) {
                        if let Some(c) = p.re.captures(s)
                            && let Some(m) = c.get(p.group)
                        {
                            sink.hit(mark(
                                Hit::new(
                                    p.info,
                                    &ctx.entry.path,
                                    format!("{}:{off}", p.name),
                                    format!("{}: {}", p.name, redact(m.as_str())),
                                )
                                .offset((off + m.start()) as u64)
                                .detail("kind", p.name),
                            ));
                        }
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

    fn names(text: &str) -> Vec<&'static str> {
        let s = Secrets::new();
        let mut out = Vec::new();
        for p in &s.patterns {
            if p.re.is_match(text) {
                out.push(p.name);
            }
        }
        out
    }

    #[test]
    fn finds_typical_secrets() {
        assert_eq!(
            names("rwcommunity private\nrocommunity public\n"),
            ["snmp-rwcommunity", "snmp-public"]
        );
        assert_eq!(names("wpa_passphrase=SuperSecret123\n"), ["wpa-passphrase"]);
        assert_eq!(names("AKIAIOSFODNN7EXAMPLE"), ["aws-access-key-id"]);
        assert!(names("rocommunity readonly\n# rwcommunity private\n").is_empty());
    }
}

//! Web roots: debug, shell and manufacturing pages and CGI scripts (the ZTE
//! `web_shell_cmd.gch` and Belkin `dev.cgi` kind), CGI that evaluates request input as
//! commands, and web server configuration (directory listings, running as root).

use netvet_model::{Category, Severity};
use netvet_unpack::Tree;
use regex::Regex;

use super::{Check, Extras, system_roots};
use crate::check::{CheckInfo, Hit, Sink};
use crate::content::ContentKind;

const TAGS: &[&str] = &["web"];

pub const DEBUG_PAGE: CheckInfo = CheckInfo {
    id: "nv-web-debug-page",
    title: "Debug, shell or manufacturing page in the web root",
    tags: &["web", "backdoor"],
    category: Category::Backdoor,
    severity: Severity::High,
    cwe: &[489, 912],
    references: &[
        "3gpp:33.117:4.3.2.4",
        "3gpp:33.117:4.3.4.9",
        "3gpp:33.117:4.2.3.4.1.1",
    ],
    remediation: "Remove debug and manufacturing pages from production images.",
    description: "Pages named for shells, commands, debugging or manufacturing tests are how the ZTE web_shell_cmd.gch, Belkin dev.cgi and TP-Link debug back doors were reached.",
};

pub const COMMAND_CGI: CheckInfo = CheckInfo {
    id: "nv-web-command-execution",
    title: "Web script runs request input as a command",
    tags: &["web", "backdoor"],
    category: Category::Backdoor,
    severity: Severity::Critical,
    cwe: &[78],
    references: &["3gpp:33.117:4.3.4.7", "3gpp:33.117:4.2.3.4.1.1"],
    remediation: "Remove the script; never pass request data to a shell.",
    description: "A CGI or server-side script hands query or form data to a shell: remote command execution by design.",
};

pub const DIR_LISTING: CheckInfo = CheckInfo {
    id: "nv-web-directory-listing",
    title: "Web server lists directories",
    tags: TAGS,
    category: Category::Configuration,
    severity: Severity::Medium,
    cwe: &[548],
    references: &["3gpp:33.117:4.3.4.10"],
    remediation: "Disable directory listings.",
    description: "Directory listings expose files that were never meant to be linked.",
};

pub const WEB_AS_ROOT: CheckInfo = CheckInfo {
    id: "nv-web-server-root",
    title: "Web server configured to run as root",
    tags: TAGS,
    category: Category::Configuration,
    severity: Severity::Medium,
    cwe: &[250],
    references: &["3gpp:33.117:4.3.4.2"],
    remediation: "Run the web server as an unprivileged user.",
    description: "Any flaw in the web server or its scripts gives root.",
};

const INFOS: &[&CheckInfo] = &[&DEBUG_PAGE, &COMMAND_CGI, &DIR_LISTING, &WEB_AS_ROOT];

/// Directories that usually are web roots.
const WEB_DIRS: &[&str] = &[
    "www",
    "htdocs",
    "web",
    "webroot",
    "webs",
    "home/httpd",
    "var/www",
    "usr/www",
    "srv/www",
    "usr/share/www",
    "www_ro",
    "etc/www",
];

/// The web-root check.
pub struct WebRoot;

fn debug_name() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)(?:^|[/_.-])(?:web_?shell|shell|cmd|command|exec|debug|diag|mfg|manufact|factory|telnet|backdoor|console|syscmd|system_?cmd|dev)(?:[_.-][a-z0-9_-]*)?\.(?:cgi|gch|asp|aspx|php|htm|html|sh|lua|pl|cmd)$|userRpmNatDebugRpm")
            .expect("valid regex")
    })
}

fn command_eval() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?m)(?:\beval\s+["']?\$(?:QUERY_STRING|\{QUERY_STRING\}|FORM_\w+|POST_\w+)|\bsh\s+-c\s+["']?\$\{?(?:QUERY_STRING|FORM_\w+|POST_\w+)|\bsystem\s*\(\s*\$_(?:GET|POST|REQUEST)|\b(?:shell_exec|passthru|exec|popen)\s*\(\s*\$_(?:GET|POST|REQUEST)|(?:os\.execute|io\.popen)\s*\([^)]*(?:formvalue|QUERY_STRING|getenv\(\s*["']QUERY_STRING)|\b(?:system|exec)\s*\(?\s*\$\w+->param\s*\(|`\$_(?:GET|POST)|\$\(\s*echo\s+"?\$QUERY_STRING)"#)
            .expect("valid regex")
    })
}

impl Check for WebRoot {
    fn area(&self) -> &'static str {
        "web"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        INFOS.to_vec()
    }

    fn finish(&self, tree: &Tree, sink: &Sink, _extras: &mut Extras) {
        for root in system_roots(tree) {
            let prefixes: Vec<String> = WEB_DIRS.iter().map(|d| format!("{root}!/{d}/")).collect();
            let cgi_bin = format!("{root}!/usr/lib/cgi-bin/");
            for e in tree.entries() {
                if !e.is_file()
                    || !(prefixes.iter().any(|p| e.path.starts_with(p))
                        || e.path.starts_with(&cgi_bin))
                {
                    continue;
                }
                if e.path[root.len()..].contains("!/") && e.image_root() != root {
                    continue;
                }
                let fs_path = crate::content::fs_path(&e.path);
                if debug_name().is_match(fs_path) {
                    sink.hit(
                        Hit::new(&DEBUG_PAGE, &e.path, "name", fs_path.to_string())
                            .title(format!("Debug or shell page {fs_path}")),
                    );
                }
                if e.size > 0
                    && e.size < 1 << 20
                    && let Ok(b) = tree.read(e)
                    && ContentKind::of(&b) == ContentKind::Text
                {
                    let text = String::from_utf8_lossy(&b);
                    if let Some(m) = command_eval().find(&text) {
                        let line = text[..m.start()].matches('\n').count() + 1;
                        sink.hit(
                            Hit::new(&COMMAND_CGI, &e.path, "eval", m.as_str().to_string())
                                .line(line),
                        );
                    }
                }
            }
            web_server_config(tree, &root, sink);
        }
    }
}

fn web_server_config(tree: &Tree, root: &str, sink: &Sink) {
    let checks: &[(&str, &str, &CheckInfo)] = &[
        (
            "/etc/lighttpd/lighttpd.conf",
            r#"(?m)^\s*dir-listing\.activate\s*=\s*"enable""#,
            &DIR_LISTING,
        ),
        (
            "/etc/lighttpd.conf",
            r#"(?m)^\s*dir-listing\.activate\s*=\s*"enable""#,
            &DIR_LISTING,
        ),
        (
            "/etc/lighttpd/lighttpd.conf",
            r#"(?m)^\s*server\.username\s*=\s*"root""#,
            &WEB_AS_ROOT,
        ),
        (
            "/etc/nginx/nginx.conf",
            r"(?m)^\s*autoindex\s+on",
            &DIR_LISTING,
        ),
        (
            "/etc/nginx/nginx.conf",
            r"(?m)^\s*user\s+root\s*;",
            &WEB_AS_ROOT,
        ),
        (
            "/etc/boa/boa.conf",
            r"(?m)^\s*User\s+(?:root|0)\s*$",
            &WEB_AS_ROOT,
        ),
        (
            "/etc/boa.conf",
            r"(?m)^\s*User\s+(?:root|0)\s*$",
            &WEB_AS_ROOT,
        ),
        (
            "/etc/apache2/apache2.conf",
            r"(?m)^\s*Options\s+.*\bIndexes\b",
            &DIR_LISTING,
        ),
    ];
    for (path, re, info) in checks {
        let Some((vpath, text)) = super::read_text(tree, root, path, sink) else {
            continue;
        };
        let Ok(re) = Regex::new(re) else { continue };
        if let Some(m) = re.find(&text) {
            let line = text[..m.start()].matches('\n').count() + 1;
            sink.hit(Hit::new(info, &vpath, info.id, m.as_str().trim().to_string()).line(line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_page_names() {
        for p in [
            "/home/httpd/web_shell_cmd.gch",
            "/www/dev.cgi",
            "/www/debug/shell.cgi",
            "/www/mfg_test.asp",
            "/www/userRpmNatDebugRpm26525557/start_art.html",
        ] {
            assert!(debug_name().is_match(p), "{p}");
        }
        for p in [
            "/www/index.html",
            "/www/status.cgi",
            "/www/js/jquery.js",
            "/www/device.htm",
        ] {
            assert!(!debug_name().is_match(p), "{p}");
        }
    }

    #[test]
    fn command_evaluation() {
        assert!(command_eval().is_match("eval \"$QUERY_STRING\""));
        assert!(command_eval().is_match("<?php system($_GET['cmd']); ?>"));
        assert!(!command_eval().is_match("echo $QUERY_STRING | grep -q page"));
    }
}

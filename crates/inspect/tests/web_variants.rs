//! Web back doors in the forms firmware ships them: debug and shell pages under every usual
//! web root with the extensions embedded web servers serve (cgi, asp, gch, php, lua, htm),
//! and request parameters run as commands in shell, PHP, Lua (LuCI) and Perl CGIs; each
//! finding's file (and line, for commands) is checked. Ordinary pages give nothing.

#![allow(clippy::unwrap_used)]

mod common;

use netvet_model::Finding;

fn scan(files: &[(&str, &str)]) -> Vec<Finding> {
    let bytes: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(p, t)| (*p, t.as_bytes().to_vec()))
        .collect();
    common::scan("web", &bytes, None).0
}

fn found(findings: &[Finding], check: &str, path: &str) -> Option<Finding> {
    findings
        .iter()
        .find(|f| f.check == check && f.location.path.ends_with(path))
        .cloned()
}

#[test]
fn debug_pages_under_every_web_root() {
    let pages = [
        "www/cgi-bin/debug.cgi",
        "webs/diag.asp",
        "web/telnet.htm",
        "var/www/mfg_test.php",
        "usr/www/syscmd.gch",
        "home/httpd/luci/shell.lua",
        "www_ro/userRpmNatDebugRpm26525557.htm",
    ];
    for page in pages {
        let f = scan(&[(page, "<html>ok</html>\n")]);
        assert!(
            found(&f, "nv-web-debug-page", page).is_some(),
            "{page}: {f:#?}"
        );
    }
}

#[test]
fn request_parameters_run_as_commands() {
    let scripts: [(&str, &str, u32); 6] = [
        (
            "www/cgi-bin/run.cgi",
            "#!/bin/sh\necho Content-type: text/plain\necho\neval $QUERY_STRING\n",
            4,
        ),
        (
            "www/cgi-bin/ping.sh",
            "#!/bin/sh\necho\nsh -c \"$QUERY_STRING\"\n",
            3,
        ),
        (
            "var/www/tools.php",
            "<?php\nif (isset($_GET['c'])) {\n  echo system($_GET['c']);\n}\n",
            3,
        ),
        (
            "www/luci/controller/tools.lua",
            "module(\"luci.controller.tools\")\nfunction run()\n  os.execute(luci.http.formvalue(\"c\"))\nend\n",
            3,
        ),
        (
            "www/luci/controller/ping.lua",
            "local f = io.popen(\"ping -c1 \" .. luci.http.formvalue(\"host\"))\n",
            1,
        ),
        (
            "usr/lib/cgi-bin/admin.pl",
            "#!/usr/bin/perl\nuse CGI;\nmy $q = CGI->new;\nsystem($q->param('cmd'));\n",
            4,
        ),
    ];
    for (path, text, line) in scripts {
        let f = scan(&[(path, text)]);
        let hit =
            found(&f, "nv-web-command-execution", path).unwrap_or_else(|| panic!("{path}: {f:#?}"));
        assert_eq!(hit.location.line, Some(line), "{path}");
    }
}

#[test]
fn ordinary_pages_give_nothing() {
    let f = scan(&[
        ("www/index.html", "<html><body>status</body></html>\n"),
        (
            "www/cgi-bin/status.cgi",
            "#!/bin/sh\necho\nuptime\necho \"$QUERY_STRING\" | grep -q lang=de && echo de\n",
        ),
        (
            "var/www/info.php",
            "<?php echo htmlspecialchars($_GET['q']); ?>\n",
        ),
        (
            "www/luci/controller/status.lua",
            "local v = luci.http.formvalue(\"tab\")\nluci.template.render(\"status\", {tab = v})\n",
        ),
    ]);
    assert!(f.is_empty(), "{f:#?}");
}

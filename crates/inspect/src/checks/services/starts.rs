//! The start graph: what each start point of an image runs, and when. inittab entries and
//! the boot scripts (rcS, rc.local), init.d scripts enabled by rc links or by their `S??`
//! names, systemd units enabled by `.wants` links or timers, crontabs and the periodic script
//! directories, inetd and xinetd.

use std::collections::BTreeMap;

use netvet_model::{EntryKind, Location, Port, Protocol, Service};

use super::daemons::{base, classify, flag_value, inetd_port, is_shell, words};
use super::{CONSOLE_SHELL, Ctx, Start, Started, config, files_under, load_script, script_lines};
use crate::check::Hit;
use crate::content::fs_path;
use netvet_shell::{Invocation, Output};

/// Boot scripts run by busybox init without an inittab, or named by most inittabs.
const BOOT_SCRIPTS: &[&str] = &[
    "/etc/init.d/rcS",
    "/etc/rc.local",
    "/etc/rc.d/rc.local",
    "/etc/rc",
    "/etc/rcS",
    "/etc/rc.d/rcS",
    "/etc/rc.sysinit",
];

/// Reads every start point of one system root.
pub(crate) fn scan_root(ctx: &mut Ctx<'_>) {
    inittab(ctx);
    for s in BOOT_SCRIPTS {
        if let Some((vpath, text)) = load_script(ctx.tree, ctx.root, s) {
            let start = Start::new("init-script", "boot", format!("{s} (boot script)"));
            ctx.run_script(&vpath, &text, &[], &start, 0);
        }
    }
    init_scripts(ctx);
    systemd(ctx);
    inetd(ctx);
    xinetd(ctx);
    cron(ctx);
    config::dropbear_uci(ctx);
    config::sshd_config(ctx);
}

/// When an inittab action runs its process.
fn inittab_schedule(action: &str) -> String {
    match action {
        "sysinit" | "boot" | "bootwait" | "wait" => "boot".into(),
        "once" => "once at boot".into(),
        "respawn" => "respawn".into(),
        "askfirst" => "respawn (after a key press on the console)".into(),
        other => other.to_string(),
    }
}

/// inittab: `id:runlevels:action:process` (busybox leaves id and runlevels empty or uses id
/// as the tty).
fn inittab(ctx: &mut Ctx<'_>) {
    let Some((path, text)) = load_script(ctx.tree, ctx.root, "/etc/inittab") else {
        return;
    };
    for (n, line) in script_lines(&text) {
        let f: Vec<&str> = line.splitn(4, ':').collect();
        if f.len() != 4 {
            ctx.sink
                .error(format!("{path}:{n}: malformed inittab line"));
            continue;
        }
        let (tty, action, process) = (f[0], f[2], f[3].trim());
        let cmd_words = words(process);
        let first = cmd_words.first().map(String::as_str).unwrap_or("");
        let start = Start::new(
            "inittab",
            inittab_schedule(action),
            format!("/etc/inittab:{n} ({action})"),
        );
        if matches!(action, "respawn" | "askfirst" | "once" | "wait") && is_shell(first) {
            ctx.sink.hit(
                start.details(
                    Hit::new(&CONSOLE_SHELL, &path, format!("{n}"), line.to_string())
                        .line(n)
                        .title(format!(
                            "Shell without login on {}",
                            if tty.is_empty() { "the console" } else { tty }
                        )),
                ),
            );
            continue;
        }
        if base(first).contains("getty") && flag_value(&cmd_words, &["-l"]).is_some_and(is_shell) {
            ctx.sink.hit(
                start.details(
                    Hit::new(&CONSOLE_SHELL, &path, format!("{n}"), line.to_string())
                        .line(n)
                        .title("getty runs a shell instead of login"),
                ),
            );
            continue;
        }
        ctx.run_command(&path, n, process, &start);
    }
}

/// Whether a file name matches a glob with `*`, `?` and `[…]` classes.
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char], budget: &mut usize) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..], budget)),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..], budget),
            Some(('[', rest)) => {
                let Some(close) = rest.iter().position(|&c| c == ']') else {
                    return n.first() == Some(&'[') && go(rest, &n[1..], budget);
                };
                let (class, after) = (&rest[..close], &rest[close + 1..]);
                let Some(&c) = n.first() else { return false };
                let (negate, class) = match class.split_first() {
                    Some(('!' | '^', r)) => (true, r),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                hit != negate && go(after, &n[1..], budget)
            }
            Some((&c, rest)) => n.first() == Some(&c) && go(rest, &n[1..], budget),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n, &mut 100_000)
}

/// The paths a glob in the last component names (`/etc/init.d/S??*`), sorted as the shell
/// sorts them.
pub(crate) fn expand_glob(ctx: &Ctx<'_>, pattern: &str) -> Vec<String> {
    let Some((dir, name)) = pattern.rsplit_once('/') else {
        return Vec::new();
    };
    if dir.contains(['*', '?', '[']) || !pattern.starts_with('/') {
        return Vec::new();
    }
    let mut out: Vec<String> = files_under(ctx.tree, ctx.root, dir.trim_start_matches('/'))
        .into_iter()
        .filter(|e| !e.name().starts_with('.') && glob_match(name, e.name()))
        .map(|e| format!("{dir}/{}", e.name()))
        .collect();
    out.sort();
    out.truncate(256);
    out
}

/// init.d scripts: enabled when linked as S* from an rc directory (SysV, OpenWrt) or named
/// S* themselves (busybox's rcS runs `/etc/init.d/S??*`). Scripts already reached from a boot
/// script are not walked again; the others are inventoried but give no findings.
fn init_scripts(ctx: &mut Ctx<'_>) {
    let (tree, root) = (ctx.tree, ctx.root);
    let mut enabled: BTreeMap<String, String> = BTreeMap::new();
    let rc_dirs: Vec<String> = ["etc/rc.d", "etc/rcS.d", "etc/rc.d/rcS.d"]
        .iter()
        .map(|d| d.to_string())
        .chain((0..=6).map(|n| format!("etc/rc{n}.d")))
        .chain((0..=6).map(|n| format!("etc/rc.d/rc{n}.d")))
        .collect();
    for dir in &rc_dirs {
        for e in files_under(tree, root, dir) {
            if !e.name().starts_with('S') {
                continue;
            }
            let target = match e.kind {
                EntryKind::Symlink => tree.resolve(&e.path).map(|t| t.path.clone()),
                EntryKind::File => Some(e.path.clone()),
                _ => None,
            };
            if let Some(t) = target {
                enabled
                    .entry(t)
                    .or_insert_with(|| format!("{} (rc link)", fs_path(&e.path)));
            }
        }
    }
    let mut scripts: Vec<(String, String)> = Vec::new();
    for dir in ["etc/init.d", "etc/rc.d", "etc/rcS.d", "etc/rc.d/init.d"] {
        for e in files_under(tree, root, dir) {
            if e.kind != EntryKind::File {
                continue;
            }
            let name = e.name();
            if name.len() > 1 && name.starts_with('S') && name.as_bytes()[1].is_ascii_digit() {
                enabled
                    .entry(e.path.clone())
                    .or_insert_with(|| format!("{} (S?? script)", fs_path(&e.path)));
            }
            if let Some(s) = load_script(tree, root, fs_path(&e.path)) {
                scripts.push(s);
            }
        }
    }
    scripts.sort();
    scripts.dedup();
    for (vpath, text) in scripts {
        let verb = if text.lines().next().is_some_and(|l| l.contains("rc.common")) {
            "boot"
        } else {
            "start"
        };
        let start = match enabled.get(&vpath) {
            Some(reason) => Start::new("init-script", "boot", reason.clone()),
            None => Start {
                enabled: false,
                ..Start::new(
                    "init-script (not enabled)",
                    "not started",
                    fs_path(&vpath).to_string(),
                )
            },
        };
        ctx.run_script(&vpath, &text, &[verb.to_string()], &start, 0);
    }
}

/// systemd: units enabled by a link in a `.wants` directory, and services that an enabled
/// timer starts.
fn systemd(ctx: &mut Ctx<'_>) {
    let (tree, root) = (ctx.tree, ctx.root);
    let mut when: BTreeMap<String, (String, String)> = BTreeMap::new();
    for e in files_under(tree, root, "etc/systemd/system") {
        if e.kind == EntryKind::Symlink && e.path.contains(".wants/") {
            when.entry(e.name().to_string())
                .or_insert_with(|| ("boot".into(), format!("{} (enabled)", fs_path(&e.path))));
        }
    }
    let dirs = [
        "etc/systemd/system",
        "lib/systemd/system",
        "usr/lib/systemd/system",
    ];
    let unit_text = |name: &str| {
        dirs.iter().find_map(|d| {
            let e = tree.resolve(&format!("{root}!/{d}/{name}"))?;
            let b = tree.read(e).ok()?;
            Some((e.path.clone(), String::from_utf8_lossy(&b).into_owned()))
        })
    };
    // Timers start their service (`Unit=`, else the timer's own name) on their schedule.
    let timers: Vec<String> = when
        .keys()
        .filter(|n| n.ends_with(".timer"))
        .cloned()
        .collect();
    for timer in timers {
        let Some((path, text)) = unit_text(&timer) else {
            continue;
        };
        let mut unit = format!("{}.service", timer.trim_end_matches(".timer"));
        let mut schedule = Vec::new();
        for (_, line) in script_lines(&text) {
            if let Some(u) = line.strip_prefix("Unit=") {
                unit = u.trim().to_string();
            } else if line.starts_with("OnCalendar=")
                || line.starts_with("OnBootSec=")
                || line.starts_with("OnUnitActiveSec=")
                || line.starts_with("OnActiveSec=")
            {
                schedule.push(line.to_string());
            }
        }
        when.insert(
            unit,
            (
                format!("timer {}", schedule.join(", ")),
                format!("{} (timer)", fs_path(&path)),
            ),
        );
    }
    for (name, (schedule, reason)) in when {
        if !(name.ends_with(".service") || name.ends_with(".socket")) {
            continue;
        }
        let Some((path, text)) = unit_text(&name) else {
            continue;
        };
        let start = Start::new("systemd", schedule, reason);
        for (n, line) in script_lines(&text) {
            if let Some(cmd) = line.strip_prefix("ExecStart=") {
                let cmd = cmd.trim_start_matches(['-', '@', '+', '!', ':']);
                let before = ctx.services.len();
                ctx.run_command(&path, n, cmd, &start);
                // Every enabled unit is a service, even when it says nothing about ports.
                if ctx.services.len() == before
                    && let Some(prog) = words(cmd).first()
                {
                    ctx.services.push(Service {
                        name: name.trim_end_matches(".service").to_string(),
                        binary: Some(prog.clone()),
                        ports: Vec::new(),
                        started_by: "systemd".into(),
                        schedule: Some(start.schedule.clone()),
                        start: Some(start.described()),
                        authentication: "unknown".into(),
                        location: Location {
                            path: path.clone(),
                            offset: None,
                            line: Some(n as u32),
                        },
                    });
                }
            } else if let Some(l) = line
                .strip_prefix("ListenStream=")
                .or_else(|| line.strip_prefix("ListenDatagram="))
                && let Some(p) = super::daemons::port_of(l.trim())
            {
                let service = Service {
                    name: name.trim_end_matches(".socket").to_string(),
                    binary: None,
                    ports: vec![Port {
                        number: p,
                        protocol: if line.starts_with("ListenDatagram") {
                            Protocol::Udp
                        } else {
                            Protocol::Tcp
                        },
                    }],
                    started_by: "systemd-socket".into(),
                    schedule: None,
                    start: None,
                    authentication: "unknown".into(),
                    location: Location {
                        path: path.clone(),
                        offset: None,
                        line: Some(n as u32),
                    },
                };
                let s = Started {
                    service,
                    unauth_shell: false,
                    root_password_login: false,
                };
                let inv = line_invocation(&path, n, line);
                let start = Start {
                    kind: "systemd-socket".into(),
                    ..start.clone()
                };
                ctx.report(s, &inv, &start, None);
            }
        }
    }
}

/// A configuration line standing for the command it describes.
fn line_invocation(path: &str, line: usize, text: &str) -> Invocation {
    Invocation {
        argv: vec![text.to_string()],
        file: path.to_string(),
        line,
        background: false,
        output: Output::Inherited,
        via: Vec::new(),
    }
}

/// inetd.conf: `service socktype proto wait user server argv0 args…`. An entry is named by
/// the program it runs, not by its port.
fn inetd(ctx: &mut Ctx<'_>) {
    let Some((path, text)) = load_script(ctx.tree, ctx.root, "/etc/inetd.conf") else {
        return;
    };
    for (n, line) in script_lines(&text) {
        let f = words(line);
        if f.len() < 6 {
            ctx.sink.error(format!("{path}:{n}: malformed inetd line"));
            continue;
        }
        let (svc, proto) = (&f[0], &f[2]);
        // tcpd wraps the real program, named by the argv0 field.
        let (server, mut args) = if base(&f[5]) == "tcpd" && f.len() > 6 {
            (f[6].clone(), f[7..].to_vec())
        } else {
            (
                f[5].clone(),
                f.get(7..).map(<[String]>::to_vec).unwrap_or_default(),
            )
        };
        let (name, identified) = ctx.behaves_as(&server, &mut args);
        let port = inetd_port(svc);
        let start = Start::new(
            "inetd",
            format!(
                "on connection to {}",
                port.map_or_else(|| svc.clone(), |(p, _)| format!("port {p}"))
            ),
            format!("/etc/inetd.conf:{n}"),
        );
        let location = Location {
            path: path.clone(),
            offset: None,
            line: Some(n as u32),
        };
        let mut s = classify(&server, &name, &args, "inetd", location.clone())
            .unwrap_or_else(|| unclassified(svc, &server, "inetd", location));
        if let Some((p, _)) = port {
            s.service.ports = vec![Port {
                number: p,
                protocol: if proto.starts_with("udp") {
                    Protocol::Udp
                } else {
                    Protocol::Tcp
                },
            }];
        }
        if is_shell(&server)
            || (args.first().is_some_and(|a| is_shell(a)) && !name.contains("telnetd"))
        {
            s.unauth_shell = true;
            s.service.authentication = "none".into();
        }
        let inv = line_invocation(&path, n, line);
        ctx.report(s, &inv, &start, identified);
    }
}

/// A program an inetd-style table starts that the daemon table does not know: named by the
/// program, except that whatever serves the telnet service is telnet.
fn unclassified(service: &str, server: &str, started_by: &str, location: Location) -> Started {
    Started {
        service: Service {
            name: if service == "telnet" {
                "telnet".into()
            } else {
                base(server).to_string()
            },
            binary: Some(server.to_string()),
            ports: Vec::new(),
            started_by: started_by.into(),
            schedule: None,
            start: None,
            authentication: "unknown".into(),
            location,
        },
        unauth_shell: false,
        root_password_login: false,
    }
}

/// xinetd.d: service blocks with server, port and disable.
fn xinetd(ctx: &mut Ctx<'_>) {
    for e in files_under(ctx.tree, ctx.root, "etc/xinetd.d") {
        let Ok(b) = ctx.tree.read(e) else { continue };
        let text = String::from_utf8_lossy(&b);
        let mut kv: BTreeMap<String, String> = BTreeMap::new();
        let mut name = String::new();
        let mut at = 0;
        for (n, line) in script_lines(&text) {
            if let Some(s) = line.strip_prefix("service") {
                name = s.trim().trim_end_matches('{').trim().to_string();
                kv.clear();
                at = n;
            } else if line.starts_with('}') {
                if kv.get("disable").is_some_and(|v| v == "yes") {
                    continue;
                }
                let server = kv.get("server").cloned().unwrap_or_default();
                let args = words(kv.get("server_args").map(String::as_str).unwrap_or(""));
                let location = Location {
                    path: e.path.clone(),
                    offset: None,
                    line: Some(at as u32),
                };
                let mut s = classify(&server, base(&server), &args, "xinetd", location.clone())
                    .unwrap_or_else(|| unclassified(&name, &server, "xinetd", location));
                let port = kv
                    .get("port")
                    .and_then(|p| p.parse().ok())
                    .or_else(|| inetd_port(&name).map(|x| x.0));
                if let Some(p) = port {
                    s.service.ports = vec![Port {
                        number: p,
                        protocol: if kv.get("socket_type").is_some_and(|t| t == "dgram") {
                            Protocol::Udp
                        } else {
                            Protocol::Tcp
                        },
                    }];
                }
                if is_shell(&server) {
                    s.unauth_shell = true;
                    s.service.authentication = "none".into();
                }
                let start = Start::new(
                    "xinetd",
                    format!(
                        "on connection to {}",
                        port.map_or_else(|| name.clone(), |p| format!("port {p}"))
                    ),
                    format!("{}:{at}", fs_path(&e.path)),
                );
                let inv = line_invocation(&e.path, at, &format!("service {name}"));
                ctx.report(s, &inv, &start, None);
            } else if let Some((k, v)) = line.split_once('=') {
                kv.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }
}

/// The schedule of crontab time fields.
fn cron_schedule(fields: &[&str]) -> String {
    match fields {
        ["@reboot"] => "boot (@reboot)".into(),
        ["@hourly"] | ["0", "*", "*", "*", "*"] => "hourly".into(),
        ["@daily" | "@midnight"] => "daily".into(),
        ["@weekly"] => "weekly".into(),
        ["@monthly"] => "monthly".into(),
        ["@yearly" | "@annually"] => "yearly".into(),
        f => format!("cron {}", f.join(" ")),
    }
}

/// Crontabs (system ones have a user field) and the periodic script directories.
fn cron(ctx: &mut Ctx<'_>) {
    let (tree, root) = (ctx.tree, ctx.root);
    let mut tabs: Vec<(String, bool)> = Vec::new();
    for (dir, system) in [
        ("etc/crontabs", false),
        ("etc/cron.d", true),
        ("var/spool/cron/crontabs", false),
        ("var/spool/cron", false),
    ] {
        tabs.extend(
            files_under(tree, root, dir)
                .into_iter()
                .filter(|e| e.kind == EntryKind::File)
                .map(|e| (e.path.clone(), system)),
        );
    }
    if let Some(e) = tree.resolve(&format!("{root}!/etc/crontab")) {
        tabs.push((e.path.clone(), true));
    }
    for (vpath, system) in tabs {
        let Some((path, text)) = load_script(tree, root, fs_path(&vpath)) else {
            continue;
        };
        for (n, line) in script_lines(&text) {
            let w: Vec<&str> = line.split_whitespace().collect();
            let times = if w.first().is_some_and(|x| x.starts_with('@')) {
                1
            } else {
                5
            };
            // `NAME=value` lines set the environment.
            if w.first()
                .is_some_and(|x| x.contains('=') && !x.starts_with('@'))
            {
                continue;
            }
            let skip = times + usize::from(system);
            if w.len() <= skip {
                continue;
            }
            // The command is the rest of the line from the first word after the fields;
            // an unescaped `%` ends it (what follows is its standard input).
            let Some(at) = nth_word_offset(line, skip) else {
                continue;
            };
            let cmd = cut_percent(&line[at..]);
            let start = Start::new(
                "cron",
                cron_schedule(&w[..times]),
                format!("{}:{n}", fs_path(&path)),
            );
            ctx.run_command(&path, n, &cmd, &start);
        }
    }
    for (dir, schedule) in [
        ("etc/periodic/15min", "every 15 minutes"),
        ("etc/periodic/hourly", "hourly"),
        ("etc/periodic/daily", "daily"),
        ("etc/periodic/weekly", "weekly"),
        ("etc/periodic/monthly", "monthly"),
        ("etc/cron.hourly", "hourly"),
        ("etc/cron.daily", "daily"),
        ("etc/cron.weekly", "weekly"),
        ("etc/cron.monthly", "monthly"),
    ] {
        let mut scripts: Vec<String> = files_under(tree, root, dir)
            .into_iter()
            .map(|e| e.path.clone())
            .collect();
        scripts.sort();
        for vpath in scripts {
            if let Some((path, text)) = load_script(tree, root, fs_path(&vpath)) {
                let start = Start::new("cron", schedule, format!("/{dir} (run-parts)"));
                ctx.run_script(&path, &text, &[], &start, 0);
            }
        }
    }
}

/// Byte offset of the `n`th (0-based) whitespace-separated word.
fn nth_word_offset(line: &str, n: usize) -> Option<usize> {
    let mut count = 0;
    let mut in_word = false;
    for (i, c) in line.char_indices() {
        if c.is_whitespace() {
            in_word = false;
        } else if !in_word {
            if count == n {
                return Some(i);
            }
            count += 1;
            in_word = true;
        }
    }
    None
}

fn cut_percent(cmd: &str) -> String {
    let mut out = String::new();
    let mut chars = cmd.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('%') => out.push('%'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            },
            '%' => break,
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_the_shell() {
        assert!(glob_match("S??*", "S50telnet"));
        assert!(!glob_match("S??*", "K50telnet"));
        assert!(glob_match("S[0-9][0-9]*", "S01a"));
        assert!(!glob_match("S[!0-9]*", "S01a"));
        assert!(glob_match("*.sh", "net.sh"));
        // Pathological patterns end within the step budget.
        assert!(!glob_match(&"*a".repeat(30), &"a".repeat(29)));
    }

    #[test]
    fn cron_fields_and_commands() {
        assert_eq!(
            cron_schedule(&["*/5", "*", "*", "*", "*"]),
            "cron */5 * * * *"
        );
        assert_eq!(cron_schedule(&["@reboot"]), "boot (@reboot)");
        assert_eq!(cron_schedule(&["0", "*", "*", "*", "*"]), "hourly");
        let line = "*/5  * * * * root  wget -q http://x/y 2>&1";
        assert_eq!(
            nth_word_offset(line, 6).map(|i| &line[i..]),
            Some("wget -q http://x/y 2>&1")
        );
        assert_eq!(cut_percent("date +\\%s % input"), "date +%s ");
    }
}

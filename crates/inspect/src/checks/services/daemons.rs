//! The daemons netvet knows, how their command lines say where they listen and how they
//! authenticate, and how a program is recognised by its content when renamed.

use std::collections::BTreeSet;

use netvet_model::{Location, Port, Protocol, Service};

pub(crate) use netvet_shell::{base, is_shell};

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
pub(crate) fn inetd_port(name: &str) -> Option<(u16, Protocol)> {
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

/// Strips launchers (`exec [-a NAME]`, `nohup`, `setsid`, `env [-i] X=Y`, `nice -n N`,
/// `timeout N`, `chroot DIR`, `start-stop-daemon … --exec PROG -- ARGS`, `busybox APPLET`) to
/// reach the program and its arguments.
pub(crate) fn program(cmd: &[String]) -> Option<(String, Vec<String>)> {
    let mut i = 0;
    let at = |i: usize| cmd.get(i).map(String::as_str);
    while let Some(w) = at(i) {
        let b = base(w);
        match b {
            "exec" => {
                i += 1;
                while let Some(f) = at(i).filter(|f| f.starts_with('-')) {
                    i += if f == "-a" { 2 } else { 1 };
                }
            }
            "nohup" | "setsid" | "command" | "builtin" => i += 1,
            "env" | "nice" | "ionice" | "timeout" | "taskset" | "chrt" => {
                i += 1;
                // Options, `-n 10`-style values, `X=Y`, and the leading number of
                // timeout/taskset/chrt.
                while let Some(f) = at(i) {
                    if f == "-n" || f == "-c" || f == "-s" || f == "-k" {
                        i += 2;
                    } else if f.starts_with('-')
                        || (f.contains('=') && b == "env")
                        || (b != "env"
                            && b != "nice"
                            && f.starts_with(|c: char| c.is_ascii_digit()))
                    {
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            "chroot" => i += 2,
            "start-stop-daemon" => {
                // The program follows -x/--exec or -a/--startas; its arguments follow `--`.
                let rest = &cmd[i..];
                let prog = rest
                    .iter()
                    .position(|x| x == "-x" || x == "--exec" || x == "-a" || x == "--startas")
                    .and_then(|p| rest.get(p + 1))
                    .map(String::as_str)
                    .or_else(|| {
                        rest.iter().find_map(|x| {
                            x.strip_prefix("--exec=")
                                .or_else(|| x.strip_prefix("--startas="))
                        })
                    })?;
                let args = rest
                    .iter()
                    .position(|x| x == "--")
                    .map(|p| rest[p + 1..].to_vec())
                    .unwrap_or_default();
                return Some((prog.to_string(), args));
            }
            "busybox" if i + 1 < cmd.len() => i += 1,
            _ if w.contains('=') && !w.starts_with('-') => i += 1,
            _ => return Some((w.to_string(), cmd[i + 1..].to_vec())),
        }
    }
    None
}

/// What a program is, recognised from its content when its name says nothing: a copy of
/// busybox (its applet table) or of a telnet/SSH daemon (their own strings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Identity {
    /// A busybox binary; the applet is chosen by name or by the first argument.
    Busybox,
    Telnetd,
    Dropbear,
    Sshd,
}

impl Identity {
    /// Recognises a program from (a prefix of) its bytes.
    pub(crate) fn of(bytes: &[u8]) -> Option<Identity> {
        let has = |s: &[u8]| memchr::memmem::find(bytes, s).is_some();
        if !bytes.starts_with(b"\x7fELF") {
            return None;
        }
        if has(b"BusyBox v") {
            Some(Identity::Busybox)
        } else if has(b"Dropbear") && has(b"dropbear") {
            Some(Identity::Dropbear)
        } else if has(b"OpenSSH_") && has(b"sshd") {
            Some(Identity::Sshd)
        } else if has(b"telnetd")
            && has(b"/bin/login")
            && (has(b"/dev/ptmx") || has(b"openpty") || has(b"forkpty") || has(b"grantpt"))
        {
            Some(Identity::Telnetd)
        } else {
            None
        }
    }

    /// Whether a busybox binary carries an applet (its NUL-separated applet table).
    pub(crate) fn has_applet(bytes: &[u8], applet: &str) -> bool {
        let mut needle = Vec::with_capacity(applet.len() + 2);
        needle.push(0);
        needle.extend_from_slice(applet.as_bytes());
        needle.push(0);
        memchr::memmem::find(bytes, &needle).is_some()
    }

    /// Whether a file name already says what the content is.
    pub(crate) fn named(self, name: &str) -> bool {
        match self {
            Identity::Busybox => name == "busybox",
            Identity::Telnetd => matches!(name, "telnetd" | "utelnetd" | "in.telnetd"),
            Identity::Dropbear => name == "dropbear",
            Identity::Sshd => name == "sshd",
        }
    }

    /// The daemon name this identity behaves as.
    pub(crate) fn daemon(self) -> &'static str {
        match self {
            Identity::Busybox => "busybox",
            Identity::Telnetd => "telnetd",
            Identity::Dropbear => "dropbear",
            Identity::Sshd => "sshd",
        }
    }
}

pub(crate) fn flag_value<'a>(args: &'a [String], flags: &[&str]) -> Option<&'a str> {
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
pub(crate) fn port_of(s: &str) -> Option<u16> {
    s.rsplit(':')
        .next()?
        .trim_matches(['[', ']'])
        .parse()
        .ok()
        .filter(|&p| p > 0)
}

/// Everything a started command line tells: the service, and problems with it.
pub(crate) struct Started {
    pub service: Service,
    /// A shell is handed out without authentication.
    pub unauth_shell: bool,
    pub root_password_login: bool,
}

/// What a started program is and does; `name` is what it behaves as (its file name, or what
/// its content says it is).
pub(crate) fn classify(
    prog: &str,
    name: &str,
    args: &[String],
    started_by: &str,
    location: Location,
) -> Option<Started> {
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
            // busybox and utelnetd take the login program with -l, inetutils with -E.
            if flag_value(args, &["-l", "-L", "-E", "--exec-login"]).is_some_and(is_shell) {
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
            let mut s = classify(served, base(served), &[], started_by, location.clone())
                .map(|s| s.service)
                .unwrap_or(Service {
                    name: base(served).to_string(),
                    binary: None,
                    ports: Vec::new(),
                    started_by: started_by.to_string(),
                    schedule: None,
                    start: None,
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
            schedule: None,
            start: None,
            authentication: auth,
            location,
        },
        unauth_shell,
        root_password_login,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(line: &str) -> Vec<Started> {
        let mut e = netvet_shell::Evaluator::new(netvet_shell::EvalLimits::default(), &|_| None);
        e.run_file("/t", line, &[]);
        e.invocations
            .iter()
            .filter_map(|i| {
                let (p, a) = program(&i.argv)?;
                classify(&p, base(&p), &a, "test", Location::default())
            })
            .collect()
    }

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn launchers_are_stripped() {
        for (line, prog, args) in [
            (
                "exec -a httpd /usr/sbin/telnetd -l /bin/sh",
                "/usr/sbin/telnetd",
                "-l /bin/sh",
            ),
            (
                "nohup env -i PATH=/bin nice -n 5 nc -l -p 1",
                "nc",
                "-l -p 1",
            ),
            ("/bin/busybox telnetd -p 24", "telnetd", "-p 24"),
            (
                "timeout 30 chroot /jail /bin/dropbear -p 2",
                "/bin/dropbear",
                "-p 2",
            ),
            (
                "start-stop-daemon -S -q --exec=/sbin/x -- -d",
                "/sbin/x",
                "-d",
            ),
            ("LD_PRELOAD=/x.so ./daemon", "./daemon", ""),
        ] {
            let (p, a) = program(&argv(line)).unwrap_or_default();
            assert_eq!(
                (p.as_str(), a.join(" ")),
                (prog, args.to_string()),
                "{line}"
            );
        }
        assert_eq!(program(&argv("exec")), None);
    }

    #[test]
    fn programs_are_recognised_by_content() {
        let bb = b"\x7fELF....BusyBox v1.36.1 (2023) multi-call binary.\0ash\0telnetd\0wget\0";
        assert_eq!(Identity::of(bb), Some(Identity::Busybox));
        assert!(Identity::has_applet(bb, "telnetd") && !Identity::has_applet(bb, "nc"));
        let t = b"\x7fELF..telnetd: ...\0/bin/login\0/dev/ptmx\0";
        assert_eq!(Identity::of(t), Some(Identity::Telnetd));
        assert_eq!(
            Identity::of(b"\x7fELF..Dropbear sshd dropbear_2022"),
            Some(Identity::Dropbear)
        );
        assert_eq!(
            Identity::of(b"#!/bin/sh\ntelnetd /bin/login /dev/ptmx"),
            None
        );
        assert_eq!(Identity::of(b"\x7fELF plain program"), None);
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
    fn words_respect_quotes_and_comments() {
        assert_eq!(words(r#"a "b c" 'd' # e"#), ["a", "b c", "d"]);
        assert_eq!(words("x=''"), ["x="]);
    }
}

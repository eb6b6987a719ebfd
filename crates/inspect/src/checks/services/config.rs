//! Daemon configuration read beside the start graph: SSH root logins (OpenWrt uci for
//! dropbear, OpenSSH's sshd_config) and the ports daemons take from their configuration files
//! when their command line names none (lighttpd `server.port`, boa `Port`, nginx `listen`,
//! uhttpd and dropbear uci options).

use netvet_model::{Port, Protocol};

use super::daemons::{flag_value, port_of, words};
use super::{Ctx, SSH_ROOT_PASSWORD, load_script, script_lines};
use crate::check::Hit;

/// OpenWrt uci: dropbear password logins for root.
pub(crate) fn dropbear_uci(ctx: &mut Ctx<'_>) {
    let sink = ctx.sink;
    if let Some((path, text)) = load_script(ctx.tree, ctx.root, "/etc/config/dropbear") {
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
}

/// OpenSSH configuration: root logins with a password, and whether sshd takes keys only.
pub(crate) fn sshd_config(ctx: &mut Ctx<'_>) {
    if let Some((path, text)) = load_script(ctx.tree, ctx.root, "/etc/ssh/sshd_config") {
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
            ctx.sink.hit(
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
}

/// The ports a daemon takes from its configuration when its command line names none.
pub(crate) fn configured_ports(ctx: &Ctx<'_>, name: &str, args: &[String]) -> Option<Vec<Port>> {
    if flag_value(args, &["-p", "--port", "-P"])
        .and_then(port_of)
        .is_some()
    {
        return None;
    }
    let file = |default: &str, flag: &str| {
        let path = flag_value(args, &[flag]).unwrap_or(default).to_string();
        load_script(ctx.tree, ctx.root, &path).map(|(_, text)| text)
    };
    let mut ports: Vec<u16> = Vec::new();
    match name {
        "lighttpd" => {
            let text = file("/etc/lighttpd/lighttpd.conf", "-f")?;
            for (_, line) in script_lines(&text) {
                if let Some((k, v)) = line.split_once('=')
                    && k.trim() == "server.port"
                    && let Ok(p) = v.trim().trim_matches('"').parse()
                {
                    ports.push(p);
                }
            }
        }
        "boa" => {
            let text = file("/etc/boa/boa.conf", "-f")?;
            for (_, line) in script_lines(&text) {
                let w = words(line);
                if w.first().is_some_and(|k| k == "Port")
                    && let Some(p) = w.get(1).and_then(|p| p.parse().ok())
                {
                    ports.push(p);
                }
            }
        }
        "nginx" => {
            let text = file("/etc/nginx/nginx.conf", "-c")?;
            for (_, line) in script_lines(&text) {
                let w = words(line.trim_end_matches(';'));
                if w.first().is_some_and(|k| k == "listen")
                    && let Some(p) = w.get(1).and_then(|p| port_of(p))
                {
                    ports.push(p);
                }
            }
        }
        "uhttpd" | "dropbear" => {
            // OpenWrt: the init script passes uci options; read them where they are kept.
            let (conf, keys): (&str, &[&str]) = if name == "uhttpd" {
                ("/etc/config/uhttpd", &["listen_http", "listen_https"])
            } else {
                ("/etc/config/dropbear", &["Port"])
            };
            let (_, text) = load_script(ctx.tree, ctx.root, conf)?;
            for (_, line) in script_lines(&text) {
                let w = words(line);
                if w.len() >= 3
                    && (w[0] == "option" || w[0] == "list")
                    && keys.contains(&w[1].as_str())
                    && let Some(p) = port_of(&w[2])
                {
                    ports.push(p);
                }
            }
        }
        _ => return None,
    }
    ports.sort_unstable();
    ports.dedup();
    (!ports.is_empty()).then(|| {
        ports
            .into_iter()
            .map(|number| Port {
                number,
                protocol: Protocol::Tcp,
            })
            .collect()
    })
}

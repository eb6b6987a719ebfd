//! Accounts: passwd, shadow and group files (glibc and busybox forms, wherever they are: many
//! images keep templates in `/etc_ro` or generate `/etc/passwd` at boot). Finds extra UID-0
//! accounts, accounts without a password, hashes that crack to default or published
//! credentials, published back-door account names, hashes readable in passwd, weak schemes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use netvet_model::{Category, Severity};
use netvet_unpack::Tree;

use super::{Check, Extras};
use crate::check::{CheckInfo, Hit, Sink, redact};
use crate::content::{ContentKind, FileCtx};
use crate::credentials::{self, Crack};

const TAGS: &[&str] = &["accounts", "credentials"];

pub const EXTRA_UID0: CheckInfo = CheckInfo {
    id: "nv-account-extra-uid0",
    title: "Account other than root with UID 0",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::High,
    cwe: &[269],
    references: &["3gpp:33.117:4.2.4.2.2", "3gpp:33.117:4.2.3.4.1.2"],
    remediation: "Remove the account or give it an unprivileged UID; every privileged action must be attributable to one account.",
    description: "A second account with user id 0 is root under another name: it escapes auditing and is a classic hidden maintenance or back-door account.",
};

pub const EMPTY_PASSWORD: CheckInfo = CheckInfo {
    id: "nv-account-empty-password",
    title: "Account without a password",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::Critical,
    cwe: &[258, 521],
    references: &["3gpp:33.117:4.2.3.4.2.1"],
    remediation: "Lock the account (`!` or `*` in the password field) or set a password that must be changed at first login.",
    description: "The password field is empty, so anyone can log in as this account wherever a login service accepts it.",
};

pub const DEFAULT_PASSWORD: CheckInfo = CheckInfo {
    id: "nv-account-default-password",
    title: "Password is a known default credential",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::Critical,
    cwe: &[798, 1392],
    references: &["3gpp:33.117:4.2.3.4.2.3", "3gpp:33.117:4.2.3.4.2.2"],
    remediation: "Ship no usable password; force a unique password at commissioning, or lock the account.",
    description: "The stored hash cracks against a list of default credentials used by botnets (Mirai) and vendor manuals. Every device from this image shares the password.",
};

pub const PUBLISHED_BACKDOOR: CheckInfo = CheckInfo {
    id: "nv-account-published-backdoor",
    title: "Account of a published back door",
    tags: &["accounts", "credentials", "backdoor"],
    category: Category::Backdoor,
    severity: Severity::Critical,
    cwe: &[798],
    references: &["3gpp:33.117:4.2.3.4.2.3", "3gpp:33.117:4.2.3.4.1.1"],
    remediation: "Remove the account and its credential; treat devices running this image as compromised until updated.",
    description: "The account name or its password matches a hard-coded account published in an advisory.",
};

pub const FACTORY_NAME: CheckInfo = CheckInfo {
    id: "nv-account-factory-name",
    title: "Account named like a factory test account",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::Medium,
    cwe: &[1242, 798],
    references: &["3gpp:33.117:4.2.3.4.1.1"],
    remediation: "Remove factory and test accounts from production images, or lock them and document why they exist.",
    description: "Heuristic: the account's name is one vendors use for factory or manufacturing test access (rules/credentials.toml [[factory]]). No advisory stands behind the name; check what the account can do.",
};

pub const HASH_IN_PASSWD: CheckInfo = CheckInfo {
    id: "nv-account-hash-in-passwd",
    title: "Password hash in a world-readable passwd file",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::High,
    cwe: &[522],
    references: &["3gpp:33.117:4.2.3.2.3"],
    remediation: "Keep hashes in shadow (mode 0600 or 0640), with `x` in passwd.",
    description: "Hashes in passwd can be read by every user and process and cracked offline.",
};

pub const WEAK_HASH: CheckInfo = CheckInfo {
    id: "nv-account-weak-hash",
    title: "Password stored with a weak hash scheme",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::Medium,
    cwe: &[916],
    references: &["3gpp:33.117:4.2.3.2.3"],
    remediation: "Use SHA-512 crypt with many rounds, bcrypt or yescrypt.",
    description: "DES crypt (8 characters, 12-bit salt) and MD5 crypt are cracked quickly on commodity hardware.",
};

pub const DUPLICATE_UID: CheckInfo = CheckInfo {
    id: "nv-account-duplicate-uid",
    title: "Several accounts share one UID",
    tags: TAGS,
    category: Category::Credential,
    severity: Severity::Low,
    cwe: &[286],
    references: &["3gpp:33.117:4.2.4.2.2"],
    remediation: "Give every account its own UID.",
    description: "Accounts sharing a UID cannot be told apart in logs or file ownership.",
};

const INFOS: &[&CheckInfo] = &[
    &EXTRA_UID0,
    &EMPTY_PASSWORD,
    &DEFAULT_PASSWORD,
    &PUBLISHED_BACKDOOR,
    &FACTORY_NAME,
    &HASH_IN_PASSWD,
    &WEAK_HASH,
    &DUPLICATE_UID,
];

/// One account line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub password: String,
    pub uid: u32,
    pub gid: u32,
    pub shell: String,
    pub line: usize,
}

/// Parses passwd (or master.passwd) text; malformed lines are returned as (line, reason).
pub fn parse_passwd(text: &str) -> (Vec<Account>, Vec<(usize, String)>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty()
            || line.starts_with('#')
            || line.starts_with('+')
            || line.starts_with('-')
        {
            continue;
        }
        let f: Vec<&str> = line.split(':').collect();
        // passwd has 7 fields; BSD master.passwd has 10.
        let (uid, gid, shell) = match f.len() {
            7 => (f[2], f[3], f[6]),
            10 => (f[2], f[3], f[9]),
            n => {
                bad.push((i + 1, format!("{n} fields, expected 7")));
                continue;
            }
        };
        let (Ok(uid), Ok(gid)) = (uid.trim().parse::<u32>(), gid.trim().parse::<u32>()) else {
            bad.push((i + 1, "uid or gid is not a number".into()));
            continue;
        };
        ok.push(Account {
            name: f[0].to_string(),
            password: f[1].to_string(),
            uid,
            gid,
            shell: shell.to_string(),
            line: i + 1,
        });
    }
    (ok, bad)
}

/// Shadow entries by account name: (hash, line).
pub type ShadowMap = BTreeMap<String, (String, usize)>;

/// Parses shadow text: name → (hash, line), and malformed lines.
pub fn parse_shadow(text: &str) -> (ShadowMap, Vec<(usize, String)>) {
    let mut ok = BTreeMap::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut f = line.split(':');
        match (f.next(), f.next()) {
            (Some(name), Some(hash)) if !name.is_empty() => {
                ok.insert(name.to_string(), (hash.to_string(), i + 1));
            }
            _ => bad.push((i + 1, "no password field".into())),
        }
    }
    (ok, bad)
}

/// True when the shell lets the account log in interactively (an empty shell means /bin/sh).
pub fn is_login_shell(shell: &str) -> bool {
    let base = shell.rsplit('/').next().unwrap_or("");
    !matches!(
        base,
        "false" | "nologin" | "sync" | "shutdown" | "halt" | "true"
    )
}

/// True when a password field locks the account.
pub fn is_locked(pw: &str) -> bool {
    pw.starts_with('!') || pw.starts_with('*') || pw == "x" || pw == "LK" || pw == "NP*"
}

#[derive(Default)]
struct Found {
    passwd: Vec<(String, String)>,
    shadow: Vec<(String, String)>,
}

/// The accounts check.
#[derive(Default)]
pub struct Accounts {
    found: Mutex<Found>,
}

fn is_passwd_name(name: &str) -> bool {
    matches!(
        name,
        "passwd" | "master.passwd" | "passwd.default" | "passwd.orig" | "passwd-"
    )
}

fn is_shadow_name(name: &str) -> bool {
    matches!(
        name,
        "shadow" | "shadow.default" | "shadow.orig" | "shadow-"
    )
}

impl Check for Accounts {
    fn area(&self) -> &'static str {
        "accounts"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        INFOS.to_vec()
    }

    fn file(&self, ctx: &FileCtx<'_>, _sink: &Sink) {
        let name = ctx.entry.name();
        let is_passwd = is_passwd_name(name);
        if !(is_passwd || is_shadow_name(name)) || ctx.kind != ContentKind::Text {
            return;
        }
        let text = String::from_utf8_lossy(ctx.data).into_owned();
        let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        let list = if is_passwd {
            &mut found.passwd
        } else {
            &mut found.shadow
        };
        list.push((ctx.entry.path.clone(), text));
    }

    fn finish(&self, _tree: &Tree, sink: &Sink, _extras: &mut Extras) {
        let found = std::mem::take(&mut *self.found.lock().unwrap_or_else(|p| p.into_inner()));
        let creds = match credentials::builtin() {
            Ok(c) => c,
            Err(e) => {
                sink.error(e.to_string());
                return;
            }
        };
        let dir_of = |p: &str| {
            p.rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string())
        };
        for (path, text) in &found.passwd {
            let (accounts, bad) = parse_passwd(text);
            for (line, why) in bad {
                sink.error(format!("{path}:{line}: malformed passwd line ({why})"));
            }
            // The shadow file next to this passwd, preferring the same suffix.
            let dir = dir_of(path);
            let shadow = found
                .shadow
                .iter()
                .filter(|(p, _)| dir_of(p) == dir)
                .min_by_key(|(p, _)| {
                    let suffix = |s: &str| {
                        s.rsplit('/')
                            .next()
                            .unwrap_or("")
                            .replacen("passwd", "", 1)
                            .replacen("shadow", "", 1)
                    };
                    (suffix(p) != suffix(path), p.clone())
                });
            let (shadow_map, shadow_path) = match shadow {
                Some((sp, st)) => {
                    let (m, bad) = parse_shadow(st);
                    for (line, why) in bad {
                        sink.error(format!("{sp}:{line}: malformed shadow line ({why})"));
                    }
                    (m, Some(sp.as_str()))
                }
                None => (BTreeMap::new(), None),
            };
            check_accounts(path, &accounts, &shadow_map, shadow_path, creds, sink);
        }
    }
}

fn check_accounts(
    passwd_path: &str,
    accounts: &[Account],
    shadow: &BTreeMap<String, (String, usize)>,
    shadow_path: Option<&str>,
    creds: &credentials::Credentials,
    sink: &Sink,
) {
    let mut by_uid: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for a in accounts {
        by_uid.entry(a.uid).or_default().push(&a.name);
        if a.uid == 0 && a.name != "root" {
            sink.hit(
                Hit::new(
                    &EXTRA_UID0,
                    passwd_path,
                    &a.name,
                    format!("{}:x:0:{}:…:{}", a.name, a.gid, a.shell),
                )
                .line(a.line)
                .title(format!("Account {:?} has UID 0", a.name))
                .detail("account", a.name.clone()),
            );
        }
        // A published back-door account name is an indicator by itself, unless the name is
        // generic (root, admin...), where only a matching password says anything.
        if let Some(p) = creds
            .published
            .iter()
            .find(|p| p.user == a.name && !is_generic_name(&a.name))
        {
            let mut hit = Hit::new(
                &PUBLISHED_BACKDOOR,
                passwd_path,
                &a.name,
                format!("account {:?}", a.name),
            )
            .line(a.line)
            .title(format!(
                "Account {:?} is a published back-door account ({}: {})",
                a.name, p.vendor, p.product
            ))
            .detail("account", a.name.clone())
            .detail("source", p.source.clone());
            if let Some(r) = &p.reference {
                hit = hit.reference(r.clone());
            }
            sink.hit(hit);
        } else if let Some(f) = creds.factory_name(&a.name) {
            sink.hit(
                Hit::new(
                    &FACTORY_NAME,
                    passwd_path,
                    &a.name,
                    format!(
                        "account {:?} (uid {}, shell {})",
                        a.name,
                        a.uid,
                        display_shell(&a.shell)
                    ),
                )
                .line(a.line)
                .title(format!(
                    "Account {:?} is named like a factory test account",
                    a.name
                ))
                .detail("account", a.name.clone())
                .detail("confidence", "heuristic")
                .detail("source", f.source.clone()),
            );
        }
        // Where the password is: shadow when passwd says `x`, else passwd itself.
        let (hash, where_path, where_line) = if a.password == "x" {
            match (shadow.get(&a.name), shadow_path) {
                (Some((h, l)), Some(sp)) => (h.as_str(), sp, *l),
                _ => continue,
            }
        } else {
            (a.password.as_str(), passwd_path, a.line)
        };
        if hash.is_empty() {
            let login = is_login_shell(&a.shell);
            sink.hit(
                Hit::new(
                    &EMPTY_PASSWORD,
                    where_path,
                    &a.name,
                    format!("{}::… (shell {})", a.name, display_shell(&a.shell)),
                )
                .line(where_line)
                .title(format!("Account {:?} has no password", a.name))
                .severity(if login {
                    Severity::Critical
                } else {
                    Severity::Medium
                })
                .detail("account", a.name.clone())
                .detail("login_shell", login),
            );
            continue;
        }
        if is_locked(hash) {
            continue;
        }
        if a.password != "x" {
            sink.hit(
                Hit::new(
                    &HASH_IN_PASSWD,
                    passwd_path,
                    &a.name,
                    format!("{}:{}…", a.name, hash.chars().take(6).collect::<String>()),
                )
                .line(a.line)
                .detail("account", a.name.clone()),
            );
        }
        let scheme = credentials::scheme_name(hash);
        if matches!(scheme, "des-crypt" | "md5-crypt" | "bsdi-crypt") {
            sink.hit(
                Hit::new(
                    &WEAK_HASH,
                    where_path,
                    &a.name,
                    format!("{} hash for {:?}", scheme, a.name),
                )
                .line(where_line)
                .detail("account", a.name.clone())
                .detail("scheme", scheme),
            );
        }
        match credentials::crack(creds, &a.name, hash) {
            Crack::Found(c) => {
                let published = c.published;
                let info = if published { &PUBLISHED_BACKDOOR } else { &DEFAULT_PASSWORD };
                let mut hit = Hit::new(info, where_path, format!("{}:cracked", a.name), format!("{}: password {:?} ({scheme})", a.name, redact(&c.password)))
                    .line(where_line)
                    .title(format!("Account {:?} has a {} password", a.name, if published { "published back-door" } else { "default" }))
                    .detail("account", a.name.clone())
                    .detail("scheme", scheme)
                    .detail("source", c.source.clone());
                if let Some(r) = c.reference {
                    hit = hit.reference(r);
                }
                sink.hit(hit);
            }
            Crack::NotFound => {}
            Crack::Unsupported(s) => sink.error(format!("{where_path}:{where_line}: {s} hash of {:?} not checked against default credentials", a.name)),
        }
    }
    for (uid, names) in by_uid {
        if names.len() > 1 && uid != 0 {
            sink.hit(
                Hit::new(
                    &DUPLICATE_UID,
                    passwd_path,
                    uid.to_string(),
                    format!("uid {uid}: {}", names.join(", ")),
                )
                .detail("uid", uid),
            );
        }
    }
}

fn is_generic_name(name: &str) -> bool {
    matches!(
        name,
        "root"
            | "admin"
            | "administrator"
            | "Administrator"
            | "user"
            | "guest"
            | "support"
            | "service"
            | "tech"
            | "supervisor"
    )
}

fn display_shell(s: &str) -> &str {
    if s.is_empty() {
        "/bin/sh (empty field)"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_parsing_tolerates_garbage() {
        let (ok, bad) = parse_passwd(
            "root:x:0:0:root:/root:/bin/sh\nbroken line\nuser:x:abc:1::/:/bin/sh\n\0\u{fffd}garbage:::\n",
        );
        assert_eq!(ok.len(), 1);
        assert_eq!(bad.iter().map(|b| b.0).collect::<Vec<_>>(), [2, 3, 4]);
    }

    #[test]
    fn login_shells() {
        assert!(is_login_shell("/bin/sh"));
        assert!(is_login_shell(""));
        assert!(!is_login_shell("/usr/sbin/nologin"));
        assert!(!is_login_shell("/bin/false"));
    }

    fn run(passwd: &str, shadow: &str) -> Vec<netvet_model::Finding> {
        let sink = Sink::new();
        let (acc, _) = parse_passwd(passwd);
        let (sh, _) = parse_shadow(shadow);
        check_accounts(
            "fw!/etc/passwd",
            &acc,
            &sh,
            Some("fw!/etc/shadow"),
            credentials::builtin().unwrap(),
            &sink,
        );
        sink.into_parts().0
    }

    #[test]
    fn finds_planted_account_problems() {
        let f = run(
            "root:x:0:0:root:/root:/bin/sh\nmfgtest:x:0:0::/root:/bin/sh\ndaemon:*:1:1::/:/bin/false\nzyfwp:x:1001:1001::/:/bin/sh\n",
            "root:$1$Zq8vNf2k$Gqu1zPqF9gGCvwF/KaGBT1:1:0:99999:7:::\nmfgtest::1:0:99999:7:::\nzyfwp:!:1:0:99999:7:::\n",
        );
        let checks: Vec<_> = f
            .iter()
            .map(|f| (f.check.as_str(), f.location.line))
            .collect();
        assert!(
            checks.contains(&("nv-account-default-password", Some(1))),
            "{checks:?}"
        );
        assert!(
            checks.contains(&("nv-account-empty-password", Some(2))),
            "{checks:?}"
        );
        assert!(
            checks.contains(&("nv-account-extra-uid0", Some(2))),
            "{checks:?}"
        );
        assert!(
            checks.contains(&("nv-account-published-backdoor", Some(4))),
            "{checks:?}"
        );
        // mfgtest is a heuristic lead, not a published back door.
        assert!(
            checks.contains(&("nv-account-factory-name", Some(2))),
            "{checks:?}"
        );
        assert!(
            !checks.contains(&("nv-account-published-backdoor", Some(2))),
            "{checks:?}"
        );
        assert!(
            checks.contains(&("nv-account-weak-hash", Some(1))),
            "{checks:?}"
        );
        // The cracked password is redacted in the evidence.
        let cracked = f
            .iter()
            .find(|f| f.check == "nv-account-default-password")
            .unwrap();
        assert!(!cracked.evidence.contains("admin"), "{}", cracked.evidence);
    }

    #[test]
    fn clean_accounts_give_nothing() {
        let strong =
            pwhash::sha512_crypt::hash_with("$6$saltsalt", "a long unguessable passphrase")
                .unwrap();
        let f = run(
            "root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n",
            &format!("root:{strong}:1:0:99999:7:::\nsshd:!:1:0:99999:7:::\n"),
        );
        assert!(f.is_empty(), "{f:?}");
    }
}

//! Account problems found in every form firmware ships them: each planted class of the
//! quality corpus (empty password, default password, extra UID 0, published back-door
//! account, factory account) in five variants or more — other hash schemes, the hash in
//! `passwd` instead of `shadow`, busybox templates under `/etc_ro` and `/etc/config`, backup
//! files (`shadow-`, `passwd.default`), accounts other than root, CRLF line ends — and each
//! finding's account, file and line are checked. Clean variants of the same files give
//! nothing.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Variant, check_all as check_variants, scan_text};

fn check_all(variants: Vec<Variant>) {
    check_variants("accounts", "account", variants);
}

fn scan(files: &[(&str, String)]) -> (Vec<netvet_model::Finding>, Vec<String>) {
    scan_text("accounts", files)
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\n";

fn shadow_with(root_hash: &str) -> String {
    format!("root:{root_hash}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
}

#[test]
fn empty_passwords() {
    const C: &str = "nv-account-empty-password";
    check_all(vec![
        Variant {
            name: "root in shadow",
            files: vec![
                ("etc/passwd", PASSWD.into()),
                ("etc/shadow", shadow_with("")),
            ],
            want: (C, "/etc/shadow", 1, "root"),
        },
        Variant {
            name: "empty field in passwd, no shadow",
            files: vec![("etc/passwd", "root::0:0:root:/root:/bin/sh\n".into())],
            want: (C, "/etc/passwd", 1, "root"),
        },
        Variant {
            name: "another login account, third line",
            files: vec![
                (
                    "etc/passwd",
                    format!("{PASSWD}support:x:1000:1000::/home/support:/bin/ash\n"),
                ),
                (
                    "etc/shadow",
                    "root:*:1::::::\ndaemon:*:1::::::\nsupport::1::::::\n".into(),
                ),
            ],
            want: (C, "/etc/shadow", 3, "support"),
        },
        Variant {
            name: "busybox template in /etc_ro",
            files: vec![
                ("etc_ro/passwd", PASSWD.into()),
                ("etc_ro/shadow", shadow_with("")),
            ],
            want: (C, "/etc_ro/shadow", 1, "root"),
        },
        Variant {
            name: "backup files shadow- and passwd-",
            files: vec![
                ("etc/passwd-", PASSWD.into()),
                ("etc/shadow-", shadow_with("")),
            ],
            want: (C, "/etc/shadow-", 1, "root"),
        },
        Variant {
            name: "CRLF line ends in /etc/config",
            files: vec![
                ("etc/config/passwd", PASSWD.replace('\n', "\r\n")),
                ("etc/config/shadow", shadow_with("").replace('\n', "\r\n")),
            ],
            want: (C, "/etc/config/shadow", 1, "root"),
        },
    ]);
}

#[test]
// The weak schemes (md5crypt, DES crypt) are deprecated for new passwords: they are what
// firmware ships.
#[allow(deprecated)]
fn default_passwords_under_every_scheme() {
    const C: &str = "nv-account-default-password";
    // "admin" is root's default in the published lists (Mirai's root:admin).
    let md5 = pwhash::md5_crypt::hash_with("$1$Qx7fPz2a$", "admin").unwrap();
    let sha256 = pwhash::sha256_crypt::hash_with("$5$rounds=5000$Vq3bN8kL$", "admin").unwrap();
    let sha512 = pwhash::sha512_crypt::hash_with("$6$Zt5mR1wE$", "admin").unwrap();
    let des = pwhash::unix_crypt::hash_with("Kq", "admin").unwrap();
    let support = pwhash::sha512_crypt::hash_with("$6$Pp0oIi9u$", "support").unwrap();
    check_all(vec![
        Variant {
            name: "md5crypt in shadow",
            files: vec![
                ("etc/passwd", PASSWD.into()),
                ("etc/shadow", shadow_with(&md5)),
            ],
            want: (C, "/etc/shadow", 1, "root"),
        },
        Variant {
            name: "sha256crypt in shadow",
            files: vec![
                ("etc/passwd", PASSWD.into()),
                ("etc/shadow", shadow_with(&sha256)),
            ],
            want: (C, "/etc/shadow", 1, "root"),
        },
        Variant {
            name: "sha512crypt in shadow.default",
            files: vec![
                ("etc/passwd.default", PASSWD.into()),
                ("etc/shadow.default", shadow_with(&sha512)),
            ],
            want: (C, "/etc/shadow.default", 1, "root"),
        },
        Variant {
            name: "DES crypt in passwd (no shadow)",
            files: vec![("etc/passwd", format!("root:{des}:0:0:root:/root:/bin/sh\n"))],
            want: (C, "/etc/passwd", 1, "root"),
        },
        Variant {
            name: "support:support on the second line",
            files: vec![
                (
                    "etc/passwd",
                    "root:x:0:0:root:/root:/bin/sh\nsupport:x:1000:1000::/:/bin/sh\n".into(),
                ),
                (
                    "etc/shadow",
                    format!("root:*:1::::::\nsupport:{support}:1::::::\n"),
                ),
            ],
            want: (C, "/etc/shadow", 2, "support"),
        },
    ]);
}

#[test]
fn extra_uid0_accounts() {
    const C: &str = "nv-account-extra-uid0";
    let line = |name: &str| format!("{name}:x:0:0::/root:/bin/sh\n");
    check_all(vec![
        Variant {
            name: "toor",
            files: vec![("etc/passwd", format!("{PASSWD}{}", line("toor")))],
            want: (C, "/etc/passwd", 3, "toor"),
        },
        Variant {
            name: "first line",
            files: vec![("etc/passwd", format!("{}{PASSWD}", line("admin")))],
            want: (C, "/etc/passwd", 1, "admin"),
        },
        Variant {
            name: "nologin shell still uid 0",
            files: vec![(
                "etc/passwd",
                format!("{PASSWD}operator:x:0:0::/:/sbin/nologin\n"),
            )],
            want: (C, "/etc/passwd", 3, "operator"),
        },
        Variant {
            name: "template in /etc_ro",
            files: vec![("etc_ro/passwd", format!("{PASSWD}{}", line("super")))],
            want: (C, "/etc_ro/passwd", 3, "super"),
        },
        Variant {
            name: "CRLF",
            files: vec![(
                "etc/passwd",
                format!("{PASSWD}{}", line("debug")).replace('\n', "\r\n"),
            )],
            want: (C, "/etc/passwd", 3, "debug"),
        },
    ]);
}

#[test]
fn published_and_factory_accounts() {
    const P: &str = "nv-account-published-backdoor";
    const F: &str = "nv-account-factory-name";
    let zyfwp = "zyfwp:x:1001:1001::/:/bin/sh\n";
    check_all(vec![
        Variant {
            name: "zyfwp in passwd",
            files: vec![("etc/passwd", format!("{PASSWD}{zyfwp}"))],
            want: (P, "/etc/passwd", 3, "zyfwp"),
        },
        Variant {
            name: "zyfwp in a template",
            files: vec![("etc_ro/passwd", format!("{zyfwp}{PASSWD}"))],
            want: (P, "/etc_ro/passwd", 1, "zyfwp"),
        },
        Variant {
            name: "mfgtest with uid 0",
            files: vec![(
                "etc/passwd",
                format!("{PASSWD}mfgtest:x:0:0::/root:/bin/sh\n"),
            )],
            want: (F, "/etc/passwd", 3, "mfgtest"),
        },
        Variant {
            name: "factory, unprivileged",
            files: vec![(
                "etc/passwd",
                format!("{PASSWD}factory:x:500:500::/tmp:/bin/sh\n"),
            )],
            want: (F, "/etc/passwd", 3, "factory"),
        },
        Variant {
            name: "mfguser in passwd.orig",
            files: vec![(
                "etc/passwd.orig",
                format!("mfguser:x:1002:1002::/:/bin/ash\n{PASSWD}"),
            )],
            want: (F, "/etc/passwd.orig", 1, "mfguser"),
        },
    ]);
}

#[test]
fn clean_variants_give_nothing() {
    let strong = pwhash::sha512_crypt::hash_with("$6$Aa1Bb2Cc$", "correct horse battery").unwrap();
    for files in [
        vec![
            ("etc/passwd", PASSWD.to_string()),
            ("etc/shadow", shadow_with(&strong)),
        ],
        vec![
            ("etc/passwd", PASSWD.to_string()),
            ("etc/shadow", shadow_with("!")),
        ],
        vec![
            ("etc_ro/passwd", PASSWD.replace('\n', "\r\n")),
            ("etc_ro/shadow", shadow_with("*").replace('\n', "\r\n")),
        ],
    ] {
        let (findings, errors) = scan(&files);
        assert!(findings.is_empty(), "{files:?}: {findings:#?}");
        assert!(errors.is_empty(), "{errors:?}");
    }
}

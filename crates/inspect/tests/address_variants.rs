//! Fixed public addresses found in the forms firmware hides them: NTP and resolver
//! configuration, JSON with a port, XML attributes, shell scripts, and a program's strings;
//! each finding's file, line (or offset) and class are checked. Private, documentation and
//! version-shaped quads give nothing.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Variant, check_all, scan_text};

const C: &str = "nv-net-public-address";

#[test]
fn public_addresses_in_every_form() {
    let v = |name, path: &'static str, text: &str, line| Variant {
        name,
        files: vec![(path, text.to_string())],
        want: (C, path.rsplit('/').next().unwrap(), line, "public"),
    };
    check_all(
        "network",
        "class",
        vec![
            v(
                "ntp",
                "etc/ntp.conf",
                "driftfile /var/lib/ntp\nserver 45.33.32.156 iburst\n",
                2,
            ),
            v("resolver", "etc/resolv.conf", "nameserver 9.9.9.9\n", 1),
            v(
                "JSON with a port",
                "etc/cloud/agent.json",
                "{\n  \"endpoint\": \"91.198.174.192:443\"\n}\n",
                2,
            ),
            v(
                "XML attribute",
                "etc/config/tr069.xml",
                "<acs>\n  <server addr=\"185.199.108.153\" port=\"7547\"/>\n</acs>\n",
                2,
            ),
            v(
                "shell script",
                "usr/sbin/keepalive.sh",
                "#!/bin/sh\nwhile true; do\n  ping -c1 8.8.4.4 >/dev/null\n  sleep 60\ndone\n",
                3,
            ),
        ],
    );
    // In a program's strings: an offset, not a line.
    let mut elf = b"\x7fELF\x01\x01\x01\0".to_vec();
    elf.extend_from_slice(&[0u8; 100]);
    elf.extend_from_slice(b"connect to 104.16.132.229 failed\0");
    let (f, _) = common::scan("network", &[("usr/bin/agent", elf)], None);
    assert!(
        f.iter().any(|x| x.check == C
            && x.location.path.ends_with("usr/bin/agent")
            && x.location.offset.is_some()),
        "{f:#?}"
    );
}

#[test]
fn private_documentation_and_version_quads_give_nothing() {
    let (f, _) = scan_text(
        "network",
        &[
            (
                "etc/config/network",
                "option ipaddr '192.168.1.1'\noption gateway '10.0.0.1'\n".into(),
            ),
            (
                "etc/hosts",
                "127.0.0.1 localhost\n203.0.113.7 example\n".into(),
            ),
            (
                "etc/version",
                "firmware version 2.0.0.1\nbuild v1.2.3.4\n".into(),
            ),
        ],
    );
    let public: Vec<_> = f.iter().filter(|x| x.check == C).collect();
    assert!(public.is_empty(), "{public:#?}");
}

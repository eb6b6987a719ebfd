//! Secrets in every form network gear ships them: each planted class of the quality corpus
//! (SNMP write and default communities, Wi-Fi keys, cloud tokens) in five variants or more —
//! net-snmp, OpenWrt UCI sections and Cisco-style `snmp-server` lines; hostapd, wpa_supplicant,
//! UCI and Broadcom nvram keys; tokens in INI, JSON, JavaScript, shell and inside a binary —
//! with each finding's kind, file and line checked. Clean variants give nothing.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Variant, check_all as check_variants, scan_text};

fn check_all(variants: Vec<Variant>) {
    check_variants("secrets", "kind", variants);
}

fn scan(files: &[(&str, String)]) -> (Vec<netvet_model::Finding>, Vec<String>) {
    scan_text("secrets", files)
}

const WRITE: &str = "nv-secret-snmp-write-community";
const PUBLIC: &str = "nv-secret-snmp-default-community";
const WIFI: &str = "nv-secret-wifi-key";
const CLOUD: &str = "nv-secret-cloud-token";

fn v(
    name: &'static str,
    path: &'static str,
    text: &str,
    want: (&'static str, u32, &'static str),
) -> Variant {
    let end: &'static str = path.rsplit_once('/').map_or(path, |(_, n)| n);
    Variant {
        name,
        files: vec![(path, text.to_string())],
        want: (want.0, end, want.1, want.2),
    }
}

#[test]
fn snmp_write_communities() {
    check_all(vec![
        v(
            "net-snmp rwcommunity",
            "etc/snmp/snmpd.conf",
            "sysLocation lab\nrwcommunity private\n",
            (WRITE, 2, "snmp-rwcommunity"),
        ),
        v(
            "net-snmp rwcommunity6 with a source",
            "etc/snmpd.conf",
            "rwcommunity6 s3cr3t fd00::/8\n",
            (WRITE, 1, "snmp-rwcommunity"),
        ),
        v(
            "UCI option rwcommunity",
            "etc/config/snmpd_vendor",
            "config agent\n\toption rwcommunity 'netadmin'\n",
            (WRITE, 2, "snmp-com2sec-write"),
        ),
        v(
            "OpenWrt com2sec section with secname rw",
            "etc/config/snmpd",
            "config com2sec public\n\toption secname ro\n\toption source default\n\toption community public\n\nconfig com2sec private\n\toption secname rw\n\toption source localhost\n\toption community private\n",
            (WRITE, 9, "uci-com2sec-rw"),
        ),
        v(
            "Cisco-style default configuration",
            "etc/defaults/startup-config",
            "hostname sw1\n!\nsnmp-server community Priv4te RW\n",
            (WRITE, 3, "snmp-server-community-rw"),
        ),
    ]);
}

#[test]
fn snmp_default_communities() {
    check_all(vec![
        v(
            "rocommunity public",
            "etc/snmp/snmpd.conf",
            "rocommunity public\n",
            (PUBLIC, 1, "snmp-public"),
        ),
        v(
            "rocommunity6 public, indented",
            "etc/snmpd.conf",
            "# v6\n  rocommunity6 public ::1\n",
            (PUBLIC, 2, "snmp-public"),
        ),
        v(
            "net-snmp com2sec",
            "usr/share/snmp/snmpd.conf",
            "com2sec notConfigUser default public\ngroup notConfigGroup v2c notConfigUser\n",
            (PUBLIC, 1, "snmp-com2sec-public"),
        ),
        v(
            "OpenWrt com2sec section",
            "etc/config/snmpd",
            "config com2sec public\n\toption secname ro\n\toption source default\n\toption community public\n",
            (PUBLIC, 4, "uci-com2sec-public"),
        ),
        v(
            "Cisco-style, lower case",
            "etc/defaults/running.cfg",
            "snmp-server community public ro\n",
            (PUBLIC, 1, "snmp-server-community-public"),
        ),
    ]);
}

#[test]
fn wifi_keys() {
    check_all(vec![
        v(
            "hostapd passphrase",
            "etc/hostapd.conf",
            "interface=wlan0\nssid=lab\nwpa_passphrase=CorrectHorse42\n",
            (WIFI, 3, "wpa-passphrase"),
        ),
        v(
            "hostapd raw PSK",
            "etc/hostapd/hostapd-phy0.conf",
            &format!("wpa=2\nwpa_psk={}\n", "a1b2c3d4".repeat(8)),
            (WIFI, 2, "wpa-psk-hex"),
        ),
        v(
            "wpa_supplicant network block",
            "etc/wpa_supplicant.conf",
            "network={\n\tssid=\"lab\"\n\tpsk=\"Fact0ryWifi!\"\n}\n",
            (WIFI, 3, "wpa-psk"),
        ),
        v(
            "UCI wireless",
            "etc/config/wireless",
            "config wifi-iface 'default_radio0'\n\toption encryption 'psk2'\n\toption key 'GuestPass2024'\n",
            (WIFI, 3, "uci-wifi-key"),
        ),
        v(
            "Broadcom nvram defaults",
            "etc/nvram.default",
            "wl0_ssid=Router\nwl0_wpa_psk=12345678abc\nwl1.1_wpa_psk=guestguest\n",
            (WIFI, 2, "nvram-wpa-psk"),
        ),
    ]);
}

#[test]
fn cloud_tokens() {
    let mut binary = b"\x7fELF\x02\x01\x01\0".to_vec();
    binary.extend_from_slice(&[0u8; 64]);
    binary.extend_from_slice(b"upload to s3 with AKIAZ7QWERTYUIOP1234 now\0");
    check_all(vec![
        v(
            "AWS key id in an INI file",
            "etc/cloud.conf",
            "[aws]\naccess_key_id = AKIAIOSFODNN7EXAMPLE\n",
            (CLOUD, 2, "aws-access-key-id"),
        ),
        v(
            "GitHub token in JSON",
            "etc/ota.json",
            &format!(
                "{{\n  \"url\": \"https://api.github.com\",\n  \"token\": \"ghp_{}\"\n}}\n",
                "A1b2C3d4E5".repeat(4)
            ),
            (CLOUD, 3, "github-token"),
        ),
        v(
            "Google API key in JavaScript",
            "www/js/map.js",
            &format!("var key = 'AIza{}';\n", "B".repeat(35)),
            (CLOUD, 1, "google-api-key"),
        ),
        v(
            "generic API token in a shell script",
            "usr/sbin/report.sh",
            "#!/bin/sh\nAPI_TOKEN=\"tk_live_9f8e7d6c5b4a39281706\"\ncurl -H \"X: $API_TOKEN\" https://telemetry.example\n",
            (CLOUD, 2, "generic-api-token"),
        ),
        v(
            "Slack token in a daemon's configuration",
            "etc/notify.ini",
            "[slack]\nwebhook_token = xoxb-1234567890-abcdef\n",
            (CLOUD, 2, "slack-token"),
        ),
    ]);
    // Inside a program: found in its strings, at an offset rather than a line.
    let (findings, _) = common::scan("secrets", &[("usr/bin/uploader", binary)], None);
    assert!(
        findings.iter().any(|f| f.check == CLOUD
            && f.location.path.ends_with("usr/bin/uploader")
            && f.location.offset.is_some()),
        "{findings:#?}"
    );
}

#[test]
fn clean_variants_give_nothing() {
    for (path, text) in [
        (
            "etc/snmp/snmpd.conf",
            "rocommunity readonlyX7\n# rwcommunity private\n",
        ),
        (
            "etc/config/snmpd",
            "config com2sec private\n\toption secname ro\n\toption community m0nitor\n",
        ),
        ("etc/hostapd.conf", "wpa_passphrase=$WIFI_KEY\n"),
        (
            "etc/config/wireless",
            "config wifi-iface\n\toption encryption 'none'\n",
        ),
        ("etc/cloud.conf", "access_key_id = ${AWS_ACCESS_KEY_ID}\n"),
    ] {
        let (findings, errors) = scan(&[(path, text.to_string())]);
        assert!(findings.is_empty(), "{path}: {findings:#?}");
        assert!(errors.is_empty(), "{errors:?}");
    }
}

//! Images built in code for the catalogers' tests.

#![allow(dead_code)]

use std::sync::Arc;

use netvet_forge::FsTree;
use netvet_unpack::{MemSource, Options, Tree};

/// Bytes of a program: noise-free filler with NULs around `strings`, as a binary's string
/// table holds them.
pub fn program(strings: &[&str]) -> Vec<u8> {
    let mut b = b"\x7fELF\x01\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    b.resize(512, 0);
    for s in strings {
        b.push(0);
        b.extend_from_slice(s.as_bytes());
        b.push(0);
    }
    b.resize(b.len() + 256, 0);
    b
}

/// A squashfs image of `tree`, opened.
pub fn open(name: &str, tree: &FsTree) -> Tree {
    let bytes = netvet_forge::squashfs::write(tree, netvet_forge::squashfs::Options::default());
    netvet_unpack::open_source(
        name,
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        None,
    )
}

/// An OpenWrt-style router: opkg database with file lists, BusyBox and its applet links, a
/// renamed dnsmasq nobody installed, a kernel module, and a changelog quoting an old OpenSSL.
pub fn openwrt() -> FsTree {
    let mut t = FsTree::new();
    t.file(
        "etc/openwrt_release",
        0o644,
        "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='19.07.4'\nDISTRIB_DESCRIPTION='OpenWrt 19.07.4 r11208'\n",
    );
    t.file(
        "usr/lib/opkg/status",
        0o644,
        "Package: busybox\nVersion: 1.30.1-6\nStatus: install user installed\nArchitecture: mipsel_24kc\n\n\
         Package: dnsmasq-full\nVersion: 2.80-16.3\nStatus: install user installed\nArchitecture: mipsel_24kc\n\n\
         Package: libopenssl1.1\nVersion: 1.1.1g-1\nStatus: install user installed\nArchitecture: mipsel_24kc\n\n\
         Package: uhttpd\nVersion: 2020-02-12-2ee323c0-1\nStatus: install user installed\nArchitecture: mipsel_24kc\n\n\
         Package: dropbear\nStatus: install user installed\nArchitecture: mipsel_24kc\n\n\
         Package: old-tool\nVersion: 1.0-1\nStatus: deinstall user not-installed\n",
    );
    t.file("usr/lib/opkg/info/busybox.list", 0o644, "/bin/busybox\n");
    t.file(
        "usr/lib/opkg/info/dnsmasq-full.list",
        0o644,
        "/usr/sbin/dnsmasq\n",
    );
    t.file(
        "usr/lib/opkg/info/libopenssl1.1.list",
        0o644,
        "/usr/lib/libcrypto.so.1.1\n/usr/lib/libssl.so.1.1\n",
    );
    t.file(
        "usr/lib/opkg/info/dropbear.control",
        0o644,
        "Package: dropbear\nVersion: 2019.78-2\nLicense: MIT\n",
    );
    t.file(
        "bin/busybox",
        0o755,
        program(&["BusyBox v1.30.1 (2020-09-01 10:00:00 UTC) multi-call binary."]),
    );
    t.symlink("bin/sh", "busybox");
    t.symlink("usr/sbin/telnetd", "../../bin/busybox");
    t.symlink("sbin/ifconfig", "/bin/busybox");
    t.file("usr/sbin/dnsmasq", 0o755, program(&["dnsmasq-2.80"]));
    t.file("usr/bin/dns-helper", 0o755, program(&["dnsmasq-2.62"]));
    t.file(
        "usr/lib/libcrypto.so.1.1",
        0o644,
        program(&["OpenSSL 1.1.1g  21 Apr 2020"]),
    );
    t.file(
        "usr/sbin/dropbear",
        0o755,
        program(&["SSH-2.0-dropbear_2019.78"]),
    );
    t.file(
        "lib/modules/4.14.195/nf_conntrack.ko",
        0o644,
        program(&["vermagic=4.14.195 SMP mod_unload MIPS32_R2 32BIT "]),
    );
    t.file(
        "usr/share/doc/openssl/changelog",
        0o644,
        "Changes in OpenSSL 1.0.1e 11 Feb 2013: nothing here is a program\n",
    );
    t
}

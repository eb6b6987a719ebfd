//! Catalogers over images built in code: OpenWrt (opkg), Debian (dpkg), Alpine (apk).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use netvet_forge::FsTree;
use netvet_model::{Component, ComponentType};
use netvet_sbom::Cataloger;
use netvet_unpack::{MemSource, Options};

use common::{open, openwrt, program};

fn by_name<'a>(cs: &'a [Component], name: &str) -> Vec<&'a Component> {
    cs.iter().filter(|c| c.name == name).collect()
}

/// The catalogers of a component's evidence, sorted.
fn catalogers(c: &Component) -> Vec<&str> {
    let mut v: Vec<&str> = c.evidence.iter().map(|e| e.cataloger.as_str()).collect();
    v.sort();
    v
}

#[test]
fn opkg_packages_merge_with_the_binaries_they_installed() {
    let tree = open("fw.bin", &openwrt());
    let cat = netvet_sbom::catalog(&tree).unwrap();
    assert!(cat.problems.is_empty(), "{:?}", cat.problems);
    let cs = &cat.components;

    let bb = by_name(cs, "busybox");
    assert_eq!(bb.len(), 1, "one component for the package and its binary");
    let bb = bb[0];
    assert_eq!(bb.kind, ComponentType::Package);
    assert_eq!(bb.version.as_deref(), Some("1.30.1-6"));
    assert_eq!(
        bb.purl.as_deref(),
        Some("pkg:opkg/openwrt/busybox@1.30.1-6?arch=mipsel_24kc&distro=openwrt-19.07.4")
    );
    assert_eq!(bb.cpes, ["cpe:2.3:a:busybox:busybox:1.30.1:*:*:*:*:*:*:*"]);
    assert_eq!(catalogers(bb), ["busybox-binary", "opkg-db-cataloger"]);
    assert_eq!(bb.properties["busybox:applets"], "ifconfig,sh,telnetd");

    let dnsmasq = by_name(cs, "dnsmasq-full")[0];
    assert_eq!(
        dnsmasq.cpes,
        ["cpe:2.3:a:thekelleys:dnsmasq:2.80:*:*:*:*:*:*:*"]
    );
    assert!(
        dnsmasq
            .evidence
            .iter()
            .any(|e| e.path == "fw.bin!/usr/sbin/dnsmasq")
    );

    // The renamed copy nobody installed is found by its bytes alone.
    let stray = by_name(cs, "dnsmasq");
    assert_eq!(stray.len(), 1);
    assert_eq!(stray[0].version.as_deref(), Some("2.62"));
    assert_eq!(stray[0].kind, ComponentType::Binary);
    assert_eq!(stray[0].evidence[0].path, "fw.bin!/usr/bin/dns-helper");
    assert!(stray[0].evidence[0].confidence < 0.9);

    let ssl = by_name(cs, "libopenssl1.1")[0];
    assert_eq!(ssl.cpes, ["cpe:2.3:a:openssl:openssl:1.1.1g:*:*:*:*:*:*:*"]);
    assert_eq!(catalogers(ssl), ["openssl-library", "opkg-db-cataloger"]);

    // Version completed from info/dropbear.control; licence kept.
    let db = by_name(cs, "dropbear")[0];
    assert_eq!(db.version.as_deref(), Some("2019.78-2"));
    assert_eq!(db.properties["license"], "MIT");
    assert_eq!(catalogers(db), ["dropbear-binary", "opkg-db-cataloger"]);

    assert!(
        by_name(cs, "old-tool").is_empty(),
        "deinstalled packages are not components"
    );
    let kernel = by_name(cs, "linux-kernel");
    assert_eq!(kernel.len(), 1);
    assert_eq!(kernel[0].version.as_deref(), Some("4.14.195"));
    assert_eq!(
        catalogers(kernel[0]),
        ["linux-kernel-module", "linux-kernel-modules-cataloger"]
    );
    let os = by_name(cs, "openwrt")[0];
    assert_eq!(os.kind, ComponentType::OperatingSystem);
    assert_eq!(os.version.as_deref(), Some("19.07.4"));
    // The changelog quoting "OpenSSL 1.0.1e" is text, not a program.
    assert!(!cs.iter().any(|c| c.version.as_deref() == Some("1.0.1e")));
    // Every component has a PURL; all but uhttpd's snapshot and the OS have a CPE.
    assert!(cs.iter().all(|c| c.purl.is_some()));
}

#[test]
fn the_single_pass_contract_gives_the_same_catalog() {
    let cataloger = Cataloger::new().unwrap();
    let bytes =
        netvet_forge::squashfs::write(&openwrt(), netvet_forge::squashfs::Options::default());
    let found = std::sync::Mutex::new(Vec::new());
    let visit = |e: &netvet_unpack::Entry, r: &mut dyn std::io::Read| {
        let mut b = Vec::new();
        r.read_to_end(&mut b)?;
        found.lock().unwrap().extend(cataloger.file(e, &b));
        Ok(())
    };
    let tree = netvet_unpack::open_source(
        "fw.bin",
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        Some(&visit),
    );
    let pass = cataloger.finish(&tree, found.into_inner().unwrap());
    assert_eq!(pass, cataloger.catalog(&tree));
}

#[test]
fn dpkg_packages_get_source_names_and_their_osv_ecosystem() {
    let mut t = FsTree::new();
    t.file(
        "etc/os-release",
        0o644,
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
    );
    t.file(
        "var/lib/dpkg/status",
        0o644,
        "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n\n\
         Package: busybox\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.35.0-4\n\n\
         Package: removed\nStatus: deinstall ok config-files\nVersion: 1.0\n",
    );
    t.file(
        "var/lib/dpkg/info/libssl3:amd64.list",
        0o644,
        "/.\n/usr\n/usr/lib/x86_64-linux-gnu/libcrypto.so.3\n",
    );
    t.file(
        "usr/lib/x86_64-linux-gnu/libcrypto.so.3",
        0o644,
        program(&["OpenSSL 3.0.11 19 Sep 2023"]),
    );
    let tree = open("deb.img", &t);
    let cs = netvet_sbom::catalog(&tree).unwrap().components;
    let ssl = by_name(&cs, "libssl3")[0];
    assert_eq!(
        ssl.purl.as_deref(),
        Some("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12")
    );
    assert_eq!(ssl.source_package.as_deref().unwrap_or_default(), "openssl");
    assert_eq!(ssl.ecosystem.as_deref().unwrap_or_default(), "Debian:12");
    assert_eq!(catalogers(ssl), ["dpkg-db-cataloger", "openssl-library"]);
    let bb = by_name(&cs, "busybox")[0];
    assert_eq!(
        bb.purl.as_deref(),
        Some("pkg:deb/debian/busybox@1%3A1.35.0-4?arch=amd64&distro=debian-12")
    );
    assert_eq!(bb.cpes, ["cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*"]);
    assert!(by_name(&cs, "removed").is_empty());
    assert_eq!(
        by_name(&cs, "debian")[0].cpes,
        ["cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*"]
    );
}

#[test]
fn apk_packages_own_their_files() {
    let mut t = FsTree::new();
    t.file("etc/alpine-release", 0o644, "3.18.4\n");
    t.file(
        "lib/apk/db/installed",
        0o644,
        "C:Q1abc=\nP:busybox\nV:1.36.1-r2\nA:x86_64\no:busybox\nL:GPL-2.0-only\nF:bin\nR:busybox\n\n\
         P:libcrypto3\nV:3.1.4-r0\nA:x86_64\no:openssl\nL:Apache-2.0\nF:lib\nR:libcrypto.so.3\n",
    );
    t.file(
        "bin/busybox",
        0o755,
        program(&["BusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary."]),
    );
    t.file(
        "lib/libcrypto.so.3",
        0o644,
        program(&["OpenSSL 3.1.4 24 Oct 2023"]),
    );
    let tree = open("alpine.img", &t);
    let cs = netvet_sbom::catalog(&tree).unwrap().components;
    let bb = by_name(&cs, "busybox")[0];
    assert_eq!(
        bb.purl.as_deref(),
        Some("pkg:apk/alpine/busybox@1.36.1-r2?arch=x86_64&distro=alpine-3.18.4")
    );
    assert_eq!(bb.ecosystem.as_deref().unwrap_or_default(), "Alpine:v3.18");
    assert_eq!(catalogers(bb), ["apk-db-cataloger", "busybox-binary"]);
    let c = by_name(&cs, "libcrypto3")[0];
    assert_eq!(c.source_package.as_deref().unwrap_or_default(), "openssl");
    assert_eq!(c.cpes, ["cpe:2.3:a:openssl:openssl:3.1.4:*:*:*:*:*:*:*"]);
    assert_eq!(c.evidence.len(), 2);
}

#[test]
fn an_archive_inside_the_image_is_catalogued_through_its_members() {
    let mut inner = FsTree::new();
    inner.file("usr/sbin/dnsmasq", 0o755, program(&["dnsmasq-2.85"]));
    let mut t = FsTree::new();
    t.file("opt/rootfs.tar", 0o644, netvet_forge::tar::write(&inner));
    let tree = open("fw.img", &t);
    let cs = netvet_sbom::catalog(&tree).unwrap().components;
    let d = by_name(&cs, "dnsmasq");
    assert_eq!(d.len(), 1);
    let paths: Vec<&str> = d[0].evidence.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["fw.img!/opt/rootfs.tar!/usr/sbin/dnsmasq"]);
}

#[test]
fn copies_of_one_program_are_one_component_and_versions_stay_apart() {
    let mut t = FsTree::new();
    t.file(
        "usr/lib/libcrypto.so.1.0.0",
        0o644,
        program(&["OpenSSL 1.0.2k  26 Jan 2017"]),
    );
    t.file(
        "opt/app/lib/libcrypto.so.1.0.0",
        0o644,
        program(&["OpenSSL 1.0.2k  26 Jan 2017"]),
    );
    t.file(
        "opt/old/libcrypto.so.0.9.8",
        0o644,
        program(&["OpenSSL 0.9.8zh 3 Dec 2015"]),
    );
    let tree = open("fw.img", &t);
    let cs = netvet_sbom::catalog(&tree).unwrap().components;
    let versions: BTreeMap<&str, usize> = by_name(&cs, "openssl")
        .iter()
        .map(|c| (c.version.as_deref().unwrap(), c.evidence.len()))
        .collect();
    assert_eq!(versions, BTreeMap::from([("0.9.8zh", 1), ("1.0.2k", 2)]));
}

/// A Debian kernel: its bzImage's setup header names the ABI release and the upstream
/// version, a module's `vermagic` and the `/lib/modules` directory only the ABI release.
fn debian_bzimage() -> Vec<u8> {
    let mut img = vec![0u8; 0x2000];
    img[0x1fe] = 0x55;
    img[0x1ff] = 0xaa;
    img[0x202..0x206].copy_from_slice(b"HdrS");
    img[0x20e..0x210].copy_from_slice(&0x0800u16.to_le_bytes());
    let v = b"6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-1 (2026-10-04)\0";
    img[0xa00..0xa00 + v.len()].copy_from_slice(v);
    img
}

#[test]
fn a_debian_abi_release_is_not_read_as_the_kernel_version() {
    let module = program(&["vermagic=6.1.0-57-cloud-amd64 SMP preempt mod_unload modversions "]);
    // Modules and the directory name alone: the ABI name, no version to match on.
    let mut t = FsTree::new();
    t.file(
        "lib/modules/6.1.0-57-cloud-amd64/kernel/net/tun.ko",
        0o644,
        module.clone(),
    );
    let cat = netvet_sbom::catalog(&open("fw.bin", &t)).unwrap();
    let k = by_name(&cat.components, "linux-kernel");
    assert_eq!(k.len(), 1, "{k:#?}");
    assert_eq!(k[0].version, None);
    assert_eq!(k[0].cpes, ["cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"]);
    assert_eq!(k[0].properties["linux-kernel:abi"], "6.1.0-57-cloud-amd64");
    assert_eq!(
        k[0].properties["linux-kernel:version-evidence"],
        "module vermagic"
    );
    assert_eq!(
        catalogers(k[0]),
        ["linux-kernel-module", "linux-kernel-modules-cataloger"]
    );

    // With the kernel image: the upstream version from its own banner, all evidence in one.
    t.file("boot/vmlinuz-6.1.0-57-cloud-amd64", 0o644, debian_bzimage());
    let cat = netvet_sbom::catalog(&open("fw.bin", &t)).unwrap();
    let k = by_name(&cat.components, "linux-kernel");
    assert_eq!(k.len(), 1, "{k:#?}");
    assert_eq!(k[0].version.as_deref(), Some("6.1.192"));
    assert_eq!(
        k[0].cpes,
        ["cpe:2.3:o:linux:linux_kernel:6.1.192:*:*:*:*:*:*:*"]
    );
    assert_eq!(
        k[0].properties["linux-kernel:version-evidence"],
        "banner (distribution version)"
    );
    assert_eq!(
        catalogers(k[0]),
        [
            "linux-kernel-image-cataloger",
            "linux-kernel-module",
            "linux-kernel-modules-cataloger"
        ]
    );
}

/// An ARM zImage: decompressor stub with the zImage magic at 0x24, then the compressed kernel.
fn zimage(payload: Vec<u8>) -> Vec<u8> {
    let mut img = vec![0u8; 0x400];
    img[0x24..0x28].copy_from_slice(&0x016f_2818u32.to_le_bytes());
    img.extend(payload);
    img.extend([0u8; 64]);
    img
}

#[test]
fn zimage_payloads_give_the_kernel_banner() {
    let banner = "Linux version 5.10.176 (builder@buildhost) (arm-openwrt-linux-muslgnueabi-gcc (OpenWrt GCC 11.2.0 r20134-5f15225c1e) 11.2.0, GNU ld (GNU Binutils) 2.37) #0 SMP Mon Apr 17 2023";
    let mut kernel = vec![0x5au8; 300_000];
    kernel.extend(banner.as_bytes());
    kernel.extend(b"\n\0");
    kernel.extend(vec![0xa5u8; 100_000]);
    let mut lz4 = 0x184c_2102u32.to_le_bytes().to_vec();
    let block = lz4_flex::block::compress(&kernel);
    lz4.extend((block.len() as u32).to_le_bytes());
    lz4.extend(block);
    for (name, payload) in [
        ("gzip", netvet_forge::gzip(&kernel)),
        ("lzma", netvet_forge::lzma(&kernel)),
        ("lz4-legacy", lz4),
    ] {
        let mut t = FsTree::new();
        t.file("boot/zImage", 0o644, zimage(payload));
        let cat = netvet_sbom::catalog(&open("fw.bin", &t)).unwrap();
        let k = by_name(&cat.components, "linux-kernel");
        assert_eq!(k.len(), 1, "{name}: {k:#?}");
        assert_eq!(k[0].version.as_deref(), Some("5.10.176"), "{name}");
        assert_eq!(
            k[0].properties["linux-kernel:version-evidence"], "banner",
            "{name}"
        );
    }
}

#[test]
fn a_uimage_name_is_weak_evidence_of_the_kernel_version() {
    // A kernel payload without a readable banner: only the name the vendor gave the image.
    let img = netvet_forge::uimage::kernel(
        &netvet_forge::lzma(&[0x55u8; 4096]),
        2,
        netvet_forge::uimage::Compression::Lzma,
        "Linux-5.10.176",
        0x8000_8000,
    );
    let tree = netvet_unpack::open_source(
        "fw.bin",
        Arc::new(MemSource::new(img)),
        &Options::default(),
        None,
    );
    let cat = netvet_sbom::catalog(&tree).unwrap();
    let k = by_name(&cat.components, "linux-kernel");
    assert_eq!(k.len(), 1, "{k:#?}");
    assert_eq!(k[0].version.as_deref(), Some("5.10.176"));
    assert_eq!(
        k[0].properties["linux-kernel:version-evidence"],
        "uImage name"
    );
    assert_eq!(catalogers(k[0]), ["linux-kernel-image-cataloger"]);

    // With the banner inside the payload: one kernel, from the banner; the uImage around it
    // is the same kernel seen from outside.
    let mut payload = vec![0x55u8; 4096];
    payload.extend(b"Linux version 5.10.176-acme (builder@host) (gcc 12.2.0) #1 SMP\0");
    let img = netvet_forge::uimage::kernel(
        &netvet_forge::lzma(&payload),
        2,
        netvet_forge::uimage::Compression::Lzma,
        "Linux-5.10.176-acme",
        0x8000_8000,
    );
    let tree = netvet_unpack::open_source(
        "fw.bin",
        Arc::new(MemSource::new(img)),
        &Options::default(),
        None,
    );
    let cat = netvet_sbom::catalog(&tree).unwrap();
    let k = by_name(&cat.components, "linux-kernel");
    assert_eq!(k.len(), 1, "{k:#?}");
    assert_eq!(k[0].version.as_deref(), Some("5.10.176"));
    assert_eq!(k[0].properties["linux-kernel:version-evidence"], "banner");
    assert_eq!(catalogers(k[0]), ["linux-kernel"]);

    // With a module of release 5.10.176-acme: one kernel, versioned by the module.
    let mut t = FsTree::new();
    t.file(
        "lib/modules/5.10.176-acme/tun.ko",
        0o644,
        program(&["vermagic=5.10.176-acme SMP mod_unload ARMv7 "]),
    );
    let mut img = netvet_forge::uimage::kernel(
        &netvet_forge::lzma(&[0x55u8; 4096]),
        2,
        netvet_forge::uimage::Compression::Lzma,
        "Linux-5.10.176",
        0x8000_8000,
    );
    netvet_forge::pad_to(&mut img, 0x10000, 0xff);
    img.extend(netvet_forge::squashfs::write(&t, Default::default()));
    let tree = netvet_unpack::open_source(
        "fw.bin",
        Arc::new(MemSource::new(img)),
        &Options::default(),
        None,
    );
    let cat = netvet_sbom::catalog(&tree).unwrap();
    let k = by_name(&cat.components, "linux-kernel");
    assert_eq!(k.len(), 1, "{k:#?}");
    assert_eq!(k[0].version.as_deref(), Some("5.10.176"));
    assert_eq!(
        k[0].properties["linux-kernel:version-evidence"],
        "module vermagic"
    );
    assert_eq!(
        catalogers(k[0]),
        [
            "linux-kernel-image-cataloger",
            "linux-kernel-module",
            "linux-kernel-modules-cataloger"
        ]
    );
}

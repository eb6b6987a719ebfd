//! Firmware containers as vendors ship them: uImage (single and multi-file) with CRCs, FIT
//! images made by mkimage from an .its, TRX built in code, and images carved out of raw flash
//! dumps (a squashfs after a uImage kernel and padding).

#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use common::{Caps, assert_matches, noise, open, reference_tree, tool};
use netvet_model::WarningCode;

fn sh(dir: &Path, script: &str) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn squashfs(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("root");
    reference_tree(&root);
    let img = dir.join("rootfs.squashfs");
    tool(
        "mksquashfs",
        "squashfs-tools",
        &[root.as_os_str(), img.as_os_str()]
            .into_iter()
            .chain(["-noappend", "-quiet", "-no-progress", "-comp", "xz"].map(OsStr::new))
            .collect::<Vec<_>>(),
    );
    img
}

/// A fake kernel: not compressible, with a recognisable string inside.
fn kernel(dir: &Path) -> std::path::PathBuf {
    let mut k = noise(300_000, 3);
    k[1000..1020].copy_from_slice(b"Linux version 5.10.1");
    let p = dir.join("Image");
    std::fs::write(&p, k).unwrap();
    p
}

fn mkimage(args: &[&str]) {
    tool(
        "mkimage",
        "u-boot-tools",
        &args.iter().map(OsStr::new).collect::<Vec<_>>(),
    );
}

#[test]
fn flash_dump_with_uimage_kernel_padding_and_squashfs() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let sq = squashfs(dir);
    kernel(dir);
    sh(dir, "lzma -k -c Image > Image.lzma");
    mkimage(&[
        "-A",
        "mips",
        "-O",
        "linux",
        "-T",
        "kernel",
        "-C",
        "lzma",
        "-a",
        "0x80000000",
        "-e",
        "0x80000000",
        "-n",
        "Linux-5.10.1",
        "-d",
        dir.join("Image.lzma").to_str().unwrap(),
        dir.join("uImage").to_str().unwrap(),
    ]);
    // Flash layout: uImage at 0, 0xff padding up to 1 MiB, rootfs, padding to 8 MiB.
    let mut flash = std::fs::read(dir.join("uImage")).unwrap();
    flash.resize(1 << 20, 0xff);
    flash.extend(std::fs::read(&sq).unwrap());
    flash.resize(8 << 20, 0xff);
    std::fs::write(dir.join("flash.bin"), &flash).unwrap();

    let tree = open(&dir.join("flash.bin"));
    let r = tree.report();
    let layers: Vec<_> = r
        .layers
        .iter()
        .map(|l| (l.format.as_str(), l.offset, l.path.as_str()))
        .collect();
    assert_eq!(
        layers,
        [
            ("raw", 0, "flash.bin"),
            ("uimage", 0, "flash.bin!/0x0.uimage"),
            // Offsets are relative to the layer's container: the payload file.
            ("lzma", 0, "flash.bin!/0x0.uimage!/kernel.lzma"),
            ("raw", 0, "flash.bin!/0x0.uimage!/kernel.lzma!/kernel"),
            ("squashfs", 0x100000, "flash.bin!/0x100000.squashfs"),
        ]
    );
    assert!(
        r.all_warnings().next().is_none(),
        "{:?}",
        r.all_warnings().collect::<Vec<_>>()
    );
    // The decoded kernel is there, byte for byte.
    let k = tree
        .get("flash.bin!/0x0.uimage!/kernel.lzma!/kernel")
        .unwrap();
    assert_eq!(
        tree.read(k).unwrap(),
        std::fs::read(dir.join("Image")).unwrap()
    );
    assert_matches(
        &tree,
        "flash.bin!/0x100000.squashfs!/",
        &dir.join("root"),
        Caps::FULL,
    );
    // The padding between and after is reported as unclaimed padding.
    let raw = &r.layers[0];
    assert!(
        raw.unclaimed
            .iter()
            .all(|u| u.class == netvet_model::RegionClass::Padding),
        "{:?}",
        raw.unclaimed
    );
    assert_eq!(raw.unclaimed.len(), 2, "{:?}", raw.unclaimed);
}

#[test]
fn uimage_crc_errors_are_reported() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    kernel(dir);
    mkimage(&[
        "-A",
        "arm",
        "-O",
        "linux",
        "-T",
        "kernel",
        "-C",
        "none",
        "-n",
        "k",
        "-d",
        dir.join("Image").to_str().unwrap(),
        dir.join("uImage").to_str().unwrap(),
    ]);
    let good = std::fs::read(dir.join("uImage")).unwrap();

    let mut bad_data = good.clone();
    bad_data[5000] ^= 1;
    std::fs::write(dir.join("bad-data"), &bad_data).unwrap();
    let tree = open(&dir.join("bad-data"));
    let l = &tree.report().layers[0];
    assert_eq!(l.format, "uimage");
    assert_eq!(
        l.warnings
            .iter()
            .map(|w| (w.code, w.offset))
            .collect::<Vec<_>>(),
        [(WarningCode::BadChecksum, Some(24))]
    );

    let mut bad_header = good.clone();
    bad_header[8] ^= 1; // timestamp: plausible, but the header CRC no longer matches
    std::fs::write(dir.join("bad-header"), &bad_header).unwrap();
    let tree = open(&dir.join("bad-header"));
    let l = &tree.report().layers[0];
    assert_eq!(l.format, "uimage");
    assert_eq!(
        l.warnings
            .iter()
            .map(|w| (w.code, w.offset))
            .collect::<Vec<_>>(),
        [(WarningCode::BadChecksum, Some(4))]
    );

    // Truncated: the header promises more than the file holds.
    std::fs::write(dir.join("short"), &good[..good.len() / 2]).unwrap();
    let tree = open(&dir.join("short"));
    let l = &tree.report().layers[0];
    assert_eq!(
        l.warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
        [WarningCode::Truncated]
    );
}

#[test]
fn multi_file_uimage_with_gzip_ramdisk() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let root = dir.join("root");
    reference_tree(&root);
    kernel(dir);
    sh(
        dir,
        "cd root && find . | sort | cpio --quiet -o -H newc | gzip -9 > ../initrd.gz",
    );
    mkimage(&[
        "-A",
        "arm",
        "-O",
        "linux",
        "-T",
        "multi",
        "-C",
        "none",
        "-n",
        "multi",
        "-d",
        &format!(
            "{}:{}",
            dir.join("Image").display(),
            dir.join("initrd.gz").display()
        ),
        dir.join("multi.img").to_str().unwrap(),
    ]);
    let tree = open(&dir.join("multi.img"));
    assert!(
        tree.report().all_warnings().next().is_none(),
        "{:?}",
        tree.report().all_warnings().collect::<Vec<_>>()
    );
    let k = tree.get("multi.img!/image-0.bin").unwrap();
    assert_eq!(
        tree.read(k).unwrap(),
        std::fs::read(dir.join("Image")).unwrap()
    );
    let caps = Caps {
        xattrs: false,
        ..Caps::FULL
    };
    assert_matches(&tree, "multi.img!/image-1.bin!/", &root, caps);
}

#[test]
fn fit_image_with_kernel_fdt_and_ramdisk_and_hashes() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let root = dir.join("root");
    reference_tree(&root);
    kernel(dir);
    sh(dir, "gzip -9 -c Image > Image.gz");
    sh(
        dir,
        "cd root && find . | sort | cpio --quiet -o -H newc > ../initrd.cpio",
    );
    std::fs::write(
        dir.join("board.dts"),
        "/dts-v1/;\n/ { model = \"Netvet Test Board\"; compatible = \"netvet,test\"; };\n",
    )
    .unwrap();
    sh(dir, "dtc -q -I dts -O dtb -o board.dtb board.dts");
    std::fs::write(
        dir.join("image.its"),
        r#"/dts-v1/;
/ {
    description = "netvet test FIT";
    #address-cells = <1>;
    images {
        kernel-1 {
            description = "kernel"; data = /incbin/("Image.gz"); type = "kernel";
            arch = "arm"; os = "linux"; compression = "gzip"; load = <0x80008000>; entry = <0x80008000>;
            hash-1 { algo = "crc32"; };
            hash-2 { algo = "sha256"; };
        };
        fdt-1 {
            description = "fdt"; data = /incbin/("board.dtb"); type = "flat_dt";
            arch = "arm"; compression = "none";
            hash-1 { algo = "sha256"; };
        };
        ramdisk-1 {
            description = "initrd"; data = /incbin/("initrd.cpio"); type = "ramdisk";
            arch = "arm"; os = "linux"; compression = "none";
            hash-1 { algo = "crc32"; };
        };
    };
    configurations { default = "conf-1"; conf-1 { kernel = "kernel-1"; fdt = "fdt-1"; ramdisk = "ramdisk-1"; }; };
};
"#,
    )
    .unwrap();
    for (name, extra) in [("embedded.itb", ""), ("external.itb", "-E")] {
        sh(
            dir,
            &format!("mkimage -f image.its {extra} {name} > /dev/null"),
        );
        let tree = open(&dir.join(name));
        let r = tree.report();
        assert!(
            r.all_warnings().next().is_none(),
            "{name}: {:?}",
            r.all_warnings().collect::<Vec<_>>()
        );
        assert_eq!(r.layers[0].format, "fit", "{name}");
        // gzip stored the original file name, which names the decoded payload.
        let k = tree
            .get(&format!("{name}!/kernel-1.gz!/Image"))
            .expect("kernel decoded");
        assert_eq!(
            tree.read(k).unwrap(),
            std::fs::read(dir.join("Image")).unwrap()
        );
        let fdt_layer = r
            .layers
            .iter()
            .find(|l| l.path == format!("{name}!/fdt-1.dtb"))
            .expect("dtb identified");
        assert!(
            fdt_layer.description.contains("Netvet Test Board"),
            "{}",
            fdt_layer.description
        );
        let caps = Caps {
            xattrs: false,
            ..Caps::FULL
        };
        assert_matches(&tree, &format!("{name}!/ramdisk-1.bin!/"), &root, caps);
    }

    // A corrupted kernel byte breaks both of its hashes.
    let mut bytes = std::fs::read(dir.join("embedded.itb")).unwrap();
    let gz = std::fs::read(dir.join("Image.gz")).unwrap();
    let at = bytes
        .windows(64)
        .position(|w| w == &gz[100..164])
        .unwrap_or_else(|| panic!("kernel bytes not found in {} bytes", bytes.len()));
    bytes[at] ^= 0xff;
    std::fs::write(dir.join("bad.itb"), &bytes).unwrap();
    let tree = open(&dir.join("bad.itb"));
    let codes: Vec<_> = tree.report().layers[0]
        .warnings
        .iter()
        .map(|w| w.code)
        .collect();
    assert_eq!(codes, [WarningCode::BadChecksum, WarningCode::BadChecksum]);
}

/// A TRX v1 image: header, lzma "loader", squashfs rootfs.
fn trx(parts: &[&[u8]]) -> Vec<u8> {
    let header = 28usize;
    let mut body = Vec::new();
    let mut offsets = Vec::new();
    for p in parts {
        offsets.push((header + body.len()) as u32);
        body.extend_from_slice(p);
        while body.len() % 4 != 0 {
            body.push(0);
        }
    }
    let len = (header + body.len()) as u32;
    let mut out = Vec::new();
    out.extend(b"HDR0");
    out.extend(len.to_le_bytes());
    out.extend([0u8; 4]); // crc, filled below
    out.extend(0u16.to_le_bytes()); // flags
    out.extend(1u16.to_le_bytes()); // version
    for i in 0..3 {
        out.extend(offsets.get(i).copied().unwrap_or(0).to_le_bytes());
    }
    out.extend(body);
    // TRX stores the CRC register without the final inversion.
    let crc = !crc32fast::hash(&out[12..]);
    out[8..12].copy_from_slice(&crc.to_le_bytes());
    out
}

#[test]
fn trx_partitions_are_opened() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let sq = std::fs::read(squashfs(dir)).unwrap();
    let loader = noise(5000, 5);
    let img = trx(&[&loader, &sq]);
    std::fs::write(dir.join("fw.trx"), &img).unwrap();
    let tree = open(&dir.join("fw.trx"));
    let r = tree.report();
    assert!(
        r.all_warnings().next().is_none(),
        "{:?}",
        r.all_warnings().collect::<Vec<_>>()
    );
    let formats: Vec<_> = r
        .layers
        .iter()
        .map(|l| (l.format.as_str(), l.path.as_str()))
        .collect();
    assert_eq!(
        formats,
        [
            ("trx", "fw.trx"),
            ("raw", "fw.trx!/part0"),
            ("squashfs", "fw.trx!/part1")
        ]
    );
    assert_matches(&tree, "fw.trx!/part1!/", &dir.join("root"), Caps::FULL);

    let mut bad = img.clone();
    bad[40] ^= 1;
    std::fs::write(dir.join("bad.trx"), &bad).unwrap();
    let tree = open(&dir.join("bad.trx"));
    let codes: Vec<_> = tree.report().layers[0]
        .warnings
        .iter()
        .map(|w| w.code)
        .collect();
    assert_eq!(codes, [WarningCode::BadChecksum]);
}

#[test]
fn encrypted_looking_blob_is_flagged_by_entropy() {
    let d = tempfile::tempdir().unwrap();
    let mut blob = b"VENDORFW".to_vec();
    blob.extend(noise(2 << 20, 99));
    std::fs::write(d.path().join("enc.bin"), &blob).unwrap();
    let tree = open(&d.path().join("enc.bin"));
    let raw = &tree.report().layers[0];
    assert_eq!(raw.format, "raw");
    assert!(raw.children.is_empty());
    let classes: Vec<_> = raw.unclaimed.iter().map(|u| u.class).collect();
    assert_eq!(classes, [netvet_model::RegionClass::CompressedOrEncrypted]);
    assert!(raw.unclaimed[0].entropy > 7.9);
}

//! Disk images as virtual appliances ship them: raw disks with DOS (MBR, extended and logical
//! partitions) and GPT partition tables made by sfdisk and sgdisk, holding an ext4 made by
//! mke2fs and a squashfs made by mksquashfs from the reference tree; the same disks converted
//! by qemu-img to QCOW2 (v2, v3, compressed with deflate and zstd, extended L2, smallest and
//! largest clusters) and to VMDK (streamOptimized, monolithicSparse, descriptor-only), and an
//! OVA. The virtual disk netvet exposes must hash to exactly what `qemu-img convert -O raw`
//! writes, and every entry of the inner filesystems must match the reference.
//!
//! Then hostile disks built in code or mutated from real ones: EBR loops and endless chains,
//! GPT entries past the end and overlapping, bad GPT CRCs, QCOW2 with absurd sizes and
//! offsets, compressed clusters that inflate too far, backing files, encryption, truncated
//! VMDK tables, and FAT boot sectors that must not pass for an MBR. Each ends in a warning or
//! error naming the format and the offset, in bounded time, never a panic.

#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Caps, assert_matches, noise, open, reference_tree, tool};
use netvet_model::WarningCode;
use netvet_unpack::{Limits, MemSource, Options, Tree};
use sha2::{Digest, Sha256};

const MIB: u64 = 1 << 20;

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

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn open_bytes(name: &str, bytes: Vec<u8>) -> Tree {
    netvet_unpack::open_source(
        name,
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        None,
    )
}

/// Every warning of the tree: code, offset, message.
fn warnings(tree: &Tree) -> Vec<(WarningCode, Option<u64>, String)> {
    tree.report()
        .all_warnings()
        .map(|(_, w)| (w.code, w.offset, w.message.clone()))
        .collect()
}

fn has(tree: &Tree, code: WarningCode, offset: Option<u64>, text: &str) -> bool {
    warnings(tree)
        .iter()
        .any(|(c, o, m)| *c == code && (offset.is_none() || *o == offset) && m.contains(text))
}

fn assert_no_warnings(tree: &Tree) {
    let w = warnings(tree);
    assert!(w.is_empty(), "{w:#?}");
}

/// (format, path) of every layer.
fn layers(tree: &Tree) -> Vec<(String, String)> {
    tree.report()
        .layers
        .iter()
        .map(|l| (l.format.clone(), l.path.clone()))
        .collect()
}

/// The reference tree plus lost+found (mke2fs always makes one), and an ext4 and a squashfs
/// of it.
struct Filesystems {
    root: PathBuf,
    ext4: Vec<u8>,
    squashfs: Vec<u8>,
}

fn filesystems(dir: &Path) -> Filesystems {
    let root = dir.join("root");
    reference_tree(&root);
    let lf = root.join("lost+found");
    std::fs::create_dir(&lf).unwrap();
    sh(
        dir,
        "chmod 700 root/lost+found && touch -d @1500000000 root/lost+found root",
    );
    let ext4 = dir.join("fs.ext4");
    tool(
        "mke2fs",
        "e2fsprogs",
        &[
            OsStr::new("-q"),
            OsStr::new("-F"),
            OsStr::new("-t"),
            OsStr::new("ext4"),
            OsStr::new("-d"),
            root.as_os_str(),
            ext4.as_os_str(),
            OsStr::new("16M"),
        ],
    );
    let sq = dir.join("fs.squashfs");
    tool(
        "mksquashfs",
        "squashfs-tools",
        &[root.as_os_str(), sq.as_os_str()]
            .into_iter()
            .chain(["-noappend", "-quiet", "-no-progress", "-comp", "xz"].map(OsStr::new))
            .collect::<Vec<_>>(),
    );
    let squashfs = std::fs::read(&sq).unwrap();
    assert!(squashfs.len() as u64 <= 4 * MIB, "{}", squashfs.len());
    Filesystems {
        root,
        ext4: std::fs::read(&ext4).unwrap(),
        squashfs,
    }
}

/// (Linux partition number, first byte, length) of every partition, as sfdisk reads them.
fn partitions(img: &Path) -> Vec<(u32, u64, u64)> {
    let out = Command::new("sfdisk").arg("-J").arg(img).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let name = img.file_name().unwrap().to_str().unwrap();
    v["partitiontable"]["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let node = p["node"].as_str().unwrap();
            let n = node.rsplit(name).next().unwrap().parse().unwrap();
            (
                n,
                p["start"].as_u64().unwrap() * 512,
                p["size"].as_u64().unwrap() * 512,
            )
        })
        .collect()
}

fn write_at(img: &Path, offset: u64, data: &[u8]) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new().write(true).open(img).unwrap();
    f.write_all_at(data, offset).unwrap();
}

fn partition(parts: &[(u32, u64, u64)], n: u32) -> (u64, u64) {
    let p = parts.iter().find(|p| p.0 == n).unwrap();
    (p.1, p.2)
}

/// A 48 MiB MBR disk: p1 ext4, p2 squashfs, p3 extended holding p5 squashfs and p6 ext4.
fn mbr_disk(dir: &Path, fs: &Filesystems) -> PathBuf {
    let img = dir.join("mbr.img");
    std::fs::File::create(&img)
        .unwrap()
        .set_len(48 * MIB)
        .unwrap();
    sh(
        dir,
        "printf 'label: dos\\nsize=16MiB, type=83\\nsize=4MiB, type=83\\ntype=5\\n\
         size=4MiB, type=83\\nsize=16MiB, type=83\\n' | sfdisk -q mbr.img",
    );
    let parts = partitions(&img);
    assert_eq!(
        parts.iter().map(|p| p.0).collect::<Vec<_>>(),
        [1, 2, 3, 5, 6]
    );
    for (n, data) in [
        (1, &fs.ext4),
        (2, &fs.squashfs),
        (5, &fs.squashfs),
        (6, &fs.ext4),
    ] {
        let (start, len) = partition(&parts, n);
        assert!(data.len() as u64 <= len);
        write_at(&img, start, data);
    }
    img
}

/// A 32 MiB GPT disk: p1 ext4 "rootfs", p2 squashfs "data ü", p3 an EFI system partition
/// holding random bytes.
fn gpt_disk(dir: &Path, fs: &Filesystems) -> PathBuf {
    let img = dir.join("gpt.img");
    std::fs::File::create(&img)
        .unwrap()
        .set_len(32 * MIB)
        .unwrap();
    tool(
        "sgdisk",
        "gdisk",
        &[
            "-o",
            "-n",
            "1:0:+16M",
            "-t",
            "1:8300",
            "-c",
            "1:rootfs",
            "-n",
            "2:0:+4M",
            "-t",
            "2:8300",
            "-c",
            "2:data ü",
            "-n",
            "3:0:+2M",
            "-t",
            "3:EF00",
            "-c",
            "3:efi",
        ]
        .map(OsStr::new)
        .into_iter()
        .chain([img.as_os_str()])
        .collect::<Vec<_>>(),
    );
    let parts = partitions(&img);
    write_at(&img, partition(&parts, 1).0, &fs.ext4);
    write_at(&img, partition(&parts, 2).0, &fs.squashfs);
    write_at(&img, partition(&parts, 3).0, &noise(MIB as usize, 3));
    img
}

/// Checks the filesystems of the MBR disk under `prefix` (`mbr.img!/`, `x.qcow2!/disk!/`).
fn check_mbr_filesystems(tree: &Tree, prefix: &str, fs: &Filesystems) {
    for (p, _) in [
        ("p1", "ext"),
        ("p2", "squashfs"),
        ("p5", "squashfs"),
        ("p6", "ext"),
    ] {
        assert_matches(tree, &format!("{prefix}{p}!/"), &fs.root, Caps::FULL);
    }
}

#[test]
fn mbr_with_primary_extended_and_logical_partitions() {
    let d = tempfile::tempdir().unwrap();
    let fs = filesystems(d.path());
    let img = mbr_disk(d.path(), &fs);
    let tree = open(&img);
    assert_no_warnings(&tree);
    assert_eq!(
        layers(&tree),
        [
            ("mbr", "mbr.img"),
            ("ext", "mbr.img!/p1"),
            ("squashfs", "mbr.img!/p2"),
            ("squashfs", "mbr.img!/p5"),
            ("ext", "mbr.img!/p6"),
        ]
        .map(|(f, p)| (f.to_string(), p.to_string()))
    );
    let desc = &tree.report().layers[0].description;
    assert!(
        desc.contains("4 partitions") && desc.contains("p5: Linux (0x83), logical"),
        "{desc}"
    );
    // Each payload is its partition's bytes, as sfdisk placed them.
    let parts = partitions(&img);
    let raw = std::fs::read(&img).unwrap();
    for n in [1u32, 2, 5, 6] {
        let (start, len) = partition(&parts, n);
        let e = tree.get(&format!("mbr.img!/p{n}")).unwrap();
        assert_eq!(e.size, len);
        assert_eq!(
            sha256(&tree.read(e).unwrap()),
            sha256(&raw[start as usize..(start + len) as usize])
        );
    }
    check_mbr_filesystems(&tree, "mbr.img!/", &fs);
}

#[test]
fn gpt_with_three_named_partitions() {
    let d = tempfile::tempdir().unwrap();
    let fs = filesystems(d.path());
    let img = gpt_disk(d.path(), &fs);
    let tree = open(&img);
    assert_no_warnings(&tree);
    assert_eq!(
        layers(&tree),
        [
            ("gpt", "gpt.img"),
            ("ext", "gpt.img!/p1"),
            ("squashfs", "gpt.img!/p2"),
            ("raw", "gpt.img!/p3"),
        ]
        .map(|(f, p)| (f.to_string(), p.to_string()))
    );
    let desc = &tree.report().layers[0].description;
    for want in [
        "512-byte sectors",
        "p1: Linux filesystem (0FC63DAF-8483-4772-8E79-3D69D8477DE4), name \"rootfs\"",
        "name \"data ü\"",
        "p3: EFI system",
    ] {
        assert!(desc.contains(want), "{want:?} not in {desc}");
    }
    assert_matches(&tree, "gpt.img!/p1!/", &fs.root, Caps::FULL);
    assert_matches(&tree, "gpt.img!/p2!/", &fs.root, Caps::FULL);
    let p3 = tree.get("gpt.img!/p3").unwrap();
    assert_eq!(p3.size, 2 * MIB);
    assert_eq!(
        &tree.read(p3).unwrap()[..MIB as usize],
        &noise(MIB as usize, 3)[..]
    );
}

#[test]
fn disk_larger_than_the_file_size_limit_is_still_opened() {
    // `netvet scan` and `unpack` read every file whole through a visitor; a virtual disk and
    // its partitions are larger than --max-file-size, their files are not.
    let d = tempfile::tempdir().unwrap();
    let fs = filesystems(d.path());
    let raw = mbr_disk(d.path(), &fs);
    sh(
        d.path(),
        "qemu-img convert -f raw -O qcow2 -c mbr.img vm.qcow2",
    );
    let opts = Options {
        limits: Limits {
            max_file_size: 8 * MIB,
            ..Limits::default()
        },
        ..Options::default()
    };
    let visited = std::sync::Mutex::new(Vec::new());
    let visit = |e: &netvet_unpack::Entry, r: &mut dyn std::io::Read| {
        visited.lock().unwrap().push(e.path.clone());
        std::io::copy(r, &mut std::io::sink()).map(|_| ())
    };
    let tree = netvet_unpack::walk_path(&d.path().join("vm.qcow2"), &opts, &visit).unwrap();
    assert!(
        has(&tree, WarningCode::LimitFileSize, None, "single file size"),
        "{:#?}",
        warnings(&tree)
    );
    let formats: Vec<_> = tree
        .report()
        .layers
        .iter()
        .map(|l| l.format.as_str())
        .collect();
    assert_eq!(
        formats,
        ["qcow2", "mbr", "ext", "squashfs", "squashfs", "ext"]
    );
    assert!(
        visited
            .lock()
            .unwrap()
            .contains(&"vm.qcow2!/disk!/p6!/usr/lib/libbig.so.1".to_string())
    );
    check_mbr_filesystems(&tree, "vm.qcow2!/disk!/", &fs);
    drop(raw);
}

// -------------------------------------------------------------------- GPT built in code

fn guid_bytes(text: &str) -> [u8; 16] {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut g = [0u8; 16];
    g[..4].copy_from_slice(&[b[3], b[2], b[1], b[0]]);
    g[4..6].copy_from_slice(&[b[5], b[4]]);
    g[6..8].copy_from_slice(&[b[7], b[6]]);
    g[8..].copy_from_slice(&b[8..]);
    g
}

const LINUX_FS: &str = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

/// A GPT disk of `sectors` sectors of `sector` bytes with 128 entries, a protective MBR and
/// both headers; `parts` are (first LBA, last LBA, name).
fn gpt(sector: u64, sectors: u64, parts: &[(u64, u64, &str)]) -> Vec<u8> {
    let mut disk = vec![0u8; (sector * sectors) as usize];
    // Protective MBR.
    disk[446 + 4] = 0xee;
    disk[446 + 8..446 + 12].copy_from_slice(&1u32.to_le_bytes());
    disk[446 + 12..446 + 16]
        .copy_from_slice(&((sectors - 1).min(u32::MAX as u64) as u32).to_le_bytes());
    disk[510] = 0x55;
    disk[511] = 0xaa;
    let mut array = vec![0u8; 128 * 128];
    for (i, (first, last, name)) in parts.iter().enumerate() {
        let e = &mut array[i * 128..(i + 1) * 128];
        e[..16].copy_from_slice(&guid_bytes(LINUX_FS));
        e[16] = i as u8 + 1;
        e[32..40].copy_from_slice(&first.to_le_bytes());
        e[40..48].copy_from_slice(&last.to_le_bytes());
        for (k, u) in name.encode_utf16().enumerate() {
            e[56 + 2 * k..58 + 2 * k].copy_from_slice(&u.to_le_bytes());
        }
    }
    let array_sectors = (array.len() as u64).div_ceil(sector);
    let last_usable = sectors - 2 - array_sectors;
    let header = |my: u64, alt: u64, entries: u64| {
        let mut h = vec![0u8; 92];
        h[..8].copy_from_slice(b"EFI PART");
        h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        h[12..16].copy_from_slice(&92u32.to_le_bytes());
        h[24..32].copy_from_slice(&my.to_le_bytes());
        h[32..40].copy_from_slice(&alt.to_le_bytes());
        h[40..48].copy_from_slice(&(2 + array_sectors).to_le_bytes());
        h[48..56].copy_from_slice(&last_usable.to_le_bytes());
        h[56..72].copy_from_slice(&[0x42; 16]);
        h[72..80].copy_from_slice(&entries.to_le_bytes());
        h[80..84].copy_from_slice(&128u32.to_le_bytes());
        h[84..88].copy_from_slice(&128u32.to_le_bytes());
        h[88..92].copy_from_slice(&crc32fast::hash(&array).to_le_bytes());
        let crc = crc32fast::hash(&h);
        h[16..20].copy_from_slice(&crc.to_le_bytes());
        h
    };
    let put = |disk: &mut Vec<u8>, lba: u64, data: &[u8]| {
        let at = (lba * sector) as usize;
        disk[at..at + data.len()].copy_from_slice(data);
    };
    put(&mut disk, 1, &header(1, sectors - 1, 2));
    put(&mut disk, 2, &array);
    put(&mut disk, last_usable + 1, &array);
    put(
        &mut disk,
        sectors - 1,
        &header(sectors - 1, 1, last_usable + 1),
    );
    disk
}

#[test]
fn gpt_with_4096_byte_sectors() {
    let d = tempfile::tempdir().unwrap();
    let fs = filesystems(d.path());
    // 4 MiB squashfs partition from LBA 256 (1 MiB), in a 6 MiB disk.
    let mut disk = gpt(4096, 1536, &[(256, 256 + 1023, "sq")]);
    disk[MIB as usize..MIB as usize + fs.squashfs.len()].copy_from_slice(&fs.squashfs);
    std::fs::write(d.path().join("4k.img"), &disk).unwrap();
    let tree = open(&d.path().join("4k.img"));
    assert_no_warnings(&tree);
    assert!(
        tree.report().layers[0]
            .description
            .starts_with("GPT partition table, 4096-byte sectors"),
        "{}",
        tree.report().layers[0].description
    );
    assert_eq!(tree.get("4k.img!/p1").unwrap().size, 4 * MIB);
    assert_matches(&tree, "4k.img!/p1!/", &fs.root, Caps::FULL);
}

// ------------------------------------------------------------------ QCOW2 and VMDK

/// Converts `raw` with qemu-img to `name` with `args`, opens it, and checks that its layer is
/// `format`, that the virtual disk hashes to what `qemu-img convert -O raw` makes of it, and
/// returns the tree.
fn convert_and_open(dir: &Path, raw: &Path, name: &str, format: &str, args: &[&str]) -> Tree {
    let out = dir.join(name);
    let mut a: Vec<&OsStr> = ["convert", "-f", "raw"].map(OsStr::new).to_vec();
    a.extend(args.iter().map(OsStr::new));
    a.extend([raw.as_os_str(), out.as_os_str()]);
    tool("qemu-img", "qemu-utils", &a);
    let back = dir.join(format!("{name}.raw"));
    tool(
        "qemu-img",
        "qemu-utils",
        &[
            OsStr::new("convert"),
            OsStr::new("-O"),
            OsStr::new("raw"),
            out.as_os_str(),
            back.as_os_str(),
        ],
    );
    let tree = open(&out);
    assert_eq!(
        tree.report().layers[0].format,
        format,
        "{:#?}",
        tree.report()
    );
    let disk = tree
        .get(&format!("{name}!/disk"))
        .expect("the virtual disk");
    let want = std::fs::read(&back).unwrap();
    assert_eq!(disk.size, want.len() as u64);
    assert_eq!(sha256(&tree.read(disk).unwrap()), sha256(&want), "{name}");
    // qemu-img wrote the same bytes netvet read back from the raw disk.
    assert_eq!(sha256(&want), sha256(&std::fs::read(raw).unwrap()));
    tree
}

fn check_qcow2(args: &[&str], description: &str) {
    let d = tempfile::tempdir().unwrap();
    let fs = filesystems(d.path());
    let raw = mbr_disk(d.path(), &fs);
    let mut a = vec!["-O", "qcow2"];
    a.extend(args);
    let tree = convert_and_open(d.path(), &raw, "vm.qcow2", "qcow2", &a);
    assert_no_warnings(&tree);
    let desc = &tree.report().layers[0].description;
    assert!(desc.contains(description), "{description:?} not in {desc}");
    assert_eq!(
        layers(&tree)[..3],
        [
            ("qcow2", "vm.qcow2"),
            ("mbr", "vm.qcow2!/disk"),
            ("ext", "vm.qcow2!/disk!/p1"),
        ]
        .map(|(f, p)| (f.to_string(), p.to_string()))
    );
    check_mbr_filesystems(&tree, "vm.qcow2!/disk!/", &fs);
}

#[test]
fn qcow2_v3() {
    check_qcow2(
        &[],
        "QCOW2 v3 disk image, virtual size 50331648 bytes, 65536-byte clusters",
    );
}

#[test]
fn qcow2_v2() {
    check_qcow2(&["-o", "compat=0.10"], "QCOW2 v2");
}

#[test]
fn qcow2_compressed_with_deflate() {
    check_qcow2(&["-c"], "65536-byte clusters");
}

#[test]
fn qcow2_compressed_with_zstd() {
    check_qcow2(&["-c", "-o", "compression_type=zstd"], "zstd compression");
}

#[test]
fn qcow2_extended_l2_entries() {
    check_qcow2(
        &["-o", "extended_l2=on,cluster_size=128k"],
        "131072-byte clusters, extended L2 entries",
    );
}

#[test]
fn qcow2_smallest_clusters() {
    check_qcow2(&["-o", "cluster_size=512"], "512-byte clusters");
}

#[test]
fn qcow2_largest_clusters_compressed() {
    check_qcow2(&["-c", "-o", "cluster_size=2M"], "2097152-byte clusters");
}

fn check_vmdk(subformat: &str) {
    let d = tempfile::tempdir().unwrap();
    let fs = filesystems(d.path());
    let raw = gpt_disk(d.path(), &fs);
    let tree = convert_and_open(
        d.path(),
        &raw,
        "vm.vmdk",
        "vmdk",
        &["-O", "vmdk", "-o", &format!("subformat={subformat}")],
    );
    assert_no_warnings(&tree);
    let desc = &tree.report().layers[0].description;
    assert!(
        desc.contains(&format!("createType \"{subformat}\"")),
        "{desc}"
    );
    assert_eq!(tree.report().layers[1].format, "gpt");
    assert_matches(&tree, "vm.vmdk!/disk!/p1!/", &fs.root, Caps::FULL);
    assert_matches(&tree, "vm.vmdk!/disk!/p2!/", &fs.root, Caps::FULL);
}

#[test]
fn vmdk_stream_optimized() {
    check_vmdk("streamOptimized");
}

#[test]
fn vmdk_monolithic_sparse() {
    check_vmdk("monolithicSparse");
}

#[test]
fn vmdk_descriptor_only_is_reported_with_its_extent_files() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    sh(
        dir,
        "head -c 3145728 /dev/urandom > raw && \
         qemu-img convert -f raw -O vmdk -o subformat=monolithicFlat raw flat.vmdk && \
         qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentSparse raw split.vmdk",
    );
    for (name, extent) in [
        ("flat.vmdk", "\"flat-flat.vmdk\" (FLAT,"),
        ("split.vmdk", "\"split-s001.vmdk\" (SPARSE,"),
    ] {
        let tree = open(&dir.join(name));
        let l = &tree.report().layers[0];
        assert_eq!(l.format, "vmdk", "{name}");
        assert!(
            l.description.starts_with("VMDK descriptor"),
            "{}",
            l.description
        );
        assert!(tree.get(&format!("{name}!/disk")).is_none());
        assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
        let w = &l.warnings[0];
        assert_eq!(w.code, WarningCode::Unsupported);
        assert!(
            w.message.contains("descriptor-only VMDK") && w.message.contains(extent),
            "{}",
            w.message
        );
    }
    // The sparse extent of the split disk is itself readable: it holds the whole (small) disk.
    let tree = open(&dir.join("split-s001.vmdk"));
    let disk = tree.get("split-s001.vmdk!/disk").unwrap();
    assert_eq!(
        sha256(&tree.read(disk).unwrap()),
        sha256(&std::fs::read(dir.join("raw")).unwrap())
    );
}

#[test]
fn ova_appliance_end_to_end() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let fs = filesystems(dir);
    gpt_disk(dir, &fs);
    sh(
        dir,
        "qemu-img convert -f raw -O vmdk -o subformat=streamOptimized gpt.img disk1.vmdk && \
         printf '<?xml version=\"1.0\"?>\\n<Envelope><References><File ovf:href=\"disk1.vmdk\"/>\
         </References></Envelope>\\n' > appliance.ovf && \
         tar -cf appliance.ova appliance.ovf disk1.vmdk",
    );
    let tree = open(&dir.join("appliance.ova"));
    assert_no_warnings(&tree);
    let l = layers(&tree);
    assert_eq!(
        l[..4],
        [
            ("tar", "appliance.ova"),
            ("vmdk", "appliance.ova!/disk1.vmdk"),
            ("gpt", "appliance.ova!/disk1.vmdk!/disk"),
            ("ext", "appliance.ova!/disk1.vmdk!/disk!/p1"),
        ]
        .map(|(f, p)| (f.to_string(), p.to_string()))
    );
    assert_matches(
        &tree,
        "appliance.ova!/disk1.vmdk!/disk!/p1!/",
        &fs.root,
        Caps::FULL,
    );
    assert_matches(
        &tree,
        "appliance.ova!/disk1.vmdk!/disk!/p2!/",
        &fs.root,
        Caps::FULL,
    );
    let passwd = tree
        .get("appliance.ova!/disk1.vmdk!/disk!/p1!/etc/passwd")
        .unwrap();
    assert!(tree.read(passwd).unwrap().starts_with(b"root:x:0:0"));
}

// ------------------------------------------------------------------------ hostile

/// A 512-byte sector with the boot signature and these (status, type, start, count) entries.
fn dos_sector(entries: &[(u8, u8, u32, u32)]) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    for (i, &(status, kind, start, count)) in entries.iter().enumerate() {
        let e = &mut b[446 + 16 * i..446 + 16 * (i + 1)];
        e[0] = status;
        e[4] = kind;
        e[8..12].copy_from_slice(&start.to_le_bytes());
        e[12..16].copy_from_slice(&count.to_le_bytes());
    }
    b[510] = 0x55;
    b[511] = 0xaa;
    b
}

fn put_sector(disk: &mut [u8], lba: u64, sector: &[u8]) {
    disk[(lba * 512) as usize..(lba * 512 + 512) as usize].copy_from_slice(sector);
}

#[test]
fn ebr_loop_is_a_cycle_warning() {
    // Extended partition at 2048; EBR 1 links to EBR 2 at +1000, which links back to EBR 1.
    let mut disk = vec![0u8; 4 * MIB as usize];
    put_sector(&mut disk, 0, &dos_sector(&[(0, 0x0f, 2048, 4096)]));
    put_sector(
        &mut disk,
        2048,
        &dos_sector(&[(0, 0x83, 64, 64), (0, 0x05, 1000, 1000)]),
    );
    put_sector(
        &mut disk,
        3048,
        &dos_sector(&[(0, 0x83, 64, 64), (0, 0x05, 0, 1000)]),
    );
    let start = Instant::now();
    let tree = open_bytes("loop.img", disk);
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!(tree.report().layers[0].format, "mbr");
    assert!(
        has(
            &tree,
            WarningCode::Cycle,
            Some(3048 * 512 + 446 + 16),
            "mbr: extended boot record chain loops back to sector 2048"
        ),
        "{:#?}",
        warnings(&tree)
    );
    assert_eq!(tree.get("loop.img!/p5").unwrap().size, 64 * 512);
    assert_eq!(tree.get("loop.img!/p6").unwrap().size, 64 * 512);
    assert!(tree.get("loop.img!/p7").is_none());
}

#[test]
fn ebr_chain_longer_than_the_limit_is_cut() {
    let links = 300u32;
    let mut disk = vec![0u8; (2048 + 16 * links as usize + 64) * 512];
    put_sector(
        &mut disk,
        0,
        &dos_sector(&[(0, 0x05, 2048, 16 * links + 16)]),
    );
    for i in 0..links {
        let ebr = 2048 + 16 * i as u64;
        put_sector(
            &mut disk,
            ebr,
            &dos_sector(&[(0, 0x83, 8, 8), (0, 0x05, 16 * (i + 1), 16)]),
        );
    }
    let tree = open_bytes("long.img", disk);
    assert!(
        has(
            &tree,
            WarningCode::Corrupt,
            Some((2048 + 16 * 128) * 512),
            "chain of extended boot records longer than 128"
        ),
        "{:#?}",
        warnings(&tree)
    );
    assert!(tree.get("long.img!/p132").is_some());
    assert!(tree.get("long.img!/p133").is_none());
}

#[test]
fn logical_partition_outside_its_extended_partition_is_skipped() {
    let mut disk = vec![0u8; 4 * MIB as usize];
    put_sector(
        &mut disk,
        0,
        &dos_sector(&[(0x80, 0x83, 100, 100), (0, 0x85, 2048, 1000)]),
    );
    put_sector(&mut disk, 2048, &dos_sector(&[(0, 0x83, 5000, 10)]));
    let tree = open_bytes("out.img", disk);
    assert!(has(
        &tree,
        WarningCode::Corrupt,
        Some(2048 * 512 + 446),
        "logical partition at sector 7048 (10 sectors) is not inside the extended partition"
    ));
    assert!(tree.get("out.img!/p1").is_some());
    assert!(tree.get("out.img!/p5").is_none());
}

#[test]
fn fat_boot_sectors_are_not_taken_for_an_mbr() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for (name, args) in [("fat16.img", "-F 16"), ("fat32.img", "-F 32")] {
        sh(dir, &format!("mkfs.vfat -C {args} {name} 40000 >/dev/null"));
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(bytes[510..512], [0x55, 0xaa]);
        let tree = open(&dir.join(name));
        assert!(
            tree.report().layers.iter().all(|l| l.format != "mbr"),
            "{name}: {:?}",
            layers(&tree)
        );
    }
    // A FAT volume in a partition: the partition is not opened as a nested partition table.
    let fat = std::fs::read(dir.join("fat16.img")).unwrap();
    let mut disk = vec![0u8; 2048 * 512];
    put_sector(
        &mut disk,
        0,
        &dos_sector(&[(0x80, 0x06, 2048, (fat.len() / 512) as u32)]),
    );
    disk.extend(&fat);
    let tree = open_bytes("disk.img", disk);
    let l = layers(&tree);
    assert_eq!(l[0], ("mbr".to_string(), "disk.img".to_string()));
    assert!(l.iter().filter(|(f, _)| f == "mbr").count() == 1, "{l:?}");
}

#[test]
fn gpt_entries_past_the_end_and_overlapping() {
    // 4 MiB disk. p1 fine; p2 overlaps it; p3 starts past the end of the (cut) image; p4 runs
    // past it.
    let sectors = 8192;
    let mut disk = gpt(
        512,
        sectors,
        &[
            (64, 1000, "a"),
            (900, 1100, "b"),
            (7000, 7100, "c"),
            (5000, 6500, "d"),
        ],
    );
    disk.truncate(6000 * 512);
    let tree = open_bytes("bad.img", disk);
    let w = warnings(&tree);
    let array = 2 * 512;
    assert!(
        has(
            &tree,
            WarningCode::Corrupt,
            Some(array + 128),
            "partition p1 (bytes 0x8000..0x7d200) overlaps p2"
        ),
        "{w:#?}"
    );
    assert!(
        has(
            &tree,
            WarningCode::Truncated,
            Some(array + 2 * 128),
            "partition p3 starts at byte 0x36b000, past the end"
        ),
        "{w:#?}"
    );
    assert!(
        has(
            &tree,
            WarningCode::Truncated,
            Some(array + 3 * 128),
            "partition p4 of 768512 bytes at 0x271000 runs past the end"
        ),
        "{w:#?}"
    );
    assert!(has(
        &tree,
        WarningCode::Truncated,
        Some(512 + 32),
        "the disk has 4194304 bytes"
    ));
    assert!(tree.get("bad.img!/p3").is_none());
    assert_eq!(tree.get("bad.img!/p4").unwrap().size, (6000 - 5000) * 512);
    assert_eq!(tree.get("bad.img!/p2").unwrap().size, 201 * 512);
}

#[test]
fn overlapping_gpt_entries_cannot_multiply_the_disk() {
    // 128 entries, each spanning the whole usable area.
    let parts: Vec<(u64, u64, &str)> = (0..128).map(|_| (34, 8000, "all")).collect();
    let tree = open_bytes("many.img", gpt(512, 8192, &parts));
    assert!(tree.get("many.img!/p2").is_some());
    assert!(tree.get("many.img!/p3").is_none());
    assert!(
        has(
            &tree,
            WarningCode::Corrupt,
            Some(2 * 512 + 2 * 128),
            "gpt: partition p3 not read: the partitions before it already cover the image twice over"
        ),
        "{:#?}",
        warnings(&tree)
    );
}

#[test]
fn truncated_gpt_disk_clips_its_partitions() {
    let d = tempfile::tempdir().unwrap();
    let fs = filesystems(d.path());
    let img = gpt_disk(d.path(), &fs);
    let bytes = std::fs::read(&img).unwrap();
    // Cut inside p2 (the squashfs at 17 MiB): p1 whole, p2 clipped, p3 missing.
    let cut = bytes[..(18 * MIB) as usize].to_vec();
    let tree = open_bytes("cut.img", cut);
    assert!(has(
        &tree,
        WarningCode::Truncated,
        None,
        "partition p2 of 4194304 bytes at 0x1100000 runs past the end"
    ));
    assert!(has(
        &tree,
        WarningCode::Truncated,
        None,
        "partition p3 starts at byte 0x1500000, past the end"
    ));
    assert_matches(&tree, "cut.img!/p1!/", &fs.root, Caps::FULL);
    assert_eq!(tree.get("cut.img!/p2").unwrap().size, MIB);
}

#[test]
fn bad_gpt_crcs_are_reported() {
    let good = gpt(512, 8192, &[(64, 1000, "a")]);
    // Header CRC: the primary is damaged, the backup is used.
    let mut bad = good.clone();
    bad[512 + 60] ^= 1; // inside the disk GUID
    let tree = open_bytes("hdr.img", bad.clone());
    assert!(
        has(
            &tree,
            WarningCode::BadChecksum,
            Some(512 + 16),
            "primary header CRC does not match; using the backup header at LBA 8191"
        ),
        "{:#?}",
        warnings(&tree)
    );
    assert!(tree.get("hdr.img!/p1").is_some());
    // Both headers damaged: still read, with a warning.
    bad[8191 * 512 + 60] ^= 1;
    let tree = open_bytes("both.img", bad);
    assert!(has(
        &tree,
        WarningCode::BadChecksum,
        Some(512 + 16),
        "no valid backup header"
    ));
    assert!(tree.get("both.img!/p1").is_some());
    // Entry array CRC.
    let mut bad = good;
    bad[1024 + 56] ^= 1; // the first entry's name
    let tree = open_bytes("array.img", bad);
    assert!(
        has(
            &tree,
            WarningCode::BadChecksum,
            Some(512 + 88),
            "partition entry array CRC does not match"
        ),
        "{:#?}",
        warnings(&tree)
    );
}

// QCOW2 images built in code: 64 KiB clusters, header in cluster 0, L1 table in cluster 1,
// one L2 table in cluster 2, data from cluster 3.
const CS: u64 = 65536;
const COMPRESSED: u64 = 1 << 62;

fn qcow2(size: u64, l2: &[(usize, u64)], data: &[u8]) -> Vec<u8> {
    let mut img = vec![0u8; 3 * CS as usize];
    img[..4].copy_from_slice(b"QFI\xfb");
    img[4..8].copy_from_slice(&3u32.to_be_bytes());
    img[20..24].copy_from_slice(&16u32.to_be_bytes());
    img[24..32].copy_from_slice(&size.to_be_bytes());
    img[36..40].copy_from_slice(&(size.div_ceil(CS * 8192) as u32).to_be_bytes());
    img[40..48].copy_from_slice(&CS.to_be_bytes());
    img[96..100].copy_from_slice(&4u32.to_be_bytes());
    img[100..104].copy_from_slice(&112u32.to_be_bytes());
    img[CS as usize..CS as usize + 8].copy_from_slice(&((2 * CS) | (1 << 63)).to_be_bytes());
    for &(i, e) in l2 {
        let at = 2 * CS as usize + 8 * i;
        img[at..at + 8].copy_from_slice(&e.to_be_bytes());
    }
    img.extend(data);
    img
}

fn set_be32(img: &mut [u8], at: usize, v: u32) {
    img[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn set_be64(img: &mut [u8], at: usize, v: u64) {
    img[at..at + 8].copy_from_slice(&v.to_be_bytes());
}

/// The warning left when `name` could not be opened.
fn open_failure(tree: &Tree) -> String {
    let w = warnings(tree);
    w.iter()
        .find(|(c, _, _)| *c == WarningCode::OpenFailed)
        .map(|(_, _, m)| m.clone())
        .unwrap_or_else(|| panic!("no open failure: {w:#?}"))
}

#[test]
fn qcow2_with_absurd_header_fields_is_refused() {
    let base = qcow2(4 * CS, &[(0, 3 * CS)], &noise(CS as usize, 1));
    type Change = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: [(&str, Change); 6] = [
        (
            "qcow2 at offset 0x14: cluster_bits 30 (must be 9..=21)",
            Box::new(|i: &mut Vec<u8>| set_be32(i, 20, 30)),
        ),
        (
            "qcow2 at offset 0x24: L1 table of 0 entries is too small",
            Box::new(|i: &mut Vec<u8>| set_be32(i, 36, 0)),
        ),
        (
            "qcow2 at offset 0x18: virtual size of 4503599627370496 bytes needs an L1 table over 32 MiB",
            Box::new(|i: &mut Vec<u8>| {
                set_be64(i, 24, 1 << 52);
                set_be32(i, 36, u32::MAX);
            }),
        ),
        (
            "qcow2 at offset 0x28: truncated: L1 table at 0x100000000 (8 bytes) runs past the end",
            Box::new(|i: &mut Vec<u8>| set_be64(i, 40, 1 << 32)),
        ),
        (
            "qcow2 at offset 0x28: L1 table offset 0x10001 is not a cluster past the header",
            Box::new(|i: &mut Vec<u8>| set_be64(i, 40, CS + 1)),
        ),
        (
            "qcow2 at offset 0x48: unsupported: incompatible features 0x20",
            Box::new(|i: &mut Vec<u8>| set_be64(i, 72, 1 << 5)),
        ),
    ];
    for (want, change) in cases {
        let mut img = base.clone();
        change(&mut img);
        let tree = open_bytes("bad.qcow2", img);
        let msg = open_failure(&tree);
        assert!(msg.contains(want), "{want:?} not in {msg:?}");
    }
}

#[test]
fn qcow2_offsets_past_the_end_read_as_zeros_with_warnings() {
    let data = noise(CS as usize, 1);
    // Cluster 0 stored, cluster 1 past the end, cluster 2 unaligned, cluster 3 aliasing 0.
    let img = qcow2(
        4 * CS,
        &[(0, 3 * CS), (1, 100 * CS), (2, 3 * CS + 512), (3, 3 * CS)],
        &data,
    );
    let tree = open_bytes("t.qcow2", img);
    let w = warnings(&tree);
    assert!(
        has(
            &tree,
            WarningCode::Truncated,
            Some(2 * CS + 8),
            "L2 entry for virtual cluster 1: cluster at 0x640000 is past the end of the file"
        ),
        "{w:#?}"
    );
    assert!(
        has(
            &tree,
            WarningCode::Corrupt,
            Some(2 * CS + 16),
            "L2 entry for virtual cluster 2: cluster offset 0x30200 is not a cluster past the header"
        ),
        "{w:#?}"
    );
    assert!(
        has(
            &tree,
            WarningCode::Corrupt,
            Some(3 * CS),
            "host cluster 0x30000 is mapped by virtual clusters 0 and 3; the second reads as zeros"
        ),
        "{w:#?}"
    );
    let disk = tree.read(tree.get("t.qcow2!/disk").unwrap()).unwrap();
    assert_eq!(&disk[..CS as usize], &data[..]);
    assert!(disk[CS as usize..].iter().all(|&b| b == 0));

    // An L2 table past the end.
    let mut img = qcow2(4 * CS, &[(0, 3 * CS)], &data);
    set_be64(&mut img, CS as usize, (50 * CS) | (1 << 63));
    let tree = open_bytes("l1.qcow2", img);
    assert!(
        has(
            &tree,
            WarningCode::Truncated,
            Some(CS),
            "L1 entry 0: L2 table at 0x320000 is past the end of the file"
        ),
        "{:#?}",
        warnings(&tree)
    );
}

fn deflate_raw(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A compressed-cluster L2 entry for data at `offset` of `len` bytes (64 KiB clusters).
fn compressed_entry(offset: u64, len: u64) -> u64 {
    let sectors = (offset + len).div_ceil(512) - offset / 512;
    COMPRESSED | (sectors - 1) << 54 | offset
}

#[test]
fn qcow2_compressed_cluster_inflating_beyond_its_size_is_an_error() {
    let z = deflate_raw(&vec![7u8; CS as usize + 4096]);
    let img = qcow2(2 * CS, &[(0, compressed_entry(3 * CS, z.len() as u64))], &z);
    let tree = open_bytes("bomb.qcow2", img);
    assert!(
        has(
            &tree,
            WarningCode::Corrupt,
            None,
            "qcow2 at offset 0x30000: compressed cluster 0 inflates beyond the cluster size (65536 bytes)"
        ),
        "{:#?}",
        warnings(&tree)
    );
    let disk = tree.get("bomb.qcow2!/disk").unwrap();
    let e = tree.read(disk).unwrap_err();
    assert!(e.to_string().contains("inflates beyond"), "{e}");

    // Short and undecodable clusters too.
    let z = deflate_raw(&vec![7u8; 1000]);
    let img = qcow2(2 * CS, &[(0, compressed_entry(3 * CS, z.len() as u64))], &z);
    let tree = open_bytes("short.qcow2", img);
    assert!(
        has(
            &tree,
            WarningCode::Corrupt,
            None,
            "compressed cluster 0 decodes to 1000 bytes, not 65536"
        ),
        "{:#?}",
        warnings(&tree)
    );
    let img = qcow2(
        2 * CS,
        &[(0, compressed_entry(3 * CS, 600))],
        &[0xffu8; 600],
    );
    let tree = open_bytes("junk.qcow2", img);
    assert!(
        has(
            &tree,
            WarningCode::Corrupt,
            None,
            "compressed cluster 0 does not decode"
        ),
        "{:#?}",
        warnings(&tree)
    );
}

#[test]
fn qcow2_compression_bomb_stops_at_the_ratio_limit() {
    // 4096 clusters, each a distinct tiny deflate stream of 64 KiB of zeros: 256 MiB virtual
    // from 1 MiB of file.
    let z = deflate_raw(&vec![0u8; CS as usize]);
    let slot = 256u64;
    let n = 4096usize;
    let mut data = Vec::new();
    let mut l2 = Vec::new();
    for i in 0..n {
        l2.push((
            i,
            compressed_entry(3 * CS + slot * i as u64, z.len() as u64),
        ));
        data.extend(&z);
        data.resize((slot as usize) * (i + 1), 0);
    }
    let img = qcow2(n as u64 * CS, &l2, &data);
    let opts = Options {
        limits: Limits {
            max_ratio: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    let tree = netvet_unpack::open_source("bomb.qcow2", Arc::new(MemSource::new(img)), &opts, None);
    assert!(
        has(&tree, WarningCode::LimitRatio, None, "exceeds 100:1"),
        "{:#?}",
        warnings(&tree)
    );
}

#[test]
fn qcow2_with_a_backing_file_names_it_and_reads_zeros() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    sh(
        dir,
        "qemu-img create -q -f qcow2 base.qcow2 4M && \
         qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 overlay.qcow2 && \
         qemu-img create -q -f qcow2 --object secret,id=s0,data=netvet \
           -o encrypt.format=luks,encrypt.key-secret=s0 luks.qcow2 4M",
    );
    let tree = open(&dir.join("overlay.qcow2"));
    assert!(
        has(
            &tree,
            WarningCode::Unsupported,
            Some(8),
            "backing file \"base.qcow2\" (format \"qcow2\") is not opened"
        ),
        "{:#?}",
        warnings(&tree)
    );
    let disk = tree.read(tree.get("overlay.qcow2!/disk").unwrap()).unwrap();
    assert_eq!(disk.len() as u64, 4 * MIB);
    assert!(disk.iter().all(|&b| b == 0));

    let tree = open(&dir.join("luks.qcow2"));
    let msg = open_failure(&tree);
    assert!(
        msg.contains("qcow2 at offset 0x20: unsupported: encrypted image (LUKS)"),
        "{msg}"
    );
    assert!(tree.get("luks.qcow2!/disk").is_none());
    // The legacy AES method, set in a header built in code.
    let mut img = qcow2(CS, &[], &[]);
    set_be32(&mut img, 32, 1);
    let msg = open_failure(&open_bytes("aes.qcow2", img));
    assert!(msg.contains("encrypted image (AES-CBC)"), "{msg}");
}

#[test]
fn huge_sparse_qcow2_is_bounded_by_the_time_limit() {
    // 4 TiB of nothing in a 192 KiB file: everything reading it stops at the clock.
    let img = qcow2(4 << 40, &[], &[]);
    let opts = Options {
        limits: Limits {
            max_time: Duration::from_secs(3),
            ..Limits::default()
        },
        ..Options::default()
    };
    let start = Instant::now();
    let tree =
        netvet_unpack::open_source("sparse.qcow2", Arc::new(MemSource::new(img)), &opts, None);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert!(
        has(&tree, WarningCode::LimitTime, None, ""),
        "{:#?}",
        warnings(&tree)
    );
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// A stream marker sector: a sector count, size 0, and the marker type.
fn marker(sectors: u64, kind: u32) -> Vec<u8> {
    let mut m = vec![0u8; 512];
    m[..8].copy_from_slice(&sectors.to_le_bytes());
    m[12..16].copy_from_slice(&kind.to_le_bytes());
    m
}

/// Rewrites qemu-img's stream-optimized extent (grain directory and tables in front of the
/// grains) into VMware's layout: the header says `GD_AT_END`, each grain table follows the
/// grains behind a marker, then the grain directory, a footer marker, the footer (the header
/// with the real directory offset) and the end-of-stream marker. The tables in front are
/// zeroed, so only the footer can lead to the grains.
fn vmware_stream(q: &[u8]) -> Vec<u8> {
    let (capacity, grain, gtes) = (le64(q, 12), le64(q, 20), le32(q, 44) as u64);
    let (gd_at, overhead) = (le64(q, 56) as usize * 512, le64(q, 64) as usize * 512);
    let tables = capacity.div_ceil(grain * gtes) as usize;
    // Find the end of the grains: an end-of-stream marker, or the end of the file (qemu-img
    // writes none).
    let mut pos = overhead;
    while pos + 16 <= q.len() {
        let (n, size) = (le64(q, pos), le32(q, pos + 8) as usize);
        if size != 0 {
            pos += (12 + size).div_ceil(512) * 512;
        } else if le32(q, pos + 12) == 0 {
            break;
        } else {
            pos += 512 + n as usize * 512;
        }
    }
    let mut out = q[..pos].to_vec();
    let gt_bytes = (gtes * 4) as usize;
    let gt_sectors = gt_bytes.div_ceil(512);
    let mut gd = Vec::new();
    for t in 0..tables {
        let gt = le32(q, gd_at + 4 * t) as usize * 512;
        out.extend(marker(gt_sectors as u64, 1));
        gd.extend(((out.len() / 512) as u32).to_le_bytes());
        out.extend(&q[gt..gt + gt_bytes]);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    let gd_sectors = gd.len().div_ceil(512);
    out.extend(marker(gd_sectors as u64, 2));
    let new_gd = (out.len() / 512) as u64;
    out.extend(&gd);
    out.resize(out.len().div_ceil(512) * 512, 0);
    // Header: no redundant directory, directory at the end; the footer has the real offset.
    let mut header = q[..512].to_vec();
    let flags = le32(&header, 8) & !2;
    header[8..12].copy_from_slice(&flags.to_le_bytes());
    header[48..56].fill(0);
    out.extend(marker(1, 3));
    let mut footer = header.clone();
    footer[56..64].copy_from_slice(&new_gd.to_le_bytes());
    out.extend(footer);
    out.extend(marker(0, 0));
    header[56..64].copy_from_slice(&u64::MAX.to_le_bytes());
    out[..512].copy_from_slice(&header);
    let descriptor_end = (le64(q, 28) + le64(q, 36)) as usize * 512;
    out[descriptor_end..overhead].fill(0);
    out
}

#[test]
fn vmdk_stream_optimized_with_its_grain_directory_in_the_footer() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let fs = filesystems(dir);
    gpt_disk(dir, &fs);
    sh(
        dir,
        "qemu-img convert -f raw -O vmdk -o subformat=streamOptimized gpt.img q.vmdk",
    );
    let vmware = vmware_stream(&std::fs::read(dir.join("q.vmdk")).unwrap());
    assert_eq!(le64(&vmware, 56), u64::MAX);
    std::fs::write(dir.join("vmware.vmdk"), &vmware).unwrap();
    // qemu reads it the same way.
    sh(
        dir,
        "qemu-img convert -O raw vmware.vmdk back.raw && cmp back.raw gpt.img",
    );
    let tree = open(&dir.join("vmware.vmdk"));
    assert_no_warnings(&tree);
    let disk = tree.get("vmware.vmdk!/disk").unwrap();
    assert_eq!(
        sha256(&tree.read(disk).unwrap()),
        sha256(&std::fs::read(dir.join("gpt.img")).unwrap())
    );
    assert_matches(&tree, "vmware.vmdk!/disk!/p1!/", &fs.root, Caps::FULL);
}

#[test]
fn truncated_vmdk_grain_tables_and_missing_footers() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    sh(
        dir,
        "head -c 6291456 /dev/urandom > raw && \
         qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse raw sparse.vmdk && \
         qemu-img convert -f raw -O vmdk -o subformat=streamOptimized raw stream.vmdk",
    );
    let sparse = std::fs::read(dir.join("sparse.vmdk")).unwrap();
    let gd = le64(&sparse, 56) as usize * 512;
    let gt = le32(&sparse, gd) as usize * 512;
    // Cut inside the first grain table: the grain directory is whole, its table is not.
    let tree = open_bytes("cut.vmdk", sparse[..gt + 100].to_vec());
    assert!(
        has(
            &tree,
            WarningCode::Truncated,
            Some(gd as u64),
            &format!("grain directory entry 0: grain table at {gt:#x} is past the end of the file")
        ),
        "{:#?}",
        warnings(&tree)
    );
    // Grains past the end of the file.
    let tree = open_bytes("short.vmdk", sparse[..sparse.len() / 2].to_vec());
    assert!(
        has(
            &tree,
            WarningCode::Truncated,
            None,
            "is past the end of the file; read as zeros"
        ),
        "{:#?}",
        warnings(&tree)
    );
    // A grain directory past the end.
    let mut bad = sparse.clone();
    bad[56..64].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let msg = open_failure(&open_bytes("gd.vmdk", bad));
    assert!(
        msg.contains("vmdk at offset 0x38: truncated: grain directory at"),
        "{msg}"
    );

    // A stream-optimized extent in VMware's layout, cut short: no footer.
    let stream = vmware_stream(&std::fs::read(dir.join("stream.vmdk")).unwrap());
    let msg = open_failure(&open_bytes(
        "cut.vmdk",
        stream[..stream.len() - 4096].to_vec(),
    ));
    assert!(
        msg.contains("stream-optimized extent without its footer"),
        "{msg}"
    );
    // A grain marker naming the wrong sector.
    let mut bad = stream.clone();
    let first_grain = le64(&stream, 64) as usize * 512; // overHead: the grains follow it
    bad[first_grain] ^= 1;
    let tree = open_bytes("marker.vmdk", bad);
    assert!(
        has(
            &tree,
            WarningCode::Corrupt,
            None,
            &format!(
                "vmdk at offset {first_grain:#x}: grain marker says sector 1, the grain table sector 0"
            )
        ),
        "{:#?}",
        warnings(&tree)
    );
}

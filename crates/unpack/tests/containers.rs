//! Container images (docker-archive, OCI archives) built at run time by Debian's `umoci` and
//! `skopeo` from the reference tree, and hostile images built in code. The merged root
//! filesystem must equal, entry by entry, a directory changed on disk the way the upper layers
//! change the image; deleted files must be gone and opaque directories show only the upper
//! content.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use netvet_model::WarningCode;
use netvet_unpack::{Limits, MemSource, Options, Tree};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use common::{Caps, assert_matches, open, reference_tree};

fn run(dir: &Path, program: &str, package: &str, args: &[&str]) {
    common::tool_in(Some(dir), program, package, args);
}

fn umoci(dir: &Path, args: &[&str]) {
    run(dir, "umoci", "umoci", args);
}

fn skopeo(dir: &Path, args: &[&str]) {
    // --insecure-policy: no /etc/containers/policy.json is needed; nothing leaves the machine.
    let mut all = vec!["--insecure-policy", "copy", "--quiet"];
    all.extend_from_slice(args);
    run(dir, "skopeo", "skopeo", &all);
}

fn set_mtime(path: &Path, secs: u64) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// The second layer's changes, applied to a root directory: a file deleted, a directory
/// deleted, a file replaced, a symlink added.
fn change(root: &Path) {
    std::fs::remove_file(root.join("etc/empty")).unwrap();
    std::fs::remove_dir_all(root.join("a/b/c")).unwrap();
    let rcs = root.join("etc/init.d/rcS");
    std::fs::remove_file(&rcs).unwrap();
    std::fs::write(&rcs, b"#!/bin/sh\n# hardened: no telnetd\n").unwrap();
    std::fs::set_permissions(&rcs, std::fs::Permissions::from_mode(0o750)).unwrap();
    set_mtime(&rcs, 1_700_000_000);
    symlink("busybox", root.join("bin/amf")).unwrap();
}

/// The third layer's content: `usr/share` made opaque, holding only this.
fn opaque_source(dir: &Path) -> PathBuf {
    let src = dir.join("opaque-share");
    std::fs::create_dir(&src).unwrap();
    std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(src.join("only-this"), b"upper layer only\n").unwrap();
    set_mtime(&src.join("only-this"), 1_700_000_100);
    src
}

/// What the merged root must be: a copy of the tree the base layer was made from (`cp -a`
/// keeps modes, owners, times, devices, hard links and xattrs), with the same changes.
fn expected(dir: &Path) -> PathBuf {
    let root = dir.join("want");
    run(dir, "cp", "coreutils", &["-a", "base/rootfs", "want"]);
    change(&root);
    let share = root.join("usr/share");
    std::fs::remove_dir_all(&share).unwrap();
    std::fs::create_dir(&share).unwrap();
    std::fs::set_permissions(&share, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::copy(dir.join("opaque-share/only-this"), share.join("only-this")).unwrap();
    set_mtime(&share.join("only-this"), 1_700_000_100);
    root
}

/// An OCI layout `layout` with tag `cnf`: the reference tree, then a layer of changes made
/// with `umoci repack` (real whiteouts), then `usr/share` made opaque with `umoci insert`.
struct Fixture {
    dir: tempfile::TempDir,
    expected: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        umoci(d, &["init", "--layout", "layout"]);
        umoci(d, &["new", "--image", "layout:cnf"]);
        umoci(d, &["unpack", "--image", "layout:cnf", "base"]);
        reference_tree(&d.join("base/rootfs"));
        // Layers store whole seconds (Go rounds); the reference tree leaves device nodes and
        // the fifo at their creation time. `touch -h` sets times without opening them.
        run(
            d,
            "find",
            "findutils",
            &[
                "base/rootfs/dev",
                "-mindepth",
                "1",
                "-exec",
                "touch",
                "-h",
                "-d",
                "@1600000000",
                "{}",
                "+",
            ],
        );
        umoci(d, &["repack", "--image", "layout:cnf", "base"]);
        umoci(d, &["unpack", "--image", "layout:cnf", "upper"]);
        change(&d.join("upper/rootfs"));
        umoci(d, &["repack", "--image", "layout:cnf", "upper"]);
        let share = opaque_source(d);
        umoci(
            d,
            &[
                "insert",
                "--image",
                "layout:cnf",
                "--opaque",
                share.to_str().unwrap(),
                "/usr/share",
            ],
        );
        let expected = expected(d);
        Fixture { dir, expected }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn skopeo(&self, args: &[&str]) {
        skopeo(self.dir.path(), args);
    }
}

/// umoci keeps modes, owners, times, devices, hard links and xattrs.
const CAPS: Caps = Caps::FULL;

fn warnings(tree: &Tree) -> Vec<String> {
    tree.report()
        .all_warnings()
        .map(|(l, w)| format!("layer {l:?} {:?}: {}", w.code, w.message))
        .collect()
}

/// The merged root is the expected directory; the config is there; nothing was warned.
fn check_image(tree: &Tree, name: &str, f: &Fixture, kind: &str) {
    let r = tree.report();
    let layers: Vec<_> = r
        .layers
        .iter()
        .map(|l| (l.format.as_str(), l.path.as_str()))
        .collect();
    let rootfs = format!("{name}!/rootfs.tar");
    assert_eq!(
        layers,
        [("container", name), ("tar", rootfs.as_str())],
        "{:#?}",
        r.layers
    );
    assert!(
        r.layers[0].description.starts_with(kind),
        "{}",
        r.layers[0].description
    );
    assert!(
        r.layers[0].description.contains("3 layers"),
        "{}",
        r.layers[0].description
    );
    assert!(warnings(tree).is_empty(), "{:#?}", warnings(tree));
    assert_matches(tree, &format!("{rootfs}!/"), &f.expected, CAPS);

    // Deleted: a file and a directory; opaque: only the upper content; replaced and added.
    assert!(tree.get(&format!("{rootfs}!/etc/empty")).is_none());
    assert!(tree.get(&format!("{rootfs}!/a/b/c")).is_none());
    let share: Vec<_> = tree
        .children(&format!("{rootfs}!/usr/share"))
        .map(|e| e.path.clone())
        .collect();
    assert_eq!(share, [format!("{rootfs}!/usr/share/only-this")]);
    let rcs = tree.get(&format!("{rootfs}!/etc/init.d/rcS")).unwrap();
    assert_eq!(
        tree.read(rcs).unwrap(),
        b"#!/bin/sh\n# hardened: no telnetd\n"
    );
    let amf = tree.get(&format!("{rootfs}!/bin/amf")).unwrap();
    assert_eq!(amf.link_target.as_deref(), Some("busybox"));
    // One image root for the catalogers: the merged filesystem.
    assert_eq!(
        tree.get(&format!("{rootfs}!/etc/passwd"))
            .unwrap()
            .image_root(),
        rootfs
    );
    // No whiteout marker is shown.
    assert!(
        !tree.entries().iter().any(|e| e.name().starts_with(".wh.")),
        "whiteout shown"
    );

    let config = tree.get(&format!("{name}!/config.json")).unwrap();
    let config: Value = serde_json::from_slice(&tree.read(config).unwrap()).unwrap();
    assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 3);
}

#[test]
fn oci_archive_with_gzip_layers() {
    let f = Fixture::new();
    f.skopeo(&["oci:layout:cnf", "oci-archive:cnf-oci.tar:cnf"]);
    let tree = open(&f.path("cnf-oci.tar"));
    check_image(&tree, "cnf-oci.tar", &f, "OCI image archive");
    let d = &tree.report().layers[0].description;
    assert!(d.contains("tag cnf"), "{d}");
    assert!(d.contains("linux/amd64"), "{d}");
}

#[test]
fn oci_archive_with_zstd_layers() {
    let f = Fixture::new();
    f.skopeo(&[
        "--dest-compress-format",
        "zstd",
        "oci:layout:cnf",
        "oci-archive:cnf-zstd.tar:cnf",
    ]);
    // skopeo really wrote zstd layers.
    let listing = Command::new("tar")
        .args(["-xOf", "cnf-zstd.tar", "index.json"])
        .current_dir(f.dir.path())
        .output()
        .unwrap();
    let index: Value = serde_json::from_slice(&listing.stdout).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest = Command::new("tar")
        .args([
            "-xOf",
            "cnf-zstd.tar",
            &format!("blobs/sha256/{}", &digest[7..]),
        ])
        .current_dir(f.dir.path())
        .output()
        .unwrap();
    let manifest: Value = serde_json::from_slice(&manifest.stdout).unwrap();
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    let tree = open(&f.path("cnf-zstd.tar"));
    check_image(&tree, "cnf-zstd.tar", &f, "OCI image archive");
}

#[test]
fn docker_archive_from_skopeo() {
    // Uncompressed layer tars named by diff_id, `<id>/layer.tar` symlinks to them.
    let f = Fixture::new();
    f.skopeo(&[
        "oci:layout:cnf",
        "docker-archive:cnf-docker.tar:cnf/amf:1.0",
    ]);
    let tree = open(&f.path("cnf-docker.tar"));
    check_image(&tree, "cnf-docker.tar", &f, "docker-archive");
    let d = &tree.report().layers[0].description;
    assert!(d.contains("cnf/amf:1.0"), "{d}");
}

/// Rewrites an OCI layout as newer Docker's `docker save` writes it: `manifest.json` naming
/// `blobs/sha256/…` (here gzip-compressed), without `index.json` and `oci-layout`.
fn docker_with_oci_blobs(f: &Fixture) -> PathBuf {
    let dir = f.path("docker-blobs");
    run(
        f.dir.path(),
        "cp",
        "coreutils",
        &["-r", "layout", dir.to_str().unwrap()],
    );
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let blob = |d: &str| format!("blobs/sha256/{}", &d[7..]);
    let digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join(blob(digest))).unwrap()).unwrap();
    let layers: Vec<String> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| blob(l["digest"].as_str().unwrap()))
        .collect();
    let docker = json!([{
        "Config": blob(manifest["config"]["digest"].as_str().unwrap()),
        "RepoTags": ["cnf/smf:2.1"],
        "Layers": layers,
    }]);
    std::fs::write(dir.join("manifest.json"), docker.to_string()).unwrap();
    std::fs::remove_file(dir.join("index.json")).unwrap();
    std::fs::remove_file(dir.join("oci-layout")).unwrap();
    let out = f.path("cnf-docker-blobs.tar");
    run(
        &dir,
        "tar",
        "tar",
        &["-cf", out.to_str().unwrap(), "blobs", "manifest.json"],
    );
    out
}

#[test]
fn docker_archive_with_gzip_blobs_as_newer_docker_writes() {
    let f = Fixture::new();
    let path = docker_with_oci_blobs(&f);
    let tree = open(&path);
    check_image(&tree, "cnf-docker-blobs.tar", &f, "docker-archive");
}

#[test]
fn compressed_docker_save_and_images_inside_bundles() {
    // `docker save | gzip`, and an image shipped inside a vendor's bundle.
    let f = Fixture::new();
    f.skopeo(&["oci:layout:cnf", "docker-archive:cnf.tar:cnf/upf:3"]);
    run(
        f.dir.path(),
        "sh",
        "dash",
        &["-c", "gzip -c cnf.tar > cnf.tar.gz"],
    );
    let tree = open(&f.path("cnf.tar.gz"));
    let formats: Vec<_> = tree
        .report()
        .layers
        .iter()
        .map(|l| (l.format.as_str(), l.path.as_str()))
        .collect();
    assert_eq!(
        formats,
        [
            ("gzip", "cnf.tar.gz"),
            ("container", "cnf.tar.gz!/cnf.tar"),
            ("tar", "cnf.tar.gz!/cnf.tar!/rootfs.tar")
        ]
    );
    assert_matches(
        &tree,
        "cnf.tar.gz!/cnf.tar!/rootfs.tar!/",
        &f.expected,
        CAPS,
    );

    // In a bundle, after 100 KiB of other content: the probe sees only the head of a member.
    let bundle = f.path("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(bundle.join("README"), common::noise(100_000, 3)).unwrap();
    std::fs::rename(f.path("cnf.tar"), bundle.join("upf.tar")).unwrap();
    run(
        &bundle,
        "tar",
        "tar",
        &["-cf", "../bundle.tar", "README", "upf.tar"],
    );
    let tree = open(&f.path("bundle.tar"));
    let formats: Vec<_> = tree
        .report()
        .layers
        .iter()
        .map(|l| l.format.as_str())
        .collect();
    assert_eq!(formats, ["tar", "container", "tar"], "{:#?}", tree.report());
    assert!(
        tree.get("bundle.tar!/upf.tar!/rootfs.tar!/etc/passwd")
            .is_some()
    );
}

// ---- hostile images, built in code --------------------------------------------------------

/// A ustar header and data, names up to 100 bytes.
fn tar_entry(name: &str, typeflag: u8, data: &[u8], link: &str) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
    h[136..148].copy_from_slice(b"14000000000\0");
    h[156] = typeflag;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h.extend_from_slice(data);
    h.resize(h.len().div_ceil(512) * 512, 0);
    h
}

fn tar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in entries {
        if let Some(dir) = name.strip_suffix('/') {
            out.extend(tar_entry(&format!("{dir}/"), b'5', b"", ""));
        } else {
            out.extend(tar_entry(name, b'0', data, ""));
        }
    }
    out.extend([0u8; 1024]);
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

const GZIP_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// An OCI archive of `layers` (blobs as stored, with their media type); `edit` may change the
/// manifest and the list of blobs before the archive is written.
fn oci_archive(
    layers: &[(Vec<u8>, &str)],
    edit: impl FnOnce(&mut Value, &mut Vec<(String, Vec<u8>)>),
) -> Vec<u8> {
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut descs = Vec::new();
    let mut diff_ids = Vec::new();
    for (blob, media) in layers {
        let d = sha256(blob);
        descs.push(json!({"mediaType": media, "digest": d, "size": blob.len()}));
        let plain = if media.ends_with("+gzip") {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&blob[..]), &mut out)
                .map(|_| out)
                .unwrap_or_default()
        } else {
            blob.clone()
        };
        diff_ids.push(sha256(&plain));
        blobs.push((format!("blobs/sha256/{}", &d[7..]), blob.clone()));
    }
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin", "AMF_DB_PASSWORD=hunter2"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    })
    .to_string()
    .into_bytes();
    let config_digest = sha256(&config);
    blobs.push((
        format!("blobs/sha256/{}", &config_digest[7..]),
        config.clone(),
    ));
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config.len()},
        "layers": descs,
    });
    edit(&mut manifest, &mut blobs);
    let manifest = manifest.to_string().into_bytes();
    let md = sha256(&manifest);
    blobs.push((format!("blobs/sha256/{}", &md[7..]), manifest.clone()));
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": md, "size": manifest.len(),
        "platform": {"os": "linux", "architecture": "amd64"}}]})
    .to_string();
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#),
        ("index.json", index.as_bytes()),
    ];
    for (name, data) in &blobs {
        entries.push((name, data));
    }
    tar(&entries)
}

fn open_bytes(name: &str, bytes: Vec<u8>, opts: &Options) -> Tree {
    netvet_unpack::open_source(name, Arc::new(MemSource::new(bytes)), opts, None)
}

fn base_layer() -> Vec<u8> {
    gzip(&tar(&[
        ("etc/", b""),
        ("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        ("etc/group", b"root:x:0:\n"),
        ("opt/", b""),
        ("opt/amf", b"AMF binary"),
    ]))
}

fn container_warnings(tree: &Tree) -> Vec<(WarningCode, String)> {
    tree.report()
        .all_warnings()
        .map(|(_, w)| (w.code, w.message.clone()))
        .collect()
}

#[test]
fn missing_layer_is_named_and_the_others_still_apply() {
    let upper = gzip(&tar(&[("opt/smf", b"SMF binary")]));
    let absent = sha256(&upper);
    let img = oci_archive(
        &[(base_layer(), GZIP_LAYER), (upper, GZIP_LAYER)],
        |_, blobs| blobs.retain(|(n, _)| !n.ends_with(&absent[7..])),
    );
    let tree = open_bytes("cnf.tar", img, &Options::default());
    let w = container_warnings(&tree);
    assert!(
        w.iter().any(|(c, m)| *c == WarningCode::Corrupt
            && m.contains(&format!("layer 2 of 2 ({absent})"))
            && m.contains("not in the archive")
            && m.contains("incomplete")),
        "{w:#?}"
    );
    let d = &tree.report().layers[0].description;
    assert!(d.contains("INCOMPLETE: 1 of 2 layers"), "{d}");
    assert!(tree.get("cnf.tar!/rootfs.tar!/opt/amf").is_some());
    assert!(tree.get("cnf.tar!/rootfs.tar!/opt/smf").is_none());
}

#[test]
fn layer_digest_mismatch_is_a_bad_checksum_naming_the_layer() {
    let upper = gzip(&tar(&[("opt/smf", b"SMF binary")]));
    let declared = sha256(&upper);
    let img = oci_archive(
        &[(base_layer(), GZIP_LAYER), (upper, GZIP_LAYER)],
        |_, blobs| {
            // Same name, other content: a tampered blob.
            let b = blobs
                .iter_mut()
                .find(|(n, _)| n.ends_with(&declared[7..]))
                .unwrap();
            b.1 = gzip(&tar(&[("opt/smf", b"tampered!!")]));
        },
    );
    let tree = open_bytes("cnf.tar", img, &Options::default());
    let w = container_warnings(&tree);
    let bad: Vec<_> = w
        .iter()
        .filter(|(c, _)| *c == WarningCode::BadChecksum)
        .collect();
    // The blob digest and the diff_id both disagree.
    assert_eq!(bad.len(), 2, "{w:#?}");
    assert!(
        bad.iter()
            .all(|(_, m)| m.contains(&format!("layer 2 of 2 ({declared})")))
    );
    assert!(
        bad[0].1.contains("does not match the manifest's"),
        "{bad:?}"
    );
    let smf = tree.get("cnf.tar!/rootfs.tar!/opt/smf").unwrap();
    assert_eq!(tree.read(smf).unwrap(), b"tampered!!");
}

#[test]
fn whiteouts_that_leave_the_root_delete_nothing() {
    let mut layer = Vec::new();
    layer.extend(tar_entry("../../etc/.wh.passwd", b'0', b"", ""));
    layer.extend(tar_entry("/etc/.wh.group", b'0', b"", ""));
    layer.extend(tar_entry("../../../escaped", b'0', b"x", ""));
    layer.extend([0u8; 1024]);
    let img = oci_archive(
        &[(base_layer(), GZIP_LAYER), (gzip(&layer), GZIP_LAYER)],
        |_, _| {},
    );
    let tree = open_bytes("cnf.tar", img, &Options::default());
    let w = container_warnings(&tree);
    let unsafe_names: Vec<_> = w
        .iter()
        .filter(|(c, _)| *c == WarningCode::UnsafeName)
        .map(|(_, m)| m.as_str())
        .collect();
    assert!(
        unsafe_names
            .iter()
            .all(|m| m.starts_with("layer 2 of 2 (sha256:")),
        "{unsafe_names:#?}"
    );
    assert!(
        unsafe_names
            .iter()
            .any(|m| m.contains("leaves the root; nothing deleted")),
        "{unsafe_names:#?}"
    );
    // `..` above the root deletes nothing; an absolute whiteout applies inside the root.
    assert!(tree.get("cnf.tar!/rootfs.tar!/etc/passwd").is_some());
    assert!(tree.get("cnf.tar!/rootfs.tar!/etc/group").is_none());
    assert!(tree.get("cnf.tar!/rootfs.tar!/escaped").is_some());
}

#[test]
fn ten_thousand_layers_are_refused_quickly() {
    let start = std::time::Instant::now();
    let layer = base_layer();
    let img = oci_archive(&[(layer, GZIP_LAYER)], |m, _| {
        let one = m["layers"][0].clone();
        m["layers"] = Value::Array(vec![one; 10_000]);
    });
    let tree = open_bytes("cnf.tar", img, &Options::default());
    let w = container_warnings(&tree);
    assert!(
        w.iter().any(|(_, m)| m.contains("container")
            && m.contains("declares 10000 layers, more than the 512")),
        "{w:#?}"
    );
    assert!(tree.get("cnf.tar!/rootfs.tar").is_none());
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_100_mb_manifest_is_not_read() {
    let d = tempfile::tempdir().unwrap();
    let mut manifest = br#"[{"Config":"c.json","Layers":["l.tar"],"RepoTags":[""#.to_vec();
    manifest.resize(100_000_000, b'x');
    manifest.extend(br#""]}]"#);
    let img = tar(&[
        ("manifest.json", &manifest),
        ("l.tar", &tar(&[("etc/passwd", b"root")])),
    ]);
    drop(manifest);
    let path = d.path().join("huge.tar");
    std::fs::write(&path, img).unwrap();
    let start = std::time::Instant::now();
    let tree = open(&path);
    let w = container_warnings(&tree);
    assert!(
        w.iter().any(|(_, m)| m.contains("container")
            && m.contains("manifest.json of 100000004 bytes exceeds")),
        "{w:#?}"
    );
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_gzip_bomb_layer_stops_at_the_ratio_limit() {
    let mut bomb_tar = tar_entry("zeros", b'0', b"", "");
    bomb_tar[124..136].copy_from_slice(format!("{:011o}\0", 200u64 << 20).as_bytes());
    bomb_tar[148..156].copy_from_slice(b"        ");
    let sum: u32 = bomb_tar.iter().map(|&b| b as u32).sum();
    bomb_tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&bomb_tar).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..200 {
        e.write_all(&chunk).unwrap();
    }
    e.write_all(&[0u8; 1024]).unwrap();
    let bomb = e.finish().unwrap();
    assert!(bomb.len() < 300_000);
    let img = oci_archive(
        &[(base_layer(), GZIP_LAYER), (bomb.clone(), GZIP_LAYER)],
        |_, _| {},
    );
    let opts = Options {
        limits: Limits {
            max_ratio: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    let start = std::time::Instant::now();
    let tree = open_bytes("cnf.tar", img, &opts);
    let w = container_warnings(&tree);
    let label = format!("layer 2 of 2 ({})", sha256(&bomb));
    assert!(
        w.iter().any(|(c, m)| *c == WarningCode::LimitRatio
            && m.contains(&label)
            && m.contains("100:1")
            && m.contains("not applied")),
        "{w:#?}"
    );
    assert!(tree.get("cnf.tar!/rootfs.tar!/etc/passwd").is_some());
    assert!(tree.get("cnf.tar!/rootfs.tar!/zeros").is_none());
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_tar_with_another_manifest_json_stays_a_tar() {
    // Firmware bundles carry manifests of their own.
    let img = tar(&[
        (
            "manifest.json",
            br#"{"files": ["rootfs.squashfs"], "version": "1.2"}"#,
        ),
        ("rootfs.squashfs", b"not really"),
    ]);
    let tree = open_bytes("fw.tar", img, &Options::default());
    let formats: Vec<_> = tree
        .report()
        .layers
        .iter()
        .map(|l| l.format.as_str())
        .collect();
    assert_eq!(formats, ["tar"]);
    assert!(tree.get("fw.tar!/manifest.json").is_some());
}

#[test]
fn the_config_is_a_payload_the_secret_checks_read() {
    let img = oci_archive(&[(base_layer(), GZIP_LAYER)], |_, _| {});
    let tree = open_bytes("cnf.tar", img, &Options::default());
    let config = tree.get("cnf.tar!/config.json").unwrap();
    let text = String::from_utf8(tree.read(config).unwrap()).unwrap();
    assert!(text.contains("AMF_DB_PASSWORD=hunter2"));
    // A text part is not searched as a raw blob.
    assert!(
        tree.report().layers.iter().all(|l| l.format != "raw"),
        "{:#?}",
        tree.report().layers
    );
    assert!(
        container_warnings(&tree).is_empty(),
        "{:#?}",
        container_warnings(&tree)
    );
}

#[test]
fn classic_docker_save_layout_with_layer_symlinks() {
    let l1 = tar(&[("etc/", b""), ("etc/passwd", b"root:x:0:0\n")]);
    let l2 = tar(&[("etc/.wh.passwd", b""), ("etc/shadow", b"root:*:1\n")]);
    let (d1, d2) = (sha256(&l1), sha256(&l2));
    let config = json!({"os": "linux", "architecture": "arm64",
        "rootfs": {"type": "layers", "diff_ids": [d1, d2]}})
    .to_string();
    let config_name = format!("{}.json", &sha256(config.as_bytes())[7..]);
    let manifest = json!([
        {"Config": config_name, "RepoTags": ["cnf/nrf:7"],
         "Layers": ["aaaa/layer.tar", "bbbb/layer.tar"]},
        {"Config": config_name, "RepoTags": ["cnf/other:1"], "Layers": []},
    ])
    .to_string();
    let mut img = Vec::new();
    img.extend(tar_entry(&format!("{}.tar", &d1[7..]), b'0', &l1, ""));
    img.extend(tar_entry(&format!("{}.tar", &d2[7..]), b'0', &l2, ""));
    img.extend(tar_entry("aaaa/", b'5', b"", ""));
    img.extend(tar_entry(
        "aaaa/layer.tar",
        b'2',
        b"",
        &format!("../{}.tar", &d1[7..]),
    ));
    img.extend(tar_entry("bbbb/", b'5', b"", ""));
    img.extend(tar_entry(
        "bbbb/layer.tar",
        b'2',
        b"",
        &format!("../{}.tar", &d2[7..]),
    ));
    img.extend(tar_entry(&config_name, b'0', config.as_bytes(), ""));
    img.extend(tar_entry("manifest.json", b'0', manifest.as_bytes(), ""));
    img.extend([0u8; 1024]);
    let tree = open_bytes("nrf.tar", img, &Options::default());
    let w = container_warnings(&tree);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].0, WarningCode::Unsupported);
    assert!(w[0].1.contains("lists 2 images; only the first is shown"));
    let d = &tree.report().layers[0].description;
    assert_eq!(
        d,
        "docker-archive (cnf/nrf:7; linux/arm64), 2 layers, root filesystem of 2 entries"
    );
    let paths: Vec<_> = tree
        .entries()
        .iter()
        .map(|e| e.path.as_str())
        .filter(|p| p.contains("rootfs.tar!/"))
        .collect();
    assert_eq!(
        paths,
        [
            "nrf.tar!/rootfs.tar!/etc",
            "nrf.tar!/rootfs.tar!/etc/shadow"
        ]
    );
}

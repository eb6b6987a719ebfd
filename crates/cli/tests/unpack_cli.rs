//! End-to-end tests of `netvet identify` and `netvet unpack` as users run them.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::{Command, Output};

/// Runs netvet; a netvet JSON document it prints is checked against its schema.
fn netvet(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(args)
        .output()
        .expect("netvet runs");
    support::validate_if_document(
        &format!("netvet {args:?}"),
        &String::from_utf8_lossy(&out.stdout),
    );
    out
}

fn make_image(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/passwd"), "root::0:0:root:/root:/bin/sh\n").unwrap();
    std::os::unix::fs::symlink("/bin/busybox", root.join("etc/sh")).unwrap();
    let img = dir.join("fw.sqfs");
    let st = Command::new("mksquashfs")
        .arg(&root)
        .arg(&img)
        .args(["-noappend", "-quiet", "-no-progress"])
        .status()
        .expect("mksquashfs (package squashfs-tools) runs");
    assert!(st.success());
    img
}

#[test]
fn identify_json_is_versioned_and_deterministic() {
    let d = tempfile::tempdir().unwrap();
    let img = make_image(d.path());
    let a = netvet(&[
        "identify",
        "--format",
        "json",
        "--entries",
        img.to_str().unwrap(),
    ]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let b = netvet(&[
        "identify",
        "--format",
        "json",
        "--entries",
        img.to_str().unwrap(),
    ]);
    assert_eq!(a.stdout, b.stdout, "same input, same bytes");
    let doc: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(doc["schema"], "netvet.identify/1");
    let image = &doc["images"][0];
    assert_eq!(image["schema"], "netvet.image-report/1");
    assert_eq!(image["layers"][0]["format"], "squashfs");
    let paths: Vec<_> = image["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        ["fw.sqfs!/etc", "fw.sqfs!/etc/passwd", "fw.sqfs!/etc/sh"]
    );
    assert_eq!(image["entries"][2]["link_target"], "/bin/busybox");
}

#[test]
fn identify_table_names_layers() {
    let d = tempfile::tempdir().unwrap();
    let img = make_image(d.path());
    let out = netvet(&["identify", "--format", "table", img.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("squashfs 4.0, little-endian, gzip"), "{text}");
}

#[test]
fn unpack_writes_the_tree_and_refuses_to_overwrite() {
    let d = tempfile::tempdir().unwrap();
    let img = make_image(d.path());
    let out_dir = d.path().join("out");
    let out = netvet(&[
        "unpack",
        img.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "netvet.unpack/1");
    assert_eq!(doc["written"]["files"], 1);
    assert_eq!(doc["written"]["symlinks"], 1);
    assert_eq!(
        std::fs::read_to_string(out_dir.join("etc/passwd")).unwrap(),
        "root::0:0:root:/root:/bin/sh\n"
    );
    assert_eq!(
        std::fs::read_link(out_dir.join("etc/sh")).unwrap(),
        Path::new("/bin/busybox")
    );

    let again = netvet(&[
        "unpack",
        img.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty (use --force"));
    let forced = netvet(&[
        "unpack",
        img.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--force",
    ]);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
}

#[test]
fn missing_input_and_bad_flags_exit_2() {
    let out = netvet(&["identify", "/nonexistent/fw.bin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/fw.bin"));
    let out = netvet(&["identify", "--max-bytes", "lots", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn demo_builds_identifies_and_unpacks_the_sample_devices() {
    let d = tempfile::tempdir().unwrap();
    let out = netvet(&["demo", "--out", d.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("acme-ru4400-2.1.7.bin!/0x100000.squashfs"),
        "{text}"
    );
    // The extracted tree holds the planted inittab line, byte for byte.
    let inittab = d
        .path()
        .join("unpacked/acme-ru4400-2.1.7.bin/0x100000.squashfs.extracted/etc/inittab");
    assert!(
        std::fs::read_to_string(inittab)
            .unwrap()
            .contains("telnetd -F -l /bin/sh")
    );
    // Every built-in catalogue gives a network report of the generated sample inventory.
    for id in ["de-2019", "de-2024", "uk-2022"] {
        assert!(text.contains(&format!("  {id:<8} ")), "{text}");
        let json = std::fs::read_to_string(d.path().join(format!("network-{id}.json"))).unwrap();
        support::assert_valid(&format!("network-{id}.json"), &json);
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(report["totals"]["elements"].as_u64().unwrap() >= 50_000);
        assert_eq!(report["operators"].as_array().unwrap().len(), 4);
        assert!(d.path().join(format!("network-{id}.html")).is_file());
    }
    let uk: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("network-uk-2022.json")).unwrap(),
    )
    .unwrap();
    assert!(uk["totals"]["prohibited"].as_u64().unwrap() > 0);
    assert!(uk["plan"]["elements"].as_u64().unwrap() > 0);
    // Every netvet document the demo wrote (outside the unpacked trees) is valid.
    let mut dirs = vec![d.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && !path.ends_with("unpacked") {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                support::validate_if_document(&path.display().to_string(), &text);
            }
        }
    }
    // A second run replaces the first.
    let again = netvet(&["demo", "--out", d.path().to_str().unwrap()]);
    assert!(again.status.success());
}

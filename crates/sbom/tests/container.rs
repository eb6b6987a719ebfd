//! A container image end to end: the SBOM of an image is the SBOM of the root filesystem the
//! container runs with, not of its layers. Built at run time with Debian's `umoci` and
//! `skopeo` (.ci/run installs them).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use netvet_model::ComponentType;
use netvet_unpack::Options;

fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} not runnable ({e}); install Debian package `{program}` (.ci/run does)"
            )
        });
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn package(name: &str, version: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n\n"
    )
}

#[test]
fn sbom_of_an_image_lists_the_packages_of_its_top_layer_database() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, "umoci", &["init", "--layout", "layout"]);
    run(d, "umoci", &["new", "--image", "layout:upf"]);
    run(d, "umoci", &["unpack", "--image", "layout:upf", "base"]);
    let root = d.join("base/rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    let status = root.join("var/lib/dpkg/status");
    std::fs::write(
        &status,
        package("openssl", "3.0.11-1~deb12u2") + &package("telnetd", "0.17+2.4-2"),
    )
    .unwrap();
    run(d, "umoci", &["repack", "--image", "layout:upf", "base"]);
    // The upper layer removes telnetd: `status` is rewritten without it.
    run(d, "umoci", &["unpack", "--image", "layout:upf", "upper"]);
    std::fs::write(
        d.join("upper/rootfs/var/lib/dpkg/status"),
        package("openssl", "3.0.11-1~deb12u2"),
    )
    .unwrap();
    run(d, "umoci", &["repack", "--image", "layout:upf", "upper"]);
    run(
        d,
        "skopeo",
        &[
            "--insecure-policy",
            "copy",
            "--quiet",
            "oci:layout:upf",
            "docker-archive:upf.tar:cnf/upf:1",
        ],
    );

    let tree = netvet_unpack::open_path(&d.join("upf.tar"), &Options::default()).unwrap();
    let cat = netvet_sbom::catalog(&tree).unwrap();
    assert!(cat.problems.is_empty(), "{:?}", cat.problems);
    let packages: Vec<_> = cat
        .components
        .iter()
        .filter(|c| c.kind == ComponentType::Package)
        .map(|c| {
            (
                c.name.as_str(),
                c.purl.as_deref().unwrap_or(""),
                c.evidence[0].path.as_str(),
            )
        })
        .collect();
    assert_eq!(
        packages,
        [(
            "openssl",
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
            "upf.tar!/rootfs.tar!/var/lib/dpkg/status"
        )]
    );
    // The merged root filesystem is one image root, whose distribution is known.
    let os: Vec<_> = cat
        .components
        .iter()
        .filter(|c| c.kind == ComponentType::OperatingSystem)
        .map(|c| (c.name.as_str(), c.evidence[0].path.as_str()))
        .collect();
    assert_eq!(os, [("debian", "upf.tar!/rootfs.tar!/etc/os-release")]);
}

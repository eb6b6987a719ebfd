//! The built-in advisory set: real OSV and NVD records (and CISA KEV entries) for components
//! of the sample and test images, with their sources, kept in the repository's `advisories/`
//! directory and embedded here so matching works offline with no import.

/// (file name, content) of every built-in advisory file, in import order.
pub const FILES: &[(&str, &str)] = &[
    (
        "nvd/openssl.json",
        include_str!("../../../advisories/nvd/openssl.json"),
    ),
    (
        "nvd/busybox.json",
        include_str!("../../../advisories/nvd/busybox.json"),
    ),
    (
        "nvd/dropbear.json",
        include_str!("../../../advisories/nvd/dropbear.json"),
    ),
    (
        "nvd/linux.json",
        include_str!("../../../advisories/nvd/linux.json"),
    ),
    (
        "nvd/dnsmasq.json",
        include_str!("../../../advisories/nvd/dnsmasq.json"),
    ),
    (
        "osv/debian.json",
        include_str!("../../../advisories/osv/debian.json"),
    ),
    (
        "osv/alpine.json",
        include_str!("../../../advisories/osv/alpine.json"),
    ),
    (
        "osv/almalinux.json",
        include_str!("../../../advisories/osv/almalinux.json"),
    ),
    (
        "osv/maven.json",
        include_str!("../../../advisories/osv/maven.json"),
    ),
    (
        "kev/known_exploited_vulnerabilities.json",
        include_str!("../../../advisories/kev/known_exploited_vulnerabilities.json"),
    ),
];

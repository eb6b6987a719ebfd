//! Package URLs and CPE 2.3 names: building them with the escaping each requires.

/// Percent-encodes a PURL component (name, namespace segment, version, qualifier value):
/// everything but ASCII letters, digits and `.-_~` is encoded, as the PURL spec requires
/// (`:` of a Debian epoch becomes `%3A`, `+` becomes `%2B`).
pub fn purl_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes of a PURL component (invalid escapes are kept as they are).
pub fn purl_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Builds `pkg:TYPE/NAMESPACE/NAME@VERSION?k=v&...` (qualifiers sorted, empty ones dropped).
pub fn purl(
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut s = format!("pkg:{kind}/");
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        s.push_str(&purl_encode(&ns.to_ascii_lowercase()));
        s.push('/');
    }
    s.push_str(&purl_encode(name));
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        s.push('@');
        s.push_str(&purl_encode(v));
    }
    let mut q: Vec<_> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
    q.sort();
    for (i, (k, v)) in q.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(k);
        s.push('=');
        s.push_str(&purl_encode(v));
    }
    s
}

/// The parts of a PURL that identify a package (type, namespace, name, version).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurlParts {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
}

/// Parses a PURL (qualifiers and subpath are ignored). `None` if it is not one.
pub fn parse_purl(s: &str) -> Option<PurlParts> {
    let rest = s.strip_prefix("pkg:")?;
    let rest = rest.split(['?', '#']).next()?;
    let (path, version) = match rest.rsplit_once('@') {
        Some((p, v)) => (p, Some(purl_decode(v))),
        None => (rest, None),
    };
    let mut parts = path.trim_matches('/').split('/');
    let kind = parts.next()?.to_ascii_lowercase();
    let segs: Vec<&str> = parts.collect();
    let (name, ns) = segs.split_last()?;
    if kind.is_empty() || name.is_empty() {
        return None;
    }
    Some(PurlParts {
        kind,
        namespace: (!ns.is_empty()).then(|| {
            ns.iter()
                .map(|s| purl_decode(s))
                .collect::<Vec<_>>()
                .join("/")
        }),
        name: purl_decode(name),
        version,
    })
}

/// The decoded value of qualifier `key` of a PURL (`distro` of `…?arch=amd64&distro=debian-12`).
pub fn purl_qualifier(purl: &str, key: &str) -> Option<String> {
    let query = purl.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|q| {
        let (k, v) = q.split_once('=')?;
        k.eq_ignore_ascii_case(key).then(|| purl_decode(v))
    })
}

/// Escapes a value for a CPE 2.3 formatted string: letters, digits, `_`, `-` and `.` stay,
/// everything else gets a backslash (`2.80:rc1` → `2.80\:rc1`).
pub fn cpe_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
            out.push(c);
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    out
}

/// `cpe:2.3:PART:VENDOR:PRODUCT:VERSION:*:*:*:*:*:*:*` (version `*` when unknown).
pub fn cpe(part: char, vendor: &str, product: &str, version: Option<&str>) -> String {
    let v = version
        .filter(|v| !v.is_empty())
        .map(cpe_escape)
        .unwrap_or_else(|| "*".to_string());
    format!("cpe:2.3:{part}:{vendor}:{product}:{v}:*:*:*:*:*:*:*")
}

/// The upstream part of a distribution version: epoch and packaging revision removed
/// (`1:2.80-16.3` → `2.80`, `1.36.1-r5` → `1.36.1`, `2016.74-1` → `2016.74`).
pub fn upstream_version(v: &str) -> &str {
    let v = v.split_once(':').map_or(v, |(e, rest)| {
        if e.chars().all(|c| c.is_ascii_digit()) {
            rest
        } else {
            v
        }
    });
    match v.rfind('-') {
        Some(i) if i > 0 => &v[..i],
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_encode_epochs_and_sort_qualifiers() {
        assert_eq!(
            purl(
                "deb",
                Some("debian"),
                "libssl3",
                Some("1:3.0.11-1~deb12u2"),
                &[("distro", "debian-12"), ("arch", "amd64")]
            ),
            "pkg:deb/debian/libssl3@1%3A3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
        );
        assert_eq!(
            purl("generic", None, "busybox", Some("1.24.1"), &[]),
            "pkg:generic/busybox@1.24.1"
        );
        assert_eq!(
            purl("generic", None, "g++", None, &[]),
            "pkg:generic/g%2B%2B"
        );
    }

    #[test]
    fn purls_parse_back() {
        let p = parse_purl("pkg:deb/debian/libssl3@1%3A3.0.11-1~deb12u2?arch=amd64").unwrap();
        assert_eq!(p.kind, "deb");
        assert_eq!(p.namespace.as_deref(), Some("debian"));
        assert_eq!(p.name, "libssl3");
        assert_eq!(p.version.as_deref(), Some("1:3.0.11-1~deb12u2"));
        assert_eq!(parse_purl("pkg:generic/zlib").unwrap().version, None);
        assert!(parse_purl("cpe:2.3:a:x").is_none());
        assert!(parse_purl("pkg:/").is_none());
    }

    #[test]
    fn cpes_escape_special_characters() {
        assert_eq!(
            cpe('a', "thekelleys", "dnsmasq", Some("2.80")),
            "cpe:2.3:a:thekelleys:dnsmasq:2.80:*:*:*:*:*:*:*"
        );
        assert_eq!(
            cpe('a', "x", "y", Some("1.0+git:1")),
            "cpe:2.3:a:x:y:1.0\\+git\\:1:*:*:*:*:*:*:*"
        );
        assert_eq!(
            cpe('o', "linux", "linux_kernel", None),
            "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"
        );
    }

    #[test]
    fn upstream_versions_drop_epoch_and_revision() {
        assert_eq!(upstream_version("1:2.80-16.3"), "2.80");
        assert_eq!(upstream_version("1.36.1-r5"), "1.36.1");
        assert_eq!(upstream_version("2016.74"), "2016.74");
        assert_eq!(upstream_version("3.0.11-1~deb12u2"), "3.0.11");
    }
}

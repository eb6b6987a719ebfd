//! `java-archive-cataloger`: Java libraries inside Java archives. Maven writes
//! `META-INF/maven/<groupId>/<artifactId>/pom.properties` into every archive it builds, and
//! shaded ("fat") archives keep one per library they bundle; the unpacker opens `.jar`, `.war`
//! and `.ear` files (ZIP) as nested images, so each such file is an entry of the tree. Each
//! gives a component `pkg:maven/<groupId>/<artifactId>@<version>` in the OSV ecosystem
//! `Maven`, where the advisories of Java libraries are published (Log4Shell among them).
//!
//! The properties file is untrusted: read only when at most [`MAX_PROPERTIES_BYTES`], at most
//! [`MAX_ARCHIVES`] per image, and the group, artifact and version must look like Maven
//! coordinates (no spaces, slashes or control characters), else the file is reported and
//! skipped.

use netvet_model::{Component, ComponentEvidence, ComponentType};
use netvet_unpack::Tree;

use crate::identity;

/// Cataloger id.
pub const ID: &str = "java-archive-cataloger";

/// The OSV ecosystem of Maven packages.
pub const ECOSYSTEM: &str = "Maven";

/// Largest `pom.properties` read.
pub const MAX_PROPERTIES_BYTES: u64 = 64 << 10;

/// Most properties files read per image.
pub const MAX_ARCHIVES: usize = 20_000;

/// The Java libraries of a tree.
pub fn catalog(tree: &Tree, problems: &mut Vec<String>) -> Vec<Component> {
    let mut out = Vec::new();
    let candidates = tree.entries().iter().filter(|e| {
        e.is_file() && e.path.ends_with("/pom.properties") && e.path.contains("META-INF/maven/")
    });
    for (n, e) in candidates.enumerate() {
        if n == MAX_ARCHIVES {
            problems.push(format!(
                "more than {MAX_ARCHIVES} Maven pom.properties files; the rest were not read"
            ));
            break;
        }
        if e.size > MAX_PROPERTIES_BYTES {
            problems.push(format!(
                "{}: {} bytes, larger than the {MAX_PROPERTIES_BYTES} bytes a pom.properties may have; not read",
                e.path, e.size
            ));
            continue;
        }
        let bytes = match tree.read(e) {
            Ok(b) => b,
            Err(err) => {
                problems.push(format!("{}: {err}", e.path));
                continue;
            }
        };
        match coordinates(&String::from_utf8_lossy(&bytes)) {
            Ok((group, artifact, version)) => {
                out.push(component(group, artifact, version, &e.path))
            }
            Err(why) => problems.push(format!("{}: {why}; skipped", e.path)),
        }
    }
    out
}

/// A Maven library as a component.
pub fn component(group: &str, artifact: &str, version: &str, path: &str) -> Component {
    let mut c = Component::new(artifact, Some(version.to_string()), ComponentType::Library);
    c.purl = Some(identity::purl(
        "maven",
        Some(group),
        artifact,
        Some(version),
        &[],
    ));
    c.ecosystem = Some(ECOSYSTEM.to_string());
    c.evidence.push(ComponentEvidence {
        path: path.to_string(),
        cataloger: ID.to_string(),
        confidence: 1.0,
    });
    c
}

/// The OSV package name of a Maven component, `groupId:artifactId`, from its PURL.
pub fn osv_name(purl: &str) -> Option<String> {
    let rest = purl.strip_prefix("pkg:maven/")?;
    let rest = rest.split(['@', '?', '#']).next()?;
    let (group, artifact) = rest.rsplit_once('/')?;
    (!group.is_empty() && !artifact.is_empty()).then(|| {
        format!(
            "{}:{}",
            identity::purl_decode(group),
            identity::purl_decode(artifact)
        )
    })
}

/// `groupId`, `artifactId` and `version` of a Java properties file (`key=value` or
/// `key: value` lines; `#` and `!` comments).
fn coordinates(text: &str) -> Result<(&str, &str, &str), String> {
    let mut group = None;
    let mut artifact = None;
    let mut version = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some(at) = line.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (line[..at].trim(), line[at + 1..].trim());
        match key {
            "groupId" => group = Some(value),
            "artifactId" => artifact = Some(value),
            "version" => version = Some(value),
            _ => {}
        }
    }
    let check = |what: &str, v: Option<&'_ str>| -> Result<(), String> {
        match v {
            None => Err(format!("no {what}")),
            Some(v) if !valid(v) => Err(format!("{what} {v:?} is not a Maven coordinate")),
            Some(_) => Ok(()),
        }
    };
    check("groupId", group)?;
    check("artifactId", artifact)?;
    check("version", version)?;
    match (group, artifact, version) {
        (Some(g), Some(a), Some(v)) => Ok((g, a, v)),
        _ => Err("incomplete coordinates".to_string()),
    }
}

fn valid(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 200
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maven_properties_give_coordinates() {
        let text = "#Generated by Maven\n#Mon Dec 06 10:00:00 UTC 2021\nversion=2.14.1\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\n";
        assert_eq!(
            coordinates(text),
            Ok(("org.apache.logging.log4j", "log4j-core", "2.14.1"))
        );
        assert_eq!(
            coordinates("groupId: a.b\nartifactId : c\nversion:1.0\n"),
            Ok(("a.b", "c", "1.0"))
        );
    }

    #[test]
    fn hostile_or_incomplete_properties_are_refused() {
        assert!(coordinates("groupId=a\nartifactId=b\n").is_err());
        let e = coordinates("groupId=../../etc\nartifactId=b\nversion=1\n").unwrap_err();
        assert!(e.contains("groupId"), "{e}");
        assert!(coordinates("groupId=a\nartifactId=b c\nversion=1\n").is_err());
        assert!(coordinates("").is_err());
    }

    #[test]
    fn the_component_is_a_maven_library() {
        let c = component(
            "org.apache.logging.log4j",
            "log4j-core",
            "2.14.1",
            "x.jar!/p",
        );
        assert_eq!(
            c.purl.as_deref(),
            Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
        );
        assert_eq!(c.ecosystem.as_deref(), Some("Maven"));
        assert_eq!(
            osv_name(c.purl.as_deref().unwrap()).as_deref(),
            Some("org.apache.logging.log4j:log4j-core")
        );
        assert_eq!(osv_name("pkg:generic/x@1"), None);
    }
}

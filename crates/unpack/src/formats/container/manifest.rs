//! Which image an archive holds and where its parts are: `manifest.json` of a docker-archive,
//! or `index.json` → (one level of image index) → image manifest of an OCI layout.

use serde_json::Value;

use netvet_model::WarningCode;

use crate::error::{Error, LimitKind, Result};
use crate::format::OpenCtx;

use super::{Archive, F, MAX_JSON, MAX_LAYERS};

/// Manifests an index may list.
const MAX_DESCRIPTORS: usize = 4096;

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// A content digest, `algorithm:encoded`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Digest {
    pub algorithm: String,
    pub encoded: String,
}

impl Digest {
    /// Parses a digest as the OCI spec defines its grammar; `None` when malformed (which also
    /// keeps `/` and `..` out of blob paths).
    pub fn parse(s: &str) -> Option<Digest> {
        let (alg, enc) = s.split_once(':')?;
        let alg_ok = !alg.is_empty()
            && alg.len() <= 32
            && alg
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
            && alg.starts_with(|c: char| c.is_ascii_alphanumeric());
        let enc_ok = !enc.is_empty()
            && enc.len() <= 256
            && enc
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b));
        (alg_ok && enc_ok).then(|| Digest {
            algorithm: alg.to_string(),
            encoded: enc.to_string(),
        })
    }

    /// The digest a blob stored as `blobs/ALG/HEX` (or a docker-archive's `HEX.json`,
    /// `HEX.tar`) has by its name, when the name says.
    pub fn from_blob_name(name: &[u8]) -> Option<Digest> {
        let name = std::str::from_utf8(name).ok()?;
        if let Some(rest) = name.strip_prefix("blobs/") {
            let (alg, enc) = rest.split_once('/')?;
            return Digest::parse(&format!("{alg}:{enc}"));
        }
        let stem = name.strip_suffix(".json").or(name.strip_suffix(".tar"))?;
        (stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Digest::parse(&format!("sha256:{stem}")))
            .flatten()
    }

    /// Where an OCI layout stores the blob.
    pub fn blob_path(&self) -> Vec<u8> {
        format!("blobs/{}/{}", self.algorithm, self.encoded).into_bytes()
    }

    /// True for the algorithms this reader verifies.
    pub fn verifiable(&self) -> bool {
        matches!(
            (self.algorithm.as_str(), self.encoded.len()),
            ("sha256", 64) | ("sha512", 128)
        )
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.encoded)
    }
}

/// One blob the image needs, as the manifest names it.
#[derive(Clone, Debug)]
pub(crate) struct BlobRef {
    /// Name in the archive.
    pub path: Vec<u8>,
    /// The digest the blob must have, when the manifest or its name says.
    pub digest: Option<Digest>,
    /// The size the descriptor declares.
    pub size: Option<u64>,
    /// Media type the descriptor declares.
    pub media_type: Option<String>,
}

impl BlobRef {
    /// How messages name it: its digest, else its path.
    pub fn label(&self) -> String {
        match &self.digest {
            Some(d) => d.to_string(),
            None => crate::names::escape_bytes(&self.path),
        }
    }
}

/// The image chosen in the archive.
pub(crate) struct Image {
    /// `OCI image archive` or `docker-archive`.
    pub kind: &'static str,
    /// What identifies the chosen image to a person (tags, manifest digest, platform, choice).
    pub about: Vec<String>,
    pub config: Option<BlobRef>,
    pub layers: Vec<BlobRef>,
}

/// Reads a JSON member, bounded in size (nesting is bounded by serde_json's recursion limit).
pub(crate) fn read_json(
    archive: &Archive,
    path: &[u8],
    what: &str,
    ctx: &OpenCtx<'_>,
) -> Result<Value> {
    let blob = archive
        .get(path)
        .ok_or_else(|| Error::corrupt(F, 0, format!("{what} is not in the archive")))?;
    if blob.source.len() > MAX_JSON {
        return Err(Error::limit(
            LimitKind::Metadata,
            format!(
                "{F} at offset {:#x}: {what} of {} bytes exceeds the {MAX_JSON} bytes a manifest or config may have",
                blob.offset,
                blob.source.len()
            ),
        ));
    }
    ctx.budget.check_metadata(blob.source.len(), what)?;
    let mut bytes = vec![0u8; blob.source.len() as usize];
    crate::source::SourceExt::read_exact_at(&*blob.source, 0, &mut bytes)
        .map_err(|e| Error::read(F, blob.offset, e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::corrupt(F, blob.offset, format!("{what} is not valid JSON: {e}")))
}

/// A string from the image made fit for a message: at most 128 characters, control
/// characters escaped (a tag or media type may hold terminal escape sequences).
pub(crate) fn shown(s: &str) -> String {
    let cut: String = s.chars().take(128).collect();
    let mut out = crate::names::escape_bytes(cut.as_bytes());
    if cut.len() < s.len() {
        out.push('…');
    }
    out
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// An OCI descriptor (`mediaType`, `digest`, `size`).
fn descriptor(v: &Value, what: &str, at: u64) -> Result<BlobRef> {
    let digest = str_of(v, "digest")
        .and_then(Digest::parse)
        .ok_or_else(|| Error::corrupt(F, at, format!("{what} has no valid digest")))?;
    Ok(BlobRef {
        path: digest.blob_path(),
        size: v.get("size").and_then(Value::as_u64),
        media_type: str_of(v, "mediaType").map(str::to_string),
        digest: Some(digest),
    })
}

fn platform(v: &Value) -> Option<String> {
    let p = v.get("platform")?;
    let mut s = format!("{}/{}", str_of(p, "os")?, str_of(p, "architecture")?);
    if let Some(variant) = str_of(p, "variant") {
        s.push('/');
        s.push_str(variant);
    }
    Some(shown(&s))
}

/// Picks one manifest of an index: `linux/amd64` first, else the first that is not an
/// attestation (`unknown/unknown`), else the first. Says which and why.
fn choose(manifests: &[Value]) -> (usize, String) {
    let plat: Vec<Option<String>> = manifests.iter().map(platform).collect();
    let n = manifests.len();
    if let Some(i) = plat.iter().position(|p| {
        p.as_deref()
            .is_some_and(|p| p == "linux/amd64" || p.starts_with("linux/amd64/"))
    }) {
        let p = plat[i].clone().unwrap_or_default();
        return (i, format!("{p}, {} of {n}", i + 1));
    }
    let i = plat
        .iter()
        .position(|p| p.as_deref() != Some("unknown/unknown"))
        .unwrap_or(0);
    let why = match &plat[i] {
        Some(p) if n > 1 => format!("{p}, {} of {n}: no linux/amd64", i + 1),
        Some(p) => p.clone(),
        None if n > 1 => format!("{} of {n}, no platform given", i + 1),
        None => String::new(),
    };
    (i, why)
}

fn manifests_of<'a>(index: &'a Value, what: &str, at: u64) -> Result<&'a [Value]> {
    let list = index
        .get("manifests")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::corrupt(F, at, format!("{what} has no manifests list")))?;
    if list.is_empty() {
        return Err(Error::corrupt(F, at, format!("{what} lists no manifests")));
    }
    if list.len() > MAX_DESCRIPTORS {
        return Err(Error::limit(
            LimitKind::Metadata,
            format!(
                "{F}: {what} lists {} manifests, more than the {MAX_DESCRIPTORS} read",
                list.len()
            ),
        ));
    }
    Ok(list)
}

fn is_index(media: Option<&str>, doc: Option<&Value>) -> bool {
    match media {
        Some(m) => m == OCI_INDEX || m == DOCKER_LIST,
        None => doc.is_some_and(|d| d.get("manifests").is_some() && d.get("layers").is_none()),
    }
}

fn check_layer_count(n: usize, what: &str) -> Result<()> {
    if n > MAX_LAYERS {
        return Err(Error::limit(
            LimitKind::Metadata,
            format!("{F}: {what} declares {n} layers, more than the {MAX_LAYERS} a reader accepts"),
        ));
    }
    Ok(())
}

/// Resolves an OCI layout: `index.json`, one level of nested index, the image manifest.
pub(crate) fn oci(archive: &Archive, ctx: &mut OpenCtx<'_>) -> Result<Image> {
    let index_at = archive.offset_of(b"index.json");
    let index = read_json(archive, b"index.json", "index.json", ctx)?;
    let list = manifests_of(&index, "index.json", index_at)?;
    let (i, mut why) = choose(list);
    let mut desc = descriptor(&list[i], "index.json's manifest", index_at)?;
    let mut about = Vec::new();
    if let Some(tag) = list[i]
        .get("annotations")
        .and_then(|a| str_of(a, "org.opencontainers.image.ref.name"))
    {
        about.push(format!("tag {}", shown(tag)));
    }
    let mut doc = archive.verified_json(&desc, "image manifest", ctx)?;
    if is_index(desc.media_type.as_deref(), Some(&doc)) {
        let at = archive.offset_of(&desc.path);
        let nested = manifests_of(&doc, "image index", at)?;
        let (j, why_nested) = choose(nested);
        about.push(format!("index {}", desc.label()));
        let inner = descriptor(&nested[j], "image index's manifest", at)?;
        if is_index(inner.media_type.as_deref(), None) {
            return Err(Error::unsupported(
                F,
                at,
                "an image index inside an image index inside index.json (one level is followed)",
            ));
        }
        desc = inner;
        why = why_nested;
        doc = archive.verified_json(&desc, "image manifest", ctx)?;
    }
    match desc.media_type.as_deref().or(str_of(&doc, "mediaType")) {
        None | Some(OCI_MANIFEST) | Some(DOCKER_MANIFEST) => {}
        Some(other) => {
            return Err(Error::unsupported(
                F,
                archive.offset_of(&desc.path),
                format!("manifest media type {}", shown(other)),
            ));
        }
    }
    about.insert(0, format!("manifest {}", desc.label()));
    if !why.is_empty() {
        about.insert(1, why);
    }
    let at = archive.offset_of(&desc.path);
    let config = descriptor(
        doc.get("config").unwrap_or(&Value::Null),
        "image manifest's config",
        at,
    )?;
    if let Some(m) = config.media_type.as_deref()
        && m != OCI_CONFIG
        && m != DOCKER_CONFIG
    {
        return Err(Error::unsupported(
            F,
            at,
            format!(
                "config media type {}: an artifact, not a container image",
                shown(m)
            ),
        ));
    }
    let layers = doc
        .get("layers")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::corrupt(F, at, "image manifest has no layers list"))?;
    check_layer_count(layers.len(), "the image manifest")?;
    let layers = layers
        .iter()
        .enumerate()
        .map(|(n, l)| descriptor(l, &format!("layer {}", n + 1), at))
        .collect::<Result<Vec<_>>>()?;
    Ok(Image {
        kind: "OCI image archive",
        about,
        config: Some(config),
        layers,
    })
}

/// Resolves a docker-archive: the first image of `manifest.json`.
pub(crate) fn docker(archive: &Archive, ctx: &mut OpenCtx<'_>) -> Result<Image> {
    let at = archive.offset_of(b"manifest.json");
    let doc = read_json(archive, b"manifest.json", "manifest.json", ctx)?;
    let images = doc
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Error::corrupt(F, at, "manifest.json is not a list of images"))?;
    let first = &images[0];
    if images.len() > 1 {
        ctx.warn(
            WarningCode::Unsupported,
            at,
            format!(
                "manifest.json lists {} images; only the first is shown",
                images.len()
            ),
        );
    }
    let layers = first
        .get("Layers")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::corrupt(F, at, "manifest.json's image has no Layers list"))?;
    check_layer_count(layers.len(), "manifest.json")?;
    let blob = |name: &str| BlobRef {
        path: super::merge::clean(name.as_bytes()).path,
        digest: Digest::from_blob_name(&super::merge::clean(name.as_bytes()).path),
        size: None,
        media_type: None,
    };
    let layers = layers
        .iter()
        .enumerate()
        .map(|(n, l)| {
            l.as_str().map(blob).ok_or_else(|| {
                Error::corrupt(
                    F,
                    at,
                    format!("manifest.json: layer {} is not a path", n + 1),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut about = Vec::new();
    if let Some(tags) = first.get("RepoTags").and_then(Value::as_array) {
        let tags: Vec<String> = tags
            .iter()
            .filter_map(Value::as_str)
            .take(8)
            .map(shown)
            .collect();
        if !tags.is_empty() {
            about.push(tags.join(", "));
        }
    }
    let config = str_of(first, "Config").map(blob);
    if config.is_none() {
        ctx.warn(
            WarningCode::Corrupt,
            at,
            "manifest.json's image names no Config",
        );
    }
    Ok(Image {
        kind: "docker-archive",
        about,
        config,
        layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_follow_the_grammar() {
        let d = Digest::parse(&format!("sha256:{}", "a".repeat(64))).unwrap_or_else(|| panic!());
        assert!(d.verifiable());
        assert_eq!(
            d.blob_path(),
            format!("blobs/sha256/{}", "a".repeat(64)).into_bytes()
        );
        assert!(Digest::parse("sha256:../../etc/passwd").is_none());
        assert!(Digest::parse("sha256/x:abc").is_none());
        assert!(Digest::parse("nocolon").is_none());
        assert!(!Digest::parse("md5:abc").is_some_and(|d| d.verifiable()));
        let hex = "0123456789abcdef".repeat(4);
        assert_eq!(
            Digest::from_blob_name(format!("{hex}.tar").as_bytes()).map(|d| d.to_string()),
            Some(format!("sha256:{hex}"))
        );
        assert!(Digest::from_blob_name(b"abc/layer.tar").is_none());
    }

    #[test]
    fn strings_from_the_image_are_bounded_and_escaped() {
        assert_eq!(shown("cnf/amf:1.0"), "cnf/amf:1.0");
        assert_eq!(shown("a\x1b[31mred"), "a\\x1b[31mred");
        let long = shown(&"x".repeat(10_000));
        assert_eq!(long.chars().count(), 129);
    }

    #[test]
    fn platform_choice_prefers_linux_amd64_then_skips_attestations() {
        let m = |os: &str, arch: &str| serde_json::json!({"digest": "sha256:00", "platform": {"os": os, "architecture": arch}});
        let list = [m("linux", "arm64"), m("linux", "amd64")];
        assert_eq!(choose(&list), (1, "linux/amd64, 2 of 2".into()));
        let list = [m("unknown", "unknown"), m("linux", "arm64")];
        assert_eq!(
            choose(&list),
            (1, "linux/arm64, 2 of 2: no linux/amd64".into())
        );
        let list = [serde_json::json!({"digest": "sha256:00"})];
        assert_eq!(choose(&list), (0, String::new()));
    }
}

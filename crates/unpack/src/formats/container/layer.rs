//! One layer: found in the archive, its digest checked, decoded once through the spooler (as
//! the engine decodes streams: metered, ratio-checked), its diff_id checked.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use netvet_model::WarningCode;
use sha2::{Digest as _, Sha256, Sha512};

use crate::format::from_io;
use crate::limits::{Budget, Metered};
use crate::source::{Source, SourceExt, SourceReader, SourceRef};
use crate::spool::Spooler;

use super::manifest::{BlobRef, Digest};
use super::{Archive, F};

/// How a layer blob is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
    Bzip2,
}

impl Compression {
    fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed tar",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
        }
    }

    /// By the blob's first bytes.
    fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(b"\x1f\x8b") {
            Compression::Gzip
        } else if head.starts_with(b"\x28\xb5\x2f\xfd") {
            Compression::Zstd
        } else if head.starts_with(b"\xfd7zXZ\x00") {
            Compression::Xz
        } else if head.starts_with(b"BZh") {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }
}

/// What a layer media type says, or why it cannot be applied.
fn declared(media: &str) -> Result<Compression, String> {
    let shown = super::manifest::shown;
    const OCI: &str = "application/vnd.oci.image.layer.";
    const DOCKER: &str = "application/vnd.docker.image.rootfs.";
    if media.ends_with("+encrypted") {
        return Err(format!(
            "media type {}: an encrypted layer (ocicrypt), not decrypted",
            shown(media)
        ));
    }
    let kind = if let Some(rest) = media.strip_prefix(OCI) {
        rest.strip_prefix("v1.")
            .or_else(|| rest.strip_prefix("nondistributable.v1."))
    } else if let Some(rest) = media.strip_prefix(DOCKER) {
        rest.strip_prefix("diff.")
            .or_else(|| rest.strip_prefix("foreign.diff."))
    } else {
        None
    };
    match kind {
        Some("tar") => Ok(Compression::None),
        Some("tar+gzip") | Some("tar.gzip") => Ok(Compression::Gzip),
        Some("tar+zstd") => Ok(Compression::Zstd),
        _ => Err(format!(
            "media type {} is not a filesystem layer this reader knows",
            shown(media)
        )),
    }
}

/// A layer ready to be listed, or why it is not.
pub(crate) struct Decoded {
    /// The layer's uncompressed tar, when there is one (possibly only its readable part).
    pub tar: Option<SourceRef>,
    /// Offset of the blob in the archive (for messages).
    pub offset: u64,
    /// The whole layer decoded.
    pub complete: bool,
    pub compression: Option<Compression>,
    /// Problems: code and message (the message names the layer).
    pub problems: Vec<(WarningCode, String)>,
}

/// Hex digest of a whole source with the digest's algorithm.
pub(crate) fn digest_of(src: &dyn Source, algorithm: &str) -> io::Result<String> {
    match algorithm {
        "sha512" => {
            let mut h = Sha512::new();
            src.for_each_chunk(&mut |b| h.update(b))?;
            Ok(hex::encode(h.finalize()))
        }
        _ => {
            let mut h = Sha256::new();
            src.for_each_chunk(&mut |b| h.update(b))?;
            Ok(hex::encode(h.finalize()))
        }
    }
}

/// Checks a blob against its expected digest and size; returns the SHA-256 it computed (to
/// reuse as the diff_id of an uncompressed layer).
pub(crate) fn verify(
    blob: &BlobRef,
    src: &dyn Source,
    what: &str,
    problems: &mut Vec<(WarningCode, String)>,
) -> Option<String> {
    if let Some(size) = blob.size
        && size != src.len()
    {
        problems.push((
            WarningCode::Corrupt,
            format!(
                "{what}: the descriptor declares {size} bytes, the blob has {}",
                src.len()
            ),
        ));
    }
    let want = blob.digest.as_ref()?;
    if !want.verifiable() {
        problems.push((
            WarningCode::Unsupported,
            format!("{what}: digest algorithm {:?} not verified", want.algorithm),
        ));
        return None;
    }
    match digest_of(src, &want.algorithm) {
        Ok(got) if got.eq_ignore_ascii_case(&want.encoded) => {
            (want.algorithm == "sha256").then_some(got)
        }
        Ok(got) => {
            problems.push((
                WarningCode::BadChecksum,
                format!(
                    "{what}: blob digest {}:{got} does not match the manifest's {want}",
                    want.algorithm
                ),
            ));
            (want.algorithm == "sha256").then_some(got)
        }
        Err(e) => {
            problems.push((
                WarningCode::Corrupt,
                format!("{what}: blob unreadable: {e}"),
            ));
            None
        }
    }
}

/// Hashes what passes through.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// Finds, verifies and decodes layer `n` (1-based) of `count`.
pub(crate) fn decode(
    archive: &Archive,
    blob: &BlobRef,
    diff_id: Option<&Digest>,
    n: usize,
    count: usize,
    budget: &Arc<Budget>,
    spooler: &Spooler,
) -> Decoded {
    let what = format!("layer {n} of {count} ({})", blob.label());
    let mut out = Decoded {
        tar: None,
        offset: 0,
        complete: false,
        compression: None,
        problems: Vec::new(),
    };
    let declared = match blob.media_type.as_deref().map(declared) {
        Some(Err(why)) => {
            out.problems.push((
                WarningCode::Unsupported,
                format!("{what}: {why}; not applied, the root filesystem shown is incomplete"),
            ));
            return out;
        }
        Some(Ok(c)) => Some(c),
        None => None,
    };
    let Some(stored) = archive.get(&blob.path) else {
        let foreign = blob
            .media_type
            .as_deref()
            .is_some_and(|m| m.contains("nondistributable") || m.contains("foreign"));
        out.problems.push((
            WarningCode::Corrupt,
            format!(
                "{what}: blob {} is not in the archive{}; not applied, the root filesystem shown is incomplete",
                crate::names::escape_bytes(&blob.path),
                if foreign {
                    " (a non-distributable layer, fetched from elsewhere at pull time)"
                } else {
                    ""
                }
            ),
        ));
        return out;
    };
    out.offset = stored.offset;
    if let Err(e) = budget.check_time() {
        out.problems.push((
            WarningCode::LimitTime,
            format!("{what}: {e}; not applied, the root filesystem shown is incomplete"),
        ));
        return out;
    }
    let src = stored.source;
    let blob_sha256 = verify(blob, &*src, &what, &mut out.problems);
    let head = src.read_upto(0, 8).unwrap_or_default();
    let compression = Compression::sniff(&head);
    out.compression = Some(compression);
    if let Some(d) = declared
        && d != compression
    {
        out.problems.push((
            WarningCode::Corrupt,
            format!(
                "{what}: media type says {}, the content is {}; read as {}",
                d.name(),
                compression.name(),
                compression.name()
            ),
        ));
    }
    let diff_sha256 = if compression == Compression::None {
        out.tar = Some(src.clone());
        out.complete = true;
        match (&blob_sha256, diff_id) {
            (Some(h), _) => Some(h.clone()),
            (None, Some(_)) => digest_of(&*src, "sha256").ok(),
            (None, None) => None,
        }
    } else {
        match spool(&src, compression, budget, spooler) {
            Ok((tar, hash, None)) => {
                out.tar = Some(tar);
                out.complete = true;
                Some(hash)
            }
            Ok((tar, _, Some(e))) => {
                let e = from_io(F, stored.offset, e);
                if let Some(kind) = e.limit_kind() {
                    out.problems.push((
                        limit_code(kind),
                        format!(
                            "{what}: {e}; not applied, the root filesystem shown is incomplete"
                        ),
                    ));
                } else {
                    out.problems.push((
                        WarningCode::Truncated,
                        format!(
                            "{what}: {} decoding stopped after {} bytes: {e}; applied as far as it decoded, the root filesystem shown is incomplete",
                            compression.name(),
                            tar.len()
                        ),
                    ));
                    out.tar = Some(tar);
                }
                None
            }
            Err(e) => {
                out.problems.push((
                    WarningCode::Corrupt,
                    format!("{what}: spooling failed: {e}; not applied, the root filesystem shown is incomplete"),
                ));
                None
            }
        }
    };
    if let (Some(want), Some(got)) = (diff_id, diff_sha256)
        && want.algorithm == "sha256"
        && !got.eq_ignore_ascii_case(&want.encoded)
    {
        out.problems.push((
            WarningCode::BadChecksum,
            format!(
                "{what}: uncompressed content sha256:{got} does not match the config's diff_id {want}"
            ),
        ));
    }
    out
}

fn limit_code(kind: crate::error::LimitKind) -> WarningCode {
    use crate::error::LimitKind;
    match kind {
        LimitKind::Ratio => WarningCode::LimitRatio,
        LimitKind::Bytes | LimitKind::Metadata => WarningCode::LimitBytes,
        LimitKind::Time => WarningCode::LimitTime,
        LimitKind::FileSize => WarningCode::LimitFileSize,
        LimitKind::Entries => WarningCode::LimitEntries,
        LimitKind::Depth => WarningCode::LimitDepth,
    }
}

/// Decodes a compressed blob into a spool; returns the spool, the SHA-256 of the decoded
/// bytes, and the error that stopped decoding early, if any.
fn spool(
    src: &SourceRef,
    compression: Compression,
    budget: &Arc<Budget>,
    spooler: &Spooler,
) -> io::Result<(SourceRef, String, Option<io::Error>)> {
    let mut input = SourceReader::new(src.clone());
    let fetched = input.fetched();
    let decoder: Box<dyn Read + '_> = match compression {
        // Multi-member and multi-frame: eStargz and zstd:chunked layers are concatenations.
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(&mut input)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(&mut input)?),
        Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(&mut input)),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(&mut input)),
        Compression::None => Box::new(&mut input),
    };
    let metered = Metered::with_ratio(decoder, budget.clone(), move || {
        fetched.load(Ordering::Relaxed)
    });
    let mut hashing = Hashing {
        inner: metered,
        hash: Sha256::new(),
    };
    let (tar, failure) = spooler.spool_partial(&mut hashing)?;
    Ok((tar, hex::encode(hashing.hash.finalize()), failure))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        assert_eq!(
            declared("application/vnd.oci.image.layer.v1.tar+gzip"),
            Ok(Compression::Gzip)
        );
        assert_eq!(
            declared("application/vnd.oci.image.layer.v1.tar+zstd"),
            Ok(Compression::Zstd)
        );
        assert_eq!(
            declared("application/vnd.oci.image.layer.v1.tar"),
            Ok(Compression::None)
        );
        assert_eq!(
            declared("application/vnd.docker.image.rootfs.diff.tar.gzip"),
            Ok(Compression::Gzip)
        );
        assert_eq!(
            declared("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"),
            Ok(Compression::Gzip)
        );
        assert!(
            declared("application/vnd.oci.image.layer.v1.tar+gzip+encrypted")
                .is_err_and(|e| e.contains("encrypted"))
        );
        assert!(declared("application/vnd.cncf.helm.chart.content.v1.tar+gzip").is_err());
    }
}

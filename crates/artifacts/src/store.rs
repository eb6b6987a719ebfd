//! [`Artifacts`]: content-addressed puts and verified reads over an object store.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::{ArtifactsConfig, validate_bucket};
use crate::digest::{Hashing, OBJECTS, object_key};
use crate::error::{Error, Result};
use crate::read::ArtifactStream;

/// Size of one multipart part, and the most of an upload buffered before its first part is
/// sent. Uploads that end before this are stored with a single put.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// Parts uploaded at the same time. With [`PART_SIZE`] this bounds what one upload holds in
/// memory: at most `(PARTS_IN_FLIGHT + 1) × PART_SIZE` (32 MiB), plus the one chunk the caller's
/// stream has just yielded.
pub const PARTS_IN_FLIGHT: usize = 3;

/// Read size for [`Artifacts::put_file`].
const FILE_CHUNK: usize = 1024 * 1024;

/// Where multipart uploads are assembled before their digest is known.
const INCOMING: &str = "incoming";

/// An artifact store: a local directory or an S3 bucket holding each artifact once, under the
/// SHA-256 of its bytes.
pub struct Artifacts {
    store: Arc<dyn ObjectStore>,
    /// The directory of a local store (to sweep staging files the object store does not list).
    local_root: Option<PathBuf>,
    describe: String,
}

/// The outcome of a put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// SHA-256 of the artifact, 64 lowercase hex digits.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// `false` when the same bytes were already stored (the upload was discarded).
    pub created: bool,
}

impl Artifacts {
    /// Opens the store: creates a local root if missing, or connects to the bucket; then lists
    /// `sha256/` once so that a wrong bucket, endpoint or key fails here rather than at the
    /// first upload.
    pub async fn open(config: &ArtifactsConfig) -> Result<Artifacts> {
        let artifacts = match config {
            ArtifactsConfig::Local { root } => {
                tokio::fs::create_dir_all(root)
                    .await
                    .map_err(|e| Error::io("create", root, e))?;
                let local = LocalFileSystem::new_with_prefix(root)
                    .map_err(|e| Error::Config {
                        url: root.display().to_string(),
                        reason: e.to_string(),
                    })?
                    // Artifacts are evidence: on disk before a put reports success.
                    .with_fsync(true);
                let root = tokio::fs::canonicalize(root)
                    .await
                    .map_err(|e| Error::io("resolve", root, e))?;
                Artifacts {
                    store: Arc::new(local),
                    local_root: Some(root.clone()),
                    describe: format!("local directory {}", root.display()),
                }
            }
            ArtifactsConfig::S3 { .. } => s3(config)?,
        };
        let objects = Path::from(OBJECTS);
        artifacts
            .store
            .list_with_delimiter(Some(&objects))
            .await
            .map_err(|e| {
                Error::store("list", format!("{objects}/ in {}", artifacts.describe), e)
            })?;
        Ok(artifacts)
    }

    /// Stores the file at `path` (at most `limit` bytes), read in 1 MiB chunks.
    pub async fn put_file(&self, path: &FsPath, limit: u64) -> Result<Stored> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::io("open", path, e))?;
        let length = file
            .metadata()
            .await
            .map_err(|e| Error::io("stat", path, e))?
            .len();
        if length > limit {
            return Err(Error::TooLarge { limit });
        }
        // The limit is still enforced while reading: the file may grow.
        let state = (file, path.to_path_buf());
        let chunks = futures_util::stream::try_unfold(state, |(mut file, path)| async move {
            let mut chunk = BytesMut::with_capacity(FILE_CHUNK);
            while chunk.len() < FILE_CHUNK {
                let read = file
                    .read_buf(&mut chunk)
                    .await
                    .map_err(|e| Error::io("read", &path, e))?;
                if read == 0 {
                    break;
                }
            }
            Ok((!chunk.is_empty()).then(|| (chunk.freeze(), (file, path))))
        });
        self.put_chunks(limit, std::pin::pin!(chunks)).await
    }

    /// Stores what `stream` yields (at most `limit` bytes). An error from the stream, or more
    /// than `limit` bytes, stores nothing.
    pub async fn put_stream<S, E>(&self, stream: S, limit: u64) -> Result<Stored>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        let mut received: u64 = 0;
        let chunks = stream.map(move |item| match item {
            Ok(chunk) => {
                received = received.saturating_add(chunk.len() as u64);
                Ok(chunk)
            }
            Err(source) => Err(Error::Upload {
                received,
                source: Box::new(source),
            }),
        });
        self.put_chunks(limit, chunks).await
    }

    /// Copies the artifact to `dest`, hashing while it streams. When the bytes do not match
    /// `sha256` (or reading fails), `dest` is removed and the error returned.
    pub async fn get_to_file(&self, sha256: &str, dest: &FsPath) -> Result<()> {
        let mut stream = self.get_stream(sha256).await?;
        let file = tokio::fs::File::create(dest)
            .await
            .map_err(|e| Error::io("create", dest, e))?;
        // Streams from S3 come in small frames: gather them into large writes.
        let mut file = tokio::io::BufWriter::with_capacity(FILE_CHUNK, file);
        let copied = async {
            while let Some(chunk) = stream.next().await {
                file.write_all(&chunk?)
                    .await
                    .map_err(|e| Error::io("write", dest, e))?;
            }
            file.flush().await.map_err(|e| Error::io("write", dest, e))
        }
        .await;
        if let Err(error) = copied {
            drop(file);
            // The error that matters is the one above; a failed removal leaves a file the
            // caller was told is bad.
            let _ = tokio::fs::remove_file(dest).await;
            return Err(error);
        }
        Ok(())
    }

    /// The artifact's bytes as a stream, hashed as they pass. The stream's last item is
    /// [`Error::Corrupt`] when they do not match `sha256`, so a consumer must not trust what it
    /// has received until the stream has ended without error.
    pub async fn get_stream(&self, sha256: &str) -> Result<ArtifactStream> {
        let key = object_key(sha256)?;
        let result = self.store.get(&key).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => Error::NotFound {
                sha256: sha256.to_string(),
            },
            other => Error::store("get", &key, other),
        })?;
        Ok(ArtifactStream::new(result, sha256.to_string(), key))
    }

    /// Whether an artifact with this digest is stored.
    pub async fn exists(&self, sha256: &str) -> Result<bool> {
        let key = object_key(sha256)?;
        Ok(self.head(&key).await?.is_some())
    }

    /// The stored size of the artifact.
    pub async fn size(&self, sha256: &str) -> Result<u64> {
        let key = object_key(sha256)?;
        self.head(&key).await?.ok_or_else(|| Error::NotFound {
            sha256: sha256.to_string(),
        })
    }

    /// Removes what interrupted uploads left in `incoming/` (a process killed between
    /// completing a multipart upload and moving it into place; on a local store also the
    /// partial files of uploads in progress then) when older than `older_than`. Returns how
    /// many objects or files were removed. S3 multipart uploads that were never completed are
    /// not objects: a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes those.
    pub async fn sweep_incoming(&self, older_than: Duration) -> Result<usize> {
        let cutoff = SystemTime::now()
            .checked_sub(older_than)
            .unwrap_or(UNIX_EPOCH);
        if let Some(root) = &self.local_root {
            return sweep_local(&root.join(INCOMING), cutoff).await;
        }
        let incoming = Path::from(INCOMING);
        let mut listing = self.store.list(Some(&incoming));
        let mut stale = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| Error::store("list", &incoming, e))?;
            if SystemTime::from(meta.last_modified) < cutoff {
                stale.push(meta.location);
            }
        }
        for location in &stale {
            match self.store.delete(location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(Error::store("delete", location, e)),
            }
        }
        Ok(stale.len())
    }

    /// What the store is, for logs: `local directory /var/lib/…` or `s3://bucket/prefix at …`.
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// The object store underneath, for tools that inspect or repair it; artifacts live under
    /// `sha256/ab/abcdef…` ([`crate::object_key`]).
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The size of the object at `key`, or `None` when there is none.
    async fn head(&self, key: &Path) -> Result<Option<u64>> {
        match self.store.head(key).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(Error::store("head", key, e)),
        }
    }

    /// The put behind [`put_file`](Self::put_file) and [`put_stream`](Self::put_stream).
    async fn put_chunks(
        &self,
        limit: u64,
        mut chunks: impl Stream<Item = Result<Bytes>> + Unpin,
    ) -> Result<Stored> {
        let mut hashing = Hashing::default();
        // Up to one part is gathered first: a small artifact then costs one request, and its
        // digest is known before anything is written.
        let mut head = Vec::new();
        let mut head_size = 0;
        loop {
            let Some(chunk) = chunks.next().await.transpose()? else {
                return self.put_whole(hashing, head).await;
            };
            account(&mut hashing, &chunk, limit)?;
            head_size += chunk.len();
            head.push(chunk);
            if head_size >= PART_SIZE {
                break;
            }
        }

        let staging = staging_key();
        let upload = self
            .store
            .put_multipart(&staging)
            .await
            .map_err(|e| Error::store("start upload of", &staging, e))?;
        let mut upload =
            PendingUpload(Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)));
        let fed = match upload.0.as_mut() {
            Some(writer) => {
                async {
                    for chunk in head {
                        feed(writer, chunk, &staging).await?;
                    }
                    while let Some(chunk) = chunks.next().await.transpose()? {
                        account(&mut hashing, &chunk, limit)?;
                        feed(writer, chunk, &staging).await?;
                    }
                    Ok(())
                }
                .await
            }
            None => Ok(()),
        };
        if let Err(error) = fed {
            upload.abort().await;
            return Err(error);
        }
        upload.finish(&staging).await?;

        let size = hashing.size;
        let sha256 = hashing.finish();
        let key = object_key(&sha256)?;
        let published = self.publish(&staging, &key).await;
        if published.is_err() {
            let _ = self.store.delete(&staging).await;
        }
        Ok(Stored {
            sha256,
            size,
            created: published?,
        })
    }

    /// Stores an artifact that fitted in the first part with one put.
    async fn put_whole(&self, hashing: Hashing, chunks: Vec<Bytes>) -> Result<Stored> {
        let size = hashing.size;
        let sha256 = hashing.finish();
        let key = object_key(&sha256)?;
        let created = if self.head(&key).await?.is_some() {
            false
        } else {
            // Both backends write a put atomically (a renamed temporary file; one S3 request).
            self.store
                .put(&key, PutPayload::from_iter(chunks))
                .await
                .map_err(|e| Error::store("put", &key, e))?;
            true
        };
        Ok(Stored {
            sha256,
            size,
            created,
        })
    }

    /// Moves a completed upload from `staging` to `key`, or drops it when `key` already holds
    /// the same bytes. Returns whether it was moved.
    async fn publish(&self, staging: &Path, key: &Path) -> Result<bool> {
        if self.head(key).await?.is_some() {
            self.store
                .delete(staging)
                .await
                .map_err(|e| Error::store("delete", staging, e))?;
            return Ok(false);
        }
        // Overwriting is harmless: a concurrent upload that won the race stored the same bytes.
        // On S3 this is a server-side copy, which S3 allows up to 5 GiB.
        self.store
            .rename(staging, key)
            .await
            .map_err(|e| Error::store("move upload into", key, e))?;
        Ok(true)
    }
}

impl fmt::Debug for Artifacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Artifacts")
            .field("store", &self.describe)
            .finish()
    }
}

/// A multipart upload in progress, aborted when dropped unfinished: when a put fails, and also
/// when the future of a put is dropped (a client that went away), which would otherwise leave
/// the S3 parts uploaded so far in the bucket, unseen but stored.
struct PendingUpload(Option<WriteMultipart>);

impl PendingUpload {
    /// Removes the parts (S3) or the partial file (local). Should that fail, the error to
    /// report is still the one that stopped the upload.
    async fn abort(mut self) {
        if let Some(writer) = self.0.take() {
            let _ = writer.abort().await;
        }
    }

    /// Sends the last part and completes the upload (which aborts itself if that fails).
    async fn finish(mut self, staging: &Path) -> Result<()> {
        let Some(writer) = self.0.take() else {
            return Ok(());
        };
        writer
            .finish()
            .await
            .map(drop)
            .map_err(|e| Error::store("complete upload of", staging, e))
    }
}

impl Drop for PendingUpload {
    fn drop(&mut self) {
        if let Some(writer) = self.0.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = writer.abort().await;
            });
        }
    }
}

/// Hashes and counts a chunk, failing once the artifact passes `limit`.
fn account(hashing: &mut Hashing, chunk: &[u8], limit: u64) -> Result<()> {
    let total = hashing.size.saturating_add(chunk.len() as u64);
    if total > limit {
        return Err(Error::TooLarge { limit });
    }
    hashing.update(chunk);
    Ok(())
}

/// Hands a chunk to the multipart writer in pieces of at most one part, waiting before each
/// until fewer than [`PARTS_IN_FLIGHT`] parts are being uploaded (this is what bounds memory).
async fn feed(writer: &mut WriteMultipart, mut chunk: Bytes, staging: &Path) -> Result<()> {
    while !chunk.is_empty() {
        let piece = chunk.split_to(chunk.len().min(PART_SIZE));
        writer
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(|e| Error::store("upload part of", staging, e))?;
        writer.put(piece);
    }
    Ok(())
}

/// A key no other upload uses, in this process or another: time, process id, a counter and a
/// per-process random value.
fn staging_key() -> Path {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // RandomState is seeded from the operating system's randomness, per process.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let name = format!("{nanos}-{}-{count}-{random:016x}", std::process::id());
    Path::from_iter([INCOMING, name.as_str()])
}

fn s3(config: &ArtifactsConfig) -> Result<Artifacts> {
    let ArtifactsConfig::S3 {
        endpoint,
        bucket,
        region,
        access_key_id,
        secret_access_key,
        allow_http,
        prefix,
    } = config
    else {
        return Err(Error::Config {
            url: format!("{config:?}"),
            reason: "not an S3 configuration".into(),
        });
    };
    let describe = format!(
        "s3://{bucket}/{} at {}",
        prefix.as_deref().unwrap_or_default(),
        endpoint.as_deref().unwrap_or("AWS")
    );
    let fail = |reason: String| Error::Config {
        url: describe.clone(),
        reason,
    };
    validate_bucket(bucket).map_err(fail)?;
    install_ring_provider();
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(region)
        .with_access_key_id(access_key_id)
        .with_secret_access_key(secret_access_key)
        .with_allow_http(*allow_http);
    if let Some(endpoint) = endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    let s3 = builder.build().map_err(|e| fail(e.to_string()))?;
    let store: Arc<dyn ObjectStore> = match prefix {
        Some(prefix) => Arc::new(PrefixStore::new(s3, prefix.as_str())),
        None => Arc::new(s3),
    };
    Ok(Artifacts {
        store,
        local_root: None,
        describe,
    })
}

/// The HTTP client uses rustls without a built-in crypto provider (the default one,
/// aws-lc-rs, needs cmake to build): install ring's as the process default unless a provider
/// is installed already, in which case that one is used.
/// rustls deprecates ring's provider only for lacking post-quantum key exchange.
#[allow(deprecated)]
fn install_ring_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Removes regular files in `dir` last modified before `cutoff`.
async fn sweep_local(dir: &FsPath, cutoff: SystemTime) -> Result<usize> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    let mut removed = 0;
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(|e| Error::io("list", dir, e))?
    {
        let path = entry.path();
        let meta = entry
            .metadata()
            .await
            .map_err(|e| Error::io("stat", &path, e))?;
        let stale = meta.modified().map_or(true, |modified| modified < cutoff);
        if meta.is_file() && stale {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("remove", &path, e)),
            }
        }
    }
    Ok(removed)
}

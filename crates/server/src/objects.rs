//! Firmware images, stored once by SHA-256 in `DATA_DIR/objects/<sha256[0..2]>/<sha256>`.
//!
//! This module stands in for the `netvet-artifacts` crate (object_store: local directory or
//! S3) until that is merged: it has the same calls — `put_stream`, `get_to_file`, `exists` —
//! with the same meaning, so the swap changes the type named in `AppState`, not the callers.
//! Uploads stream to a temporary file in `DATA_DIR/incoming`, hashed and counted as they
//! arrive, so memory stays flat and nothing is stored half: past the limit, or when the
//! stream fails, the temporary file is removed.

use std::path::{Path, PathBuf};

use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What can go wrong storing or reading an image.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a SHA-256 digest (64 lowercase hex digits)")]
    InvalidSha256,
    #[error("artifact larger than the limit of {limit} bytes; nothing stored")]
    TooLarge { limit: u64 },
    #[error("artifact sha256:{sha256} is not stored")]
    NotFound { sha256: String },
    #[error("stored artifact sha256:{sha256} is corrupt: its bytes have another SHA-256")]
    Corrupt { sha256: String },
    #[error("upload failed after {received} bytes: {source}; nothing stored")]
    Upload {
        received: u64,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The outcome of a put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    /// `false` when the same bytes were already stored.
    pub created: bool,
}

/// The local content-addressed store.
pub struct Objects {
    root: PathBuf,
    incoming: PathBuf,
}

fn check_sha256(s: &str) -> Result<(), Error> {
    if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(Error::InvalidSha256)
    }
}

impl Objects {
    /// Opens (creating) the store under `data_dir`.
    pub async fn open(data_dir: &Path) -> Result<Objects, Error> {
        let root = data_dir.join("objects");
        let incoming = data_dir.join("incoming");
        for d in [&root, &incoming] {
            tokio::fs::create_dir_all(d)
                .await
                .map_err(io("create", d))?;
        }
        Ok(Objects { root, incoming })
    }

    fn path_of(&self, sha256: &str) -> Result<PathBuf, Error> {
        check_sha256(sha256)?;
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores what `stream` yields (at most `limit` bytes).
    pub async fn put_stream<S, E>(&self, mut stream: S, limit: u64) -> Result<Stored, Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        let tmp = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(&self.incoming)
            .map_err(io("create a file in", &self.incoming))?;
        let (std_file, tmp_path) = tmp.into_parts();
        let mut file = tokio::fs::File::from_std(std_file);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::Upload {
                received: size,
                source: Box::new(e),
            })?;
            size = size.saturating_add(chunk.len() as u64);
            if size > limit {
                return Err(Error::TooLarge { limit });
            }
            hasher.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(io("write", &tmp_path))?;
        }
        file.sync_all().await.map_err(io("sync", &tmp_path))?;
        drop(file);
        let sha256 = hex::encode(hasher.finalize());
        let dest = self.path_of(&sha256)?;
        if tokio::fs::try_exists(&dest)
            .await
            .map_err(io("stat", &dest))?
        {
            return Ok(Stored {
                sha256,
                size,
                created: false,
            });
        }
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(io("create", dir))?;
        }
        // Rename within one filesystem: the object appears whole or not at all.
        tmp_path.persist(&dest).map_err(|e| Error::Io {
            action: "move into place",
            path: dest.clone(),
            source: e.error,
        })?;
        Ok(Stored {
            sha256,
            size,
            created: true,
        })
    }

    /// Copies the image to `dest`, verifying its SHA-256 on the way (removing `dest` if it
    /// does not match).
    pub async fn get_to_file(&self, sha256: &str, dest: &Path) -> Result<(), Error> {
        let src = self.path_of(sha256)?;
        let mut input = match tokio::fs::File::open(&src).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound {
                    sha256: sha256.to_string(),
                });
            }
            Err(e) => return Err(io("open", &src)(e)),
        };
        let mut output = tokio::fs::File::create(dest)
            .await
            .map_err(io("create", dest))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = input.read(&mut buf).await.map_err(io("read", &src))?;
            if n == 0 {
                break;
            }
            let chunk = buf.get(..n).unwrap_or_default();
            hasher.update(chunk);
            output.write_all(chunk).await.map_err(io("write", dest))?;
        }
        output.flush().await.map_err(io("write", dest))?;
        if hex::encode(hasher.finalize()) != sha256 {
            let _ = tokio::fs::remove_file(dest).await;
            return Err(Error::Corrupt {
                sha256: sha256.to_string(),
            });
        }
        Ok(())
    }

    /// True when an image with this digest is stored.
    pub async fn exists(&self, sha256: &str) -> Result<bool, Error> {
        let p = self.path_of(sha256)?;
        tokio::fs::try_exists(&p).await.map_err(io("stat", &p))
    }
}

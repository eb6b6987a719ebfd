//! [`ArtifactStream`]: an artifact's bytes, checked against its digest as they pass.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use object_store::path::Path;

use crate::digest::Hashing;
use crate::error::{Error, Result};

/// The bytes of one stored artifact. Ends with [`Error::Corrupt`] instead of `None` when the
/// bytes do not hash to the digest they are stored under, so nothing read from it is to be
/// trusted before the stream has ended cleanly.
pub struct ArtifactStream {
    inner: BoxStream<'static, object_store::Result<Bytes>>,
    hashing: Hashing,
    sha256: String,
    key: Path,
    size: u64,
    done: bool,
}

impl ArtifactStream {
    pub(crate) fn new(
        inner: BoxStream<'static, object_store::Result<Bytes>>,
        sha256: String,
        key: Path,
        size: u64,
    ) -> Self {
        ArtifactStream {
            inner,
            hashing: Hashing::default(),
            sha256,
            key,
            size,
            done: false,
        }
    }

    /// The stored object's size in bytes (for a `Content-Length`).
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl Stream for ArtifactStream {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let item = match this.inner.poll_next_unpin(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(item) => item,
        };
        Poll::Ready(match item {
            Some(Ok(bytes)) => {
                this.hashing.update(&bytes);
                Some(Ok(bytes))
            }
            Some(Err(e)) => {
                this.done = true;
                Some(Err(Error::store("read", &this.key, e)))
            }
            None => {
                this.done = true;
                let actual = std::mem::take(&mut this.hashing).finish();
                (actual != this.sha256).then(|| {
                    Err(Error::Corrupt {
                        sha256: this.sha256.clone(),
                    })
                })
            }
        })
    }
}

//! [`ArtifactStream`]: an artifact's bytes, checked against its digest as they pass.

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetResult, GetResultPayload};

use crate::digest::Hashing;
use crate::error::{Error, Result};

/// Read size for a local file. object_store's own file stream reads 8 KiB at a time, each on
/// a blocking thread, which made reads of large artifacts slower than their writes.
const FILE_READ: u64 = 1024 * 1024;

/// The bytes of one stored artifact. Ends with [`Error::Corrupt`] instead of `None` when the
/// bytes do not hash to the digest they are stored under, so nothing read from it is to be
/// trusted before the stream has ended cleanly.
pub struct ArtifactStream {
    inner: BoxStream<'static, Result<Bytes>>,
    hashing: Hashing,
    sha256: String,
    size: u64,
    done: bool,
}

impl ArtifactStream {
    pub(crate) fn new(result: GetResult, sha256: String, key: Path) -> Self {
        let size = result.meta.size;
        let inner = match result.payload {
            GetResultPayload::File(file, path) => file_chunks(file, path, result.range),
            GetResultPayload::Stream(stream) => stream
                .map_err(move |e| Error::store("read", &key, e))
                .boxed(),
        };
        ArtifactStream {
            inner,
            hashing: Hashing::default(),
            sha256,
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
                Some(Err(e))
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

/// `range` of a local file in chunks of [`FILE_READ`], each read on a blocking thread. A file
/// cut short while being read ends the stream with an error, not early.
fn file_chunks(
    file: std::fs::File,
    path: PathBuf,
    range: Range<u64>,
) -> BoxStream<'static, Result<Bytes>> {
    let state = (file, path, range.start);
    futures_util::stream::try_unfold(state, move |(mut file, path, offset)| async move {
        let want = range.end.saturating_sub(offset).min(FILE_READ);
        if want == 0 {
            return Ok(None);
        }
        let failed_path = path.clone();
        let (file, path, chunk) = tokio::task::spawn_blocking(move || {
            // `want` is at most FILE_READ, so it fits a usize.
            let mut chunk = vec![0; usize::try_from(want).unwrap_or_default()];
            let outcome = file
                .seek(SeekFrom::Start(offset))
                .and_then(|_| file.read_exact(&mut chunk));
            (file, path, outcome.map(|()| chunk))
        })
        .await
        .map_err(|e| Error::io("read", failed_path, std::io::Error::other(e)))?;
        let chunk = chunk.map_err(|e| Error::io("read", &path, e))?;
        Ok(Some((Bytes::from(chunk), (file, path, offset + want))))
    })
    .boxed()
}

//! Faults contained at layer boundaries: a format reader that panics on hostile bytes (a bug)
//! fails only the layer or file it was reading. The panic becomes [`Error::ReaderFailed`]
//! naming the format and offset, and the engine goes on with the rest of the image.

use std::io::{self, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{Error, Result};
use crate::format::{Format, Probe};
use crate::source::Source;

/// The text of a caught panic.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// Runs `f`, a call into the reader of `format` at `offset`; a panic becomes an error.
pub(crate) fn call<T>(
    format: &'static str,
    offset: u64,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        Err(Error::ReaderFailed {
            format,
            offset,
            what: panic_message(panic.as_ref()),
        })
    })
}

/// `format`'s probe at `offset`; a panic is an error (the caller reports it and treats the
/// candidate as not this format).
pub(crate) fn probe(format: &dyn Format, src: &dyn Source, offset: u64) -> Result<Option<Probe>> {
    catch_unwind(AssertUnwindSafe(|| format.probe(src, offset))).map_err(|panic| {
        Error::ReaderFailed {
            format: format.id(),
            offset,
            what: panic_message(panic.as_ref()),
        }
    })
}

/// A reader whose panics become I/O errors carrying [`Error::ReaderFailed`].
pub(crate) struct Contained<R> {
    inner: R,
    format: &'static str,
}

impl<R> Contained<R> {
    pub(crate) fn new(inner: R, format: &'static str) -> Contained<R> {
        Contained { inner, format }
    }
}

impl<R: Read> Read for Contained<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        catch_unwind(AssertUnwindSafe(|| self.inner.read(buf))).unwrap_or_else(|panic| {
            Err(crate::format::io_error(Error::ReaderFailed {
                format: self.format,
                offset: 0,
                what: panic_message(panic.as_ref()),
            }))
        })
    }
}

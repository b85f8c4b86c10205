//! A [`ByteSource`] over a `Blob` (a dropped `File`), for use inside a Web
//! Worker: each `read_at` slices the blob and reads only that window with
//! `FileReaderSync`, so a multi-GB file is never held in memory.

use crate::browser::js::message_of;
use js_sys::Uint8Array;
use modelvet_core::source::{ByteSource, ReadError};
use web_sys::{Blob, FileReaderSync};

/// Random access to a `Blob` through synchronous slice reads.
pub struct BlobSource {
    blob: Blob,
    len: u64,
    reader: FileReaderSync,
}

impl BlobSource {
    /// Wrap `blob`. Fails outside a worker (no `FileReaderSync` there).
    pub fn new(blob: Blob) -> Result<BlobSource, ReadError> {
        let reader = FileReaderSync::new().map_err(|e| ReadError::new(message_of(&e)))?;
        let len = blob_len(&blob);
        Ok(BlobSource { blob, len, reader })
    }

    /// The blob read.
    pub fn blob(&self) -> &Blob {
        &self.blob
    }

    /// Read `[start, start + buf.len())` (clamped to the end) into `buf`;
    /// returns how many bytes were read.
    pub fn read_into(&self, start: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        if start >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let end = start.saturating_add(buf.len() as u64).min(self.len);
        // Offsets below 2^53 are exact in f64; no browser holds a larger file.
        let slice = self
            .blob
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|e| ReadError::new(message_of(&e)))?;
        let bytes = self.reader.read_as_array_buffer(&slice).map_err(|e| {
            ReadError::new(format!("the browser refused the read: {}", message_of(&e)))
        })?;
        let view = Uint8Array::new(&bytes);
        let n = (view.length() as usize).min(buf.len());
        let Some(dst) = buf.get_mut(..n) else {
            return Ok(0);
        };
        if view.length() as usize == n {
            view.copy_to(dst);
        } else {
            view.subarray(0, n as u32).copy_to(dst);
        }
        Ok(n)
    }
}

impl ByteSource for BlobSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        self.read_into(offset, buf)
    }
}

/// Size of a blob in bytes.
pub fn blob_len(blob: &Blob) -> u64 {
    let size = blob.size();
    if size.is_finite() && size > 0.0 {
        size as u64
    } else {
        0
    }
}

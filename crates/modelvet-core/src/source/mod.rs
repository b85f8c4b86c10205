//! The byte-window reading contract.
//!
//! Scanners never own I/O. They ask a [`ByteSource`] for the windows they
//! need — a header prefix, a zip's tail, one member — and the shell decides how
//! to satisfy the request: `read_at` on a file in the CLI, `Blob.slice` plus
//! `FileReaderSync` in a browser worker, an HTTP `Range` request against a hub.
//! Most scanners read a few KiB of a multi-GB file.

use std::io;

/// A failure of the underlying source (not of the content): the file vanished,
/// the network dropped, the browser refused the read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ReadError {
    /// What went wrong, for a human.
    pub message: String,
}

impl ReadError {
    /// A read error with a message.
    pub fn new(message: impl Into<String>) -> ReadError {
        ReadError {
            message: message.into(),
        }
    }
}

/// Random access to the bytes of one artifact.
pub trait ByteSource {
    /// Total length in bytes.
    fn len(&self) -> u64;

    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fill `buf` from `offset`. Returns the number of bytes read, which is
    /// less than `buf.len()` only at the end of the source.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError>;

    /// All the bytes, when the source already holds them in memory (a small
    /// file read at once, a decompressed member): readers then borrow
    /// instead of copying. `None` (the default) for files, blobs and remote
    /// sources.
    fn bytes(&self) -> Option<&[u8]> {
        None
    }
}

impl<S: ByteSource + ?Sized> ByteSource for &mut S {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        (**self).read_at(offset, buf)
    }
    fn bytes(&self) -> Option<&[u8]> {
        (**self).bytes()
    }
}

impl<S: ByteSource + ?Sized> ByteSource for Box<S> {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        (**self).read_at(offset, buf)
    }
    fn bytes(&self) -> Option<&[u8]> {
        (**self).bytes()
    }
}

/// The in-memory bytes of `[offset, offset + len)`, clamped to the end, if
/// the source holds its bytes in memory.
pub fn borrow_window(src: &dyn ByteSource, offset: u64, len: u64) -> Option<&[u8]> {
    let bytes = src.bytes()?;
    let start = usize::try_from(offset).map_or(bytes.len(), |o| o.min(bytes.len()));
    let rest = bytes.get(start..)?;
    let n = usize::try_from(len).map_or(rest.len(), |l| l.min(rest.len()));
    rest.get(..n)
}

/// Read the window `[offset, offset + len)`, clamped to the end of the source.
///
/// `len` must already have been checked against a named limit by the caller:
/// this allocates `len` bytes (or the rest of the source, if smaller).
pub fn read_window(src: &mut dyn ByteSource, offset: u64, len: u64) -> Result<Vec<u8>, ReadError> {
    if let Some(bytes) = borrow_window(src, offset, len) {
        return Ok(bytes.to_vec());
    }
    let available = src.len().saturating_sub(offset);
    let want = len.min(available);
    let want = usize::try_from(want)
        .map_err(|_| ReadError::new(format!("window of {want} bytes does not fit in memory")))?;
    let mut buf = vec![0u8; want];
    let mut filled = 0usize;
    while filled < want {
        let at = offset.saturating_add(filled as u64);
        let rest = buf.get_mut(filled..).unwrap_or_default();
        let n = src.read_at(at, rest)?;
        if n == 0 {
            break;
        }
        filled = filled.saturating_add(n);
    }
    buf.truncate(filled);
    Ok(buf)
}

/// A source backed by bytes in memory (tests, decompressed members, small files).
#[derive(Debug, Clone, Copy)]
pub struct SliceSource<'a> {
    bytes: &'a [u8],
}

impl<'a> SliceSource<'a> {
    /// Wrap `bytes`.
    pub fn new(bytes: &'a [u8]) -> SliceSource<'a> {
        SliceSource { bytes }
    }
}

impl ByteSource for SliceSource<'_> {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(rest) = self.bytes.get(start..) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        Ok(n)
    }
    fn bytes(&self) -> Option<&[u8]> {
        Some(self.bytes)
    }
}

/// An owned in-memory source.
#[derive(Debug, Clone, Default)]
pub struct VecSource {
    bytes: Vec<u8>,
}

impl VecSource {
    /// Wrap `bytes`.
    pub fn new(bytes: Vec<u8>) -> VecSource {
        VecSource { bytes }
    }
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl ByteSource for VecSource {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        SliceSource::new(&self.bytes).read_at(offset, buf)
    }
    fn bytes(&self) -> Option<&[u8]> {
        Some(&self.bytes)
    }
}

/// The window `[start, start + len)` of another source, seen as a source of its
/// own (a stored zip member, a tar entry, the data section of a file).
pub struct Window<'a> {
    inner: &'a mut dyn ByteSource,
    start: u64,
    len: u64,
}

impl<'a> Window<'a> {
    /// The window of `inner` starting at `start`, `len` bytes long, clamped to
    /// the end of `inner`.
    pub fn new(inner: &'a mut dyn ByteSource, start: u64, len: u64) -> Window<'a> {
        let len = len.min(inner.len().saturating_sub(start));
        Window { inner, start, len }
    }
}

impl ByteSource for Window<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        let remaining = self.len.saturating_sub(offset);
        let n = usize::try_from(remaining).map_or(buf.len(), |r| r.min(buf.len()));
        let Some(buf) = buf.get_mut(..n) else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        self.inner.read_at(self.start.saturating_add(offset), buf)
    }
    fn bytes(&self) -> Option<&[u8]> {
        borrow_window(&*self.inner, self.start, self.len)
    }
}

/// Sequential, buffered reading of a [`ByteSource`] as `std::io::Read + Seek`,
/// so decoders (deflate, bzip2, xz, ...) and stream parsers can sit on top.
pub struct SourceReader<'a> {
    src: &'a mut dyn ByteSource,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
    chunk: usize,
}

impl<'a> SourceReader<'a> {
    /// Default read-ahead: 64 KiB.
    pub const DEFAULT_CHUNK: usize = 64 * 1024;

    /// Read `src` from the start.
    pub fn new(src: &'a mut dyn ByteSource) -> SourceReader<'a> {
        SourceReader::with_chunk(src, Self::DEFAULT_CHUNK)
    }

    /// Read `src` with a read-ahead of `chunk` bytes.
    pub fn with_chunk(src: &'a mut dyn ByteSource, chunk: usize) -> SourceReader<'a> {
        SourceReader {
            src,
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
            chunk: chunk.max(1),
        }
    }

    /// Current position.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Length of the underlying source.
    pub fn len(&self) -> u64 {
        self.src.len()
    }

    /// Whether the underlying source is empty.
    pub fn is_empty(&self) -> bool {
        self.src.len() == 0
    }
}

impl io::Read for SourceReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.pos >= self.src.len() {
            return Ok(0);
        }
        let buf_end = self.buf_start.saturating_add(self.buf.len() as u64);
        let buffered = self.pos >= self.buf_start && self.pos < buf_end;
        // Large reads from a source not in memory bypass the buffer.
        if !buffered && out.len() >= self.chunk && self.src.bytes().is_none() {
            let n = self
                .src
                .read_at(self.pos, out)
                .map_err(|e| io::Error::other(e.message))?;
            self.pos = self.pos.saturating_add(n as u64);
            return Ok(n);
        }
        let avail = io::BufRead::fill_buf(self)?;
        let n = avail.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl io::BufRead for SourceReader<'_> {
    /// The bytes from the current position on: borrowed straight from a
    /// source that is in memory, else from a read-ahead chunk.
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.src.len() {
            return Ok(&[]);
        }
        if self.src.bytes().is_some() {
            return Ok(borrow_window(&*self.src, self.pos, u64::MAX).unwrap_or_default());
        }
        let buf_end = self.buf_start.saturating_add(self.buf.len() as u64);
        if self.pos < self.buf_start || self.pos >= buf_end {
            // Never more than what is left: zeroing a whole chunk for a
            // small source costs more than reading it.
            let left = usize::try_from(self.src.len().saturating_sub(self.pos))
                .map_or(self.chunk, |l| l.min(self.chunk));
            self.buf.clear();
            self.buf.resize(left, 0);
            let n = self
                .src
                .read_at(self.pos, &mut self.buf)
                .map_err(|e| io::Error::other(e.message))?;
            self.buf.truncate(n);
            self.buf_start = self.pos;
        }
        let from = usize::try_from(self.pos.saturating_sub(self.buf_start)).unwrap_or(usize::MAX);
        Ok(self.buf.get(from..).unwrap_or_default())
    }

    fn consume(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n as u64);
    }
}

impl io::Seek for SourceReader<'_> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let new = match to {
            io::SeekFrom::Start(n) => Some(n),
            io::SeekFrom::End(d) => self.src.len().checked_add_signed(d),
            io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let new =
            new.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek out of range"))?;
        self.pos = new;
        Ok(new)
    }
}

#[cfg(test)]
mod tests;

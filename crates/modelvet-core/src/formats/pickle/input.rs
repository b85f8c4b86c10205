//! Sequential reading of a pickle stream through [`SourceReader`], the way the
//! reference unpickler reads its file: opcode bytes, fixed-size arguments,
//! length-prefixed blobs (kept only as a prefix, the rest skipped) and the
//! newline-terminated arguments of protocol 0.

use super::error::Halt;
use super::value::KEPT_BYTES;
use crate::source::{ByteSource, SourceReader};
use std::io::{BufRead, Read, Seek, SeekFrom};

/// The reader of one stream.
pub struct Input<'a> {
    reader: SourceReader<'a>,
    len: u64,
    /// Where the current frame's bytes end (protocol 4+ `FRAME`): the loader
    /// has buffered them and its file is already there.
    frame_end: Option<u64>,
    /// The loader's file position once raw bytes were read from the file
    /// while a frame was still buffered; opcodes continue there when the
    /// frame is used up.
    detached: Option<u64>,
    /// Bytes of string and bytes arguments kept so far in this stream.
    kept_total: u64,
}

/// Bytes of arguments kept per stream before prefixes shrink to
/// [`KEPT_AFTER_BUDGET`] (memory stays bounded whatever the stream's size).
pub const KEPT_BUDGET: u64 = 64 << 20;
/// Prefix kept once [`KEPT_BUDGET`] is spent: still enough for any real
/// module or class name.
pub const KEPT_AFTER_BUDGET: usize = 256;

impl<'a> Input<'a> {
    /// Read `src` from offset 0.
    pub fn new(src: &'a mut dyn ByteSource) -> Input<'a> {
        let len = src.len();
        Input {
            reader: SourceReader::new(src),
            len,
            frame_end: None,
            detached: None,
            kept_total: 0,
        }
    }

    /// Current offset.
    pub fn pos(&self) -> u64 {
        self.reader.position()
    }

    /// Total length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Bytes left after the current position.
    pub fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos())
    }

    /// Move to `pos` and forget any frame.
    pub fn seek(&mut self, pos: u64) -> Result<(), Halt> {
        self.reader.seek(SeekFrom::Start(pos))?;
        self.frame_end = None;
        self.detached = None;
        Ok(())
    }

    /// Called before each opcode: leaves a used-up frame.
    pub fn op_boundary(&mut self) -> Result<(), Halt> {
        if let Some(end) = self.frame_end {
            if self.pos() >= end {
                self.frame_end = None;
                if let Some(to) = self.detached.take() {
                    self.reader.seek(SeekFrom::Start(to))?;
                }
            }
        }
        Ok(())
    }

    /// Record a `FRAME` of `len` bytes starting here.
    pub fn start_frame(&mut self, len: u64) {
        self.frame_end = Some(self.pos().saturating_add(len));
    }

    /// The position of the loader's file: past the buffered frame, if any.
    pub fn file_pos(&self) -> u64 {
        match (self.detached, self.frame_end) {
            (Some(d), _) => d,
            (None, Some(end)) if end > self.pos() => end,
            _ => self.pos(),
        }
    }

    fn in_frame(&self) -> bool {
        self.file_pos() != self.pos()
    }

    /// The loader reads `len` raw bytes from its file (joblib array data).
    pub fn skip_file_bytes(&mut self, len: u64) -> Result<(), Halt> {
        let to = self
            .file_pos()
            .checked_add(len)
            .filter(|to| *to <= self.len)
            .ok_or_else(|| Halt::Truncated("raw array data".into()))?;
        if self.in_frame() {
            self.detached = Some(to);
        } else {
            self.reader.seek(SeekFrom::Start(to))?;
        }
        Ok(())
    }

    /// The loader reads `n` raw bytes from its file (joblib padding).
    pub fn read_file_bytes(&mut self, n: usize) -> Result<Vec<u8>, Halt> {
        if !self.in_frame() {
            return self.exact(n, "raw array data");
        }
        let file = self.file_pos();
        let back = self.pos();
        self.reader.seek(SeekFrom::Start(file))?;
        let bytes = self.exact(n, "raw array data");
        self.reader.seek(SeekFrom::Start(back))?;
        self.detached = Some(file.saturating_add(n as u64));
        bytes
    }

    /// Read straight from the loader's file (a nested pickle), remembering
    /// the buffered frame to come back to.
    pub fn detach(&mut self) -> Result<Option<(u64, Option<u64>)>, Halt> {
        if !self.in_frame() {
            return Ok(None);
        }
        let saved = (self.pos(), self.frame_end);
        let file = self.file_pos();
        self.reader.seek(SeekFrom::Start(file))?;
        self.frame_end = None;
        self.detached = None;
        Ok(Some(saved))
    }

    /// Come back to the buffered frame after [`Input::detach`]; the file
    /// continues where the nested read stopped.
    pub fn reattach(&mut self, saved: Option<(u64, Option<u64>)>) -> Result<(), Halt> {
        if let Some((back, frame_end)) = saved {
            let file = self.pos();
            self.reader.seek(SeekFrom::Start(back))?;
            self.frame_end = frame_end;
            self.detached = Some(file);
        }
        Ok(())
    }

    /// The offset of the next protocol 2+ header (`\x80` then 2..=5) at or
    /// after `from`, reading in chunks.
    pub fn find_header(&mut self, from: u64) -> Result<Option<u64>, Halt> {
        const CHUNK: usize = 64 * 1024;
        let mut at = from;
        let first = usize::try_from(self.len.saturating_sub(from)).map_or(CHUNK, |l| l.min(CHUNK));
        let mut buf = vec![0u8; first];
        while at < self.len {
            self.reader.seek(SeekFrom::Start(at))?;
            let mut filled = 0usize;
            while filled < buf.len() {
                let n = self
                    .reader
                    .read(buf.get_mut(filled..).unwrap_or_default())?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            let window = buf.get(..filled).unwrap_or_default();
            if let Some(i) = memchr::memchr_iter(0x80, window).find(|&i| {
                window
                    .get(i.saturating_add(1))
                    .is_some_and(|p| (2..=5).contains(p))
            }) {
                return Ok(Some(at.saturating_add(i as u64)));
            }
            if filled < 2 {
                break;
            }
            // Overlap by one byte so a header split across chunks is found.
            at = at.saturating_add(filled as u64 - 1);
        }
        Ok(None)
    }

    fn exact(&mut self, n: usize, what: &str) -> Result<Vec<u8>, Halt> {
        if (n as u64) > self.remaining() {
            return Err(Halt::Truncated(what.to_owned()));
        }
        let mut buf = vec![0u8; n];
        self.reader
            .read_exact(&mut buf)
            .map_err(|_| Halt::Truncated(what.to_owned()))?;
        Ok(buf)
    }

    /// One byte.
    pub fn u8(&mut self, what: &str) -> Result<u8, Halt> {
        let b = self.reader.fill_buf()?.first().copied();
        match b {
            Some(b) => {
                self.reader.consume(1);
                Ok(b)
            }
            None => Err(Halt::Truncated(what.to_owned())),
        }
    }

    /// The bytes up to the next `\n`, in the pieces the reader holds: each
    /// piece goes to `piece`, which says whether to go on (`Err((n, e))`
    /// stops the read with `e` once `n` bytes of the piece are consumed, as
    /// far as the loader had read when it gave up). Consumes the `\n`;
    /// returns whether one was found before the end of the stream.
    fn pieces_to_newline(
        &mut self,
        mut piece: impl FnMut(&[u8]) -> Result<(), (usize, Halt)>,
    ) -> Result<bool, Halt> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            let nl = memchr::memchr(b'\n', buf);
            let part = buf.get(..nl.unwrap_or(buf.len())).unwrap_or_default();
            let used = part.len() + usize::from(nl.is_some());
            if let Err((n, e)) = piece(part) {
                self.reader.consume(n.min(used));
                return Err(e);
            }
            self.reader.consume(used);
            if nl.is_some() {
                return Ok(true);
            }
        }
    }

    /// `N` bytes.
    pub fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Halt> {
        let mut b = [0u8; N];
        self.reader
            .read_exact(&mut b)
            .map_err(|_| Halt::Truncated(what.to_owned()))?;
        Ok(b)
    }

    /// A length-prefixed argument of `len` bytes: returns its first
    /// [`KEPT_BYTES`] bytes (fewer once [`KEPT_BUDGET`] is spent) and skips
    /// the rest. `max` is the named limit.
    pub fn blob(&mut self, len: u64, max: u64, what: &str) -> Result<Vec<u8>, Halt> {
        if len > max {
            return Err(Halt::Limit(crate::LimitId::PickleMaxBytesArg, max));
        }
        if len > self.remaining() {
            return Err(Halt::Truncated(what.to_owned()));
        }
        let cap = if self.kept_total < KEPT_BUDGET {
            KEPT_BYTES
        } else {
            KEPT_AFTER_BUDGET
        };
        let keep = usize::try_from(len).map_or(cap, |l| l.min(cap));
        self.kept_total = self.kept_total.saturating_add(keep as u64);
        let kept = self.exact(keep, what)?;
        let rest = len.saturating_sub(keep as u64);
        if rest > 0 {
            let to = self.pos().saturating_add(rest);
            self.reader.seek(SeekFrom::Start(to))?;
        }
        Ok(kept)
    }

    /// A protocol 0 argument held in memory (module and class names,
    /// numbers, memo indices): the bytes up to (not including) the next
    /// `\n`. The loader has no limit; a longer line could hide anything, so
    /// it makes the stream malformed here (a finding), naming the limit.
    pub fn line(&mut self, max: u32, what: &str) -> Result<Vec<u8>, Halt> {
        let mut out = Vec::new();
        let max = max as usize;
        let found = self.pieces_to_newline(|part| {
            if out.len().saturating_add(part.len()) > max {
                let read = max.saturating_sub(out.len()).saturating_add(1);
                return Err((read, Halt::malformed(format!(
                    "{what} is longer than the limit `pickle.max_line_bytes` ({max} bytes); the loader reads it whole"
                ))));
            }
            out.extend_from_slice(part);
            Ok(())
        })?;
        if found {
            Ok(out)
        } else {
            Err(Halt::Truncated(what.to_owned()))
        }
    }
    /// A protocol 0 string argument (`STRING`, `UNICODE`), however long:
    /// the bytes up to (not including) the next `\n` go to `sink` in pieces,
    /// nothing
    /// is held here. Returns the line's length. `max` is the named limit
    /// `pickle.max_bytes_arg`.
    pub fn long_line(
        &mut self,
        max: u64,
        what: &str,
        mut sink: impl FnMut(&[u8]),
    ) -> Result<u64, Halt> {
        let mut len = 0u64;
        let found = self.pieces_to_newline(|part| {
            let room = usize::try_from(max.saturating_sub(len)).unwrap_or(usize::MAX);
            sink(part.get(..room.min(part.len())).unwrap_or_default());
            if part.len() > room {
                return Err((
                    room.saturating_add(1),
                    Halt::Limit(crate::LimitId::PickleMaxBytesArg, max),
                ));
            }
            len = len.saturating_add(part.len() as u64);
            Ok(())
        })?;
        if found {
            Ok(len)
        } else {
            Err(Halt::Truncated(what.to_owned()))
        }
    }
}

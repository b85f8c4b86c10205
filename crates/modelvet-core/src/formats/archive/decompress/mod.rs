//! Bounded, streaming decompression with pure-Rust decoders (they build for
//! wasm32): deflate/zlib/gzip (miniz_oxide), bzip2 (bzip2-rs), xz and lzma
//! (lzma-rust2, streaming, its dictionary bounded by
//! `archive.max_decoder_memory_bytes`), LZ4 frames (lz4_flex), Zstandard
//! frames (ruzstd).
//!
//! Every decoder streams into a [`Cap`]: output stops at the cap while
//! inflating, so a bomb never allocates more than the cap, whatever it claims;
//! and the shell's clock is asked after every chunk, so a slow bomb stops at
//! the deadline.

use crate::scan::{NoHost, ScanHost};
use crate::source::{ByteSource, ReadError, SourceReader};
use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};
use std::io::{self, BufReader, Read, Write};

/// A compression codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Raw deflate (zip method 8).
    Deflate,
    /// zlib-wrapped deflate (joblib's `.z`, old `ZF` files).
    Zlib,
    /// gzip (one or more members).
    Gzip,
    /// bzip2.
    Bzip2,
    /// xz container.
    Xz,
    /// Legacy `.lzma` ("LZMA alone").
    Lzma,
    /// LZ4 frame.
    Lz4,
    /// Zstandard frames (RFC 8878), one after another as `zstd -d` reads them.
    Zstd,
}

impl Codec {
    /// Name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Deflate => "deflate",
            Codec::Zlib => "zlib",
            Codec::Gzip => "gzip",
            Codec::Bzip2 => "bzip2",
            Codec::Xz => "xz",
            Codec::Lzma => "lzma",
            Codec::Lz4 => "lz4",
            Codec::Zstd => "zstd",
        }
    }
}

/// The most output a decoder may produce, and the named limit that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    /// Most bytes of output.
    pub bytes: u64,
    /// The limit (`archive.max_member_bytes`, ...); `None` for a bound of
    /// modelvet's own data (the committed name index).
    pub limit: Option<crate::LimitId>,
    /// The limit's configured value, for the message.
    pub value: u64,
}

/// Why decoding stopped before the end of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The cap was reached; the output holds the first `cap.bytes` bytes.
    Cap(Cap),
    /// The compressed data is corrupt or truncated.
    Corrupt(String),
    /// The stream needs more decoder memory than `archive.max_decoder_memory_bytes`.
    DecoderMemory {
        /// What the stream declared it needs, when known.
        needed: Option<u64>,
        /// The configured limit.
        limit: u64,
    },
    /// The shell's deadline passed while decoding.
    Expired,
    /// The source failed.
    Read(ReadError),
}

/// Output of a decoder: what it produced, and why it stopped early (if it did).
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    /// Decompressed bytes (at most `cap.bytes`).
    pub bytes: Vec<u8>,
    /// `None` when the stream ended cleanly.
    pub stop: Option<Stop>,
    /// Compressed bytes consumed (for deflate-based codecs; otherwise the input length).
    pub consumed: u64,
}

const CHUNK: usize = 64 * 1024;

/// Output up to this size grows as a `Vec` does; past it, the rest of the
/// cap is reserved at once.
const GROW_IN_PLACE: usize = 8 << 20;

/// How a decoder may run: its output cap, the memory its dictionary may
/// take, and the shell's clock.
#[derive(Clone, Copy)]
pub struct Bounds<'a> {
    /// Most bytes of output.
    pub cap: Cap,
    /// Most memory for an xz/lzma dictionary (`archive.max_decoder_memory_bytes`).
    pub decoder_memory: u64,
    /// The shell's clock, asked after every chunk of output.
    pub host: &'a dyn ScanHost,
}

impl Bounds<'_> {
    /// Only an output cap: the default decoder memory, no deadline.
    pub fn cap(cap: Cap) -> Bounds<'static> {
        Bounds {
            cap,
            decoder_memory: super::ArchiveLimits::default().max_decoder_memory_bytes,
            host: &NoHost,
        }
    }
}

/// Decompress all of `src` with `codec`, producing at most `cap.bytes` bytes.
pub fn decode(codec: Codec, src: &mut dyn ByteSource, cap: Cap) -> Decoded {
    decode_within(codec, src, Bounds::cap(cap))
}

/// Decompress all of `src` with `codec` within `bounds`.
pub fn decode_within(codec: Codec, src: &mut dyn ByteSource, bounds: Bounds<'_>) -> Decoded {
    let len = src.len();
    let mut out = Capped::new(bounds);
    let result = match codec {
        Codec::Deflate => return inflate_stream(src, 0, DataFormat::Raw, bounds),
        Codec::Zlib => return inflate_stream(src, 0, DataFormat::Zlib, bounds),
        Codec::Gzip => return gunzip(src, bounds),
        Codec::Bzip2 => {
            let mut reader = bzip2_rs::DecoderReader::new(SourceReader::new(src));
            copy(&mut reader, &mut out)
        }
        Codec::Xz => {
            let reader = BufReader::new(SourceReader::new(src));
            let mut reader = lzma_rust2::XzReader::new_mem_limit(reader, true, memory_kib(bounds));
            copy(&mut reader, &mut out)
        }
        Codec::Lzma => {
            let head = crate::source::read_window(src, 0, 5);
            if let Some(needed) = head.ok().as_deref().and_then(lzma_alone_dictionary) {
                if needed > bounds.decoder_memory {
                    out.stop = Some(Stop::DecoderMemory {
                        needed: Some(needed),
                        limit: bounds.decoder_memory,
                    });
                    return out.finish(Ok(()), len);
                }
            }
            let reader = BufReader::new(SourceReader::new(src));
            match lzma_rust2::LzmaReader::new_mem_limit(reader, memory_kib(bounds), None) {
                Ok(mut reader) => copy(&mut reader, &mut out),
                Err(e) => Err(e),
            }
        }
        Codec::Lz4 => {
            let mut reader = lz4_flex::frame::FrameDecoder::new(SourceReader::new(src));
            copy(&mut reader, &mut out)
        }
        Codec::Zstd => {
            let mut reader = BufReader::new(SourceReader::new(src));
            unzstd(&mut reader, &mut out)
        }
    };
    if let Err(e) = &result {
        if e.kind() == io::ErrorKind::OutOfMemory && out.stop.is_none() {
            out.stop = Some(Stop::DecoderMemory {
                needed: None,
                limit: bounds.decoder_memory,
            });
        }
    }
    out.finish(result, len)
}

/// The dictionary size an "LZMA alone" header declares (bytes 1..5), which
/// the decoder allocates up front.
fn lzma_alone_dictionary(head: &[u8]) -> Option<u64> {
    let b: [u8; 4] = head.get(1..5)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(b)))
}

fn memory_kib(bounds: Bounds<'_>) -> u32 {
    u32::try_from(bounds.decoder_memory / 1024).unwrap_or(u32::MAX - 1)
}

/// Every Zstandard frame of `reader` (a skippable frame is skipped by the
/// decoder), until the input ends. The decoder refuses windows above
/// 100 MiB, and its output goes through the cap like every codec's.
fn unzstd(reader: &mut BufReader<SourceReader<'_>>, out: &mut Capped) -> io::Result<()> {
    use std::io::BufRead;
    // One frame decoder and one buffer for every frame: a stream of ten
    // thousand tiny frames must not set up ten thousand decoders.
    let mut decoder = ruzstd::decoding::FrameDecoder::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        if reader.fill_buf()?.is_empty() {
            return Ok(());
        }
        let mut frame =
            ruzstd::decoding::StreamingDecoder::new_with_decoder(&mut *reader, &mut decoder)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        copy_with(&mut frame, out, &mut buf)?;
    }
}

fn copy(reader: &mut dyn Read, out: &mut Capped) -> io::Result<()> {
    copy_with(reader, out, &mut vec![0u8; CHUNK])
}

fn copy_with(reader: &mut dyn Read, out: &mut Capped, buf: &mut [u8]) -> io::Result<()> {
    loop {
        let n = reader.read(buf)?;
        if n == 0 {
            return Ok(());
        }
        out.write_all(buf.get(..n).unwrap_or_default())?;
    }
}

/// A writer that keeps at most `cap.bytes` bytes and then refuses more, and
/// refuses everything once the deadline has passed.
struct Capped<'a> {
    bytes: Vec<u8>,
    bounds: Bounds<'a>,
    /// Why the writer refused, once it has.
    stop: Option<Stop>,
}

impl<'a> Capped<'a> {
    fn new(bounds: Bounds<'a>) -> Capped<'a> {
        Capped {
            bytes: Vec::new(),
            bounds,
            stop: None,
        }
    }

    fn finish(self, result: io::Result<()>, consumed: u64) -> Decoded {
        let stop = self
            .stop
            .or_else(|| result.err().map(|e| Stop::Corrupt(e.to_string())));
        Decoded {
            bytes: self.bytes,
            stop,
            consumed,
        }
    }
}

impl Write for Capped<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bounds.host.expired() {
            self.stop = Some(Stop::Expired);
            return Err(io::Error::other("deadline passed"));
        }
        let room = self
            .bounds
            .cap
            .bytes
            .saturating_sub(self.bytes.len() as u64);
        let take = usize::try_from(room).map_or(buf.len(), |r| r.min(buf.len()));
        let needed = self.bytes.len().saturating_add(take);
        if needed > self.bytes.capacity() && needed > GROW_IN_PLACE {
            // Past a few MiB, reserve the rest of the cap once instead of
            // doubling: a doubling copies the whole output into a new block
            // while the old one is still held (twice the memory at the
            // peak), whereas pages reserved and not yet written cost nothing.
            let cap = usize::try_from(self.bounds.cap.bytes).unwrap_or(usize::MAX);
            let _ = self
                .bytes
                .try_reserve_exact(cap.saturating_sub(self.bytes.len()));
        }
        self.bytes
            .extend_from_slice(buf.get(..take).unwrap_or_default());
        if take < buf.len() {
            self.stop = Some(Stop::Cap(self.bounds.cap));
            return Err(io::Error::other("decompression limit reached"));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Inflate a deflate or zlib stream starting at `start`; stops at the end of
/// the stream (bytes after it are not consumed).
fn inflate_stream(
    src: &mut dyn ByteSource,
    start: u64,
    format: DataFormat,
    bounds: Bounds<'_>,
) -> Decoded {
    let mut out = Capped::new(bounds);
    let (consumed, result) = inflate_into(src, start, format, &mut out);
    match result {
        Err(Stop::Read(e)) => Decoded {
            bytes: out.bytes,
            stop: Some(Stop::Read(e)),
            consumed,
        },
        Err(Stop::Corrupt(why)) => out.finish(Err(io::Error::other(why)), consumed),
        Err(_) | Ok(()) => out.finish(Ok(()), consumed),
    }
}

/// Inflate the stream at `start` into `out` (which may already hold the
/// output of earlier gzip members); the compressed bytes consumed, and why
/// it stopped if not at the end of the stream (a cap or deadline is in
/// `out.stop`).
fn inflate_into(
    src: &mut dyn ByteSource,
    start: u64,
    format: DataFormat,
    out: &mut Capped<'_>,
) -> (u64, Result<(), Stop>) {
    let cap = out.bounds.cap.bytes.saturating_sub(out.bytes.len() as u64);
    let mut state = InflateState::new_boxed(format);
    let in_len =
        usize::try_from(src.len().saturating_sub(start)).map_or(CHUNK, |l| l.clamp(1, CHUNK));
    // A small stream gets a small output buffer (a few times its size; the
    // loop goes round again if it inflates to more): zeroing a whole chunk
    // for each small zip member costs more than inflating it.
    let out_len = usize::try_from(cap)
        .map_or(CHUNK, |c| c.clamp(1, CHUNK))
        .min(in_len.saturating_mul(4).max(4096));
    let mut input = vec![0u8; in_len];
    let mut output = vec![0u8; out_len];
    let mut pos = start;
    let mut have = 0usize;
    let mut eof = false;
    let done = |pos: u64, r| (pos.saturating_sub(start), r);
    loop {
        if have < input.len() && !eof {
            let Some(rest) = input.get_mut(have..) else {
                break;
            };
            match src.read_at(pos.saturating_add(have as u64), rest) {
                Ok(0) => eof = true,
                Ok(n) => have = have.saturating_add(n),
                Err(e) => return done(pos, Err(Stop::Read(e))),
            }
        }
        let flush = if eof { MZFlush::Finish } else { MZFlush::None };
        let chunk = input.get(..have).unwrap_or_default();
        let r = inflate(&mut state, chunk, &mut output, flush);
        pos = pos.saturating_add(r.bytes_consumed as u64);
        input.copy_within(r.bytes_consumed.min(have)..have, 0);
        have = have.saturating_sub(r.bytes_consumed);
        if out
            .write_all(output.get(..r.bytes_written).unwrap_or_default())
            .is_err()
        {
            let stop = out
                .stop
                .clone()
                .unwrap_or(Stop::Corrupt("output refused".into()));
            return done(pos, Err(stop));
        }
        match r.status {
            Ok(MZStatus::StreamEnd) => return done(pos, Ok(())),
            Ok(_) => {}
            Err(MZError::Buf) if r.bytes_consumed == 0 && r.bytes_written == 0 && eof => {
                return done(pos, Err(Stop::Corrupt("truncated deflate stream".into())));
            }
            Err(MZError::Buf) => {}
            Err(e) => return done(pos, Err(Stop::Corrupt(format!("{e:?}")))),
        }
    }
    done(pos, Ok(()))
}

/// gzip (RFC 1952), every member in turn, into one capped output.
fn gunzip(src: &mut dyn ByteSource, bounds: Bounds<'_>) -> Decoded {
    let mut out = Capped::new(bounds);
    let mut pos = 0u64;
    let mut corrupt = None;
    loop {
        let header = match gzip_header_len(src, pos) {
            Ok(Some(n)) => n,
            Ok(None) if pos > 0 => break, // trailing bytes after the last member
            Ok(None) => {
                corrupt = Some(io::Error::other("not a gzip stream"));
                break;
            }
            Err(e) => {
                out.stop = out.stop.or(Some(Stop::Read(e)));
                break;
            }
        };
        let (consumed, result) =
            inflate_into(src, pos.saturating_add(header), DataFormat::Raw, &mut out);
        pos = pos
            .saturating_add(header)
            .saturating_add(consumed)
            .saturating_add(8);
        match result {
            Ok(()) => {}
            Err(Stop::Corrupt(why)) => {
                corrupt = Some(io::Error::other(why));
                break;
            }
            Err(Stop::Read(e)) => {
                out.stop = out.stop.or(Some(Stop::Read(e)));
                break;
            }
            Err(_) => break,
        }
        if pos >= src.len() {
            break;
        }
    }
    out.finish(corrupt.map_or(Ok(()), Err), pos)
}

/// Length of the gzip member header at `pos`, `None` if there is none.
fn gzip_header_len(src: &mut dyn ByteSource, pos: u64) -> Result<Option<u64>, ReadError> {
    let head = crate::source::read_window(src, pos, 10)?;
    let (Some(&[0x1f, 0x8b, 8]), Some(&flags)) = (head.get(..3), head.get(3)) else {
        return Ok(None);
    };
    let mut at = pos.saturating_add(10);
    if flags & 0x04 != 0 {
        let x = crate::source::read_window(src, at, 2)?;
        let n = u16::from_le_bytes([*x.first().unwrap_or(&0), *x.get(1).unwrap_or(&0)]);
        at = at.saturating_add(2).saturating_add(u64::from(n));
    }
    for bit in [0x08u8, 0x10] {
        if flags & bit != 0 {
            // Zero-terminated string; bounded by the 64 KiB we look at.
            let s = crate::source::read_window(src, at, 64 * 1024)?;
            let Some(end) = s.iter().position(|&b| b == 0) else {
                return Ok(None);
            };
            at = at.saturating_add(end as u64).saturating_add(1);
        }
    }
    if flags & 0x02 != 0 {
        at = at.saturating_add(2);
    }
    Ok(Some(at.saturating_sub(pos)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

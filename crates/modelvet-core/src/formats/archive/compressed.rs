//! Compressed streams: gzip, bzip2, xz, lzma, LZ4, Zstandard and zlib, and joblib's
//! compressed dumps, which are exactly those streams around a pickle:
//!
//! | joblib compressor | magic                         |
//! |-------------------|-------------------------------|
//! | `zlib`            | `x` (`78 01`, `78 5e`, `78 9c`, `78 da`) |
//! | `gzip`            | `1f 8b`                       |
//! | `bz2`             | `BZh`                         |
//! | `xz`              | `fd 37 7a 58 5a 00`           |
//! | `lzma`            | `5d 00 00`                    |
//! | `lz4`             | `04 22 4d 18`                 |
//! | (zstd, not joblib) | `28 b5 2f fd`                |
//! | joblib < 0.10     | `ZF` + 19-byte hex length + zlib |

use super::decompress::{self, Codec, Stop};
use super::rules;
use crate::finding::Location;
use crate::format::{self, Format};
use crate::scan::ScanCtx;
use crate::source::{read_window, ByteSource, ReadError, VecSource, Window};

/// Length of the header of joblib's old `ZF` files.
pub const ZF_HEADER: u64 = 2 + 19;

fn zlib_header(b: &[u8]) -> bool {
    matches!(b, [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..])
}

/// Length of joblib's `ZF` header if `b` starts with one. joblib <= 0.8.4
/// on Python 2 wrote the length one character wider (joblib's reader skips
/// one more space if there is one).
fn zf_header(b: &[u8]) -> Option<u64> {
    let hex_ok = b
        .get(4..ZF_HEADER as usize)
        .is_some_and(|h| h.iter().all(|c| c.is_ascii_hexdigit() || *c == b' '));
    if !b.starts_with(b"ZF0x") || !hex_ok {
        return None;
    }
    let skip = if b.get(ZF_HEADER as usize) == Some(&b' ') {
        ZF_HEADER + 1
    } else {
        ZF_HEADER
    };
    b.get(usize::try_from(skip).ok()?..)
        .is_some_and(zlib_header)
        .then_some(skip)
}

fn lzma_alone_header(b: &[u8]) -> bool {
    b.starts_with(&[0x5d, 0, 0])
}

/// Recognise compressed streams the generic magic table does not know.
pub fn sniff(head: &[u8]) -> Option<Format> {
    if zlib_header(head) || zf_header(head).is_some() {
        Some(Format::Joblib)
    } else if lzma_alone_header(head) {
        Some(Format::Xz)
    } else {
        None
    }
}

fn codec_of(head: &[u8]) -> Option<(Codec, u64)> {
    Some(match head {
        [0x1f, 0x8b, ..] => (Codec::Gzip, 0),
        [b'B', b'Z', b'h', ..] => (Codec::Bzip2, 0),
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => (Codec::Xz, 0),
        [0x04, 0x22, 0x4d, 0x18, ..] => (Codec::Lz4, 0),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => (Codec::Zstd, 0),
        _ if lzma_alone_header(head) => (Codec::Lzma, 0),
        _ if zf_header(head).is_some() => (Codec::Zlib, zf_header(head).unwrap_or(ZF_HEADER)),
        _ if zlib_header(head) => (Codec::Zlib, 0),
        _ => return None,
    })
}

/// Name of the decompressed content: the file name without its compression
/// extension, or a placeholder.
fn inner_name(outer: &str) -> String {
    let name = format::file_name(outer);
    for ext in [
        ".gz", ".bz2", ".xz", ".lzma", ".lz4", ".zst", ".zstd", ".z", ".zlib", ".tgz",
    ] {
        if name.len() > ext.len() && name.to_ascii_lowercase().ends_with(ext) {
            let stem = name.get(..name.len() - ext.len()).unwrap_or(name);
            return if ext == ".tgz" {
                format!("{stem}.tar")
            } else {
                stem.to_owned()
            };
        }
    }
    "<decompressed>".to_owned()
}

/// Decompress the stream (bounded) and scan what it holds.
pub fn scan(
    format: Format,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    let head = read_window(src, 0, 64)?;
    let Some((codec, skip)) = codec_of(&head) else {
        return Ok(format);
    };
    let limits = ctx.limits().archive.clone();
    let compressed = src.len().saturating_sub(skip);
    let cap = super::zip::member_cap(&limits, compressed, limits.max_total_bytes);
    let bounds = ctx.inflate_bounds(cap);
    let mut body = Window::new(src, skip, compressed);
    let d = decompress::decode_within(codec, &mut body, bounds);
    let what = format!("while decompressing the {} stream", codec.name());
    ctx.inflated(d.bytes.len() as u64, d.stop.as_ref(), &what);
    match &d.stop {
        None | Some(Stop::Cap(_) | Stop::DecoderMemory { .. } | Stop::Expired) => {}
        Some(Stop::Corrupt(why)) => {
            let f = ctx.finding(
                &rules::ARCHIVE_CORRUPT_STREAM,
                Location::File,
                format!(
                    "the {} stream is corrupt after {} decompressed bytes: {why}",
                    codec.name(),
                    d.bytes.len()
                ),
            );
            ctx.push(f);
        }
        Some(Stop::Read(e)) => return Err(e.clone()),
    }
    let name = inner_name(ctx.current_name());
    let decompressed = d.bytes.len();
    let mut inner = VecSource::new(d.bytes);
    let inner_format = ctx.holding(decompressed as u64, |ctx| {
        ctx.scan_nested(&name, &mut inner)
    });
    ctx.fact(
        "compression",
        serde_json::json!({
            "codec": codec.name(),
            "decompressed_bytes": decompressed,
            "content": inner_format.map(Format::as_str),
        }),
    );
    let joblib_like = matches!(inner_format, Some(Format::Pickle | Format::Joblib));
    // A compressed pickle is a compressed joblib dump, unless the name says
    // which compression it is.
    let named_compressed = inner_name(ctx.current_name()) != "<decompressed>";
    Ok(if joblib_like && !named_compressed {
        Format::Joblib
    } else {
        format
    })
}

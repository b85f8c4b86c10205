//! Hostile inputs that exhaust a scanner rather than fool it: decompression
//! bombs, fan-out nesting, oversized decoder dictionaries, floods of errors.
//!
//! Each is generated at test time from a small kernel (nothing large is
//! committed), and each is a file that real tools accept: the gzip, xz and
//! zip readers of CPython and of the formats' reference implementations
//! decode them, and would run out of memory or time doing so.

use crate::joblib::gzip;
use crate::zip::{Method, ZipBuilder};

/// A deflate-friendly block of zeros, the kernel of every bomb here.
fn zeros(len: usize) -> Vec<u8> {
    vec![0u8; len]
}

/// A gzip file of `members` members, each `member_len` zeros: `gzip -d`
/// writes `members * member_len` bytes (about 1,000 times the file's size).
pub fn gzip_members(members: usize, member_len: usize) -> Vec<u8> {
    let one = gzip(&zeros(member_len));
    one.repeat(members)
}

/// `data` gzipped `levels` times: a gzip in a gzip in a gzip.
pub fn nested_gzip(levels: usize, data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..levels {
        out = gzip(&out);
    }
    out
}

/// An xz file of `streams` concatenated streams, each `stream_len` zeros
/// (`xz -d` reads concatenated streams as one file).
pub fn xz_streams(streams: usize, stream_len: usize) -> Vec<u8> {
    let mut one = Vec::new();
    let options = lzma_rust2::XzOptions::with_preset(6);
    if let Ok(mut w) = lzma_rust2::XzWriter::new(&mut one, options) {
        let _ = std::io::Write::write_all(&mut w, &zeros(stream_len));
        let _ = w.finish();
    }
    one.repeat(streams)
}

/// An "LZMA alone" (`.lzma`) header that declares a dictionary of
/// `dictionary` bytes (a decoder that trusts it allocates that much before
/// reading any data), followed by a valid-looking start of a stream.
pub fn lzma_alone_dictionary(dictionary: u32) -> Vec<u8> {
    let mut out = vec![0x5d];
    out.extend_from_slice(&dictionary.to_le_bytes());
    out.extend_from_slice(&u64::MAX.to_le_bytes()); // size unknown: until the end marker
    out.extend_from_slice(&[0u8; 64]);
    out
}

/// A zip with one deflated member of `member_len` zeros and `aliases` more
/// central-directory records pointing at the same bytes (overlapping
/// entries): every record inflates to `member_len` bytes.
pub fn zip_overlap(aliases: usize, member_len: usize) -> Vec<u8> {
    let mut zip = ZipBuilder::new().deflated("0", &zeros(member_len));
    for i in 1..=aliases {
        zip = zip.alias(&i.to_string());
    }
    zip.build()
}

/// Stored zips nested `depth` times, each level `fanout` overlapping records
/// of the level below: a few KiB whose tree of members has `fanout^depth`
/// leaves (each leaf a small benign pickle).
pub fn nested_zip_fanout(depth: usize, fanout: usize) -> Vec<u8> {
    let mut inner = crate::joblib::BENIGN_PICKLE.to_vec();
    for level in 0..depth {
        let name = if level == 0 { "data.pkl" } else { "inner.zip" };
        let mut zip = ZipBuilder::new().member(name, &inner, Method::Stored, |m| m);
        for i in 1..fanout {
            zip = zip.alias(&format!("{i}-{name}"));
        }
        inner = zip.build();
    }
    inner
}

/// A tar of `members` gzip bombs, each `per_member` zeros when inflated
/// (`members` of [`gzip_members`] with 64 MiB members).
pub fn tar_of_gzip_bombs(members: usize, per_member: u64) -> Vec<u8> {
    let member_len = 64usize << 20;
    let count = usize::try_from(per_member.div_ceil(member_len as u64)).unwrap_or(1);
    let bomb = gzip_members(count, member_len);
    let names: Vec<String> = (0..members).map(|i| format!("bomb{i}.gz")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &bomb[..])).collect();
    crate::torch::tar(&files)
}

/// A zip of `members` stored members whose compression method (99, AES)
/// no reader here supports: each is an error of its own.
pub fn zip_error_flood(members: usize) -> Vec<u8> {
    let mut zip = ZipBuilder::new();
    for i in 0..members {
        zip = zip.member(&format!("m{i}"), b"x", Method::Stored, |m| {
            m.method_number(99)
        });
    }
    zip.build()
}

use super::*;
use crate::source::SliceSource;

const BIG: Cap = Cap {
    bytes: 1 << 30,
    limit: None,
    value: 1,
};

#[test]
fn deflate_round_trip_and_cap() {
    let data = vec![7u8; 1_000_000];
    let packed = miniz_oxide::deflate::compress_to_vec(&data, 6);
    let d = decode(Codec::Deflate, &mut SliceSource::new(&packed), BIG);
    assert_eq!(d.stop, None);
    assert_eq!(d.bytes, data);
    assert_eq!(d.consumed, packed.len() as u64);
    let small = Cap { bytes: 1000, ..BIG };
    let d = decode(Codec::Deflate, &mut SliceSource::new(&packed), small);
    assert_eq!(d.stop, Some(Stop::Cap(small)));
    assert_eq!(d.bytes.len(), 1000);
}

#[test]
fn zlib_and_corrupt() {
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(b"hello hello", 6);
    let d = decode(Codec::Zlib, &mut SliceSource::new(&packed), BIG);
    assert_eq!(d.bytes, b"hello hello");
    let d = decode(
        Codec::Zlib,
        &mut SliceSource::new(b"\x78\x9c\xff\xff\xff"),
        BIG,
    );
    assert!(matches!(d.stop, Some(Stop::Corrupt(_))), "{d:?}");
    let truncated = packed.get(..packed.len() - 6).unwrap();
    let d = decode(Codec::Zlib, &mut SliceSource::new(truncated), BIG);
    assert!(matches!(d.stop, Some(Stop::Corrupt(_))), "{d:?}");
}

#[test]
fn gzip_members_and_not_gzip() {
    let mut gz = Vec::new();
    for part in [&b"abc"[..], b"def"] {
        gz.extend_from_slice(b"\x1f\x8b\x08\x08\0\0\0\0\0\xffname\0");
        gz.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(part, 6));
        gz.extend_from_slice(&crc32fast::hash(part).to_le_bytes());
        gz.extend_from_slice(&(part.len() as u32).to_le_bytes());
    }
    let d = decode(Codec::Gzip, &mut SliceSource::new(&gz), BIG);
    assert_eq!(d.stop, None);
    assert_eq!(d.bytes, b"abcdef");
    let d = decode(Codec::Gzip, &mut SliceSource::new(b"plain"), BIG);
    assert!(matches!(d.stop, Some(Stop::Corrupt(_))));
}

#[test]
fn xz_lzma_lz4_bzip2_garbage_is_corrupt_not_panic() {
    for codec in [
        Codec::Xz,
        Codec::Lzma,
        Codec::Lz4,
        Codec::Bzip2,
        Codec::Zstd,
    ] {
        let d = decode(codec, &mut SliceSource::new(b"\xfd7zXZ\0garbage!!"), BIG);
        assert!(d.stop.is_some(), "{codec:?}");
    }
}

#[test]
fn lzma_round_trip() {
    let mut packed = Vec::new();
    lzma_rs::xz_compress(&mut &b"payload"[..], &mut packed).unwrap();
    let d = decode(Codec::Xz, &mut SliceSource::new(&packed), BIG);
    assert_eq!((d.bytes.as_slice(), d.stop), (&b"payload"[..], None));
    let mut packed = Vec::new();
    lzma_rs::lzma_compress(&mut &b"payload"[..], &mut packed).unwrap();
    let d = decode(Codec::Lzma, &mut SliceSource::new(&packed), BIG);
    assert_eq!((d.bytes.as_slice(), d.stop), (&b"payload"[..], None));
}

/// Real `zstandard` output (`tests/fixtures/containers/zstd/generate.py`).
const ZSTD_TWO_FRAMES: &[u8] =
    include_bytes!("../../../../../../tests/fixtures/containers/zstd/two_frames.zst");

#[test]
fn zstd_frames_are_all_decoded_and_capped() {
    let d = decode(Codec::Zstd, &mut SliceSource::new(ZSTD_TWO_FRAMES), BIG);
    assert_eq!(d.stop, None);
    assert!(d.bytes.starts_with(b"\x80\x02}q\x00"), "{:?}", d.bytes);
    assert!(d.bytes.ends_with(b"Rq\x03."), "{:?}", d.bytes);
    let small = Cap { bytes: 10, ..BIG };
    let d = decode(Codec::Zstd, &mut SliceSource::new(ZSTD_TWO_FRAMES), small);
    assert_eq!(d.bytes.len(), 10);
    assert!(matches!(d.stop, Some(Stop::Cap(_))), "{:?}", d.stop);
    // A frame cut short is corrupt, not a panic.
    let cut = ZSTD_TWO_FRAMES.get(..20).unwrap();
    let d = decode(Codec::Zstd, &mut SliceSource::new(cut), BIG);
    assert!(matches!(d.stop, Some(Stop::Corrupt(_))), "{:?}", d.stop);
}

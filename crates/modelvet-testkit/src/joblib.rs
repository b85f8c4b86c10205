//! joblib dumps: a pickle, optionally compressed with one of joblib's
//! compressors (each writes its own magic number), or the old (< 0.10) `ZF`
//! zlib format.

/// `pickle.dumps({'a': 1, 'b': [2]}, protocol=4)`, as CPython 3.11 writes it.
pub const BENIGN_PICKLE: &[u8] =
    b"\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94K\x01\x8c\x01b\x94]\x94K\x02au.";

/// `bz2.compress(BENIGN_PICKLE)` from CPython 3.11 (no pure-Rust bzip2
/// encoder is in the dependency tree, so the bytes are kept here).
pub const BENIGN_PICKLE_BZ2: &[u8] = b"BZh91AY&SY\x99\x89y\n\x00\x00\n\xf7\xe0|\x00\x04\x00\x00A\x00\x08\x00\x020\x00\x02\x02@\x04\x06\x00 \x00\"\x08hha\xa8SL\x8cLLEC\x92b\xb4\x81Hl\xc5=\x88\xc0Z\x03\xe2\xeeH\xa7\n\x12\x131/!@";

/// A joblib compressor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compressor {
    /// `compress=('zlib', 3)`: a zlib stream (`78 5e`/`78 9c`).
    Zlib,
    /// `compress=('gzip', 3)`.
    Gzip,
    /// `compress=('xz', 3)`.
    Xz,
    /// `compress=('lzma', 3)`: "LZMA alone" (`5d 00 00`).
    Lzma,
    /// `compress=('lz4', 3)`: an LZ4 frame.
    Lz4,
}

/// `data` compressed as joblib's compressor writes it.
pub fn compress(c: Compressor, data: &[u8]) -> Vec<u8> {
    match c {
        Compressor::Zlib => miniz_oxide::deflate::compress_to_vec_zlib(data, 3),
        Compressor::Gzip => gzip(data),
        Compressor::Xz => {
            let mut out = Vec::new();
            lzma_rs::xz_compress(&mut &data[..], &mut out).unwrap_or_default();
            out
        }
        Compressor::Lzma => {
            let mut out = Vec::new();
            lzma_rs::lzma_compress(&mut &data[..], &mut out).unwrap_or_default();
            out
        }
        Compressor::Lz4 => {
            let mut enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
            std::io::Write::write_all(&mut enc, data).unwrap_or_default();
            enc.finish().unwrap_or_default()
        }
    }
}

/// A gzip member (RFC 1952) around `data`, named `data.pkl`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = b"\x1f\x8b\x08\x08\0\0\0\0\x02\xffdata.pkl\0".to_vec();
    out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// joblib < 0.10's zlib format: `ZF`, the length in hex left-justified to 19
/// bytes, then a zlib stream.
pub fn zfile(data: &[u8]) -> Vec<u8> {
    let mut out = b"ZF".to_vec();
    out.extend_from_slice(format!("{:<19}", format!("{:#x}", data.len())).as_bytes());
    out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec_zlib(data, 3));
    out
}

/// A pickled scikit-learn-style estimator as joblib writes it (protocol 4):
/// the class by `STACK_GLOBAL`, `NEWOBJ`, then its `__dict__` by `BUILD`.
pub fn estimator_pickle(module: &str, class: &str) -> Vec<u8> {
    let mut p = b"\x80\x04".to_vec();
    for s in [module, class] {
        p.push(0x8c);
        p.push(s.len() as u8);
        p.extend_from_slice(s.as_bytes());
        p.push(0x94);
    }
    p.extend_from_slice(b"\x93\x94)\x81\x94}\x94(\x8c\x01C\x94G?\xf0\x00\x00\x00\x00\x00\x00\x8c\x10_sklearn_version\x94\x8c\x051.5.0\x94ub.");
    p
}

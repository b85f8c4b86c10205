//! The CLI's SHA-256 equals `sha256sum`'s, at the sizes where chunked hashing
//! goes wrong: empty, one byte, around the CLI's 4 MiB read size, and past
//! 1 GiB.

use crate::support::{json_report, sha256sum, tempdir};
use std::io::Write;
use std::path::Path;

/// The CLI reads files in chunks of this size (`scan.rs` `HASH_CHUNK`).
const READ_SIZE: u64 = 4 * 1024 * 1024;

/// Deterministic, non-repeating content: xorshift64 from a fixed seed.
fn write_pattern(path: &Path, len: u64) {
    let file = std::fs::File::create(path).expect("create");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut block = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n]).expect("write");
        left -= n as u64;
    }
    out.flush().expect("flush");
}

/// Scan one file of `len` bytes; compare the report's digest with sha256sum's.
fn check_size(len: u64) {
    let dir = tempdir();
    let path = dir.path().join("data.bin");
    write_pattern(&path, len);
    let (code, report) = json_report(dir.path(), &["data.bin"]);
    assert_ne!(code, 2, "scan failed for {len} bytes: {report}");
    let artifact = &report["artifacts"][0];
    assert_eq!(artifact["size"], len, "size of a {len}-byte file");
    assert_eq!(
        artifact["sha256"].as_str(),
        Some(sha256sum(&path).as_str()),
        "digest of a {len}-byte file"
    );
}

#[test]
fn empty_file() {
    check_size(0);
}

#[test]
fn one_byte() {
    check_size(1);
}

#[test]
fn just_below_the_read_size() {
    check_size(READ_SIZE - 1);
}

#[test]
fn exactly_the_read_size() {
    check_size(READ_SIZE);
}

#[test]
fn just_above_the_read_size() {
    check_size(READ_SIZE + 1);
}

#[test]
fn two_read_sizes_and_a_sha256_block() {
    check_size(2 * READ_SIZE + 64);
}

/// More than 1 GiB, not a multiple of the read size or of 64.
#[test]
fn more_than_one_gibibyte() {
    check_size((1 << 30) + 4099);
}

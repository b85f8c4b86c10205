//! Helpers shared by this family's tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::finding::Finding;
use crate::scan::{scan_artifact, ArtifactScan, ScanOptions};
use crate::source::SliceSource;

pub fn scan_with(name: &str, bytes: &[u8], opts: &ScanOptions) -> ArtifactScan {
    scan_artifact(name, &mut SliceSource::new(bytes), opts)
}

pub fn scan(name: &str, bytes: &[u8]) -> ArtifactScan {
    scan_with(name, bytes, &ScanOptions::default())
}

pub fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

pub fn only<'a>(s: &'a ArtifactScan, rule: &str) -> &'a Finding {
    let found: Vec<&Finding> = s.findings.iter().filter(|f| f.rule_id == rule).collect();
    assert_eq!(found.len(), 1, "expected one {rule}: {:#?}", s.findings);
    found[0]
}

pub fn clean(s: &ArtifactScan) {
    assert!(s.findings.is_empty(), "{:#?}", s.findings);
    assert!(s.errors.is_empty(), "{:#?}", s.errors);
}

/// Standard base64 with Python's line breaks every 76 characters.
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        if out.len() % 77 == 76 {
            out.push('\n');
        }
    }
    out.push('\n');
    out
}

/// The start of a marshalled code object as CPython 3.11 writes it (type
/// `c` with the reference flag) followed by the interned names `os` and
/// `system`: enough for the scanner, which never unmarshals.
pub fn fake_code_object() -> Vec<u8> {
    let mut v = vec![0xe3];
    v.extend_from_slice(&[0; 24]);
    v.extend_from_slice(&[0xda, 2]);
    v.extend_from_slice(b"os");
    v.extend_from_slice(&[0xda, 6]);
    v.extend_from_slice(b"system");
    v
}

/// A committed fixture written by `scripts/gen-graph-fixtures.py`.
macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/graphs/",
            $path
        ))
        .as_slice()
    };
}
pub(crate) use fixture;

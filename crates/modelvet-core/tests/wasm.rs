//! The core on `wasm32-unknown-unknown`, in a real browser:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test -p modelvet-core --target wasm32-unknown-unknown --test wasm
//! ```
//!
//! Hashing (with the simd128 backend the web app uses), scanning real bytes
//! built by the testkit, the report, and 64-bit offsets on a 32-bit target.
#![cfg(target_arch = "wasm32")]

use modelvet_core::hash::sha256_hex;
use modelvet_core::source::{read_window, ByteSource, ReadError, Window};
use modelvet_core::{
    scan_artifact, Format, ReportBuilder, ScanOptions, Sha256Stream, SliceSource, Verdict,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// FIPS 180-2 appendix B test vectors.
#[wasm_bindgen_test]
fn sha256_known_vectors() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

// FIPS 180-2 B.3: one million `a`, fed in uneven chunks.
#[wasm_bindgen_test]
fn sha256_million_a_in_chunks() {
    let data = vec![b'a'; 1_000_000];
    for chunk in [1usize, 63, 64, 65, 4096, 8 * 1024 * 1024] {
        let mut h = Sha256Stream::new();
        for c in data.chunks(chunk) {
            h.update(c);
        }
        assert_eq!(h.consumed(), 1_000_000);
        assert_eq!(
            h.finalize_hex(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
            "chunk size {chunk}"
        );
    }
}

#[wasm_bindgen_test]
fn chunking_across_slices_matches_one_shot() {
    // 9 MiB + 7 bytes: more than one 8 MiB slice of the web worker.
    let data: Vec<u8> = (0..(9u32 << 20) + 7)
        .map(|i| (i * 131 % 251) as u8)
        .collect();
    let whole = sha256_hex(&data);
    let mut h = Sha256Stream::new();
    for c in data.chunks(8 << 20) {
        h.update(c);
    }
    assert_eq!(h.finalize_hex(), whole);
}

#[wasm_bindgen_test]
fn scans_a_safetensors_file_from_the_testkit() {
    let bytes = modelvet_testkit::safetensors::tiny();
    let opts = ScanOptions::default();
    let scan = scan_artifact("model.safetensors", &mut SliceSource::new(&bytes), &opts);
    assert_eq!(scan.format, Some(Format::Safetensors));
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    assert!(
        !scan
            .findings
            .iter()
            .any(|f| f.rule_id == "extension-mismatch"),
        "{:?}",
        scan.findings
    );

    let mut builder = ReportBuilder::new(opts);
    builder.add(
        "model.safetensors",
        bytes.len() as u64,
        Some(sha256_hex(&bytes)),
        scan,
    );
    let report = builder.build();
    assert_eq!(report.artifacts.len(), 1);
    assert_eq!(report.artifacts[0].format, Format::Safetensors);
    let json: serde_json::Value = serde_json::from_str(&report.to_json_pretty()).unwrap();
    assert_eq!(json["artifacts"][0]["sha256"], sha256_hex(&bytes));
}

#[wasm_bindgen_test]
fn a_mislabelled_file_raises_extension_mismatch() {
    let bytes = b"not tensors, just text\n";
    let opts = ScanOptions::default();
    let scan = scan_artifact("model.safetensors", &mut SliceSource::new(bytes), &opts);
    assert_ne!(scan.format, Some(Format::Safetensors));
    assert!(scan
        .findings
        .iter()
        .any(|f| f.rule_id == "extension-mismatch"));
    let mut builder = ReportBuilder::new(opts);
    builder.add("model.safetensors", bytes.len() as u64, None, scan);
    assert_ne!(builder.build().verdict, Verdict::Pass);
}

/// A 6 GiB source whose byte at `i` is `i % 251`, generated on demand: the
/// offsets do not fit in the target's 32-bit `usize`.
struct Huge;

impl ByteSource for Huge {
    fn len(&self) -> u64 {
        6 << 30
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        let n = (self.len().saturating_sub(offset)).min(buf.len() as u64) as usize;
        for (i, b) in buf.iter_mut().take(n).enumerate() {
            *b = ((offset + i as u64) % 251) as u8;
        }
        Ok(n)
    }
}

#[wasm_bindgen_test]
fn offsets_beyond_4_gib_on_wasm32() {
    assert_eq!(std::mem::size_of::<usize>(), 4);
    let mut src = Huge;
    let at = (5u64 << 30) + 3;
    let got = read_window(&mut src, at, 4).unwrap();
    let want: Vec<u8> = (at..at + 4).map(|i| (i % 251) as u8).collect();
    assert_eq!(got, want);
    // The tail window is clamped to the end.
    let end = src.len();
    let tail = read_window(&mut src, end - 2, 100).unwrap();
    assert_eq!(tail.len(), 2);
    // A sub-window past 4 GiB.
    let mut w = Window::new(&mut src, 4 << 30, 10);
    assert_eq!(w.len(), 10);
    let inner = read_window(&mut w, 0, 10).unwrap();
    let want: Vec<u8> = ((4u64 << 30)..(4u64 << 30) + 10)
        .map(|i| (i % 251) as u8)
        .collect();
    assert_eq!(inner, want);
}

//! The worker's code path in a real dedicated worker (where `FileReaderSync`
//! exists), on real `Blob`s:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test -p modelvet-web --target wasm32-unknown-unknown --test worker_job
//! ```
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Uint8Array};
use modelvet_core::hash::sha256_hex;
use modelvet_core::{ByteSource, Format, ScanOptions};
use modelvet_testkit::safetensors::{build, Tensor};
use modelvet_web::blob_source::BlobSource;
use modelvet_web::job::{run, HASH_CHUNK};
use modelvet_web::wire::FromWorker;
use std::cell::RefCell;
use wasm_bindgen_test::*;
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn blob_of(bytes: &[u8]) -> Blob {
    let parts = Array::of1(&Uint8Array::from(bytes));
    Blob::new_with_u8_array_sequence(&parts).unwrap()
}

/// A real safetensors file larger than two hash slices.
fn big_safetensors() -> Vec<u8> {
    let len = (2 * HASH_CHUNK + 12_345) as usize / 4 * 4;
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 253) as u8).collect();
    build(
        &[Tensor {
            name: "embed.weight".into(),
            dtype: "F32".into(),
            shape: vec![len as u64 / 4],
            data,
        }],
        &[("format", "pt")],
    )
}

#[wasm_bindgen_test]
fn hashes_in_slices_then_scans() {
    let bytes = big_safetensors();
    let posted = RefCell::new(Vec::new());
    let source = BlobSource::new(blob_of(&bytes)).unwrap();
    assert_eq!(source.len(), bytes.len() as u64);
    run(
        9,
        "model.safetensors",
        source,
        &ScanOptions::default(),
        &|m: &FromWorker| posted.borrow_mut().push(m.clone()),
    );
    let posted = posted.into_inner();

    let progress: Vec<u64> = posted
        .iter()
        .filter_map(|m| match m {
            FromWorker::Progress { id: 9, hashed } => Some(*hashed),
            _ => None,
        })
        .collect();
    // One message per slice, strictly increasing, ending at the file size.
    assert_eq!(
        progress.len() as u64,
        (bytes.len() as u64).div_ceil(HASH_CHUNK)
    );
    assert!(progress.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(progress.last().copied(), Some(bytes.len() as u64));

    let sha = posted.iter().find_map(|m| match m {
        FromWorker::Hashed { id: 9, sha256 } => Some(sha256.clone()),
        _ => None,
    });
    assert_eq!(sha, Some(sha256_hex(&bytes)));

    let Some(FromWorker::Scanned { id: 9, scan }) = posted.last() else {
        panic!("the last message is not the scan: {posted:?}");
    };
    assert_eq!(scan.format, Some(Format::Safetensors));
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
}

#[wasm_bindgen_test]
fn read_at_clamps_to_the_end() {
    let bytes: Vec<u8> = (0..100u8).collect();
    let mut src = BlobSource::new(blob_of(&bytes)).unwrap();
    let mut buf = [0u8; 10];
    assert_eq!(src.read_at(95, &mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], &bytes[95..]);
    assert_eq!(src.read_at(100, &mut buf).unwrap(), 0);
    assert_eq!(src.read_at(u64::MAX, &mut buf).unwrap(), 0);
    assert_eq!(src.read_at(3, &mut buf).unwrap(), 10);
    assert_eq!(&buf, &bytes[3..13]);
}

#[wasm_bindgen_test]
fn an_empty_file_hashes_to_the_empty_digest() {
    let posted = RefCell::new(Vec::new());
    let source = BlobSource::new(blob_of(&[])).unwrap();
    run(
        1,
        "empty.bin",
        source,
        &ScanOptions::default(),
        &|m: &FromWorker| posted.borrow_mut().push(m.clone()),
    );
    let posted = posted.into_inner();
    assert!(posted.contains(&FromWorker::Hashed {
        id: 1,
        sha256: sha256_hex(b""),
    }));
    assert!(matches!(
        posted.last(),
        Some(FromWorker::Scanned { id: 1, .. })
    ));
}

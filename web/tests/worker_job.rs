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
use modelvet_web::browser::blob_source::BlobSource;
use modelvet_web::browser::blob_stream::BlobChunks;
use modelvet_web::scan::job::{run, PROGRESS_STEP, READ_CHUNK};
use modelvet_web::scan::wire::FromWorker;
use std::cell::RefCell;
use wasm_bindgen_test::*;
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn blob_of(bytes: &[u8]) -> Blob {
    let parts = Array::of1(&Uint8Array::from(bytes));
    Blob::new_with_u8_array_sequence(&parts).unwrap()
}

/// A real safetensors file larger than two progress steps.
fn big_safetensors() -> Vec<u8> {
    let len = (2 * PROGRESS_STEP + 12_345) as usize / 4 * 4;
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
async fn hashes_as_a_stream_then_scans() {
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
    )
    .await;
    let posted = posted.into_inner();

    let progress: Vec<u64> = posted
        .iter()
        .filter_map(|m| match m {
            FromWorker::Progress { id: 9, hashed } => Some(*hashed),
            _ => None,
        })
        .collect();
    // One message per progress step, strictly increasing, ending at the file size.
    assert_eq!(
        progress.len() as u64,
        (bytes.len() as u64).div_ceil(PROGRESS_STEP)
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
async fn an_empty_file_hashes_to_the_empty_digest() {
    let posted = RefCell::new(Vec::new());
    let source = BlobSource::new(blob_of(&[])).unwrap();
    run(
        1,
        "empty.bin",
        source,
        &ScanOptions::default(),
        &|m: &FromWorker| posted.borrow_mut().push(m.clone()),
    )
    .await;
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

/// Every byte, once, in order, at sizes around the read size.
#[wasm_bindgen_test]
async fn chunks_concatenate_to_the_blob() {
    let chunk = READ_CHUNK as usize;
    for len in [1, chunk - 1, chunk, chunk + 1, 3 * chunk + 7] {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        let mut chunks = BlobChunks::new(&blob_of(&bytes), READ_CHUNK).unwrap();
        let mut out = vec![0u8; chunk];
        let mut all = Vec::with_capacity(len);
        loop {
            let n = chunks.next_into(&mut out).await.unwrap();
            if n == 0 {
                break;
            }
            all.extend_from_slice(&out[..n]);
        }
        assert_eq!(all.len(), len);
        assert!(all == bytes, "bytes differ for a blob of {len}");
        // Reading past the end stays at the end.
        assert_eq!(chunks.next_into(&mut out).await, Ok(0));
    }
}

/// A file whose chunks do not fit the caller's buffer is refused, not cut.
#[wasm_bindgen_test]
async fn a_short_output_buffer_is_an_error() {
    let bytes = vec![7u8; 4096];
    let mut chunks = BlobChunks::new(&blob_of(&bytes), 4096).unwrap();
    let mut out = vec![0u8; 100];
    assert!(chunks.next_into(&mut out).await.is_err());
}

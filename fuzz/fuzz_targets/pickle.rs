#![no_main]
//! Arbitrary bytes through the pickle stream scanner: it must never panic,
//! hang or allocate without bound.

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::pickle::{scan_stream, StreamOptions};
use modelvet_core::scan::{ScanCtx, ScanOptions};
use modelvet_core::SliceSource;

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("fuzz.pkl", &opts);
    let options = StreamOptions {
        max_pickles: None,
        trailing_data_expected: data.first().is_some_and(|b| b & 1 == 1),
        torchscript: data.first().is_some_and(|b| b & 2 == 2),
    };
    let _ = scan_stream(&mut SliceSource::new(data), &mut ctx, &options);
    let _ = modelvet_core::scan_artifact("fuzz.pkl", &mut SliceSource::new(data), &opts);
    // The sniffer, with the head cut off inside a file twice as long.
    let sniff = modelvet_core::format::Sniff {
        head: data,
        tail: data,
        len: (data.len() as u64).saturating_mul(2),
        path: "fuzz.pkl",
    };
    let _ = modelvet_core::formats::pickle::sniff(&sniff);
    let _ = modelvet_core::formats::pickle::sniff_confident(data, sniff.len);
});

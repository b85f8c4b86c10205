//! The ONNX scanner (protobuf wire reader + ModelProto walk) on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::graphs::onnx;
use modelvet_core::scan::ScanCtx;
use modelvet_core::{ScanOptions, SliceSource};

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("model.onnx", &opts);
    let _ = onnx::scan(&mut SliceSource::new(data), &mut ctx);
});

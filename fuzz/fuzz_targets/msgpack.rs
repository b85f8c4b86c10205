//! The msgpack scanner on any bytes: never panics, never allocates past its limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::tensors;
use modelvet_core::scan::ScanCtx;
use modelvet_core::{Format, ScanOptions, SliceSource};

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("fuzz.msgpack", &opts);
    let _ = tensors::scan(Format::FlaxMsgpack, &mut SliceSource::new(data), &mut ctx);
});

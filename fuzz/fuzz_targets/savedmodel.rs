//! The SavedModel scanner on any bytes, as `saved_model.pb` or, when the
//! first byte is odd, as `keras_metadata.pb`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::graphs::savedmodel;
use modelvet_core::scan::ScanCtx;
use modelvet_core::{ScanOptions, SliceSource};

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let name = if first & 1 == 1 {
        "keras_metadata.pb"
    } else {
        "saved_model.pb"
    };
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new(name, &opts);
    let _ = savedmodel::scan(&mut SliceSource::new(rest), &mut ctx);
});

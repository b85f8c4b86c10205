//! The `.npy` header parser, the dtype reader and the scanner.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::numpy;
use modelvet_core::scan::{ScanCtx, ScanOptions};
use modelvet_core::{Format, SliceSource};

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("fuzz.npy", &opts);
    let mut src = SliceSource::new(data);
    let _ = numpy::read_header(&mut src, &opts.limits.numpy);
    let _ = numpy::scan(Format::Npy, &mut src, &mut ctx);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(lit) = numpy::literal::parse(text, 16) {
            let _ = numpy::dtype::from_literal(&lit);
        }
        let _ = numpy::dtype::from_str(text);
    }
});

//! PyTorch legacy checkpoints, legacy tars and compressed streams.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::archive;
use modelvet_core::scan::{ScanCtx, ScanOptions};
use modelvet_core::{Format, SliceSource};

fuzz_target!(|data: &[u8]| {
    let mut opts = ScanOptions::default();
    opts.limits.archive.max_member_bytes = 1 << 20;
    for format in [Format::PytorchLegacy, Format::Tar, Format::Gzip, Format::Joblib] {
        let mut ctx = ScanCtx::new("fuzz.pt", &opts);
        let mut src = SliceSource::new(data);
        let _ = archive::scan(format, &mut src, &mut ctx);
    }
});

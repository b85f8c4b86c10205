//! The zip reader: directory, every member (bounded inflate), then a full scan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::archive::zip;
use modelvet_core::scan::{ScanCtx, ScanOptions};
use modelvet_core::SliceSource;

fuzz_target!(|data: &[u8]| {
    let mut opts = ScanOptions::default();
    opts.limits.archive.max_member_bytes = 1 << 20;
    let mut ctx = ScanCtx::new("fuzz.zip", &opts);
    let mut src = SliceSource::new(data);
    if let Ok(Some(dir)) = zip::read_directory(&mut src, &mut ctx) {
        for entry in &dir.entries {
            let _ = zip::read_member(&mut src, entry, &mut ctx);
        }
    }
    let _ = modelvet_core::formats::archive::scan(
        modelvet_core::Format::Zip,
        &mut src,
        &mut ctx,
    );
});

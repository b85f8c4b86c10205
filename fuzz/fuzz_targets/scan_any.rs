//! Any bytes, any name: detection plus every scanner it dispatches to must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::{scan_artifact, ScanOptions, SliceSource};

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions::default();
    let _ = scan_artifact("fuzz.bin", &mut SliceSource::new(data), &opts);
});

//! The HDF5 reader (superblock, object headers, attributes, global heap) on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::graphs::hdf5;
use modelvet_core::scan::ScanCtx;
use modelvet_core::{ScanOptions, SliceSource};

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("model.h5", &opts);
    let _ = hdf5::scan(&mut SliceSource::new(data), &mut ctx);
});

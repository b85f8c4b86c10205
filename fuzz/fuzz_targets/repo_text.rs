//! Python, shell, notebook and config scanning on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::repo;
use modelvet_core::scan::ScanCtx;
use modelvet_core::{Format, ScanOptions, SliceSource};

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions::default();
    for (name, format) in [
        ("modeling.py", Format::Python),
        ("setup.sh", Format::Shell),
        ("demo.ipynb", Format::Notebook),
        ("config.json", Format::Json),
    ] {
        let mut ctx = ScanCtx::new(name, &opts);
        let _ = repo::scan(format, &mut SliceSource::new(data), &mut ctx);
    }
});

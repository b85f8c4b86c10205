//! Keras configuration analysis (JSON walk, Lambda bytecode detection) on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::graphs::keras::{analyze_json, ConfigSummary, Origin};
use modelvet_core::scan::ScanCtx;
use modelvet_core::ScanOptions;

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("config.json", &opts);
    let mut summary = ConfigSummary::default();
    analyze_json(&mut ctx, data, Origin::new("config.json"), &mut summary);
    summary.report(&mut ctx, "keras");
});

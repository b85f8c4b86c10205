//! The canonical Python name resolver on any name: no panic, at least one
//! target, the target count and chains within their limits.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::pynames(data));

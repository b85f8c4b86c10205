//! Any bytes under a name the input picks (a list of meaningful names and
//! extensions, or arbitrary bytes): detection plus every scanner it dispatches
//! to must not panic, and the report stays bounded.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::scan_any(data));

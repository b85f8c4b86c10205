//! Tar archives, headers' checksums fixed up so mutations reach the size
//! fields, long names, pax records and the members.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::tar(data));

//! joblib framing: the `ZF` header of joblib < 0.10 and the compressed
//! dumps, around fuzzed content or fuzzed themselves.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::joblib(data));

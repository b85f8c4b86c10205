//! The iterative JSON reader, strict and Python-compatible, on any bytes:
//! never panics or overflows the stack (depth is bounded by
//! `json::MAX_JSON_DEPTH`, not by recursion).
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::json;

fuzz_target!(|data: &[u8]| {
    let strict = json::parse(data, 100_000);
    let python = json::parse_python(data, 100_000);
    // Python's reading is a superset of the strict one for UTF-8 input
    // without a byte-order mark.
    if strict.is_ok() && !data.starts_with(&[0xef, 0xbb, 0xbf]) && data.len() >= 4 && data[0] != 0 && data[1] != 0 {
        assert!(python.is_ok(), "strict JSON refused by the Python reader");
    }
});

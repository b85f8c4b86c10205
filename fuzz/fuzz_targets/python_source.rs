//! The Python analysis (Ruff parse, name resolution, token fallback)
//! on any text: bounded, never panics, and its calls stay within `max`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::repo::python;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let analysis = python::analyse(&text, 50);
    assert!(analysis.calls.len() <= 50);
});

//! Chat-template analysis (block splitting, string decoding, folding) on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::chat_template;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = chat_template::analyse(&text, 20);
});

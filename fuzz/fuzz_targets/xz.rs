//! One xz stream: the decoder alone with a cap (its output never exceeds
//! it), then the whole scan of the stream as a `.xz` file.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::archive::decompress::Codec;

fuzz_target!(|data: &[u8]| harness::stream(Codec::Xz, "fuzz.xz", data));

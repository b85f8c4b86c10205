//! Any bytes as a known-good manifest (`sha256sum` lines or a JSON map) and
//! as a Git LFS pointer: no panic, the entries within the limits and normal,
//! and a manifest compared with files of its own digests passes.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::provenance_manifest(data));

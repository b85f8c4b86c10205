//! Builders that write real bytes in real model formats.
//!
//! Tests, fuzz seeds and benchmarks build their inputs here instead of
//! committing opaque blobs. Every builder writes the format as its reference
//! implementation does; where a builder deliberately writes something a real
//! writer would not (a wrong CRC, a hostile header), the method says so.

pub mod replay;
pub mod safetensors;

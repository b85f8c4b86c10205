//! Builders that write real bytes in real model formats.
//!
//! Tests, fuzz seeds and benchmarks build their inputs here instead of
//! committing opaque blobs. Every builder writes the format as its reference
//! implementation does; where a builder deliberately writes something a real
//! writer would not (a wrong CRC, a hostile header), the method says so.

pub mod bombs;
pub mod gguf;
pub mod hdf5;
pub mod joblib;
pub mod msgpack;
pub mod numpy;
pub mod onnx;
pub mod pickle;
pub mod protobuf;
pub mod replay;
pub mod safetensors;
pub mod savedmodel;
pub mod tflite;
pub mod torch;
pub mod zip;

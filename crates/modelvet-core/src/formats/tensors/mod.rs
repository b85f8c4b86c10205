//! Tensor files: safetensors, GGUF, TFLite, Flax msgpack.
//!
//! None of these formats can hold Python code, so the risks are different
//! from pickles: parser differentials and integer overflows in headers
//! (safetensors, GGUF), server-side template injection through a GGUF chat
//! template, custom and TensorFlow ops in a TFLite graph, and polyglots that
//! hide a second format after the data.

use crate::format::{Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError};
use serde::{Deserialize, Serialize};

pub mod gguf;
pub mod msgpack;
pub mod rules;
pub mod safetensors;
pub mod tflite;

/// Rules raised by this family.
pub const RULES: &[&Rule] = &[
    &safetensors::SAFETENSORS_MALFORMED,
    &safetensors::SAFETENSORS_DUPLICATE_KEY,
    &safetensors::SAFETENSORS_UNKNOWN_FIELD,
    &safetensors::SAFETENSORS_INCONSISTENT_TENSOR,
    &safetensors::SAFETENSORS_BAD_OFFSETS,
    &safetensors::SAFETENSORS_TRAILING_DATA,
    &safetensors::SAFETENSORS_SUSPICIOUS_METADATA,
    &safetensors::SAFETENSORS_PARSER_DIFFERENTIAL,
    &gguf::GGUF_MALFORMED,
    &gguf::GGUF_INTEGER_OVERFLOW,
    &gguf::GGUF_TENSOR_BOUNDS,
    &gguf::GGUF_DUPLICATE_KEY,
    &gguf::GGUF_TRAILING_DATA,
    &crate::formats::chat_template::CHAT_TEMPLATE_INJECTION,
    &tflite::TFLITE_CUSTOM_OP,
    &tflite::TFLITE_FLEX_OP,
    &tflite::TFLITE_MALFORMED,
    &msgpack::MSGPACK_MALFORMED,
    &msgpack::MSGPACK_UNKNOWN_EXT,
];

/// Limits of this family's parsers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct TensorLimits {
    /// Largest safetensors JSON header read, in bytes. Default 100,000,000
    /// (the reference loader's `MAX_HEADER_SIZE`).
    pub max_safetensors_header: u64,
    /// Most JSON values (objects, arrays, strings, numbers ...) in one header. Default 4,000,000.
    pub max_json_nodes: u64,
    /// Most tensors in one file (safetensors entries, GGUF tensor infos). Default 1,000,000.
    pub max_tensors: u64,
    /// Most GGUF metadata key/value pairs. Default 65,536.
    pub max_gguf_kv: u64,
    /// Longest GGUF string (keys, values, tensor names), in bytes. Default 16 MiB.
    pub max_gguf_string: u64,
    /// Most elements of one GGUF metadata array. Default 16,777,216.
    pub max_gguf_array: u64,
    /// Deepest nesting of GGUF arrays in arrays. Default 4.
    pub max_gguf_array_depth: u32,
    /// Most dimensions of one GGUF tensor read. Default 16 (llama.cpp allows 4).
    pub max_gguf_dims: u32,
    /// Most bytes of a TFLite flatbuffer examined (tables, vectors, strings). Default 256 MiB.
    pub max_tflite_bytes: u64,
    /// Most operator codes and operators examined in one TFLite model. Default 1,000,000.
    pub max_tflite_items: u64,
    /// Deepest nesting of msgpack maps and arrays. Default 64.
    pub max_msgpack_depth: u32,
    /// Most msgpack values read. Default 10,000,000.
    pub max_msgpack_items: u64,
    /// Longest chat template examined, in bytes. Default 1 MiB.
    pub max_template_bytes: u64,
}

impl Default for TensorLimits {
    fn default() -> Self {
        TensorLimits {
            max_safetensors_header: safetensors::REFERENCE_MAX_HEADER,
            max_json_nodes: 4_000_000,
            max_tensors: 1_000_000,
            max_gguf_kv: 65_536,
            max_gguf_string: 16 * 1024 * 1024,
            max_gguf_array: 16 * 1024 * 1024,
            max_gguf_array_depth: 4,
            max_gguf_dims: 16,
            max_tflite_bytes: 256 * 1024 * 1024,
            max_tflite_items: 1_000_000,
            max_msgpack_depth: 64,
            max_msgpack_items: 10_000_000,
            max_template_bytes: 1024 * 1024,
        }
    }
}

/// Recognise this family's formats by content. GGUF and TFLite have magic
/// numbers and are recognised by [`crate::format::sniff`] itself.
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    if sniff_safetensors(s) {
        return Some(Format::Safetensors);
    }
    if msgpack::looks_like(s) {
        return Some(Format::FlaxMsgpack);
    }
    None
}

fn sniff_safetensors(s: &Sniff<'_>) -> bool {
    // u64 little-endian header length, then a JSON object.
    let Some(len_bytes) = s.head.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) else {
        return false;
    };
    let header_len = u64::from_le_bytes(len_bytes);
    let starts_json = s
        .head
        .get(8..)
        .and_then(|rest| rest.iter().find(|b| !b.is_ascii_whitespace()))
        == Some(&b'{');
    // A declared length past the end is a truncated or hostile file: the
    // extension decides whether to treat it as safetensors.
    let fits = header_len <= s.len.saturating_sub(8);
    header_len >= 2 && starts_json && (fits || s.extension() == "safetensors")
}

/// Scan a file of one of this family's formats.
pub fn scan(
    format: Format,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    match format {
        Format::Safetensors => safetensors::scan(src, ctx)?,
        Format::Gguf => gguf::scan(src, ctx)?,
        Format::Tflite => tflite::scan(src, ctx)?,
        Format::FlaxMsgpack => msgpack::scan(src, ctx)?,
        _ => {}
    }
    Ok(format)
}

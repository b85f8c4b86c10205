//! Tensor files: safetensors, GGUF, TFLite, Flax msgpack.

use crate::format::{Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError};
use serde::{Deserialize, Serialize};

/// Rules raised by this family.
pub const RULES: &[&Rule] = &[];

/// Limits of this family's parsers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TensorLimits {}

/// Recognise this family's formats by content.
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    // safetensors: u64 little-endian header length, then a JSON object.
    let len_bytes: [u8; 8] = s.head.get(..8)?.try_into().ok()?;
    let header_len = u64::from_le_bytes(len_bytes);
    let starts_json = s
        .head
        .get(8..)
        .and_then(|rest| rest.iter().find(|b| !b.is_ascii_whitespace()))
        == Some(&b'{');
    (header_len >= 2 && header_len <= s.len.saturating_sub(8) && starts_json)
        .then_some(Format::Safetensors)
}

/// Scan a file of one of this family's formats.
pub fn scan(
    format: Format,
    _src: &mut dyn ByteSource,
    _ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    Ok(format)
}

//! Pickle streams: symbolic execution of the pickle machine, never unpickling.

use crate::format::{Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError};
use serde::{Deserialize, Serialize};

/// Rules raised by the pickle analyser.
pub const RULES: &[&Rule] = &[];

/// Limits of the pickle machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PickleLimits {
    /// Most opcodes executed per pickle stream. Default 10,000,000.
    pub max_ops: u64,
}

impl Default for PickleLimits {
    fn default() -> Self {
        PickleLimits {
            max_ops: 10_000_000,
        }
    }
}

/// Recognise a raw pickle stream.
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    match s.head {
        [0x80, 2..=5, ..] => Some(Format::Pickle),
        _ => None,
    }
}

/// Scan a pickle stream.
pub fn scan(
    format: Format,
    _src: &mut dyn ByteSource,
    _ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    Ok(format)
}

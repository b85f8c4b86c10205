//! NumPy `.npy` and `.npz`.

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
pub struct NumpyLimits {}

/// Recognise this family's formats by content.
pub fn sniff(_s: &Sniff<'_>) -> Option<Format> {
    None
}

/// Scan a file of one of this family's formats.
pub fn scan(
    format: Format,
    _src: &mut dyn ByteSource,
    _ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    Ok(format)
}

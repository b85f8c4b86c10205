//! Archives and containers: zip (read the way PyTorch's loader reads it), tar, compression, PyTorch legacy/TorchScript and joblib.

use crate::format::{Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError};
use serde::{Deserialize, Serialize};

pub mod zip;

/// Rules raised by this family.
pub const RULES: &[&Rule] = &[];

/// Limits of this family's parsers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArchiveLimits {}

/// Recognise this family's formats by content.
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    let local_header = s.head.starts_with(b"PK\x03\x04");
    // An end-of-central-directory record anywhere in the tail also makes a zip:
    // loaders find the directory from the end, so prefixed data does not hide it.
    let eocd = s.tail.windows(4).any(|w| w == b"PK\x05\x06");
    (local_header || eocd).then_some(Format::Zip)
}

/// Scan a file of one of this family's formats.
pub fn scan(
    format: Format,
    _src: &mut dyn ByteSource,
    _ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    Ok(format)
}

//! Model graphs and definitions: ONNX, TensorFlow SavedModel, Keras, HDF5.

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
pub struct GraphLimits {}

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

/// Scan a Keras 3 `.keras` archive whose directory has been read (called by
/// the zip scanner once it recognises `config.json` + `metadata.json`).
pub fn scan_keras_archive(
    _src: &mut dyn ByteSource,
    _dir: &crate::formats::archive::zip::ZipDirectory,
    _ctx: &mut ScanCtx<'_>,
) -> Result<(), ReadError> {
    Ok(())
}

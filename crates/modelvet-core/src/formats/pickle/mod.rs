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

/// How a container wants a pickle stream read.
#[derive(Debug, Clone, Default)]
pub struct StreamOptions {
    /// Stop after this many pickles (PyTorch legacy files hold raw storage
    /// bytes after their pickles). `None`: read pickles until the data ends.
    pub max_pickles: Option<u32>,
    /// Whether bytes after the last pickle are suspicious (a finding) or
    /// expected by the container (legacy storages).
    pub trailing_data_expected: bool,
}

/// What reading a pickle stream found (findings are raised on the context).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamSummary {
    /// Number of pickles read (complete or not).
    pub pickles: u32,
    /// Offset just past the last STOP opcode read (0 if none).
    pub end: u64,
    /// Every global imported, as `module.qualname`, deduplicated, in order of first use.
    pub globals: Vec<String>,
}

/// Scan every pickle in `src` from offset 0, raising findings on `ctx`.
///
/// Containers (PyTorch zip/legacy, npy object arrays, joblib) call this for each
/// pickle they hold. Never unpickles.
pub fn scan_stream(
    _src: &mut dyn ByteSource,
    _ctx: &mut ScanCtx<'_>,
    _options: &StreamOptions,
) -> Result<StreamSummary, ReadError> {
    Ok(StreamSummary::default())
}

/// Scan a pickle stream.
pub fn scan(
    format: Format,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    scan_stream(src, ctx, &StreamOptions::default())?;
    Ok(format)
}

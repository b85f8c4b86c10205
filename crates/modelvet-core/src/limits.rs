//! Named limits for every parser, checked before allocating.
//!
//! Hitting a limit never hangs or allocates without bound: the scanner stops
//! and reports a [`crate::ScanError`] (fail closed), keeping what it found.
//! Each family of formats owns its own limits struct next to its parser.

use serde::{Deserialize, Serialize};

/// All limits, one field per family of formats.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Limits {
    /// Limits of the scan driver itself.
    pub scan: ScanLimits,
    /// Pickle machine limits.
    pub pickle: crate::formats::pickle::PickleLimits,
    /// Archive, compression and container limits.
    pub archive: crate::formats::archive::ArchiveLimits,
    /// NumPy limits.
    pub numpy: crate::formats::numpy::NumpyLimits,
    /// Tensor file limits (safetensors, GGUF, TFLite, msgpack).
    pub tensors: crate::formats::tensors::TensorLimits,
    /// Graph and model-definition limits (ONNX, SavedModel, Keras, HDF5).
    pub graphs: crate::formats::graphs::GraphLimits,
    /// Limits for the other files of a repository.
    pub repo: crate::formats::repo::RepoLimits,
}

/// Limits of the scan driver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScanLimits {
    /// Deepest nesting of containers (archive in archive in ...). Default 8.
    pub max_nesting: u32,
    /// Bytes read from the start of a file to detect its format. Default 64 KiB.
    pub sniff_head_bytes: u32,
    /// Bytes read from the end of a file to detect its format (zip directory). Default 64 KiB + 22.
    pub sniff_tail_bytes: u32,
    /// Most findings kept per artifact; the rest are counted in one summary finding. Default 1,000.
    pub max_findings_per_artifact: u32,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits {
            max_nesting: 8,
            sniff_head_bytes: 64 * 1024,
            sniff_tail_bytes: 64 * 1024 + 22,
            max_findings_per_artifact: 1000,
        }
    }
}

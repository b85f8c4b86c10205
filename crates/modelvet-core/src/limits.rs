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
#[serde(default)]
pub struct ScanLimits {
    /// Deepest nesting of containers (archive in archive in ...). Default 8.
    pub max_nesting: u32,
    /// Bytes read from the start of a file to detect its format. Default 64 KiB.
    pub sniff_head_bytes: u32,
    /// Bytes read from the end of a file to detect its format (zip directory). Default 64 KiB + 22.
    pub sniff_tail_bytes: u32,
    /// Most findings kept per artifact; the rest are counted in one summary finding. Default 1,000.
    pub max_findings_per_artifact: u32,
    /// Most errors kept per artifact; the rest are counted in one summary error. Default 100.
    pub max_errors_per_artifact: u32,
    /// Most facts kept per artifact (one per nested member at most); the rest
    /// are counted in the `facts_truncated` fact. Default 1,000.
    pub max_facts_per_artifact: u32,
    /// Most bytes decompressed for one artifact, every level of nesting and
    /// every container type together. Default 2 GiB.
    pub max_inflated_bytes: u64,
    /// Most decompressed bytes one artifact holds in memory at once, every
    /// level of nesting together (a gzip in a gzip holds both). Default 256 MiB.
    pub max_held_bytes: u64,
    /// An artifact that may hold more decompressed bytes than this asks the
    /// shell for a "heavy" slot first, so that a shell scanning several files
    /// at once can bound the memory of the whole run. Default 64 MiB.
    pub light_held_bytes: u64,
    /// Most container members visited for one artifact, every level of
    /// nesting together. Default 100,000.
    pub max_members: u64,
    /// Wall time for one artifact, in seconds, where the shell has a clock
    /// (the CLI, the browser worker). Default 60.
    pub max_seconds: u32,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits {
            max_nesting: 8,
            sniff_head_bytes: 64 * 1024,
            sniff_tail_bytes: 64 * 1024 + 22,
            max_findings_per_artifact: 1000,
            max_errors_per_artifact: 100,
            max_facts_per_artifact: 1000,
            max_inflated_bytes: 2 << 30,
            max_held_bytes: 256 << 20,
            light_held_bytes: 64 << 20,
            max_members: 100_000,
            max_seconds: 60,
        }
    }
}

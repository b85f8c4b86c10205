//! The file inventory: what the repo ships, guessed from names (the content
//! is not downloaded), with the Hub's scan results.

use crate::format::{expected_for_extension, extension, Format};
use crate::hub::{FileSecurity, HubSnapshot};
use serde::{Deserialize, Serialize};

/// One file of the repo at the audited commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FileEntry {
    /// Path in the repo.
    pub path: String,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// SHA-256 of the content, for LFS files (compare with a local download).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lfs_sha256: Option<String>,
    /// Format guessed from the name only.
    pub format: Format,
    /// Weight class guessed from the name.
    pub weights: WeightKind,
    /// The Hub's scan of this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_scan: Option<FileSecurity>,
    /// Level the repo scan gave this file (`unsafe`, `caution`, ...), if flagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged: Option<String>,
}

/// Whether a file holds weights, and whether loading them can run code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum WeightKind {
    /// Not a weights file.
    None,
    /// Safe by design: safetensors, GGUF, ONNX, Flax msgpack, TFLite, numpy arrays.
    Safe,
    /// Keras/HDF5: can embed Lambda layers.
    Keras,
    /// Pickle-based: loading can run arbitrary code.
    Pickle,
}

/// Guess a file's format and weight class from its name.
pub fn guess(path: &str) -> (Format, WeightKind) {
    let ext = extension(path);
    let format = match ext.as_str() {
        "md" | "txt" | "model" | "vocab" => Format::Text,
        "py" => Format::Python,
        _ => expected_for_extension(&ext)
            .and_then(|f| f.first().copied())
            .unwrap_or(Format::Unknown),
    };
    let weights = match format {
        Format::Safetensors
        | Format::Gguf
        | Format::Onnx
        | Format::FlaxMsgpack
        | Format::Tflite
        | Format::Npy => WeightKind::Safe,
        Format::Keras | Format::Hdf5 => WeightKind::Keras,
        f if f.can_execute_code() => WeightKind::Pickle,
        _ => WeightKind::None,
    };
    (format, weights)
}

/// The inventory, sorted by path.
pub fn inventory(snap: &HubSnapshot) -> Vec<FileEntry> {
    // Keyed by path so the inventory stays linear in the number of files.
    let mut flagged: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (path, level) in snap
        .info
        .security
        .iter()
        .flat_map(|s| s.files_with_issues.iter())
    {
        flagged.entry(path.as_str()).or_insert(level.as_str());
    }
    let mut out: Vec<FileEntry> = snap
        .files
        .iter()
        .map(|f| {
            let (format, weights) = guess(&f.path);
            FileEntry {
                path: f.path.clone(),
                size: f.size,
                lfs_sha256: f.lfs_sha256.clone(),
                format,
                weights,
                hub_scan: f.security.clone(),
                flagged: flagged.get(f.path.as_str()).map(|l| (*l).to_owned()),
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_from_names() {
        assert_eq!(
            guess("model.safetensors"),
            (Format::Safetensors, WeightKind::Safe)
        );
        assert_eq!(
            guess("pytorch_model.bin"),
            (Format::Pickle, WeightKind::Pickle)
        );
        assert_eq!(
            guess("original/consolidated.00.pth"),
            (Format::Pickle, WeightKind::Pickle)
        );
        assert_eq!(guess("tf_model.h5"), (Format::Hdf5, WeightKind::Keras));
        assert_eq!(guess("config.json"), (Format::Json, WeightKind::None));
        assert_eq!(
            guess("modeling_custom.py"),
            (Format::Python, WeightKind::None)
        );
        assert_eq!(guess("README.md"), (Format::Text, WeightKind::None));
        assert_eq!(guess("model-q4.gguf"), (Format::Gguf, WeightKind::Safe));
    }
}

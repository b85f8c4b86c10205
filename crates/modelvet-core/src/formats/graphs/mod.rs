//! Model graphs and definitions: ONNX, TensorFlow SavedModel, Keras, HDF5.
//!
//! Protobuf models (ONNX, SavedModel) are read with the bounds-checked wire
//! reader in [`crate::formats::protobuf`], straight from the byte source: weights are skipped,
//! never loaded. Keras configurations are JSON, found either in a `.keras`
//! archive, in the root attributes of an HDF5 file (which [`hdf5`] reads
//! without libhdf5, walking every group for external links and external
//! storage) or in a SavedModel's Keras metadata.

use crate::format::{Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError};
use serde::{Deserialize, Serialize};

pub mod bytecode;
pub mod hdf5;
pub mod keras;
pub mod onnx;
pub mod rules;
pub mod savedmodel;

/// Rules raised by this family.
pub const RULES: &[&Rule] = &[
    &onnx::ONNX_MALFORMED,
    &onnx::ONNX_EXTERNAL_DATA_PATH,
    &onnx::ONNX_CUSTOM_OP_DOMAIN,
    &onnx::ONNX_SUSPICIOUS_METADATA,
    &savedmodel::SAVEDMODEL_MALFORMED,
    &savedmodel::SAVEDMODEL_PYTHON_OP,
    &savedmodel::SAVEDMODEL_FILE_OP,
    &savedmodel::SAVEDMODEL_NETWORK_OP,
    &keras::KERAS_LAMBDA_BYTECODE,
    &keras::KERAS_LAMBDA_LAYER,
    &keras::KERAS_MODULE_IMPORT,
    &keras::KERAS_CUSTOM_OBJECT,
    &keras::KERAS_MALFORMED_CONFIG,
    &keras::KERAS_LOAD_TIME_RESOURCE,
    &hdf5::HDF5_MALFORMED,
    &hdf5::HDF5_EXTERNAL_LINK,
    &hdf5::HDF5_EXTERNAL_STORAGE,
];

/// Limits of this family's parsers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct GraphLimits {
    /// Deepest nesting of graphs in graphs (ONNX `If`/`Loop`/`Scan` bodies,
    /// graph attributes of functions). Default 32.
    pub max_graph_depth: u32,
    /// Most nodes read across every graph and function of one model. Default 5,000,000.
    pub max_nodes: u64,
    /// Most protobuf fields read in one model. Default 100,000,000.
    pub max_proto_fields: u64,
    /// Most bytes of one string field (name, op type, domain, path, metadata
    /// value) read for inspection; longer strings are inspected by their
    /// first bytes. Default 64 KiB.
    pub max_string_bytes: u32,
    /// Largest JSON document parsed (Keras `config.json`, H5 `model_config`,
    /// SavedModel `keras_metadata.pb` entries). Default 64 MiB.
    pub max_json_bytes: u64,
    /// Deepest nesting of a Keras configuration walked (the walk is
    /// iterative). Default 20,000, the JSON reader's depth limit: Python's
    /// `json` reads 9,998 levels in CPython 3.13.
    pub max_config_depth: u32,
    /// Most values in one Keras configuration (JSON document). Default 5,000,000.
    pub max_json_nodes: u64,
    /// Most object header messages read per HDF5 object. Default 4,096.
    pub max_hdf5_messages: u32,
    /// Most object header continuation blocks followed per HDF5 object. Default 256.
    pub max_hdf5_continuations: u32,
    /// Largest HDF5 structure read at once (attribute value, global or local
    /// heap, B-tree node, object header block), and most header-message bytes
    /// kept per object. Default 64 MiB.
    pub max_hdf5_attribute_bytes: u64,
    /// Most HDF5 objects (groups, datasets, B-tree nodes) walked. Default 1,000,000.
    pub max_hdf5_objects: u64,
    /// Most fractal heap blocks and version 2 B-tree nodes visited in one HDF5
    /// file (dense attribute and link storage). Default 1,000,000.
    pub max_hdf5_heap_blocks: u64,
    /// Most records read from version 2 B-trees (attributes and links in dense
    /// storage, huge heap objects) in one HDF5 file. Default 1,000,000.
    pub max_hdf5_heap_objects: u64,
    /// Largest single fractal heap object (an attribute or link message,
    /// managed or huge) read. Default 64 MiB.
    pub max_hdf5_heap_object_bytes: u64,
    /// Deepest nesting of fractal heap indirect blocks, and most levels of a
    /// version 2 B-tree. Default 16.
    pub max_hdf5_heap_depth: u32,
}

impl Default for GraphLimits {
    fn default() -> Self {
        GraphLimits {
            max_graph_depth: 32,
            max_nodes: 5_000_000,
            max_proto_fields: 100_000_000,
            max_string_bytes: 64 * 1024,
            max_json_bytes: 64 * 1024 * 1024,
            max_config_depth: 20_000,
            max_json_nodes: 5_000_000,
            max_hdf5_messages: 4096,
            max_hdf5_continuations: 256,
            max_hdf5_attribute_bytes: 64 * 1024 * 1024,
            max_hdf5_objects: 1_000_000,
            max_hdf5_heap_blocks: 1_000_000,
            max_hdf5_heap_objects: 1_000_000,
            max_hdf5_heap_object_bytes: 64 * 1024 * 1024,
            max_hdf5_heap_depth: 16,
        }
    }
}

/// Recognise this family's formats by content (HDF5 has a magic number and is
/// recognised by the driver; a `.keras` archive is a zip).
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    // HDF5 after a user block: the signature sits at 512, 1024, 2048, ...
    let mut at = 512usize;
    while at < s.head.len() {
        if s.head.get(at..at.saturating_add(8)) == Some(hdf5::SIGNATURE.as_slice()) {
            return Some(Format::Hdf5);
        }
        at = at.saturating_mul(2);
    }
    if let Some(f) = savedmodel::sniff(s) {
        return Some(f);
    }
    if onnx::sniff(s) {
        return Some(Format::Onnx);
    }
    None
}

/// Scan a file of one of this family's formats.
pub fn scan(
    format: Format,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    match format {
        Format::Onnx => onnx::scan(src, ctx)?,
        Format::TfSavedModel => savedmodel::scan(src, ctx)?,
        Format::Hdf5 => hdf5::scan(src, ctx)?,
        _ => {}
    }
    Ok(format)
}

#[cfg(test)]
mod test_util;

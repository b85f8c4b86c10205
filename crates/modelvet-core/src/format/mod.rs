//! File formats, recognised by content.
//!
//! [`sniff`] looks at magic bytes and structure in the first and last bytes of
//! a file; the file name is only a tie-breaker for formats without a magic
//! number (protobuf models, text files). Scanners may refine the format once
//! they have read more (a zip turns out to be a PyTorch checkpoint).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Every format modelvet recognises.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
#[strum(serialize_all = "kebab-case")]
pub enum Format {
    /// A raw pickle stream (any protocol), whatever the extension.
    Pickle,
    /// PyTorch zip checkpoint (`torch.save` since 1.6).
    PytorchZip,
    /// PyTorch legacy checkpoint (magic number + pickles).
    PytorchLegacy,
    /// PyTorch legacy tar checkpoint.
    PytorchTar,
    /// TorchScript archive (`torch.jit.save`).
    Torchscript,
    /// NumPy `.npy` array.
    Npy,
    /// NumPy `.npz` archive.
    Npz,
    /// joblib dump (possibly compressed).
    Joblib,
    /// safetensors.
    Safetensors,
    /// GGUF (llama.cpp).
    Gguf,
    /// ONNX `ModelProto`.
    Onnx,
    /// Keras 3 `.keras` archive.
    Keras,
    /// HDF5 file (Keras H5 models and weights).
    Hdf5,
    /// TensorFlow SavedModel `saved_model.pb`.
    TfSavedModel,
    /// TensorFlow Lite flatbuffer.
    Tflite,
    /// Flax / msgpack serialized parameters.
    FlaxMsgpack,
    /// Generic zip archive.
    Zip,
    /// Generic tar archive.
    Tar,
    /// gzip stream.
    Gzip,
    /// bzip2 stream.
    Bzip2,
    /// xz / lzma stream.
    Xz,
    /// LZ4 frame.
    Lz4,
    /// Zstandard frame.
    Zstd,
    /// Python source.
    Python,
    /// Shell script.
    Shell,
    /// ELF executable or shared object.
    Elf,
    /// Windows PE executable or DLL.
    Pe,
    /// Mach-O executable or library.
    MachO,
    /// Jupyter notebook.
    Notebook,
    /// Git LFS pointer file standing in for real content.
    LfsPointer,
    /// JSON document.
    Json,
    /// Other UTF-8 text (Markdown, YAML, vocabularies, licences).
    Text,
    /// Empty file.
    Empty,
    /// Not recognised: not vouched for.
    Unknown,
}

impl Format {
    /// The kebab-case name used in JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Formats whose loading can execute code by design (pickle and friends).
    pub fn can_execute_code(self) -> bool {
        matches!(
            self,
            Format::Pickle
                | Format::PytorchZip
                | Format::PytorchLegacy
                | Format::PytorchTar
                | Format::Torchscript
                | Format::Joblib
        )
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the sniffer sees of a file.
#[derive(Debug, Clone, Copy)]
pub struct Sniff<'a> {
    /// The first bytes (up to `ScanLimits::sniff_head_bytes`).
    pub head: &'a [u8],
    /// The last bytes (up to `ScanLimits::sniff_tail_bytes`).
    pub tail: &'a [u8],
    /// Total length.
    pub len: u64,
    /// Path or member name, used only as a tie-breaker.
    pub path: &'a str,
}

impl Sniff<'_> {
    /// Lowercase extension of the path, without the dot (`""` if none).
    pub fn extension(&self) -> String {
        extension(self.path)
    }

    /// Final path component.
    pub fn file_name(&self) -> &str {
        file_name(self.path)
    }
}

/// Final component of a `/`- or `\`-separated path.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Lowercase extension of a path, without the dot (`""` if none).
pub fn extension(path: &str) -> String {
    let name = file_name(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Detect the format of a file from its content.
pub fn sniff(s: &Sniff<'_>) -> Format {
    use crate::formats::{archive, graphs, numpy, pickle, repo, tensors};
    if s.len == 0 {
        return Format::Empty;
    }
    // Unambiguous magic numbers first.
    let magic: &[(&[u8], u64, Format)] = &[
        (b"GGUF", 0, Format::Gguf),
        (b"\x93NUMPY", 0, Format::Npy),
        (b"\x89HDF\r\n\x1a\n", 0, Format::Hdf5),
        (b"TFL3", 4, Format::Tflite),
        (b"\x7fELF", 0, Format::Elf),
        (b"\xfe\xed\xfa\xce", 0, Format::MachO),
        (b"\xfe\xed\xfa\xcf", 0, Format::MachO),
        (b"\xce\xfa\xed\xfe", 0, Format::MachO),
        (b"\xcf\xfa\xed\xfe", 0, Format::MachO),
        (b"\xca\xfe\xba\xbe", 0, Format::MachO),
        (b"\x1f\x8b", 0, Format::Gzip),
        (b"BZh", 0, Format::Bzip2),
        (b"\xfd7zXZ\x00", 0, Format::Xz),
        (b"\x04\x22\x4d\x18", 0, Format::Lz4),
        (b"\x28\xb5\x2f\xfd", 0, Format::Zstd),
        (b"ustar", 257, Format::Tar),
    ];
    for (bytes, at, format) in magic {
        let at = *at as usize;
        if s.head.get(at..at + bytes.len()) == Some(*bytes) {
            return *format;
        }
    }
    if s.head.starts_with(b"MZ") && repo::looks_like_pe(s.head) {
        return Format::Pe;
    }
    // Families with structural checks, most specific first. A file that
    // starts as safetensors stays safetensors even when a zip is appended (the
    // safetensors scanner reports and scans the appended polyglot data).
    if let Some(f) = tensors::sniff(s) {
        return f;
    }
    if let Some(f) = archive::sniff(s) {
        // `torch.load` and `np.load` take a file for a zip only when it starts
        // with a local header; `pickle.load` and `joblib.load` read byte 0. An
        // end record in the tail of a pickle does not make it a zip: the
        // pickle scanner also scans the zip view if one can be read.
        if f == Format::Zip && !s.head.starts_with(b"PK\x03\x04") && pickle::sniff(s).is_some() {
            return Format::Pickle;
        }
        return f;
    }
    if let Some(f) = numpy::sniff(s) {
        return f;
    }
    if let Some(f) = pickle::sniff(s) {
        return f;
    }
    if let Some(f) = graphs::sniff(s) {
        return f;
    }
    if let Some(f) = repo::sniff(s) {
        return f;
    }
    Format::Unknown
}

/// The formats a file with this extension is expected to hold, if the
/// extension makes a claim at all. A mismatch is a finding.
pub fn expected_for_extension(ext: &str) -> Option<&'static [Format]> {
    use Format::*;
    const PICKLE_LIKE: &[Format] = &[
        Pickle,
        PytorchZip,
        PytorchLegacy,
        PytorchTar,
        Torchscript,
        Joblib,
        Zip,
        Empty,
    ];
    let formats: &'static [Format] = match ext {
        "safetensors" => &[Safetensors],
        "gguf" => &[Gguf],
        "onnx" => &[Onnx],
        "npy" => &[Npy],
        "npz" => &[Npz, Zip],
        "keras" => &[Keras],
        "h5" | "hdf5" => &[Hdf5],
        "tflite" => &[Tflite],
        "msgpack" => &[FlaxMsgpack],
        "pkl" | "pickle" | "pt" | "pth" | "ckpt" | "bin" | "joblib" | "dill" => PICKLE_LIKE,
        "zip" => &[Zip, PytorchZip, Torchscript, Keras, Npz],
        "tar" => &[Tar, PytorchTar],
        "gz" => &[Gzip, Joblib], // joblib < 0.10 named its zlib `ZF` dumps `.gz`
        "tgz" => &[Gzip],
        "bz2" => &[Bzip2],
        "xz" | "lzma" => &[Xz],
        "json" => &[Json, Notebook, LfsPointer],
        "ipynb" => &[Notebook],
        "py" => &[Python, Text, Empty],
        "sh" => &[Shell, Text],
        "so" => &[Elf],
        "dll" | "exe" => &[Pe],
        "dylib" => &[MachO],
        _ => return None,
    };
    Some(formats)
}

#[cfg(test)]
mod tests;

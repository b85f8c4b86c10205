//! Archives and containers: zip (read the way PyTorch's loader reads it), tar, compression, PyTorch legacy/TorchScript and joblib.
//!
//! Every member of a container is recognised by its content and scanned with
//! [`ScanCtx::scan_nested`], to the nesting limit; pickles go to the pickle
//! scanner whatever they are called. Decompression is streaming and bounded
//! by [`ArchiveLimits`].

use crate::format::{Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError};
use serde::{Deserialize, Serialize};

pub mod compressed;
pub mod decompress;
pub mod rules;
pub mod tar;
pub mod torch;
pub mod zip;
pub mod zip_issue;
pub mod zip_scan;

/// Rules raised by this family.
pub const RULES: &[&Rule] = rules::ALL;

/// Limits of this family's parsers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct ArchiveLimits {
    /// Most entries read from one zip directory or tar. Default 100,000.
    pub max_entries: u64,
    /// Largest central directory read into memory. Default 64 MiB.
    pub max_directory_bytes: u64,
    /// Most bytes one member or compressed stream may inflate to. Default 512 MiB.
    pub max_member_bytes: u64,
    /// Most bytes inflated from one archive, all members together. Default 2 GiB.
    pub max_total_bytes: u64,
    /// Highest compression ratio (output / input) accepted while inflating
    /// (members under 1 MiB are exempt). Default 1,000.
    pub max_ratio: u64,
    /// Largest stored member whose CRC-32 is verified (larger stored members
    /// are tensor data, which loaders read without a CRC check). Default 64 MiB.
    pub crc_check_max_bytes: u64,
    /// Most memory an xz or lzma decoder may use for its dictionary; a
    /// stream that declares more is not decompressed (fail closed). Default
    /// 96 MiB (`xz -9` needs 65 MiB).
    pub max_decoder_memory_bytes: u64,
    /// Longest tar GNU long name (`L`) or pax extended header (`x`) read;
    /// `tarfile` reads any length, so a longer one stops the tar with an
    /// error instead of being cut. Default 1 MiB.
    pub max_tar_meta_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_entries: 100_000,
            max_directory_bytes: 64 << 20,
            max_member_bytes: 512 << 20,
            max_total_bytes: 2 << 30,
            max_ratio: 1000,
            crc_check_max_bytes: 64 << 20,
            max_decoder_memory_bytes: 96 << 20,
            max_tar_meta_bytes: 1 << 20,
        }
    }
}

/// Recognise this family's formats by content.
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    if s.head.starts_with(torch::LEGACY_MAGIC) {
        return Some(Format::PytorchLegacy);
    }
    if let Some(f) = compressed::sniff(s.head) {
        return Some(f);
    }
    let local_header = s.head.starts_with(b"PK\x03\x04");
    // An end-of-central-directory record anywhere in the tail also makes a zip:
    // loaders find the directory from the end, so prefixed data does not hide it.
    let eocd = memchr::memmem::find(s.tail, b"PK\x05\x06").is_some();
    (local_header || eocd).then_some(Format::Zip)
}

/// Scan a file of one of this family's formats.
pub fn scan(
    format: Format,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    match format {
        Format::Zip | Format::PytorchZip | Format::Torchscript => zip_scan::scan(src, ctx),
        Format::PytorchLegacy => torch::scan_legacy(src, ctx),
        Format::Tar | Format::PytorchTar => tar::scan(src, ctx),
        Format::Gzip | Format::Bzip2 | Format::Xz | Format::Lz4 | Format::Zstd | Format::Joblib => {
            compressed::scan(format, src, ctx)
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests;

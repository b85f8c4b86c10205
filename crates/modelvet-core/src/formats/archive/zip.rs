//! Zip archives, read the way PyTorch's loader (miniz) reads them: from the
//! central directory found at the end, tolerant of what it tolerates, with
//! every inconsistency reported.

use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError, VecSource};

/// One entry of the central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// Name in the central directory (what loaders use).
    pub name: String,
    /// Compression method (0 stored, 8 deflate, ...).
    pub method: u16,
    /// General-purpose flag bits.
    pub flags: u16,
    /// CRC-32 recorded in the central directory.
    pub crc32: u32,
    /// Compressed size.
    pub compressed_size: u64,
    /// Uncompressed size.
    pub size: u64,
    /// Offset of the local header.
    pub local_header_offset: u64,
    /// Offset of the member's data (after the local header).
    pub data_offset: u64,
}

/// A zip's central directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZipDirectory {
    /// Entries in directory order.
    pub entries: Vec<ZipEntry>,
}

impl ZipDirectory {
    /// The entry a loader would pick for `name` (the last of duplicates, as miniz does).
    pub fn find(&self, name: &str) -> Option<&ZipEntry> {
        self.entries.iter().rev().find(|e| e.name == name)
    }
}

/// Read the central directory. `Ok(None)` when `src` is not a readable zip
/// (reported as a finding on `ctx`).
pub fn read_directory(
    _src: &mut dyn ByteSource,
    _ctx: &mut ScanCtx<'_>,
) -> Result<Option<ZipDirectory>, ReadError> {
    Ok(None)
}

/// The uncompressed bytes of `entry`, within `limits.archive` (bounded
/// decompression). `Ok(None)` when the member cannot be extracted (reported on `ctx`).
pub fn read_member(
    _src: &mut dyn ByteSource,
    _entry: &ZipEntry,
    _ctx: &mut ScanCtx<'_>,
) -> Result<Option<VecSource>, ReadError> {
    Ok(None)
}

//! Every way a zip can differ from what its writers produce, modelled on
//! uv-extract's error enum: one structured variant per differential, each
//! mapped to the rule it raises.

use super::rules;
use crate::finding::Location;
use crate::rule::Rule;
use crate::scan::ScanCtx;

/// One inconsistency found while reading a zip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZipIssue {
    /// No end-of-central-directory record in the last 64 KiB.
    #[error("no end-of-central-directory record in the last 65,557 bytes")]
    NoEndRecord,
    /// The central directory does not fit before the end record.
    #[error("the central directory ({size} bytes at offset {offset}) does not fit before the end record at {end}")]
    DirectoryOutOfBounds {
        /// Recorded offset.
        offset: u64,
        /// Recorded size.
        size: u64,
        /// Where the end record is.
        end: u64,
    },
    /// The zip64 end record announced by its locator is missing.
    #[error("the zip64 end record announced at offset {offset} is missing")]
    MissingZip64Record {
        /// Recorded offset.
        offset: u64,
    },
    /// The end record's entry count differs from the directory's.
    #[error("the end record declares {declared} entries but the central directory holds {found}")]
    EntryCount {
        /// Declared count.
        declared: u64,
        /// Entries read.
        found: u64,
    },
    /// A central-directory record is cut short or has a bad signature.
    #[error("central-directory record {index} is malformed")]
    BadDirectoryRecord {
        /// Index of the record.
        index: u64,
    },
    /// The local header of a member is missing.
    #[error("member `{name}` has no local header at offset {offset}")]
    BadLocalHeader {
        /// Member name.
        name: String,
        /// Where the header should be.
        offset: u64,
    },
    /// Names differ between the local header and the central directory.
    #[error("member `{central}` is called `{local}` in its local header")]
    NameMismatch {
        /// Central-directory name.
        central: String,
        /// Local-header name.
        local: String,
    },
    /// Another field differs between the local header and the central directory.
    #[error("member `{name}`: {field} is {central} in the central directory but {local} in the local header")]
    HeaderMismatch {
        /// Member name.
        name: String,
        /// Which field.
        field: &'static str,
        /// Central-directory value.
        central: u64,
        /// Local-header value.
        local: u64,
    },
    /// A name appears more than once.
    #[error("member `{name}` appears {count} times")]
    DuplicateEntry {
        /// Member name.
        name: String,
        /// How many times.
        count: u64,
    },
    /// CRC-32 of the content differs from the recorded one.
    #[error("member `{name}`: CRC-32 of the content is {computed:#010x}, the directory records {expected:#010x}")]
    BadCrc32 {
        /// Member name.
        name: String,
        /// Computed CRC.
        computed: u32,
        /// Recorded CRC.
        expected: u32,
    },
    /// Encryption, patch or reserved flag bits.
    #[error("member `{name}` sets flag bits {flags:#06x} ({what})")]
    FlagBits {
        /// Member name.
        name: String,
        /// The suspicious bits.
        flags: u16,
        /// What they mean.
        what: &'static str,
    },
    /// Data before the first member.
    #[error("{len} bytes precede the first member{shifted}")]
    PrefixedData {
        /// Bytes before the archive.
        len: u64,
        /// Extra explanation when offsets are relative to the zip, not the file.
        shifted: &'static str,
    },
    /// Data after the end record.
    #[error("{len} bytes follow the end-of-central-directory record")]
    TrailingData {
        /// Bytes after the end record (and its comment).
        len: u64,
    },
    /// A name that escapes the extraction directory.
    #[error("member `{name}` would be extracted outside the target directory")]
    PathTraversal {
        /// Member name.
        name: String,
    },
    /// A declared compression ratio of a bomb.
    #[error("member `{name}` declares {size} bytes from {compressed} compressed (ratio over {max_ratio})")]
    Ratio {
        /// Member name.
        name: String,
        /// Declared uncompressed size.
        size: u64,
        /// Compressed size.
        compressed: u64,
        /// The ratio limit.
        max_ratio: u64,
    },
    /// The sum of declared sizes exceeds the total limit.
    #[error("members declare {total} bytes in all, over the limit of {max}")]
    TotalSize {
        /// Declared total.
        total: u64,
        /// The limit.
        max: u64,
    },
    /// Two members' data overlap.
    #[error("member `{name}` overlaps member `{other}`")]
    Overlap {
        /// Member name.
        name: String,
        /// The member it overlaps.
        other: String,
    },
    /// A compression method miniz cannot read.
    #[error("member `{name}` uses compression method {method}")]
    UnsupportedMethod {
        /// Member name.
        name: String,
        /// Method number.
        method: u16,
    },
}

impl ZipIssue {
    /// The rule this issue raises.
    pub fn rule(&self) -> &'static Rule {
        use ZipIssue::*;
        match self {
            NoEndRecord
            | DirectoryOutOfBounds { .. }
            | MissingZip64Record { .. }
            | EntryCount { .. }
            | BadDirectoryRecord { .. }
            | BadLocalHeader { .. } => &rules::ZIP_MALFORMED,
            NameMismatch { .. } => &rules::ZIP_NAME_MISMATCH,
            HeaderMismatch { .. } => &rules::ZIP_HEADER_MISMATCH,
            DuplicateEntry { .. } => &rules::ZIP_DUPLICATE_ENTRY,
            BadCrc32 { .. } => &rules::ZIP_CRC_MISMATCH,
            FlagBits { .. } => &rules::ZIP_FLAG_BITS,
            PrefixedData { .. } => &rules::ZIP_PREFIXED_DATA,
            TrailingData { .. } => &rules::ZIP_TRAILING_DATA,
            PathTraversal { .. } => &rules::ZIP_PATH_TRAVERSAL,
            Ratio { .. } | TotalSize { .. } => &rules::ZIP_BOMB,
            Overlap { .. } => &rules::ZIP_OVERLAPPING_ENTRIES,
            UnsupportedMethod { .. } => &rules::ZIP_UNSUPPORTED_METHOD,
        }
    }

    /// Where the issue points.
    pub fn location(&self) -> Location {
        use ZipIssue::*;
        let member = |name: &str| Location::File.in_member(name);
        match self {
            BadLocalHeader { name, .. }
            | HeaderMismatch { name, .. }
            | DuplicateEntry { name, .. }
            | BadCrc32 { name, .. }
            | FlagBits { name, .. }
            | PathTraversal { name }
            | Ratio { name, .. }
            | Overlap { name, .. }
            | UnsupportedMethod { name, .. } => member(name),
            NameMismatch { central, .. } => member(central),
            PrefixedData { len, .. } => Location::ByteRange {
                start: 0,
                end: *len,
            },
            _ => Location::File,
        }
    }

    fn help(&self) -> &'static str {
        use ZipIssue::*;
        match self {
            PrefixedData { .. } => {
                "`torch.load` reads a file that does not start with `PK\\x03\\x04` as a legacy pickle: the prefixed bytes are what it would run"
            }
            BadCrc32 { .. } => {
                "PyTorch does not check CRCs on load; scanners built on Python's zipfile fail on this member"
            }
            DuplicateEntry { .. } => "loaders disagree on which duplicate they read; every copy was scanned",
            NameMismatch { .. } => "loaders use the central-directory name; do not trust this archive",
            _ => "re-create the archive with the tool that normally writes it",
        }
    }

    /// Raise this issue as a finding on `ctx`.
    pub fn report(self, ctx: &mut ScanCtx<'_>) {
        let f = ctx
            .finding(self.rule(), self.location(), self.to_string())
            .with_help(self.help());
        ctx.push(f);
    }
}

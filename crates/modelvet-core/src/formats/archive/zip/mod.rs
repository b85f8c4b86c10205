//! Zip archives, read the way PyTorch's loader (miniz) reads them: from the
//! central directory found at the end, tolerant of what it tolerates, with
//! every inconsistency reported.
//!
//! What miniz (as built into PyTorch's `PyTorchStreamReader`) does, and what
//! this reader therefore does too:
//! - finds the end record by searching backward through the last 64 KiB + 22
//!   bytes and takes the last signature it meets;
//! - reads member names, sizes and offsets from the central directory only
//!   (the local header is used just to skip to the data);
//! - reads stored and deflate members, without checking CRC-32 (PyTorch
//!   builds miniz with `MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS`);
//! - follows zip64 records.
//!
//! Where Python's `zipfile` differs (it accepts central-directory offsets that
//! are relative to a zip appended to other data), the reader takes the more
//! permissive reading and reports the difference.

use super::decompress::{self, Cap, Codec, Stop};
use super::zip_issue::ZipIssue;
use crate::scan::ScanCtx;
use crate::source::{read_window, ByteSource, ReadError, VecSource, Window};
use std::collections::BTreeMap;

const EOCD_SIG: &[u8; 4] = b"PK\x05\x06";
const EOCD_LEN: u64 = 22;
const ZIP64_LOCATOR_SIG: &[u8; 4] = b"PK\x06\x07";
const ZIP64_EOCD_SIG: &[u8; 4] = b"PK\x06\x06";
const CDIR_SIG: &[u8; 4] = b"PK\x01\x02";
const LOCAL_SIG: &[u8; 4] = b"PK\x03\x04";
const MAX_COMMENT: u64 = 0xffff;

/// Flag bits writers set routinely: 1–2 (deflate options), 3 (data
/// descriptor), 11 (UTF-8 names).
const BENIGN_FLAGS: u16 = 0x0002 | 0x0004 | 0x0008 | 0x0800;

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
    /// Offset of the local header (in the file, after any shift is applied).
    pub local_header_offset: u64,
    /// Offset of the member's data (after the local header).
    pub data_offset: u64,
    /// Whether a local header was found where the directory says.
    pub local_header_ok: bool,
    /// Name in the local header, when it was readable.
    pub local_name: Option<String>,
}

impl ZipEntry {
    /// Whether the entry is a directory (name ends with `/`).
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// A zip's central directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZipDirectory {
    /// Entries in directory order.
    pub entries: Vec<ZipEntry>,
    /// Bytes before the first member (0 for a normal zip).
    pub prefix_len: u64,
    /// Where the archive's end (end record plus comment) lies.
    pub end: u64,
    /// Whether zip64 records were used.
    pub zip64: bool,
}

impl ZipDirectory {
    /// The entry a loader would pick for `name` (the last of duplicates, as Python's zipfile does).
    pub fn find(&self, name: &str) -> Option<&ZipEntry> {
        self.entries.iter().rev().find(|e| e.name == name)
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// The end-of-central-directory facts.
struct End {
    entries: u64,
    cd_size: u64,
    cd_offset: u64,
    /// Where the central directory must end (the end record, or the zip64 one).
    cd_end: u64,
    /// End of the end record plus comment.
    end: u64,
    zip64: bool,
}

fn find_end(
    src: &mut dyn ByteSource,
    issues: &mut Vec<ZipIssue>,
) -> Result<Option<End>, ReadError> {
    let len = src.len();
    let tail_len = len.min(MAX_COMMENT + EOCD_LEN);
    let tail_start = len - tail_len;
    let tail = read_window(src, tail_start, tail_len)?;
    let Some(pos) = tail
        .windows(4)
        .enumerate()
        .rev()
        .filter(|(i, w)| *w == EOCD_SIG && i.saturating_add(22) <= tail.len())
        .map(|(i, _)| i)
        .next()
    else {
        issues.push(ZipIssue::NoEndRecord);
        return Ok(None);
    };
    let rec = tail.get(pos..).unwrap_or_default();
    let eocd = tail_start.saturating_add(pos as u64);
    let mut entries = u64::from(le16(rec, 10).unwrap_or(0));
    let mut cd_size = u64::from(le32(rec, 12).unwrap_or(0));
    let mut cd_offset = u64::from(le32(rec, 16).unwrap_or(0));
    let comment = u64::from(le16(rec, 20).unwrap_or(0));
    let end = eocd
        .saturating_add(EOCD_LEN)
        .saturating_add(comment)
        .min(len);
    if end < len {
        issues.push(ZipIssue::TrailingData { len: len - end });
    }
    let mut cd_end = eocd;
    let mut zip64 = false;
    let locator = if eocd >= 20 {
        read_window(src, eocd - 20, 20)?
    } else {
        Vec::new()
    };
    if locator.starts_with(ZIP64_LOCATOR_SIG) {
        zip64 = true;
        let recorded = le64(&locator, 8).unwrap_or(0);
        // The zip64 end record sits right before its locator; prefer that place
        // (as Python's zipfile does) and fall back to the recorded offset.
        let expected = eocd.saturating_sub(20).saturating_sub(56);
        let mut at = None;
        for candidate in [expected, recorded] {
            let r = read_window(src, candidate, 56)?;
            if r.starts_with(ZIP64_EOCD_SIG) && r.len() == 56 {
                at = Some((candidate, r));
                break;
            }
        }
        let Some((z_at, r)) = at else {
            issues.push(ZipIssue::MissingZip64Record { offset: recorded });
            return Ok(None);
        };
        entries = le64(&r, 32).unwrap_or(0);
        cd_size = le64(&r, 40).unwrap_or(0);
        cd_offset = le64(&r, 48).unwrap_or(0);
        cd_end = z_at;
    }
    Ok(Some(End {
        entries,
        cd_size,
        cd_offset,
        cd_end,
        end,
        zip64,
    }))
}

/// Read the central directory. `Ok(None)` when `src` is not a readable zip
/// (reported as a finding on `ctx`). Every inconsistency is raised on `ctx`
/// as its own finding; callers that read the directory a second time should
/// use [`parse_directory`] instead.
pub fn read_directory(
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Option<ZipDirectory>, ReadError> {
    let mut issues = Vec::new();
    let dir = parse_directory(src, ctx, &mut issues)?;
    for issue in issues {
        issue.report(ctx);
    }
    Ok(dir)
}

/// Read the central directory, collecting inconsistencies into `issues`
/// instead of raising them. Limit hits are still reported on `ctx`.
pub fn parse_directory(
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
    issues: &mut Vec<ZipIssue>,
) -> Result<Option<ZipDirectory>, ReadError> {
    let limits = ctx.limits().archive.clone();
    let Some(end) = find_end(src, issues)? else {
        return Ok(None);
    };
    let Some(shift) = end
        .cd_end
        .checked_sub(end.cd_offset)
        .and_then(|s| s.checked_sub(end.cd_size))
    else {
        issues.push(ZipIssue::DirectoryOutOfBounds {
            offset: end.cd_offset,
            size: end.cd_size,
            end: end.cd_end,
        });
        return Ok(None);
    };
    if end.cd_size > limits.max_directory_bytes {
        ctx.limit_hit(
            crate::LimitId::ArchiveMaxDirectoryBytes,
            limits.max_directory_bytes,
            &format!("at a central directory of {} bytes", end.cd_size),
        );
        return Ok(None);
    }
    let cd_start = end.cd_offset.saturating_add(shift);
    let cd = read_window(src, cd_start, end.cd_size)?;
    let mut entries = Vec::new();
    let mut at = 0usize;
    let mut index = 0u64;
    while at < cd.len() {
        if entries.len() as u64 >= limits.max_entries {
            ctx.limit_hit(
                crate::LimitId::ArchiveMaxEntries,
                limits.max_entries,
                "in the central directory",
            );
            break;
        }
        let Some(entry) = parse_record(&cd, &mut at, shift) else {
            issues.push(ZipIssue::BadDirectoryRecord { index });
            break;
        };
        entries.push(entry);
        index = index.saturating_add(1);
    }
    if index != end.entries && (entries.len() as u64) < limits.max_entries {
        issues.push(ZipIssue::EntryCount {
            declared: end.entries,
            found: index,
        });
    }
    for entry in &mut entries {
        read_local_header(src, entry, issues)?;
    }
    let first = entries
        .iter()
        .map(|e| e.local_header_offset)
        .min()
        .unwrap_or(cd_start);
    if first > 0 {
        issues.push(ZipIssue::PrefixedData {
            len: first,
            shifted: if shift > 0 {
                " (directory offsets are relative to the zip, not the file: Python's zipfile accepts this, miniz does not)"
            } else {
                ""
            },
        });
    }
    check_entries(&entries, &limits, issues);
    Ok(Some(ZipDirectory {
        entries,
        prefix_len: first,
        end: end.end,
        zip64: end.zip64,
    }))
}

fn parse_record(cd: &[u8], at: &mut usize, shift: u64) -> Option<ZipEntry> {
    let rec = cd.get(*at..)?;
    if !rec.starts_with(CDIR_SIG) {
        return None;
    }
    let flags = le16(rec, 8)?;
    let method = le16(rec, 10)?;
    let crc32 = le32(rec, 16)?;
    let mut compressed_size = u64::from(le32(rec, 20)?);
    let mut size = u64::from(le32(rec, 24)?);
    let name_len = usize::from(le16(rec, 28)?);
    let extra_len = usize::from(le16(rec, 30)?);
    let comment_len = usize::from(le16(rec, 32)?);
    let mut local = u64::from(le32(rec, 42)?);
    let name_end = 46usize.checked_add(name_len)?;
    let name = String::from_utf8_lossy(rec.get(46..name_end)?).into_owned();
    let extra = rec.get(name_end..name_end.checked_add(extra_len)?)?;
    // Zip64 extended information: only the fields saturated in the record, in order.
    let mut e = 0usize;
    while let (Some(id), Some(n)) = (le16(extra, e), le16(extra, e.saturating_add(2))) {
        let body =
            extra.get(e.saturating_add(4)..e.saturating_add(4).saturating_add(usize::from(n)));
        if id == 1 {
            let body = body.unwrap_or_default();
            let mut f = 0usize;
            for field in [&mut size, &mut compressed_size, &mut local] {
                if *field == 0xffff_ffff {
                    if let Some(v) = le64(body, f) {
                        *field = v;
                        f = f.saturating_add(8);
                    }
                }
            }
        }
        e = e.saturating_add(4).saturating_add(usize::from(n));
    }
    *at = name_end
        .checked_add(extra_len)?
        .checked_add(comment_len)?
        .checked_add(*at)?;
    let local_header_offset = local.checked_add(shift)?;
    Some(ZipEntry {
        name,
        method,
        flags,
        crc32,
        compressed_size,
        size,
        local_header_offset,
        data_offset: 0,
        local_header_ok: false,
        local_name: None,
    })
}

fn read_local_header(
    src: &mut dyn ByteSource,
    entry: &mut ZipEntry,
    issues: &mut Vec<ZipIssue>,
) -> Result<(), ReadError> {
    let h = read_window(src, entry.local_header_offset, 30)?;
    if !h.starts_with(LOCAL_SIG) || h.len() < 30 {
        issues.push(ZipIssue::BadLocalHeader {
            name: entry.name.clone(),
            offset: entry.local_header_offset,
        });
        return Ok(());
    }
    let flags = le16(&h, 6).unwrap_or(0);
    let method = le16(&h, 8).unwrap_or(0);
    let crc = le32(&h, 14).unwrap_or(0);
    let csize = le32(&h, 18).unwrap_or(0);
    let usize_ = le32(&h, 22).unwrap_or(0);
    let name_len = u64::from(le16(&h, 26).unwrap_or(0));
    let extra_len = u64::from(le16(&h, 28).unwrap_or(0));
    let name_at = entry.local_header_offset.saturating_add(30);
    let local_name = String::from_utf8_lossy(&read_window(src, name_at, name_len)?).into_owned();
    entry.data_offset = name_at.saturating_add(name_len).saturating_add(extra_len);
    entry.local_header_ok = true;
    if local_name != entry.name {
        issues.push(ZipIssue::NameMismatch {
            central: entry.name.clone(),
            local: local_name.clone(),
        });
    }
    entry.local_name = Some(local_name);
    let mut differ = |field: &'static str, central: u64, local: u64| {
        if central != local {
            issues.push(ZipIssue::HeaderMismatch {
                name: entry.name.clone(),
                field,
                central,
                local,
            });
        }
    };
    differ("the compression method", entry.method.into(), method.into());
    differ(
        "the flag word",
        (entry.flags & !0x0008).into(),
        (flags & !0x0008).into(),
    );
    // With a data descriptor (bit 3) the local header may leave these zero.
    if flags & 0x0008 == 0 {
        differ("the CRC-32", entry.crc32.into(), crc.into());
        if csize != 0xffff_ffff {
            differ("the compressed size", entry.compressed_size, csize.into());
        }
        if usize_ != 0xffff_ffff {
            differ("the uncompressed size", entry.size, usize_.into());
        }
    }
    let odd = flags & !BENIGN_FLAGS;
    if odd != 0 && odd != entry.flags & !BENIGN_FLAGS {
        issues.push(flag_issue(&entry.name, odd));
    }
    Ok(())
}

fn flag_issue(name: &str, odd: u16) -> ZipIssue {
    let what = if odd & 0x0001 != 0 {
        "encrypted"
    } else if odd & 0x0040 != 0 {
        "strong encryption"
    } else if odd & 0x0020 != 0 {
        "compressed patch data"
    } else if odd & 0x2000 != 0 {
        "masked local header"
    } else {
        "reserved bits"
    };
    ZipIssue::FlagBits {
        name: name.to_owned(),
        flags: odd,
        what,
    }
}

/// Whether a member name would land outside the extraction directory.
pub fn escapes_root(name: &str) -> bool {
    let bytes = name.as_bytes();
    let drive = bytes.get(1) == Some(&b':') && bytes.first().is_some_and(u8::is_ascii_alphabetic);
    name.starts_with('/')
        || name.starts_with('\\')
        || drive
        || name.contains('\0')
        || name.split(['/', '\\']).any(|c| c == "..")
}

fn check_entries(entries: &[ZipEntry], limits: &super::ArchiveLimits, issues: &mut Vec<ZipIssue>) {
    let mut names: BTreeMap<&str, u64> = BTreeMap::new();
    let mut total = 0u64;
    for e in entries {
        *names.entry(e.name.as_str()).or_insert(0) += 1;
        total = total.saturating_add(e.size);
        let odd = e.flags & !BENIGN_FLAGS;
        if odd != 0 {
            issues.push(flag_issue(&e.name, odd));
        }
        if escapes_root(&e.name) {
            issues.push(ZipIssue::PathTraversal {
                name: e.name.clone(),
            });
        }
        if !matches!(e.method, 0 | 8) {
            issues.push(ZipIssue::UnsupportedMethod {
                name: e.name.clone(),
                method: e.method,
            });
        }
        let ratio_hit = e.size > 1 << 20 && e.size / e.compressed_size.max(1) > limits.max_ratio;
        if ratio_hit {
            issues.push(ZipIssue::Ratio {
                name: e.name.clone(),
                size: e.size,
                compressed: e.compressed_size,
                max_ratio: limits.max_ratio,
            });
        }
    }
    for (name, count) in names {
        if count > 1 {
            issues.push(ZipIssue::DuplicateEntry {
                name: name.to_owned(),
                count,
            });
        }
    }
    if total > limits.max_total_bytes {
        issues.push(ZipIssue::TotalSize {
            total,
            max: limits.max_total_bytes,
        });
    }
    // Overlaps: sort by local header, compare each with the furthest end so far.
    let mut spans: Vec<(u64, u64, &str)> = entries
        .iter()
        .filter(|e| e.local_header_ok)
        .map(|e| {
            let end = e.data_offset.saturating_add(e.compressed_size);
            (e.local_header_offset, end, e.name.as_str())
        })
        .collect();
    spans.sort_unstable();
    let mut furthest: Option<(u64, &str)> = None;
    for (start, end, name) in spans {
        if let Some((f_end, f_name)) = furthest {
            if start < f_end {
                issues.push(ZipIssue::Overlap {
                    name: name.to_owned(),
                    other: f_name.to_owned(),
                });
            }
        }
        if furthest.is_none_or(|(f_end, _)| end > f_end) {
            furthest = Some((end, name));
        }
    }
}

/// How a member's bytes are reached.
pub enum MemberData {
    /// Stored: a window of the archive.
    Stored {
        /// Offset of the data.
        offset: u64,
        /// Length of the data.
        len: u64,
    },
    /// Decompressed into memory.
    Inflated(VecSource),
}

/// The uncompressed bytes of `entry`, within `limits.archive` (bounded
/// decompression). `Ok(None)` when the member cannot be extracted (reported on `ctx`).
pub fn read_member(
    src: &mut dyn ByteSource,
    entry: &ZipEntry,
    ctx: &mut ScanCtx<'_>,
) -> Result<Option<VecSource>, ReadError> {
    let mut budget = ctx.limits().archive.max_total_bytes;
    match member_data(src, entry, ctx, &mut budget, true)? {
        Some(MemberData::Inflated(v)) => Ok(Some(v)),
        Some(MemberData::Stored { offset, len }) => {
            Ok(Some(VecSource::new(read_window(src, offset, len)?)))
        }
        None => Ok(None),
    }
}

/// Locate or decompress `entry`'s data, checking its CRC-32 when the content
/// is read anyway (and for stored members up to `archive.crc_check_max_bytes`).
/// `budget` is what is left of `archive.max_total_bytes` for this archive.
/// Stored members are not copied unless `materialize` is set.
pub fn member_data(
    src: &mut dyn ByteSource,
    entry: &ZipEntry,
    ctx: &mut ScanCtx<'_>,
    budget: &mut u64,
    materialize: bool,
) -> Result<Option<MemberData>, ReadError> {
    let limits = ctx.limits().archive.clone();
    if !entry.local_header_ok {
        return Ok(None);
    }
    let codec = match entry.method {
        0 => None,
        8 => Some(Codec::Deflate),
        12 => Some(Codec::Bzip2),
        _ => {
            ctx.error(format!(
                "member `{}` uses compression method {} and was not scanned",
                entry.name, entry.method
            ));
            return Ok(None);
        }
    };
    let Some(codec) = codec else {
        let len = entry
            .compressed_size
            .min(src.len().saturating_sub(entry.data_offset));
        if materialize && len > limits.max_member_bytes {
            ctx.limit_hit(
                crate::LimitId::ArchiveMaxMemberBytes,
                limits.max_member_bytes,
                &format!("at member `{}`", entry.name),
            );
            return Ok(None);
        }
        if len <= limits.crc_check_max_bytes {
            let computed = crc_of(src, entry.data_offset, len)?;
            check_crc(entry, computed, ctx);
        }
        return Ok(Some(MemberData::Stored {
            offset: entry.data_offset,
            len,
        }));
    };
    let bounds = ctx.inflate_bounds(member_cap(&limits, entry.compressed_size, *budget));
    let mut window = Window::new(src, entry.data_offset, entry.compressed_size);
    let d = decompress::decode_within(codec, &mut window, bounds);
    *budget = budget.saturating_sub(d.bytes.len() as u64);
    let what = format!("while inflating member `{}`", entry.name);
    ctx.inflated(d.bytes.len() as u64, d.stop.as_ref(), &what);
    match d.stop {
        None => check_crc(entry, crc32fast::hash(&d.bytes), ctx),
        Some(Stop::Cap(_) | Stop::DecoderMemory { .. } | Stop::Expired) => {}
        Some(Stop::Corrupt(why)) => {
            let f = ctx.finding(
                &super::rules::ARCHIVE_CORRUPT_STREAM,
                crate::finding::Location::File.in_member(&entry.name),
                format!("member `{}` does not inflate: {why}", entry.name),
            );
            ctx.push(f);
        }
        Some(Stop::Read(e)) => return Err(e),
    }
    Ok(Some(MemberData::Inflated(VecSource::new(d.bytes))))
}

/// The output cap of one member: the tightest of the member, ratio and total limits.
pub fn member_cap(limits: &super::ArchiveLimits, compressed: u64, budget: u64) -> Cap {
    let ratio = compressed.saturating_mul(limits.max_ratio).max(1 << 20);
    let mut cap = Cap {
        bytes: limits.max_member_bytes,
        limit: Some(crate::LimitId::ArchiveMaxMemberBytes),
        value: limits.max_member_bytes,
    };
    if ratio < cap.bytes {
        cap = Cap {
            bytes: ratio,
            limit: Some(crate::LimitId::ArchiveMaxRatio),
            value: limits.max_ratio,
        };
    }
    if budget < cap.bytes {
        cap = Cap {
            bytes: budget,
            limit: Some(crate::LimitId::ArchiveMaxTotalBytes),
            value: limits.max_total_bytes,
        };
    }
    cap
}

fn crc_of(src: &mut dyn ByteSource, offset: u64, len: u64) -> Result<u32, ReadError> {
    if let Some(bytes) = crate::source::borrow_window(src, offset, len) {
        return Ok(crc32fast::hash(bytes));
    }
    let mut hasher = crc32fast::Hasher::new();
    let cap = usize::try_from(len).map_or(256 * 1024, |l| l.min(256 * 1024));
    let mut buf = vec![0u8; cap];
    let mut done = 0u64;
    while done < len {
        let want = usize::try_from(len - done).map_or(buf.len(), |r| r.min(buf.len()));
        let chunk = buf.get_mut(..want).unwrap_or_default();
        let n = src.read_at(offset.saturating_add(done), chunk)?;
        if n == 0 {
            break;
        }
        hasher.update(chunk.get(..n).unwrap_or_default());
        done = done.saturating_add(n as u64);
    }
    Ok(hasher.finalize())
}

fn check_crc(entry: &ZipEntry, computed: u32, ctx: &mut ScanCtx<'_>) {
    if computed != entry.crc32 {
        ZipIssue::BadCrc32 {
            name: entry.name.clone(),
            computed,
            expected: entry.crc32,
        }
        .report(ctx);
    }
}

#[cfg(test)]
mod tests;

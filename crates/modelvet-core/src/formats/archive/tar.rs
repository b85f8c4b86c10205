//! Tar archives (ustar, GNU long names, pax `path`), including PyTorch's
//! legacy tar checkpoints (`sys_info`, `pickle`, `tensors`, `storages`).

use super::rules;
use crate::finding::Location;
use crate::format::Format;
use crate::scan::ScanCtx;
use crate::source::{read_window, ByteSource, ReadError, Window};

const BLOCK: u64 = 512;

/// One regular file of a tar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    /// Member name.
    pub name: String,
    /// Offset of the data.
    pub offset: u64,
    /// Length of the data.
    pub size: u64,
}

fn field_str(h: &[u8], from: usize, to: usize) -> String {
    let f = h.get(from..to).unwrap_or_default();
    let end = f.iter().position(|&b| b == 0).unwrap_or(f.len());
    String::from_utf8_lossy(f.get(..end).unwrap_or_default()).into_owned()
}

fn octal(h: &[u8], from: usize, to: usize) -> Option<u64> {
    let f = h.get(from..to)?;
    if f.first().is_some_and(|b| b & 0x80 != 0) {
        // GNU base-256.
        return f.iter().skip(1).try_fold(0u64, |acc, &b| {
            acc.checked_mul(256)?.checked_add(u64::from(b))
        });
    }
    let s = String::from_utf8_lossy(f);
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

/// Read the list of regular files. `None` when the first header is not a tar header.
pub fn read_entries(
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Option<Vec<TarEntry>>, ReadError> {
    let max = ctx.limits().archive.max_entries;
    let max_meta = ctx.limits().archive.max_tar_meta_bytes;
    let mut entries = Vec::new();
    let mut at = 0u64;
    let mut long_name: Option<String> = None;
    while at.saturating_add(BLOCK) <= src.len() {
        let h = read_window(src, at, BLOCK)?;
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let stored_sum = octal(&h, 148, 156);
        let sum: u64 = h
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(b)
                }
            })
            .sum();
        let Some(size) = octal(&h, 124, 136).filter(|_| stored_sum == Some(sum)) else {
            let f = ctx.finding(
                &rules::ARCHIVE_CORRUPT_STREAM,
                Location::ByteRange {
                    start: at,
                    end: at.saturating_add(BLOCK),
                },
                format!("tar header at offset {at} is corrupt; the rest was not read"),
            );
            ctx.push(f);
            return Ok(if entries.is_empty() && at == 0 {
                None
            } else {
                Some(entries)
            });
        };
        let kind = h.get(156).copied().unwrap_or(0);
        let data = at.saturating_add(BLOCK);
        let mut name = field_str(&h, 0, 100);
        if h.get(257..262) == Some(b"ustar") && h.get(263..265) == Some(b"00") {
            let prefix = field_str(&h, 345, 500);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        match kind {
            b'L' | b'x' => {
                if size > max_meta {
                    // Cutting it would name the next member otherwise than
                    // `tarfile` does (a `path=` record past the cut).
                    ctx.limit_hit(
                        crate::LimitId::ArchiveMaxTarMetaBytes,
                        max_meta,
                        &format!("a {size}-byte tar long name or pax header at offset {at}"),
                    );
                    break;
                }
                let meta = read_window(src, data, size)?;
                let text = String::from_utf8_lossy(&meta);
                long_name = if kind == b'L' {
                    Some(text.trim_end_matches('\0').to_owned())
                } else {
                    text.lines()
                        .find_map(|l| l.split_once(" path=").map(|(_, p)| p.to_owned()))
                };
            }
            b'0' | 0 | b'7' => {
                if entries.len() as u64 >= max {
                    ctx.limit_hit(crate::LimitId::ArchiveMaxEntries, max, "in a tar archive");
                    break;
                }
                entries.push(TarEntry {
                    name: long_name.take().unwrap_or(name),
                    offset: data,
                    size,
                });
            }
            _ => long_name = None,
        }
        let padded = size.div_ceil(BLOCK).saturating_mul(BLOCK);
        at = data.saturating_add(padded);
    }
    Ok(Some(entries))
}

/// Scan a tar and every regular file in it.
pub fn scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<Format, ReadError> {
    let Some(entries) = read_entries(src, ctx)? else {
        return Ok(Format::Tar);
    };
    let base = |n: &str| n.trim_start_matches("./").to_owned();
    let names: Vec<String> = entries.iter().map(|e| base(&e.name)).collect();
    let torch = names.iter().any(|n| n == "pickle")
        && names.iter().any(|n| n == "storages" || n == "sys_info");
    for e in &entries {
        if ctx.budget_spent() {
            break;
        }
        if super::zip::escapes_root(&e.name) {
            let f = ctx.finding(
                &rules::ZIP_PATH_TRAVERSAL,
                Location::File.in_member(&e.name),
                format!(
                    "tar member `{}` would be extracted outside the target directory",
                    e.name
                ),
            );
            ctx.push(f);
        }
        let mut w = Window::new(src, e.offset, e.size);
        let member = base(&e.name);
        if torch && (member == "storages" || member == "tensors") {
            ctx.in_member(&e.name, |ctx| {
                super::torch::walk_legacy_tar_member(&member, &mut w, ctx)
            })
            .transpose()?;
        } else {
            ctx.scan_nested(&e.name, &mut w);
        }
    }
    Ok(if torch {
        Format::PytorchTar
    } else {
        Format::Tar
    })
}

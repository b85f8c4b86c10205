//! PyTorch containers: the legacy (pre-1.6) stream of pickles, and the record
//! layout of zip checkpoints and TorchScript archives.

use super::rules;
use super::zip::ZipDirectory;
use crate::finding::Location;
use crate::format::Format;
use crate::formats::pickle::{scan_stream, StreamOptions};
use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError};

/// Start of a legacy checkpoint: protocol 2, then the magic number
/// `0x1950a86a20f9469cfc6c` as a LONG1 and STOP.
pub const LEGACY_MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";

/// Pickles at the start of a legacy checkpoint: magic number, protocol
/// version, sys_info, the object, the storage keys. Raw storage bytes follow.
pub const LEGACY_PICKLES: u32 = 5;

/// Scan a legacy checkpoint: every one of its pickles; the raw storage data
/// after them is expected.
pub fn scan_legacy(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<Format, ReadError> {
    let summary = scan_stream(
        src,
        ctx,
        &StreamOptions {
            max_pickles: Some(LEGACY_PICKLES),
            trailing_data_expected: true,
            torchscript: false,
        },
    )?;
    ctx.fact(
        "pytorch_legacy",
        serde_json::json!({ "pickles": summary.pickles, "storage_bytes": src.len().saturating_sub(summary.end) }),
    );
    Ok(Format::PytorchLegacy)
}

/// Check the records of a zip checkpoint against what `torch.save` and
/// `torch.jit.save` write under the record prefix.
pub fn check_zip_records(dir: &ZipDirectory, prefix: &str, format: Format, ctx: &mut ScanCtx<'_>) {
    let under = format!("{prefix}/");
    let outside: Vec<&str> = dir
        .entries
        .iter()
        .filter(|e| !e.name.starts_with(&under))
        .map(|e| e.name.as_str())
        .collect();
    let has = |n: &str| dir.find(&format!("{prefix}/{n}")).is_some();
    let mut problems = Vec::new();
    if !outside.is_empty() {
        let list = outside
            .iter()
            .take(5)
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        problems.push(format!(
            "{} records lie outside the record directory `{prefix}/` ({list})",
            outside.len()
        ));
    }
    if !has("version") && !has(".data/version") {
        problems.push(format!(
            "no `{prefix}/version` or `{prefix}/.data/version` record"
        ));
    }
    for p in problems {
        let f = ctx.finding(&rules::PYTORCH_MALFORMED, Location::File, p);
        ctx.push(f);
    }
    let storages = dir
        .entries
        .iter()
        .filter(|e| e.name.starts_with(&format!("{prefix}/data/")))
        .count();
    ctx.fact(
        "pytorch",
        serde_json::json!({
            "record_prefix": prefix,
            "torchscript": format == Format::Torchscript,
            "storages": storages,
            "byteorder": has("byteorder"),
        }),
    );
}

/// Bytes per element of a legacy storage class (`torch.FloatStorage`,
/// `torch.cuda.HalfStorage`).
fn element_size(global: &str) -> Option<u64> {
    let class = global.rsplit('.').next()?;
    Some(match class {
        "DoubleStorage" | "LongStorage" | "ComplexFloatStorage" => 8,
        "FloatStorage" | "IntStorage" => 4,
        "HalfStorage" | "ShortStorage" | "BFloat16Storage" => 2,
        "ByteStorage" | "CharStorage" | "BoolStorage" => 1,
        "ComplexDoubleStorage" => 16,
        _ => return None,
    })
}

/// Walk the `storages` or `tensors` member of a legacy tar checkpoint the way
/// `torch.serialization.legacy_load` reads it: pickles interleaved with raw
/// bytes. Every pickle is scanned (each is unpickled by the loader); the raw
/// bytes are skipped using the sizes the records give.
pub fn walk_legacy_tar_member(
    member: &str,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<(), ReadError> {
    let len = src.len();
    let max = ctx.limits().archive.max_entries;
    let mut at = 0u64;
    let mut pickles = 0u64;
    while at < len {
        if pickles >= max {
            ctx.limit_hit(
                crate::LimitId::ArchiveMaxEntries,
                max,
                &format!("in `{member}`"),
            );
            break;
        }
        let mut w = crate::source::Window::new(src, at, len - at);
        let summary = scan_stream(
            &mut w,
            ctx,
            &StreamOptions {
                max_pickles: Some(1),
                trailing_data_expected: true,
                torchscript: false,
            },
        )?;
        if summary.pickles == 0 || summary.end == 0 {
            break;
        }
        at = at.saturating_add(summary.end);
        pickles = pickles.saturating_add(1);
        let raw = crate::source::read_window(src, at, 8)?;
        let word = raw
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes);
        let skip = if member == "storages" {
            let size = summary.globals.iter().rev().find_map(|g| element_size(g));
            size.zip(word)
                .map(|(s, n)| n.saturating_mul(s).saturating_add(8))
        } else if summary.globals.iter().any(|g| g.ends_with("Tensor")) {
            // ndim (i32), 4 unused bytes, sizes and strides (ndim i64 each), offset (i64).
            word.map(|w| (w & 0xffff_ffff).saturating_mul(16).saturating_add(16))
        } else {
            None
        };
        at = at.saturating_add(skip.unwrap_or(0));
    }
    Ok(())
}

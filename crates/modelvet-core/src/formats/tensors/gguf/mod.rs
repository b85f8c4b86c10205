//! GGUF (llama.cpp), versions 1 to 3, little- or big-endian.
//!
//! Layout: magic `GGUF`, version, tensor count, metadata count, the metadata
//! key/value pairs, the tensor infos, padding to `general.alignment`, then the
//! tensor data. Parsers of this header have had integer-overflow and
//! out-of-bounds bugs (CVE-2024-21802 and the other TALOS-2024-1912..1916
//! reports against `gguf_init_from_file`, CVE-2025-53630, CVE-2026-27940), so
//! every count, length, dimension and offset here is checked against the file
//! size and a named limit, with checked arithmetic, before anything is
//! allocated. Fixed-size arrays are skipped, never read; tensor data is never
//! read.

use crate::finding::{abbreviate, Location};
use crate::formats::chat_template;
use crate::formats::sniff::sniff_source;
use crate::scan::ScanCtx;
use crate::source::{read_window, ByteSource, ReadError, SourceReader, Window};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

mod reader;
mod types;
use crate::formats::stop::settle;
pub use crate::formats::tensors::rules::{
    GGUF_DUPLICATE_KEY, GGUF_INTEGER_OVERFLOW, GGUF_MALFORMED, GGUF_TENSOR_BOUNDS,
    GGUF_TRAILING_DATA,
};
use reader::{Parser, Stop, Value};
pub use types::{file_type_name, ggml_type};

/// Default `general.alignment`.
const DEFAULT_ALIGNMENT: u64 = 32;
/// Strings shorter than this are kept (metadata values worth reporting).
const KEEP_STRING: u64 = 4096;
/// llama.cpp's `GGML_MAX_DIMS`.
const GGML_MAX_DIMS: u32 = 4;
/// llama.cpp's `GGML_MAX_NAME`.
const GGML_MAX_NAME: u64 = 64;

/// One tensor info, as read.
struct TensorInfo {
    name: String,
    dims: Vec<u64>,
    ty: u32,
    offset: u64,
}

/// Scan a GGUF file.
pub fn scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<(), ReadError> {
    let len = src.len();
    let mut p = Parser {
        r: SourceReader::new(src),
        ctx,
        len,
        big_endian: false,
        v1: false,
    };
    let parsed = parse(&mut p);
    drop(p);
    let data_end = match parsed {
        Ok(end) => end,
        Err(stop) => return settle(Err(stop), ctx, &GGUF_MALFORMED, "the header", "GGUF"),
    };
    if data_end < len {
        // Zero padding up to the alignment (at most 4 KiB) is what writers leave.
        let extra = len - data_end;
        let padding = extra <= 4096 && read_window(src, data_end, extra)?.iter().all(|b| *b == 0);
        if !padding {
            trailing(src, data_end, len, ctx)?;
        }
    }
    Ok(())
}

/// Report and scan the bytes in `[start, len)` after the tensor data.
fn trailing(
    src: &mut dyn ByteSource,
    start: u64,
    len: u64,
    ctx: &mut ScanCtx<'_>,
) -> Result<(), ReadError> {
    let extra = len - start;
    let mut window = Window::new(src, start, extra);
    let kind = sniff_source(&mut window, &ctx.limits().scan, "")?;
    let f = ctx.finding(
        &GGUF_TRAILING_DATA,
        Location::ByteRange { start, end: len },
        format!("{extra} bytes follow the last tensor's data (they read as {kind})"),
    );
    ctx.push(f);
    ctx.scan_nested("<trailing data>", &mut window);
    Ok(())
}

/// Parse the header; returns the end of the tensor data.
fn parse(p: &mut Parser<'_, '_, '_>) -> Result<u64, Stop> {
    let magic = p.bytes::<4>()?;
    if &magic != b"GGUF" {
        return Err(p.malformed(
            Location::ByteRange { start: 0, end: 4 },
            "no GGUF magic".into(),
        ));
    }
    let raw = p.u32()?;
    let version = if (1..=3).contains(&raw) {
        raw
    } else if (1..=3).contains(&raw.swap_bytes()) {
        p.big_endian = true;
        raw.swap_bytes()
    } else {
        return Err(p.malformed(
            Location::ByteRange { start: 4, end: 8 },
            format!("unsupported GGUF version {raw}"),
        ));
    };
    p.v1 = version == 1;
    let tensor_count = p.count()?;
    let kv_count = p.count()?;
    p.ctx.fact("gguf.version", json!(version));
    if p.big_endian {
        p.ctx.fact("gguf.byte_order", json!("big-endian"));
    }
    let limits = p.ctx.limits().tensors.clone();
    // Cheapest possible entries: a kv is a length, a 1-byte key, a type and a
    // 1-byte value; a tensor info a length, a 1-byte name, n_dims, type, offset.
    let min_kv: u64 = if p.v1 { 10 } else { 14 };
    let min_info: u64 = if p.v1 { 17 } else { 21 };
    let header = Location::ByteRange {
        start: 8,
        end: p.pos(),
    };
    for (count, min, what) in [
        (kv_count, min_kv, "metadata entries"),
        (tensor_count, min_info, "tensors"),
    ] {
        if count.checked_mul(min).is_none_or(|b| b > p.remaining()) {
            return Err(p.overflow(
                header.clone(),
                format!(
                    "header declares {count} {what}, more than the {}-byte file can hold",
                    p.len
                ),
            ));
        }
    }
    if kv_count > limits.max_gguf_kv {
        p.ctx.limit_hit(
            crate::LimitId::TensorsMaxGgufKv,
            limits.max_gguf_kv,
            &format!("by the header ({kv_count} metadata entries)"),
        );
        return Err(Stop::Limit);
    }
    if tensor_count > limits.max_tensors {
        p.ctx.limit_hit(
            crate::LimitId::TensorsMaxTensors,
            limits.max_tensors,
            &format!("by the header ({tensor_count} tensors)"),
        );
        return Err(Stop::Limit);
    }

    let mut kv: BTreeMap<String, Value> = BTreeMap::new();
    let mut templates: Vec<(String, String)> = Vec::new();
    for _ in 0..kv_count {
        let key = match p.string(GGML_MAX_NAME.max(KEEP_STRING), "a metadata key")? {
            Ok(k) => k,
            Err(n) => {
                return Err(p.malformed(Location::File, format!("a metadata key is {n} bytes long")))
            }
        };
        let ty = p.u32()?;
        let is_template =
            key == "tokenizer.chat_template" || key.starts_with("tokenizer.chat_template.");
        let keep = if is_template {
            limits.max_template_bytes
        } else {
            KEEP_STRING
        };
        let value = p.value(ty, &key, keep, 0)?;
        if is_template {
            match &value {
                Value::Str(s) => templates.push((key.clone(), s.clone())),
                Value::LongStr(n) => {
                    p.ctx.limit_hit(
                        crate::LimitId::TensorsMaxTemplateBytes,
                        limits.max_template_bytes,
                        &format!("by `{key}` ({n} bytes)"),
                    );
                }
                _ => {}
            }
        }
        if kv.contains_key(&key) {
            let f = p.ctx.finding(
                &GGUF_DUPLICATE_KEY,
                Location::GgufKey { key: key.clone() },
                format!(
                    "metadata key `{}` occurs more than once",
                    abbreviate(&key, 120)
                ),
            );
            p.ctx.push(f);
        }
        kv.insert(key, value);
    }

    for (key, text) in &templates {
        chat_template::check(text, Location::GgufKey { key: key.clone() }, p.ctx);
    }

    let alignment = match kv.get("general.alignment") {
        None => DEFAULT_ALIGNMENT,
        Some(Value::Uint(a)) if *a > 0 && a.is_power_of_two() => *a,
        Some(other) => {
            let f = p.ctx.finding(
                &GGUF_TENSOR_BOUNDS,
                Location::GgufKey {
                    key: "general.alignment".into(),
                },
                format!("`general.alignment` is {other:?}, not a non-zero power of two"),
            );
            p.ctx.push(f);
            DEFAULT_ALIGNMENT
        }
    };

    let mut infos: Vec<TensorInfo> = Vec::new();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for i in 0..tensor_count {
        let name = match p.string(GGML_MAX_NAME, &format!("the name of tensor #{i}"))? {
            Ok(n) => n,
            Err(n) => {
                let loc = Location::ByteRange {
                    start: p.pos(),
                    end: p.pos(),
                };
                return Err(p.malformed(
                    loc,
                    format!(
                        "tensor #{i} has a {n}-byte name; llama.cpp allows {}",
                        GGML_MAX_NAME - 1
                    ),
                ));
            }
        };
        let loc = Location::GraphNode {
            path: format!("tensor `{}`", abbreviate(&name, 80)),
        };
        let n_dims = p.u32()?;
        if n_dims > limits.max_gguf_dims {
            return Err(p.malformed(
                loc,
                format!("tensor has {n_dims} dimensions; llama.cpp allows {GGML_MAX_DIMS}"),
            ));
        }
        let mut dims = Vec::new();
        for _ in 0..n_dims {
            dims.push(p.count()?);
        }
        let ty = p.u32()?;
        let offset = p.u64()?;
        if n_dims > GGML_MAX_DIMS {
            let f = p.ctx.finding(
                &GGUF_MALFORMED,
                loc.clone(),
                format!("tensor has {n_dims} dimensions; llama.cpp allows {GGML_MAX_DIMS}"),
            );
            p.ctx.push(f);
        }
        if !names.insert(name.clone()) {
            let f = p.ctx.finding(
                &GGUF_DUPLICATE_KEY,
                loc,
                format!(
                    "tensor name `{}` occurs more than once",
                    abbreviate(&name, 80)
                ),
            );
            p.ctx.push(f);
        }
        infos.push(TensorInfo {
            name,
            dims,
            ty,
            offset,
        });
    }
    let data_start = p
        .pos()
        .checked_next_multiple_of(alignment)
        .unwrap_or(u64::MAX);
    let data_len = p.len.saturating_sub(data_start);
    let (summary, max_end) = check_tensors(&infos, alignment, data_len, p.ctx);
    facts(&kv, &templates, summary, tensor_count, kv_count, p.ctx);
    let end = data_start.saturating_add(max_end);
    Ok(end.max(data_start.min(p.len)))
}

/// Per-type tensor counts and the total parameter count.
struct Summary {
    by_type: BTreeMap<String, u64>,
    parameters: u64,
}

fn check_tensors(
    infos: &[TensorInfo],
    alignment: u64,
    data_len: u64,
    ctx: &mut ScanCtx<'_>,
) -> (Summary, u64) {
    let mut summary = Summary {
        by_type: BTreeMap::new(),
        parameters: 0,
    };
    let mut ranges: Vec<(u64, u64, &str)> = Vec::new();
    for t in infos {
        let loc = || Location::GraphNode {
            path: format!("tensor `{}`", abbreviate(&t.name, 80)),
        };
        let Some(gt) = ggml_type(t.ty) else {
            let f = ctx.finding(
                &GGUF_MALFORMED,
                loc(),
                format!("tensor has unknown ggml type {}", t.ty),
            );
            ctx.push(f);
            continue;
        };
        *summary.by_type.entry(gt.name.to_owned()).or_insert(0) += 1;
        // llama.cpp keeps dimensions as int64_t and checks the product fits.
        let elements = t.dims.iter().try_fold(1u64, |acc, d| {
            acc.checked_mul(*d).filter(|v| *v <= i64::MAX as u64)
        });
        let Some(elements) = elements else {
            let f = ctx.finding(
                &GGUF_INTEGER_OVERFLOW,
                loc(),
                format!("dimensions {:?} multiply past i64::MAX", t.dims),
            );
            ctx.push(f);
            continue;
        };
        summary.parameters = summary.parameters.saturating_add(elements);
        let ne0 = t.dims.first().copied().unwrap_or(1);
        if ne0 % gt.block != 0 {
            let f = ctx.finding(
                &GGUF_MALFORMED,
                loc(),
                format!(
                    "first dimension {ne0} is not a multiple of the {} block size {}",
                    gt.name, gt.block
                ),
            );
            ctx.push(f);
            continue;
        }
        let Some(bytes) = (elements / gt.block).checked_mul(gt.size) else {
            let f = ctx.finding(
                &GGUF_INTEGER_OVERFLOW,
                loc(),
                format!("byte size of {elements} {} elements overflows", gt.name),
            );
            ctx.push(f);
            continue;
        };
        if t.offset % alignment != 0 {
            let f = ctx.finding(
                &GGUF_TENSOR_BOUNDS,
                loc(),
                format!(
                    "data offset {} is not a multiple of the alignment {alignment}",
                    t.offset
                ),
            );
            ctx.push(f);
        }
        match t.offset.checked_add(bytes) {
            Some(end) if end <= data_len => ranges.push((t.offset, end, &t.name)),
            Some(end) => {
                let f = ctx.finding(
                    &GGUF_TENSOR_BOUNDS,
                    loc(),
                    format!(
                        "data [{}, {end}) runs past the {data_len}-byte data section",
                        t.offset
                    ),
                );
                ctx.push(f);
            }
            None => {
                let f = ctx.finding(
                    &GGUF_INTEGER_OVERFLOW,
                    loc(),
                    format!("offset {} + size {bytes} overflows", t.offset),
                );
                ctx.push(f);
            }
        }
    }
    ranges.sort_unstable();
    let mut prev_end = 0u64;
    for (begin, end, name) in ranges {
        if begin < prev_end && end > begin {
            let f = ctx.finding(
                &GGUF_TENSOR_BOUNDS,
                Location::GraphNode {
                    path: format!("tensor `{}`", abbreviate(name, 80)),
                },
                format!(
                    "data [{begin}, {end}) overlaps the previous tensor, which ends at {prev_end}"
                ),
            );
            ctx.push(f);
        }
        prev_end = prev_end.max(end);
    }
    (summary, prev_end)
}

fn facts(
    kv: &BTreeMap<String, Value>,
    templates: &[(String, String)],
    summary: Summary,
    tensor_count: u64,
    kv_count: u64,
    ctx: &mut ScanCtx<'_>,
) {
    let string = |k: &str| match kv.get(k) {
        Some(Value::Str(s)) => Some(abbreviate(s, 200)),
        _ => None,
    };
    if let Some(arch) = string("general.architecture") {
        ctx.fact("gguf.architecture", json!(arch));
    }
    if let Some(name) = string("general.name") {
        ctx.fact("gguf.name", json!(name));
    }
    if let Some(Value::Uint(ft)) = kv.get("general.file_type") {
        ctx.fact(
            "gguf.file_type",
            json!({"id": ft, "name": file_type_name(*ft)}),
        );
    }
    ctx.fact(
        "gguf.tensors",
        json!({
            "count": tensor_count,
            "parameters": summary.parameters,
            "types": summary.by_type,
        }),
    );
    ctx.fact("gguf.metadata_count", json!(kv_count));
    if !templates.is_empty() {
        let t: serde_json::Map<String, serde_json::Value> = templates
            .iter()
            .map(|(k, v)| (k.clone(), json!(v.len())))
            .collect();
        ctx.fact("gguf.chat_templates", serde_json::Value::Object(t));
    }
}

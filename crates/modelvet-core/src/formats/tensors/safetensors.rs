//! safetensors: an 8-byte little-endian header length, a JSON header, then raw
//! tensor data.
//!
//! The format cannot hold code, but its header is JSON read by many parsers.
//! modelvet reads it more strictly than the reference loader (duplicate keys,
//! unknown fields, gaps, trailing bytes) and separately asks the reference
//! `safetensors` crate whether it would accept the file: any disagreement is a
//! parser differential worth a finding. Only the header is read, never the
//! tensor data.

use crate::finding::{abbreviate, Location};
use crate::formats::json::{self, Json, JsonError};
use crate::formats::sniff::sniff_source;
use crate::formats::text::{suspicious_text, A_URL};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use crate::source::{read_window, ByteSource, ReadError, Window};
use serde_json::json;
use std::collections::BTreeMap;

/// The header cap of the reference loader (`MAX_HEADER_SIZE`).
pub const REFERENCE_MAX_HEADER: u64 = 100_000_000;

/// Longest `__metadata__` value not reported as huge (64 KiB).
const HUGE_METADATA_VALUE: usize = 64 * 1024;

pub use crate::formats::tensors::rules::{
    SAFETENSORS_BAD_OFFSETS, SAFETENSORS_DUPLICATE_KEY, SAFETENSORS_INCONSISTENT_TENSOR,
    SAFETENSORS_MALFORMED, SAFETENSORS_PARSER_DIFFERENTIAL, SAFETENSORS_SUSPICIOUS_METADATA,
    SAFETENSORS_TRAILING_DATA, SAFETENSORS_UNKNOWN_FIELD,
};

/// Bits per element of each dtype the reference loader knows.
pub fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "F8_E4M3FNUZ"
        | "F8_E5M2FNUZ" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

fn ptr(key: &str) -> Location {
    Location::JsonPointer {
        pointer: format!("/{}", json::pointer_escape(key)),
    }
}

/// What the strict reading found, collected before findings are raised.
#[derive(Default)]
struct Reading {
    /// Number of structural problems (what makes a strict reader reject the file).
    structural: usize,
    tensors: Vec<TensorEntry>,
}

struct TensorEntry {
    name: String,
    dtype: String,
    elements: Option<u64>,
    begin: u64,
    end: u64,
}

fn raise(
    ctx: &mut ScanCtx<'_>,
    reading: &mut Reading,
    rule: &'static Rule,
    loc: Location,
    msg: String,
) {
    if !std::ptr::eq(rule, &SAFETENSORS_SUSPICIOUS_METADATA) {
        reading.structural = reading.structural.saturating_add(1);
    }
    let f = ctx.finding(rule, loc, msg);
    ctx.push(f);
}

/// Whether the reference loader accepts a file of `file_len` bytes with this header.
fn reference_verdict(header_len: u64, header: &[u8], file_len: u64) -> Result<(), String> {
    if header_len > REFERENCE_MAX_HEADER {
        return Err("header too large".into());
    }
    let text = std::str::from_utf8(header).map_err(|e| format!("invalid UTF-8 in header: {e}"))?;
    let meta: safetensors::tensor::Metadata =
        serde_json::from_str(text).map_err(|e| format!("invalid header: {e}"))?;
    let data_len = meta.data_len() as u64;
    let expected = data_len
        .checked_add(8)
        .and_then(|v| v.checked_add(header_len));
    if expected != Some(file_len) {
        return Err("metadata incomplete buffer (data does not end at the end of the file)".into());
    }
    Ok(())
}

/// Scan a safetensors file.
pub fn scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<(), ReadError> {
    let file_len = src.len();
    let mut reading = Reading::default();
    let prefix = read_window(src, 0, 8)?;
    let Some(len_bytes) = prefix.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) else {
        let msg = format!("file of {file_len} bytes is too short for a header length");
        raise(
            ctx,
            &mut reading,
            &SAFETENSORS_MALFORMED,
            Location::File,
            msg,
        );
        return Ok(());
    };
    let header_len = u64::from_le_bytes(len_bytes);
    let max = ctx.limits().tensors.max_safetensors_header;
    if header_len > max {
        let verdict = if header_len > REFERENCE_MAX_HEADER {
            json!({"accepts": false, "error": "header too large"})
        } else {
            json!({"accepts": null, "error": "not checked: header above tensors.max_safetensors_header"})
        };
        ctx.fact("safetensors.reference_loader", verdict);
        ctx.limit_hit(
            crate::LimitId::TensorsMaxSafetensorsHeader,
            max,
            &format!("by the declared header length {header_len}"),
        );
        return Ok(());
    }
    let data_start = 8u64.saturating_add(header_len);
    if data_start > file_len {
        let msg =
            format!("header length {header_len} runs past the end of the {file_len}-byte file");
        raise(
            ctx,
            &mut reading,
            &SAFETENSORS_MALFORMED,
            Location::ByteRange { start: 0, end: 8 },
            msg,
        );
        ctx.fact(
            "safetensors.reference_loader",
            json!({"accepts": false, "error": "invalid header length"}),
        );
        return Ok(());
    }
    let header = read_window(src, 8, header_len)?;
    // The reference loader keeps offsets in `usize`: on a 32-bit target
    // (wasm32) it cannot represent a file past 4 GiB, which says nothing about
    // what the 64-bit loaders that users run would do.
    let representable = usize::try_from(file_len).is_ok();
    let reference = if representable {
        Some(reference_verdict(header_len, &header, file_len))
    } else {
        None
    };
    ctx.fact(
        "safetensors.reference_loader",
        match &reference {
            Some(Ok(())) => json!({"accepts": true}),
            Some(Err(e)) => json!({"accepts": false, "error": abbreviate(e, 300)}),
            None => json!({"accepts": null, "error": "not checked: file larger than this platform's address space"}),
        },
    );

    let data_end = read_header(&header, data_start, file_len, ctx, &mut reading);
    if let Some(data_end) = data_end {
        trailing(src, data_start, data_end, file_len, ctx, &mut reading)?;
    }
    summarise(&reading, ctx);

    let strict_ok = reading.structural == 0;
    match (&reference, strict_ok) {
        (Some(Ok(())), false) => {
            let f = ctx.finding(
                &SAFETENSORS_PARSER_DIFFERENTIAL,
                Location::File,
                "the reference loader accepts this file, but a strict reading finds problems it silently tolerates",
            );
            ctx.push(f.with_help("the loader will see content that differs from what a careful reader sees; do not use the file"));
        }
        (Some(Err(e)), true) => {
            let f = ctx.finding(
                &SAFETENSORS_PARSER_DIFFERENTIAL,
                Location::File,
                format!("the reference loader rejects this file ({}) although its structure reads cleanly", abbreviate(e, 200)),
            );
            ctx.push(f.with_severity(Severity::Medium));
        }
        _ => {}
    }
    Ok(())
}

/// Read the header strictly. Returns the end of the data section (relative to
/// the data start) if the tensor table could be read.
fn read_header(
    header: &[u8],
    data_start: u64,
    file_len: u64,
    ctx: &mut ScanCtx<'_>,
    reading: &mut Reading,
) -> Option<u64> {
    let header_loc = Location::ByteRange {
        start: 8,
        end: data_start,
    };
    let text = match std::str::from_utf8(header) {
        Ok(t) => t,
        Err(e) => {
            raise(
                ctx,
                reading,
                &SAFETENSORS_MALFORMED,
                header_loc,
                format!("header is not UTF-8: {e}"),
            );
            return None;
        }
    };
    let max_nodes = ctx.limits().tensors.max_json_nodes;
    let value = match json::parse(text.as_bytes(), max_nodes) {
        Ok(v) => v,
        Err(JsonError::TooManyNodes) => {
            ctx.limit_hit(
                crate::LimitId::TensorsMaxJsonNodes,
                max_nodes,
                "in the safetensors header",
            );
            return None;
        }
        // The safetensors loader's serde_json stops at 128 levels, so a
        // deeper header does not load either.
        Err(e @ (JsonError::Syntax(_) | JsonError::TooDeep)) => {
            raise(
                ctx,
                reading,
                &SAFETENSORS_MALFORMED,
                header_loc,
                format!("header is not JSON: {e}"),
            );
            return None;
        }
    };
    let Json::Object(entries) = &value else {
        let msg = format!("header is a JSON {}, not an object", value.kind());
        raise(ctx, reading, &SAFETENSORS_MALFORMED, header_loc, msg);
        return None;
    };
    for dup in json::duplicate_keys(entries) {
        let msg = format!(
            "key `{}` occurs more than once; the reference loader keeps the last",
            abbreviate(dup, 120)
        );
        raise(ctx, reading, &SAFETENSORS_DUPLICATE_KEY, ptr(dup), msg);
    }
    let max_tensors = ctx.limits().tensors.max_tensors;
    for (name, entry) in entries {
        if name == "__metadata__" {
            metadata(entry, ctx, reading);
            continue;
        }
        if reading.tensors.len() as u64 >= max_tensors {
            ctx.limit_hit(
                crate::LimitId::TensorsMaxTensors,
                max_tensors,
                "in the safetensors header",
            );
            return None;
        }
        tensor(name, entry, ctx, reading);
    }
    Some(offsets(data_start, file_len, ctx, reading))
}

fn tensor(name: &str, entry: &Json, ctx: &mut ScanCtx<'_>, reading: &mut Reading) {
    let loc = || ptr(name);
    let short = abbreviate(name, 120);
    let Json::Object(fields) = entry else {
        let msg = format!("tensor `{short}` is a JSON {}, not an object", entry.kind());
        raise(ctx, reading, &SAFETENSORS_MALFORMED, loc(), msg);
        return;
    };
    for dup in json::duplicate_keys(fields) {
        let msg = format!(
            "tensor `{short}` has field `{}` more than once",
            abbreviate(dup, 60)
        );
        raise(ctx, reading, &SAFETENSORS_DUPLICATE_KEY, loc(), msg);
    }
    for (k, _) in fields {
        if !matches!(k.as_str(), "dtype" | "shape" | "data_offsets") {
            let msg = format!("tensor `{short}` has unknown field `{}`", abbreviate(k, 60));
            raise(ctx, reading, &SAFETENSORS_UNKNOWN_FIELD, loc(), msg);
        }
    }
    let dtype = entry.get("dtype").and_then(Json::as_str);
    let shape: Option<Vec<u64>> = match entry.get("shape") {
        Some(Json::Array(dims)) => dims.iter().map(Json::as_u64).collect(),
        _ => None,
    };
    let offsets: Option<(u64, u64)> = match entry.get("data_offsets") {
        Some(Json::Array(o)) if o.len() == 2 => o
            .first()
            .and_then(Json::as_u64)
            .zip(o.get(1).and_then(Json::as_u64)),
        _ => None,
    };
    let (Some(dtype), Some(shape), Some((begin, end))) = (dtype, shape, offsets) else {
        let msg = format!("tensor `{short}` needs a string `dtype`, an array of non-negative integers `shape` and two-integer `data_offsets`");
        raise(ctx, reading, &SAFETENSORS_MALFORMED, loc(), msg);
        return;
    };
    let Some(bits) = dtype_bits(dtype) else {
        let msg = format!(
            "tensor `{short}` has unknown dtype `{}`",
            abbreviate(dtype, 40)
        );
        raise(ctx, reading, &SAFETENSORS_MALFORMED, loc(), msg);
        return;
    };
    let elements = shape.iter().try_fold(1u64, |acc, d| acc.checked_mul(*d));
    let bytes = elements.and_then(|n| n.checked_mul(bits)).and_then(|b| {
        if b % 8 == 0 {
            Some(b / 8)
        } else {
            None
        }
    });
    match bytes {
        None => {
            let msg = format!("tensor `{short}`: {dtype} × {shape:?} overflows 64 bits or is not a whole number of bytes");
            raise(ctx, reading, &SAFETENSORS_INCONSISTENT_TENSOR, loc(), msg);
        }
        Some(size) if end >= begin && end - begin != size => {
            let msg = format!(
                "tensor `{short}`: {dtype} × {shape:?} is {size} bytes but its data range [{begin}, {end}) holds {}",
                end - begin
            );
            raise(ctx, reading, &SAFETENSORS_INCONSISTENT_TENSOR, loc(), msg);
        }
        _ => {}
    }
    reading.tensors.push(TensorEntry {
        name: name.to_owned(),
        dtype: dtype.to_owned(),
        elements,
        begin,
        end,
    });
}

fn metadata(entry: &Json, ctx: &mut ScanCtx<'_>, reading: &mut Reading) {
    let Json::Object(fields) = entry else {
        let msg = format!(
            "`__metadata__` is a JSON {}, not an object of strings",
            entry.kind()
        );
        raise(
            ctx,
            reading,
            &SAFETENSORS_SUSPICIOUS_METADATA,
            ptr("__metadata__"),
            msg,
        );
        return;
    };
    for dup in json::duplicate_keys(fields) {
        let msg = format!(
            "`__metadata__` has key `{}` more than once",
            abbreviate(dup, 60)
        );
        raise(
            ctx,
            reading,
            &SAFETENSORS_DUPLICATE_KEY,
            ptr("__metadata__"),
            msg,
        );
    }
    let mut shown = serde_json::Map::new();
    for (k, v) in fields {
        let loc = Location::JsonPointer {
            pointer: format!("/__metadata__/{}", json::pointer_escape(k)),
        };
        let key = abbreviate(k, 60);
        let Json::Str(s) = v else {
            let msg = format!(
                "`__metadata__.{key}` is a JSON {}, not a string (the reference loader rejects it)",
                v.kind()
            );
            reading.structural = reading.structural.saturating_add(1);
            raise(ctx, reading, &SAFETENSORS_SUSPICIOUS_METADATA, loc, msg);
            continue;
        };
        if shown.len() < 64 {
            shown.insert(key.clone(), abbreviate(s, 200).into());
        }
        if s.len() > HUGE_METADATA_VALUE {
            let msg = format!("`__metadata__.{key}` is {} bytes long", s.len());
            let f = ctx.finding(&SAFETENSORS_SUSPICIOUS_METADATA, loc.clone(), msg);
            ctx.push(f.with_evidence(abbreviate(s, 200)));
        }
        if let Some(what) = suspicious_text(s) {
            let msg = format!("`__metadata__.{key}` contains {what}");
            let mut f = ctx.finding(&SAFETENSORS_SUSPICIOUS_METADATA, loc, msg);
            if what == A_URL {
                f = f.with_severity(Severity::Low);
            }
            ctx.push(f.with_evidence(abbreviate(s, 200)));
        }
    }
    ctx.fact("safetensors.metadata", serde_json::Value::Object(shown));
}

/// Check that the tensors tile `[0, data_end)` exactly; return `data_end`.
fn offsets(data_start: u64, file_len: u64, ctx: &mut ScanCtx<'_>, reading: &mut Reading) -> u64 {
    let mut order: Vec<(u64, u64, String)> = reading
        .tensors
        .iter()
        .map(|t| (t.begin, t.end, t.name.clone()))
        .collect();
    order.sort();
    let mut cursor = 0u64;
    let mut data_end = 0u64;
    for (begin, end, name) in &order {
        let short = abbreviate(name, 120);
        if end < begin {
            let msg = format!("tensor `{short}` has a backwards data range [{begin}, {end})");
            raise(ctx, reading, &SAFETENSORS_BAD_OFFSETS, ptr(name), msg);
            continue;
        }
        if *begin > cursor {
            let msg =
                format!("bytes [{cursor}, {begin}) before tensor `{short}` belong to no tensor");
            raise(ctx, reading, &SAFETENSORS_BAD_OFFSETS, ptr(name), msg);
        } else if *begin < cursor {
            let msg = format!("tensor `{short}` [{begin}, {end}) overlaps the previous tensor, which ends at {cursor}");
            raise(ctx, reading, &SAFETENSORS_BAD_OFFSETS, ptr(name), msg);
        }
        cursor = cursor.max(*end);
        data_end = data_end.max(*end);
    }
    let available = file_len.saturating_sub(data_start);
    if data_end > available {
        let msg = format!(
            "tensor data ends at {data_end} but the file holds only {available} bytes of data"
        );
        raise(ctx, reading, &SAFETENSORS_BAD_OFFSETS, Location::File, msg);
    }
    data_end
}

fn trailing(
    src: &mut dyn ByteSource,
    data_start: u64,
    data_end: u64,
    file_len: u64,
    ctx: &mut ScanCtx<'_>,
    reading: &mut Reading,
) -> Result<(), ReadError> {
    let Some(start) = data_start.checked_add(data_end) else {
        return Ok(());
    };
    if start >= file_len {
        return Ok(());
    }
    let extra = file_len - start;
    let mut window = Window::new(src, start, extra);
    let kind = sniff_source(&mut window, &ctx.limits().scan, "")?;
    let msg = format!("{extra} bytes follow the tensor data (they read as {kind})");
    raise(
        ctx,
        reading,
        &SAFETENSORS_TRAILING_DATA,
        Location::ByteRange {
            start,
            end: file_len,
        },
        msg,
    );
    ctx.scan_nested("<trailing data>", &mut window);
    Ok(())
}

fn summarise(reading: &Reading, ctx: &mut ScanCtx<'_>) {
    let mut by_dtype: BTreeMap<&str, u64> = BTreeMap::new();
    let mut total = 0u64;
    for t in &reading.tensors {
        let n = t.elements.unwrap_or(0);
        let slot = by_dtype.entry(t.dtype.as_str()).or_insert(0);
        *slot = slot.saturating_add(n);
        total = total.saturating_add(n);
    }
    ctx.fact(
        "safetensors.tensors",
        json!({
            "count": reading.tensors.len(),
            "parameters": total,
            "parameters_by_dtype": by_dtype,
        }),
    );
}

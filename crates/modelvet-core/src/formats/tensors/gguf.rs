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

use super::template;
use crate::finding::{abbreviate, Location};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use crate::source::{ByteSource, ReadError, SourceReader};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, SeekFrom};

mod types;
pub use types::{file_type_name, ggml_type};

/// The file is not a readable GGUF file.
pub static GGUF_MALFORMED: Rule = Rule {
    id: "gguf-malformed",
    severity: Severity::Medium,
    summary: "The GGUF header is truncated or invalid (version, value type, tensor type, name).",
    docs: r#"
## Why it matters
A GGUF file cannot hold code, so a broken header usually means a damaged download. It is
also what exploits of GGUF parsers look like: llama.cpp and its forks have had
out-of-bounds reads and writes on malformed headers (CVE-2024-21802 and the related
TALOS-2024-1912..1916 reports, CVE-2025-53630, CVE-2026-27940).

## Example
A string length past the end of the file, a metadata value type 13, a tensor with 9
dimensions (llama.cpp allows 4), a tensor type no ggml build knows.

## What to do
Re-download the file and compare its SHA-256 with the hub's. Keep llama.cpp-based tools up to date.
"#,
};

/// A count, dimension or offset overflows or cannot fit in the file.
pub static GGUF_INTEGER_OVERFLOW: Rule = Rule {
    id: "gguf-integer-overflow",
    severity: Severity::High,
    summary: "A GGUF count, dimension or size overflows 64-bit arithmetic or claims more than the file can hold.",
    docs: r#"
## Why it matters
GGUF readers multiply counts and dimensions to size their allocations. Values chosen to
overflow that arithmetic turn into undersized buffers and heap overflows: this is the
pattern of CVE-2024-21802 (`gguf_init_from_file`, tensor count), CVE-2025-53630 and
CVE-2026-27940 (`gguf_init_from_file_impl`) in llama.cpp. No writer produces such values.

## Example
A tensor count of 2^62 in a 1 KiB file; a tensor whose dimensions multiply past `i64::MAX`.

## What to do
Do not open the file with any GGUF tool. Report it to the hub.
"#,
};

/// Tensor data outside the file, overlapping or misaligned.
pub static GGUF_TENSOR_BOUNDS: Rule = Rule {
    id: "gguf-tensor-bounds",
    severity: Severity::High,
    summary: "A GGUF tensor's data lies outside the data section, overlaps another tensor or breaks the alignment.",
    docs: r#"
## Why it matters
Loaders map tensor data straight from the file at the offsets the header gives. An offset
past the end reads out of bounds; overlapping tensors share bytes; a misaligned offset or
an alignment that is not a power of two breaks the assumptions of SIMD kernels.

## What to do
Do not load the file. Re-download it from a trusted source.
"#,
};

/// Duplicate metadata key or tensor name.
pub static GGUF_DUPLICATE_KEY: Rule = Rule {
    id: "gguf-duplicate-key",
    severity: Severity::High,
    summary:
        "A GGUF metadata key or tensor name occurs twice; readers disagree on which one counts.",
    docs: r#"
## Why it matters
llama.cpp and gguf-py reject duplicate keys, but other readers keep the first or last.
Two `tokenizer.chat_template` entries let a reviewer see one template and an inference
server run the other.

## What to do
Do not use the file. No writer produces duplicate keys.
"#,
};

/// Rules of the GGUF scanner (the chat-template rule lives in `template`).
pub const RULES: &[&Rule] = &[
    &GGUF_MALFORMED,
    &GGUF_INTEGER_OVERFLOW,
    &GGUF_TENSOR_BOUNDS,
    &GGUF_DUPLICATE_KEY,
];

/// Default `general.alignment`.
const DEFAULT_ALIGNMENT: u64 = 32;
/// Strings shorter than this are kept (metadata values worth reporting).
const KEEP_STRING: u64 = 4096;
/// llama.cpp's `GGML_MAX_DIMS`.
const GGML_MAX_DIMS: u32 = 4;
/// llama.cpp's `GGML_MAX_NAME`.
const GGML_MAX_NAME: u64 = 64;

/// Why reading stopped.
enum Stop {
    /// A finding (already pushed) ended the parse.
    Finding,
    /// A named limit ended the parse (already reported).
    Limit,
    /// The source failed.
    Read(ReadError),
}

impl From<ReadError> for Stop {
    fn from(e: ReadError) -> Stop {
        Stop::Read(e)
    }
}

/// A scalar metadata value kept for facts and checks.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Uint(u64),
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// A string too long to keep: its length.
    LongStr(u64),
    /// An array: element type and count.
    Array(u32, u64),
}

struct Parser<'s, 'c, 'o> {
    r: SourceReader<'s>,
    ctx: &'c mut ScanCtx<'o>,
    len: u64,
    big_endian: bool,
    /// Version 1 uses 32-bit counts and lengths.
    v1: bool,
}

impl Parser<'_, '_, '_> {
    fn pos(&self) -> u64 {
        self.r.position()
    }

    fn malformed(&mut self, loc: Location, msg: String) -> Stop {
        let f = self.ctx.finding(&GGUF_MALFORMED, loc, msg);
        self.ctx.push(f);
        Stop::Finding
    }

    fn overflow(&mut self, loc: Location, msg: String) -> Stop {
        let f = self.ctx.finding(&GGUF_INTEGER_OVERFLOW, loc, msg);
        self.ctx.push(f);
        Stop::Finding
    }

    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], Stop> {
        let at = self.pos();
        let mut buf = [0u8; N];
        match self.r.read_exact(&mut buf) {
            Ok(()) => Ok(if self.big_endian {
                buf.reverse();
                buf
            } else {
                buf
            }),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(self.malformed(
                Location::ByteRange {
                    start: at,
                    end: self.len,
                },
                format!("file ends inside a {N}-byte field at offset {at}"),
            )),
            Err(e) => Err(Stop::Read(ReadError::new(e.to_string()))),
        }
    }

    fn u32(&mut self) -> Result<u32, Stop> {
        Ok(u32::from_le_bytes(self.bytes::<4>()?))
    }

    fn u64(&mut self) -> Result<u64, Stop> {
        Ok(u64::from_le_bytes(self.bytes::<8>()?))
    }

    /// A count or length: u32 in version 1, u64 after.
    fn count(&mut self) -> Result<u64, Stop> {
        if self.v1 {
            self.u32().map(u64::from)
        } else {
            self.u64()
        }
    }

    fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos())
    }

    fn skip(&mut self, n: u64, what: &str) -> Result<(), Stop> {
        if n > self.remaining() {
            let at = self.pos();
            return Err(self.malformed(
                Location::ByteRange {
                    start: at,
                    end: self.len,
                },
                format!("{what} of {n} bytes at offset {at} runs past the end of the file"),
            ));
        }
        let to = self.pos().saturating_add(n);
        self.r
            .seek(SeekFrom::Start(to))
            .map_err(|e| Stop::Read(ReadError::new(e.to_string())))?;
        Ok(())
    }

    /// A string: kept if at most `keep` bytes, skipped otherwise.
    fn string(&mut self, keep: u64, what: &str) -> Result<Result<String, u64>, Stop> {
        let at = self.pos();
        let n = self.count()?;
        let max = self.ctx.limits().tensors.max_gguf_string;
        if n > max {
            if n > self.remaining() {
                return Err(self.overflow(
                    Location::ByteRange {
                        start: at,
                        end: self.len,
                    },
                    format!(
                        "{what} claims {n} bytes but only {} remain in the file",
                        self.remaining()
                    ),
                ));
            }
            self.ctx.limit_hit(
                "tensors.max_gguf_string",
                max,
                &format!("by {what} at offset {at}"),
            );
            return Err(Stop::Limit);
        }
        if n > self.remaining() {
            return Err(self.malformed(
                Location::ByteRange {
                    start: at,
                    end: self.len,
                },
                format!(
                    "{what} claims {n} bytes but only {} remain in the file (truncated?)",
                    self.remaining()
                ),
            ));
        }
        if n > keep {
            self.skip(n, what)?;
            return Ok(Err(n));
        }
        let size = usize::try_from(n).unwrap_or(usize::MAX);
        let mut buf = vec![0u8; size];
        self.r
            .read_exact(&mut buf)
            .map_err(|e| Stop::Read(ReadError::new(e.to_string())))?;
        match String::from_utf8(buf) {
            Ok(s) => Ok(Ok(s)),
            Err(_) => Err(self.malformed(
                Location::ByteRange {
                    start: at,
                    end: at.saturating_add(8).saturating_add(n),
                },
                format!("{what} at offset {at} is not UTF-8"),
            )),
        }
    }

    /// One value of type `ty`. Arrays recurse up to the depth limit.
    fn value(&mut self, ty: u32, key: &str, keep: u64, depth: u32) -> Result<Value, Stop> {
        let loc = || Location::GgufKey {
            key: key.to_owned(),
        };
        Ok(match ty {
            0 => Value::Uint(u64::from(u8::from_le_bytes(self.bytes::<1>()?))),
            1 => Value::Int(i64::from(i8::from_le_bytes(self.bytes::<1>()?))),
            2 => Value::Uint(u64::from(u16::from_le_bytes(self.bytes::<2>()?))),
            3 => Value::Int(i64::from(i16::from_le_bytes(self.bytes::<2>()?))),
            4 => Value::Uint(u64::from(self.u32()?)),
            5 => Value::Int(i64::from(i32::from_le_bytes(self.bytes::<4>()?))),
            6 => Value::Float(f64::from(f32::from_le_bytes(self.bytes::<4>()?))),
            7 => match u8::from_le_bytes(self.bytes::<1>()?) {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => {
                    return Err(
                        self.malformed(loc(), format!("`{key}` is a bool with byte value {b}"))
                    )
                }
            },
            8 => match self.string(keep, &format!("the value of `{key}`"))? {
                Ok(s) => Value::Str(s),
                Err(n) => Value::LongStr(n),
            },
            9 => self.array(key, depth)?,
            10 => Value::Uint(self.u64()?),
            11 => Value::Int(i64::from_le_bytes(self.bytes::<8>()?)),
            12 => Value::Float(f64::from_le_bytes(self.bytes::<8>()?)),
            t => return Err(self.malformed(loc(), format!("`{key}` has unknown value type {t}"))),
        })
    }

    fn array(&mut self, key: &str, depth: u32) -> Result<Value, Stop> {
        let loc = || Location::GgufKey {
            key: key.to_owned(),
        };
        let limits = self.ctx.limits().tensors.clone();
        if depth >= limits.max_gguf_array_depth {
            self.ctx.limit_hit(
                "tensors.max_gguf_array_depth",
                limits.max_gguf_array_depth,
                &format!("in `{key}`"),
            );
            return Err(Stop::Limit);
        }
        let elem = self.u32()?;
        let n = self.count()?;
        let fixed: Option<u64> = match elem {
            0 | 1 | 7 => Some(1),
            2 | 3 => Some(2),
            4..=6 => Some(4),
            10..=12 => Some(8),
            8 | 9 => None,
            t => {
                return Err(
                    self.malformed(loc(), format!("`{key}` is an array of unknown type {t}"))
                )
            }
        };
        // Every element takes at least one byte (strings and arrays at least 4).
        let min_bytes = n.checked_mul(fixed.unwrap_or(4));
        if min_bytes.is_none_or(|b| b > self.remaining()) {
            return Err(self.overflow(
                loc(),
                format!("`{key}` claims {n} elements of type {elem}, more than the {} remaining bytes can hold", self.remaining()),
            ));
        }
        if n > limits.max_gguf_array {
            self.ctx.limit_hit(
                "tensors.max_gguf_array",
                limits.max_gguf_array,
                &format!("by `{key}` ({n} elements)"),
            );
            return Err(Stop::Limit);
        }
        match fixed {
            Some(size) => self.skip(n.saturating_mul(size), &format!("array `{key}`"))?,
            None => {
                for _ in 0..n {
                    self.value(elem, key, 0, depth.saturating_add(1))?;
                }
            }
        }
        Ok(Value::Array(elem, n))
    }
}

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
    match parse(&mut p) {
        Ok(()) | Err(Stop::Finding) | Err(Stop::Limit) => Ok(()),
        Err(Stop::Read(e)) => Err(e),
    }
}

fn parse(p: &mut Parser<'_, '_, '_>) -> Result<(), Stop> {
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
            "tensors.max_gguf_kv",
            limits.max_gguf_kv,
            &format!("by the header ({kv_count} metadata entries)"),
        );
        return Err(Stop::Limit);
    }
    if tensor_count > limits.max_tensors {
        p.ctx.limit_hit(
            "tensors.max_tensors",
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
                        "tensors.max_template_bytes",
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
        template::check(text, Location::GgufKey { key: key.clone() }, p.ctx);
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
    let summary = check_tensors(&infos, alignment, data_len, p.ctx);
    facts(
        &kv,
        &templates,
        &infos,
        summary,
        tensor_count,
        kv_count,
        p.ctx,
    );
    Ok(())
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
) -> Summary {
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
    summary
}

fn facts(
    kv: &BTreeMap<String, Value>,
    templates: &[(String, String)],
    infos: &[TensorInfo],
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
    let _ = infos;
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

//! Flax checkpoints: msgpack maps of parameters (`flax.serialization.to_bytes`).
//!
//! Arrays are msgpack ext type 1 holding `(shape, dtype name, raw bytes)`;
//! ext 2 is a native complex number, ext 3 a numpy scalar. Decoding builds
//! only dicts, lists, numbers, strings and numpy arrays (`np.frombuffer`
//! refuses object dtypes), so the format has no code path; what can go wrong
//! is structure: truncated or inconsistent arrays, unknown ext types, bytes
//! after the document (which `msgpack.unpackb` rejects). Array data is
//! skipped, never read.

use crate::finding::{abbreviate, Location};
use crate::format::Sniff;
use crate::rule::Rule;
use crate::scan::ScanCtx;

use crate::formats::stop::Stop;
pub use crate::formats::tensors::rules::{MSGPACK_MALFORMED, MSGPACK_UNKNOWN_EXT};
use crate::source::{ByteSource, ReadError, SliceSource, SourceReader};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

/// Rules of the msgpack scanner.
pub const RULES: &[&Rule] = &[&MSGPACK_MALFORMED, &MSGPACK_UNKNOWN_EXT];

/// A msgpack item header (payloads not yet read).
enum Item {
    Nil,
    Bool,
    Uint(u64),
    Int(i64),
    Float,
    Str(u64),
    Bin(u64),
    Array(u64),
    Map(u64),
    Ext(i8, u64),
}

struct Parser<'s, 'c, 'o> {
    r: SourceReader<'s>,
    ctx: Option<&'c mut ScanCtx<'o>>,
    len: u64,
    items: u64,
    arrays: u64,
    parameters: u64,
    by_dtype: BTreeMap<String, u64>,
}

fn dtype_size(name: &str) -> Option<u64> {
    Some(match name {
        "bool" | "int8" | "uint8" | "int4" | "uint4" | "int2" | "uint2" => 1,
        n if n.starts_with("float8") || n.starts_with("float4") || n.starts_with("float6") => 1,
        "int16" | "uint16" | "float16" | "bfloat16" => 2,
        "int32" | "uint32" | "float32" => 4,
        "int64" | "uint64" | "float64" | "complex64" => 8,
        "complex128" => 16,
        _ => return None,
    })
}

impl Parser<'_, '_, '_> {
    fn fail(&mut self, rule: &'static Rule, path: &str, msg: String) -> Stop {
        if let Some(ctx) = self.ctx.as_deref_mut() {
            let loc = if path.is_empty() {
                Location::File
            } else {
                Location::GraphNode {
                    path: path.to_owned(),
                }
            };
            let f = ctx.finding(rule, loc, msg);
            ctx.push(f);
        }
        Stop::Finding
    }

    fn pos(&self) -> u64 {
        self.r.position()
    }

    fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos())
    }

    fn bytes<const N: usize>(&mut self, path: &str) -> Result<[u8; N], Stop> {
        let mut buf = [0u8; N];
        match self.r.read_exact(&mut buf) {
            Ok(()) => Ok(buf),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                let at = self.pos();
                Err(self.fail(
                    &MSGPACK_MALFORMED,
                    path,
                    format!("file ends inside a value at offset {at}"),
                ))
            }
            Err(e) => Err(Stop::Read(ReadError::new(e.to_string()))),
        }
    }

    fn be(&mut self, n: usize, path: &str) -> Result<u64, Stop> {
        Ok(match n {
            1 => u64::from(u8::from_be_bytes(self.bytes(path)?)),
            2 => u64::from(u16::from_be_bytes(self.bytes(path)?)),
            4 => u64::from(u32::from_be_bytes(self.bytes(path)?)),
            _ => u64::from_be_bytes(self.bytes(path)?),
        })
    }

    fn skip(&mut self, n: u64, path: &str) -> Result<(), Stop> {
        if n > self.remaining() {
            let at = self.pos();
            return Err(self.fail(
                &MSGPACK_MALFORMED,
                path,
                format!("{n} bytes at offset {at} run past the end of the file"),
            ));
        }
        let to = self.pos().saturating_add(n);
        self.r
            .seek(SeekFrom::Start(to))
            .map_err(|e| Stop::Read(ReadError::new(e.to_string())))?;
        Ok(())
    }

    fn item(&mut self, path: &str) -> Result<Item, Stop> {
        let [b] = self.bytes::<1>(path)?;
        Ok(match b {
            0x00..=0x7f => Item::Uint(u64::from(b)),
            0x80..=0x8f => Item::Map(u64::from(b & 0x0f)),
            0x90..=0x9f => Item::Array(u64::from(b & 0x0f)),
            0xa0..=0xbf => Item::Str(u64::from(b & 0x1f)),
            0xc0 => Item::Nil,
            0xc2 | 0xc3 => Item::Bool,
            0xc4 => Item::Bin(self.be(1, path)?),
            0xc5 => Item::Bin(self.be(2, path)?),
            0xc6 => Item::Bin(self.be(4, path)?),
            0xc7..=0xc9 => {
                let n = self.be(1 << (b - 0xc7), path)?;
                let [t] = self.bytes::<1>(path)?;
                Item::Ext(i8::from_be_bytes([t]), n)
            }
            0xca => {
                self.skip(4, path)?;
                Item::Float
            }
            0xcb => {
                self.skip(8, path)?;
                Item::Float
            }
            0xcc..=0xcf => Item::Uint(self.be(1 << (b - 0xcc), path)?),
            0xd0 => Item::Int(i64::from(i8::from_be_bytes(self.bytes(path)?))),
            0xd1 => Item::Int(i64::from(i16::from_be_bytes(self.bytes(path)?))),
            0xd2 => Item::Int(i64::from(i32::from_be_bytes(self.bytes(path)?))),
            0xd3 => Item::Int(i64::from_be_bytes(self.bytes(path)?)),
            0xd4..=0xd8 => {
                let [t] = self.bytes::<1>(path)?;
                Item::Ext(i8::from_be_bytes([t]), 1 << (b - 0xd4))
            }
            0xd9 => Item::Str(self.be(1, path)?),
            0xda => Item::Str(self.be(2, path)?),
            0xdb => Item::Str(self.be(4, path)?),
            0xdc => Item::Array(self.be(2, path)?),
            0xdd => Item::Array(self.be(4, path)?),
            0xde => Item::Map(self.be(2, path)?),
            0xdf => Item::Map(self.be(4, path)?),
            0xe0..=0xff => Item::Int(i64::from(i8::from_be_bytes([b]))),
            0xc1 => {
                let at = self.pos().saturating_sub(1);
                return Err(self.fail(
                    &MSGPACK_MALFORMED,
                    path,
                    format!("byte 0xc1 (never used) at offset {at}"),
                ));
            }
        })
    }

    fn count_item(&mut self) -> Result<(), Stop> {
        self.items = self.items.saturating_add(1);
        let max = self
            .ctx
            .as_deref()
            .map_or(u64::MAX, |c| c.limits().tensors.max_msgpack_items);
        if self.items > max {
            if let Some(ctx) = self.ctx.as_deref_mut() {
                ctx.limit_hit(
                    crate::LimitId::TensorsMaxMsgpackItems,
                    max,
                    "in the msgpack document",
                );
            }
            return Err(Stop::Limit);
        }
        Ok(())
    }

    fn string(&mut self, n: u64, path: &str) -> Result<String, Stop> {
        if n > 256 {
            self.skip(n, path)?;
            return Ok(format!("<{n}-byte string>"));
        }
        if n > self.remaining() {
            return Err(self.fail(
                &MSGPACK_MALFORMED,
                path,
                format!("string of {n} bytes runs past the end"),
            ));
        }
        let mut buf = vec![0u8; usize::try_from(n).unwrap_or(0)];
        self.r
            .read_exact(&mut buf)
            .map_err(|e| Stop::Read(ReadError::new(e.to_string())))?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    fn walk(&mut self, depth: u32, path: &str) -> Result<(), Stop> {
        self.count_item()?;
        let max_depth = self
            .ctx
            .as_deref()
            .map_or(64, |c| c.limits().tensors.max_msgpack_depth);
        if depth > max_depth {
            if let Some(ctx) = self.ctx.as_deref_mut() {
                ctx.limit_hit(
                    crate::LimitId::TensorsMaxMsgpackDepth,
                    max_depth,
                    &format!("at `{path}`"),
                );
            }
            return Err(Stop::Limit);
        }
        match self.item(path)? {
            Item::Nil | Item::Bool | Item::Uint(_) | Item::Int(_) | Item::Float => Ok(()),
            Item::Str(n) | Item::Bin(n) => self.skip(n, path),
            Item::Array(n) => {
                if n > self.remaining() {
                    return Err(self.fail(
                        &MSGPACK_MALFORMED,
                        path,
                        format!("array of {n} items cannot fit in the rest of the file"),
                    ));
                }
                for i in 0..n {
                    self.walk(depth.saturating_add(1), &format!("{path}/{i}"))?;
                }
                Ok(())
            }
            Item::Map(n) => {
                if n.saturating_mul(2) > self.remaining() {
                    return Err(self.fail(
                        &MSGPACK_MALFORMED,
                        path,
                        format!("map of {n} entries cannot fit in the rest of the file"),
                    ));
                }
                for _ in 0..n {
                    self.count_item()?;
                    let key = match self.item(path)? {
                        Item::Str(k) => self.string(k, path)?,
                        _ => {
                            return Err(self.fail(
                                &MSGPACK_MALFORMED,
                                path,
                                "a map key is not a string (Flax writes string keys)".into(),
                            ))
                        }
                    };
                    let child = format!("{path}/{}", abbreviate(&key, 80));
                    self.walk(depth.saturating_add(1), &child)?;
                }
                Ok(())
            }
            Item::Ext(ty, n) => self.ext(ty, n, path),
        }
    }

    fn ext(&mut self, ty: i8, n: u64, path: &str) -> Result<(), Stop> {
        if n > self.remaining() {
            return Err(self.fail(
                &MSGPACK_MALFORMED,
                path,
                format!("ext of {n} bytes runs past the end"),
            ));
        }
        let end = self.pos().saturating_add(n);
        match ty {
            1 => self.ndarray(end, path)?,
            2 | 3 => {}
            t => {
                if let Some(ctx) = self.ctx.as_deref_mut() {
                    let f = ctx.finding(
                        &MSGPACK_UNKNOWN_EXT,
                        Location::GraphNode {
                            path: path.to_owned(),
                        },
                        format!("ext type {t} ({n} bytes), which Flax does not write"),
                    );
                    ctx.push(f);
                }
            }
        }
        let to = end;
        self.r
            .seek(SeekFrom::Start(to))
            .map_err(|e| Stop::Read(ReadError::new(e.to_string())))?;
        Ok(())
    }

    /// An ext-1 array: msgpack `[shape, dtype name, bytes]` ending at `end`.
    fn ndarray(&mut self, end: u64, path: &str) -> Result<(), Stop> {
        let bad = |p: &mut Self, what: &str| {
            p.fail(
                &MSGPACK_MALFORMED,
                path,
                format!("array is not (shape, dtype, bytes): {what}"),
            )
        };
        let Item::Array(3) = self.item(path)? else {
            return Err(bad(self, "not a 3-item array"));
        };
        let Item::Array(dims) = self.item(path)? else {
            return Err(bad(self, "shape is not an array"));
        };
        if dims > 64 {
            return Err(bad(self, "more than 64 dimensions"));
        }
        let mut elements = Some(1u64);
        for _ in 0..dims {
            match self.item(path)? {
                Item::Uint(d) => elements = elements.and_then(|e| e.checked_mul(d)),
                Item::Int(d) => match u64::try_from(d) {
                    Ok(d) => elements = elements.and_then(|e| e.checked_mul(d)),
                    Err(_) => return Err(bad(self, &format!("dimension {d} is negative"))),
                },
                _ => return Err(bad(self, "a dimension is not a non-negative integer")),
            }
        }
        let Item::Str(n) = self.item(path)? else {
            return Err(bad(self, "dtype is not a string"));
        };
        let dtype = self.string(n, path)?;
        let Item::Bin(data) = self.item(path)? else {
            return Err(bad(self, "data is not bytes"));
        };
        let data_end = self.pos().saturating_add(data);
        if data_end != end {
            return Err(bad(self, "data does not end where the ext ends"));
        }
        let Some(size) = dtype_size(&dtype) else {
            let msg = format!("unknown dtype `{}`", abbreviate(&dtype, 40));
            return Err(bad(self, &msg));
        };
        let expected = elements.and_then(|e| e.checked_mul(size));
        if expected != Some(data) {
            let msg = format!(
                "{dtype} array of {elements:?} elements needs {expected:?} bytes but holds {data}"
            );
            return Err(self.fail(&MSGPACK_MALFORMED, path, msg));
        }
        self.arrays = self.arrays.saturating_add(1);
        let n = elements.unwrap_or(0);
        self.parameters = self.parameters.saturating_add(n);
        let slot = self.by_dtype.entry(dtype).or_insert(0);
        *slot = slot.saturating_add(n);
        Ok(())
    }

    fn document(&mut self) -> Result<(), Stop> {
        if !matches!(self.item("")?, Item::Map(_)) {
            return Err(self.fail(
                &MSGPACK_MALFORMED,
                "",
                "the document is not a map of parameters".into(),
            ));
        }
        self.r
            .seek(SeekFrom::Start(0))
            .map_err(|e| Stop::Read(ReadError::new(e.to_string())))?;
        self.walk(0, "")?;
        if self.remaining() > 0 {
            let (at, extra) = (self.pos(), self.remaining());
            return Err(self.fail(&MSGPACK_MALFORMED, "", format!("{extra} bytes follow the document at offset {at} (msgpack readers reject them)")));
        }
        Ok(())
    }
}

/// Whether the head looks like a msgpack map with a string first key.
pub fn looks_like(s: &Sniff<'_>) -> bool {
    let name = s.file_name().to_ascii_lowercase();
    let hinted = s.extension() == "msgpack" || name.contains("flax");
    // A non-empty map (0x80 alone is also pickle's PROTO opcode) or, with a
    // name hint, an array: what a Flax reader would then reject.
    let container = match s.head.first() {
        Some(0x81..=0x8f | 0xde | 0xdf) => true,
        Some(0x90..=0x9f | 0xdc | 0xdd) => hinted,
        _ => false,
    };
    if !container {
        return false;
    }
    if hinted {
        return true;
    }
    let skip = match s.head.first() {
        Some(0xde) => 3,
        Some(0xdf) => 5,
        _ => 1,
    };
    if !matches!(s.head.get(skip), Some(0xa0..=0xbf | 0xd9..=0xdb)) {
        return false;
    }
    // Without a name hint, the whole file must be in the head and parse.
    if s.len > s.head.len() as u64 {
        return false;
    }
    let mut src = SliceSource::new(s.head);
    let len = src.len();
    let mut p = Parser {
        r: SourceReader::new(&mut src),
        ctx: None,
        len,
        items: 0,
        arrays: 0,
        parameters: 0,
        by_dtype: BTreeMap::new(),
    };
    p.document().is_ok() && p.arrays > 0
}

/// Scan a Flax msgpack file.
pub fn scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<(), ReadError> {
    let len = src.len();
    let mut p = Parser {
        r: SourceReader::new(src),
        ctx: Some(&mut *ctx),
        len,
        items: 0,
        arrays: 0,
        parameters: 0,
        by_dtype: BTreeMap::new(),
    };
    let result = p.document();
    let (arrays, parameters, by_dtype) = (p.arrays, p.parameters, std::mem::take(&mut p.by_dtype));
    drop(p);
    crate::formats::stop::settle(result, ctx, &MSGPACK_MALFORMED, "the file", "msgpack")?;
    ctx.fact(
        "flax.params",
        json!({"arrays": arrays, "parameters": parameters, "parameters_by_dtype": by_dtype}),
    );
    ctx.fact(
        "flax.code_path",
        json!("none: Flax msgpack decoding builds only dicts, numbers, strings and numpy arrays"),
    );
    Ok(())
}

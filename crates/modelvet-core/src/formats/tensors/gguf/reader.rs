//! The GGUF byte reader: endian-aware integers, strings and metadata values,
//! every length checked against the file and a named limit first.

use crate::finding::Location;
use crate::formats::tensors::rules::{GGUF_INTEGER_OVERFLOW, GGUF_MALFORMED};
use crate::scan::ScanCtx;
use crate::source::{ReadError, SourceReader};
use std::io::{Read, Seek, SeekFrom};

pub(super) use crate::formats::stop::Stop;

/// A scalar metadata value kept for facts and checks.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
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

pub(super) struct Parser<'s, 'c, 'o> {
    pub(super) r: SourceReader<'s>,
    pub(super) ctx: &'c mut ScanCtx<'o>,
    pub(super) len: u64,
    pub(super) big_endian: bool,
    /// Version 1 uses 32-bit counts and lengths.
    pub(super) v1: bool,
}

impl Parser<'_, '_, '_> {
    pub(super) fn pos(&self) -> u64 {
        self.r.position()
    }

    pub(super) fn malformed(&mut self, loc: Location, msg: String) -> Stop {
        let f = self.ctx.finding(&GGUF_MALFORMED, loc, msg);
        self.ctx.push(f);
        Stop::Finding
    }

    pub(super) fn overflow(&mut self, loc: Location, msg: String) -> Stop {
        let f = self.ctx.finding(&GGUF_INTEGER_OVERFLOW, loc, msg);
        self.ctx.push(f);
        Stop::Finding
    }

    pub(super) fn bytes<const N: usize>(&mut self) -> Result<[u8; N], Stop> {
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

    pub(super) fn u32(&mut self) -> Result<u32, Stop> {
        Ok(u32::from_le_bytes(self.bytes::<4>()?))
    }

    pub(super) fn u64(&mut self) -> Result<u64, Stop> {
        Ok(u64::from_le_bytes(self.bytes::<8>()?))
    }

    /// A count or length: u32 in version 1, u64 after.
    pub(super) fn count(&mut self) -> Result<u64, Stop> {
        if self.v1 {
            self.u32().map(u64::from)
        } else {
            self.u64()
        }
    }

    pub(super) fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos())
    }

    pub(super) fn skip(&mut self, n: u64, what: &str) -> Result<(), Stop> {
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
    pub(super) fn string(&mut self, keep: u64, what: &str) -> Result<Result<String, u64>, Stop> {
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
                crate::LimitId::TensorsMaxGgufString,
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
    pub(super) fn value(
        &mut self,
        ty: u32,
        key: &str,
        keep: u64,
        depth: u32,
    ) -> Result<Value, Stop> {
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

    pub(super) fn array(&mut self, key: &str, depth: u32) -> Result<Value, Stop> {
        let loc = || Location::GgufKey {
            key: key.to_owned(),
        };
        let limits = self.ctx.limits().tensors.clone();
        if depth >= limits.max_gguf_array_depth {
            self.ctx.limit_hit(
                crate::LimitId::TensorsMaxGgufArrayDepth,
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
                crate::LimitId::TensorsMaxGgufArray,
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

//! A small, bounds-checked reader of the protobuf wire format.
//!
//! Messages are spans `[start, end)` of a [`ByteSource`]; fields are read one
//! at a time through a small read-ahead cache, and length-delimited payloads
//! are returned as spans, never copied unless asked for. A multi-gigabyte ONNX
//! initializer is skipped by moving a cursor, not by reading it. No schema
//! compiler is involved: each scanner names the field numbers it needs.

pub(crate) use crate::formats::stop::Stop;
use crate::source::{ByteSource, ReadError};
use std::fmt;

/// A byte range of the source holding one message (or one payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

impl Span {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The value of one field, by wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2: a string, bytes, sub-message or packed repeated field.
    Len(Span),
    /// Wire type 5.
    Fixed32(u32),
    /// Wire types 3 and 4: a (deprecated) group, from after its start tag to
    /// its end tag. Parsers skip groups of fields they do not know, so a
    /// group hides nothing from a loader and must not stop a scan.
    Group(Span),
}

/// Deepest nesting of groups skipped (protobuf's default recursion limit;
/// deeper input is rejected by `protobuf` and `upb` too).
pub const MAX_GROUP_DEPTH: usize = 100;

/// One field of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Field number.
    pub number: u32,
    /// Offset of the field's tag.
    pub offset: u64,
    /// Its value.
    pub value: Value,
}

impl Field {
    /// The payload span of a length-delimited field.
    pub fn span(&self) -> Option<Span> {
        match self.value {
            Value::Len(span) => Some(span),
            _ => None,
        }
    }

    /// The value of a varint field.
    pub fn varint(&self) -> Option<u64> {
        match self.value {
            Value::Varint(v) => Some(v),
            _ => None,
        }
    }
}

/// Why a message could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// The bytes are not valid protobuf (a finding on the artifact).
    Malformed {
        /// Where.
        offset: u64,
        /// What is wrong.
        what: &'static str,
    },
    /// The source failed (an error of the scan).
    Read(ReadError),
}

impl From<ReadError> for WireError {
    fn from(e: ReadError) -> Self {
        WireError::Read(e)
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Malformed { offset, what } => write!(f, "{what} at byte {offset}"),
            WireError::Read(e) => write!(f, "{e}"),
        }
    }
}

fn malformed(offset: u64, what: &'static str) -> WireError {
    WireError::Malformed { offset, what }
}

/// Reads protobuf fields out of a [`ByteSource`].
pub struct Reader<'s> {
    src: &'s mut dyn ByteSource,
    cache: Vec<u8>,
    cache_start: u64,
    /// Fields read so far (all messages), for the caller's limit.
    pub fields_read: u64,
}

const CACHE: usize = 16 * 1024;

impl<'s> Reader<'s> {
    /// A reader of `src`.
    pub fn new(src: &'s mut dyn ByteSource) -> Reader<'s> {
        Reader {
            src,
            cache: Vec::new(),
            cache_start: 0,
            fields_read: 0,
        }
    }

    /// The whole source as one message.
    pub fn whole(&self) -> Span {
        Span {
            start: 0,
            end: self.src.len(),
        }
    }

    fn byte(&mut self, at: u64) -> Result<Option<u8>, ReadError> {
        let cached_end = self.cache_start.saturating_add(self.cache.len() as u64);
        if at < self.cache_start || at >= cached_end {
            self.cache.resize(CACHE, 0);
            let n = self.src.read_at(at, &mut self.cache)?;
            self.cache.truncate(n);
            self.cache_start = at;
        }
        let i = usize::try_from(at.saturating_sub(self.cache_start)).unwrap_or(usize::MAX);
        Ok(self.cache.get(i).copied())
    }

    fn varint(&mut self, at: &mut u64, end: u64) -> Result<u64, WireError> {
        let start = *at;
        let mut value = 0u64;
        for i in 0..10u32 {
            if *at >= end {
                return Err(malformed(start, "truncated varint"));
            }
            let b = self
                .byte(*at)?
                .ok_or_else(|| malformed(start, "truncated varint"))?;
            *at = at.saturating_add(1);
            // The tenth byte's bits past 64 are dropped, as protobuf (C++ and
            // upb) drops them: the value is the low 64 bits.
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed(start, "varint longer than 10 bytes"))
    }

    fn fixed(&mut self, at: &mut u64, end: u64, n: u32) -> Result<u64, WireError> {
        let start = *at;
        let mut value = 0u64;
        for i in 0..n {
            if *at >= end {
                return Err(malformed(start, "truncated fixed-width field"));
            }
            let b = self
                .byte(*at)?
                .ok_or_else(|| malformed(start, "truncated fixed-width field"))?;
            value |= u64::from(b) << (8 * i);
            *at = at.saturating_add(1);
        }
        Ok(value)
    }

    /// Skip a group whose start tag (field `number`) is before `cursor`, as
    /// protobuf parsers skip unknown groups: every field inside is read (and
    /// counted), nested groups up to [`MAX_GROUP_DEPTH`], and the group ends
    /// at the end tag of the same number. Returns the span of its content.
    fn skip_group(&mut self, number: u32, cursor: &mut u64, end: u64) -> Result<Span, WireError> {
        let start = *cursor;
        let mut open = vec![number];
        loop {
            let at = *cursor;
            if at >= end {
                return Err(malformed(start, "group runs past its message"));
            }
            let tag = self.varint(cursor, end)?;
            let n = u32::try_from(tag >> 3).map_err(|_| malformed(at, "field number too large"))?;
            if n == 0 || n > 536_870_911 {
                return Err(malformed(at, "invalid field number"));
            }
            self.fields_read = self.fields_read.saturating_add(1);
            match tag & 7 {
                0 => {
                    self.varint(cursor, end)?;
                }
                1 => {
                    self.fixed(cursor, end, 8)?;
                }
                2 => {
                    let len = self.varint(cursor, end)?;
                    *cursor = cursor
                        .checked_add(len)
                        .filter(|e| *e <= end)
                        .ok_or_else(|| {
                            malformed(at, "length-delimited field runs past its message")
                        })?;
                }
                5 => {
                    self.fixed(cursor, end, 4)?;
                }
                3 => {
                    if open.len() >= MAX_GROUP_DEPTH {
                        return Err(malformed(at, "groups nested too deep"));
                    }
                    open.push(n);
                }
                4 => {
                    if open.pop() != Some(n) {
                        return Err(malformed(at, "end-group tag does not match its group"));
                    }
                    if open.is_empty() {
                        return Ok(Span { start, end: at });
                    }
                }
                _ => return Err(malformed(at, "invalid wire type")),
            }
        }
    }

    /// Read the next field of the message ending at `end`, advancing `cursor`.
    /// `Ok(None)` at the end of the message.
    pub fn next_field(&mut self, cursor: &mut u64, end: u64) -> Result<Option<Field>, WireError> {
        if *cursor >= end {
            return Ok(None);
        }
        let offset = *cursor;
        let tag = self.varint(cursor, end)?;
        let number =
            u32::try_from(tag >> 3).map_err(|_| malformed(offset, "field number too large"))?;
        if number == 0 || number > 536_870_911 {
            return Err(malformed(offset, "invalid field number"));
        }
        let value = match tag & 7 {
            0 => Value::Varint(self.varint(cursor, end)?),
            1 => Value::Fixed64(self.fixed(cursor, end, 8)?),
            2 => {
                let len = self.varint(cursor, end)?;
                let start = *cursor;
                let stop = start
                    .checked_add(len)
                    .filter(|e| *e <= end)
                    .ok_or_else(|| {
                        malformed(offset, "length-delimited field runs past its message")
                    })?;
                *cursor = stop;
                Value::Len(Span { start, end: stop })
            }
            5 => Value::Fixed32(u32::try_from(self.fixed(cursor, end, 4)?).unwrap_or(u32::MAX)),
            3 => Value::Group(self.skip_group(number, cursor, end)?),
            4 => return Err(malformed(offset, "end-group tag without a group")),
            _ => return Err(malformed(offset, "invalid wire type")),
        };
        self.fields_read = self.fields_read.saturating_add(1);
        Ok(Some(Field {
            number,
            offset,
            value,
        }))
    }

    /// The bytes of `span`, at most `max` of them. Returns the bytes and
    /// whether the span was longer than `max`.
    pub fn bytes(&mut self, span: Span, max: u64) -> Result<(Vec<u8>, bool), ReadError> {
        let want = span.len().min(max);
        let bytes = crate::source::read_window(self.src, span.start, want)?;
        Ok((bytes, span.len() > max))
    }

    /// The payload of `span` as text (lossy UTF-8), at most `max` bytes.
    pub fn text(&mut self, span: Span, max: u64) -> Result<String, ReadError> {
        let (bytes, _) = self.bytes(span, max)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

impl From<WireError> for Stop {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Malformed { offset, what } => Stop::Malformed(offset, what),
            WireError::Read(e) => Stop::Read(e),
        }
    }
}

impl Reader<'_> {
    /// The next field of `[cursor, end)`, read only while fewer than
    /// `max_fields` fields (`graphs.max_proto_fields`) have been read in the
    /// whole model; past it the limit is reported and the walk stops.
    pub(crate) fn next_bounded(
        &mut self,
        cursor: &mut u64,
        end: u64,
        max_fields: u64,
        ctx: &mut crate::scan::ScanCtx<'_>,
    ) -> Walk<Option<Field>> {
        if self.fields_read >= max_fields {
            ctx.limit_hit(
                crate::LimitId::GraphsMaxProtoFields,
                max_fields,
                &format!("at byte {cursor}"),
            );
            return Err(Stop::Limit);
        }
        Ok(self.next_field(cursor, end)?)
    }
}

/// Result of one step of a protobuf walk.
pub(crate) type Walk<T = ()> = Result<T, Stop>;

/// Settle the end of a walk: malformed wire data becomes a finding of `rule`
/// at its offset (what was found before it is kept), a limit stop was already
/// reported, and a read failure is returned as the tool error it is.
pub(crate) fn settle(
    result: Walk,
    ctx: &mut crate::scan::ScanCtx<'_>,
    rule: &'static crate::rule::Rule,
    subject: &str,
) -> Result<(), ReadError> {
    crate::formats::stop::settle(result, ctx, rule, subject, "protobuf")
}

/// Walk a message held in memory (sniffing): each field is passed to `visit`
/// with its payload clipped to `buf`. Stops at the end of `buf` (a payload
/// running past it is passed with `complete = false`) or at the first
/// malformed field (`Err`).
pub fn walk_prefix(
    buf: &[u8],
    mut visit: impl FnMut(u32, PrefixValue<'_>) -> bool,
) -> Result<(), u64> {
    let mut src = crate::source::SliceSource::new(buf);
    let mut reader = Reader::new(&mut src);
    let end = buf.len() as u64;
    let mut cursor = 0u64;
    while cursor < end {
        let at = cursor;
        // A tag or length cut by the end of the window is not an error.
        match reader.next_field(&mut cursor, u64::MAX) {
            Ok(Some(field)) => {
                let value = match field.value {
                    Value::Varint(v) => PrefixValue::Varint(v),
                    Value::Fixed64(_) | Value::Fixed32(_) => PrefixValue::Fixed,
                    Value::Group(_) => PrefixValue::Group,
                    Value::Len(span) => {
                        let start = usize::try_from(span.start).unwrap_or(usize::MAX);
                        let stop = usize::try_from(span.end.min(end)).unwrap_or(usize::MAX);
                        PrefixValue::Len {
                            payload: buf.get(start..stop).unwrap_or_default(),
                            complete: span.end <= end,
                        }
                    }
                };
                if cursor > end {
                    if let PrefixValue::Len { .. } = value {
                        visit(field.number, value);
                    }
                    return Ok(());
                }
                if !visit(field.number, value) {
                    return Ok(());
                }
            }
            Ok(None) => return Ok(()),
            Err(WireError::Malformed { what, .. }) if what.starts_with("truncated") => {
                return Ok(())
            }
            Err(_) => return Err(at),
        }
    }
    Ok(())
}

/// A field value seen while sniffing.
#[derive(Debug, Clone, Copy)]
pub enum PrefixValue<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1 or 5.
    Fixed,
    /// A whole group (wire type 3 to its end tag).
    Group,
    /// Wire type 2, with the part of the payload inside the window.
    Len {
        /// Payload bytes inside the window.
        payload: &'a [u8],
        /// Whether the whole payload is inside the window.
        complete: bool,
    },
}

impl PrefixValue<'_> {
    /// The protobuf wire type of this value (1 and 5 both report 1).
    pub fn wire_type(&self) -> u8 {
        match self {
            PrefixValue::Varint(_) => 0,
            PrefixValue::Fixed => 1,
            PrefixValue::Len { .. } => 2,
            PrefixValue::Group => 3,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

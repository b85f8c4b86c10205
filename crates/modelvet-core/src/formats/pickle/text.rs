//! Decoding the textual and numeric arguments of opcodes as CPython does
//! (`int(x, 0)`, `codecs.escape_decode`, `raw-unicode-escape`, little-endian
//! two's-complement longs).

use super::value::{as_str, with, Node, Val};

/// Decode UTF-8 leniently; a prefix cut inside a character loses only that character.
pub fn utf8_prefix(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whether `bytes` decode as `PyUnicode_DecodeUTF8(.., "surrogatepass")`
/// does for `BINUNICODE` (lone surrogates `ED A0..BF ..` pass, any other bad
/// sequence raises). `cut`: only a prefix is held, so a sequence cut at its
/// end is not an error.
pub fn utf8_surrogatepass(bytes: &[u8], cut: bool) -> bool {
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(_) => return true,
            Err(e) => {
                let at = e.valid_up_to();
                let Some(after) = rest.get(at..) else {
                    return false;
                };
                match (after, e.error_len()) {
                    ([0xed, 0xa0..=0xbf, 0x80..=0xbf, ..], _) => {
                        rest = after.get(3..).unwrap_or_default();
                    }
                    (_, None) => return cut,
                    _ => return false,
                }
            }
        }
    }
}

/// Decode bytes one char per byte (Python's `latin1`).
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Whether `s` is a special `__name__`.
pub fn is_dunder(s: &str) -> bool {
    s.len() > 4 && s.starts_with("__") && s.ends_with("__")
}

/// Whether `s` can name a special attribute of Python's data model
/// (`__class__`, `__setstate__`, `__globals__`, ...). Every name Python
/// defines is a lowercase dunder; a key such as `__FILE_RESOURCE_DATA__`
/// only looks like one and is ordinary instance state.
pub fn is_special_attribute(s: &str) -> bool {
    is_dunder(s)
        && s.get(2..s.len().saturating_sub(2)).is_some_and(|inner| {
            inner
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// CPython's `sys.int_info.default_max_str_digits`: `int()` of a longer
/// decimal string raises `ValueError` (3.11+, and 3.7.14 / 3.8.14 / 3.9.14 /
/// 3.10.7 security releases), and so do the unpickler's `LONG` and `INT`.
pub const MAX_STR_DIGITS: u64 = 4300;

/// `Py_ISSPACE`: the whitespace `PyLong_FromString` skips.
fn py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The C string the unpickler hands to `strtol` and friends: the line with
/// its `\n`, ending at the first NUL byte.
fn c_string(line: &[u8], newline: bool) -> Vec<u8> {
    let mut s: Vec<u8> = line.to_vec();
    if newline {
        s.push(b'\n');
    }
    if let Some(nul) = s.iter().position(|&b| b == 0) {
        s.truncate(nul);
    }
    s
}

/// Skip leading whitespace (C's `isspace`, Python's `Py_ISSPACE`: the same
/// six bytes) and one sign, as `strtol` and `PyLong_FromString` both do: the
/// index after them and whether the sign was `-`.
fn space_and_sign(s: &[u8]) -> (usize, bool) {
    let mut i = 0usize;
    while s.get(i).copied().is_some_and(py_space) {
        i += 1;
    }
    match s.get(i) {
        Some(b'+') => (i + 1, false),
        Some(b'-') => (i + 1, true),
        _ => (i, false),
    }
}

/// `PyLong_FromString(s, NULL, base)` (`Objects/longobject.c`) for base 0 or
/// 10 on a C string `s` (no NUL inside): optional whitespace, a sign, a
/// `0x`/`0o`/`0b` prefix in base 0 (one `_` may follow it), digits with single
/// underscores between them, optional whitespace. Base 0 rejects a leading
/// zero unless the value is zero; decimal strings over [`MAX_STR_DIGITS`]
/// digits raise.
pub fn py_long_from_string(s: &[u8], base: u32) -> Option<Node> {
    let (mut i, neg) = space_and_sign(s);
    let at = |k: usize| s.get(k).copied().unwrap_or(0).to_ascii_lowercase();
    let mut radix = base;
    let mut zero_only = false;
    if base == 0 {
        radix = match (at(i), at(i + 1)) {
            (b'0', b'x') => 16,
            (b'0', b'o') => 8,
            (b'0', b'b') => 2,
            (b'0', _) => {
                zero_only = true;
                10
            }
            _ => 10,
        };
    }
    let prefixed =
        at(i) == b'0' && matches!((radix, at(i + 1)), (16, b'x') | (8, b'o') | (2, b'b'));
    if prefixed {
        i += 2;
        if s.get(i) == Some(&b'_') {
            i += 1;
        }
    }
    if s.get(i) == Some(&b'_') {
        return None;
    }
    let mut digits = 0u64;
    let mut nonzero = false;
    let mut prev = 0u8;
    let mut value: Option<i128> = Some(0);
    while let Some(&c) = s.get(i) {
        if c == b'_' {
            if prev == b'_' {
                return None;
            }
        } else {
            let Some(d) = char::from(c).to_digit(radix) else {
                break;
            };
            digits += 1;
            nonzero |= d != 0;
            value = value
                .and_then(|v| v.checked_mul(i128::from(radix)))
                .and_then(|v| v.checked_add(i128::from(d)));
        }
        prev = c;
        i += 1;
    }
    if prev == b'_' || digits == 0 {
        return None;
    }
    if zero_only && nonzero {
        return None;
    }
    if radix == 10 && digits > MAX_STR_DIGITS {
        return None;
    }
    while s.get(i).copied().is_some_and(py_space) {
        i += 1;
    }
    if i != s.len() {
        return None;
    }
    Some(int_node(value, neg, digits))
}

fn int_node(value: Option<i128>, neg: bool, digits: u64) -> Node {
    let v = value.map(|v| if neg { -v } else { v });
    match v.and_then(|v| i64::try_from(v).ok()) {
        Some(v) => Node::Int(v),
        None => Node::BigInt(digits),
    }
}

/// glibc `strtol(s, &end, 0)` on a C string: whitespace, a sign, `0x` (only
/// when a hex digit follows), a leading `0` for octal, digits. Returns the
/// value (`None` on `ERANGE`) and the index `end` points at (0 when no
/// digit was read, as C sets `end` to the start).
fn c_strtol0(s: &[u8]) -> (Option<i64>, usize) {
    let (mut i, neg) = space_and_sign(s);
    let hex_digit = |k: usize| s.get(k).is_some_and(|b| b.is_ascii_hexdigit());
    let radix: u32 =
        if s.get(i) == Some(&b'0') && matches!(s.get(i + 1), Some(b'x' | b'X')) && hex_digit(i + 2)
        {
            i += 2;
            16
        } else if s.get(i) == Some(&b'0') {
            8
        } else {
            10
        };
    let start = i;
    let mut value: Option<i128> = Some(0);
    while let Some(d) = s.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
        value = value
            .and_then(|v| v.checked_mul(i128::from(radix)))
            .and_then(|v| v.checked_add(i128::from(d)));
        i += 1;
    }
    if i == start {
        return (Some(0), 0);
    }
    let v = value
        .map(|v| if neg { -v } else { v })
        .and_then(|v| i64::try_from(v).ok());
    (v, i)
}

/// The argument of protocol 0 `INT` (without its `\n`) as `_pickle.c`'s
/// `load_int` reads it: `strtol(s, &end, 0)`, accepted when it stops at the
/// newline or a NUL byte (so `010` is 8 and `1\0junk` is 1); otherwise (or on
/// overflow) `PyLong_FromString(s, NULL, 0)`. A three-byte line (`\n`
/// included) whose value is 0 or 1 is a bool (`00`, `01`, ` 1`, `+1`, `-0`).
/// `None` where the loader raises. Assumes a 64-bit C `long` (Linux, macOS).
pub fn load_int(line: &[u8]) -> Option<Node> {
    if line.is_empty() {
        return None;
    }
    let s = c_string(line, true);
    let (x, end) = c_strtol0(&s);
    match (x, s.get(end)) {
        (Some(x), None | Some(b'\n')) => {
            if line.len() == 2 && (x == 0 || x == 1) {
                Some(Node::Bool(x == 1))
            } else {
                Some(Node::Int(x))
            }
        }
        _ => py_long_from_string(&s, 0),
    }
}

/// The argument of protocol 0 `LONG` as `load_long` reads it: a final `L`
/// is cut (replaced by a NUL), then `PyLong_FromString(s, NULL, 0)`.
pub fn load_long(line: &[u8]) -> Option<Node> {
    if line.is_empty() {
        return None;
    }
    let s = match line.split_last() {
        Some((b'L', rest)) => c_string(rest, false),
        _ => c_string(line, true),
    };
    py_long_from_string(&s, 0)
}

/// The index of protocol 0 `GET` and `PUT`: `PyLong_FromString(s, NULL, 10)`.
pub fn load_index(line: &[u8]) -> Option<Node> {
    if line.is_empty() {
        return None;
    }
    py_long_from_string(&c_string(line, true), 10)
}

/// The argument of protocol 0 `FLOAT` as `load_float` reads it:
/// `PyOS_string_to_double(s, &end, OverflowError)` (no whitespace, no
/// underscores, `inf`/`infinity`/`nan` in any case, a value too large raises),
/// accepted when `end` is at the newline or a NUL byte.
pub fn load_float(line: &[u8]) -> Option<f64> {
    if line.is_empty() {
        return None;
    }
    let s = c_string(line, true);
    let (value, end) = dg_strtod(&s).or_else(|| inf_or_nan(&s))?;
    match s.get(end) {
        None | Some(b'\n') => Some(value),
        _ => None,
    }
}

/// `_Py_dg_strtod`: the longest prefix `[+-]digits[.digits][e[+-]digits]`
/// with at least one mantissa digit. `None` if there is none, or if the value
/// overflows (`PyOS_string_to_double` raises the overflow exception).
fn dg_strtod(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0usize;
    if matches!(s.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let from = *i;
        while s.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let mut mantissa = digits(&mut i);
    if s.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if digits(&mut j) > 0 {
            i = j;
        }
    }
    let text = std::str::from_utf8(s.get(..i)?).ok()?;
    let v: f64 = text.parse().ok()?;
    v.is_finite().then_some((v, i))
}

/// `_Py_parse_inf_or_nan`.
fn inf_or_nan(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0usize;
    let neg = match s.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let word = |i: usize, w: &[u8]| {
        s.get(i..i + w.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(w))
    };
    if word(i, b"inf") {
        i += 3;
        if word(i, b"inity") {
            i += 5;
        }
        Some((
            if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            },
            i,
        ))
    } else if word(i, b"nan") {
        Some((f64::NAN, i + 3))
    } else {
        None
    }
}

/// A `LONG1`/`LONG4` payload: little-endian two's complement.
pub fn decode_long(bytes: &[u8], len: u64) -> Node {
    if len > 8 || bytes.len() as u64 != len {
        return Node::BigInt(len);
    }
    let mut buf = if bytes.last().is_some_and(|b| b & 0x80 != 0) {
        [0xffu8; 8]
    } else {
        [0u8; 8]
    };
    for (dst, src) in buf.iter_mut().zip(bytes) {
        *dst = *src;
    }
    Node::Int(i64::from_le_bytes(buf))
}

/// A decoded protocol 0 string: its first `keep` bytes (UTF-8 for text)
/// and its full decoded length in bytes, however long the line.
#[derive(Debug, Default)]
struct Kept {
    out: Vec<u8>,
    len: u64,
    keep: usize,
}

impl Kept {
    fn push(&mut self, b: u8) {
        if self.out.len() < self.keep {
            self.out.push(b);
        }
        self.len = self.len.saturating_add(1);
    }

    /// Whether the prefix is complete: from here on only the length grows.
    fn full(&self) -> bool {
        self.out.len() >= self.keep
    }

    fn push_char(&mut self, c: char) {
        if self.full() {
            self.len = self.len.saturating_add(c.len_utf8() as u64);
            return;
        }
        let mut buf = [0u8; 4];
        let enc = c.encode_utf8(&mut buf).as_bytes();
        if self.out.len().saturating_add(enc.len()) <= self.keep {
            self.out.extend_from_slice(enc);
        } else {
            self.keep = self.out.len();
        }
        self.len = self.len.saturating_add(enc.len() as u64);
    }
}

/// Where [`EscapeDecoder`] is inside an escape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    Backslash,
    Hex(Option<u8>),
    Octal(u32, u8),
}

/// The argument of protocol 0 `STRING`, decoded byte by byte as `load_string`
/// does: the line must start and end with the same quote (`'` or `"`), and
/// what is between goes through `PyBytes_DecodeEscape` (`\x` needs two hex
/// digits, a trailing backslash raises, unknown escapes stay as written,
/// octal escapes keep their low byte). Only a prefix of the result is held.
#[derive(Debug)]
pub struct StringLine {
    quote: Option<u8>,
    held: Option<u8>,
    esc: Esc,
    kept: Kept,
    bad: bool,
}

impl StringLine {
    /// A decoder keeping the first `keep` bytes.
    pub fn new(keep: usize) -> StringLine {
        StringLine {
            quote: None,
            held: None,
            esc: Esc::None,
            kept: Kept {
                keep,
                ..Kept::default()
            },
            bad: false,
        }
    }

    /// The next byte of the line (never its `\n`).
    pub fn push(&mut self, b: u8) {
        if self.quote.is_none() {
            if b == b'\'' || b == b'"' {
                self.quote = Some(b);
            } else {
                self.bad = true;
            }
            return;
        }
        // The last byte is the closing quote: decode each byte once the
        // next one has arrived.
        if let Some(prev) = self.held.replace(b) {
            self.decode(prev);
        }
    }

    /// [`StringLine::push`] for each byte of `bytes`; runs without a
    /// backslash are only counted once the prefix is complete.
    pub fn push_slice(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some((&first, tail)) = rest.split_first() {
            let plain_state = self.quote.is_some()
                && self.esc == Esc::None
                && self.kept.full()
                && self.held.is_some_and(|h| h != b'\\');
            if plain_state {
                // `held` and the run before the next backslash are plain
                // bytes, one output byte each; the run's last byte is held.
                let run = memchr::memchr(b'\\', rest).unwrap_or(rest.len());
                if let (Some(last), Some(after)) = (run.checked_sub(1), rest.get(run..)) {
                    self.kept.len = self.kept.len.saturating_add(run as u64);
                    self.held = rest.get(last).copied();
                    rest = after;
                    continue;
                }
            }
            self.push(first);
            rest = tail;
        }
    }

    fn decode(&mut self, b: u8) {
        match self.esc {
            Esc::None => {
                if b == b'\\' {
                    self.esc = Esc::Backslash;
                } else {
                    self.kept.push(b);
                }
            }
            Esc::Backslash => {
                self.esc = Esc::None;
                match b {
                    b'\n' => {}
                    b'\\' | b'\'' | b'"' => self.kept.push(b),
                    b'a' => self.kept.push(7),
                    b'b' => self.kept.push(8),
                    b'f' => self.kept.push(12),
                    b'n' => self.kept.push(b'\n'),
                    b'r' => self.kept.push(b'\r'),
                    b't' => self.kept.push(b'\t'),
                    b'v' => self.kept.push(11),
                    b'x' => self.esc = Esc::Hex(None),
                    b'0'..=b'7' => self.esc = Esc::Octal(u32::from(b - b'0'), 1),
                    other => {
                        self.kept.push(b'\\');
                        self.kept.push(other);
                    }
                }
            }
            Esc::Hex(first) => match (first, char::from(b).to_digit(16)) {
                (_, None) => {
                    self.bad = true;
                    self.esc = Esc::None;
                }
                (None, Some(d)) => self.esc = Esc::Hex(Some(d as u8)),
                (Some(h), Some(d)) => {
                    self.kept.push((h << 4) | d as u8);
                    self.esc = Esc::None;
                }
            },
            Esc::Octal(v, n) => {
                if (b'0'..=b'7').contains(&b) && n < 3 {
                    let v = v * 8 + u32::from(b - b'0');
                    if n == 2 {
                        self.kept.push((v & 0xff) as u8);
                        self.esc = Esc::None;
                    } else {
                        self.esc = Esc::Octal(v, n + 1);
                    }
                } else {
                    self.kept.push((v & 0xff) as u8);
                    self.esc = Esc::None;
                    self.decode(b);
                }
            }
        }
    }

    /// The line ended: the decoded prefix (latin-1) and full length, or
    /// `None` where the loader raises.
    pub fn finish(mut self) -> Option<(String, u64)> {
        let (Some(quote), Some(last)) = (self.quote, self.held) else {
            return None;
        };
        if last != quote || self.bad {
            return None;
        }
        match self.esc {
            Esc::None => {}
            Esc::Octal(v, _) => self.kept.push((v & 0xff) as u8),
            Esc::Backslash | Esc::Hex(_) => return None,
        }
        let s = latin1(&self.kept.out);
        // A string kept whole is measured as the text it became.
        let len = if self.kept.out.len() as u64 == self.kept.len {
            s.len() as u64
        } else {
            self.kept.len
        };
        Some((s, len))
    }
}

/// The argument of protocol 0 `UNICODE`, decoded byte by byte with
/// `raw-unicode-escape` as `load_unicode` does: `\uXXXX` and `\UXXXXXXXX`
/// (a truncated or out-of-range escape raises), a backslash before any other
/// byte keeps both (so `\\u0041` stays as written), other bytes are latin-1.
/// Surrogates, which a Rust string cannot hold, become U+FFFD.
#[derive(Debug)]
pub struct UnicodeLine {
    /// `Some((digits left, value))` inside `\u`/`\U`.
    hex: Option<(u8, u32)>,
    backslash: bool,
    kept: Kept,
    bad: bool,
}

impl UnicodeLine {
    /// A decoder keeping the first `keep` bytes (UTF-8) of the text.
    pub fn new(keep: usize) -> UnicodeLine {
        UnicodeLine {
            hex: None,
            backslash: false,
            kept: Kept {
                keep,
                ..Kept::default()
            },
            bad: false,
        }
    }

    /// [`UnicodeLine::push`] for each byte of `bytes`; runs without a
    /// backslash are only measured once the prefix is complete.
    pub fn push_slice(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some((&first, tail)) = rest.split_first() {
            if self.hex.is_none() && !self.backslash && self.kept.full() {
                // Latin-1: a byte below 0x80 is one UTF-8 byte, others two.
                let run = memchr::memchr(b'\\', rest).unwrap_or(rest.len());
                let (plain, after) = rest.split_at(run);
                if !plain.is_empty() {
                    let high = plain.iter().filter(|b| **b >= 0x80).count();
                    let grow = (plain.len() as u64).saturating_add(high as u64);
                    self.kept.len = self.kept.len.saturating_add(grow);
                    rest = after;
                    continue;
                }
            }
            self.push(first);
            rest = tail;
        }
    }

    /// The next byte of the line (never its `\n`).
    pub fn push(&mut self, b: u8) {
        if let Some((left, v)) = self.hex {
            match char::from(b).to_digit(16) {
                Some(d) => {
                    let v = (v << 4) | d;
                    if left == 1 {
                        self.hex = None;
                        match char::from_u32(v) {
                            Some(c) => self.kept.push_char(c),
                            None if v <= 0x10_ffff => self.kept.push_char('\u{fffd}'),
                            None => self.bad = true,
                        }
                    } else {
                        self.hex = Some((left - 1, v));
                    }
                }
                None => {
                    self.bad = true;
                    self.hex = None;
                }
            }
            return;
        }
        if self.backslash {
            self.backslash = false;
            match b {
                b'u' => self.hex = Some((4, 0)),
                b'U' => self.hex = Some((8, 0)),
                other => {
                    self.kept.push_char('\\');
                    self.kept.push_char(char::from(other));
                }
            }
            return;
        }
        if b == b'\\' {
            self.backslash = true;
        } else {
            self.kept.push_char(char::from(b));
        }
    }

    /// The line ended: the decoded prefix and full UTF-8 length, or `None`
    /// where the loader raises.
    pub fn finish(mut self) -> Option<(String, u64)> {
        if self.bad || self.hex.is_some() {
            return None;
        }
        if self.backslash {
            self.kept.push_char('\\');
        }
        Some((utf8_prefix(&self.kept.out), self.kept.len))
    }
}

/// A whole `STRING` argument (see [`StringLine`]), kept in full.
#[cfg(test)]
pub fn parse_quoted(line: &[u8]) -> Option<String> {
    let mut d = StringLine::new(usize::MAX);
    line.iter().for_each(|&b| d.push(b));
    d.finish().map(|(s, _)| s)
}

/// A whole `UNICODE` argument (see [`UnicodeLine`]), kept in full.
#[cfg(test)]
pub fn raw_unicode_escape(line: &[u8]) -> Option<String> {
    let mut d = UnicodeLine::new(usize::MAX);
    line.iter().for_each(|&b| d.push(b));
    d.finish().map(|(s, _)| s)
}

/// A string known at scan time: a fully kept constant, or `str(x)` of one
/// (the only computation on names that is folded; anything else is dynamic).
pub fn const_str(v: &Val) -> Option<String> {
    if let Some(s) = as_str(v) {
        return Some(s);
    }
    with(v, |n| match n {
        Node::Call { callable, args, .. } => {
            if super::value::as_global(callable).as_deref() != Some("builtins.str") {
                return None;
            }
            let items = super::value::items(args)?;
            match items.as_slice() {
                [one] => as_str(one),
                _ => None,
            }
        }
        _ => None,
    })
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of bytes that exercise every escape state, cut into pieces at
    /// random: decoding them piece by piece gives what byte by byte does.
    #[test]
    fn pieces_decode_as_bytes_do() {
        const ALPHABET: &[u8] = b"a\\'\"xuU0179fF\x80\xffn ";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..4000 {
            let len = (next() % 40) as usize;
            let mut line: Vec<u8> = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            if next() % 2 == 0 {
                line.insert(0, b'\'');
                line.push(b'\'');
            }
            let keep = [0, 1, 2, 5, 16, usize::MAX][(next() % 6) as usize];
            let mut cuts: Vec<usize> = (0..(next() % 4))
                .map(|_| (next() as usize) % (len + 3))
                .collect();
            cuts.sort_unstable();
            let pieces = |line: &[u8]| -> Vec<Vec<u8>> {
                let mut out = Vec::new();
                let mut at = 0;
                for &c in &cuts {
                    let c = c.min(line.len());
                    out.push(line[at..c.max(at)].to_vec());
                    at = c.max(at);
                }
                out.push(line[at..].to_vec());
                out
            };
            let mut a = StringLine::new(keep);
            line.iter().for_each(|&b| a.push(b));
            let mut b = StringLine::new(keep);
            pieces(&line).iter().for_each(|p| b.push_slice(p));
            assert_eq!(a.finish(), b.finish(), "STRING {line:?} keep {keep}");
            let mut a = UnicodeLine::new(keep);
            line.iter().for_each(|&b| a.push(b));
            let mut b = UnicodeLine::new(keep);
            pieces(&line).iter().for_each(|p| b.push_slice(p));
            assert_eq!(a.finish(), b.finish(), "UNICODE {line:?} keep {keep}");
        }
    }

    fn int(n: Option<Node>) -> Option<i64> {
        match n {
            Some(Node::Int(i)) => Some(i),
            _ => None,
        }
    }

    fn boolean(n: Option<Node>) -> Option<bool> {
        match n {
            Some(Node::Bool(b)) => Some(b),
            _ => None,
        }
    }

    // Every outcome below is what CPython 3.12.1's `pickle.loads` (the C
    // unpickler, `Modules/_pickle.c`) returned for `b"I" + line + b"\n."`
    // and the like; 3.9.18 and 3.13.0 gave the same. Where the pure Python
    // `pickle._loads` differs, it is said: loaders use the C one.
    #[test]
    fn int_lines_follow_the_c_unpickler() {
        assert_eq!(int(load_int(b"42")), Some(42));
        assert_eq!(boolean(load_int(b"00")), Some(false));
        assert_eq!(boolean(load_int(b"01")), Some(true));
        // Any three-byte line worth 0 or 1 is a bool (`pickle._loads`: int).
        assert_eq!(boolean(load_int(b" 1")), Some(true));
        assert_eq!(boolean(load_int(b"+1")), Some(true));
        assert_eq!(boolean(load_int(b"-0")), Some(false));
        assert_eq!(boolean(load_int(b"\x0b1")), Some(true));
        assert_eq!(int(load_int(b"1 ")), Some(1));
        assert_eq!(int(load_int(b"\t7")), Some(7));
        assert_eq!(int(load_int(b"7\t")), Some(7));
        assert_eq!(int(load_int(b"1\r")), Some(1));
        // strtol(s, 0): a leading zero is octal (`pickle._loads` raises).
        assert_eq!(int(load_int(b"010")), Some(8));
        assert_eq!(int(load_int(b"0001")), Some(1));
        assert_eq!(int(load_int(b"0x10")), Some(16));
        assert_eq!(int(load_int(b"0b11")), Some(3));
        assert_eq!(int(load_int(b"0o7")), Some(7));
        assert_eq!(int(load_int(b"1_000")), Some(1000));
        assert_eq!(int(load_int(b"00000")), Some(0));
        assert_eq!(int(load_int(b"0_0")), Some(0));
        // strtol stops at a NUL byte (`pickle._loads` raises on all three).
        assert_eq!(boolean(load_int(b"\x000")), Some(false));
        assert_eq!(int(load_int(b"\x00junk")), Some(0));
        assert_eq!(int(load_int(b"1\x00junk")), Some(1));
        assert!(matches!(
            load_int(b"9223372036854775808"),
            Some(Node::BigInt(_))
        ));
        assert!(matches!(load_int(&[b'1'; 4300]), Some(Node::BigInt(_))));
        assert!(load_int(&[b'0'; 5000]).is_some()); // octal zero for strtol
        for bad in [
            &b""[..],
            b" ",
            b"_1",
            b"1__0",
            b"08",
            b"0x",
            b"1L",
            b"- 1",
            b"+-1",
            "\u{ff11}".as_bytes(),
        ] {
            assert!(load_int(bad).is_none(), "{bad:?}");
        }
        // Over 4300 decimal digits: "Exceeds the limit (4300 digits)".
        assert!(load_int(&[b'1'; 4301]).is_none());
        let mut hex = b"0x".to_vec();
        hex.extend([b'f'; 5000]);
        assert!(matches!(load_int(&hex), Some(Node::BigInt(_))));
    }

    #[test]
    fn long_lines_follow_the_c_unpickler() {
        assert_eq!(int(load_long(b"42L")), Some(42));
        assert_eq!(int(load_long(b"42")), Some(42));
        assert_eq!(int(load_long(b"0L")), Some(0));
        assert_eq!(int(load_long(b"1_0L")), Some(10));
        assert_eq!(int(load_long(b" 5L")), Some(5));
        assert_eq!(int(load_long(b"5 L")), Some(5));
        assert_eq!(int(load_long(b"0x1fL")), Some(31));
        assert_eq!(int(load_long(b"-0o7")), Some(-7));
        // The C string ends at the NUL (`pickle._loads` raises).
        assert_eq!(int(load_long(b"5\x00xL")), Some(5));
        for bad in [&b"L"[..], b"010L", b"LL", b"\x00", b""] {
            assert!(load_long(bad).is_none(), "{bad:?}");
        }
        let mut many = vec![b'1'; 4301];
        many.push(b'L');
        assert!(load_long(&many).is_none());
        // Leading zeros count as digits too.
        assert!(load_long(&[b'0'; 4301]).is_none());
        assert!(load_long(&[b'0'; 4300]).is_some());
    }

    #[test]
    fn float_lines_follow_the_c_unpickler() {
        assert_eq!(load_float(b"1.5"), Some(1.5));
        assert_eq!(load_float(b"1e-999"), Some(0.0));
        assert_eq!(load_float(b"inf"), Some(f64::INFINITY));
        assert_eq!(load_float(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert!(load_float(b"nan").is_some_and(f64::is_nan));
        assert!(load_float(b"NaN").is_some_and(f64::is_nan));
        assert_eq!(load_float(b"1."), Some(1.0));
        assert_eq!(load_float(b".5"), Some(0.5));
        assert_eq!(load_float(b"+1.0"), Some(1.0));
        // Ends at the NUL (`pickle._loads` raises).
        assert_eq!(load_float(b"1.5\x00junk"), Some(1.5));
        // `pickle._loads` accepts these five (float() strips whitespace,
        // allows underscores and returns inf); the C unpickler raises.
        for bad in [&b" 1.5"[..], b"1.5 ", b"1_0", b"1e999", b"-1e999"] {
            assert!(load_float(bad).is_none(), "{bad:?}");
        }
        for bad in [
            &b"infx"[..],
            b"1e",
            b"0x1p3",
            b"",
            b"nan(1)",
            b"1,5",
            "\u{661}".as_bytes(),
        ] {
            assert!(load_float(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn memo_indices_are_decimal() {
        for (line, want) in [
            (&b"0"[..], Some(0)),
            (b" 0", Some(0)),
            (b"0 ", Some(0)),
            (b"1_0", Some(10)),
            (b"00", Some(0)),
            (b"-1", Some(-1)), // the loader then fails the memo lookup
        ] {
            assert_eq!(int(load_index(line)), want, "{line:?}");
        }
        assert!(load_index(b"0x0").is_none());
        assert!(load_index(b"").is_none());
    }

    // CPython 3.12.1: `pickle.loads(b"X" + len + data + b".")` returns a
    // string for the first four and raises UnicodeDecodeError for the rest.
    #[test]
    fn binunicode_is_utf8_with_surrogatepass() {
        assert!(utf8_surrogatepass(b"os", false));
        assert!(utf8_surrogatepass("café".as_bytes(), false));
        assert!(utf8_surrogatepass(b"\xed\xa0\x80", false)); // '\ud800'
        assert!(utf8_surrogatepass(b"a\xed\xb0\x80b", false));
        for bad in [&b"\xff"[..], b"\xc3", b"\xe9t\xe9", b"\xed\xa0"] {
            assert!(!utf8_surrogatepass(bad, false), "{bad:?}");
        }
        // A held prefix may end inside a character.
        assert!(utf8_surrogatepass(b"ab\xc3", true));
        assert!(!utf8_surrogatepass(b"\xff", true));
    }

    #[test]
    fn longs_are_twos_complement() {
        assert!(matches!(decode_long(&[0xff], 1), Node::Int(-1)));
        assert!(matches!(decode_long(&[0xff, 0x00], 2), Node::Int(255)));
        assert!(matches!(decode_long(&[], 0), Node::Int(0)));
        assert!(matches!(decode_long(&[0; 9], 9), Node::BigInt(9)));
    }

    #[test]
    fn quoted_strings_unescape_as_escape_decode() {
        assert_eq!(parse_quoted(b"'os'").as_deref(), Some("os"));
        assert_eq!(parse_quoted(b"\"os\"").as_deref(), Some("os"));
        assert_eq!(parse_quoted(b"''").as_deref(), Some(""));
        assert_eq!(
            parse_quoted(br"'a\nb\x41\101\''").as_deref(),
            Some("a\nbAA'")
        );
        // Unknown escapes stay (CPython 3.12: a DeprecationWarning).
        assert_eq!(parse_quoted(br"'\q'").as_deref(), Some("\\q"));
        assert_eq!(parse_quoted(br"'\777'").as_deref(), Some("\u{ff}"));
        assert_eq!(parse_quoted(br"'\18'").as_deref(), Some("\u{1}8"));
        // CPython: UnpicklingError (unquoted) or ValueError (escapes).
        for bad in [
            &b"os"[..],
            b"'",
            b"'os\"",
            br"'a\x4'",
            br"'a\'",
            br"'\x'",
            b"",
        ] {
            assert_eq!(parse_quoted(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn raw_unicode_escape_pairs_backslashes() {
        assert_eq!(raw_unicode_escape(b"os").as_deref(), Some("os"));
        assert_eq!(raw_unicode_escape(br"\u0073").as_deref(), Some("s"));
        assert_eq!(raw_unicode_escape(br"caf\u00e9").as_deref(), Some("café"));
        // `\\` is kept as written and does not start an escape.
        assert_eq!(raw_unicode_escape(br"\\u0073").as_deref(), Some(r"\\u0073"));
        assert_eq!(raw_unicode_escape(br"\x41").as_deref(), Some(r"\x41"));
        assert_eq!(raw_unicode_escape(br"\").as_deref(), Some("\\"));
        assert_eq!(raw_unicode_escape(br"a\").as_deref(), Some("a\\"));
        assert_eq!(raw_unicode_escape(b"\xe9").as_deref(), Some("é"));
        assert_eq!(raw_unicode_escape(br"\ud800").as_deref(), Some("\u{fffd}"));
        assert_eq!(raw_unicode_escape(br"\u00"), None);
        assert_eq!(raw_unicode_escape(br"\U00110000"), None);
        assert_eq!(raw_unicode_escape(br"\u00zz"), None);
    }

    #[test]
    fn long_strings_keep_a_prefix_and_their_length() {
        let mut d = StringLine::new(4);
        for &b in b"'" {
            d.push(b);
        }
        for _ in 0..10_000 {
            d.push(b'a');
        }
        d.push(b'\'');
        let (s, len) = d.finish().unwrap();
        assert_eq!((s.as_str(), len), ("aaaa", 10_000));
        let mut u = UnicodeLine::new(3);
        for &b in br"\u00e9\u00e9abc" {
            u.push(b);
        }
        let (s, len) = u.finish().unwrap();
        assert_eq!((s.as_str(), len), ("é", 7));
    }
}
